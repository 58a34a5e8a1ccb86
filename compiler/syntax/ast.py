"""Surface AST: what the spec says, with a span on every node; no meaning yet.

Only the parser builds these and only compiler.semantics reads them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from ..source import Span


def _span() -> Span:
    return field(compare=False, repr=False)


@dataclass(frozen=True)
class Ident:
    name: str
    span: Span = _span()


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Unit:
    """``num`` or ``num/den``, e.g. U, U/h, MHz."""

    num: str
    den: str | None
    span: Span = _span()

    def __str__(self) -> str:
        return self.num + (f"/{self.den}" if self.den else "")


@dataclass(frozen=True)
class Number:
    value: Fraction
    text: str
    unit: Unit | None
    span: Span = _span()


@dataclass(frozen=True)
class Name:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True)
class FnCall:
    fn: str  # min | max | floor | ceil
    args: tuple["Expr", ...]
    span: Span = _span()


@dataclass(frozen=True)
class Next:
    operand: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class IfThen:
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class FieldOf:
    base: "Expr"
    field: Ident
    span: Span = _span()


@dataclass(frozen=True)
class IndexOf:
    base: "Expr"
    index: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class UnaryOp:
    op: str  # not | neg
    operand: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class BinaryOp:
    op: str  # + - * div mod == != < <= > >= and or implies
    left: "Expr"
    right: "Expr"
    op_span: Span = _span()
    span: Span = _span()


@dataclass(frozen=True)
class MemberOf:
    operand: "Expr"
    members: tuple[Ident, ...]
    span: Span = _span()


Expr = Union[Number, Name, BoolLit, FnCall, Next, IfThen, FieldOf, IndexOf, UnaryOp, BinaryOp, MemberOf]


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class RangeType:
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True)
class NamedType:
    name: Ident
    span: Span = _span()


@dataclass(frozen=True)
class TableType:
    """``table LO .. HI of ELEMENT``: a variable holding one ELEMENT per index LO..HI."""

    lo: Expr
    hi: Expr
    element: "TypeExpr"
    span: Span = _span()


TypeExpr = Union[RangeType, NamedType, TableType]


@dataclass(frozen=True)
class UnitsBlock:
    defs: tuple[tuple[Ident, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True)
class EnumDecl:
    name: Ident
    members: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ConstDecl:
    name: Ident
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class TableDecl:
    name: Ident
    enum: Ident
    entries: tuple[tuple[Ident, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True)
class VarDecl:
    name: Ident
    type: TypeExpr
    init: Expr
    persistent: bool
    doc: str
    span: Span = _span()


@dataclass(frozen=True)
class FlagDecl:
    kind: str  # alarm | alert
    name: Ident
    persistent: bool
    doc: str
    span: Span = _span()


@dataclass(frozen=True)
class MotorSource:
    name: Ident
    rate: Expr
    states: tuple[Ident, ...]
    limit: Expr | None
    hold: bool
    span: Span = _span()


@dataclass(frozen=True)
class MotorBlock:
    settings: tuple[tuple[Ident, Expr], ...]
    moves: tuple[tuple[Ident, ...], ...]  # one tuple per `moves in` line
    budgets: tuple[Ident, ...]
    sources: tuple[MotorSource, ...]
    limiters: tuple[tuple[Ident, Expr, Expr], ...]  # (requirement, steps, per)
    watchdogs: tuple[tuple[Ident, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True)
class WindowDecl:
    name: Ident
    buckets: Expr
    length: Expr
    limit: Expr
    counts: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class PolicyDecl:
    kind: str  # reject | ignore
    requirement: Ident | None
    text: str
    span: Span = _span()


@dataclass(frozen=True)
class StateDecl:
    name: Ident
    initial: bool
    policy: PolicyDecl
    span: Span = _span()


@dataclass(frozen=True)
class ParamDecl:
    name: Ident
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True)
class EventDecl:
    name: Ident
    params: tuple[ParamDecl, ...]
    span: Span = _span()


@dataclass(frozen=True)
class GuardDecl:
    cond: Expr
    requirement: Ident | None
    text: str | None  # None: no `else reject` clause
    span: Span = _span()


@dataclass(frozen=True)
class Assign:
    target: Ident
    value: Expr
    span: Span = _span()
    index: Expr | None = None  # `target[index] := value` writes one element of a table


@dataclass(frozen=True)
class TransitionDecl:
    event: Ident
    sources: tuple[Ident, ...]
    target: Ident | None
    guards: tuple[GuardDecl, ...]
    updates: tuple[Assign, ...]
    span: Span = _span()


@dataclass(frozen=True)
class EventPolicyDecl:
    event: Ident
    sources: tuple[Ident, ...]
    policy: PolicyDecl
    span: Span = _span()


@dataclass(frozen=True)
class EveryTick:
    event: Ident
    updates: tuple[Assign, ...]
    span: Span = _span()


@dataclass(frozen=True)
class InvariantDecl:
    requirement: Ident
    text: str
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True)
class AssertionDecl:
    requirement: Ident
    text: str
    events: tuple[Ident, ...]
    states: tuple[Ident, ...]
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True)
class AcceptsDecl:
    """``accepts REQ "text": EVENT, ... only from STATE, ...``: every listed event is
    refused in every state not listed."""

    requirement: Ident
    text: str
    events: tuple[Ident, ...]
    states: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ResponseDecl:
    requirement: Ident
    text: str
    event: Ident
    trigger: Expr | None
    response: Expr
    within: Expr
    span: Span = _span()


@dataclass(frozen=True)
class CallDecl:
    event: Ident
    args: tuple[tuple[Ident, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True)
class RecoveryDecl:
    requirement: Ident
    text: str
    target: Expr
    calls: tuple[CallDecl, ...]
    span: Span = _span()


# ---------------------------------------------------------------- hazard analysis


@dataclass(frozen=True)
class RequirementDecl:
    requirement: Ident
    text: str
    span: Span = _span()


@dataclass(frozen=True)
class OutsideControl:
    """``outside [REQ, ...] "where"``: what controls a cause beyond the spec."""

    requirements: tuple[Ident, ...]
    where: str
    span: Span = _span()


@dataclass(frozen=True)
class CauseDecl:
    text: str
    controls: tuple[Ident, ...]  # `controlled by REQ, ...`
    outside: OutsideControl | None
    span: Span = _span()


@dataclass(frozen=True)
class HazardDecl:
    id: Ident
    harm: str
    severity: Ident
    causes: tuple[CauseDecl, ...]
    span: Span = _span()


Item = Union[UnitsBlock, EnumDecl, ConstDecl, TableDecl, VarDecl, FlagDecl, MotorBlock, WindowDecl,
             StateDecl, EventDecl, TransitionDecl, EventPolicyDecl, EveryTick, InvariantDecl,
             AssertionDecl, AcceptsDecl, ResponseDecl, RecoveryDecl, RequirementDecl, HazardDecl]


@dataclass(frozen=True)
class Spec:
    name: Ident
    items: tuple[Item, ...]
    file: str
    text: str = field(repr=False)
