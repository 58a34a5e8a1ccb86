"""The bench's scoreboard and stimulus: the generated Python controller, in memory.

The scoreboard is the controller ``pumpspec build`` would write for the same IR
(``compiler.backends.python.load``: generated in memory, like ``pumpspec simulate``, so
it is never a stale file). The cocotb tests run in *stream* mode: Python writes a
program of items, the test wrapper's sequencer (verification/harness.py) drives the
block from it at full speed and logs one record per observation, and :class:`Checker`
replays the log through a fresh controller in the order the hardware saw it.

Program items (``stream_stim.txt``, one per line, hex ``kind a b``):

    0 0 0        END: wait until the last burst is done, log ``D``, stop
    1 code prm   EVENT: present it when ``ev_ready``; the next item after its response
    2 n 0        TICKS: wait for n ticks of the block's divider
    3 c 0        RESET: once no STEP burst is running, hold the rst pin for c cycles
                 (power-on reset), log ``R``
    4 id 0       MARK: log ``M id`` (sequence seeds, scenario points)
    5 c 0        RESET_NOW: the same at once, even in the middle of a burst

Log records (``stream_log.txt``): ``E code params status reason SNAP pulses en fault mon``
after each event response, ``T SNAP pulses en fault mon`` one cycle after each tick,
``D SNAP pulses en fault mon`` at the end, ``R``, ``M id``. SNAP is the packed register
snapshot (state and every variable), pulses the STEP pulses since reset, en ``motor_en``.

What is compared, every record: status and reason of every event; every register;
the STEP pulses emitted so far against the steps the controller's ticks commanded
(so the pulses of each tick, exactly); no fault; the STEP timing monitor clean; at each
tick ``motor_en`` against the controller's ``motor_enabled`` of the tick's pre-state
(off at the first tick after reset).
"""
from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from compiler import trace as tr
from compiler.backends import python as pyback
from compiler.backends import verilog
from compiler.ir import nodes as ir
from harness import snapshot_layout

END, EVENT, TICKS, RESET, MARK, RESET_NOW = 0, 1, 2, 3, 4, 5
STATUS = {"accepted": 0, "rejected": 1, "ignored": 2}


class Mismatch(AssertionError):
    pass


