"""The cocotb suite of the generated Verilog, driven from pytest (Icarus; SIM=verilator).

Every corpus spec (conftest.py) in lockstep with its generated Python controller: the
traces that belong to it (spec/examples/traces/<stem>-*), a reset in the middle of a
STEP burst, the watchdog and the step limiter. The reference spec adds 200 random
sequences of 500 port events and a deliberately broken copy of its Verilog the bench must
catch; the Verilog backend's own fixture (``mini_pump`` of tests/irfixtures.py) runs the
same. ``--long`` / PUMPSPEC_LONG=1 adds 10,000 sequences and the traces of more than
LONG_TRACE_TICKS ticks (the 56 h wear alarm, 72 h of basal, a first day); that tier runs
``compiler.lockstep`` (the machinery of `pumpspec lockstep`) on Verilator, the faster
simulator (bench/bench_sim.py), without cocotb. The short random lockstep of every corpus
spec, through `pumpspec lockstep`, is in test_lockstep_command.py.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

import harness
from compiler import lockstep, pipeline
from compiler import trace as tr
from compiler.backends import verilog
from compiler.simulate import read_trace

pytestmark = pytest.mark.sim

BUILD = harness.ROOT / "build" / "sim"
REFERENCE = harness.REFERENCE
MINI = harness.MINI_IR
LONG_TRACE_TICKS = 20_000  # a trace with more ticks replays in the long tier
LONG_SIM = "verilator"  # the long tier's simulator


def _run(name: str, testcase: str, ir_ref: str, *, extra_env=None, rtl=None,
         toplevel: str = "tb_pump", events_per_tick: int = 4, **over):
    module = harness.load_ir(ir_ref)
    params = lockstep.sim_params(module, events_per_tick, **over).as_dict()
    build_dir = BUILD / f"{name}-{testcase}"  # one folder per test: tests may run at once
    own = {"lockstep_random": "lockstep.json", "replay_traces": "traces.json"}.get(testcase)
    for stale in [*build_dir.glob("mismatch_seed*.json"), *([build_dir / own] if own else [])]:
        stale.unlink(missing_ok=True)  # left by an earlier run
    env = {"PUMPSPEC_SIM_PARAMS": json.dumps(params), "PUMPSPEC_TRACE_DIR": str(build_dir)}
    env.update(extra_env or {})
    t0 = time.monotonic()
    results_xml = harness.run(testcase, ir_ref=ir_ref, build_dir=build_dir, parameters=params,
                              extra_env=env, rtl=rtl, toplevel=toplevel)
    results = _results(Path(results_xml))
    (build_dir / "wall_seconds.txt").write_text(f"{time.monotonic() - t0:.1f}\n")
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


def _traces(spec: Path, traces: list[Path], long: bool) -> list[Path]:
    """The traces of ``spec`` with more (long) or at most LONG_TRACE_TICKS ticks."""
    module = harness.load_ir(harness.spec_ref(spec))
    out = []
    for path in traces:
        ticks = sum(s.repeat for s in read_trace(str(path), module).steps if s.event == "tick")
        if (ticks > LONG_TRACE_TICKS) == long:
            out.append(path)
    return out


def _replay(spec: Path, traces: list[Path]):
    if not traces:
        pytest.skip(f"no trace of {spec.stem} in this tier")
    module = harness.load_ir(harness.spec_ref(spec))
    room = max(lockstep.longest_event_run(read_trace(str(t), module)) for t in traces)
    env = {"PUMPSPEC_TRACES": os.pathsep.join(str(t) for t in traces)}
    results, _ = _run(f"{spec.stem}_traces", "replay_traces", harness.spec_ref(spec),
                      extra_env=env, events_per_tick=max(4, room))
    _check(results, "replay_traces")


# ---------------------------------------------------------------- every corpus spec


def test_replay_traces(corpus_rtl, corpus_traces_of):
    """The spec's traces up to LONG_TRACE_TICKS ticks, in lockstep."""
    _replay(corpus_rtl, _traces(corpus_rtl, corpus_traces_of(corpus_rtl), long=False))


def _lockstep_long(name: str, module, room: int = lockstep.EVENTS_PER_TICK,
                   **run) -> lockstep.Result:
    """``lockstep.run(**run)`` on LONG_SIM, the block's tick shrunk to ``room`` events; a
    mismatch fails with its table and writes its trace (replay it with
    `pumpspec lockstep SPEC --trace FILE`)."""
    why = lockstep.missing(LONG_SIM)
    assert why is None, why
    work = BUILD / f"{name}-{LONG_SIM}"
    bench = lockstep.build(module, sim=LONG_SIM, workdir=work,
                           params=lockstep.sim_params(module, events_per_tick=room))
    result = lockstep.run(bench, **run)
    if result.mismatch is not None:
        trace_file = work / "mismatch.json"
        trace_file.write_text(tr.to_json(result.mismatch.trace, module))
        pytest.fail(f"{result.mismatch.table()}\ntrace: {trace_file}")
    assert not result.expectation_failures, result.expectation_failures
    (work / "result.txt").write_text(
        f"{result.sequences} sequences, {len(result.traces)} traces, {result.port_events} "
        f"port events + {result.ticks} ticks, {result.compares} comparisons, 0 mismatches; "
        f"{result.wall_seconds:.1f} s (simulator {result.sim_seconds:.1f} s, checker "
        f"{result.check_seconds:.1f} s)\n{result.coverage.line(module)}\n")
    return result


