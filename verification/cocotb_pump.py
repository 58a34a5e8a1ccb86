"""cocotb tests of the generated Verilog block, in lockstep with the generated Python
controller (the scoreboard; verification/scoreboard.py).

Run through verification/test_rtl_sim.py (pytest), not directly. The lockstep tests run
in stream mode: the test builds a program with the controller following along, the
wrapper's sequencer drives the block from it at full speed, and the checker replays the
wrapper's log through a fresh controller, comparing every event's status and reason,
every register after every event and tick, the STEP pulses of every tick, motor_en at
every tick, no fault and the STEP timing monitor. A mismatch names the sequence's seed
and writes a JSON trace (``mismatch_seed<N>.json`` in the build folder).
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

from compiler import trace as tr
from compiler.backends import verilog
from compiler.ir import nodes as ir
from harness import load_ir, stream_event_cycles
from scoreboard import Checker, Mismatch, Model, Program, RandomGen

PERIOD_NS = 10


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _params() -> dict[str, int]:
    return json.loads(os.environ.get("PUMPSPEC_SIM_PARAMS", "{}"))


def _out_dir() -> Path:
    return Path(os.environ.get("PUMPSPEC_TRACE_DIR", "."))


def max_burst_events(model: Model) -> int:
    """Events that fit between a tick's burst and the cycles the block holds events
    before the next tick (harness.stream_event_cycles each)."""
    p = _params()
    plan = verilog.plan(model.m)
    burst = ir.burst_cycles(model.m.motor.max_steps_per_tick, p["STEP_HIGH"], p["STEP_LOW"])
    return max(1, (p["TICK_CYCLES"] - burst - plan.pipe.hold_cycles) // stream_event_cycles(plan))


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
        prog.write(Path("stream_stim.txt"))
        t0 = time.monotonic()
        d.stream_go.value = 1
        await RisingEdge(d.stream_done)
        await FallingEdge(d.clk)
        d.stream_go.value = 0
        await FallingEdge(d.clk)
        t1 = time.monotonic()
        with open("stream_log.txt") as f:
            self.checker.feed(f)
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
    gen = RandomGen(model)
    per_tick = max_burst_events(model)
    t0 = time.monotonic()
    gen_seconds = 0.0
    for first in range(0, seqs, chunk):
        g0 = time.monotonic()
        prog = Program(model, per_tick)
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


# ---------------------------------------------------------------- directed programs
# These name the reference spec's events (spec/infusion_pump.pump). The assertions are
# about the spec (the controller that follows the program); the lockstep checker then
# shows the block does exactly the same, pulse for pulse.


def _delivering(p: Program, basal: int = 39, site: str = "abdomen_l", start_: bool = True,
                kind: str = "teflon"):
    """Power-on reset, load, refill, prime a little, insert, set basal, start."""
    p.hw_reset()
    p.tick()
    assert p.ctl.state.name == "Idle"
    assert p.event("load_set", kind=p.member("SetKind", kind))[0] == "accepted"
    assert p.event("refill", amount=12000)[0] == "accepted"
    assert p.event("prime", amount=4)[0] == "accepted"
    while p.ctl.state.name == "Priming":
        p.tick()
    assert p.ctl.primed
    assert p.event("insert", at=p.member("Site", site))[0] == "accepted"
    assert p.event("set_basal", rate=basal)[0] == "accepted"
    if start_:
        assert p.event("start")[0] == "accepted"
        assert p.ctl.state.name == "Delivering"


def _reason_req(model: Model, code: int) -> str | None:
    return model.m.reason(code).requirement


def scenarios_program(model: Model, per_tick: int, wear: bool) -> Program:
    p = Program(model, per_tick)
    req = lambda r: _reason_req(model, r)  # noqa: E731

    p.mark(1)  # prime while inserted and connected: refused by PS-01
    _delivering(p, start_=False)
    assert p.ctl.inserted and p.ctl.connected
    status, reason = p.event("prime", amount=4)
    assert status == "rejected" and req(reason) == "PS-01", reason

    p.mark(2)  # reuse: a removed set cannot be inserted again (PS-07)
    _delivering(p)
    p.event("suspend")
    p.event("disconnect")
    assert p.event("remove_set")[0] == "accepted"
    assert p.event("stop")[0] == "accepted" and p.ctl.state.name == "Idle"
    status, reason = p.event("insert", at=p.member("Site", "thigh_l"))
    assert status == "rejected" and req(reason) == "PS-07", reason

    p.mark(3)  # bolus while disconnected (PS-11): disconnecting suspends, bolus refused
    _delivering(p)
    p.event("disconnect")
    assert p.ctl.state.name == "Suspended"
    assert p.event("bolus", amount=10)[0] == "rejected"

    p.mark(4)  # occlusion mid-bolus (PS-30, PS-32): alarm, no more steps, not resumed
    _delivering(p, basal=0)
    assert p.event("bolus", amount=20)[0] == "accepted"
    p.tick(5)
    assert p.ctl.bolus_left == 15
    p.event("occlusion")
    assert p.ctl.state.name == "Alarm"
    assert p.tick(10) == 0 and p.ctl.bolus_left == 0
    p.event("clear_occlusion")
    p.event("acknowledge")
    assert p.tick(3) == 0

    p.mark(5)  # suspend mid-bolus (PS-27): stops at once, the bolus is cancelled
    _delivering(p, basal=0)
    p.event("bolus", amount=20)
    p.tick(3)
    assert p.event("suspend")[0] == "accepted"
    assert p.tick(5) == 0 and p.ctl.bolus_left == 0
    p.event("start")
    assert p.tick(5) == 0, "a cancelled bolus resumed"

    p.mark(6)  # reset mid-bolus (PS-34): self-test, motor off, the bolus does not resume
    _delivering(p, basal=0)
    p.event("bolus", amount=20)
    p.tick(3)
    p.event("reset")
    assert p.ctl.state.name == "SelfTest"
    assert p.tick(5) == 0 and p.ctl.bolus_left == 0

    p.mark(7)  # cannula fill: Idle -> Filling -> Idle, and disconnect during a fill
    _delivering(p, start_=False)
    assert p.event("fill", amount=3)[0] == "accepted" and p.ctl.state.name == "Filling"
    assert p.tick(3) == 3 and p.ctl.state.name == "Idle"
    assert p.event("fill", amount=3)[1] and p.ctl.state.name == "Idle"  # once per insertion
    p.event("remove_set")
    _delivering(p, start_=False, site="arm_r")
    p.event("fill", amount=10)
    p.tick(2)
    assert p.event("disconnect")[0] == "accepted" and p.ctl.state.name == "Idle"
    assert p.ctl.fill_left == 0 and p.tick(3) == 0

    p.mark(8)  # a small bolus completes: Bolusing -> Delivering
    _delivering(p, basal=0)
    p.event("bolus", amount=2)
    p.tick(2)
    assert p.ctl.state.name == "Delivering"

    p.mark(9)  # reconnect alarm (PS-11): disconnected for 2 h while inserted
    _delivering(p, basal=0)
    p.event("disconnect")
    limit = p.ctl.away  # 0
    p.tick(7199)
    assert p.ctl.state.name == "Suspended" and p.ctl.away == limit + 7199
    p.tick()
    assert p.ctl.state.name == "Alarm" and p.ctl.reconnect_alarm
    p.event("acknowledge")
    p.tick()
    assert p.ctl.state.name == "Alarm"  # the cause is still there
    p.event("connect")
    p.tick()
    assert p.ctl.state.name == "Idle" and not p.ctl.alarm_latched

    if wear:
        p.mark(10)  # wear alarm (PS-09): a steel set reaches its 56 h hard limit
        _delivering(p, basal=0, kind="steel")
        hard = 56 * 3600
        p.tick(hard - 1 - p.ctl.set_age)  # set_age = hard - 1: the next tick is the limit
        assert p.ctl.state.name == "Delivering" and p.ctl.wear_alert
        p.tick()
        assert p.ctl.state.name == "Alarm" and p.ctl.wear_alarm
        assert p.event("start")[0] == "rejected"
        p.event("acknowledge")
        p.event("disconnect")
        p.event("remove_set")
        p.tick()
        assert p.ctl.state.name == "Idle"
    return p


@cocotb.test()
async def scenarios(dut):
    """Directed scenarios of the reference spec, each in lockstep; PUMPSPEC_WEAR=1 adds
    the 56 h steel-set wear alarm (201,600 ticks)."""
    model = Model(load_ir())
    if model.m.name != "InfusionPump":
        return
    await start(dut)
    checker = Checker(model)
    prog = scenarios_program(model, max_burst_events(model), os.environ.get("PUMPSPEC_WEAR") == "1")
    t0 = time.monotonic()
    await Stream(dut, model, checker).run(prog)
    dut._log.info(f"scenarios: {checker.n_sequences} scenarios, {checker.n_events} events, "
                  f"{checker.n_ticks} ticks in {time.monotonic() - t0:.1f} s; "
                  + checker.cov.line(model.m))
    (_out_dir() / "scenarios.json").write_text(json.dumps(
        {"fired": sorted(checker.cov.fired), "ticks": checker.n_ticks,
         "events": checker.n_events, "wall_seconds": round(time.monotonic() - t0, 2)}))


@cocotb.test()
async def reset_mid_burst(dut):
    """A power-on reset that lands in a STEP burst must not leave a runt pulse (the
    timing monitor's bit 0: STEP high while rst is asserted)."""
    model = Model(load_ir())
    if model.m.name != "InfusionPump":
        return
    await start(dut)
    p = Program(model, max_burst_events(model))
    p.mark(1)
    _delivering(p, basal=0)
    p.event("bolus", amount=20)
    assert p.tick(2) == 2  # the second tick's one-step burst starts right after it
    p.hw_reset(now=True)
    p.tick(2)
    await Stream(dut, model, Checker(model)).run(p)


@cocotb.test()
async def basal_run(dut):
    """PS-21: PUMPSPEC_BASAL_HOURS of basal at PUMPSPEC_BASAL_RATE steps/h: before every
    tick exactly floor((acc0 + n*rate)/den) STEP pulses for the n basal ticks done, so
    never a step from the ideal; in lockstep with the controller all along."""
    model = Model(load_ir())
    if model.m.name != "InfusionPump":
        return
    await start(dut)
    rate = _env_int("PUMPSPEC_BASAL_RATE", 1371)
    hours = _env_int("PUMPSPEC_BASAL_HOURS", 2)
    src = next(s for s in model.m.motor.sources if s.name == "basal")
    den = src.denominator
    p = Program(model, max_burst_events(model))
    p.mark(1)
    _delivering(p, basal=rate)
    acc0 = getattr(p.ctl, src.accumulator.name)
    ticks = hours * 3600
    p.mark(2)
    p.tick(ticks)
    p.mark(3)
    want_total = (acc0 + ticks * rate) // den
    worst = [0, 0]

    def on_tick(ch: Checker, pulses: int):
        if ch.mark != 2:
            return
        start_mark = ch.marks[2]
        n = ch.ticks - 1 - start_mark["ticks"]  # basal ticks whose bursts are done
        got = pulses - start_mark["pulses"]
        if got != (acc0 + n * rate) // den:
            raise Mismatch(f"after {n} basal ticks: {got} steps, exactly "
                           f"{(acc0 + n * rate) // den} expected")
        worst[0] = max(worst[0], abs(got * den - n * rate))
        worst[1] += 1

    checker = Checker(model, on_tick=on_tick)
    t0 = time.monotonic()
    await Stream(dut, model, checker).run(p)
    wall = time.monotonic() - t0
    got_total = checker.marks[3]["pulses"] - checker.marks[2]["pulses"]
    assert worst[1] == ticks, worst
    assert got_total == want_total, (got_total, want_total)
    assert worst[0] < den, "more than one step from the ideal"
    dut._log.info(f"basal {rate} steps/h for {hours} h ({ticks} ticks): {got_total} steps "
                  f"= floor({hours}*{rate}) exactly, at most {worst[0]}/{den} step from the "
                  f"ideal at any tick; {wall:.1f} s")
    (_out_dir() / "basal.json").write_text(json.dumps(
        {"rate_steps_per_hour": rate, "hours": hours, "ticks": ticks, "steps": got_total,
         "worst_deviation": f"{worst[0]}/{den}", "wall_seconds": round(wall, 1)}))


@cocotb.test()
async def replay_trace(dut):
    """Replay a JSON trace (PUMPSPEC_TRACE) in lockstep; check its ``expect`` entries."""
    model = Model(load_ir())
    await start(dut)
    path = Path(os.environ["PUMPSPEC_TRACE"])
    trace = tr.from_json(path.read_text(), model.m, str(path))
    p = Program(model, max_burst_events(model))
    p.mark(0)
    p.hw_reset()
    for s in trace.steps:
        for _ in range(s.repeat):
            if s.event == "tick":
                p.tick()
                status, reason = "accepted", 0
            else:
                status, reason = p.event(s.event, **dict(s.params))
        expect = dict(s.expect)  # holds after the last repetition
        if "status" in expect:
            assert status == expect["status"], (s, status)
        if "reason" in expect:
            assert reason == expect["reason"], (s, reason)
        if "state" in expect:
            assert p.ctl.state.name == expect["state"], (s, p.ctl.state)
    await Stream(dut, model, Checker(model)).run(p)


# ---------------------------------------------------------------- hardware-only protections


@cocotb.test()
async def watchdog_missing_heartbeat(dut):
    """PS-42: no heartbeat for WATCHDOG_TICKS ticks latches the fault and stops STEP."""
    plan = verilog.plan(load_ir())
    params = _params()
    await start(dut)
    wd = int(params.get("WATCHDOG_TICKS", plan.watchdog_ticks))
    dut.heartbeat.value = 0
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
