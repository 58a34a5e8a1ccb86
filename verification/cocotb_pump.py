"""cocotb tests of the generated Verilog block, in lockstep with the generated Python
controller (``compiler.lockstep``: the controller is the scoreboard), for any spec.

Run through verification/test_rtl_sim.py (pytest), not directly; the IR under test is
``PUMPSPEC_IR`` (verification/harness.py). The lockstep tests run in stream mode: the test
builds a program with the controller following along, the wrapper's sequencer drives the
block from it at full speed, and the checker replays the wrapper's log through a fresh
controller, comparing every event's status and reason, every register after every event
and tick, the STEP pulses of every tick, motor_en at every tick, no fault and the STEP
timing monitor. A mismatch names the sequence and writes its JSON trace
(``mismatch_seed<N>.json`` in the build folder).
"""
from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer

from compiler import pipeline
from compiler import trace as tr
from compiler.backends import verilog
from compiler.lockstep import (MAX_PREFIX_STEPS, PARAMETERS, Checker, Mismatch, Model, Program,
                               RandomGen, SimParams, longest_event_run, replay_trace)
from compiler.simulate import read_trace
from harness import load_ir

PERIOD_NS = 10


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _params() -> dict[str, int]:
    return json.loads(os.environ.get("PUMPSPEC_SIM_PARAMS", "{}"))


def _out_dir() -> Path:
    return Path(os.environ.get("PUMPSPEC_TRACE_DIR", "."))


def max_burst_events(model: Model) -> int:
    """Events that fit between a tick's burst and the cycles the block holds events
    before the next tick (``SimParams.events_per_tick``)."""
    p = _params()
    return SimParams(*(p[name] for name in PARAMETERS)).events_per_tick(model.m, model.plan)


async def start(dut):
    """Power-on reset; the wrapper generates its own 10 ns clock."""
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    dut.ev_valid.value = 0
    dut.ev_code.value = 0
    dut.ev_params.value = 0
    dut.heartbeat.value = 1
    dut.fault_in.value = 0
    dut.stream_go.value = 0
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0


class Stream:
    """Runs programs on the block and feeds the logs to one checker."""

    def __init__(self, dut, model: Model, checker: Checker):
        self.dut, self.model, self.checker = dut, model, checker
        self.sim_seconds = 0.0
        self.check_seconds = 0.0

    async def run(self, prog: Program):
        d = self.dut
        Path("stream_stim.txt").write_text(prog.text())
        t0 = time.monotonic()
        d.stream_go.value = 1
        await RisingEdge(d.stream_done)
        await FallingEdge(d.clk)
        d.stream_go.value = 0
        await FallingEdge(d.clk)
        t1 = time.monotonic()
        with open("stream_log.txt") as f:
            try:
                self.checker.feed(f)
            except Mismatch as exc:
                path = _out_dir() / f"mismatch_seed{self.checker.mark}.json"
                path.write_text(tr.to_json(exc.trace, self.model.m))
                raise AssertionError(f"{exc}\ntrace written to {path}") from None
        self.sim_seconds += t1 - t0
        self.check_seconds += time.monotonic() - t1


# ---------------------------------------------------------------- random lockstep


@cocotb.test()
async def lockstep_random(dut):
    """Seeded random sequences (valid and invalid events) in lockstep with the controller."""
    model = Model(load_ir())
    await start(dut)
    seqs = _env_int("PUMPSPEC_SEQS", 200)
    length = _env_int("PUMPSPEC_SEQ_LEN", 500)
    base = _env_int("PUMPSPEC_SEED", 1)
    chunk = _env_int("PUMPSPEC_CHUNK", 50)
    checker = Checker(model)
    stream = Stream(dut, model, checker)
    # the prover's reachability witnesses as prefixes, as `pumpspec lockstep` does
    gen = RandomGen(model, pipeline.reachability_witnesses(model.m, MAX_PREFIX_STEPS))
    per_tick = max_burst_events(model)
    t0 = time.monotonic()
    gen_seconds = 0.0
    for first in range(0, seqs, chunk):
        g0 = time.monotonic()
        prog = Program(model, per_tick, gen.fired)
        for seed in range(base + first, base + min(seqs, first + chunk)):
            gen.sequence(prog, seed, length)
        gen_seconds += time.monotonic() - g0
        await stream.run(prog)
    wall = time.monotonic() - t0
    c = checker
    steps = c.n_events + c.n_ticks
    dut._log.info(f"lockstep: {c.n_sequences} sequences, {c.n_events} port events + "
                  f"{c.n_ticks} ticks = {steps} events, {c.n_compares} comparisons, "
                  f"0 mismatches; {wall:.1f} s ({steps / wall:,.0f} events/s; simulator "
                  f"{stream.sim_seconds:.1f} s, checker {stream.check_seconds:.1f} s, "
                  f"generator {gen_seconds:.1f} s)")
    dut._log.info(c.cov.line(model.m))
    never = [t.index for t in model.m.transitions if t.index not in c.cov.fired]
    result = {"sequences": c.n_sequences, "port_events": c.n_events, "ticks": c.n_ticks,
              "events": steps, "compares": c.n_compares, "wall_seconds": round(wall, 2),
              "sim_seconds": round(stream.sim_seconds, 2),
              "check_seconds": round(stream.check_seconds, 2),
              "events_per_second": round(steps / wall), "never_fired": never,
              "transitions": len(model.m.transitions), "fired": sorted(c.cov.fired),
              "reasons_seen": sorted(c.cov.reasons)}
    (_out_dir() / "lockstep.json").write_text(json.dumps(result))


