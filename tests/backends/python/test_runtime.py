"""The controller runtime (compiler/backends/python/runtime.py) on its own, and how the
generator copies it into a controller."""
from __future__ import annotations

import ast
import sys
from enum import IntEnum
from fractions import Fraction
from typing import NamedTuple

import pytest

from compiler.backends.python import emit, runtime
from compiler.backends.python.emit import runtime_parts
from compiler.reserved import MODULE_NAMES, RUNTIME_NAMES
from compiler.backends.python.runtime import (EventTable, InvalidEvent, Observed, Outcome,
                                              Property, PropertyViolation, Quantity, Reason,
                                              Recovery, Rejected, Response, advance_recoveries,
                                              advance_responses, quantities_repr, quantity_text)
from compiler.units import FREQUENCY, NONE, RATE, TIME, VOLUME, display_unit, format_quantity


class State(IntEnum):
    Idle = 0
    Running = 1


class Event(IntEnum):
    tick = 0
    go = 2


SPEED = Quantity("U", Fraction(1, 40), "steps")  # a volume of 0.025 U steps
UNKNOWN = Reason(1, "unknown event", None)
BAD_PARAMS = Reason(2, "parameter outside its declared range", None)
NO_TRANSITION = Reason(3, "no transition is enabled", None)
TOO_FAST = Reason(4, "too fast", "PS-99")
EVENTS = EventTable({"tick": (), "go": ("speed",)}, {0: "tick", 2: "go"}, tuple(Event),
                    tuple(State), UNKNOWN, BAD_PARAMS)
PROPERTIES = (Property("PS-90", "invariant", "speed stays below 10"),
              Property("PS-91", "response", "a stop halts within 2 ticks"),
              Property("PS-92", "recovery", "go at speed 0 ends idle"))
CHECKS = (Property("range.speed", "range", "`speed` stays in its declared range (0..9)"),
          Property("completeness.go", "completeness", "every rejection of `go` gives a reason"))


class Toy(runtime.Controller):
    """A two-state controller written by hand the way the generator writes one."""

    __slots__ = ("_state", "_speed")
    _events = EVENTS

    def __init__(self, *, monitor: bool = False) -> None:
        self._state = 0
        self._speed = 0

    @property
    def state(self) -> State:
        return tuple(State)[self._state]

    @property
    def speed(self) -> int:
        return self._speed

    def snapshot(self) -> runtime.Snapshot:
        return runtime.Snapshot(self.state, (("speed", self._speed),))

    def tick(self) -> Outcome:
        return Outcome("accepted", None, "tick")

    def handle_go(self, speed: int) -> Outcome:
        if speed > 5:
            raise Rejected("go", TOO_FAST if speed < 9 else NO_TRANSITION,
                           tuple(State)[self._state])
        self._state, self._speed = 1, speed
        return Outcome("accepted", 0, "go")


class MonitoredToy(runtime.Monitor, Toy):
    __slots__ = ("_pending", "_matched")
    _properties = PROPERTIES + CHECKS
    _responses = (Response(1, 2),)
    _recoveries = (Recovery(2, (("go", ((0, 0),)),)),)
    _completeness = {"go": 4}
    _no_transition = NO_TRANSITION
    _observed_vars = {3: "speed"}
    _observed_lets: dict[int, str] = {}

    def __init__(self, *, monitor: bool = True) -> None:
        super().__init__()
        self._start()

    def tick(self) -> Outcome:
        return self._step("tick", Toy.tick, MonitoredToy._check_tick, True)

    def handle_go(self, speed: int) -> Outcome:
        return self._step("go", Toy.handle_go, MonitoredToy._check_go, False, speed)

    def _copy(self) -> Toy:
        copy = object.__new__(Toy)
        copy._state, copy._speed = self._state, self._speed
        return copy

    def _check_invariants(self) -> list[int]:
        return [] if self._speed < 10 else [0]

    def _responses_hold(self) -> tuple[bool, ...]:
        return (self._speed == 0,)

    def _recovered(self) -> tuple[bool, ...]:
        return (self._state == 0,)

    @property
    def speed(self) -> int:
        return self._speed

    def _check_tick(self, pre: Toy, accepted: bool) -> tuple[list[int], list[int]]:
        return [], []

    def _check_go(self, pre: Toy, accepted: bool, speed: int) -> tuple[list[int], list[int]]:
        violated = [3] if accepted and not 0 <= self._speed <= 9 else []
        return violated, [0]  # every go arms the response


for cls in (Toy, MonitoredToy):
    cls._handlers = {"tick": cls.tick, "go": cls.handle_go}
    cls._code_handlers = {0: cls.tick, 2: cls.handle_go}
Toy._monitored = MonitoredToy


# ---------------------------------------------------------------- results and errors


