"""The cocotb suite of the generated Verilog, driven from pytest (Icarus; SIM=verilator).

Default run: the reference spec's block in lockstep with the evaluator for 200 random
sequences of 500 steps, the spec's real STEP timing, the watchdog, the limiter, trace
replay, directed scenarios and a deliberately broken copy of the Verilog that the bench
must catch; the backend's own fixture (tests/backends/verilog/mini_ir.py) too. ``--long``
runs 10,000 sequences.
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

needs_spec = pytest.mark.skipif(not harness.spec_available(),
                                reason="the front end (compiler.pipeline) is not available")


def _run(name: str, testcase: str, ir_ref: str, *, extra_env=None, rtl=None,
         toplevel: str = "tb_pump", **over):
    module = harness.load_ir(ir_ref)
    from compiler.backends import verilog

    plan = verilog.plan(module)
    params = harness.sim_params(plan, module, **over).as_dict()
    build_dir = BUILD / name
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


@needs_spec
def test_lockstep_random_spec():
    env = {"PUMPSPEC_SEQS": "200", "PUMPSPEC_SEQ_LEN": "500"}
    results, _ = _run("spec", "lockstep_random", SPEC, extra_env=env)
    _check(results, "lockstep_random")


@needs_spec
@pytest.mark.long
def test_lockstep_random_spec_long():
    env = {"PUMPSPEC_SEQS": os.environ.get("PUMPSPEC_LONG_SEQS", "10000"),
           "PUMPSPEC_SEQ_LEN": "500", "PUMPSPEC_SEED": "100000"}
    results, _ = _run("spec", "lockstep_random", SPEC, extra_env=env)
    _check(results, "lockstep_random")


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
    env = {"PUMPSPEC_SEQS": "30", "PUMPSPEC_SEQ_LEN": "300"}
    results, build_dir = _run("mini_broken", "lockstep_random", MINI, extra_env=env, rtl=rtl)
    assert results.get("lockstep_random") == "fail", "the bench missed a dropped guard"
    assert list(build_dir.glob("mismatch_seed*.json")), "no trace of the mismatch was written"


@pytest.mark.parametrize("target", ["spec", "mini"])
def test_limiter_budget(target):
    ir_ref = SPEC if target == "spec" else MINI
    if target == "spec" and not harness.spec_available():
        pytest.skip("the front end is not available")
    module = harness.load_ir(ir_ref)
    from compiler.backends.common import snake_case

    results, _ = _run(f"{target}_motor", "limiter_budget", ir_ref,
                      toplevel=f"{snake_case(module.name)}_motor",
                      limit_steps=7, limit_buckets=3, limit_bucket_ticks=2)
    _check(results, "limiter_budget")


@needs_spec
def test_scenarios_spec():
    results, _ = _run("spec", "scenarios", SPEC)
    _check(results, "scenarios")


@needs_spec
def test_watchdog_spec():
    results, _ = _run("spec", "watchdog_missing_heartbeat", SPEC)
    _check(results, "watchdog_missing_heartbeat")


@needs_spec
def test_spec_pulse_timing():
    """The spec's own STEP timing (48 cycles high and low at 12 MHz), not shrunk."""
    module = harness.load_ir(SPEC)
    env = {"PUMPSPEC_SEQS": "3", "PUMPSPEC_SEQ_LEN": "400"}
    results, _ = _run("spec_timing", "lockstep_random", SPEC, extra_env=env,
                      step_high=module.motor.step_high_cycles,
                      step_low=module.motor.step_low_cycles)
    _check(results, "lockstep_random")


@needs_spec
def test_basal_72h_spec():
    """72 h of basal at a tick of 8 clock cycles: exact step count at every tick."""
    results, build_dir = _run("spec_basal", "basal_72h", SPEC, tick_cycles=8)
    _check(results, "basal_72h")


@needs_spec
def test_replay_trace_spec():
    trace = harness.ROOT / "verification" / "traces" / "bolus_and_suspend.json"
    results, _ = _run("spec", "replay_trace", SPEC, extra_env={"PUMPSPEC_TRACE": str(trace)})
    _check(results, "replay_trace")


@needs_spec
def test_broken_verilog_is_caught_spec(tmp_path):
    """Drop the PS-22 guard (bolus above the maximum) from a copy of the generated file."""
    from compiler.backends import verilog

    module = harness.load_ir(SPEC)
    t = next(t for t in module.transitions if t.event == "bolus" and t.target == "Bolusing")
    i = next(i for i, g in enumerate(t.guards) if g.reason and g.reason.requirement == "PS-22")
    (_, text), = verilog.emit(module).items()
    broken, n = re.subn(rf"wire g{t.index}_{i} = [^;]*;", f"wire g{t.index}_{i} = 1'b1;", text)
    assert n == 1
    rtl = tmp_path / "broken.v"
    rtl.write_text(broken)
    env = {"PUMPSPEC_SEQS": "40", "PUMPSPEC_SEQ_LEN": "500"}
    results, build_dir = _run("spec_broken", "lockstep_random", SPEC, extra_env=env, rtl=rtl)
    assert results.get("lockstep_random") == "fail", "the bench missed a dropped PS-22 guard"
    assert list(build_dir.glob("mismatch_seed*.json"))
