"""Smart constructors for IR expressions: each computes the exact result type.

Interval rules (lo..hi of the result from the operands'):
  a + b : [a.lo + b.lo, a.hi + b.hi]        a - b : [a.lo - b.hi, a.hi - b.lo]
  a * k : [min(a.lo*k, a.hi*k), max(...)]   -a    : [-a.hi, -a.lo]
  a div k (k > 0): [floor(a.lo/k), floor(a.hi/k)]
  a mod k (k > 0): [a.lo mod k, a.hi mod k] when both lie in one period, else [0, k-1]
  min/max: elementwise min/max of the bounds; cond: the union; table: min..max of values
  select (a table variable's element): the union of the elements' intervals
"""
from __future__ import annotations

from dataclasses import replace
from functools import reduce

from . import nodes as ir
from .visitor import map_children


def int_type(lo: int, hi: int, unit: str = "") -> ir.IntType:
    return ir.IntType(lo, hi, unit)


def lit_int(value: int, unit: str = "", span=None) -> ir.Lit:
    return ir.Lit(value, ir.IntType(value, value, unit), span)


def lit_bool(value: bool, span=None) -> ir.Lit:
    return ir.Lit(value, ir.BOOL, span)


TRUE = lit_bool(True)
FALSE = lit_bool(False)


def _unit(*exprs: ir.Expr) -> str:
    return next((e.type.unit for e in exprs if isinstance(e.type, ir.IntType) and e.type.unit), "")


def add(a: ir.Expr, b: ir.Expr, span=None) -> ir.Expr:
    if _is_zero(b):
        return a
    if _is_zero(a):
        return b
    t = int_type(a.type.lo + b.type.lo, a.type.hi + b.type.hi, _unit(a, b))
    return ir.Binary(ir.BinaryOp.ADD, a, b, t, span)


def sub(a: ir.Expr, b: ir.Expr, span=None) -> ir.Expr:
    if _is_zero(b):
        return a
    t = int_type(a.type.lo - b.type.hi, a.type.hi - b.type.lo, _unit(a, b))
    return ir.Binary(ir.BinaryOp.SUB, a, b, t, span)


def mul_const(a: ir.Expr, k: int, span=None) -> ir.Expr:
    if k == 1:
        return a
    if isinstance(a, ir.Lit):
        return lit_int(a.value * k, _unit(a), span)
    lo, hi = sorted((a.type.lo * k, a.type.hi * k))
    return ir.Binary(ir.BinaryOp.MUL, a, lit_int(k), int_type(lo, hi, _unit(a)), span)


