"""Golden IR snapshots: `dump-ir` of every spec in spec/ (rewrite with --update-golden)."""
from pathlib import Path

import pytest

from compiler.ir.printer import dump_module
from compiler.pipeline import load

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "spec").rglob("*.pump"))
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_ir_matches_golden(spec, update_golden, monkeypatch):
    monkeypatch.chdir(ROOT)
    analysis = load(spec.relative_to(ROOT).as_posix())
    assert analysis.ok, [d.message for d in analysis.diagnostics]
    text = dump_module(analysis.module)
    assert text == dump_module(load(spec.relative_to(ROOT).as_posix()).module), "dump-ir is not deterministic"
    golden = GOLDEN / f"{spec.stem}.ir"
    if update_golden or not golden.exists():
        golden.write_text(text)
    assert text == golden.read_text(), f"{golden.name} is stale: run pytest --update-golden and review the diff"