# ---------------------------------------------------------------- traces and resets


@cocotb.test()
async def replay_traces(dut):
    """Replay the traces in PUMPSPEC_TRACES (os.pathsep-separated, text or JSON), each
    from a power-on reset and in lockstep; their ``=>`` expectations must hold."""
    model = Model(load_ir())
    await start(dut)
    paths = os.environ["PUMPSPEC_TRACES"].split(os.pathsep)
    prog = Program(model, max_burst_events(model))
    failures = []
    for i, path in enumerate(paths):
        prog.mark(i)
        failures += [f"{path}: {f}" for f in replay_trace(prog, read_trace(path, model.m))]
    assert not failures, "\n".join(failures)
    checker = Checker(model, labels={i: f"trace {p}" for i, p in enumerate(paths)})
    t0 = time.monotonic()
    await Stream(dut, model, checker).run(prog)
    dut._log.info(f"{len(paths)} traces, {checker.n_events} events, {checker.n_ticks} ticks "
                  f"in {time.monotonic() - t0:.1f} s; " + checker.cov.line(model.m))
    (_out_dir() / "traces.json").write_text(json.dumps(
        {"fired": sorted(checker.cov.fired), "ticks": checker.n_ticks,
         "events": checker.n_events}))


BURST_SEARCH_TICKS = 3_600  # ticks a witness is followed by, waiting for a step
NO_WATCHDOG_TICKS = 100  # ticks without a heartbeat a block without a watchdog runs through


def burst_program(model: Model, per_tick: int) -> Program:
    """A program whose last tick commands steps, so its burst runs when the program ends.
    Of the prover's reachability witnesses (a state or transition reached, as `pumpspec
    lockstep` uses them), each followed by up to BURST_SEARCH_TICKS ticks until one
    commands steps, the shortest; else random sequences that start from them."""
    witnesses = [w for w in pipeline.reachability_witnesses(model.m, MAX_PREFIX_STEPS)
                 if longest_event_run(w) <= per_tick]
    found = []  # (witness steps + ticks after it, ticks, witness)
    for witness in witnesses:
        p = Program(model, per_tick)
        replay_trace(p, witness)
        ticks = next((n for n in range(1, BURST_SEARCH_TICKS + 1) if p.tick()), None)
        if ticks is not None:
            found.append((len(witness.steps) + ticks, ticks, witness))
    if found:
        _, ticks, witness = min(found, key=lambda f: f[:2])
        p = Program(model, per_tick)
        p.mark(0)
        replay_trace(p, witness)
        if ticks > 1:
            p.tick(ticks - 1)
        assert p.tick(), "the controller is deterministic: the same witness commands the same steps"
        return p
    gen = RandomGen(model, witnesses)
    for seed in range(1, 100):
        p = Program(model, per_tick, gen.fired)
        gen.sequence(p, seed, 100)  # marks the program with the seed
        for _ in range(50):
            if p.tick():
                return p
    raise AssertionError("no witness and no random sequence reaches a tick that commands steps")


@cocotb.test()
async def reset_mid_burst(dut):
    """PS-44: a power-on reset that lands in a STEP burst leaves no runt pulse (the
    timing monitor's bit 0: STEP high while rst is asserted)."""
    model = Model(load_ir())
    await start(dut)
    prog = burst_program(model, max_burst_events(model))
    prog.hw_reset(now=True)
    prog.tick(2)
    await Stream(dut, model, Checker(model)).run(prog)


# ---------------------------------------------------------------- hardware-only protections


