"""cocotb tests of the generated Verilog block, in lockstep with the IR evaluator.

Run through verification/test_rtl_sim.py (pytest), not directly. The scoreboard is
``compiler.eval.evaluator.Evaluator`` — the oracle the generated Python controller is
tested against. Every event gets the same accept/reject/ignore and reason from both;
after every event and every tick the FSM registers (state and all variables) are
compared, and the STEP pulses counted against the steps the scoreboard commands.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer

from harness import load_ir, snapshot_layout
from compiler import trace as tr
from compiler.backends import verilog
from compiler.backends.verilog._expr import type_bits
from compiler.eval.evaluator import Config, Evaluator
from compiler.ir import nodes as ir

PERIOD_NS = 10
STATUS = {"accepted": 0, "rejected": 1, "ignored": 2}


class Mismatch(AssertionError):
    pass


@dataclass
class Run:
    seed: int | None
    steps: list[tr.TraceStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, dut):
        self.dut = dut
        self.m = load_ir()
        self.plan = verilog.plan(self.m)
        self.ev = Evaluator(self.m)
        self.layout = snapshot_layout(self.plan)
        self.params = json.loads(os.environ.get("PUMPSPEC_SIM_PARAMS", "{}"))
        self.tick_cycles = int(self.params.get("TICK_CYCLES", self.plan.tick_cycles))
        self.user_events = [e for e in self.m.events if e.kind == "user"]
        self.reset_event = next((e for e in self.m.events if e.kind == "reset"), None)
        used = {e.code for e in self.m.events}
        self.unknown_codes = [c for c in range(1 << self.plan.code_width) if c not in used]
        self.guard_lits = self._guard_literals()
        self.config: Config = self.ev.initial()
        self.ticks = 0  # ticks the scoreboard has taken (since reset)
        self.expected_pulses = 0
        self.run = Run(None)
        self.compares = 0
        self.fired: dict[int, int] = {}  # transition index -> times fired (coverage)
        self.rejected: dict[int, int] = {}  # reason code -> times

    # ------------------------------------------------------------ plumbing

    async def start(self):
        Clock(self.dut.clk, PERIOD_NS, unit="ns").start()
        await self.hw_reset()

    async def hw_reset(self):
        d = self.dut
        await FallingEdge(d.clk)
        d.rst.value = 1
        d.ev_valid.value = 0
        d.ev_code.value = 0
        d.ev_params.value = 0
        d.heartbeat.value = 1
        d.fault_in.value = 0
        for _ in range(3):
            await FallingEdge(d.clk)
        d.rst.value = 0
        self.config = self.ev.initial()
        self.ticks = 0
        self.expected_pulses = 0

    async def wait_ready(self):
        while not int(self.dut.ev_ready.value):
            await FallingEdge(self.dut.clk)

    def pack(self, event: ir.Event, params: dict[str, int]) -> int:
        word, off = 0, 0
        for p in event.params:
            w = type_bits(p.type)
            word |= (int(params[p.name]) & ((1 << w) - 1)) << off
            off += w
        return word

    def snapshot(self) -> dict[str, int]:
        word = int(self.dut.snapshot.value)
        out = {}
        shift = sum(w for _, w in self.layout)
        for name, w in self.layout:
            shift -= w
            out[name] = (word >> shift) & ((1 << w) - 1)
        return out

    def expected(self) -> dict[str, int]:
        out = {name: int(value) for name, value in self.config.values}
        out["state"] = self.m.state_type.members.index(self.config.state)
        return out

    def fail(self, what: str):
        path = self.dump_trace(what)
        raise Mismatch(f"seed {self.run.seed}: step {len(self.run.steps)}: {what}\n"
                       f"trace written to {path}")

    def dump_trace(self, what: str) -> Path:
        t = tr.Trace(self.m.name, self.m.source_hash, tuple(self.run.steps),
                     origin=f"cocotb lockstep seed {self.run.seed}: {what}"[:500])
        name = f"mismatch_seed{self.run.seed}.json"
        path = Path(os.environ.get("PUMPSPEC_TRACE_DIR", ".")) / name
        path.write_text(tr.to_json(t, self.m))
        return path

    def compare(self, when: str):
        self.compares += 1
        got, want = self.snapshot(), self.expected()
        if got != want:
            diff = {k: (want[k], got[k]) for k in want if got.get(k) != want[k]}
            if "state" in diff:
                s = self.m.state_type.members
                diff["state"] = tuple(s[x] if x < len(s) else x for x in diff["state"])
            self.fail(f"after {when}: registers differ (spec, rtl): {diff}")
        pulses = int(self.dut.pulse_count.value)
        if pulses != self.expected_pulses:
            self.fail(f"after {when}: {pulses} STEP pulses, the spec commands {self.expected_pulses}")
        if int(self.dut.fault.value):
            self.fail(f"after {when}: fault latched (cause {int(self.dut.fault_cause.value):#06b})")
        if int(self.dut.mon_err.value):
            self.fail(f"after {when}: STEP timing monitor error {int(self.dut.mon_err.value):#07b}")

    def sync_ticks(self, check: bool = True):
        """Step the scoreboard through the ticks the block has taken (call when ready)."""
        hw = int(self.dut.tick_count.value)
        while self.ticks < hw:
            self.config, out = self.ev.step(self.config, "tick")
            if out.transition is not None:
                self.fired[out.transition] = self.fired.get(out.transition, 0) + 1
            self.expected_pulses += out.let(self.m.motor.steps_let)
            self.ticks += 1
            self.run.steps.append(tr.TraceStep("tick"))
        if check:
            self.compare(f"tick {self.ticks}")

    # ------------------------------------------------------------ steps

    async def tick(self, n: int = 1):
        """Let ``n`` ticks pass and compare after each."""
        for _ in range(n):
            await self.next_tick()
            await self.wait_ready()
            self.sync_ticks()

    async def next_tick(self):
        """Return at the falling edge after the block has taken one more tick."""
        target = int(self.dut.tick_count.value) + 1
        while int(self.dut.tick_count.value) < target:
            if not int(self.dut.tick.value):
                await RisingEdge(self.dut.tick)
                await FallingEdge(self.dut.clk)
            await FallingEdge(self.dut.clk)

    async def event(self, name: str, params: dict[str, int] | None = None, code: int | None = None
                    ) -> tuple[str, int]:
        """Send one event to both; compare the response and the registers."""
        params = dict(params or {})
        d = self.dut
        await self.wait_ready()
        self.sync_ticks(check=False)
        decl = next((e for e in self.m.events if e.name == name), None)
        if code is None:
            code = decl.code
        d.ev_code.value = code
        d.ev_params.value = self.pack(decl, params) if decl else 0
        d.ev_valid.value = 1
        await RisingEdge(d.clk)
        await FallingEdge(d.clk)
        d.ev_valid.value = 0
        if not int(d.resp_valid.value):
            self.fail(f"event {name}: no response")
        status, reason = int(d.resp_status.value), int(d.resp_reason.value)
        self.config, out = self.ev.step(self.config, name if decl else f"<code {code}>", params)
        if decl is not None:
            self.run.steps.append(tr.TraceStep(name, tuple((p.name, params[p.name])
                                                           for p in decl.params)))
        else:
            self.run.notes.append(f"unknown event code {code} before step {len(self.run.steps)}")
        want = (STATUS[out.status], out.reason.code if out.reason else 0)
        if out.transition is not None:
            self.fired[out.transition] = self.fired.get(out.transition, 0) + 1
        if out.reason:
            self.rejected[out.reason.code] = self.rejected.get(out.reason.code, 0) + 1
        if (status, reason) != want:
            self.fail(f"event {name}{params}: rtl status/reason {(status, reason)}, "
                      f"spec {want} ({out.status}: {out.reason.text if out.reason else ''})")
        self.compare(f"event {name}")
        return out.status, reason

    # ------------------------------------------------------------ random sequences

    def _guard_literals(self) -> dict[str, list[int]]:
        from compiler.backends.common import subexpressions

        lits: dict[str, set[int]] = {}
        for t in self.m.transitions:
            for g in t.guards:
                for x in subexpressions(g.cond):
                    if isinstance(x, ir.Lit) and isinstance(x.type, ir.IntType):
                        lits.setdefault(t.event, set()).update({x.value - 1, x.value, x.value + 1})
        return {k: sorted(v) for k, v in lits.items()}

    def random_params(self, rng: random.Random, e: ir.Event) -> dict[str, int]:
        out = {}
        for p in e.params:
            t, w = p.type, type_bits(p.type)
            r = rng.random()
            if isinstance(t, ir.BoolType):
                out[p.name] = rng.random() < 0.5
                continue
            hi = len(t.members) - 1 if isinstance(t, ir.EnumType) else t.hi
            if r < 0.05 and hi < (1 << w) - 1:
                out[p.name] = rng.randint(hi + 1, (1 << w) - 1)  # outside the wire domain
            elif isinstance(t, ir.EnumType):
                out[p.name] = rng.randint(0, hi)
            elif r < 0.45:
                out[p.name] = rng.randint(t.lo, min(hi, t.lo + 6))  # small: finishes soon
            elif r < 0.75 and self.guard_lits.get(e.name):
                v = rng.choice(self.guard_lits[e.name])
                out[p.name] = min(max(v, t.lo), hi)
            else:
                out[p.name] = rng.randint(t.lo, hi)
        return out

    def random_event(self, rng: random.Random) -> tuple[str, dict[str, int], int | None]:
        r = rng.random()
        if r < 0.02 and self.unknown_codes:
            return "<unknown>", {}, rng.choice(self.unknown_codes)
        if r < 0.03 and self.reset_event:
            return self.reset_event.name, {}, None
        if r >= 0.70:
            e = rng.choice(self.user_events)
            return e.name, self.random_params(rng, e), None
        # guided: the first event (in random order, two tries of parameters each) that
        # the spec accepts in the current state, so that deep states are reached
        cand = None
        for e in rng.sample(self.user_events, len(self.user_events)):
            for _ in range(2):
                cand = (e.name, self.random_params(rng, e), None)
                _, out = self.ev.step(self.config, cand[0], cand[1])
                if out.accepted:
                    return cand
        return cand

    async def random_sequence(self, seed: int, length: int):
        rng = random.Random(seed)
        self.run = Run(seed)
        await self.hw_reset()
        n = 0
        while n < length:
            if rng.random() < 0.35:
                k = rng.choice((1, 1, 1, 2, 3, 5, 12))
                await self.tick(k)
                n += k
            else:
                name, params, code = self.random_event(rng)
                await self.event(name, params, code)
                n += 1


# ---------------------------------------------------------------- tests


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@cocotb.test()
async def lockstep_random(dut):
    """Seeded random sequences (valid and invalid events) in lockstep with the spec."""
    b = Bench(dut)
    await b.start()
    seqs = _env_int("PUMPSPEC_SEQS", 200)
    length = _env_int("PUMPSPEC_SEQ_LEN", 500)
    base = _env_int("PUMPSPEC_SEED", 1)
    events = 0
    for i in range(seqs):
        await b.random_sequence(base + i, length)
        events += len(b.run.steps)
    dut._log.info(f"lockstep: {seqs} sequences, {events} steps, {b.compares} comparisons, "
                  f"0 mismatches")
    never = [t.label for t in b.m.transitions if t.index not in b.fired]
    dut._log.info(f"coverage: {len(b.fired)}/{len(b.m.transitions)} transitions fired; "
                  f"never: {never}; reasons seen: {sorted(b.rejected)}")
    result = {"sequences": seqs, "steps": events, "compares": b.compares,
              "transitions_fired": len(b.fired), "transitions": len(b.m.transitions),
              "never_fired": never, "reasons_seen": sorted(b.rejected)}
    Path(os.environ.get("PUMPSPEC_TRACE_DIR", ".")).joinpath("lockstep.json").write_text(
        json.dumps(result))


@cocotb.test()
async def replay_trace(dut):
    """Replay a JSON trace (PUMPSPEC_TRACE) in lockstep; check its ``expect`` entries."""
    b = Bench(dut)
    await b.start()
    path = Path(os.environ["PUMPSPEC_TRACE"])
    trace = tr.from_json(path.read_text(), b.m, str(path))
    b.run = Run(None)
    for s in trace.steps:
        for _ in range(s.repeat):
            if s.event == "tick":
                await b.tick()
                status, reason = "accepted", 0
            else:
                status, reason = await b.event(s.event, dict(s.params))
        expect = dict(s.expect)  # holds after the last repetition
        if "status" in expect:
            assert status == expect["status"], (s, status)
        if "reason" in expect:
            assert reason == expect["reason"], (s, reason)
        if "state" in expect:
            assert b.config.state == expect["state"], (s, b.config.state)


@cocotb.test()
async def watchdog_missing_heartbeat(dut):
    """PS-42: no heartbeat for WATCHDOG_TICKS ticks latches the fault and stops STEP."""
    b = Bench(dut)
    await b.start()
    wd = int(b.params.get("WATCHDOG_TICKS", b.plan.watchdog_ticks))
    dut.heartbeat.value = 0
    for _ in range(wd - 1):
        await b.tick()
    assert not int(dut.fault.value), "watchdog fired early"
    await b.next_tick()
    assert int(dut.fault.value) and int(dut.fault_cause.value) & 1, "watchdog did not fire"
    assert not int(dut.motor_en.value)
    await Timer(3 * b.tick_cycles * PERIOD_NS, unit="ns")
    assert int(dut.fault.value), "the fault must stay latched until reset"
    assert not int(dut.step.value)
    await b.hw_reset()
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
    params = json.loads(os.environ["PUMPSPEC_SIM_PARAMS"])
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


# ---------------------------------------------------------------- reference-spec scenarios
# These name the reference spec's events (spec/infusion_pump.pump); every step still runs
# in lockstep with the evaluator, and each scenario adds its own expectations.


def _member(b: Bench, enum: str, name: str) -> int:
    return next(e for e in b.m.enums if e.name == enum).members.index(name)


def _requirement(b: Bench, code: int) -> str | None:
    return b.m.reason(code).requirement


async def _delivering(b: Bench, basal: int = 39, site: str = "abdomen_l", start: bool = True):
    """Reset, load, refill, prime a little, insert, set basal, start: now Delivering."""
    await b.hw_reset()
    await b.tick()
    assert b.config.state == "Idle"
    await b.event("load_set", {"kind": _member(b, "SetKind", "teflon")})
    await b.event("refill", {"amount": 12000})
    assert (await b.event("prime", {"amount": 4}))[0] == "accepted"
    while b.config.state == "Priming":
        await b.tick()
    assert b.config["primed"]
    assert (await b.event("insert", {"at": _member(b, "Site", site)}))[0] == "accepted"
    await b.event("set_basal", {"rate": basal})
    if not start:
        return
    assert (await b.event("start"))[0] == "accepted"
    assert b.config.state == "Delivering"


@cocotb.test()
async def scenarios(dut):
    """Directed scenarios of the reference spec, each in lockstep."""
    b = Bench(dut)
    if b.m.name != "InfusionPump":
        return
    await b.start()

    # prime while inserted and connected: refused by PS-01
    b.run = Run("prime-while-inserted")
    await _delivering(b, start=False)
    assert b.config.state == "Idle" and b.config["inserted"] and b.config["connected"]
    status, reason = await b.event("prime", {"amount": 4})
    assert status == "rejected" and _requirement(b, reason) == "PS-01", reason

    # reuse: a removed set cannot be inserted again (PS-07)
    b.run = Run("reuse")
    await _delivering(b)
    await b.event("suspend")
    await b.event("disconnect")
    assert (await b.event("remove_set"))[0] == "accepted"
    await b.event("reset")  # Suspended has no way back to Idle but a reset (see report)
    await b.tick()
    assert b.config.state == "Idle"
    status, reason = await b.event("insert", {"at": _member(b, "Site", "thigh_l")})
    assert status == "rejected" and _requirement(b, reason) == "PS-07", reason

    # bolus while disconnected (PS-11): disconnecting suspends, the bolus is refused
    b.run = Run("bolus-while-disconnected")
    await _delivering(b)
    await b.event("disconnect")
    assert b.config.state == "Suspended"
    status, _ = await b.event("bolus", {"amount": 10})
    assert status == "rejected"

    # occlusion mid-bolus (PS-30, PS-32): alarm, no further steps, bolus not resumed
    b.run = Run("occlusion-mid-bolus")
    await _delivering(b, basal=0)
    assert (await b.event("bolus", {"amount": 20}))[0] == "accepted"
    await b.tick(5)
    assert b.config["bolus_left"] == 15
    await b.event("occlusion")
    assert b.config.state == "Alarm"
    pulses = int(dut.pulse_count.value)
    await b.tick(10)
    assert int(dut.pulse_count.value) == pulses and b.config["bolus_left"] == 0
    await b.event("clear_occlusion")
    await b.event("acknowledge")
    await b.tick(3)
    assert int(dut.pulse_count.value) == pulses

    # suspend mid-bolus (PS-27): stops at once, the bolus is cancelled
    b.run = Run("suspend-mid-bolus")
    await _delivering(b, basal=0)
    await b.event("bolus", {"amount": 20})
    await b.tick(3)
    assert (await b.event("suspend"))[0] == "accepted"
    pulses = int(dut.pulse_count.value)
    await b.tick(5)
    assert int(dut.pulse_count.value) == pulses and b.config["bolus_left"] == 0
    await b.event("start")
    await b.tick(5)
    assert int(dut.pulse_count.value) == pulses, "a cancelled bolus resumed"

    # reset mid-bolus (PS-34): self-test, motor off, the bolus does not resume
    b.run = Run("reset-mid-bolus")
    await _delivering(b, basal=0)
    await b.event("bolus", {"amount": 20})
    await b.tick(3)
    await b.event("reset")
    assert b.config.state == "SelfTest"
    pulses = int(dut.pulse_count.value)
    await b.tick(5)
    assert int(dut.pulse_count.value) == pulses and b.config["bolus_left"] == 0
    assert not int(dut.motor_en.value)


@cocotb.test()
async def basal_72h(dut):
    """PS-21: 72 h of basal at a shrunk tick: after n ticks exactly floor(n*r/3600) steps
    (from a zero remainder), checked at every tick; never more than 1 step from ideal."""
    b = Bench(dut)
    if b.m.name != "InfusionPump":
        return
    await b.start()
    rate = int(os.environ.get("PUMPSPEC_BASAL_RATE", 39))  # steps per hour (0.975 U/h)
    hours = int(os.environ.get("PUMPSPEC_BASAL_HOURS", 72))
    await _delivering(b, basal=rate)
    source = next(s for s in b.m.motor.sources if s.name == "basal")
    den = source.denominator
    acc0 = b.config[source.accumulator]
    p0 = int(dut.pulse_count.value)
    ticks = hours * 3600
    worst = 0
    for n in range(1, ticks + 2):
        await RisingEdge(dut.tick)  # tick n+1 is about to be taken: bursts <= n are done
        if n == 1:
            continue
        done = n - 1
        got = int(dut.pulse_count.value) - p0
        want = (acc0 + done * rate) // den
        if got != want:
            raise Mismatch(f"after {done} basal ticks: {got} steps, exactly {want} expected")
        worst = max(worst, abs(got * den - done * rate))
    assert worst < den, "more than one step from ideal"
    await FallingEdge(dut.clk)
    await b.wait_ready()
    assert not int(dut.fault.value) and not int(dut.mon_err.value)
    dut._log.info(f"basal {rate} steps/h for {hours} h: {int(dut.pulse_count.value) - p0} steps")
    Path(os.environ.get("PUMPSPEC_TRACE_DIR", ".")).joinpath("basal.json").write_text(json.dumps(
        {"rate_steps_per_hour": rate, "hours": hours, "ticks": ticks,
         "steps": int(dut.pulse_count.value) - p0}))
