"""The typed, immutable IR: the single source of meaning for every consumer.

Invariants the front end guarantees (consumers may rely on them):
- every name is resolved; every expression carries its exact type;
- an ``IntType`` on an expression is the exact interval of values it can take, so a
  backend can size a register or wire from ``lo``/``hi`` alone;
- declared variables and event parameters have non-negative ranges;
- ``*`` has at least one ``Lit`` operand; ``//`` and ``%`` have a positive ``Lit``
  divisor and mean floor division / floor modulo (Python semantics);
- bool values are Python ``bool``; enum values are the member index (``int``);
- tuples are in declaration order, so iteration is deterministic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Mapping, TypeVar, Union

from ..source import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------- discriminators
# Every string-valued choice of a node is one of these enums. A consumer that dispatches
# on one does so exhaustively: a ``match`` whose last case raises naming the member, or a
# table checked by :func:`every_member`, so a new member fails loudly where it is unhandled.


class UnaryOp(StrEnum):
    NOT = "not"
    NEG = "neg"


class BinaryOp(StrEnum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    FLOORDIV = "//"
    MOD = "%"
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    AND = "and"
    OR = "or"
    IMPLIES = "implies"


class MinMaxOp(StrEnum):
    MIN = "min"
    MAX = "max"


class Role(StrEnum):
    """What a state variable is: ``VAR`` (declared by the user), ``ALARM`` (latched; any
    alarm true blocks the motor), ``ALERT`` (informs only), ``ACCUMULATOR`` (a motor
    source's rate remainder), ``WINDOW`` (a dose window's bucket or phase counter)."""

    VAR = "var"
    ALARM = "alarm"
    ALERT = "alert"
    ACCUMULATOR = "accumulator"
    WINDOW = "window"


class EventKind(StrEnum):
    USER = "user"  # from the controller
    TICK = "tick"  # time passes
    RESET = "reset"  # power loss


class PolicyKind(StrEnum):
    REJECT = "reject"
    IGNORE = "ignore"


class OnIdle(StrEnum):
    """What a motor source's accumulator does on a tick where the source is not active."""

    RESET = "reset"  # back to 0
    HOLD = "hold"  # kept


_Member = TypeVar("_Member", bound=StrEnum)
_Entry = TypeVar("_Entry")


def every_member(enum: type[_Member], table: Mapping[_Member, _Entry]) -> Mapping[_Member, _Entry]:
    """``table`` once checked to hold exactly one entry per member of ``enum``: a dispatch
    table that a new member cannot silently miss (the check runs at import)."""
    missing = [str(m) for m in enum if m not in table]
    extra = [str(k) for k in table if k not in set(enum)]
    if missing or extra:
        raise TypeError(f"internal error: a table over {enum.__name__} lacks {missing} "
                        f"or has unknown keys {extra}")
    return table


# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class BoolType:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True)
class EnumType:
    name: str
    members: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Quantity:
    """What one integer of a declared type measures: ``dim`` is (volume, time, glucose)
    exponents, ``scale`` the size of one integer in base units (steps, ticks, mg/dL), e.g.
    a rate declared in U/h holds steps per hour: dim (1, -1, 0), scale 1/3600 step per tick."""

    dim: tuple[int, int, int]
    scale: Fraction


@dataclass(frozen=True)
class IntType:
    """Integers ``lo..hi`` (inclusive). ``unit`` is for display only, e.g. "steps".

    ``quantity`` is set on the types of variables (declared, and those the front end
    generates for windows and rates) and parameters (None on intermediates).
    """

    lo: int
    hi: int
    unit: str = field(default="", compare=False)
    quantity: Quantity | None = field(default=None, compare=False)

    def __str__(self) -> str:
        suffix = f" {self.unit}" if self.unit else ""
        return f"{self.lo}..{self.hi}{suffix}"


Type = Union[BoolType, EnumType, IntType]
Value = Union[bool, int]

BOOL = BoolType()


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Lit:
    value: Value
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Var:
    """A state variable. ``post`` reads the value after the step (assertions only)."""

    name: str
    type: Type
    post: bool = False
    span: Span | None = _span()


@dataclass(frozen=True)
class StateRef:
    """The control state, typed as the enum ``State`` whose members are the states."""

    type: EnumType
    post: bool = False
    span: Span | None = _span()


@dataclass(frozen=True)
class Param:
    """A parameter of the event being handled."""

    name: str
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class LetRef:
    """A value computed on a tick from the pre-state (see ``Module.tick_lets``)."""

    name: str
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Accepted:
    """In a transition assertion: the step was accepted (not rejected or ignored)."""

    type: BoolType = BOOL
    span: Span | None = _span()


