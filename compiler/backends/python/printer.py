"""The Python expression printer: IR expressions -> Python source text.

A visitor over the IR (one method per node kind). Output is minimally parenthesised
by precedence, and never relies on Python features that differ from the IR semantics:
comparisons are never chained (``(a < b) == c``), ``//`` and ``%`` are Python's floor
operators, which are exactly the IR's, and every bool-typed expression evaluates to a
``bool`` (``and``/``or`` only ever see bools). Where a name comes from — a local, an
attribute of the controller, the pre-state copy — is the :class:`Scope`'s business.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ...ir import nodes as ir
from ..common import ExprVisitor

# Python precedence, loosest first.
COND, OR, AND, NOT, CMP, ADD, MUL, NEG, ATOM = range(9)

_B = ir.BinaryOp
# the precedence of the printed operator; `implies` prints as `not a or b`
_PREC = ir.every_member(_B, {
    _B.IMPLIES: OR, _B.OR: OR, _B.AND: AND, _B.ADD: ADD, _B.SUB: ADD, _B.MUL: MUL,
    _B.FLOORDIV: MUL, _B.MOD: MUL, _B.EQ: CMP, _B.NE: CMP, _B.LT: CMP, _B.LE: CMP, _B.GT: CMP,
    _B.GE: CMP})


@dataclass(frozen=True)
class Scope:
    """How names print in one place of the generated code.

    ``var(name, post)`` a variable (``post`` only in assertions), ``state(post)`` the
    control state (an int), ``param(name)``, ``let(name)``, ``accepted()``.
    """

    var: Callable[[str, bool], str]
    state: Callable[[bool], str]
    param: Callable[[str], str] = lambda name: _missing("event parameter", name)
    let: Callable[[str], str] = lambda name: _missing("tick let", name)
    accepted: Callable[[], str] = lambda: _missing("accepted", "")


def _missing(what: str, name: str) -> str:
    raise TypeError(f"internal error: {what} {name} is not readable here")


_SIMPLE = re.compile(r"^(-?\d+|True|False|[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)?)$")


class PythonPrinter(ExprVisitor[tuple[str, int]]):
    """``print(e)`` -> Python source; ``enum_const(type, index)`` names enum literals."""

    def __init__(self, scope: Scope, enum_const: Callable[[ir.EnumType, int], str]):
        self.scope = scope
        self.enum_const = enum_const
        # expressions computed once into a local: printed as that local's name
        self.shared: dict[ir.Expr, str] = {}
        self.temps = 0  # walrus temporaries _m1, _m2, ... (unique per printer)

    def visit(self, e: ir.Expr) -> tuple[str, int]:
        if self.shared:
            name = self.shared.get(e)
            if name is not None:
                return name, ATOM
        return super().visit(e)

    def print_definition(self, e: ir.Expr) -> str:
        """``e`` itself (not its shared name), its subexpressions shared as usual."""
        return super().visit(e)[0]

    def print(self, e: ir.Expr) -> str:
        return self.visit(e)[0]

    def print_at(self, e: ir.Expr, prec: int) -> str:
        """``e`` parenthesised if needed to be an operand at precedence ``prec``
        (``print_at(e, NOT)`` after ``not``, ``print_at(e, AND)`` in an ``and`` chain)."""
        return self._at(e, prec)

    def _at(self, e: ir.Expr, prec: int) -> str:
        """``e`` printed so that it binds at least as tightly as ``prec``."""
        text, own = self.visit(e)
        return text if own >= prec else f"({text})"

    # -- leaves

    def literal(self, value: ir.Value, t: ir.Type) -> tuple[str, int]:
        if isinstance(t, ir.BoolType):
            return ("True" if value else "False"), ATOM
        if isinstance(t, ir.EnumType):
            return self.enum_const(t, int(value)), ATOM
        return str(int(value)), (NEG if value < 0 else ATOM)

    def visit_Lit(self, e: ir.Lit) -> tuple[str, int]:
        return self.literal(e.value, e.type)

    def visit_Var(self, e: ir.Var) -> tuple[str, int]:
        return self.scope.var(e.name, e.post), ATOM

    def visit_StateRef(self, e: ir.StateRef) -> tuple[str, int]:
        return self.scope.state(e.post), ATOM

    def visit_Param(self, e: ir.Param) -> tuple[str, int]:
        return self.scope.param(e.name), ATOM

    def visit_LetRef(self, e: ir.LetRef) -> tuple[str, int]:
        return self.scope.let(e.name), ATOM

    def visit_Accepted(self, e: ir.Accepted) -> tuple[str, int]:
        return self.scope.accepted(), ATOM

    # -- operators

    def visit_Unary(self, e: ir.Unary) -> tuple[str, int]:
        match e.op:
            case ir.UnaryOp.NOT:
                return f"not {self._at(e.operand, NOT)}", NOT
            case ir.UnaryOp.NEG:
                text = self._at(e.operand, NEG)
                return (f"-({text})" if text.startswith("-") else f"-{text}"), NEG
            case _:
                raise TypeError(f"internal error: unknown unary operator {e.op!r}")

    def visit_Binary(self, e: ir.Binary) -> tuple[str, int]:
        op = e.op
        if op == _B.IMPLIES:  # (not a) or b
            return f"not {self._at(e.left, NOT)} or {self._at(e.right, AND)}", OR
        prec = _PREC[op]
        if prec == CMP:  # never chain: both sides bind tighter than a comparison
            return f"{self._at(e.left, ADD)} {op} {self._at(e.right, ADD)}", CMP
        # left-associative: the right operand must bind strictly tighter
        return f"{self._at(e.left, prec)} {op} {self._at(e.right, prec + 1)}", prec

    def visit_Cond(self, e: ir.Cond) -> tuple[str, int]:
        return (f"{self._at(e.then, OR)} if {self._at(e.cond, OR)} "
                f"else {self._at(e.orelse, COND)}"), COND

    def visit_MinMax(self, e: ir.MinMax) -> tuple[str, int]:
        """Inlined as conditionals: a call to the builtin ``min``/``max`` with several
        arguments costs ten times more. An operand that is not a name or a literal is
        bound once with ``:=`` in the comparison (evaluated first in ``x if c else y``)
        and read back in the branch, so nothing is evaluated twice; ties keep the first
        operand, as the builtins do."""
        match e.op:
            case ir.MinMaxOp.MIN:
                cmp = "<="
            case ir.MinMaxOp.MAX:
                cmp = ">="
            case _:
                raise TypeError(f"internal error: unknown function {e.op!r}")
        acc = self.print(e.args[0])
        for arg in e.args[1:]:
            a_bind, a_ref = self._bound(acc)
            b_bind, b_ref = self._bound(self.print(arg))
            acc = f"({a_ref} if {a_bind} {cmp} {b_bind} else {b_ref})"
        return acc, ATOM

    def _bound(self, text: str) -> tuple[str, str]:
        """(text to evaluate once, text to read it again)."""
        if _SIMPLE.match(text):
            return text, text
        self.temps += 1
        name = f"_m{self.temps}"
        return f"({name} := {text})", name

    def visit_Select(self, e: ir.Select) -> tuple[str, int]:
        """A tuple of the elements indexed by ``index - lo`` (in range by the front end)."""
        items = [self.print(x) for x in e.elements]
        trailing = "," if len(items) == 1 else ""
        index = self.print(e.index)
        if e.lo:
            index = f"({index}) - {e.lo}"
        return f"({', '.join(items)}{trailing})[{index}]", ATOM

    def visit_Table(self, e: ir.Table) -> tuple[str, int]:
        items = [self.literal(v, e.type)[0] for v in e.values]
        trailing = "," if len(items) == 1 else ""
        return f"({', '.join(items)}{trailing})[{self.print(e.index)}]", ATOM
