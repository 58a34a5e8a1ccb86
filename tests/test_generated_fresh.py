"""generated/ is what `pumpspec build` produces from the committed spec, byte for byte.

The committed files are the golden snapshot of every backend's output: a change to the
spec, a template or a printer must come with the regenerated files.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_is_fresh(tmp_path):
    from compiler.cli import main

    assert main(["build", str(ROOT / "spec" / "infusion_pump.pump"), "--out", str(tmp_path),
                 "--quiet"]) == 0
    fresh = {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir())}
    committed = {p.name: p.read_bytes() for p in sorted((ROOT / "generated").iterdir())
                 if p.is_file() and not p.name.startswith(".")}
    stale = sorted(name for name in fresh if committed.get(name) != fresh[name])
    extra = sorted(set(committed) - set(fresh))
    problems = []
    if stale:
        problems.append(f"out of date or missing in generated/: {', '.join(stale)}")
    if extra:
        problems.append(f"in generated/ but no backend writes them: {', '.join(extra)}")
    assert not problems, "; ".join(problems) + (
        "\nto fix: run `pumpspec build` (or `python -m compiler build`) and commit generated/")
