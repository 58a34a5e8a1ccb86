"""Seeded random stimulus guided by the spec itself.

A sequence starts with a power-on reset, often followed by a *prefix*: a witness trace
(the prover's reachability witnesses reach states and transitions random events rarely
hit). Then ``length`` port events with ticks between them. Each event is

- 2 %: an unknown event code with random parameter bits; 1 %: the spec's reset event;
- 30 %: a random user event with random parameters;
- otherwise *guided*: the first user event the spec accepts, trying events in an order
  that puts first (40 %) the events with a transition out of the current state, toward
  the states visited least so far (a quarter of these send the first one with a
  boundary value, accepted or not), or (30 %) the events whose transitions from the
  current state fired least so far, or (30 %) a random order.

On its first visit of a state a sequence *sweeps* the guards of the transitions leaving
it: every event with a guarded transition from the state, each integer parameter at each
of its boundary values, sent when the controller refuses it (a refusal changes nothing,
so the sweep stays in the state and probes every guard's edge where it is checked).

Parameter values: often small (a dose that completes soon), often a boundary (the
parameter's ``lo - 1``, ``lo``, ``hi`` and ``hi + 1``, each literal in the event's guards
and one either side), sometimes outside the declared domain (above it up to the port's
width, or below a lowest value above 0), else uniform.
"""
from __future__ import annotations

import random
from collections.abc import Sequence

from .. import trace as tr
from ..backends import verilog
from ..ir import nodes as ir
from ._model import Model
from ._program import Program, replay_trace

TICK_RUNS = (1, 1, 1, 2, 3, 5, 12)  # ticks between events, drawn uniformly
MAX_PREFIX_STEPS = 1_000  # a longer witness (behind tick macro-steps) is not a prefix