class Model:
    """Everything the bench needs to know about one IR: the controller class, the
    event encodings and the snapshot layout, packing and unpacking."""

    def __init__(self, module: ir.Module):
        self.m = module
        self.plan = verilog.plan(module)
        self.py = pyback.load(module)
        self.cls = getattr(self.py, module.name)
        self.Rejected = self.py.Rejected
        self.layout = snapshot_layout(self.plan)  # MSB first; "state" last
        self.events = {e.code: e for e in module.events if e.kind != ir.EventKind.TICK}
        self.by_name = {e.name: e for e in module.events}
        self.user_events = [e for e in module.events if e.kind == ir.EventKind.USER]
        self.reset_event = next((e for e in module.events if e.kind == ir.EventKind.RESET), None)
        self.unknown_codes = [c for c in range(1 << self.plan.code_width) if c not in self.events]
        self.states = list(module.state_type.members)
        # event name -> state name -> transition indices that may fire there
        self.sources: dict[str, dict[str, list[int]]] = {}
        for t in module.transitions:
            for s in t.sources:
                self.sources.setdefault(t.event, {}).setdefault(s, []).append(t.index)
        self._fields = [(p.name, verilog.type_bits(p.type), isinstance(p.type, ir.BoolType))
                        for e in module.events for p in e.params]
        self.pack_snapshot = self._packer()
        self.guard_lits = self._guard_literals()

    def new(self):
        return self.cls()

    def _packer(self) -> Callable[[object], int]:
        """controller -> the packed snapshot the wrapper exposes (one generated lambda)."""
        # the controller keeps each value in a slot "_<name>" (ints, bools, IntEnums)
        slots = set(self.cls.__slots__)
        code = "0"
        for name, w in self.layout:
            attr = f"c._{name}" if f"_{name}" in slots else f"int(c.{name})"
            code = f"(({code}) << {w}) | ({attr} & {(1 << w) - 1})"
        return eval(f"lambda c: {code}")  # noqa: S307 - built from the IR's own names

    def unpack_snapshot(self, word: int) -> dict[str, int]:
        out = {}
        shift = sum(w for _, w in self.layout)
        for name, w in self.layout:
            shift -= w
            out[name] = (word >> shift) & ((1 << w) - 1)
        return out

    def pack_params(self, event: ir.Event, params: dict[str, int]) -> int:
        word, off = 0, 0
        for p in event.params:
            w = verilog.type_bits(p.type)
            word |= (int(params[p.name]) & ((1 << w) - 1)) << off
            off += w
        return word

    def unpack_params(self, event: ir.Event, word: int) -> list:
        args, off = [], 0
        for p in event.params:
            w = verilog.type_bits(p.type)
            v = (word >> off) & ((1 << w) - 1)
            args.append(bool(v) if isinstance(p.type, ir.BoolType) else v)
            off += w
        return args

    def apply(self, ctl, code: int, args: list) -> tuple[int, int, int | None]:
        """(status, reason, fired transition) of one port event on the controller."""
        if code not in self.events:  # tick (0) and unused codes never come from the port
            return STATUS["rejected"], ir.REASON_UNKNOWN_EVENT.code, None
        try:
            out = ctl.handle_code(code, *args)
        except self.Rejected as r:
            return STATUS["rejected"], r.code, None
        return STATUS[out.status], 0, out.transition

    def _guard_literals(self) -> dict[str, list[int]]:
        from compiler.backends.common import subexpressions

        lits: dict[str, set[int]] = {}
        for t in self.m.transitions:
            for g in t.guards:
                for x in subexpressions(g.cond):
                    if isinstance(x, ir.Lit) and isinstance(x.type, ir.IntType):
                        lits.setdefault(t.event, set()).update({x.value - 1, x.value, x.value + 1})
        return {k: sorted(v) for k, v in lits.items()}


# ---------------------------------------------------------------- programs


class Program:
    """Stimulus items, built while a controller follows along (so that generators and
    directed scenarios can ask what the spec does at each point). The stream sequencer
    runs the items in exactly this order as long as no more than ``max_burst_events``
    events come between two ticks; the checker replays what the hardware saw anyway."""

    def __init__(self, model: Model, max_burst_events: int = 6):
        self.model = model
        self.items: list[tuple[int, int, int]] = []
        self.ctl = model.new()
        self.max_burst_events = max_burst_events
        self.since_tick = 0
        self.events = 0  # port events
        self.ticks = 0

    def mark(self, ident: int):
        self.items.append((MARK, ident, 0))

    def hw_reset(self, cycles: int = 3, now: bool = False):
        self.items.append((RESET_NOW if now else RESET, cycles, 0))
        self.ctl = self.model.new()
        self.since_tick = 0

    def tick(self, n: int = 1) -> int:
        """n ticks; returns the steps they command."""
        self.items.append((TICKS, n, 0))
        steps = 0
        t = self.ctl.tick
        for _ in range(n):
            steps += t().total
        self.ticks += n
        self.since_tick = 0
        return steps

    def raw(self, code: int, word: int) -> tuple[int, int]:
        """A port event by code and packed parameters; returns (status, reason)."""
        if self.since_tick >= self.max_burst_events:
            self.tick()
        self.items.append((EVENT, code, word))
        self.events += 1
        self.since_tick += 1
        decl = self.model.events.get(code)
        args = self.model.unpack_params(decl, word) if decl else []
        status, reason, _ = self.model.apply(self.ctl, code, args)
        return status, reason

    def event(self, name: str, **params) -> tuple[str, int]:
        decl = self.model.by_name[name]
        status, reason = self.raw(decl.code, self.model.pack_params(decl, params))
        return ("accepted", "rejected", "ignored")[status], reason

    def member(self, enum: str, name: str) -> int:
        return next(e for e in self.model.m.enums if e.name == enum).members.index(name)

    def write(self, path: Path):
        with open(path, "w") as f:
            f.write("".join(f"{k:x} {a:x} {b:x}\n" for k, a, b in self.items))
            f.write("0 0 0\n")