@dataclass(frozen=True)
class Unary:
    op: UnaryOp
    operand: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Binary:
    op: BinaryOp  # arithmetic ARITH_OPS, comparison COMPARE_OPS or logic LOGIC_OPS
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Cond:
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class MinMax:
    op: MinMaxOp
    args: tuple["Expr", ...]
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Table:
    """``values[index]`` where ``index`` is enum-typed; a constant table by enum member."""

    values: tuple[Value, ...]
    index: "Expr"
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Select:
    """``elements[index - lo]``: one element of a table variable (:class:`Array`) read at a
    run-time index. The front end guarantees ``index``'s interval lies in
    ``lo .. lo + len(elements) - 1``, so every backend reads a valid element; ``array``
    names the table for display."""

    array: str
    elements: tuple["Expr", ...]
    index: "Expr"
    lo: int
    type: Type
    span: Span | None = _span()


Expr = Union[Lit, Var, StateRef, Param, LetRef, Accepted, Unary, Binary, Cond, MinMax, Table, Select]

ARITH_OPS = (BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.FLOORDIV, BinaryOp.MOD)
COMPARE_OPS = (BinaryOp.EQ, BinaryOp.NE, BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE)
LOGIC_OPS = (BinaryOp.AND, BinaryOp.OR, BinaryOp.IMPLIES)


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Constant:
    """A named constant, kept for reports; expressions carry the value inline."""

    name: str
    value: Value | tuple[Value, ...]  # a tuple for an enum-indexed table
    type: Type
    written: str  # as the spec wrote it, e.g. "25 U"
    span: Span | None = _span()


@dataclass(frozen=True)
class Variable:
    """A state variable (see :class:`Role`). ``persistent`` variables survive ``reset``."""

    name: str
    type: Type
    init: Value
    persistent: bool = False
    role: Role = Role.VAR
    doc: str = ""
    span: Span | None = _span()


@dataclass(frozen=True)
class Array:
    """A table variable ``name : table lo .. hi of element_type``: one state variable per
    index, ``elements[i - lo]`` named ``<name>_<i>``, each an ordinary :class:`Variable`
    (persistent with the table). A read is a :class:`Select`; a write of element ``e``
    lowers to one update per element, ``<name>_<k>' = if e == k then value else <name>_<k>``."""

    name: str
    lo: int
    hi: int
    element_type: Type
    elements: tuple[Variable, ...]
    persistent: bool = False
    span: Span | None = _span()


@dataclass(frozen=True)
class EventParam:
    """``type`` is the full wire domain, wider than what guards accept."""

    name: str
    type: Type
    span: Span | None = _span()


@dataclass(frozen=True)
class Event:
    """``code`` is the event code on the hardware port and in traces; tick is 0."""

    name: str
    code: int
    params: tuple[EventParam, ...]
    kind: EventKind = EventKind.USER
    span: Span | None = _span()


@dataclass(frozen=True)
class Reason:
    """Why an event was rejected. ``code`` is shared by Python, Verilog and traces."""

    code: int
    text: str
    requirement: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class Policy:
    """What a state does with an event it has no transition for."""

    kind: PolicyKind
    reason: Reason | None  # set iff kind is REJECT


@dataclass(frozen=True)
class State:
    """``policy`` applies to events with no transition from this state, unless
    ``event_policies`` names the event (``on bolus from Bolusing reject ...``)."""

    name: str
    index: int
    policy: Policy
    event_policies: tuple[tuple[str, Policy], ...] = ()
    doc: str = ""
    span: Span | None = _span()

    def policy_for(self, event: str) -> Policy:
        return dict(self.event_policies).get(event, self.policy)


@dataclass(frozen=True)
class Guard:
    """One condition of a transition; ``reason`` is reported when it is the first false one."""

    cond: Expr
    reason: Reason | None = None
    span: Span | None = _span()


@dataclass(frozen=True)
class ElementWrite:
    """``array[index] := value``: the write of one element of a table variable that an
    element's :class:`Update` comes from (its value is ``if index == k then value else
    ...``, or ``value`` for a constant index). ``index`` lies in the table's index range;
    ``value`` is converted to the element type."""

    array: str
    index: Expr
    value: Expr


@dataclass(frozen=True)
class Update:
    """``var' = value``. ``write``: the table write the update lowers, if it is one (a
    backend may keep the table in a memory written at ``write.index``)."""

    var: str
    value: Expr
    span: Span | None = _span()
    write: ElementWrite | None = None


