"""Monitor mode: the generated property checks agree with the evaluator's verdicts.

On random runs of the toy IR (which has a violable assertion and a violable response),
after every step the invariants and transition assertions the monitored controller
reports violated are exactly those the evaluator finds false; responses, recoveries and
the prover's checks a run can break (ranges, tick values, motor steps, determinism,
completeness) are checked against a direct reading of their definition. A monitored
controller behaves exactly like the plain one (a violation is raised after the step is
applied).
"""
from __future__ import annotations

import random

import pytest
from lockstep import guided_event, interesting_ints, Lockstep

from compiler.eval.evaluator import Env, Evaluator
from compiler.ir import nodes as ir


def expected_violations(module, ev: Evaluator, pre, post, event, params, outcome,
                        pending: dict[int, int], history: list[tuple[str, dict]]) -> list[str]:
    """Ids of the properties and checks violated by one step, from the IR definitions
    (``history``: the steps so far, this one last)."""
    out = []
    tick = next(e.name for e in module.events if e.kind == "tick")
    for i, p in enumerate(module.properties):
        if isinstance(p, ir.Invariant) and not ev.eval_state_pred(p.expr, post):
            out.append(p.id)
        elif isinstance(p, ir.Assertion) and (not p.events or event in p.events) \
                and (not p.states or pre.state in p.states):
            if not ev.eval_assertion(p.expr, pre, post, params, outcome):
                out.append(p.id)
        elif isinstance(p, ir.Recovery):
            applied = history[-len(p.sequence):]
            if len(applied) == len(p.sequence) and all(
                    e == call.event and all(args[k] == v for k, v in call.args)
                    for (e, args), call in zip(applied, p.sequence, strict=True)) \
                    and not ev.eval_state_pred(p.target, post):
                out.append(p.id)
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
                    out.append(p.id)
                    left = -1
            pending[i] = left
    return out + expected_check_failures(module, ev, pre, post, event, params, outcome)


def expected_check_failures(module, ev: Evaluator, pre, post, event, params, outcome
                            ) -> list[str]:
    """Ids of the prover's checks (compiler/prove/goals.py) this step breaks."""
    out = []
    transitions = [t for t in module.transitions if t.event == event]
    written = {u.var for t in transitions for u in t.updates}
    if event == "tick":
        written |= {u.var for u in module.tick_updates}
    for v in module.variables:
        if v.name in written and outcome.accepted and isinstance(v.type, ir.IntType) \
                and not v.type.lo <= post[v.name] <= v.type.hi:
            out.append(f"range.{v.name}")
    if event == "tick":
        for let in module.tick_lets:
            t = let.value.type
            if isinstance(t, ir.IntType) and not t.lo <= outcome.let(let.name) <= t.hi:
                out.append(f"let.{let.name}")
        if outcome.let(module.motor.steps_let) > module.motor.max_steps_per_tick:
            out.append("motor.steps")
        return out
    enabled = [t for t in transitions if pre.state in t.sources
               and all(ev.eval(g.cond, Env(pre, params=params)) for g in t.guards)]
    pairs = [(a, b) for i, a in enumerate(transitions) for b in transitions[i + 1:]
             if set(a.sources) & set(b.sources)]
    out += [f"determinism.{event}" for a, b in pairs if a in enabled and b in enabled]
    if outcome.status == "rejected" and outcome.reason == ir.REASON_NO_TRANSITION:
        out.append(f"completeness.{event}")
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
        history: list[tuple[str, dict]] = []
        for _ in range(250):
            event, params, repeat = guided_event(rng, ls, hints, wild=0.0)
            for _ in range(repeat):
                pre = ls.config
                post, outcome = ls.evaluator.step(pre, event, params)
                history.append((event, params))
                want = expected_violations(toy, ls.evaluator, pre, post, event, params,
                                           outcome, pending, history)
                try:
                    monitored.handle(event, **params)
                    got = []
                except G.PropertyViolation as exc:
                    got = [p.id for p in exc.violated]
                except G.Rejected:
                    got = []
                assert sorted(got) == sorted(want), (event, params, pre.state, got, want)
                found.update(got)
                ls.step(event, params)
                assert monitored.snapshot() == ls.controller.snapshot()
    # the violable ones were violated
    assert {"TP-14", "TP-16", "completeness.fill"} <= found, found


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
