"""Differential tests: the generated controller against the IR evaluator, step by step.

At every step both must agree on accepted / ignored / rejected, the reason code, the
fired transition, the state, every variable (type-exact) and, on a tick, every let and
the steps per source (see lockstep.py). Events come from hypothesis (shrinkable lists
over the full wire domain and beyond it: wrong types, missing and extra parameters,
unknown events) and from guided random walks that go deep into the reference spec
(loaded, primed, inserted, delivering, bolusing, alarms).
"""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lockstep import Lockstep, UNKNOWN_EVENT, guided_event, interesting_ints

from compiler.ir import nodes as ir

TRACES = Path(__file__).resolve().parents[2] / "simulate" / "traces"
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)


def value_strategy(t: ir.Type, hints: list[int]):
    wild = st.sampled_from([None, "3", 2.5, -1, 10**6])
    if isinstance(t, ir.BoolType):
        return st.one_of(st.booleans(), st.booleans(), st.booleans(), st.sampled_from([0, 1]))
    if isinstance(t, ir.EnumType):
        n = len(t.members)
        return st.one_of(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, n - 1),
                         st.sampled_from([-1, n, True]), wild)
    inside = [h for h in hints if t.lo <= h <= t.hi] or [t.lo]
    return st.one_of(st.sampled_from(inside), st.sampled_from(inside),
                     st.integers(t.lo, min(t.hi, t.lo + 50)), st.integers(t.lo, t.hi),
                     st.sampled_from([t.lo - 1, t.hi + 1, True]), wild)


def event_strategy(module: ir.Module):
    hints = interesting_ints(module)
    tick = next(e for e in module.events if e.kind == "tick")
    options = [st.tuples(st.just(tick.name), st.just({}), st.sampled_from([1, 1, 2, 7, 40]))]
    for e in module.events:
        if e.kind == "tick":
            continue
        params = st.fixed_dictionaries({p.name: value_strategy(p.type, hints) for p in e.params})
        options.append(st.tuples(st.just(e.name), params, st.just(1)))
    # rarely: unknown events, a missing or an extra parameter
    options.append(st.tuples(st.just(UNKNOWN_EVENT), st.just({}), st.just(1)))
    options.append(st.tuples(st.sampled_from([e.name for e in module.events]),
                             st.just({"extra": 1}), st.just(1)))
    weights = [4] + [1] * (len(options) - 1)
    weighted = [o for o, w in zip(options, weights, strict=True) for _ in range(w)]
    return st.one_of(*weighted)


def run(module, generated, events) -> Lockstep:
    ls = Lockstep(module, generated)
    for event, params, repeat in events:
        for _ in range(repeat):
            ls.step(event, params)
    return ls


def test_toy_hypothesis(toy, toy_gen):
    @settings(max_examples=150, **SETTINGS)
    @given(st.lists(event_strategy(toy), min_size=1, max_size=120))
    def check(events):
        run(toy, toy_gen, events)

    check()


def test_reference_hypothesis(reference, reference_gen):
    @settings(max_examples=40, **SETTINGS)
    @given(st.lists(event_strategy(reference), min_size=1, max_size=60))
    def check(events):
        run(reference, reference_gen, events)

    check()


def walk(module, generated, seed: int, events: int, prefix=None) -> tuple[Lockstep, set]:
    rng = random.Random(seed)
    hints = interesting_ints(module)
    ls = Lockstep(module, generated)
    seen = set()
    for step in prefix.expanded() if prefix else ():
        seen.add((ls.config.state, ls.step(step.event, dict(step.params))))
    for _ in range(events):
        event, params, repeat = guided_event(rng, ls, hints)
        for _ in range(repeat):
            seen.add((ls.config.state, ls.step(event, params)))
    return ls, seen


def test_toy_guided_walks(toy, toy_gen):
    seen = set()
    steps = 0
    for seed in range(8):
        ls, s = walk(toy, toy_gen, seed, 300)
        seen |= s
        steps += ls.steps_run
    assert steps > 5000
    assert {state for state, _ in seen} == set(toy.state_type.members)
    assert {status for _, status in seen} == {"accepted", "rejected", "ignored"}


def test_reference_guided_walks(reference, reference_gen):
    """Thousands of steps deep into the reference spec, every one compared: from power
    on, and from a running bolus (tests/simulate/traces/deliver.trace)."""
    from compiler.simulate import read_trace

    deliver = read_trace(str(TRACES / "deliver.trace"), reference)
    seen = set()
    steps = 0
    for seed in range(4):
        ls, s = walk(reference, reference_gen, 100 + seed, 120, deliver if seed % 2 else None)
        seen |= s
        steps += ls.steps_run
    assert steps > 3000
    states = {state for state, _ in seen}
    assert set(reference.state_type.members) - states <= {"Suspended", "Filling"}, states