@pytest.mark.long
def test_replay_long_traces(corpus_rtl, corpus_traces_of):
    paths = _traces(corpus_rtl, corpus_traces_of(corpus_rtl), long=True)
    if not paths:
        pytest.skip(f"no trace of {corpus_rtl.stem} in this tier")
    module = harness.load_ir(harness.spec_ref(corpus_rtl))
    traces = [(str(p), read_trace(str(p), module)) for p in paths]
    room = max([lockstep.EVENTS_PER_TICK, *(lockstep.longest_event_run(t) for _, t in traces)])
    result = _lockstep_long(f"{corpus_rtl.stem}_long_traces", module, room, sequences=0,
                            traces=traces)
    assert result.traces == [label for label, _ in traces] and result.ticks > LONG_TRACE_TICKS


def test_reset_mid_burst(corpus_rtl):
    # PS-44: STEP is low while rst is high, so a reset in a burst cuts no runt pulse.
    results, _ = _run(corpus_rtl.stem, "reset_mid_burst", harness.spec_ref(corpus_rtl))
    _check(results, "reset_mid_burst")


def test_watchdog(corpus_rtl):
    results, _ = _run(corpus_rtl.stem, "watchdog_missing_heartbeat", harness.spec_ref(corpus_rtl))
    _check(results, "watchdog_missing_heartbeat")


def test_limiter_budget(corpus_rtl):
    module = harness.load_ir(harness.spec_ref(corpus_rtl))
    from compiler.backends.common import snake_case

    results, _ = _run(f"{corpus_rtl.stem}_motor", "limiter_budget", harness.spec_ref(corpus_rtl),
                      toplevel=f"{snake_case(module.name)}_motor",
                      limit_steps=7, limit_buckets=3, limit_bucket_ticks=2)
    _check(results, "limiter_budget")


# ---------------------------------------------------------------- the reference spec


def test_lockstep_random_reference():
    """30 random sequences of 500 port events through cocotb; every transition fires but
    the alarm ticks behind hour timers (the wear and reconnect traces fire those)."""
    env = {"PUMPSPEC_SEQS": "30", "PUMPSPEC_SEQ_LEN": "500"}
    results, build_dir = _run("reference", "lockstep_random", REFERENCE, extra_env=env)
    _check(results, "lockstep_random")
    stats = _lockstep(build_dir)
    assert stats["sequences"] == 30 and stats["port_events"] >= 30 * 500, stats
    assert len(stats["never_fired"]) <= 2, stats


@pytest.mark.long
def test_lockstep_random_reference_long():
    """10,000 random sequences of 500 port events (seeds 100,000 on) with the reachability
    witnesses as prefixes, on LONG_SIM."""
    n = int(os.environ.get("PUMPSPEC_LONG_SEQS", "10000"))
    module = harness.load_ir(REFERENCE)
    prefixes = pipeline.reachability_witnesses(module, lockstep.MAX_PREFIX_STEPS)
    result = _lockstep_long("reference_long", module, sequences=n, events=500, seed=100_000,
                            prefixes=prefixes)
    assert result.sequences == n and result.port_events >= n * 500, result
    assert len(result.coverage.never_fired(module)) <= 2, result.coverage.line(module)


def test_spec_pulse_timing_reference():
    """The spec's own STEP timing (48 cycles high and low at 12 MHz), not shrunk."""
    module = harness.load_ir(REFERENCE)
    env = {"PUMPSPEC_SEQS": "3", "PUMPSPEC_SEQ_LEN": "300"}
    results, _ = _run("reference_timing", "lockstep_random", REFERENCE, extra_env=env,
                      step_high=module.motor.step_high_cycles,
                      step_low=module.motor.step_low_cycles)
    _check(results, "lockstep_random")


def test_broken_verilog_is_caught_reference(tmp_path):
    """Drop the PS-22 guard (bolus above the maximum) from a copy of the generated file:
    the lockstep must fail, name the seed and write the trace."""
    module = harness.load_ir(REFERENCE)
    t = next(t for t in module.transitions if t.event == "bolus" and t.target == "Bolusing")
    i = next(i for i, g in enumerate(t.guards) if g.reason and g.reason.requirement == "PS-22")
    (_, text), = verilog.emit(module).items()
    broken, n = re.subn(rf"wire g{t.index}_{i} = [^;]*;", f"wire g{t.index}_{i} = 1'b1;", text)
    assert n == 1
    rtl = tmp_path / "broken.v"
    rtl.write_text(broken)
    env = {"PUMPSPEC_SEQS": "40", "PUMPSPEC_SEQ_LEN": "500", "PUMPSPEC_CHUNK": "4"}
    results, build_dir = _run("reference_broken", "lockstep_random", REFERENCE, extra_env=env,
                              rtl=rtl)
    assert results.get("lockstep_random") == "fail", "the bench missed a dropped PS-22 guard"
    traces = list(build_dir.glob("mismatch_seed*.json"))
    assert traces, "no trace of the mismatch was written"
    from compiler import trace as tr

    replay = tr.from_json(traces[0].read_text(), module, str(traces[0]))
    assert any(s.event == "bolus" and dict(s.params)["amount"] > 1000 for s in replay.steps)


# ---------------------------------------------------------------- the backend's fixture


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


def test_limiter_budget_fixture():
    from compiler.backends.common import snake_case

    results, _ = _run("mini_motor", "limiter_budget", MINI,
                      toplevel=f"{snake_case(harness.load_ir(MINI).name)}_motor",
                      limit_steps=7, limit_buckets=3, limit_bucket_ticks=2)
    _check(results, "limiter_budget")


def test_broken_verilog_is_caught(tmp_path):
    """Drop a guard from a copy of the generated Verilog: the lockstep must fail."""
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
