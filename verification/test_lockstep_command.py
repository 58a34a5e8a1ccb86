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
from compiler import prove as prover
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


SHORT_SEQUENCES = 12  # per corpus spec in the default run; the long tier runs 10,000


def test_short_lockstep(corpus_rtl):
    """12 sequences x 200 port events (plus witness prefixes and ticks): 0 mismatches."""
    r = pumpspec("lockstep", str(corpus_rtl), "--sequences", str(SHORT_SEQUENCES), "--events", "200",
                 "--sim", SIM, "--format", "json",
                 "--work", str(BUILD / f"{corpus_rtl.stem}-{SIM}"))
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["ok"] and result["sequences"] == SHORT_SEQUENCES, result
    assert result["port_events"] >= SHORT_SEQUENCES * 200, result
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
    # one simulator run plays every sequence before the first mismatch is looked for: 10
    # sequences (the first bolus above the maximum comes in the third) cost a quarter of 40
    result = lockstep.run(bench, sequences=10, events=500)
    m = result.mismatch
    assert m is not None and m.event.startswith("bolus(amount=")
    assert int(m.event.split("=")[1].rstrip(")")) > 1000
    assert "PS-22" in m.table() and m.trace.steps[-1].event == "bolus"
    again = lockstep.run(bench, sequences=0, traces=[("mismatch", m.trace)])
    assert again.mismatch is not None and again.mismatch.event == m.event
    assert result.cause is None and again.cause is None  # a bug of the block, not of the spec


# L1: `r` (0 .. 45) leaves its range at the first tick; its 6-bit register wraps later
LEAVES_ITS_RANGE = """pump P
units { step = 0.025 U  tick = 1 s  clock = 4 MHz }
var r : 0 .. 45 steps/h = 30 steps/h
state Idle initial reject others "no"
every tick do r := r + max(r, 37 steps/h)
"""
# L2: `go` before the first tick after reset reaches Run, where `basal` steps at once
STEPS_IN_THE_FIRST_TICK = """pump P
units { step = 0.025 U  tick = 1 s  clock = 1 MHz }
motor {
    step_high = 10 us
    step_low  = 10 us
    max_rate  = 2 U/min
    max_steps_per_tick = 2
    moves in Run
    source basal rate 1.5 U/min during Run
}
state Idle initial reject others "no"
state Run reject others "running"
event go
on go from Idle -> Run
"""


@pytest.mark.parametrize("text,trace,code,at,says", [
    (LEAVES_ITS_RANGE, "tick 2\n", "P0100", (3, 1),
     "`r` = 67 left its declared range 0 .. 45 (base units) at step 0 of trace"),
    (STEPS_IN_THE_FIRST_TICK, "go\ntick\n", "W0403", (9, 5),
     "`basal` commanded 1 step in the first tick after reset (step 1 of trace"),
], ids=["left_its_range", "stepped_in_the_first_tick"])
def test_a_mismatch_the_spec_explains_is_named(tmp_path, text, trace, code, at, says):
    """A mismatch that a finding of the spec explains is printed as that finding, at its
    span, in text and in JSON (exit 1 all the same: the block and the spec part)."""
    spec, path = tmp_path / "p.pump", tmp_path / "p.trace"
    spec.write_text(text)
    path.write_text(trace)
    args = ["lockstep", str(spec), "--trace", str(path), "--sim", SIM,
            "--work", str(tmp_path / "work")]
    r = pumpspec(*args)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "the spec explains it:" in r.stdout and f"[{code}]: {says}" in r.stdout, r.stdout
    assert f"--> {spec}:{at[0]}:{at[1]}" in r.stdout, r.stdout
    r = pumpspec(*args, "--format", "json")
    cause = json.loads(r.stdout)["mismatch"]["cause"]
    assert cause["code"] == code and (cause["span"]["line"], cause["span"]["col"]) == at, cause


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


