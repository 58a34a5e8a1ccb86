"""`pumpspec build`: every backend's file written atomically, nothing on spec errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from compiler.cli import main

SPEC = str(Path(__file__).resolve().parents[2] / "spec" / "infusion_pump.pump")


def run_build(capsys, *argv):
    code = main(["build", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_build_writes_every_backend_atomically(capsys, tmp_path):
    out = tmp_path / "gen"
    code, stdout, _ = run_build(capsys, SPEC, "--out", str(out))
    assert code == 0 and f"wrote {out / 'infusion_pump.py'}" in stdout
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    code, stdout, _ = run_build(capsys, SPEC, "--out", str(out))
    assert code == 0 and "unchanged" in stdout and "wrote" not in stdout
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # no temp files left
    assert (out / "infusion_pump.py").stat().st_mode & 0o777 == 0o644


def test_build_writes_nothing_on_spec_errors(capsys, tmp_path):
    bad = tmp_path / "bad.pump"
    bad.write_text(Path(SPEC).read_text().replace("state Idle ", "state Idle Idle ", 1))
    out = tmp_path / "gen"
    code, _, err = run_build(capsys, str(bad), "--out", str(out))
    assert code == 3 and "nothing was written" in err and not out.exists()


def test_generated_file_runs_standalone(tmp_path, capsys):
    """The built file imports with a plain interpreter: no pumpspec on the path."""
    run_build(capsys, SPEC, "--out", str(tmp_path))
    script = ("import sys; sys.path.insert(0, '.'); import infusion_pump as g; "
              "p = g.InfusionPump(monitor=True); p.tick(); "
              "print(p.state.name, g.Event.bolus.value, 'compiler' in sys.modules)")
    done = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["Idle", "15", "False"]


def test_a_pump_name_as_long_as_check_allows_builds(capsys, tmp_path):
    """`check` allows a stem of MAX_FILE_STEM bytes (`<stem>.py` fills a file name): the
    temporary file of the atomic write must fit too."""
    from compiler.reserved import MAX_FILE_STEM

    spec = tmp_path / "long.pump"
    spec.write_text(Path(SPEC).read_text().replace("pump InfusionPump", "pump P" + "x" * (MAX_FILE_STEM - 1), 1))
    out = tmp_path / "gen"
    code, stdout, err = run_build(capsys, str(spec), "--out", str(out))
    assert code == 0, err
    assert sorted(len(p.name) for p in out.iterdir()) == [MAX_FILE_STEM + 2, MAX_FILE_STEM + 3]


def test_a_file_that_cannot_be_written_is_named(capsys, tmp_path):
    out = tmp_path / "gen"
    out.write_text("a file where the folder should be")
    code, _, err = run_build(capsys, SPEC, "--out", str(out))
    assert code == 4 and f"cannot write {out / 'infusion_pump.py'}" in err