def div_const(a: ir.Expr, k: int, span=None, unit: str | None = None) -> ir.Expr:
    assert k > 0
    if k == 1:
        return a
    t = int_type(a.type.lo // k, a.type.hi // k, _unit(a) if unit is None else unit)
    return ir.Binary(ir.BinaryOp.FLOORDIV, a, lit_int(k), t, span)


def mod_const(a: ir.Expr, k: int, span=None) -> ir.Expr:
    assert k > 0
    if a.type.lo // k == a.type.hi // k:
        lo, hi = a.type.lo % k, a.type.hi % k
    else:
        lo, hi = 0, k - 1
    return ir.Binary(ir.BinaryOp.MOD, a, lit_int(k), int_type(lo, hi, _unit(a)), span)


def neg(a: ir.Expr, span=None) -> ir.Expr:
    return ir.Unary(ir.UnaryOp.NEG, a, int_type(-a.type.hi, -a.type.lo, _unit(a)), span)


def minimum(args, span=None) -> ir.Expr:
    args = tuple(args)
    if len(args) == 1:
        return args[0]
    t = int_type(min(a.type.lo for a in args), min(a.type.hi for a in args), _unit(*args))
    return ir.MinMax(ir.MinMaxOp.MIN, args, t, span)


def maximum(args, span=None) -> ir.Expr:
    args = tuple(args)
    if len(args) == 1:
        return args[0]
    t = int_type(max(a.type.lo for a in args), max(a.type.hi for a in args), _unit(*args))
    return ir.MinMax(ir.MinMaxOp.MAX, args, t, span)


def cond(c: ir.Expr, a: ir.Expr, b: ir.Expr, span=None) -> ir.Expr:
    if isinstance(a.type, ir.IntType):
        t = int_type(min(a.type.lo, b.type.lo), max(a.type.hi, b.type.hi), _unit(a, b))
    else:
        t = a.type
    return ir.Cond(c, a, b, t, span)


def compare(op: ir.BinaryOp | str, a: ir.Expr, b: ir.Expr, span=None) -> ir.Expr:
    """``a op b`` for a comparison ``op`` (a member or its spelling, e.g. "<=")."""
    op = ir.BinaryOp(op)
    assert op in ir.COMPARE_OPS
    return ir.Binary(op, a, b, ir.BOOL, span)


def and_(*args: ir.Expr, span=None) -> ir.Expr:
    args = tuple(a for a in args if a != ir.Lit(True, ir.BOOL))
    if not args:
        return TRUE
    return reduce(lambda x, y: ir.Binary(ir.BinaryOp.AND, x, y, ir.BOOL, span), args)


def or_(*args: ir.Expr, span=None) -> ir.Expr:
    args = tuple(a for a in args if a != ir.Lit(False, ir.BOOL))
    if not args:
        return FALSE
    return reduce(lambda x, y: ir.Binary(ir.BinaryOp.OR, x, y, ir.BOOL, span), args)


def implies(a: ir.Expr, b: ir.Expr, span=None) -> ir.Expr:
    return ir.Binary(ir.BinaryOp.IMPLIES, a, b, ir.BOOL, span)


def not_(a: ir.Expr, span=None) -> ir.Expr:
    return ir.Unary(ir.UnaryOp.NOT, a, ir.BOOL, span)


SUM_CHAIN = 32  # terms summed as one left-nested chain by ``total``


def total(args, unit: str = "") -> ir.Expr:
    """The sum of ``args``: a left-nested chain ``a + b + c`` (as written) for up to
    SUM_CHAIN terms; longer sums (a window of many buckets) add chains of SUM_CHAIN
    terms as a balanced tree, so the depth stays SUM_CHAIN + ceil(log2(n / SUM_CHAIN))
    for every recursive consumer (printers, evaluator, Z3, backends)."""
    args = tuple(args)
    if not args:
        return lit_int(0, unit)
    level = [reduce(add, args[i:i + SUM_CHAIN]) for i in range(0, len(args), SUM_CHAIN)]
    while len(level) > 1:
        pairs = [add(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = pairs + level[len(pairs) * 2:]
    return level[0]


def table(values: tuple[ir.Value, ...], index: ir.Expr, value_type: ir.Type, span=None) -> ir.Expr:
    if isinstance(value_type, ir.IntType):
        value_type = int_type(min(values), max(values), value_type.unit)
    return ir.Table(values, index, value_type, span)


def select(array: str, elements, index: ir.Expr, lo: int, span=None) -> ir.Expr:
    """``elements[index - lo]``; the caller guarantees index's interval is in range."""
    elements = tuple(elements)
    t = elements[0].type
    if isinstance(t, ir.IntType):
        t = int_type(min(e.type.lo for e in elements), max(e.type.hi for e in elements), _unit(*elements))
    return ir.Select(array, elements, index, lo, t, span)


def state_in(state_type: ir.EnumType, names, post: bool = False, span=None) -> ir.Expr:
    ref = ir.StateRef(state_type, post, span)
    return or_(*(compare(ir.BinaryOp.EQ, ref, ir.Lit(state_type.members.index(n), state_type)) for n in names))


def _is_zero(e: ir.Expr) -> bool:
    return isinstance(e, ir.Lit) and e.value == 0 and isinstance(e.type, ir.IntType)


def with_post(e: ir.Expr) -> ir.Expr:
    """The same expression read in the post-state (every Var and StateRef)."""
    if isinstance(e, (ir.Var, ir.StateRef)):
        return replace(e, post=True)
    return map_children(e, with_post)
