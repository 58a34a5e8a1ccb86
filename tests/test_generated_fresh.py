"""generated/ is what `pumpspec build` produces from the committed spec, byte for byte.

The committed files are the golden snapshot of every backend's output: a change to the
spec, a template or a printer must come with the regenerated files. This is the one
freshness check; `tox -e fresh` runs it too.
"""
from __future__ import annotations

from pathlib import Path

from compiler.cli import main

ROOT = Path(__file__).resolve().parents[1]


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` but dotfiles: ``{relative path: content}``."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_generated_is_fresh(tmp_path):
    assert main(["build", str(ROOT / "spec" / "infusion_pump.pump"), "--out", str(tmp_path),
                 "--quiet"]) == 0
    fresh, committed = files_under(tmp_path), files_under(ROOT / "generated")
    stale = sorted(name for name in fresh if committed.get(name) != fresh[name])
    extra = sorted(set(committed) - set(fresh))
    problems = []
    if stale:
        problems.append(f"out of date or missing in generated/: {', '.join(stale)}")
    if extra:
        problems.append(f"in generated/ but no backend writes them: {', '.join(extra)}")
    assert not problems, "; ".join(problems) + (
        "\nto fix: run `pumpspec build` (or `python -m compiler build`) and commit generated/")