def test_rejected_says_what_was_refused_where():
    r = Rejected("go", TOO_FAST, State.Running, "speed 7")
    assert (r.code, r.text, r.requirement, r.state) == (4, "too fast", "PS-99", State.Running)
    assert str(r) == "go rejected in Running: PS-99: too fast (speed 7) [reason 4]"
    assert str(Rejected("go", UNKNOWN, State.Idle)) == "go rejected in Idle: unknown event [reason 1]"
    assert repr(r) == "Rejected('go rejected in Running: PS-99: too fast (speed 7) [reason 4]')"


def test_outcome_and_snapshot():
    assert runtime.ACCEPTED.accepted and not runtime.IGNORED.accepted
    snap = runtime.Snapshot(State.Idle, (("speed", 3),))
    assert snap.value("speed") == 3
    with pytest.raises(KeyError):
        snap.value("nothing")


# ---------------------------------------------------------------- quantities

STEP, TICK = Fraction(1, 40), Fraction(1)


@pytest.mark.parametrize("dim, scale, step, tick", [
    (VOLUME, 1, STEP, TICK), (VOLUME, 1, Fraction(1, 3), TICK), (VOLUME, Fraction(1, 216), STEP, TICK),
    (TIME, 1, STEP, TICK), (TIME, 1, STEP, Fraction(1, 10)), (TIME, 60, STEP, Fraction(7, 3)),
    (RATE, 1, STEP, TICK), (RATE, Fraction(1, 3600), STEP, TICK), (RATE, Fraction(1, 60), STEP, Fraction(1, 4)),
    (FREQUENCY, 1, STEP, TICK), (NONE, 1, STEP, TICK), (VOLUME, 1, None, TICK), ((2, 0), 1, STEP, TICK),
])
def test_quantity_text_is_the_text_of_units_format_quantity(dim, scale, step, tick):
    """The controller prints a quantity exactly as the compiler does (compiler.units): the
    generator hands it the unit and factor of compiler.units.display_unit."""
    scale = Fraction(scale)
    quantity = Quantity(*display_unit(dim, step, tick, scale), "base")
    values = [0, 1, -1, 2, 3, 7, 40, 59, 60, 61, 99, 100, 3599, 3600, 3601, 79440, 79444, 86399,
              10 ** 6, 123456789, -79444, 10 ** 40 + 1, 3 ** 90]
    for value in values:
        assert quantity_text(value, quantity) == format_quantity(value, dim, step, tick, scale), value


def test_quantity_text_examples():
    assert quantity_text(100, Quantity("U", STEP, "steps")) == "2.5 U"
    assert quantity_text(79440, Quantity("s", TICK, "ticks")) == "22 h 4 min"
    assert quantity_text(1400, Quantity("U/h", STEP, "steps/h")) == "35 U/h"
    assert quantity_text(1, Quantity("U", Fraction(1, 3), "steps")) == "≈0.333333 U"


class Pulses(NamedTuple):
    total: int
    bolus: int
    transition: int | None
    _QUANTITIES = (SPEED, SPEED, None)
    __repr__ = quantities_repr


def test_a_generated_tuple_shows_its_fields_in_the_spec_units():
    pulses = Pulses(100, 80, 3)
    assert repr(pulses) == "Pulses(total=2.5 U, bolus=2 U, transition=3)"
    assert pulses.total == 100  # the fields hold base units


def test_snapshot_and_controller_show_the_spec_units(monkeypatch):
    monkeypatch.setattr(runtime.Snapshot, "_QUANTITIES", {"speed": SPEED})
    snap = runtime.Snapshot(State.Running, (("speed", 3), ("fast", True), ("mode", State.Idle)))
    assert repr(snap) == "Snapshot(state=Running, speed=0.075 U, fast=True, mode=Idle)"
    assert snap.text("speed") == "0.075 U" and snap.text("fast") == "True"
    assert snap.value("speed") == 3
    toy = Toy()
    toy.handle("go", speed=4)
    assert repr(toy) == "Toy(state=Running, speed=0.1 U)"


def test_property_violation_lists_every_property():
    v = PropertyViolation(PROPERTIES[:2], "go", State.Idle, State.Running)
    assert v.property is PROPERTIES[0] and (v.pre_state, v.post_state) == (State.Idle, State.Running)
    assert v.observed == (None, None)
    assert str(v).splitlines() == ["PS-90 violated (invariant: speed stays below 10) after go "
                                   "handled in Idle -> Running",
                                   "PS-91 violated (response: a stop halts within 2 ticks)"]


def test_property_violation_shows_the_value_a_check_found():
    v = PropertyViolation((PROPERTIES[0], CHECKS[0]), "go", State.Idle, State.Running,
                          observed=(None, Observed("speed", 12, "0.3 U")))
    assert str(v).splitlines()[1] == ("range.speed violated (range: `speed` stays in its "
                                      "declared range (0..9); speed = 0.3 U)")