@dataclass(frozen=True)
class Transition:
    """``on event from sources [-> target] when guards do updates``.

    ``target`` None means the state does not change. ``index`` is the position among
    all transitions (declaration order) and names the transition in reports.
    """

    index: int
    event: str
    sources: tuple[str, ...]
    target: str | None
    guards: tuple[Guard, ...]
    updates: tuple[Update, ...]
    span: Span | None = _span()

    @property
    def label(self) -> str:
        dest = f" -> {self.target}" if self.target else ""
        return f"#{self.index} on {self.event} from {', '.join(self.sources)}{dest}"


@dataclass(frozen=True)
class TickLet:
    """A named value of a tick, computed from the pre-state and earlier lets;
    ``quantity`` is what an integer value measures (None: a bool or a plain number)."""

    name: str
    value: Expr
    doc: str = ""
    span: Span | None = _span()
    quantity: Quantity | None = None


@dataclass(frozen=True)
class Source:
    """A motor step source: exact rational rate ``numerator/denominator`` steps per tick.

    The front end lowers it into the tick lets and tick updates below (every consumer
    may run those as plain IR); the fields name what it generated:
      active  = state in states and no alarm latched
      raw     = (acc + numerator) // denominator  if active else 0   (numerator if den = 1)
      steps   = max(0, min(raw, cap))  where cap bounds it by ``limit``, by every budget
                less earlier sources' steps, and by every window counting it
      acc'    = (acc + numerator) %  denominator  if active else (0 if on_idle is RESET else acc)
    ``accumulator`` is None when the denominator is 1 (no remainder to keep); it is the
    only writer of that variable.
    """

    name: str
    numerator: Expr
    denominator: int
    states: tuple[str, ...]
    limit: Expr | None
    on_idle: OnIdle
    accumulator: Variable | None
    active: TickLet
    raw: TickLet
    steps: TickLet
    max_rate: Fraction  # most steps per tick on average: max(numerator)/denominator
    span: Span | None = _span()


# The pulse generator loads a tick's step request in the cycle after the tick, then
# drives each STEP pulse high for ``step_high`` cycles and low for ``step_low``. The event
# port is closed during the burst and during the ``hold`` cycles before the next tick, in
# which the FSM's pipeline settles for it (backends/verilog/_pipeline.py); what is left
# of the tick is at least ``BURST_SPARE_CYCLES``, one two-cycle handshake:
#     burst + hold + BURST_SPARE_CYCLES <= cycles_per_tick
BURST_SPARE_CYCLES = 2
# the hold of an FSM without pipeline stages: the registered decision, then the commit
MIN_HOLD_CYCLES = 2


def burst_cycles(steps: int, step_high: int, step_low: int) -> int:
    """Clock cycles from a tick to the end of its burst of ``steps`` STEP pulses."""
    return 1 + steps * (step_high + step_low)


def max_hold_cycles(burst: int, cycles_per_tick: int) -> int:
    """The longest hold before a tick that leaves the event port ``BURST_SPARE_CYCLES``
    cycles in a tick whose burst takes ``burst`` cycles (the Verilog backend cuts its
    pipeline to fit)."""
    return cycles_per_tick - burst - BURST_SPARE_CYCLES


def burst_fits_in_tick(burst: int, cycles_per_tick: int) -> bool:
    """The rule every target relies on: a burst of ``burst`` cycles, the hold of an FSM
    without pipeline stages and one event handshake fit in a tick (E0401)."""
    return max_hold_cycles(burst, cycles_per_tick) >= MIN_HOLD_CYCLES


def limiter_buckets(ticks: int) -> int:
    """Buckets B of the hardware step limiter over a span of ``ticks`` (>= 2) ticks: the
    largest divisor of ``ticks`` in 2..12, else min(12, ticks).

    Each bucket lasts L = ticks // B ticks. The bucket being filled and the B-1 before it
    cover at most B*L <= ``ticks`` ticks, so delivery within ``limiter_steps`` per any
    ``ticks`` consecutive ticks never trips it, and every (B-1)*L consecutive ticks are
    bounded by ``limiter_steps``.
    """
    for b in range(12, 1, -1):
        if ticks % b == 0:
            return b
    return min(12, ticks)


def limiter_fits_request(limiter_steps: int, max_step_request: int) -> bool:
    """The limiter's counters are wider than a tick's step request (its register width
    exceeds the request's): holds when the budget is at least two full requests."""
    return limiter_steps >= 2 * max(max_step_request, 1)


