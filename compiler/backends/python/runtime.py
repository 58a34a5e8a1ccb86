"""The part of every generated controller that does not depend on the spec.

``emit`` copies this module, from its first import on, into each generated controller,
which stays one stdlib-only file (docs/controller.md); the spec's part follows it in that
file. Nothing here reads a name the spec defines: a generated controller subclasses
:class:`Controller` (and :class:`Monitor` for monitor mode) and hands over its tables as
class attributes, so this module imports, lints and tests on its own
(tests/backends/python/test_runtime.py).
"""
from __future__ import annotations

from enum import Enum, IntEnum
from fractions import Fraction
from typing import Any, Callable, NamedTuple

# ---------------------------------------------------------------- quantities


class Quantity(NamedTuple):
    """How an integer of base units reads in the spec's units: ``value * factor`` of
    ``unit``, which is "U", "U/h", "/s", "s" (a time, shown as hours, minutes and
    seconds) or "" (a plain number); ``base`` names the integer's own unit ("steps",
    "ticks", "steps/h"). The generator computes each (compiler.units.display_unit)."""

    unit: str
    factor: Fraction
    base: str


def quantity_text(value: int, quantity: Quantity) -> str:
    """``value`` in the spec's units: ``2.5 U``, ``22 h 4 min 4 s``, ``35 U/h``; exact,
    or six significant digits after ``≈`` when the decimal does not terminate (the text
    of compiler.units.format_quantity)."""
    shown = value * quantity.factor
    if quantity.unit == "s":
        return _duration(shown)
    return f"{_decimal(shown)} {quantity.unit}" if quantity.unit else _decimal(shown)


def value_text(value: Any, quantity: Quantity | None = None) -> str:
    """A value as a person reads it: an integer of a quantity in the spec's units, an
    enum member by name, anything else (a plain number, a bool, None) as its repr."""
    if quantity is not None and value.__class__ is int:
        return quantity_text(value, quantity)
    if isinstance(value, Enum):
        return value.name
    return repr(value)


def measured_text(value: Any, quantity: Quantity | None) -> str:
    """An integer of a quantity in base units and in the spec's units (``800 steps
    (20 U)``), as a check's bound in base units reads beside it; else :func:`value_text`."""
    if quantity is not None and value.__class__ is int:
        return f"{value} {quantity.base} ({quantity_text(value, quantity)})"
    return value_text(value)


