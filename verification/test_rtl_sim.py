"""The cocotb suite of the generated Verilog, driven from pytest (Icarus; SIM=verilator).

Default run (about 2 minutes): the reference spec's block in lockstep with the generated
Python controller for 200 random sequences of 500 port events (plus their ticks), the
directed scenarios (incl. the 2 h reconnect alarm), 2 h of basal at the maximum rate,
the spec's real STEP timing, the watchdog, the limiter, trace replay and deliberately
broken copies of the Verilog that the bench must catch; the backend's own fixture
(``mini_pump`` of tests/irfixtures.py) too. ``--long`` / PUMPSPEC_LONG=1 adds 10,000
sequences, the 56 h wear alarm and 72 h of basal.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

import harness

pytestmark = pytest.mark.sim

BUILD = harness.ROOT / "build" / "sim"
SPEC = harness.DEFAULT_IR
MINI = harness.MINI_IR

def _run(name: str, testcase: str, ir_ref: str, *, extra_env=None, rtl=None,
         toplevel: str = "tb_pump", events_per_tick: int = 4, **over):
    module = harness.load_ir(ir_ref)
    from compiler.backends import verilog

    plan = verilog.plan(module)
    params = harness.sim_params(plan, module, events_per_tick, **over).as_dict()
    build_dir = BUILD / name
    own = {"lockstep_random": "lockstep.json", "scenarios": "scenarios.json",
           "basal_run": "basal.json"}.get(testcase)
    for stale in [*build_dir.glob("mismatch_seed*.json"), *([build_dir / own] if own else [])]:
        stale.unlink(missing_ok=True)  # left by an earlier run
    env = {"PUMPSPEC_SIM_PARAMS": json.dumps(params), "PUMPSPEC_TRACE_DIR": str(build_dir)}
    env.update(extra_env or {})
    t0 = time.monotonic()
    results_xml = harness.run(testcase, ir_ref=ir_ref, build_dir=build_dir, parameters=params,
                              extra_env=env, rtl=rtl, toplevel=toplevel)
    results = _results(Path(results_xml))
    elapsed = time.monotonic() - t0
    (build_dir / "wall_seconds.txt").write_text(f"{elapsed:.1f}\n")
    return results, build_dir


def _results(results_xml: Path) -> dict[str, str]:
    """testcase -> "pass" | "fail" from the runner's results file."""
    import xml.etree.ElementTree as ET

    out = {}
    for case in ET.parse(results_xml).getroot().iter("testcase"):
        out[case.get("name")] = "fail" if case.find("failure") is not None else "pass"
    return out


def _check(results: dict[str, str], testcase: str):
    assert results.get(testcase) == "pass", results


def _lockstep(build_dir: Path) -> dict:
    return json.loads((build_dir / "lockstep.json").read_text())


def _timer_transitions(module) -> set[int]:
    """Tick transitions whose guard reads a timer of hours (set age, time away): reached
    only by the directed scenarios."""
    from compiler.backends.common import subexpressions
    from compiler.ir import nodes as ir

    out = set()
    for t in module.transitions:
        if t.event != "tick":
            continue
        names = {x.name for g in t.guards for x in subexpressions(g.cond) if isinstance(x, ir.Var)}
        if names & {"set_age", "away"}:
            out.add(t.index)
    return out


def test_lockstep_random_spec():
    """200 random sequences of 500 port events; every transition but the hour-timer alarm
    ticks fires (those are in test_scenarios_spec)."""
    env = {"PUMPSPEC_SEQS": "200", "PUMPSPEC_SEQ_LEN": "500"}
    results, build_dir = _run("spec", "lockstep_random", SPEC, extra_env=env)
    _check(results, "lockstep_random")
    stats = _lockstep(build_dir)
    assert stats["sequences"] == 200 and stats["port_events"] >= 200 * 500, stats
    assert set(stats["never_fired"]) <= _timer_transitions(harness.load_ir(SPEC)), stats