@dataclass(frozen=True)
class Motor:
    clock_hz: int
    cycles_per_tick: int
    step_high_cycles: int
    step_low_cycles: int
    max_steps_per_tick: int  # declared; the prover checks ``steps <= max_steps_per_tick``
    moving_states: tuple[str, ...]
    sources: tuple[Source, ...]
    steps_let: str  # the TickLet holding the total steps of a tick
    enabled: Expr  # state in moving_states and no alarm latched (pre-state)
    max_rate: Fraction  # mechanism maximum, steps per tick (PS-28)
    # Hardware-only protections (PS-41, PS-42): the step limiter allows at most
    # ``limiter_steps`` in any ``limiter_ticks`` consecutive ticks (limiter_ticks >= 2),
    # kept in ``limiter_buckets`` buckets of ``limiter_bucket_ticks`` ticks
    # (limiter_buckets(limiter_ticks)); the watchdog faults when no heartbeat arrives for
    # ``watchdog_ticks`` ticks, and 0 means the spec declares no watchdog (none is built).
    # Without a ``limiter`` line the limiter is derived from the sources' rates over an
    # hour (see docs/language.md), so legal delivery never trips it.
    limiter_steps: int
    limiter_ticks: int
    limiter_buckets: int
    limiter_bucket_ticks: int
    watchdog_ticks: int
    # the most steps one tick can request: max(the steps let's upper bound,
    # max_steps_per_tick); limiter_fits_request(limiter_steps, max_step_request) holds
    max_step_request: int
    # burst_cycles(max_steps_per_tick, step_high_cycles, step_low_cycles) and its
    # burst_fits verdict: the front end reports a spec whose burst does not fit (E0401)
    burst_cycles: int
    burst_fits: bool
    limiter_requirement: str | None = None  # e.g. "PS-41"; None when the limiter is derived
    watchdog_requirement: str | None = None  # e.g. "PS-42"; None when there is no watchdog
    span: Span | None = _span()


@dataclass(frozen=True)
class Window:
    """A dose-limit window: ``buckets`` buckets of ``bucket_ticks`` ticks each.

    ``bucket_vars`` are b0..b{n-1} (b0 is the bucket being filled), ``phase`` counts the
    ticks into b0; all are persistent, and only the tick updates lowered from this window
    write them:
      phase' = 0 if wrap else phase + 1          wrap = (phase == bucket_ticks - 1)
      b0'    = 0 if wrap else b0 + counted       counted = the counted sources' steps
      b1'    = b0 + counted if wrap else b1
      bi'    = b(i-1) if wrap else bi            (i >= 2; the oldest is dropped)
    ``total`` is the sum of the buckets (pre-state). Because b0 is never full, the buckets
    always cover at least ``covers_ticks = (buckets - 1) * bucket_ticks`` ticks of history.
    """

    name: str
    buckets: int
    bucket_ticks: int
    limit: int
    counts: tuple[str, ...]  # source names
    bucket_vars: tuple[Variable, ...]
    phase: Variable
    total: Expr
    wrap: Expr  # bool, read on a tick
    counted: Expr  # steps, read on a tick
    covers_ticks: int  # (buckets - 1) * bucket_ticks: the sliding window it bounds
    span: Span | None = _span()


# ---------------------------------------------------------------- properties


@dataclass(frozen=True)
class Invariant:
    """``expr`` (over the state and variables) holds in every reachable state."""

    id: str
    text: str
    expr: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Assertion:
    """On every step handling one of ``events`` from one of ``states`` (all if empty),
    ``expr`` holds. ``expr`` reads the pre-state, post-state (``post``), the event's
    parameters (single-event assertions only), ``Accepted`` and, on tick, the lets."""

    id: str
    text: str
    events: tuple[str, ...]
    states: tuple[str, ...]
    expr: Expr
    span: Span | None = _span()


@dataclass(frozen=True)
class Response:
    """After a step handling ``trigger_event`` from a pre-state where ``trigger`` holds
    (``trigger`` may read the event's parameters and pre-state), ``response`` (a state
    predicate) holds in some state no later than the one after the ``within``-th tick
    that follows. ``within`` 0 means in the state right after the trigger."""

    id: str
    text: str
    trigger_event: str
    trigger: Expr
    response: Expr
    within: int
    span: Span | None = _span()


@dataclass(frozen=True)
class EventCall:
    event: str
    args: tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class Recovery:
    """From every state satisfying the proved invariants, applying ``sequence`` (rejected
    events change nothing) ends in a state where ``target`` holds."""

    id: str
    text: str
    target: Expr
    sequence: tuple[EventCall, ...]
    span: Span | None = _span()


Property = Union[Invariant, Assertion, Response, Recovery]