def test_is_member_knows_an_enum_by_its_name_and_members():
    members = tuple(State)
    assert runtime.is_member(State.Running, members)
    assert not runtime.is_member(1, members) and not runtime.is_member(True, members)
    assert not runtime.is_member(Event.go, members)

    class OtherBuild(IntEnum):  # the same enum from another build of the controller
        Idle = 0
        Running = 1
    OtherBuild.__name__ = "State"
    assert runtime.is_member(OtherBuild.Running, members)

    class Renamed(IntEnum):
        Idle = 0
        Moving = 1
    Renamed.__name__ = "State"
    assert not runtime.is_member(Renamed.Moving, members)


# ---------------------------------------------------------------- ill-formed events


def test_event_table_explains_each_ill_formed_event():
    e = EVENTS.unknown(1, "fly")
    assert isinstance(e, InvalidEvent) and e.reason is UNKNOWN and e.state is State.Running
    assert e.detail == "unknown event 'fly'; known events: tick, go"
    e = EVENTS.invalid_param(0, "go", "speed", 99, "an integer in 0..9")
    assert (e.reason, e.detail) == (BAD_PARAMS, "`speed` must be an integer in 0..9, got 99")
    EVENTS.check_names(0, "go", ("speed",))
    with pytest.raises(InvalidEvent, match="missing: speed, unexpected: rate"):
        EVENTS.check_names(0, "go", ("rate",))
    EVENTS.check_count(0, 2, 1)
    with pytest.raises(InvalidEvent, match=r"go takes 1 parameters \(speed\), got 2"):
        EVENTS.check_count(0, 2, 2)


def test_controller_dispatches_by_name_and_code():
    toy = Toy()
    assert not toy.monitor and type(toy) is Toy
    assert toy.handle("go", speed=3).transition == 0 and toy.state is State.Running
    assert toy.handle_code(0).label == "tick"
    with pytest.raises(Rejected) as refused:
        toy.handle_code(2, 7)
    assert refused.value.reason is TOO_FAST
    with pytest.raises(InvalidEvent, match="known events: tick, go"):
        toy.handle("fly")
    with pytest.raises(InvalidEvent, match="unexpected: rate"):
        toy.handle("go", rate=1)
    with pytest.raises(InvalidEvent, match="missing: speed"):
        toy.handle("go")
    with pytest.raises(InvalidEvent, match="got 0"):
        toy.handle_code(2)
    with pytest.raises(InvalidEvent, match="unknown event 9"):
        toy.handle_code(9)
    assert toy.handle_code(Event.tick).label == "tick"


@pytest.mark.parametrize("code", [True, False, 0.0, 2.0, "0", None, [0], State.Idle])
def test_an_event_code_is_an_int_or_an_event_member(code):
    toy = Toy()
    with pytest.raises(InvalidEvent) as refused:
        toy.handle_code(code)
    assert refused.value.reason is UNKNOWN and toy.state is State.Idle


@pytest.mark.parametrize("name", [["go"], ("go",), None, 2, b"go"])
def test_an_event_name_is_a_str(name):
    with pytest.raises(InvalidEvent) as refused:
        Toy().handle(name)
    assert refused.value.reason is UNKNOWN


# ---------------------------------------------------------------- monitor mode


def deadlines(within: int, steps: list[tuple[bool, bool, bool]]) -> list[tuple[int, list[int]]]:
    """(pending after, violated) per step of (armed, is_tick, holds) for one response."""
    pending, out = [-1], []
    for armed, is_tick, holds in steps:
        violated = advance_responses(pending, (Response(7, within),), [0] if armed else [],
                                     is_tick, (holds,))
        out.append((pending[0], violated))
    return out


def test_response_within_zero_is_judged_at_its_trigger():
    assert deadlines(0, [(True, False, False)]) == [(-1, [7])]
    assert deadlines(0, [(True, False, True)]) == [(-1, [])]


def test_response_counts_ticks_and_fails_at_the_deadline_tick():
    steps = [(True, False, False), (False, False, False), (False, True, False),
             (False, True, False)]
    assert deadlines(2, steps) == [(2, []), (2, []), (1, []), (-1, [7])]


def test_response_is_met_by_any_later_post_state():
    assert deadlines(2, [(True, False, False), (False, True, True), (False, True, False)]) == [
        (2, []), (-1, []), (-1, [])]


def test_a_new_trigger_while_pending_keeps_the_older_deadline():
    steps = [(True, True, False), (True, True, False), (True, True, False)]
    assert deadlines(2, steps) == [(2, []), (1, []), (-1, [7])]


def test_a_tick_counts_down_before_a_trigger_arms():
    # armed on a tick: the deadline counts from that tick's post-state
    assert deadlines(1, [(True, True, False), (False, True, False)]) == [(1, []), (-1, [7])]