def _infusion_pump_lifecycle(c) -> list[str]:
    """The reference spec's way to its deep states (a set loaded, filled with insulin,
    primed, inserted, the cannula filled, delivering, a bolus running), and out of an
    alarm: the events to try first, in order."""
    state = c.state.name
    if state == "Alarm":
        return ["clear_occlusion", "acknowledge", "connect", "refill", "remove_set"]
    if state in ("Priming", "Filling", "Bolusing"):
        return []  # let it run to completion
    if state == "Delivering":
        return ["bolus"]
    if not c.set_loaded:
        return ["load_set"]
    if c.reservoir < 200:
        return ["refill"]
    if not c.primed and not c.inserted:
        return ["prime"]
    if not c.inserted:
        return ["insert"]
    if not c.connected:
        return ["connect"]
    if not c.filled and state == "Idle":
        return ["fill"]
    return ["start"]


LIFECYCLE = {"InfusionPump": _infusion_pump_lifecycle}


class RandomGen:
    """Seeded random sequences of valid and invalid events with coverage-directed
    guidance: 70 % of the events are the first the spec accepts among the user events
    tried in an order that puts first (40 %) the spec's lifecycle events (LIFECYCLE, for
    the reference spec; a quarter of these send the first lifecycle event with a guard's
    boundary value, accepted or not, e.g. a bolus of MAX_BOLUS + 1 step while
    delivering), or (30 %) the events whose transitions from the current state have
    fired least so far, or (30 %) is random; so the deep states are visited and the
    rare transitions (fill, disconnect from Filling, completion ticks) fire."""

    def __init__(self, model: Model):
        self.model = model
        self.fired: dict[int, int] = {}
        self.prefer = LIFECYCLE.get(model.m.name)

    def params(self, rng: random.Random, e: ir.Event, boundary: bool = False) -> dict[str, int]:
        """Random parameters: sometimes outside the wire domain, often small (a dose
        that completes soon), often a guard's literal +-1; with ``boundary`` always a
        literal +-1 where the guards have one."""
        out = {}
        lits = self.model.guard_lits.get(e.name)
        for p in e.params:
            t, w = p.type, verilog.type_bits(p.type)
            r = rng.random()
            if boundary and lits and isinstance(t, ir.IntType):
                r = 0.5
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
            elif r < 0.75 and lits:
                out[p.name] = min(max(rng.choice(lits), t.lo), hi)
            else:
                out[p.name] = rng.randint(t.lo, hi)
        return out

    def rarity(self, name: str, state: str) -> int:
        idx = self.model.sources.get(name, {}).get(state)
        if not idx:
            return 1 << 30
        return min(self.fired.get(i, 0) for i in idx)

    def sequence(self, prog: Program, seed: int, length: int):
        """One sequence: a mark with the seed, a power-on reset, ``length`` port events
        with ticks between them."""
        m = self.model
        rng = random.Random(seed)
        prog.mark(seed)
        prog.hw_reset()
        target = prog.events + length
        while prog.events < target:
            if rng.random() < 0.3:
                self.ticks(prog, rng.choice((1, 1, 1, 2, 3, 5, 12)))
                continue
            if prog.since_tick >= prog.max_burst_events:
                self.ticks(prog, 1)
            r = rng.random()
            if r < 0.02:
                prog.raw(rng.choice(m.unknown_codes), rng.getrandbits(m.plan.param_width))
            elif r < 0.03 and m.reset_event:
                prog.raw(m.reset_event.code, 0)
            elif r >= 0.70:
                e = rng.choice(m.user_events)
                self.send(prog, e, self.params(rng, e))
            else:
                self.guided(prog, rng)

    def ticks(self, prog: Program, k: int):
        fired, tick = self.fired, prog.ctl.tick
        for _ in range(k):
            t = tick().transition
            if t is not None:
                fired[t] = fired.get(t, 0) + 1
        prog.items.append((TICKS, k, 0))
        prog.ticks += k
        prog.since_tick = 0

    def guided(self, prog: Program, rng: random.Random):
        m = self.model
        order = rng.sample(m.user_events, len(m.user_events))
        r = rng.random()
        if r < 0.4 and self.prefer is not None:
            first = [m.by_name[n] for n in self.prefer(prog.ctl) if n in m.by_name]
            if first and rng.random() < 0.25:  # probe the guards' edges, accepted or not
                self.send(prog, first[0], self.params(rng, first[0], boundary=True))
                return
            order = first + [e for e in order if e not in first]
        elif r < 0.7:
            state = m.states[int(prog.ctl.state)]
            order.sort(key=lambda e: self.rarity(e.name, state))
        for e in order:
            for _ in range(3):
                if self.send(prog, e, self.params(rng, e), only_if_accepted=True):
                    return
        e = order[0]
        self.send(prog, e, self.params(rng, e))

    def send(self, prog: Program, e: ir.Event, params: dict, only_if_accepted=False) -> bool:
        """Send ``e`` (unless it would be refused and ``only_if_accepted``): a refused
        event changes nothing on the controller, so trying it there is free."""
        m = prog.model
        word = m.pack_params(e, params)
        status, _, tidx = m.apply(prog.ctl, e.code, m.unpack_params(e, word))
        if status != 0 and only_if_accepted:
            return False
        prog.items.append((EVENT, e.code, word))
        prog.events += 1
        prog.since_tick += 1
        if tidx is not None:
            self.fired[tidx] = self.fired.get(tidx, 0) + 1
        return status == 0