# ---------------------------------------------------------------- hazard analysis
# ISO 14971 style: a hazard is a harm the pump can cause, each of its causes is controlled
# by requirements, and a requirement is captured by what in the spec carries its id. The
# front end warns where the chain breaks (docs/language.md, "Hazard analysis").


class Severity(StrEnum):
    """How bad the harm is, mildest first (ISO 14971's usual five levels)."""

    NEGLIGIBLE = "negligible"
    MINOR = "minor"
    SERIOUS = "serious"
    CRITICAL = "critical"
    CATASTROPHIC = "catastrophic"


class CaptureKind(StrEnum):
    """What in the spec carries a requirement id and so captures the requirement."""

    INVARIANT = "invariant"
    ASSERTION = "assert"
    RESPONSE = "respond"
    RECOVERY = "recover"
    GUARD = "guard"  # a guard's `else reject REQ "..."`
    POLICY = "policy"  # a state's or event's `reject REQ "..."`
    LIMITER = "limiter"  # the motor's hardware step limiter
    WATCHDOG = "watchdog"  # the motor's hardware watchdog


@dataclass(frozen=True)
class Capture:
    """One place that captures a requirement. ``text`` is the property's text or the
    reject reason; empty for the limiter and the watchdog."""

    kind: CaptureKind
    text: str
    span: Span | None = _span()


@dataclass(frozen=True)
class Requirement:
    """A requirement the spec declares, its text, and everything in the spec that carries
    its id (in declaration order; empty when nothing does, which `check` warns about
    unless the requirement only controls causes outside the spec)."""

    id: str
    text: str
    captures: tuple[Capture, ...]
    span: Span | None = _span()


@dataclass(frozen=True)
class Cause:
    """One way a hazard comes about. ``controlled_by`` are declared requirements that the
    spec captures; ``outside_by`` are declared requirements enforced beyond the spec
    (hardware, the host, the user) and ``outside_where`` says where and how ("" when the
    cause has no outside control)."""

    text: str
    controlled_by: tuple[str, ...]
    outside_by: tuple[str, ...] = ()
    outside_where: str = ""
    span: Span | None = _span()

    @property
    def controlled_outside(self) -> bool:
        return bool(self.outside_where)

    @property
    def controlled(self) -> bool:
        return bool(self.controlled_by) or self.controlled_outside


@dataclass(frozen=True)
class Hazard:
    """``id`` e.g. H-01; ``harm`` e.g. "over-delivery"."""

    id: str
    harm: str
    severity: Severity
    causes: tuple[Cause, ...]
    span: Span | None = _span()


# ---------------------------------------------------------------- module


BUILTIN_REASONS = (
    Reason(1, "unknown event"),
    Reason(2, "parameter outside its declared range"),
    Reason(3, "no transition is enabled"),
)
REASON_UNKNOWN_EVENT, REASON_PARAM_RANGE, REASON_NO_TRANSITION = BUILTIN_REASONS


@dataclass(frozen=True)
class Module:
    name: str
    source_file: str
    source_hash: str  # sha256 of the spec text
    tick_seconds: Fraction
    step_units: Fraction  # insulin units per motor step
    enums: tuple[EnumType, ...]
    constants: tuple[Constant, ...]
    variables: tuple[Variable, ...]
    events: tuple[Event, ...]  # includes "tick" (code 0) and "reset"
    states: tuple[State, ...]
    state_type: EnumType
    initial: str
    transitions: tuple[Transition, ...]
    tick_lets: tuple[TickLet, ...]
    # Applied on every tick, then overridden per variable by the fired tick
    # transition's updates (if any). Includes accumulator and window updates.
    tick_updates: tuple[Update, ...]
    reasons: tuple[Reason, ...]  # BUILTIN_REASONS first, then the spec's, by code
    properties: tuple[Property, ...]
    motor: Motor
    windows: tuple[Window, ...]
    any_alarm: Expr  # disjunction of the alarm variables (pre-state); false if none
    # the hazard analysis, in declaration order; empty when the spec declares none
    requirements: tuple[Requirement, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    arrays: tuple[Array, ...] = ()  # table variables; their elements are in ``variables``

    # -- lookups (derived; deterministic order)

    def variable(self, name: str) -> Variable:
        return next(v for v in self.variables if v.name == name)

    def event(self, name: str) -> Event:
        return next(e for e in self.events if e.name == name)

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def transitions_for(self, state: str, event: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if t.event == event and state in t.sources)

    def reason(self, code: int) -> Reason:
        return next(r for r in self.reasons if r.code == code)

    def requirement(self, id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == id)
