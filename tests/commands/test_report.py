"""`pumpspec report`'s failures: nothing is proved or written when an input is missing.
(The report itself: tests/report/.)"""
from __future__ import annotations

from pathlib import Path

from compiler import cli

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "spec" / "minimal_pump.pump")


def test_a_spec_with_errors_writes_nothing(tmp_path, capsys):
    bad = ROOT / "tests" / "semantics" / "errors" / "E0101_duplicate.pump"
    assert cli.main(["report", str(bad), "-o", str(tmp_path / "out")]) == 3
    assert "E0101" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unreadable_coverage_file_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "cov.json").write_text('{"no": "fired"}')
    assert cli.main(["report", SPEC, "-o", str(tmp_path / "out"),
                     "--lockstep-coverage", str(tmp_path / "cov.json")]) == 4
    assert "cannot read the lockstep coverage" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_without_graphviz_it_says_so_before_proving(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main(["report", SPEC, "-o", str(tmp_path / "out")]) == 4
    captured = capsys.readouterr()
    assert "Graphviz `dot` is not installed" in captured.err and "proving" not in captured.out
