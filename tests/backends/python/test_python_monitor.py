"""Monitor mode: the generated property checks agree with the evaluator's verdicts.

On random runs of the toy IR (which has a violable assertion and a violable response),
after every step the invariants and transition assertions the monitored controller
reports violated are exactly those the evaluator finds false; responses are checked
against a direct reading of their definition. A monitored controller behaves exactly
like the plain one (a violation is raised after the step is applied).
"""
from __future__ import annotations

import random

import pytest
from lockstep import guided_event, interesting_ints, Lockstep

from compiler.eval.evaluator import Env, Evaluator
from compiler.ir import nodes as ir


def expected_violations(module, ev: Evaluator, pre, post, event, params, outcome,
                        pending: dict[int, int]) -> list[int]:
    """Positions of the properties violated by one step, from the IR definitions."""
    out = []
    tick = next(e.name for e in module.events if e.kind == "tick")
    for i, p in enumerate(module.properties):
        if isinstance(p, ir.Invariant) and not ev.eval_state_pred(p.expr, post):
            out.append(i)
        elif isinstance(p, ir.Assertion) and (not p.events or event in p.events) \
                and (not p.states or pre.state in p.states):
            if not ev.eval_assertion(p.expr, pre, post, params, outcome):
                out.append(i)
        elif isinstance(p, ir.Response):
            left = pending.get(i, -1)
            if left > 0 and event == tick:
                left -= 1
            if left < 0 and event == p.trigger_event and ev.eval(p.trigger, Env(pre, params=params)):
                left = p.within
            if left >= 0:
                if ev.eval_state_pred(p.response, post):
                    left = -1
                elif left == 0:
                    out.append(i)
                    left = -1
            pending[i] = left
    return out


def test_monitor_agrees_with_the_evaluator(toy, toy_gen):
    G = toy_gen
    hints = interesting_ints(toy)
    found = set()
    for seed in range(6):
        rng = random.Random(seed)
        ls = Lockstep(toy, G)  # drives the evaluator; the monitored pump follows
        monitored = G.ToyPump(monitor=True)
        pending: dict[int, int] = {}
        for _ in range(250):
            event, params, repeat = guided_event(rng, ls, hints, wild=0.0)
            for _ in range(repeat):
                pre = ls.config
                post, outcome = ls.evaluator.step(pre, event, params)
                want = expected_violations(toy, ls.evaluator, pre, post, event, params,
                                           outcome, pending)
                try:
                    monitored.handle(event, **params)
                    got = []
                except G.PropertyViolation as exc:
                    got = [G.PROPERTIES.index(p) for p in exc.violated]
                except G.Rejected:
                    got = []
                assert got == want, (event, params, pre.state, got, want)
                found.update(toy.properties[i].id for i in got)
                ls.step(event, params)
                assert monitored.snapshot() == ls.controller.snapshot()
    assert {"TP-14", "TP-16"} <= found, found  # the violable ones were violated


def test_violation_names_the_property(toy_gen):
    G = toy_gen
    pump = G.ToyPump(monitor=True)
    pump.tick()
    pump.handle("fill", amount=100)
    pump.handle("go")
    with pytest.raises(G.PropertyViolation) as info:
        pump.handle("boost", amount=30, force=True)
    exc = info.value
    assert exc.property.id == "TP-14" and exc.property.kind == "assertion"
    assert str(exc).startswith("TP-14 violated (assertion: a boost never asks more than 20)"
                               " after boost handled in Running -> Boost")
    assert pump.state == G.State.Boost and exc.result.accepted  # the step was applied


def test_response_deadline(toy_gen):
    """TP-16: after `go`, the tank must be below 150 within 30 ticks: at a slow rate it is
    not, and the violation is reported on the 30th tick exactly."""
    G = toy_gen
    pump = G.ToyPump(monitor=True)
    pump.tick()
    pump.handle("fill", amount=200)
    pump.handle("set_rate", rate=10, mode=G.Mode.slow)  # one step per tick
    pump.handle("go")
    for _ in range(29):
        pump.tick()
    with pytest.raises(G.PropertyViolation) as info:
        pump.tick()
    assert [p.id for p in info.value.violated] == ["TP-16"]


def test_rejected_steps_are_checked_and_invalid_ones_are_not(toy_gen):
    G = toy_gen
    pump = G.ToyPump(monitor=True)
    with pytest.raises(G.InvalidEvent):
        pump.handle("boost", amount=99, force=False)
    with pytest.raises(G.Rejected) as info:
        pump.handle("go")  # Boot: busy
    assert not isinstance(info.value, G.PropertyViolation)
