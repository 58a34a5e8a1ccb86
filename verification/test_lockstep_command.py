"""`pumpspec lockstep` on every corpus spec (conftest.py): a short random lockstep guided
by the spec and its reachability witnesses, on Icarus (SIM=verilator for Verilator), and
what the command says on a mismatch, a trace, bad usage and a spec with errors."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import lockstep, pipeline
from compiler.backends import verilog

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "lockstep"
SIM = os.environ.get("SIM", "icarus")
REFERENCE = ROOT / "spec" / "infusion_pump.pump"


def pumpspec(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compiler", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_short_lockstep(corpus_rtl):
    """20 sequences x 200 port events (plus witness prefixes and ticks): 0 mismatches."""
    r = pumpspec("lockstep", str(corpus_rtl), "--sequences", "20", "--events", "200",
                 "--sim", SIM, "--format", "json",
                 "--work", str(BUILD / f"{corpus_rtl.stem}-{SIM}"))
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["ok"] and result["sequences"] == 20 and result["port_events"] >= 4000, result
    assert result["comparisons"] > result["events"] * 0.99, result


def test_mismatch_is_a_table_and_a_replayable_trace(tmp_path):
    """A copy of the block with the PS-22 guard (bolus above the maximum) forced true:
    the run stops at the first mismatch, names the event, and its trace replays it."""
    module = pipeline.load_module(REFERENCE)
    t = next(t for t in module.transitions if t.event == "bolus" and t.target == "Bolusing")
    i = next(i for i, g in enumerate(t.guards) if g.reason and g.reason.requirement == "PS-22")
    (_, text), = verilog.emit(module).items()
    broken, n = re.subn(rf"wire g{t.index}_{i} = [^;]*;", f"wire g{t.index}_{i} = 1'b1;", text)
    assert n == 1
    bench = lockstep.build(module, sim=SIM, workdir=tmp_path / "broken", block=broken)
    result = lockstep.run(bench, sequences=40, events=500)
    m = result.mismatch
    assert m is not None and m.event.startswith("bolus(amount=")
    assert int(m.event.split("=")[1].rstrip(")")) > 1000
    assert "PS-22" in m.table() and m.trace.steps[-1].event == "bolus"
    again = lockstep.run(bench, sequences=0, traces=[("mismatch", m.trace)])
    assert again.mismatch is not None and again.mismatch.event == m.event


def test_trace_replay_and_waves(tmp_path):
    vcd = tmp_path / "out.vcd"
    trace = ROOT / "spec" / "examples" / "traces" / "infusion_pump-bolus_and_suspend.trace"
    r = pumpspec("lockstep", str(REFERENCE), "--trace", str(trace), "--waves", str(vcd),
                 "--sim", SIM, "--work", str(tmp_path / "work"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 mismatches" in r.stdout and "0 sequences, 1 traces" in r.stdout
    assert vcd.read_text(errors="replace").startswith("$")


def test_failed_trace_expectation_exits_1(tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("tick => accepted Delivering\n")
    r = pumpspec("lockstep", str(REFERENCE), "--trace", str(trace), "--sim", SIM,
                 "--work", str(tmp_path / "work"))
    assert r.returncode == 1 and "expectation failed" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("args,code", [
    (["spec/infusion_pump.pump", "--events", "0"], 4),
    (["spec/infusion_pump.pump", "--trace", "no/such.trace"], 4),
    (["spec/infusion_pump.pump", "--sim", "modelsim"], 4),
])
def test_usage_errors(args, code):
    r = pumpspec("lockstep", *args)
    assert r.returncode == code, r.stdout + r.stderr


def test_spec_errors_exit_3(tmp_path):
    bad = tmp_path / "bad.pump"
    bad.write_text("pump X\nstate\n")
    r = pumpspec("lockstep", str(bad))
    assert r.returncode == 3 and "error[" in r.stderr
