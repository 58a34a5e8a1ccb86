"""Golden IR snapshots: `dump-ir` of every spec in spec/ (see tests/golden.py)."""
from pathlib import Path

import pytest

from compiler.ir.printer import dump_module
from compiler.pipeline import load
from golden import check_golden

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
    check_golden(GOLDEN / f"{spec.stem}.ir", text, update_golden)


def test_every_golden_has_its_spec():
    stems = {spec.stem for spec in SPECS}
    orphans = sorted(p.name for p in GOLDEN.glob("*.ir") if p.stem not in stems)
    assert not orphans, f"golden IR without a spec in spec/ (delete them): {orphans}"