@pytest.mark.long
def test_lockstep_random_spec_long():
    n = int(os.environ.get("PUMPSPEC_LONG_SEQS", "10000"))
    env = {"PUMPSPEC_SEQS": str(n), "PUMPSPEC_SEQ_LEN": "500", "PUMPSPEC_SEED": "100000",
           "PUMPSPEC_CHUNK": "100"}
    results, build_dir = _run("spec_long", "lockstep_random", SPEC, extra_env=env)
    _check(results, "lockstep_random")
    assert _lockstep(build_dir)["sequences"] == n


def test_lockstep_random_fixture():
    env = {"PUMPSPEC_SEQS": "30", "PUMPSPEC_SEQ_LEN": "300"}
    results, _ = _run("mini", "lockstep_random", MINI, extra_env=env)
    _check(results, "lockstep_random")


def test_spec_pulse_timing_fixture():
    """The spec's own STEP high/low cycles (not shrunk), checked by the timing monitor."""
    module = harness.load_ir(MINI)
    env = {"PUMPSPEC_SEQS": "4", "PUMPSPEC_SEQ_LEN": "300"}
    results, _ = _run("mini_timing", "lockstep_random", MINI, extra_env=env,
                      step_high=module.motor.step_high_cycles,
                      step_low=module.motor.step_low_cycles)
    _check(results, "lockstep_random")


def test_watchdog_fixture():
    results, _ = _run("mini", "watchdog_missing_heartbeat", MINI)
    _check(results, "watchdog_missing_heartbeat")


def test_broken_verilog_is_caught(tmp_path):
    """Drop a guard from a copy of the generated Verilog: the lockstep must fail."""
    from compiler.backends import verilog

    module = harness.load_ir(MINI)
    (_, text), = verilog.emit(module).items()
    # `bolus` above the maximum (guard #3.1, PS-22) becomes always true
    broken, n = re.subn(r"wire g3_1 = [^;]*;", "wire g3_1 = 1'b1;", text)
    assert n == 1
    rtl = tmp_path / "broken.v"
    rtl.write_text(broken)
    env = {"PUMPSPEC_SEQS": "30", "PUMPSPEC_SEQ_LEN": "300", "PUMPSPEC_CHUNK": "3"}
    results, build_dir = _run("mini_broken", "lockstep_random", MINI, extra_env=env, rtl=rtl)
    assert results.get("lockstep_random") == "fail", "the bench missed a dropped guard"
    assert list(build_dir.glob("mismatch_seed*.json")), "no trace of the mismatch was written"


@pytest.mark.parametrize("target", ["spec", "mini"])
def test_limiter_budget(target):
    ir_ref = SPEC if target == "spec" else MINI
    module = harness.load_ir(ir_ref)
    from compiler.backends.common import snake_case

    results, _ = _run(f"{target}_motor", "limiter_budget", ir_ref,
                      toplevel=f"{snake_case(module.name)}_motor",
                      limit_steps=7, limit_buckets=3, limit_bucket_ticks=2)
    _check(results, "limiter_budget")


def test_scenarios_spec():
    """Directed scenarios incl. fill, a completed bolus and the 2 h reconnect alarm."""
    results, build_dir = _run("spec", "scenarios", SPEC)
    _check(results, "scenarios")
    fired = set(json.loads((build_dir / "scenarios.json").read_text())["fired"])
    module = harness.load_ir(SPEC)
    reconnect = {i for i in _timer_transitions(module)
                 if "Idle" in module.transitions[i].sources}
    assert reconnect <= fired


@pytest.mark.long
def test_scenarios_wear_spec():
    """The directed scenarios with the 56 h wear alarm of a steel set (201,600 ticks)."""
    results, build_dir = _run("spec", "scenarios", SPEC,
                              extra_env={"PUMPSPEC_WEAR": "1"})
    _check(results, "scenarios")
    fired = set(json.loads((build_dir / "scenarios.json").read_text())["fired"])
    assert _timer_transitions(harness.load_ir(SPEC)) <= fired


