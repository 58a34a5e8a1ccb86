"""The Z3 expression printer: an ``ExprVisitor`` (one method per IR expression kind).

The printer maps an IR expression to a Z3 term over a ``Scope`` (the symbolic pre-state,
post-state, event parameters, tick lets and the step's ``accepted`` flag). It agrees with
``compiler.eval.evaluator.Evaluator.eval`` node for node:

- integers are mathematical (Z3 ``Int``), bools are Z3 ``Bool``, enum values are the
  member index as an ``Int``;
- ``//`` and ``%`` have a positive literal divisor (an IR invariant). Z3's integer
  ``div``/``mod`` are Euclidean (the remainder is never negative); for a positive divisor
  Euclidean division equals floor division, so ``a / d`` and ``a % d`` in Z3 are exactly
  Python's ``a // d`` and ``a % d``.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Mapping

import z3
import z3.z3 as _z3impl  # _to_expr_ref: wrap a raw AST (no public equivalent)

from ..ir import nodes as ir
from ..ir.visitor import ExprVisitor


class Subst:
    """A substitution (pairs of constants), applied by Z3 itself. ``z3.substitute`` checks
    every pair's sorts in Python on every call, which dominated the prover's run time."""

    def __init__(self, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]):
        self.n = len(pairs)
        self.ctx = pairs[0][0].ctx if pairs else None
        self._from = (z3.Ast * self.n)(*[a.as_ast() for a, _ in pairs])
        self._to = (z3.Ast * self.n)(*[b.as_ast() for _, b in pairs])
        self._keep = pairs  # the arrays borrow these terms' references

    def __call__(self, t: z3.ExprRef) -> z3.ExprRef:
        if not self.n:
            return t
        return _z3impl._to_expr_ref(z3.Z3_substitute(self.ctx.ref(), t.as_ast(), self.n, self._from,
                                                self._to), self.ctx)


class PrinterError(TypeError):
    """An expression the scope cannot give a meaning to (an internal error)."""


@dataclass
class Frame:
    """One symbolic configuration: the control state (member index), every variable, and
    any monitor variables a check adds (``ext``)."""

    tag: str
    state: z3.ArithRef
    vars: dict[str, z3.ExprRef]
    ext: dict[str, z3.ExprRef] = field(default_factory=dict)
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # terms built on it


@dataclass
class Scope:
    pre: Frame
    post: Frame | None = None
    params: Mapping[str, z3.ExprRef] | None = None
    lets: Mapping[str, z3.ExprRef] | None = None
    accepted: z3.BoolRef | None = None


def sort_of(t: ir.Type, ctx: z3.Context) -> z3.SortRef:
    return z3.BoolSort(ctx) if isinstance(t, ir.BoolType) else z3.IntSort(ctx)


def const(name: str, t: ir.Type, ctx: z3.Context) -> z3.ExprRef:
    return z3.Bool(name, ctx) if isinstance(t, ir.BoolType) else z3.Int(name, ctx)


def value(v: ir.Value, t: ir.Type, ctx: z3.Context) -> z3.ExprRef:
    if isinstance(t, ir.BoolType):
        return z3.BoolVal(bool(v), ctx)
    return z3.IntVal(int(v), ctx)


def domain(term: z3.ExprRef, t: ir.Type) -> z3.BoolRef:
    """The declared domain of a value of type ``t`` (true for bool)."""
    if isinstance(t, ir.BoolType):
        return z3.BoolVal(True, term.ctx)
    if isinstance(t, ir.EnumType):
        return z3.And(term >= 0, term < len(t.members))
    return z3.And(term >= t.lo, term <= t.hi)


_B = ir.BinaryOp
_BINARY = ir.every_member(_B, {
    _B.AND: lambda a, b: z3.And(a, b),
    _B.OR: lambda a, b: z3.Or(a, b),
    _B.IMPLIES: lambda a, b: z3.Implies(a, b),
    _B.ADD: operator.add,
    _B.SUB: operator.sub,
    _B.MUL: operator.mul,
    _B.FLOORDIV: operator.truediv,  # positive literal divisor: Euclidean div == floor div
    _B.MOD: operator.mod,  # positive literal divisor: Euclidean mod == floor mod
    _B.EQ: operator.eq,
    _B.NE: operator.ne,
    _B.LT: operator.lt,
    _B.LE: operator.le,
    _B.GT: operator.gt,
    _B.GE: operator.ge,
})


class Z3Printer(ExprVisitor[z3.ExprRef]):
    """IR expression -> Z3 term over one ``Scope``: one method per node kind (the
    abstract ``ExprVisitor`` makes a node kind added to the IR fail here until it is
    handled)."""

    def __init__(self, ctx: z3.Context, scope: Scope):
        self.ctx, self.scope = ctx, scope

    def visit(self, e: ir.Expr) -> z3.ExprRef:
        method = getattr(self, "visit_" + type(e).__name__, None)
        if method is None:
            raise PrinterError(f"internal error: the Z3 printer has no case for {type(e).__name__}")
        return method(e)

    # -- leaves

    def visit_Lit(self, e: ir.Lit) -> z3.ExprRef:
        return value(e.value, e.type, self.ctx)

    def visit_Var(self, e: ir.Var) -> z3.ExprRef:
        frame = self.scope.post if e.post else self.scope.pre
        if frame is None:
            raise PrinterError(f"internal error: `next({e.name})` outside a step")
        return frame.vars[e.name]

    def visit_StateRef(self, e: ir.StateRef) -> z3.ExprRef:
        frame = self.scope.post if e.post else self.scope.pre
        if frame is None:
            raise PrinterError("internal error: `next(state)` outside a step")
        return frame.state

    def visit_Param(self, e: ir.Param) -> z3.ExprRef:
        params = self.scope.params
        if params is None or e.name not in params:
            raise PrinterError(f"internal error: parameter `{e.name}` outside its event")
        return params[e.name]

    def visit_LetRef(self, e: ir.LetRef) -> z3.ExprRef:
        if self.scope.lets is None:
            raise PrinterError(f"internal error: tick value `{e.name}` outside a tick")
        return self.scope.lets[e.name]

    def visit_Accepted(self, e: ir.Accepted) -> z3.ExprRef:
        if self.scope.accepted is None:
            raise PrinterError("internal error: `accepted` outside a step")
        return self.scope.accepted

    # -- operators

    def visit_Unary(self, e: ir.Unary) -> z3.ExprRef:
        x = self.visit(e.operand)
        match e.op:
            case ir.UnaryOp.NOT:
                return z3.Not(x)
            case ir.UnaryOp.NEG:
                return -x
            case _:
                raise PrinterError(f"internal error: unknown unary operator {e.op!r}")

    def visit_Binary(self, e: ir.Binary) -> z3.ExprRef:
        return _BINARY[e.op](self.visit(e.left), self.visit(e.right))

    def visit_Cond(self, e: ir.Cond) -> z3.ExprRef:
        return z3.If(self.visit(e.cond), self.visit(e.then), self.visit(e.orelse))

    def visit_MinMax(self, e: ir.MinMax) -> z3.ExprRef:
        match e.op:
            case ir.MinMaxOp.MIN:
                keeps = operator.le
            case ir.MinMaxOp.MAX:
                keeps = operator.ge
            case _:
                raise PrinterError(f"internal error: unknown function {e.op!r}")
        terms = [self.visit(a) for a in e.args]
        acc = terms[0]
        for t in terms[1:]:
            acc = z3.If(keeps(acc, t), acc, t)
        return acc

    def visit_Select(self, e: ir.Select) -> z3.ExprRef:
        """An if-then-else chain over the index's interval: element k when index == lo + k
        (the last element otherwise, which the front end's range check makes exact)."""
        index = self.visit(e.index)
        elements = [self.visit(x) for x in e.elements]
        acc = elements[-1]
        for k in range(len(elements) - 2, -1, -1):
            acc = z3.If(index == e.lo + k, elements[k], acc)
        return acc

    def visit_Table(self, e: ir.Table) -> z3.ExprRef:
        index = self.visit(e.index)
        values = [value(v, e.type, self.ctx) for v in e.values]
        acc = values[-1]
        for i in range(len(values) - 2, -1, -1):
            acc = z3.If(index == i, values[i], acc)
        return acc


class Printer:
    """``printer(expr, scope)``: a ``Z3Printer`` for that scope."""

    def __init__(self, ctx: z3.Context):
        self.ctx = ctx

    def __call__(self, e: ir.Expr, scope: Scope) -> z3.ExprRef:
        return Z3Printer(self.ctx, scope).visit(e)
