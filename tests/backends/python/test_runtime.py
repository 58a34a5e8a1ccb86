"""The controller runtime (compiler/backends/python/runtime.py) on its own, and how the
generator copies it into a controller."""
from __future__ import annotations

import ast
import sys
from enum import IntEnum

import pytest

from compiler.backends.python import emit, runtime
from compiler.backends.python.emit import MODULE_NAMES, runtime_names, runtime_parts
from compiler.backends.python.runtime import (EventTable, InvalidEvent, Outcome, Property,
                                              PropertyViolation, Reason, Rejected, Response,
                                              advance_responses)


class State(IntEnum):
    Idle = 0
    Running = 1


UNKNOWN = Reason(1, "unknown event", None)
BAD_PARAMS = Reason(2, "parameter outside its declared range", None)
TOO_FAST = Reason(4, "too fast", "PS-99")
EVENTS = EventTable({"tick": (), "go": ("speed",)}, {0: "tick", 2: "go"}, tuple(State),
                    UNKNOWN, BAD_PARAMS)
PROPERTIES = (Property("PS-90", "invariant", "speed stays below 10"),
              Property("PS-91", "response", "a stop halts within 2 ticks"))


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

    def tick(self) -> Outcome:
        return Outcome("accepted", None, "tick")

    def handle_go(self, speed: int) -> Outcome:
        if speed > 5:
            raise Rejected("go", TOO_FAST, tuple(State)[self._state])
        self._state, self._speed = 1, speed
        return Outcome("accepted", 0, "go")


class MonitoredToy(runtime.Monitor, Toy):
    __slots__ = ("_pending",)
    _properties = PROPERTIES
    _responses = (Response(1, 2),)

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

    def _check_tick(self, pre: Toy, accepted: bool) -> tuple[list[int], list[int]]:
        return [], []

    def _check_go(self, pre: Toy, accepted: bool, speed: int) -> tuple[list[int], list[int]]:
        return [], [0]  # every go arms the response


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


def test_outcome_and_snapshot():
    assert runtime.ACCEPTED.accepted and not runtime.IGNORED.accepted
    snap = runtime.Snapshot(State.Idle, (("speed", 3),))
    assert snap.value("speed") == 3
    with pytest.raises(KeyError):
        snap.value("nothing")


def test_property_violation_lists_every_property():
    v = PropertyViolation(PROPERTIES, "go", State.Idle, State.Running)
    assert v.property is PROPERTIES[0] and (v.pre_state, v.post_state) == (State.Idle, State.Running)
    assert str(v).splitlines() == ["PS-90 violated (invariant: speed stays below 10) after go "
                                   "handled in Idle -> Running",
                                   "PS-91 violated (response: a stop halts within 2 ticks)"]


def test_is_int_refuses_bools():
    assert runtime._is_int(3) and runtime._is_int(State.Running) and not runtime._is_int(True)


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
    assert not set(runtime_names()) & set(MODULE_NAMES)
    assert {"Controller", "Monitor", "Rejected", "EventTable", "advance_responses"} <= set(runtime_names())


def test_generated_controller_carries_the_runtime_verbatim(toy, toy_gen):
    _, body = runtime_parts()
    text = emit(toy)["toy_pump.py"]
    assert text.count(body) == 1
    assert toy_gen.Rejected.__module__ == toy_gen.__name__  # its own copy, not this module's
    assert toy_gen.ToyPump.__mro__[1].__name__ == "Controller"