def test_watchdog_spec():
    results, _ = _run("spec", "watchdog_missing_heartbeat", SPEC)
    _check(results, "watchdog_missing_heartbeat")


def test_spec_pulse_timing():
    """The spec's own STEP timing (48 cycles high and low at 12 MHz), not shrunk."""
    module = harness.load_ir(SPEC)
    env = {"PUMPSPEC_SEQS": "3", "PUMPSPEC_SEQ_LEN": "300"}
    results, _ = _run("spec_timing", "lockstep_random", SPEC, extra_env=env,
                      step_high=module.motor.step_high_cycles,
                      step_low=module.motor.step_low_cycles)
    _check(results, "lockstep_random")


def test_reset_mid_burst_spec():
    # PS-44: STEP is low while rst is high, so a reset in a burst cuts no runt pulse.
    results, _ = _run("spec", "reset_mid_burst", SPEC)
    _check(results, "reset_mid_burst")


def test_basal_2h_spec():
    """2 h of basal at 1,371 steps/h (34.275 U/h), the highest rate the hourly dose window
    never holds back: its 7 buckets of 10 min cover up to 70 min, and 70 min at the
    spec's maximum of 1,400 steps/h would be 1,633 > 1,600 steps (40 U), so from tick
    4,117 on the spec limits a 35 U/h basal and raises dose_limit (the lockstep covers
    that too). Exact at every tick, 2,742 steps in all."""
    env = {"PUMPSPEC_BASAL_RATE": "1371", "PUMPSPEC_BASAL_HOURS": "2"}
    results, build_dir = _run("spec", "basal_run", SPEC, extra_env=env)
    _check(results, "basal_run")
    assert json.loads((build_dir / "basal.json").read_text())["steps"] == 2 * 1371


@pytest.mark.long
def test_basal_72h_spec():
    """72 h (259,200 ticks) of basal at 39 steps/h: exact at every tick, 2,808 steps."""
    env = {"PUMPSPEC_BASAL_RATE": "39", "PUMPSPEC_BASAL_HOURS": "72"}
    results, build_dir = _run("spec", "basal_run", SPEC, extra_env=env)
    _check(results, "basal_run")
    assert json.loads((build_dir / "basal.json").read_text())["steps"] == 72 * 39


def test_replay_trace_spec():
    trace = harness.ROOT / "verification" / "traces" / "bolus_and_suspend.json"
    results, _ = _run("spec", "replay_trace", SPEC, extra_env={"PUMPSPEC_TRACE": str(trace)})
    _check(results, "replay_trace")


def test_broken_verilog_is_caught_spec(tmp_path):
    """Drop the PS-22 guard (bolus above the maximum) from a copy of the generated file:
    the lockstep must fail, name the seed and write the trace."""
    from compiler.backends import verilog

    module = harness.load_ir(SPEC)
    t = next(t for t in module.transitions if t.event == "bolus" and t.target == "Bolusing")
    i = next(i for i, g in enumerate(t.guards) if g.reason and g.reason.requirement == "PS-22")
    (_, text), = verilog.emit(module).items()
    broken, n = re.subn(rf"wire g{t.index}_{i} = [^;]*;", f"wire g{t.index}_{i} = 1'b1;", text)
    assert n == 1
    rtl = tmp_path / "broken.v"
    rtl.write_text(broken)
    env = {"PUMPSPEC_SEQS": "40", "PUMPSPEC_SEQ_LEN": "500", "PUMPSPEC_CHUNK": "4"}
    results, build_dir = _run("spec_broken", "lockstep_random", SPEC, extra_env=env, rtl=rtl)
    assert results.get("lockstep_random") == "fail", "the bench missed a dropped PS-22 guard"
    traces = list(build_dir.glob("mismatch_seed*.json"))
    assert traces, "no trace of the mismatch was written"
    from compiler import trace as tr

    replay = tr.from_json(traces[0].read_text(), module, str(traces[0]))
    assert any(s.event == "bolus" and dict(s.params)["amount"] > 1000 for s in replay.steps)