# ---------------------------------------------------------------- the checker


@dataclass
class Coverage:
    fired: dict[int, int] = field(default_factory=dict)  # transition index -> times
    reasons: dict[int, int] = field(default_factory=dict)  # reason code -> times

    def line(self, m: ir.Module) -> str:
        never = [t.label for t in m.transitions if t.index not in self.fired]
        return (f"coverage: {len(self.fired)}/{len(m.transitions)} transitions fired; "
                f"{len(self.reasons)}/{len(m.reasons)} reject reasons seen"
                f"; never fired: {never or 'none'}")


class Checker:
    """Replays a stream log through a fresh controller and compares every record."""

    def __init__(self, model: Model, trace_dir: Path | None = None,
                 on_tick: Callable[["Checker", int], None] | None = None):
        self.model = model
        self.trace_dir = trace_dir or Path(os.environ.get("PUMPSPEC_TRACE_DIR", "."))
        self.on_tick = on_tick
        self.cov = Coverage()
        self.ctl = model.new()
        self.mark: int | None = None
        self.marks: dict[int, dict] = {}
        self.ticks = 0  # since the last power-on reset
        self.expected_pulses = 0
        self.steps: list[tr.TraceStep] = []
        self.notes: list[str] = []
        self.n_events = self.n_ticks = self.n_compares = self.n_sequences = 0

    # -- failure
    def fail(self, what: str):
        path = self.dump_trace(what)
        raise Mismatch(f"mark {self.mark}: step {len(self.steps)}: {what}\n"
                       f"trace written to {path}")

    def dump_trace(self, what: str) -> Path:
        m = self.model.m
        t = tr.Trace(m.name, m.source_hash, tuple(self.steps),
                     origin=f"cocotb lockstep mark {self.mark}: {what}"[:500])
        path = self.trace_dir / f"mismatch_seed{self.mark}.json"
        try:
            text = tr.to_json(t, m)
        except Exception as exc:  # e.g. an out-of-domain parameter the format refuses
            import json
            text = json.dumps({"origin": t.origin, "error": str(exc),
                               "steps": [[s.event, list(s.params)] for s in t.steps]})
        path.write_text(text)
        return path

    def _common(self, what: str, snap: str, pulses: str | None, fault: str, mon: str):
        self.n_compares += 1
        try:
            got = int(snap, 16)
        except ValueError:
            self.fail(f"after {what}: registers hold x/z: {snap}")
        want = self.model.pack_snapshot(self.ctl)
        if got != want:
            g, w = self.model.unpack_snapshot(got), self.model.unpack_snapshot(want)
            diff = {k: (w[k], g[k]) for k in w if g[k] != w[k]}
            if "state" in diff:
                s = self.model.states
                diff["state"] = tuple(s[x] if x < len(s) else x for x in diff["state"])
            self.fail(f"after {what}: registers differ (spec, rtl): {diff}")
        if pulses is not None and int(pulses) != self.expected_pulses:
            self.fail(f"after {what}: {pulses} STEP pulses since reset, the spec commands "
                      f"{self.expected_pulses}")
        if fault != "0":
            self.fail(f"after {what}: fault latched (cause {int(fault):#06b})")
        if mon != "0":
            self.fail(f"after {what}: STEP timing monitor error {int(mon):#07b}")

    def feed(self, lines: Iterable[str]):
        m = self.model
        cov = self.cov
        for line in lines:
            f = line.split()
            kind = f[0]
            if kind == "T":
                pre_en = self.ticks >= 1 and self.ctl.motor_enabled
                if int(f[3]) != pre_en and f[4] == "0":
                    self.fail(f"tick {self.ticks + 1}: motor_en {f[3]}, the spec's pre-state "
                              f"{'moves' if pre_en else 'does not move'}")
                if int(f[2]) != self.expected_pulses:  # the bursts before this tick
                    self.fail(f"before tick {self.ticks + 1}: {f[2]} STEP pulses since "
                              f"reset, the spec commanded {self.expected_pulses}")
                out = self.ctl.tick()
                self.expected_pulses += out.total
                self.ticks += 1
                self.n_ticks += 1
                if out.transition is not None:
                    cov.fired[out.transition] = cov.fired.get(out.transition, 0) + 1
                self.steps.append(tr.TraceStep("tick"))
                self._common(f"tick {self.ticks}", f[1], None, f[4], f[5])
                if self.on_tick:
                    self.on_tick(self, int(f[2]))
            elif kind == "E":
                code, word = int(f[1], 16), int(f[2], 16)
                decl = m.events.get(code)
                args = m.unpack_params(decl, word) if decl else []
                status, reason, tidx = m.apply(self.ctl, code, args)
                self.n_events += 1
                if decl is not None:
                    self.steps.append(tr.TraceStep(decl.name, tuple(
                        (p.name, a) for p, a in zip(decl.params, args, strict=True))))
                    name = decl.name
                else:
                    self.notes.append(f"unknown event code {code} before step {len(self.steps)}")
                    name = f"<code {code}>"
                if tidx is not None:
                    cov.fired[tidx] = cov.fired.get(tidx, 0) + 1
                if reason:
                    cov.reasons[reason] = cov.reasons.get(reason, 0) + 1
                got = (int(f[3]), int(f[4]))
                if got != (status, reason):
                    self.fail(f"event {name}{args}: rtl status/reason {got}, spec "
                              f"{(status, reason)}")
                self._common(f"event {name}", f[5], f[6], f[8], f[9])
            elif kind == "R":
                self.ctl = m.new()
                self.ticks = 0
                self.expected_pulses = 0
            elif kind == "M":
                self.mark = int(f[1])
                self.marks[self.mark] = {"state": m.states[int(self.ctl.state)],
                                         "pulses": self.expected_pulses, "ticks": self.ticks}
                self.steps = []
                self.notes = []
                self.n_sequences += 1
            elif kind == "D":
                self._common("the end", f[1], f[2], f[4], f[5])
            else:
                self.fail(f"unreadable log record {line!r}")