@cocotb.test()
async def watchdog_missing_heartbeat(dut):
    """PS-42: with a watchdog, no heartbeat for WATCHDOG_TICKS ticks latches the fault and
    stops STEP. Without one (WATCHDOG_TICKS = 0) a silent host never faults the block: it
    runs in lockstep, no fault, every STEP pulse, through a burst and NO_WATCHDOG_TICKS
    ticks after it."""
    model = Model(load_ir())
    params = _params()
    await start(dut)
    wd = int(params.get("WATCHDOG_TICKS", model.plan.watchdog_ticks))
    dut.heartbeat.value = 0
    if wd == 0:
        prog = burst_program(model, max_burst_events(model))
        prog.tick(NO_WATCHDOG_TICKS)
        await Stream(dut, model, Checker(model)).run(prog)
        assert not int(dut.fault.value), f"fault_cause {int(dut.fault_cause.value):04b} without a watchdog"
        return
    for _ in range(wd - 1):
        await RisingEdge(dut.tick)
    await FallingEdge(dut.clk)
    assert not int(dut.fault.value), "watchdog fired early"
    await RisingEdge(dut.tick)
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)  # the fault latches at the end of the tick cycle
    assert int(dut.fault.value) and int(dut.fault_cause.value) & 1, "watchdog did not fire"
    assert not int(dut.motor_en.value)
    await Timer(3 * params["TICK_CYCLES"] * PERIOD_NS, unit="ns")
    assert int(dut.fault.value), "the fault must stay latched until reset"
    assert not int(dut.step.value)
    dut.heartbeat.value = 1
    dut.rst.value = 1
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0
    await FallingEdge(dut.clk)
    assert not int(dut.fault.value)


@cocotb.test()
async def limiter_budget(dut):
    """PS-41 on the motor block alone (toplevel <pump>_motor), driving the raw step request.

    Random behaviour within the budget (at most LIMIT_STEPS in every window of
    LIMIT_BUCKETS * LIMIT_BUCKET_TICKS ticks) never trips the limiter; then one step more
    at a tick where the buckets cover the full window trips it at that tick, latches the
    fault and emits none of that tick's steps.
    """
    m = load_ir()
    plan = verilog.plan(m)
    params = _params()
    limit, nb, bt = params["LIMIT_STEPS"], params["LIMIT_BUCKETS"], params["LIMIT_BUCKET_TICKS"]
    window = nb * bt
    top = m.motor.max_steps_per_tick
    moving = next(code for name, code, spec in plan.states if name in plan.moving)
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    pulses = 0

    async def count():
        nonlocal pulses
        while True:
            await RisingEdge(dut.step)
            pulses += 1

    cocotb.start_soon(count())
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    dut.step_req.value = 0
    dut.fsm_state.value = moving
    dut.fsm_alarms.value = 0
    dut.heartbeat.value = 1
    dut.fault_in.value = 0
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0

    async def tick_with(steps: int):
        await RisingEdge(dut.tick)
        await FallingEdge(dut.clk)
        dut.step_req.value = steps
        await FallingEdge(dut.clk)
        dut.step_req.value = 0

    rng = random.Random(41)
    history = [0]
    await tick_with(0)  # the first tick after reset is never armed
    for _ in range(12 * window):
        room = limit - sum(history[-(window - 1):])
        v = min(rng.choice((top, top, top, rng.randint(0, top))), max(room, 0))
        history.append(v)
        await tick_with(v)
    await Timer((1 + top * (params["STEP_HIGH"] + params["STEP_LOW"])) * PERIOD_NS, unit="ns")
    assert not int(dut.fault.value), f"the limiter tripped on behaviour within budget {history}"
    assert pulses == sum(history), (pulses, sum(history))
    # quiet for a full window, ending so that tick k = len + window is a bucket's last tick
    # (k % bt == 0: its buckets cover exactly ticks k-window+1 .. k)
    quiet = window
    while (len(history) + quiet + window) % bt != 0:
        quiet += 1
    for _ in range(quiet):
        history.append(0)
        await tick_with(0)
    plan_steps = []
    left = limit
    for _ in range(window - 1):
        v = min(top, left)
        plan_steps.append(v)
        left -= v
    for v in plan_steps:
        history.append(v)
        await tick_with(v)
    before = pulses
    await tick_with(left + 1)  # the window now holds limit + 1
    await FallingEdge(dut.clk)
    assert int(dut.fault.value) and int(dut.fault_cause.value) & 2, "one step more did not trip"
    await Timer(3 * params["TICK_CYCLES"] * PERIOD_NS, unit="ns")
    assert pulses == before, (pulses, before)  # none of the refused tick's steps
    assert not int(dut.motor_en.value)
