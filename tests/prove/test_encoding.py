"""The Z3 transition system agrees with the evaluator (the oracle) step for step."""
from __future__ import annotations

import random

import z3

from compiler.prove.system import NO_REASON, System
from compiler.eval.evaluator import Config, Evaluator
from compiler.ir import nodes as ir

from irfixtures import tiny_module


def random_value(rng: random.Random, t: ir.Type):
    if isinstance(t, ir.BoolType):
        return rng.random() < 0.5
    if isinstance(t, ir.EnumType):
        return rng.randrange(len(t.members))
    if rng.random() < 0.3:
        return rng.choice([t.lo, t.hi])
    return rng.randint(t.lo, t.hi)


def symbolic_step(system: System, config: Config, event: str, params: dict):
    m = system.module
    pre, post, inp = system.frame("a"), system.frame("b"), system.input("i")
    step = system.step(pre, inp, post)
    s = z3.Solver(ctx=system.ctx)
    s.add(step.trans, pre.state == m.state(config.state).index, inp.event == system.event_index[event])
    for v in m.variables:
        s.add(pre.vars[v.name] == config[v.name])
    for k, val in params.items():
        s.add(inp.params[event][k] == val)
    assert s.check() == z3.sat
    mdl = s.model()
    ev = lambda t: mdl.eval(t, model_completion=True)  # noqa: E731
    state = m.states[ev(post.state).as_long()].name
    vals = []
    for v in m.variables:
        x = ev(post.vars[v.name])
        vals.append((v.name, z3.is_true(x) if isinstance(v.type, ir.BoolType) else x.as_long()))
    accepted = z3.is_true(ev(step.accepted))
    ignored = z3.is_true(ev(step.ignored))
    reason = ev(step.reason).as_long()
    lets = {k: ev(t) for k, t in step.lets.items()}
    return Config(state, tuple(vals)), accepted, ignored, reason, lets


def check_agreement(module: ir.Module, samples: int, seed: int = 1):
    rng = random.Random(seed)
    system = System(module)
    ev = Evaluator(module)
    for _ in range(samples):
        config = Config(rng.choice(module.states).name,
                        tuple((v.name, random_value(rng, v.type)) for v in module.variables))
        event = rng.choice(module.events)
        params = {p.name: random_value(rng, p.type) for p in event.params}
        want, outcome = ev.step(config, event.name, params)
        got, accepted, ignored, reason, lets = symbolic_step(system, config, event.name, params)
        where = f"{event.name}{params} from {config}"
        assert got == want, where
        assert accepted == outcome.accepted, where
        assert ignored == (outcome.status == "ignored"), where
        want_reason = outcome.reason.code if outcome.status == "rejected" else NO_REASON
        assert reason == want_reason, where
        if event.kind == "tick":
            for k, v in outcome.lets:
                got_let = int(z3.is_true(lets[k])) if z3.is_bool(lets[k]) else lets[k].as_long()
                assert got_let == v, where


def test_tiny_module_agrees_with_the_evaluator():
    check_agreement(tiny_module(), 300)


def test_reference_spec_agrees_with_the_evaluator(reference):
    check_agreement(reference, 60)
