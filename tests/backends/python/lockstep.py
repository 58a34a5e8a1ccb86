"""Lockstep of the generated Python controller against the IR evaluator (the oracle).

``Lockstep(module)`` runs both on the same events and compares, at every step: the
status (accepted / ignored / rejected), the reason code, the fired transition, the
control state, every variable (type-exact: a bool is not an int), and on a tick every
let and the steps per source. ``random_steps`` draws events over the whole wire domain
and beyond it (wrong types, missing and extra parameters, unknown events), biased
towards the literals the spec compares against, so that guards flip both ways.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from compiler.backends.python import load
from compiler.eval.evaluator import Config, Evaluator, Outcome
from compiler.ir import nodes as ir

UNKNOWN_EVENT = "no_such_event"


def normal(value: Any) -> tuple[str, int]:
    """A value with its kind, so that True never equals 1 and IntEnum equals its int."""
    return ("bool", int(value)) if isinstance(value, bool) else ("int", int(value))


@dataclass
class Lockstep:
    module: ir.Module
    generated: Any = None
    steps_run: int = 0
    log: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.generated is None:
            self.generated = load(self.module)
        self.evaluator = Evaluator(self.module)
        self.config = self.evaluator.initial()
        self.controller = getattr(self.generated, self.module.name)()
        self.tick_name = next(e.name for e in self.module.events if e.kind == "tick")
        self.lets = [let.name for let in self.module.tick_lets]
        self.compare_state("initial state")

    def compare_state(self, where: str) -> None:
        snap = self.controller.snapshot()
        assert snap.state.name == self.config.state, (
            f"{where}: state {snap.state.name}, evaluator {self.config.state}")
        got = [(name, normal(value)) for name, value in snap.values]
        want = [(name, normal(value)) for name, value in self.config.values]
        if got != want:
            diff = [f"{a[0]}: generated {a[1]}, evaluator {b[1]}"
                    for a, b in zip(got, want, strict=True) if a != b]
            raise AssertionError(f"{where}: variables differ: {'; '.join(diff)}")

    def step(self, event: str, params: dict[str, Any]) -> str:
        where = f"step {self.steps_run}: {event}({params}) in {self.config.state}"
        self.log.append(where)
        new, outcome = self.evaluator.step(self.config, event, params)
        self.compare_generated(event, params, outcome, where)
        self.compare_more(event, params, new, outcome, where)
        self.config = new
        self.compare_state(where)
        self.steps_run += 1
        return outcome.status

    def compare_more(self, event: str, params: dict[str, Any], new: Config, outcome: Outcome,
                     where: str) -> None:
        """A subclass's further comparison of one step, from ``self.config`` (the pre-state)
        to the evaluator's ``new`` and ``outcome``: none here."""

    def compare_generated(self, event: str, params: dict[str, Any], outcome: Outcome,
                          where: str) -> None:
        """The generated controller's answer to one event against the evaluator's."""
        G = self.generated
        lets = None
        if event == self.tick_name and not params:
            lets = self.controller.tick_lets()
        try:
            result = self.controller.handle(event, **params)
        except G.Rejected as rejection:
            status, reason, transition = "rejected", rejection.code, None
            assert isinstance(rejection, G.InvalidEvent) == (rejection.code in (1, 2)), where
            str(rejection)  # the message renders
        else:
            status, reason, transition = result.status, None, result.transition
        want_reason = outcome.reason.code if outcome.reason else None
        assert (status, reason) == (outcome.status, want_reason), (
            f"{where}: generated {status} {reason}, evaluator {outcome.status} {want_reason}")
        assert transition == outcome.transition, (
            f"{where}: generated fired #{transition}, evaluator #{outcome.transition}")
        if lets is not None:
            want_lets = dict(outcome.lets)
            got_lets = dict(zip(self.lets, lets, strict=True))
            # the evaluator reports lets as ints (bool lets as 0/1): compare values
            assert {k: int(v) for k, v in got_lets.items()} == want_lets, (
                f"{where}: lets differ: generated {got_lets}, evaluator {want_lets}")
            m = self.module.motor
            assert result.total == want_lets[m.steps_let], f"{where}: total steps"
            for source in m.sources:
                got = getattr(result, source.name.replace(".", "_"))
                assert got == want_lets[source.steps.name], f"{where}: {source.name} steps"