def test_monitor_judges_each_step_and_leaves_it_applied():
    toy = Toy(monitor=True)
    assert toy.monitor and type(toy) is MonitoredToy and isinstance(toy, Toy)
    toy.handle("go", speed=3)  # arms PS-91: the speed must be 0 within 2 ticks
    toy.tick()
    with pytest.raises(PropertyViolation) as violation:
        toy.tick()
    v = violation.value
    assert v.property is PROPERTIES[1] and v.event == "tick" and toy._speed == 3
    assert v.result.label == "tick" and v.rejection is None


def test_monitor_judges_a_rejected_step_but_not_an_ill_formed_one():
    toy = Toy(monitor=True)
    toy._speed = 10  # a state breaking PS-90: the rejected step below is judged in it
    with pytest.raises(PropertyViolation) as violation:
        toy.handle("go", speed=7)
    assert violation.value.property is PROPERTIES[0]
    assert isinstance(violation.value.rejection, Rejected)
    with pytest.raises(InvalidEvent):
        toy.handle("go", rate=1)


def recoveries(sequence, events: list[tuple[str, tuple]]) -> list[int]:
    """The steps (0-based) at which ``sequence`` was just applied."""
    matched: list[list[int]] = [[]]
    out = []
    for index, (event, args) in enumerate(events):
        if advance_recoveries(matched, (Recovery(0, sequence),), event, args):
            out.append(index)
    return out


def test_a_recovery_sequence_is_seen_wherever_it_starts():
    twice_then_tick = (("go", ()), ("go", ()), ("tick", ()))
    run = [("go", (1,)), ("go", (2,)), ("go", (3,)), ("tick", ()), ("go", (1,)), ("tick", ())]
    assert recoveries(twice_then_tick, run) == [3]
    assert recoveries((("go", ((0, 3),)),), run) == [2]  # a fixed parameter must match
    assert recoveries((("tick", ()),), run) == [3, 5]


def test_monitor_checks_a_recovery_where_its_sequence_ends():
    toy = Toy(monitor=True)
    with pytest.raises(PropertyViolation) as violation:
        toy.handle("go", speed=0)  # go at speed 0 must end idle (it does not)
    assert violation.value.property is PROPERTIES[2]
    toy.handle("go", speed=1)  # not the sequence


def test_monitor_checks_completeness_of_rejections():
    toy = Toy(monitor=True)
    with pytest.raises(Rejected):
        toy.handle("go", speed=7)  # a reason from the spec
    with pytest.raises(PropertyViolation) as violation:
        toy.handle("go", speed=9)
    assert violation.value.property is CHECKS[1] and violation.value.rejection.reason is NO_TRANSITION


def test_monitor_reports_the_value_a_range_check_found():
    toy = Toy(monitor=True)  # the hand-written toy does not check its parameter's range
    with pytest.raises(PropertyViolation) as violation:
        toy.handle("go", speed=-4)
    v = violation.value
    assert v.violated == (CHECKS[0],) and v.observed == (("speed", -4, "-4"),) and toy.speed == -4


def test_monitor_shows_the_value_a_check_found_in_the_spec_units(monkeypatch):
    monkeypatch.setattr(runtime.Snapshot, "_QUANTITIES", {"speed": SPEED})
    with pytest.raises(PropertyViolation) as violation:
        Toy(monitor=True).handle("go", speed=-4)
    assert violation.value.observed == (("speed", -4, "-4 steps (-0.1 U)"),)
    assert str(violation.value).endswith("speed = -4 steps (-0.1 U)) after go handled in Idle -> Running")


def test_monitor_checks_invariants_on_construction():
    class Broken(MonitoredToy):
        __slots__ = ()

        def _check_invariants(self) -> list[int]:
            return [0]

    with pytest.raises(PropertyViolation) as violation:
        Broken()
    assert violation.value.event == "start"


# ---------------------------------------------------------------- as the generator copies it


def test_runtime_imports_only_the_standard_library():
    imports, body = runtime_parts()
    assert set(imports) <= set(sys.stdlib_module_names) | {"__future__"}
    assert not any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(ast.parse(body)))


def test_runtime_names_do_not_collide_with_the_spec_part():
    assert not RUNTIME_NAMES & set(MODULE_NAMES)
    assert {"Controller", "Monitor", "Rejected", "EventTable", "advance_responses"} <= RUNTIME_NAMES


def test_generated_controller_carries_the_runtime_verbatim(toy, toy_gen):
    _, body = runtime_parts()
    text = emit(toy)["toy_pump.py"]
    assert text.count(body) == 1
    assert toy_gen.Rejected.__module__ == toy_gen.__name__  # its own copy, not this module's
    assert toy_gen.ToyPump.__mro__[1].__name__ == "Controller"
