"""The IR's types are exact-interval claims: backends size registers from them.

For random pre-states (every variable anywhere in its declared range, reachable or not),
random parameters in their wire domains and random post-states, every subexpression of
every guard, update, let and property evaluates inside its type's interval.
"""
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.eval.evaluator import Config, Env, Evaluator
from compiler.ir import nodes as ir
from compiler.ir.printer import IrPrinter
from compiler.ir.visitor import module_expressions
from compiler.pipeline import load_module

ROOT = Path(__file__).resolve().parents[2]
SPECS = ["spec/infusion_pump.pump", "spec/examples/patch_pump.pump"]


def values_of(t: ir.Type):
    if isinstance(t, ir.BoolType):
        return st.booleans()
    if isinstance(t, ir.EnumType):
        return st.integers(0, len(t.members) - 1)
    return st.one_of(st.sampled_from([t.lo, t.hi]), st.integers(t.lo, t.hi))


def configs(m: ir.Module):
    return st.builds(
        lambda state, values: Config(state, tuple(zip([v.name for v in m.variables], values, strict=True))),
        st.sampled_from([s.name for s in m.states]),
        st.tuples(*(values_of(v.type) for v in m.variables)),
    )


def in_type(value, t: ir.Type) -> bool:
    if isinstance(t, ir.IntType):
        return not isinstance(value, bool) and t.lo <= value <= t.hi
    if isinstance(t, ir.BoolType):
        return isinstance(value, bool)
    return 0 <= value < len(t.members)


class CheckingEvaluator(Evaluator):
    """Checks every node's value against its type as the evaluation passes through it."""

    def eval(self, e, env):
        value = super().eval(e, env)
        assert in_type(value, e.type), f"{IrPrinter().expr(e)} = {value} outside {e.type}"
        return value


@pytest.mark.parametrize("spec", SPECS)
def test_every_subexpression_stays_in_its_interval(spec):
    m = load_module(ROOT / spec)
    ev = CheckingEvaluator(m)
    exprs = list(module_expressions(m))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(pre=configs(m), post=configs(m), accepted=st.booleans(), data=st.data())
    def check(pre, post, accepted, data):
        lets = {}
        for let in m.tick_lets:
            lets[let.name] = ev.eval(let.value, Env(pre, lets=lets))
        params = {e.name: {p.name: data.draw(values_of(p.type)) for p in e.params} for e in m.events}
        for context, top in exprs:
            event = context.split(":", 1)[1] if ":" in context else None
            env = Env(pre, post, params.get(event, {}), lets, accepted)
            ev.eval(top, env)

    check()
