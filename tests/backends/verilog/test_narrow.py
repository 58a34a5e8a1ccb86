"""The narrowing (compiler/backends/verilog/_narrow.py): a rewritten expression has the
value of its original in every environment, every node of it stays inside its interval,
and the wide intermediates of a step cap become narrow.

Checked against the IR evaluator on random expression trees and on the tick values of
every corpus spec, over every register value in its declared range (reachable or not);
the random specs' tick values in tests/specgen/test_rtl_lockstep.py. The formal tier
proves each narrowed tick value equal to its definition on the block (``step.<let>``)."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler import pipeline
from compiler.backends import verilog
from compiler.backends.verilog import _narrow, _serial
from compiler.backends.verilog._expr import VerilogPrinter
from compiler.eval.evaluator import Config, Env, Evaluator
from compiler.ir import build as b
from compiler.ir import nodes as ir
from compiler.ir.visitor import subexpressions

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted((ROOT / "spec").glob("*.pump")) + [ROOT / "spec" / "examples" / "patch_pump.pump"]
VARS = ("a", "b", "c", "d")
MINIMAL = pipeline.load_module(ROOT / "spec" / "minimal_pump.pump")


def values_in(t: ir.IntType):
    return st.one_of(st.sampled_from([t.lo, t.hi]), st.integers(t.lo, t.hi))


def in_interval(e: ir.Expr, env: Env, ev: Evaluator) -> None:
    for x in subexpressions(e):
        if isinstance(x.type, ir.IntType):
            v = ev.eval(x, env)
            assert x.type.lo <= v <= x.type.hi, f"{x} = {v} outside {x.type}"


# -- random expression trees

@st.composite
def ranges(draw):
    lo = draw(st.integers(-50, 50))
    return lo, lo + draw(st.integers(0, draw(st.sampled_from([3, 100, 20_000]))))


def trees(var_types: dict[str, ir.IntType]):
    leaves = st.one_of(st.sampled_from([ir.Var(n, t) for n, t in var_types.items()]),
                       st.integers(-40, 40).map(b.lit_int))

    def extend(children):
        pairs = st.tuples(children, children)
        return st.one_of(
            pairs.map(lambda p: b.add(*p)),
            pairs.map(lambda p: b.sub(*p)),
            st.tuples(children, st.sampled_from([-3, 2, 7])).map(lambda p: b.mul_const(*p)),
            st.tuples(children, st.sampled_from([2, 5, 60])).map(lambda p: b.div_const(*p)),
            st.tuples(children, st.sampled_from([3, 8])).map(lambda p: b.mod_const(*p)),
            children.map(b.neg),
            st.lists(children, min_size=2, max_size=4).map(b.minimum),
            st.lists(children, min_size=2, max_size=4).map(b.maximum),
            st.tuples(children, children, children, children).map(
                lambda p: b.cond(b.compare("<", p[0], p[1]), p[2], p[3])),
        )
    return st.recursive(leaves, extend, max_leaves=12)


@st.composite
def cases(draw):
    """(expression, variable types): a random tree, often clamped to a narrow interval
    at the top as a step cap is (max(0, min(tree, k)))."""
    var_types = {n: ir.IntType(*draw(ranges())) for n in VARS}
    e = draw(trees(var_types))
    if draw(st.booleans()):
        e = b.maximum((b.lit_int(draw(st.integers(-5, 0))), b.minimum((e, b.lit_int(draw(st.integers(0, 6)))))))
    return e, var_types


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=cases(), data=st.data())
def test_a_narrowed_tree_has_its_value_everywhere(case, data):
    e, var_types = case
    (new,) = _narrow.narrowed([e])
    assert new.type.lo >= e.type.lo and new.type.hi <= e.type.hi
    ev = Evaluator(MINIMAL)  # reads only the variables of ``env``
    for _ in range(8):
        env = Env(Config("s", tuple((n, data.draw(values_in(t))) for n, t in var_types.items())))
        assert ev.eval(new, env) == ev.eval(e, env)
        in_interval(new, env, ev)


# -- the corpus's tick values

def let_env(m: ir.Module, data) -> Env:
    def value(t: ir.Type):
        if isinstance(t, ir.BoolType):
            return st.booleans()
        if isinstance(t, ir.EnumType):
            return st.integers(0, len(t.members) - 1)
        return values_in(t)
    pre = Config(data.draw(st.sampled_from([s.name for s in m.states])),
                 tuple((v.name, data.draw(value(v.type))) for v in m.variables))
    # every let anywhere in its interval: a narrowed let must not rely on earlier lets
    # holding their definitions
    lets = {let.name: data.draw(value(let.value.type)) for let in m.tick_lets}
    return Env(pre, lets=lets)


@functools.cache
def planned(spec: Path) -> tuple[ir.Module, verilog.Plan]:
    """A corpus spec's module and Verilog plan (the design's own narrowing, with the
    plan's opaque nodes), built once for the tests below."""
    m = pipeline.load_module(spec)
    return m, verilog.plan(m)


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_the_corpus_tick_values_narrowed_equal_their_definitions(spec):
    m, plan = planned(spec)
    narrowed = plan.let_values
    assert set(narrowed) == {let.name for let in m.tick_lets}
    changed = [let for let in m.tick_lets if narrowed[let.name] != let.value]
    ev = Evaluator(m)

    @settings(max_examples=80, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        env = let_env(m, data)
        for let in changed:
            assert ev.eval(narrowed[let.name], env) == ev.eval(let.value, env), let.name
            in_interval(narrowed[let.name], env, ev)

    check()


def test_every_motor_spec_narrows_a_step_cap():
    """Each corpus spec with a budget or a window cap gets at least one clamp."""
    for spec in CORPUS:
        m, plan = planned(spec)
        capped = [s for s in m.motor.sources if isinstance(s.steps.value, ir.MinMax)]
        clamps = [x for let in plan.let_values.values() for x in subexpressions(let)
                  if isinstance(x, ir.MinMax) and any(isinstance(a, ir.Lit) for a in x.args)]
        assert not capped or len(clamps) > sum(
            1 for let in m.tick_lets for x in subexpressions(let.value)
            if isinstance(x, ir.MinMax) and any(isinstance(a, ir.Lit) for a in x.args)), spec.name


# -- what the rewrite does

def step_cap():
    """max(0, min(raw, reservoir - used, (1600 - total) - used)): a source's steps."""
    raw = ir.Var("raw", ir.IntType(0, 3))
    used = ir.Var("used", ir.IntType(0, 3))
    reservoir = ir.Var("reservoir", ir.IntType(0, 12_000))
    total = ir.Var("total", ir.IntType(0, 20_800))
    room = b.sub(b.lit_int(1600), total)
    return b.maximum((b.lit_int(0), b.minimum((raw, b.sub(reservoir, used), b.sub(room, used))))), room


def test_a_step_cap_clamps_the_reservoir_and_the_room_not_the_total():
    e, room = step_cap()
    (new,) = _narrow.narrowed([e])
    reservoir = ir.Var("reservoir", ir.IntType(0, 12_000))
    # the reservoir and the room are each clamped to 0 .. 6 (a cap of 3 steps plus 3
    # used); the total is not (1594 .. 1600 would decide, bits that hold an offset)
    res_clamp = b.minimum((reservoir, b.lit_int(6)))
    room_clamp = b.maximum((b.minimum((room, b.lit_int(6))), b.lit_int(0)))
    nodes = list(subexpressions(new))
    assert res_clamp in nodes and room_clamp in nodes

    def outside(x, inside=(res_clamp, room_clamp)):
        yield x
        if x not in inside:
            for y in (x.args if isinstance(x, ir.MinMax) else
                      (x.left, x.right) if isinstance(x, ir.Binary) else ()):
                yield from outside(y)
    # everything the cap computes from the clamps on is a few bits wide
    assert all(-6 <= x.type.lo and x.type.hi <= 6 for x in outside(new)), new


def test_a_clamp_prints_as_one_selection():
    e, room = step_cap()
    (new,) = _narrow.narrowed([e])
    p = VerilogPrinter(lambda n: f"v_{n}", "state")
    p.operand(new)
    # the room's clamp: both comparisons read the 16-bit room, one wire, then 4 bits
    (clamp,) = [d for d in p.decls if d.count(" ? ") == 2]
    assert "< 16'sd0) ? 16'sd0 : (" in clamp and "> 16'sd6) ? 16'sd6 : " in clamp
    assert max(int(d.split("[")[1].split(":")[0]) + 1 for d in p.decls[p.decls.index(clamp) + 1:]) <= 4


def test_serial_folds_and_running_totals_are_kept_whole():
    xs = [ir.Var(f"b{i}", ir.IntType(0, 100)) for i in range(10)]
    fold = b.total(xs)
    assert _serial.may_fold(fold) and _serial.may_fold(b.maximum(xs))
    assert not _serial.may_fold(b.total(xs[:3]))
    e = b.maximum((b.lit_int(0), b.minimum((b.lit_int(2), b.sub(b.lit_int(500), fold)))))
    (new,) = _narrow.narrowed([e], _serial.may_fold)
    assert fold in set(subexpressions(new))  # the fold itself, not a rewritten sum