WRAP_SPEC = """pump WrapParam
units { step = 0.05 U   tick = 1 s   clock = 1 MHz }
var level : 0 .. 10 = 0
event set_level(n: 0 .. 12)
state Idle initial ignore others
on set_level from Idle when n <= 10 else reject X-1 "above ten" do level := n
"""


def test_a_value_the_port_cannot_carry_is_refused_one_that_fits_is_sent(tmp_path):
    # n is 0 .. 12, a 4-bit port: 13 fits and is sent (the block rejects it with reason 2,
    # as the controller does); 19 was sent as 19 mod 16 = 3, accepted, and the lockstep
    # blamed the spec; now the trace is refused up front at its line, nothing sent
    spec = tmp_path / "wrap.pump"
    spec.write_text(WRAP_SPEC)
    fits, wraps = tmp_path / "fits.trace", tmp_path / "wraps.trace"
    fits.write_text("set_level n=13   => rejected 2\nset_level n=15 => rejected 2\n")
    wraps.write_text("set_level n=13   => rejected 2\nset_level n=19   => rejected 2\n")
    work = str(tmp_path / "work")
    r = pumpspec("lockstep", str(spec), "--trace", str(fits), "--sim", SIM, "--work", work)
    assert r.returncode == 0 and "0 mismatches" in r.stdout, r.stdout + r.stderr
    assert "expectation failed" not in r.stdout
    r = pumpspec("lockstep", str(spec), "--trace", str(wraps), "--sim", SIM, "--work", work)
    assert r.returncode == 4 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert r.stdout == ""  # refused before the simulator runs
    err = r.stderr
    assert "error[E0601]: `n` = 19 does not fit the block's 4-bit port of `set_level` (0 .. 15)" in err
    assert f"--> {wraps}:2:11" in err and "the block would receive 19 mod 16 = 3" in err
    assert "declared 0 .. 12" in err and "(13 .. 15) is sent" in err and "help:" in err
    # a JSON trace names the step (its steps have no lines)
    doc = {"format": "pumpspec-trace/1", "pump": "WrapParam",
           "steps": [{"event": "set_level", "params": {"n": -1}}]}
    js = tmp_path / "wraps.json"
    js.write_text(json.dumps(doc))
    r = pumpspec("lockstep", str(spec), "--trace", str(js), "--sim", SIM, "--work", work)
    assert r.returncode == 4 and f"`n` = -1 does not fit the block's 4-bit port of `set_level` " \
        f"(0 .. 15) at {js}: step 0" in r.stderr, r.stderr
    assert "-1 mod 16 = 15" in r.stderr


def test_the_stimulus_never_packs_a_wrapped_value():
    module = pipeline.load_module(str(REFERENCE))
    model = lockstep.Model(module)
    bolus = model.by_name["bolus"]
    top = (1 << verilog.type_bits(bolus.params[0].type)) - 1
    assert model.unpack_params(bolus, model.pack_params(bolus, {"amount": top})) == [top]
    with pytest.raises(ValueError, match="does not fit"):
        model.pack_params(bolus, {"amount": top + 1})


def test_a_trace_from_a_recorded_start_is_refused(tmp_path):
    # the JSON reader dropped "start", so the lockstep replayed it from reset (exit 0),
    # though the block cannot be put in that configuration
    spec = ROOT / "spec" / "examples" / "prove" / "recovery_unreachable_start.pump"
    module = pipeline.load_module(str(spec))
    report = pipeline.prove(module, prover.Options(witnesses=False, only=("M-13",)))
    trace, = prover.write_traces(report, tmp_path).values()
    assert "start" in json.loads(trace.read_text())
    r = pumpspec("lockstep", str(spec), "--trace", str(trace), "--sim", SIM,
                 "--work", str(tmp_path / "work"))
    assert r.returncode == 4 and r.stdout == "", r.stdout + r.stderr
    assert f"error[E0602]: `{trace}` starts from a configuration the prover recorded" in r.stderr
    assert "help: replay it with `pumpspec simulate" in r.stderr
