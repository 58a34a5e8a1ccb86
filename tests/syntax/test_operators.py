"""Operators that share their spelling with names: `div`, `mod`, `not in`."""
from __future__ import annotations

from compiler.syntax import ast
from compiler.syntax.parser import parse


def _const(expr_text: str) -> ast.Expr:
    spec, diagnostics = parse(f"pump P\nconst K = {expr_text}\n", "t.pump")
    assert not diagnostics, diagnostics
    (item,) = spec.items
    return item.value


def test_div_and_mod_are_operators():
    e = _const("a * 3 div 2 mod 5")
    assert isinstance(e, ast.BinaryOp) and e.op == "mod"
    assert e.left.op == "div" and e.left.left.op == "*"


def test_div_after_a_quantity_is_not_a_unit():
    e = _const("90 min div 30 min")
    assert e.op == "div" and e.left.unit.num == "min" and e.right.unit.num == "min"


def test_names_starting_with_div_or_mod_stay_names():
    e = _const("divider + modulus + model")
    assert e.right.name == "model" and e.left.right.name == "modulus" and e.left.left.name == "divider"


def test_not_in_is_the_negated_membership():
    e = _const("x not in {A, B}")
    assert isinstance(e, ast.UnaryOp) and e.op == "not"
    assert isinstance(e.operand, ast.MemberOf)
    assert e.operand.operand.name == "x" and [m.name for m in e.operand.members] == ["A", "B"]


def test_not_in_binds_like_in():
    e = _const("x not in {A} and y in {B}")
    assert e.op == "and" and isinstance(e.left, ast.UnaryOp) and isinstance(e.right, ast.MemberOf)
