"""The one children walk over IR expressions: complete over ``ir.Expr``, loud on anything else."""
from __future__ import annotations

import typing
from dataclasses import dataclass

import pytest

from compiler.ir import build as b
from compiler.ir import nodes as ir
from compiler.ir.visitor import children, map_children, subexpressions

X = ir.Var("x", ir.IntType(0, 9))
FLAG = ir.Var("flag", ir.BOOL)
COLOR = ir.EnumType("Color", ("red", "green"))

# one node of every expression type, each with distinct children where it has any
SAMPLES = {
    ir.Lit: b.lit_int(3),
    ir.Var: X,
    ir.StateRef: ir.StateRef(ir.EnumType("State", ("A", "B"))),
    ir.Param: ir.Param("p", ir.BOOL),
    ir.LetRef: ir.LetRef("l", ir.IntType(0, 1)),
    ir.Accepted: ir.Accepted(),
    ir.Unary: b.neg(X),
    ir.Binary: b.add(X, b.lit_int(1)),
    ir.Cond: b.cond(FLAG, X, b.lit_int(0)),
    ir.MinMax: b.minimum((X, b.lit_int(4), b.lit_int(7))),
    ir.Table: b.table((1, 2), ir.Param("c", COLOR), ir.IntType(0, 9)),
    ir.Select: b.select("t", (ir.Var("t_1", ir.IntType(0, 9)), X), ir.Param("i", ir.IntType(1, 2)), 1),
}


def test_the_samples_cover_every_expression_type():
    assert set(SAMPLES) == set(typing.get_args(ir.Expr))


@pytest.mark.parametrize("kind", list(SAMPLES), ids=lambda k: k.__name__)
def test_map_children_rebuilds_with_the_mapped_children(kind):
    e = SAMPLES[kind]
    assert map_children(e, lambda x: x) == e
    renamed = map_children(e, lambda x: ir.Var("y", x.type) if x == X else x)
    assert children(renamed) == tuple(ir.Var("y", c.type) if c == X else c for c in children(e))


def test_subexpressions_is_pre_order():
    e = SAMPLES[ir.Cond]
    assert list(subexpressions(e)) == [e, FLAG, X, b.lit_int(0)]


def test_an_unknown_node_type_fails_loudly():
    @dataclass(frozen=True)
    class Stranger:
        type: ir.Type = ir.BOOL

    with pytest.raises(TypeError, match="unknown IR expression Stranger"):
        children(Stranger())
    with pytest.raises(TypeError, match="unknown IR expression Stranger"):
        map_children(Stranger(), lambda x: x)


def test_with_post_reads_every_leaf_in_the_post_state():
    post = b.with_post(SAMPLES[ir.Cond])
    assert post == b.cond(ir.Var("flag", ir.BOOL, True), ir.Var("x", X.type, True), b.lit_int(0))
