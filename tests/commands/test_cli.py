"""The command line: exit codes, output formats, and no traceback for any input."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = "spec/infusion_pump.pump"
BROKEN = "tests/semantics/errors/E0102_unknown_name.pump"


def pumpspec(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "compiler", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_check_reference_spec_is_clean():
    r = pumpspec("check", REFERENCE)
    assert r.returncode == 0, r.stderr
    assert "ok (8 states" in r.stdout


def test_check_reports_errors_with_exit_3():
    r = pumpspec("check", BROKEN)
    assert r.returncode == 3
    assert "error[E0102]: unknown name `y`" in r.stderr
    assert f"--> {BROKEN}:6:22" in r.stderr


def test_check_several_files_reports_all():
    r = pumpspec("check", REFERENCE, BROKEN, "tests/semantics/errors/E0103_unknown_state.pump")
    assert r.returncode == 3
    assert "E0102" in r.stderr and "E0103" in r.stderr


def test_json_format_is_machine_readable():
    r = pumpspec("check", "--format", "json", BROKEN)
    assert r.returncode == 3
    doc = json.loads(r.stdout)
    assert doc["schema"] == "pumpspec/1" and doc["exit_code"] == 3
    (f,) = doc["files"]
    (d,) = f["diagnostics"]
    assert d["code"] == "E0102"
    assert d["span"] == {"file": BROKEN, "line": 6, "col": 22, "end_line": 6, "end_col": 23}


def test_dump_ir_is_byte_identical_across_runs():
    first, second = pumpspec("dump-ir", REFERENCE), pumpspec("dump-ir", REFERENCE)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert first.stdout.startswith("module InfusionPump\n")


@pytest.mark.parametrize("target", ["no/such/file.pump", "spec", "binary"])
def test_unreadable_input_is_a_diagnostic_not_a_traceback(target, tmp_path):
    if target == "binary":
        path = tmp_path / "x.pump"
        path.write_bytes(b"\xff\xfe\x00garbage")
        target = str(path)
    r = pumpspec("check", target)
    assert r.returncode == 3
    assert "error[E0004]: cannot read" in r.stderr
    assert "Traceback" not in r.stderr


def test_usage_errors_exit_4():
    assert pumpspec("check").returncode == 4
    assert pumpspec("no-such-command").returncode == 4
    assert pumpspec("--help").returncode == 0


def test_first_day_trace_replays_with_every_property_monitored():
    r = pumpspec("simulate", REFERENCE, "spec/examples/traces/infusion_pump-first_day.trace", "--monitor")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert "replayed 80070 of 80070 steps; every property held" in r.stdout


def test_a_file_that_cannot_be_written_is_an_io_error_naming_it(tmp_path):
    """An OSError on a file a command writes is exit 4 with the file named, not an
    internal error (70)."""
    target = tmp_path / "missing" / "out.sarif"
    r = pumpspec("prove", "-q", "spec/examples/prove/invariant_violated.pump", "--only", "M-20",
                 "--sarif", str(target))
    assert r.returncode == 4, r.stderr
    assert f"error: cannot use {target}: No such file or directory" in r.stderr
    assert "internal" not in r.stderr