class RandomGen:
    """Generates sequences into programs; keeps what fired and which states were visited
    across sequences, so the guidance moves on to what is still rare."""

    def __init__(self, model: Model, prefixes: Sequence[tr.Trace] = ()):
        self.model = model
        self.prefixes = list(prefixes)
        self.visits: dict[str, int] = {}  # state name -> events and ticks spent there
        self.fired: dict[int, int] = {}  # transition index -> times; give it to each Program
        self.boundaries = {e.name: self._boundaries(e) for e in model.user_events}
        # state -> (event, target) of the transitions leaving it
        self.exits: dict[str, list[tuple[str, str]]] = {}
        # state -> the events with a guarded transition from it, in declaration order
        self.guarded: dict[str, list[ir.Event]] = {}
        for t in model.m.transitions:
            if t.event == "tick":
                continue
            for s in t.sources:
                if t.guards and model.by_name[t.event] not in self.guarded.setdefault(s, []):
                    self.guarded[s].append(model.by_name[t.event])
                if t.target is not None and s != t.target:
                    self.exits.setdefault(s, []).append((t.event, t.target))

    def _boundaries(self, e: ir.Event) -> dict[str, list[int]]:
        guard = self.model.guard_values.get(e.name, [])
        out = {}
        for p in e.params:
            if isinstance(p.type, ir.IntType):
                wire_top = (1 << verilog.type_bits(p.type)) - 1
                values = {p.type.lo - 1, p.type.lo, p.type.hi, p.type.hi + 1, *guard}
                out[p.name] = sorted(v for v in values if 0 <= v <= wire_top)
        return out

    def params(self, rng: random.Random, e: ir.Event, boundary: bool = False) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in e.params:
            t, w = p.type, verilog.type_bits(p.type)
            if isinstance(t, ir.BoolType):
                out[p.name] = rng.random() < 0.5
                continue
            hi = len(t.members) - 1 if isinstance(t, ir.EnumType) else t.hi
            edges = self.boundaries[e.name].get(p.name)
            r = 0.6 if boundary and edges else rng.random()
            lo = t.lo if isinstance(t, ir.IntType) else 0
            if r < 0.05 and (hi < (1 << w) - 1 or lo > 0):
                # outside the declared domain: above it (up to the port's top), below it
                outside = [(hi + 1, (1 << w) - 1)] if hi < (1 << w) - 1 else []
                outside += [(0, lo - 1)] if lo > 0 else []
                low, high = outside[0] if len(outside) == 1 else rng.choice(outside)
                out[p.name] = rng.randint(low, high)
            elif isinstance(t, ir.EnumType):
                out[p.name] = rng.randint(0, hi)
            elif r < 0.45:
                out[p.name] = rng.randint(t.lo, min(hi, t.lo + 6))  # small: finishes soon
            elif r < 0.75 and edges:
                out[p.name] = rng.choice(edges)
            else:
                out[p.name] = rng.randint(t.lo, hi)
        return out

    def sequence(self, prog: Program, seed: int, length: int) -> None:
        """One sequence: a mark with the seed, a power-on reset (or a witness prefix,
        which starts with one), ``length`` port events with ticks between them."""
        m = self.model
        rng = random.Random(seed)
        prog.mark(seed)
        if self.prefixes and rng.random() < 0.5:
            replay_trace(prog, rng.choice(self.prefixes))
        else:
            prog.hw_reset()
        target = prog.events + length
        swept: set[str] = set()
        while prog.events < target:
            state = self._state(prog)
            self.visits[state] = self.visits.get(state, 0) + 1
            if state not in swept:
                swept.add(state)
                self.sweep_guards(prog, rng, target)
                continue
            if rng.random() < 0.3:
                prog.tick(rng.choice(TICK_RUNS))
                continue
            r = rng.random()
            if r < 0.02:
                prog.try_raw(rng.choice(m.unknown_codes), rng.getrandbits(m.plan.param_width))
            elif r < 0.03 and m.reset_event:
                prog.try_raw(m.reset_event.code, 0)
            elif not m.user_events:
                prog.tick()
            elif r >= 0.70:
                e = rng.choice(m.user_events)
                self.send(prog, e, self.params(rng, e))
            else:
                self.guided(prog, rng)

    def sweep_guards(self, prog: Program, rng: random.Random, target: int) -> None:
        """Each event with a guarded transition from the current state, each integer
        parameter at each boundary value (the others random), sent when the controller
        refuses it; stops when the state changes (a tick the sequencer needs) or the
        sequence is full."""
        state = self._state(prog)
        for e in self.guarded.get(state, ()):
            for name, edges in self.boundaries[e.name].items():
                for value in edges:
                    if self._state(prog) != state or prog.events >= target:
                        return
                    word = self.model.pack_params(e, {**self.params(rng, e), name: value})
                    if not self.model.accepts(prog.ctl, e.code, word):
                        prog.try_raw(e.code, word)

    def _state(self, prog: Program) -> str:
        return self.model.states[int(prog.ctl.state)]

    def rarity(self, prog: Program, name: str, state: str) -> int:
        idx = self.model.sources.get(name, {}).get(state)
        if not idx:
            return 1 << 30
        return min(prog.fired.get(i, 0) for i in idx)

    def guided(self, prog: Program, rng: random.Random) -> None:
        m = self.model
        order = rng.sample(m.user_events, len(m.user_events))
        state = self._state(prog)
        r = rng.random()
        if r < 0.4:
            exits = sorted(self.exits.get(state, ()), key=lambda x: self.visits.get(x[1], 0))
            first = list(dict.fromkeys(m.by_name[name] for name, _ in exits))
            if first and rng.random() < 0.25:  # probe the guards' edges, accepted or not
                self.send(prog, first[0], self.params(rng, first[0], boundary=True))
                return
            order = first + [e for e in order if e not in first]
        elif r < 0.7:
            order.sort(key=lambda e: self.rarity(prog, e.name, state))
        for e in order:
            for _ in range(3):
                if self.send(prog, e, self.params(rng, e), only_if_accepted=True):
                    return
        self.send(prog, order[0], self.params(rng, order[0]))

    def send(self, prog: Program, e: ir.Event, params: dict, only_if_accepted=False) -> bool:
        status, _ = prog.try_raw(e.code, self.model.pack_params(e, params), only_if_accepted)
        return status == 0