# ---------------------------------------------------------------- random events


def interesting_ints(module: ir.Module) -> list[int]:
    """Every int literal of the module and its neighbours: where guards flip."""
    found: set[int] = set()

    def walk(e: ir.Expr) -> None:
        from compiler.backends.common import subexpressions
        for x in subexpressions(e):
            if isinstance(x, ir.Lit) and isinstance(x.type, ir.IntType):
                found.update((x.value - 1, x.value, x.value + 1))
            if isinstance(x, ir.Table):
                found.update(v for v in x.values if isinstance(v, int) and not isinstance(v, bool))

    for t in module.transitions:
        for g in t.guards:
            walk(g.cond)
        for u in t.updates:
            walk(u.value)
    return sorted(found)


def random_value(rng: random.Random, t: ir.Type, hints: list[int], wild: float) -> Any:
    """A value of ``t``'s wire domain, or (with probability ``wild``) one outside it."""
    if rng.random() < wild:
        return rng.choice([None, "3", 2.5, True, -1, 10**6,
                           (t.hi + 1 if isinstance(t, ir.IntType) else 0),
                           (t.lo - 1 if isinstance(t, ir.IntType) else len(getattr(t, "members", ())))])
    if isinstance(t, ir.BoolType):
        return rng.random() < 0.5
    if isinstance(t, ir.EnumType):
        return rng.randrange(len(t.members))
    r = rng.random()
    if r < 0.45:
        inside = [h for h in hints if t.lo <= h <= t.hi]
        if inside:
            return rng.choice(inside)
    if r < 0.6:
        return rng.choice([t.lo, t.hi, min(t.lo + 1, t.hi)])
    if r < 0.8:
        return rng.randint(t.lo, min(t.hi, t.lo + 40))
    return rng.randint(t.lo, t.hi)


def random_event(rng: random.Random, module: ir.Module, hints: list[int], wild: float = 0.03,
                 tick_weight: float = 0.3) -> tuple[str, dict[str, Any], int]:
    """(event, params, repeat): one random event; a tick may repeat (a macro step)."""
    if rng.random() < wild / 3:
        return UNKNOWN_EVENT, {}, 1
    tick = next(e for e in module.events if e.kind == "tick")
    if rng.random() < tick_weight:
        return tick.name, {}, rng.choice([1, 1, 1, 2, 5, 30, 200])
    e = rng.choice([e for e in module.events if e.kind != "tick"])
    params = {p.name: random_value(rng, p.type, hints, wild) for p in e.params}
    if rng.random() < wild / 2 and params:
        params.pop(rng.choice(sorted(params)))
    if rng.random() < wild / 2:
        params["extra"] = 1
    return e.name, params, 1


def guided_event(rng: random.Random, ls: Lockstep, hints: list[int], probes: int = 6,
                 wild: float = 0.03) -> tuple[str, dict[str, Any], int]:
    """A random event biased towards ones the spec accepts in the current state.

    Up to ``probes`` candidates are tried on the evaluator (pure: configurations are
    immutable); the first accepted user event wins with probability 0.85. This walks
    deep into the state machine (loaded, primed, inserted, delivering, bolusing,
    alarms) where uniformly random events stay near the initial state.
    """
    first = None
    for _ in range(probes):
        event, params, repeat = random_event(rng, ls.module, hints, wild, tick_weight=0.0)
        first = first or (event, params, repeat)
        _, outcome = ls.evaluator.step(ls.config, event, params)
        if outcome.accepted and rng.random() < 0.85:
            return event, params, repeat
    tick = ls.tick_name
    if rng.random() < 0.6:
        return tick, {}, rng.choice([1, 1, 3, 10, 60, 300])
    return first
