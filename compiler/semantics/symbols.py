"""What names mean during analysis: the symbol tables and the expression context."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..ir import nodes as ir
from ..units import NONE, Dim

RESERVED = frozenset({
    "state", "steps", "motor_on", "alarm_latched", "accepted", "rejected", "tick", "reset",
    "true", "false", "next", "min", "max", "floor", "ceil", "div", "mod",
})
# what `source.FIELD` and `window.FIELD` read (docs/language.md, "The motor section")
SOURCE_FIELDS = ("steps", "raw", "active", "denominator", "acc")
WINDOW_FIELDS = ("total", "room")


@dataclass(frozen=True)
class Typed:
    """A checked expression: constant (``const`` set, ``expr`` None) or runtime.

    kind: "bool" | "enum" | "int". An int holds multiples of ``scale`` base units of
    dimension ``dim``: a runtime int ``e`` means the quantity ``e * scale``; a constant
    int is the exact quantity ``const`` (a Fraction of base units).
    """

    kind: str
    expr: ir.Expr | None = None
    const: Fraction | bool | int | None = None
    dim: Dim = NONE
    scale: Fraction = Fraction(1)
    enum: ir.EnumType | None = None
    unit_hint: str | None = None  # time unit of a rate literal's denominator, e.g. "h"

    @property
    def is_const(self) -> bool:
        return self.expr is None


@dataclass(frozen=True)
class VarInfo:
    var: ir.Variable
    dim: Dim
    scale: Fraction


@dataclass(frozen=True)
class ConstInfo:
    name: str
    value: Typed
    decl: ir.Constant


@dataclass(frozen=True)
class TableInfo:
    name: str
    enum: ir.EnumType
    kind: str
    dim: Dim
    values: tuple  # Fractions (int tables), bools or enum indices, by enum member
    decl: ir.Constant


@dataclass(frozen=True)
class ArrayInfo:
    """A table variable: ``elements[i - lo]`` are the VarInfos of its element variables."""

    decl: ir.Array
    elements: tuple[VarInfo, ...]

    @property
    def lo(self) -> int:
        return self.decl.lo

    @property
    def hi(self) -> int:
        return self.decl.hi


@dataclass(frozen=True)
class LetInfo:
    let: ir.TickLet
    dim: Dim
    scale: Fraction


@dataclass(frozen=True)
class SourceInfo:
    name: str
    steps: str  # let names
    raw: str
    active: str
    accumulator: str | None  # None when the denominator is 1
    denominator: int


@dataclass(frozen=True)
class WindowInfo:
    name: str
    total: ir.Expr
    limit: int


@dataclass
class Symbols:
    enums: dict[str, ir.EnumType] = field(default_factory=dict)
    consts: dict[str, ConstInfo] = field(default_factory=dict)
    tables: dict[str, TableInfo] = field(default_factory=dict)
    vars: dict[str, VarInfo] = field(default_factory=dict)
    arrays: dict[str, ArrayInfo] = field(default_factory=dict)  # table variables
    states: dict[str, ir.Span] = field(default_factory=dict)  # name -> declaration
    state_type: ir.EnumType | None = None
    events: dict[str, ir.Event] = field(default_factory=dict)
    event_param_info: dict[str, dict[str, VarInfo]] = field(default_factory=dict)
    lets: dict[str, LetInfo] = field(default_factory=dict)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    # motor sources not analysed yet (name -> declaration): while the motor section is read,
    # a source may read only the sources above it, which are served before it
    pending_sources: dict[str, ir.Span] = field(default_factory=dict)
    windows: dict[str, WindowInfo] = field(default_factory=dict)
    any_alarm: ir.Expr | None = None
    motor_enabled: ir.Expr | None = None
    declared_at: dict[str, ir.Span] = field(default_factory=dict)  # every top-level name
    runtime_names: set[str] = field(default_factory=set)  # variables, known before their types


@dataclass(frozen=True)
class Context:
    """Where an expression stands, and so what it may read."""

    what: str  # "a guard", "an invariant", ... (for messages)
    params: dict[str, VarInfo] | None = None  # the event's parameters, when readable
    tick: bool = False  # the tick's lets (steps, <source>.steps, ...) are readable
    assertion: bool = False  # next(...), accepted, rejected are readable
    in_next: bool = False
    constant: bool = False  # only constants (declarations, settings)
