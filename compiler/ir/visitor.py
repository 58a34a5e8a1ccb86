"""A visitor over IR expressions: one abstract method per node kind.

Adding a node kind makes every printer fail to instantiate until it handles it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Callable, Generic, Iterator, TypeVar

from . import nodes as ir

R = TypeVar("R")


class ExprVisitor(ABC, Generic[R]):
    def visit(self, e: ir.Expr) -> R:
        return getattr(self, "visit_" + type(e).__name__)(e)

    @abstractmethod
    def visit_Lit(self, e: ir.Lit) -> R: ...

    @abstractmethod
    def visit_Var(self, e: ir.Var) -> R: ...

    @abstractmethod
    def visit_StateRef(self, e: ir.StateRef) -> R: ...

    @abstractmethod
    def visit_Param(self, e: ir.Param) -> R: ...

    @abstractmethod
    def visit_LetRef(self, e: ir.LetRef) -> R: ...

    @abstractmethod
    def visit_Accepted(self, e: ir.Accepted) -> R: ...

    @abstractmethod
    def visit_Unary(self, e: ir.Unary) -> R: ...

    @abstractmethod
    def visit_Binary(self, e: ir.Binary) -> R: ...

    @abstractmethod
    def visit_Cond(self, e: ir.Cond) -> R: ...

    @abstractmethod
    def visit_MinMax(self, e: ir.MinMax) -> R: ...

    @abstractmethod
    def visit_Table(self, e: ir.Table) -> R: ...

    @abstractmethod
    def visit_Select(self, e: ir.Select) -> R: ...


def children(e: ir.Expr) -> tuple[ir.Expr, ...]:
    """The direct subexpressions of ``e`` in field order; () for a leaf.

    The one walk over the IR's expression shape: every other walk goes through this and
    :func:`map_children`, and both raise on a node type they do not know.
    """
    match e:
        case ir.Lit() | ir.Var() | ir.StateRef() | ir.Param() | ir.LetRef() | ir.Accepted():
            return ()
        case ir.Unary(operand=x):
            return (x,)
        case ir.Binary(left=a, right=b):
            return (a, b)
        case ir.Cond(cond=c, then=a, orelse=b):
            return (c, a, b)
        case ir.MinMax(args=args):
            return tuple(args)
        case ir.Table(index=x):
            return (x,)
        case ir.Select(elements=elements, index=x):
            return (*elements, x)
        case _:
            raise TypeError(f"internal error: unknown IR expression {type(e).__name__}")


def map_children(e: ir.Expr, f: Callable[[ir.Expr], ir.Expr]) -> ir.Expr:
    """``e`` with ``f`` applied to each direct subexpression (``e`` itself for a leaf)."""
    match e:
        case ir.Lit() | ir.Var() | ir.StateRef() | ir.Param() | ir.LetRef() | ir.Accepted():
            return e
        case ir.Unary(operand=x):
            return replace(e, operand=f(x))
        case ir.Binary(left=a, right=b):
            return replace(e, left=f(a), right=f(b))
        case ir.Cond(cond=c, then=a, orelse=b):
            return replace(e, cond=f(c), then=f(a), orelse=f(b))
        case ir.MinMax(args=args):
            return replace(e, args=tuple(f(x) for x in args))
        case ir.Table(index=x):
            return replace(e, index=f(x))
        case ir.Select(elements=elements, index=x):
            return replace(e, elements=tuple(f(y) for y in elements), index=f(x))
        case _:
            raise TypeError(f"internal error: unknown IR expression {type(e).__name__}")


def subexpressions(e: ir.Expr) -> Iterator[ir.Expr]:
    """Every node of ``e``, ``e`` first (pre-order)."""
    yield e
    for x in children(e):
        yield from subexpressions(x)


def module_expressions(m: ir.Module):
    """(context, expression) for every top-level expression of a module, in order.

    context is "guard:<event>", "update:<event>", "let", "tick", "motor", "property" or
    "property:<event>" (a property that reads that event's parameters).
    """
    for t in m.transitions:
        for g in t.guards:
            yield f"guard:{t.event}", g.cond
        for u in t.updates:
            yield f"update:{t.event}", u.value
    for let in m.tick_lets:
        yield "let", let.value
    for u in m.tick_updates:
        yield "tick", u.value
    yield "motor", m.motor.enabled
    for p in m.properties:
        match p:
            case ir.Invariant(expr=e) | ir.Recovery(target=e):
                yield "property", e
            case ir.Assertion(expr=e, events=events):
                yield ("property:" + events[0] if len(events) == 1 else "property"), e
            case ir.Response(trigger=t, response=r, trigger_event=event):
                yield "property:" + event, t
                yield "property", r
