"""A visitor over IR expressions: one abstract method per node kind.

Adding a node kind makes every printer fail to instantiate until it handles it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Generic, TypeVar

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