def _decimal(f: Fraction) -> str:
    """Exact decimal text of ``f`` when it terminates (its denominator has no prime
    factor but 2 and 5), else ``≈`` and six significant digits."""
    rest = f.denominator
    for p in (2, 5):
        while rest % p == 0:
            rest //= p
    if rest != 1:
        return "≈" + _significant(f)
    digits = 0
    while (f * 10 ** digits).denominator != 1:
        digits += 1
    scaled = str(abs(f.numerator) * 10 ** digits // f.denominator).rjust(digits + 1, "0")
    text = f"{scaled[:-digits]}.{scaled[-digits:]}" if digits else scaled
    return "-" + text if f < 0 else text


def _significant(f: Fraction) -> str:
    """``f`` rounded to six significant digits, as ``format(x, "g")`` prints a float, but
    exact at any magnitude. With 10**e <= |f| < 10**(e+1) the mantissa is
    m = round(|f| / 10**(e-5)) (a half to even), six digits (or 10**6: e grows by one)."""
    sign, f = ("-" if f < 0 else ""), abs(f)
    e = (f.numerator.bit_length() - f.denominator.bit_length()) * 30103 // 100000
    while Fraction(10) ** (e + 1) <= f:
        e += 1
    while Fraction(10) ** e > f:
        e -= 1
    m = round(f / Fraction(10) ** (e - 5))
    if m == 10 ** 6:
        e, m = e + 1, m // 10
    text = str(m)
    if -4 <= e < 6:
        whole = text[:e + 1] if e >= 0 else "0"
        frac = (text[e + 1:] if e >= 0 else "0" * (-e - 1) + text).rstrip("0")
        return sign + (f"{whole}.{frac}" if frac else whole)
    tail = text[1:].rstrip("0")
    return f"{sign}{text[0]}{'.' + tail if tail else ''}e{'+' if e >= 0 else '-'}{abs(e):02d}"


def _duration(seconds: Fraction) -> str:
    """``seconds`` as hours, minutes and seconds, zero parts left out (``22 h 4 min``)."""
    if seconds < 0:
        return "-" + _duration(-seconds)
    if seconds < 60:
        return f"{_decimal(seconds)} s"
    whole_minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(whole_minutes), 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{_decimal(rest)} s"] if rest else []
    return " ".join(parts)


def named_values_text(fields: tuple[tuple[str, Any, Quantity | None], ...]) -> str:
    """``name=text, ...`` of (name, value, quantity) triples."""
    return ", ".join(f"{name}={value_text(value, quantity)}" for name, value, quantity in fields)


def quantities_repr(self: tuple) -> str:
    """``__repr__`` of a generated NamedTuple whose ``_QUANTITIES`` is parallel to its
    fields (TickSteps, Lets): ``TickSteps(total=0.025 U, basal=0.025 U, ...)``. The
    fields themselves hold the integers of base units."""
    return (f"{self.__class__.__name__}("
            f"{named_values_text(tuple(zip(self._fields, self, self._QUANTITIES, strict=True)))})")


# ---------------------------------------------------------------- results and errors


class Reason(NamedTuple):
    """Why an event was rejected; ``code`` is shared with the Verilog block and traces."""

    code: int
    text: str
    requirement: str | None


class Property(NamedTuple):
    """A property of the spec (``PROPERTIES``), or a check of the prover that a run can
    break (``CHECKS``); monitor mode checks both, with the prover's ids and kinds."""

    id: str
    # PROPERTIES: "invariant" | "assertion" | "response" | "recovery"
    # CHECKS: "range" | "let-range" | "motor" | "determinism" | "completeness"
    kind: str
    text: str


class Rejected(Exception):
    """The controller refused the event and changed nothing; ``reason`` says why."""

    def __init__(self, event: str, reason: Reason, state: IntEnum, detail: str = "") -> None:
        super().__init__(event, reason, state, detail)
        self.event = event
        self.reason = reason
        self.state = state  # the state the event was refused in (unchanged)
        self.detail = detail

    @property
    def code(self) -> int:
        return self.reason.code

    @property
    def text(self) -> str:
        return self.reason.text

    @property
    def requirement(self) -> str | None:
        return self.reason.requirement

    def __str__(self) -> str:
        requirement = f"{self.reason.requirement}: " if self.reason.requirement else ""
        detail = f" ({self.detail})" if self.detail else ""
        return (f"{self.event} rejected in {self.state.name}: {requirement}{self.reason.text}"
                f"{detail} [reason {self.reason.code}]")

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({str(self)!r})"


class InvalidEvent(Rejected):
    """Not a well-formed event: unknown (reason 1), or parameters missing, unexpected, of
    the wrong type or outside their declared wire domain (reason 2). Nothing changed.
    The message is the detail (what is wrong, which the reason's text only names for the
    commonest case) and the reason's code."""

    def __str__(self) -> str:
        if not self.detail:
            return super().__str__()
        return f"{self.event} rejected in {self.state.name}: {self.detail} [reason {self.reason.code}]"


class Outcome(NamedTuple):
    """The result of an event that was not rejected."""

    status: str  # "accepted" | "ignored"
    transition: int | None  # index (declaration order) of the fired transition
    label: str

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


IGNORED = Outcome("ignored", None, "ignored by the state's policy")
ACCEPTED = Outcome("accepted", None, "reset")


class Snapshot(NamedTuple):
    """The control state and every variable, in declaration order: the values are the
    model's (integers of base units, bools, enum members); ``repr`` and :meth:`text`
    show them in the spec's units. ``_QUANTITIES`` (set by the generated part) maps
    each variable that holds a quantity to its :class:`Quantity`."""

    state: IntEnum
    values: tuple[tuple[str, Any], ...]
    _QUANTITIES = {}  # variable -> Quantity (not annotated: a class attribute, not a field)

    def value(self, name: str) -> Any:
        """The variable's value, in base units."""
        for key, value in self.values:
            if key == name:
                return value
        raise KeyError(name)

    def text(self, name: str) -> str:
        """The variable's value in the spec's units, e.g. ``300 U``."""
        return value_text(self.value(name), self._QUANTITIES.get(name))

    def fields_text(self) -> str:
        """``state=Idle, reservoir=300 U, ...``: the state and every variable."""
        return named_values_text((("state", self.state, None),
                            *((name, value, self._QUANTITIES.get(name))
                              for name, value in self.values)))

    def __repr__(self) -> str:
        return f"Snapshot({self.fields_text()})"


class Observed(NamedTuple):
    """The variable or tick value a range or motor check found: its name, its value in
    base units, and that value as text in base and spec units (``800 steps (20 U)``)."""

    name: str
    value: Any
    text: str


class PropertyViolation(AssertionError):
    """Monitor mode: a step broke properties or checks of the spec. The step has been
    applied, so the controller shows the violating state. ``violated`` lists every
    property broken by this step, in declaration order, then every check (``CHECKS``);
    ``property`` is the first. ``observed`` is parallel to ``violated``: the
    :class:`Observed` variable or tick value of a range or motor check, else None."""

    def __init__(self, violated: tuple[Property, ...], event: str, pre: IntEnum, post: IntEnum,
                 rejection: Rejected | None = None, result: Any = None,
                 observed: tuple[Observed | None, ...] = ()) -> None:
        super().__init__(violated, event, pre, post)
        self.violated = violated
        self.property = violated[0]
        self.event = event
        self.pre_state = pre
        self.post_state = post
        self.rejection = rejection  # the step was rejected (and changed nothing)
        self.result = result  # or what it returned (an Outcome or a TickSteps)
        self.observed = observed or (None,) * len(violated)

    @property
    def descriptions(self) -> tuple[str, ...]:
        """One line per property of ``violated``: id, kind, text, the value a check found."""
        return tuple(f"{p.id} violated ({p.kind}: {p.text}"
                     + (f"; {seen.name} = {seen.text})" if seen else ")")
                     for p, seen in zip(self.violated, self.observed, strict=True))

    @property
    def step_text(self) -> str:
        """The step that broke them: ``after tick handled in Bolusing -> Bolusing``."""
        outcome = "rejected" if self.rejection else "handled"
        return f"after {self.event} {outcome} in {self.pre_state.name} -> {self.post_state.name}"

    def __str__(self) -> str:
        lines = list(self.descriptions)
        lines[0] += " " + self.step_text
        return "\n".join(lines)


_new_tuple = tuple.__new__  # a NamedTuple without its constructor's call overhead


def is_member(value: object, members: tuple[IntEnum, ...]) -> bool:
    """Whether ``value`` is a member of the enum ``members`` enumerates, or of an enum of
    the same name whose member at that index has the same name (the same spec enum in
    another build of the controller). A plain int index is not a member."""
    cls = value.__class__
    own = members[0].__class__
    if cls is own:
        return True
    if not isinstance(value, Enum) or cls.__name__ != own.__name__:
        return False
    index = value.value
    return index.__class__ is int and 0 <= index < len(members) and value.name == members[index].name


# ---------------------------------------------------------------- ill-formed events


class EventTable(NamedTuple):
    """The spec's events and built-in reasons, as the checks of an ill-formed event need
    them. Each check returns or raises an :class:`InvalidEvent`; nothing changes."""

    params: dict[str, tuple[str, ...]]  # event name -> parameter names, declared order
    names: dict[int, str]  # event code -> event name
    codes: tuple[IntEnum, ...]  # the Event members
    states: tuple[IntEnum, ...]  # the State members, by encoding
    unknown_event: Reason  # reason 1
    param_range: Reason  # reason 2

    def unknown(self, state: int, event: object) -> InvalidEvent:
        known = ", ".join(self.params)
        return InvalidEvent(str(event), self.unknown_event, self.states[state],
                            f"unknown event {event!r}; known events: {known}")

    def invalid_param(self, state: int, event: str, name: str, value: object, domain: str
                      ) -> InvalidEvent:
        return InvalidEvent(event, self.param_range, self.states[state],
                            f"`{name}` must be {domain}, got {value!r}")

    def check_names(self, state: int, event: str, given: tuple[str, ...]) -> None:
        """Raise unless ``given`` are exactly the parameter names of ``event``."""
        expected = self.params[event]
        missing = [name for name in expected if name not in given]
        extra = [name for name in given if name not in expected]
        if missing or extra:
            raise InvalidEvent(event, self.param_range, self.states[state],
                               f"{event} takes ({', '.join(expected)}); "
                               f"missing: {', '.join(missing) or 'none'}, "
                               f"unexpected: {', '.join(extra) or 'none'}") from None

    def check_count(self, state: int, code: int, count: int) -> None:
        """Raise unless ``count`` is the number of parameters of the event ``code``."""
        event = self.names[code]
        expected = self.params[event]
        if count != len(expected):
            raise InvalidEvent(event, self.param_range, self.states[state],
                               f"{event} takes {len(expected)} parameters "
                               f"({', '.join(expected)}), got {count}") from None


# ---------------------------------------------------------------- the controller


class Controller:
    """Dispatch shared by every generated controller.

    A generated subclass declares the model state in ``__slots__`` (``_state`` first, the
    State encoding), one method per event, ``_events``, and, once its classes exist,
    ``_handlers``, ``_code_handlers`` and ``_monitored`` (the class that
    ``<Pump>(monitor=True)`` returns).
    """

    __slots__ = ()
    _MONITOR = False
    _state: int
    _events: EventTable
    _handlers: dict[str, Callable[..., Any]]  # event name -> method
    _code_handlers: dict[int, Callable[..., Any]]  # event code -> method
    _monitored: type[Controller]
    snapshot: Callable[[], Snapshot]
    _event_info: dict[str, EventInfo]  # EVENTS: each event's parameters as Domains

    def __new__(cls, *, monitor: bool = False) -> Controller:
        if monitor and not cls._MONITOR:
            cls = cls._monitored
        return object.__new__(cls)

    @property
    def monitor(self) -> bool:
        """Whether every step is checked against the spec's properties."""
        return self._MONITOR

    def __repr__(self) -> str:
        """``InfusionPump(state=Idle, reservoir=300 U, ...)``: the model state in the
        spec's units (the properties and ``snapshot()`` give the base units)."""
        return f"{self.__class__.__name__}({self.snapshot().fields_text()})"

    def handle(self, event: str, /, **params: Any) -> Any:
        """Handle one event by name: ``handle("bolus", amount=40)``.

        Returns an Outcome (a TickSteps for a tick); raises Rejected if the spec refuses
        the event, InvalidEvent if it is not well formed (a name that is not a ``str`` is
        an unknown event). Either way nothing changed.
        """
        method = self._handlers.get(event) if isinstance(event, str) else None
        if method is None:
            raise self._events.unknown(self._state, event)
        if not params:
            try:
                return method(self)
            except TypeError:
                self._events.check_names(self._state, event, ())
                raise
        for value in params.values():
            if value.__class__ is str:
                params = self._in_base_units(event, params)
                break
        try:
            return method(self, **params)
        except TypeError:
            self._events.check_names(self._state, event, tuple(params))
            raise

    def _in_base_units(self, event: str, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with each quantity written as text (``"2.5 U"``) for a parameter that
        measures something converted exactly to base units (:meth:`Domain.to_base`); an
        inexact or ill-formed one is an InvalidEvent (reason 2), as is text for an enum
        parameter (a member's name or not). Other values pass as they are, for the event's
        own type check."""
        domains = self._event_info[event].params
        converted = dict(params)
        for name, value in params.items():
            domain = domains.get(name)
            if value.__class__ is not str or domain is None:
                continue
            problem = None
            if domain.measures:
                try:
                    converted[name] = domain.to_base(value)
                except ValueError as exc:
                    problem = f"`{name}` = {value!r}: {exc}"
            elif domain.kind == "enum":
                problem = (f"`{name}` = {value!r} is text: it takes a member of its enum or its "
                           f"index ({value} is {domain.members.index(value)})"
                           if value in domain.members else
                           f"`{name}` = {value!r} is no member of its enum "
                           f"({', '.join(domain.members)})")
            if problem is not None:
                raise InvalidEvent(event, self._events.param_range,
                                   self._events.states[self._state], problem)
        return converted

    def handle_code(self, code: int, /, *args: Any) -> Any:
        """Handle one event by its code, parameters in declared order. The code is an
        ``int`` or an Event member; anything else (a bool, a float, a member of another
        enum) is an unknown event."""
        cls = code.__class__
        if cls is int or cls is self._events.codes[0].__class__ \
                or is_member(code, self._events.codes):
            method = self._code_handlers.get(code)
        else:
            method = None
        if method is None:
            raise self._events.unknown(self._state, code)
        try:
            return method(self, *args)
        except TypeError:
            self._events.check_count(self._state, code, len(args))
            raise


# ---------------------------------------------------------------- monitor mode


class Response(NamedTuple):
    """A response property as the monitor tracks it."""

    position: int  # index in PROPERTIES
    within: int  # ticks from the trigger to the deadline


def advance_responses(pending: list[int], responses: tuple[Response, ...], armed: list[int],
                      is_tick: bool, holds: tuple[bool, ...]) -> list[int]:
    """One step of the response deadlines; returns the positions of the responses violated.

    ``pending[i]`` is the ticks left until response i's deadline, -1 when idle; ``armed``
    the responses whose trigger this step met (pre-state and event); ``holds[i]`` whether
    response i's condition holds in the post-state. A tick first counts down every pending
    deadline; a trigger then arms an idle response (a new trigger while one is pending is
    covered by the older, earlier deadline); a pending response is met by any post-state
    where it holds, its own trigger step included, and violated in the post-state of its
    deadline step if it does not (``within 0``: the trigger step itself).
    """
    violated: list[int] = []
    for slot, response in enumerate(responses):
        left = pending[slot]
        if left > 0 and is_tick:
            left -= 1
        if left < 0 and slot in armed:
            left = response.within
        if left >= 0:
            if holds[slot]:
                left = -1
            elif left == 0:
                violated.append(response.position)
                left = -1
        pending[slot] = left
    return violated


class Recovery(NamedTuple):
    """A recovery property as the monitor tracks it: ``sequence`` lists the calls, each
    an event name and the (parameter index, value) pairs it fixes (the others are free)."""

    position: int  # index in PROPERTIES
    sequence: tuple[tuple[str, tuple[tuple[int, Any], ...]], ...]


def advance_recoveries(matched: list[list[int]], recoveries: tuple[Recovery, ...], event: str,
                       args: tuple[Any, ...]) -> list[int]:
    """One step of the recovery sequences; returns the slots whose sequence this step ends.

    ``matched[i]`` holds, ascending, every ``j`` (0 < j < len) such that the last ``j``
    steps were the first ``j`` calls of recovery i's sequence, so that a run in which the
    whole sequence was just applied from some state is seen whatever came before it.
    """
    ended: list[int] = []
    for slot, recovery in enumerate(recoveries):
        sequence = recovery.sequence
        partial = matched[slot]
        if not partial and sequence[0][0] != event:
            continue
        grown = [j + 1 for j in (0, *partial) if sequence[j][0] == event
                 and (not sequence[j][1] or all(args[i] == value for i, value in sequence[j][1]))]
        if grown and grown[-1] == len(sequence):
            grown.pop()
            ended.append(slot)
        matched[slot] = grown
    return ended


class Monitor:
    """Monitor mode, mixed into a generated ``Monitored<Pump>(<Pump>)``.

    Each step runs as in the plain controller, then it is judged (docs/controller.md):
    the transition assertions of that event, every invariant, the response deadlines,
    the recovery sequences, and the prover's checks a run can break — each variable the
    event may write is in its declared range, each tick value in its range, a tick
    commands at most ``max_steps_per_tick``, at most one transition of a user event is
    enabled, a rejection gives a reason from the spec. A violation raises
    PropertyViolation with the step applied. A rejected step is judged too (an
    assertion may require a rejection); an ill-formed event (InvalidEvent) is not a step
    of the model and is not judged. The generated class provides ``_copy()`` (the model
    state alone), ``_check_invariants()`` (positions of the invariants violated now),
    ``_responses_hold()`` and ``_recovered()`` (per response / recovery, whether its
    condition holds now), one ``_check_<event>`` per event and the tables below.
    """

    __slots__ = ()
    _MONITOR = True
    _pending: list[int]  # per response: ticks left until its deadline, -1 idle
    _matched: list[list[int]]  # per recovery: see advance_recoveries
    _properties: tuple[Property, ...]  # PROPERTIES + CHECKS: positions index it
    _responses: tuple[Response, ...]
    _recoveries: tuple[Recovery, ...]
    _completeness: dict[str, int]  # user event -> position of its completeness check
    _no_transition: Reason  # the built-in reason completeness forbids
    _observed_vars: dict[int, str]  # range check position -> variable (property name)
    _observed_lets: dict[int, str]  # let-range/motor check position -> Lets field
    _copy: Callable[[], Any]
    _check_invariants: Callable[[], list[int]]
    _responses_hold: Callable[[], tuple[bool, ...]]
    _recovered: Callable[[], tuple[bool, ...]]
    state: IntEnum

    def _start(self) -> None:
        """Monitor a freshly constructed controller: nothing pending, invariants hold."""
        self._pending = [-1] * len(self._responses)
        self._matched = [[] for _ in self._recoveries]
        violated = self._check_invariants()
        if violated:
            raise PropertyViolation(tuple(self._properties[i] for i in violated), "start",
                                    self.state, self.state)

    def _step(self, event: str, step: Callable[..., Any], check: Callable[..., Any],
              is_tick: bool, *args: Any) -> Any:
        """Run ``step(self, *args)``, the plain controller's method, and judge it by
        ``check(self, pre, accepted, *args)`` -> (assertions and checks violated,
        responses armed)."""
        pre = self._copy()
        try:
            result = step(self, *args)
        except InvalidEvent:
            raise
        except Rejected as rejection:
            self._judge(event, pre, check(self, pre, False, *args), is_tick, args, rejection,
                        None)
            raise
        self._judge(event, pre, check(self, pre, result.status == "accepted", *args), is_tick,
                    args, None, result)
        return result

    def _judge(self, event: str, pre: Any, checked: tuple[list[int], list[int]], is_tick: bool,
               args: tuple[Any, ...], rejection: Rejected | None, result: Any) -> None:
        violated, armed = checked
        if rejection is not None and rejection.reason.code == self._no_transition.code:
            violated.append(self._completeness[event])
        violated += self._check_invariants()
        violated += advance_responses(self._pending, self._responses, armed, is_tick,
                                      self._responses_hold())
        if self._recoveries:
            ended = advance_recoveries(self._matched, self._recoveries, event, args)
            if ended:
                recovered = self._recovered()
                violated += [self._recoveries[slot].position for slot in ended
                             if not recovered[slot]]
        if violated:
            violated.sort()
            raise PropertyViolation(tuple(self._properties[i] for i in violated), event,
                                    pre.state, self.state, rejection, result,
                                    tuple(self._observe(pre, i) for i in violated))

    def _observe(self, pre: Any, position: int) -> Observed | None:
        """The variable (post-state) or tick value (of the pre-state) a check is about."""
        if position in self._observed_vars:
            name = self._observed_vars[position]
            value = getattr(self, name)
            return Observed(name, value, measured_text(value, Snapshot._QUANTITIES.get(name)))
        if position in self._observed_lets:
            lets = pre.tick_lets()
            name = self._observed_lets[position]
            value = getattr(lets, name)
            return Observed(name, value,
                            measured_text(value, lets._QUANTITIES[lets._fields.index(name)]))
        return None


# ---------------------------------------------------------------- units at the API
# Quantities in the spec's units beside base units, and the machine-readable domains of
# events, parameters, variables and motor sources. The generated module hands over the
# spec's tables: ``UNITS`` (a UnitTable), ``EVENTS``, ``VARIABLES``, ``MOTOR_SOURCES``.
#
# Rounding rule: a quantity converts to base units exactly or not at all. ``to_base`` and
# ``handle(event, amount="2.51 U")`` refuse a quantity that is not a whole number of the
# parameter's integers (0.025 U steps: 2.51 U is 100.4 steps); nothing is rounded unless
# the caller asks with ``Domain.floor``, which rounds down (never up).

Dim = tuple[int, ...]  # exponents of the base dimensions (compiler/units.py: volume, time, ...)

_NUMBER_CHARS = frozenset("0123456789+-.")


class UnitTable:
    """The units a quantity may be written in, for one spec: each name's dimension and
    size in base units (motor steps, ticks), as compiler/units.py defines them. A rate
    is written ``<volume unit>/<time unit>`` (``U/h``, ``steps/min``)."""

    __slots__ = ("sizes",)

    def __init__(self, sizes: dict[str, tuple[Dim, Fraction]]) -> None:
        self.sizes = sizes

    def __repr__(self) -> str:
        return f"UnitTable({', '.join(self.sizes)})"

    def unit(self, name: str) -> tuple[Dim, Fraction]:
        """A unit (``U``, ``min``, ``U/h``) as (dimension, size in base units): a name of
        the table, or one over another."""
        if name in self.sizes:
            return self.sizes[name]
        parts = name.split("/")
        if len(parts) != 2 or not all(p in self.sizes for p in parts):
            raise ValueError(f"unknown unit {name!r} (known: {', '.join(self.sizes)}, "
                             "and rates like U/h)")
        (dim, size), (per_dim, per) = self.sizes[parts[0]], self.sizes[parts[1]]
        return tuple(a - b for a, b in zip(dim, per_dim, strict=True)), size / per

    def parse(self, quantity: str) -> tuple[Fraction, Dim]:
        """``"2.5 U"`` (or ``"2.5U"``): the value in base units, exactly, and its dimension.
        The number is a decimal; a float's binary rounding never enters."""
        text = quantity.strip()
        end = 0
        while end < len(text) and text[end] in _NUMBER_CHARS:
            end += 1
        number, unit = text[:end], text[end:].strip()
        if not number or not unit:
            raise ValueError(f"{quantity!r} is not a quantity such as '2.5 U'")
        try:
            amount = Fraction(number)
        except ValueError:
            raise ValueError(f"{number!r} is not a decimal number") from None
        dim, size = self.unit(unit)
        return amount * size, dim


class Domain(NamedTuple):
    """The declared domain of an event parameter or a variable, machine-readable.

    ``kind`` is "int", "bool" or "enum". An int holds integers ``lo..hi`` of ``unit``
    (as pumpspec prints it: "steps", "steps/h", "ticks"; "" for a plain number) of
    dimension ``dim`` (exponents as compiler/units.py orders them: volume, time, ...):
    one integer is ``scale`` base units and ``resolution`` of the ``reference`` unit
    ("U", "s", "U/h"), so a value ``n`` is ``n * resolution`` reference units. An enum
    holds the indices ``0..len(members)-1``; a bool 0..1.
    """

    name: str
    kind: str
    lo: int
    hi: int
    unit: str
    dim: Dim
    scale: Fraction
    reference: str
    resolution: Fraction
    members: tuple[str, ...]
    units: UnitTable

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in zip(self._fields, self, strict=True)
                          if key != "units")
        return f"Domain({shown})"

    @property
    def measures(self) -> bool:
        """An integer with a unit (a volume, a time, a rate ...), not a plain number."""
        return self.kind == "int" and any(self.dim)

    @property
    def range(self) -> tuple[Fraction, Fraction]:
        """``lo..hi`` in the reference unit."""
        return self.lo * self.resolution, self.hi * self.resolution

    def in_reference(self, value: int) -> Fraction:
        """An integer of this domain in the reference unit (``80`` steps -> ``2`` U)."""
        return value * self.resolution

    def describe(self) -> str:
        """``"0..100 U in steps of 0.025 U"``: the range and resolution as people read it."""
        lo, hi = self.range
        unit = f" {self.reference}" if self.reference else ""
        return f"{_decimal(lo)}..{_decimal(hi)}{unit} in steps of {_decimal(self.resolution)}{unit}"

    def integers(self, quantity: str | Fraction | int | float, unit: str | None = None) -> Fraction:
        """How many integers of this domain ``quantity`` is, exactly (maybe not whole):
        ``quantity`` is text with its unit (``"2.5 U"``), or a number with ``unit``
        (``Fraction(5, 2), "U"``; a float counts with its exact binary value)."""
        if not self.measures:
            raise ValueError(f"`{self.name}` is a plain {self.kind}, not a quantity")
        if unit is None:
            if not isinstance(quantity, str):
                raise ValueError(f"{quantity!r} needs a unit")
            base, dim = self.units.parse(quantity)
        else:
            if isinstance(quantity, bool):
                raise ValueError(f"{quantity!r} is not a number")
            dim, size = self.units.unit(unit)
            base = Fraction(quantity) * size
        if dim != self.dim:
            raise ValueError(f"{quantity!r}{' ' + unit if unit else ''} does not measure what "
                             f"`{self.name}` measures ({self.reference})")
        return base / self.scale

    def to_base(self, quantity: str | Fraction | int | float, unit: str | None = None) -> int:
        """The integer of this domain that is exactly ``quantity``; ValueError when it is
        not a whole number of them (never rounded). The range is not checked here: the
        event refuses a value outside it (reason 2)."""
        count = self.integers(quantity, unit)
        if count.denominator != 1:
            raise ValueError(f"{_decimal(count)} {self.unit} is not a whole number "
                             f"of {self.unit} ({_decimal(self.resolution)} {self.reference}); "
                             "round it explicitly (Domain.floor)")
        return int(count)

    def floor(self, quantity: str | Fraction | int | float, unit: str | None = None) -> int:
        """The largest integer of this domain not above ``quantity``: an explicit round
        down (a dose or rate is never rounded up). The range is not checked."""
        count = self.integers(quantity, unit)
        return count.numerator // count.denominator


class EventInfo(NamedTuple):
    """An event: its code (shared with the Verilog block), kind ("tick", "reset" or
    "user") and parameters in declared order."""

    name: str
    code: int
    kind: str
    params: dict[str, Domain]


class SourceInfo(NamedTuple):
    """A motor source: its ``TickSteps`` field, the ``Lets`` fields of the steps its rate
    asks for on the next tick (``raw``) and of the steps it commands (``steps``), and the
    variable whose value ends its dose (``limit``; None when the source has no limit or
    the limit is not a plain variable). ``min(raw, limit) - steps`` are the steps a cap
    (a budget or a dose window) withheld from the source on that tick."""

    name: str
    field: str
    raw: str
    steps: str
    limit: str | None


def _decimal(value: Fraction) -> str:
    """Exact decimal text of a fraction that terminates (only 2 and 5 divide its
    denominator), else six significant digits after ``≈``."""
    rest = value.denominator
    for p in (2, 5):
        while rest % p == 0:
            rest //= p
    if rest != 1:
        return f"≈{float(value):.6g}"
    digits = 0
    while (value * 10 ** digits).denominator != 1:
        digits += 1
    scaled = str(abs(value.numerator) * 10 ** digits // value.denominator).rjust(digits + 1, "0")
    text = f"{scaled[:-digits]}.{scaled[-digits:]}" if digits else scaled
    return f"-{text}" if value < 0 else text
