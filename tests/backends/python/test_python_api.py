"""The reference controller through its public API (docs/controller.md).

The safety refusals the issue names — priming while inserted, reusing a removed set, a
bolus above the maximum, a bolus while disconnected, delivery while an alarm is
latched — each raise Rejected with the spec's reason and requirement id, and leave the
controller exactly as it was. Ill-formed events raise InvalidEvent and change nothing.
"""
from __future__ import annotations

import pytest

U = 40  # steps per insulin unit in the reference spec (0.025 U per step)


@pytest.fixture
def gen(reference_gen):
    return reference_gen


@pytest.fixture
def pump(gen):
    return gen.InfusionPump()


def ready(gen, pump, site=None):
    """Power on, load, fill and prime a set, insert it: Idle, inserted and connected."""
    pump.tick()
    pump.handle("load_set", kind=gen.SetKind.teflon)
    pump.handle("refill", amount=300 * U)
    pump.handle("prime", amount=10)
    for _ in range(10):
        pump.tick()
    pump.handle("insert", at=site if site is not None else gen.Site.abdomen_l)
    assert pump.state == gen.State.Idle and pump.inserted and pump.connected and pump.primed
    return pump


def delivering(gen, pump):
    ready(gen, pump)
    pump.handle("set_basal", rate=U)  # 1 U/h
    pump.handle("start")
    assert pump.state == gen.State.Delivering
    return pump


def refused(gen, pump, event, requirement=None, code=None, **params):
    """Handle an event that must be refused; check nothing changed; return the refusal."""
    before, lets = pump.snapshot(), pump.tick_lets()
    with pytest.raises(gen.Rejected) as info:
        pump.handle(event, **params)
    assert pump.snapshot() == before and pump.tick_lets() == lets
    if requirement is not None:
        assert info.value.requirement == requirement, str(info.value)
    if code is not None:
        assert info.value.code == code, str(info.value)
    assert str(info.value).startswith(f"{event} rejected in {before.state.name}: ")
    return info.value


def test_refuses_priming_while_inserted(gen, pump):
    ready(gen, pump)
    r = refused(gen, pump, "prime", "PS-01", amount=10)
    assert r.text == "disconnect from the body before priming"
    # disconnected, the same prime is allowed (quick-disconnect leaves the cannula in)
    pump.handle("disconnect")
    assert pump.handle("prime", amount=10).accepted
    assert pump.state == gen.State.Priming


def test_refuses_reusing_a_removed_set(gen, pump):
    ready(gen, pump)
    pump.handle("remove_set")
    refused(gen, pump, "insert", "PS-07", at=gen.Site.thigh_l)
    # loading the same set again is a new set: priming is required anew (PS-02)
    pump.handle("load_set", kind=gen.SetKind.teflon)
    refused(gen, pump, "insert", "PS-02", at=gen.Site.thigh_l)


def test_refuses_the_same_site_twice(gen, pump):
    ready(gen, pump, gen.Site.hip)
    pump.handle("remove_set")
    pump.handle("load_set", kind=gen.SetKind.steel)
    pump.handle("prime", amount=5)
    for _ in range(5):
        pump.tick()
    refused(gen, pump, "insert", "PS-10", at=gen.Site.hip)
    assert pump.handle("insert", at=gen.Site.arm_r).accepted


def test_refuses_a_bolus_above_the_maximum(gen, pump):
    delivering(gen, pump)
    r = refused(gen, pump, "bolus", "PS-22", amount=25 * U + 1)
    assert (r.code, r.text) == (41, "above the maximum bolus")
    assert pump.handle("bolus", amount=25 * U).accepted  # the maximum itself is fine
    refused(gen, pump, "bolus", "PS-23", amount=1)  # and only one at a time


def test_refuses_a_bolus_while_disconnected(gen, pump):
    delivering(gen, pump)
    pump.handle("disconnect")  # stops delivery (PS-11)
    assert pump.state == gen.State.Suspended and not pump.connected
    refused(gen, pump, "bolus", amount=U)
    refused(gen, pump, "start", "PS-11")
    assert pump.tick().total == 0


def test_refuses_delivery_while_an_alarm_is_latched(gen, pump):
    delivering(gen, pump)
    pump.handle("bolus", amount=2 * U)
    pump.handle("occlusion")
    assert pump.state == gen.State.Alarm and pump.alarm_latched and not pump.motor_enabled
    assert pump.bolus_left == 0  # PS-32: the bolus is cancelled, not resumed
    refused(gen, pump, "start", "PS-31")
    refused(gen, pump, "bolus", "PS-31", amount=U)
    refused(gen, pump, "prime", "PS-31", amount=10)
    for _ in range(120):
        assert pump.tick() == (0, 0, 0, 0, 0, None)
    # acknowledged, but the occlusion is still there: still latched
    pump.handle("acknowledge")
    pump.tick()
    assert pump.state == gen.State.Alarm
    pump.handle("clear_occlusion")
    assert pump.tick().transition is not None and pump.state == gen.State.Idle
    assert not pump.alarm_latched


def test_invalid_events_change_nothing(gen, pump):
    delivering(gen, pump)
    cases = [
        (("no_such_event",), {}, 1, "unknown event 'no_such_event'"),
        (("bolus",), {"amount": 4001}, 2, "`amount` must be an integer in 0..4000"),
        (("bolus",), {"amount": -1}, 2, "got -1"),
        (("bolus",), {"amount": True}, 2, "got True"),
        (("bolus",), {"amount": "40"}, 2, "'40' is not a quantity such as '2.5 U'"),
        (("bolus",), {"amount": "1.01 U"}, 2, "40.4 steps is not a whole number of steps"),
        (("bolus",), {"amount": "1 h"}, 2, "does not measure what `amount` measures (U)"),
        (("bolus",), {"amount": 4.0}, 2, "got 4.0"),
        (("bolus",), {}, 2, "missing: amount"),
        (("bolus",), {"amount": 1, "speed": 2}, 2, "unexpected: speed"),
        (("bolus",), {"amont": 1}, 2, "missing: amount, unexpected: amont"),
        (("tick",), {"n": 3}, 2, "unexpected: n"),
        (("insert",), {"at": 9}, 2, "a Site member (0..8"),
        (("suspend",), {"now": True}, 2, "unexpected: now"),
    ]
    for args, params, code, message in cases:
        before = pump.snapshot()
        with pytest.raises(gen.InvalidEvent) as info:
            pump.handle(*args, **params)
        assert info.value.code == code and message in str(info.value), str(info.value)
        assert pump.snapshot() == before
    with pytest.raises(gen.InvalidEvent, match="takes 1 parameters"):
        pump.handle_code(gen.Event.bolus)
    with pytest.raises(gen.InvalidEvent, match="unknown event 99"):
        pump.handle_code(99)


def test_values_must_have_the_declared_type(gen, reference):
    """The parameter rule of docs/controller.md, in the controller and the evaluator: a
    bool is a bool, an integer an int (not a bool, not an enum member), an enum value a
    member of that enum or its index as an int. Refused with reason 2, nothing changed."""
    from enum import IntEnum

    from compiler.eval.evaluator import Evaluator
    from compiler.ir import nodes as ir

    class Site(IntEnum):  # the reference's Site as another build of the controller has it
        none = 0
        abdomen_l = 1

    class Knot(IntEnum):  # named like the reference's Site, another member at index 1
        none = 0
        knot = 1
    Knot.__name__ = "Site"
    cases = [
        ("refill", {"amount": gen.State.Alarm}, False),  # another enum's member
        ("refill", {"amount": gen.Site.abdomen_l}, False),
        ("refill", {"amount": True}, False),
        ("refill", {"amount": 4.0}, False),
        ("refill", {"amount": 400}, True),
        ("insert", {"at": gen.SetKind.teflon}, False),
        ("insert", {"at": True}, False),
        ("insert", {"at": 1.0}, False),
        ("insert", {"at": Knot.knot}, False),
        ("insert", {"at": gen.Site.abdomen_l}, True),
        ("insert", {"at": Site.abdomen_l}, True),
        ("insert", {"at": 1}, True),
    ]
    ev = Evaluator(reference)
    for event, params, well_typed in cases:
        pump = gen.InfusionPump()
        loaded(gen, pump)
        before = pump.snapshot()
        try:
            pump.handle(event, **params)
            code = None
        except gen.Rejected as r:
            code = r.code
        assert (code != 2) == well_typed, (event, params, code)
        if not well_typed:
            assert pump.snapshot() == before
        _, outcome = ev.step(ev.initial(), event, params)
        assert (outcome.reason != ir.REASON_PARAM_RANGE) == well_typed, (event, params, outcome)


def loaded(gen, pump):
    pump.tick()
    pump.handle("load_set", kind=gen.SetKind.teflon)


@pytest.mark.parametrize("code", [True, False, 1.0, 15.0, "15", [15], None])
def test_an_event_code_must_be_an_int(gen, pump, code):
    pump.tick()
    before = pump.snapshot()
    with pytest.raises(gen.InvalidEvent) as info:
        pump.handle_code(code)
    assert info.value.code == 1 and pump.snapshot() == before


def test_a_member_of_another_enum_is_not_an_event_code(gen, pump):
    with pytest.raises(gen.InvalidEvent):
        pump.handle_code(gen.State(1))
    assert pump.handle_code(gen.Event.tick).transition is not None


@pytest.mark.parametrize("name", [["bolus"], ("bolus",), None, 15, b"bolus"])
def test_an_event_name_must_be_a_str(gen, pump, reference, name):
    from compiler.eval.evaluator import Evaluator

    with pytest.raises(gen.InvalidEvent) as info:
        pump.handle(name)
    assert info.value.code == 1
    ev = Evaluator(reference)
    assert ev.step(ev.initial(), name)[1].reason.code == 1


def test_every_event_by_name_code_and_method_agrees(gen):
    a, b, c = gen.InfusionPump(), gen.InfusionPump(), gen.InfusionPump()
    script = [("tick", {}), ("load_set", {"kind": 1}), ("refill", {"amount": 400}),
              ("prime", {"amount": 3}), ("tick", {}), ("tick", {}), ("stop", {}),
              ("rewind", {}), ("refill", {"amount": 0}), ("reset", {})]
    for event, params in script:
        results = []
        method = {"tick": "tick", "reset": "reset"}.get(event, "handle_" + event)
        calls = ((a, lambda p, e=event, kw=params: p.handle(e, **kw)),
                 (b, lambda p, e=event, kw=params: p.handle_code(gen.Event[e], *kw.values())),
                 (c, lambda p, m=method, kw=params: getattr(p, m)(**kw)))
        for pump, call in calls:
            try:
                results.append(call(pump))
            except gen.Rejected as r:
                results.append(("rejected", r.code))
        assert results[0] == results[1] == results[2], (event, results)
        assert a.snapshot() == b.snapshot() == c.snapshot()


def test_state_is_read_only(gen, pump):
    with pytest.raises(AttributeError):
        pump.reservoir = 5
    with pytest.raises(AttributeError):
        pump.state = gen.State.Delivering
    with pytest.raises(AttributeError):
        pump.anything = 1  # __slots__: no new attributes either


def test_values_are_typed(gen, pump, reference):
    ready(gen, pump)
    assert pump.last_site is gen.Site.abdomen_l and pump.last_site == 1
    assert pump.set_kind is gen.SetKind.teflon
    assert pump.inserted is True and type(pump.reservoir) is int
    snap = pump.snapshot()
    assert snap.state is gen.State.Idle and snap.value("last_site") is gen.Site.abdomen_l
    assert [name for name, _ in snap.values] == [v.name for v in reference.variables]


def test_basal_is_exact_over_an_hour(gen, pump):
    """PS-21: at 1.2 U/h (48 steps/h), exactly 48 basal steps in 3600 ticks, no drift."""
    ready(gen, pump)
    pump.handle("set_basal", rate=48)
    pump.handle("start")
    counts = [pump.tick().basal for _ in range(3600)]
    assert sum(counts) == 48 and max(counts) == 1
    assert sum(counts[:75]) == 1 and sum(counts[:74]) == 0  # first step after 3600/48 s


def test_tick_breakdown(gen, pump):
    delivering(gen, pump)
    pump.handle("bolus", amount=3)
    steps = [pump.tick() for _ in range(4)]
    assert [s.bolus for s in steps] == [1, 1, 1, 0]
    assert all(s.total == s.basal + s.bolus + s.prime + s.fill for s in steps)
    assert steps[2].transition is not None and pump.state == gen.State.Delivering
    assert steps[0].accepted and steps[0].status == "accepted"


def test_reset_keeps_persistent_state_and_cancels_the_bolus(gen, pump):
    delivering(gen, pump)
    pump.handle("bolus", amount=U)
    pump.tick()
    reservoir = pump.reservoir
    assert pump.reset() == gen.ACCEPTED
    assert pump.state == gen.State.SelfTest and pump.bolus_left == 0  # PS-34
    assert pump.reservoir == reservoir and pump.inserted and pump.last_site is gen.Site.abdomen_l
    assert not pump.motor_enabled
    assert pump.tick().total == 0 and pump.state == gen.State.Idle


def test_ignored_and_accepted_outcomes(gen, pump):
    pump.tick()
    outcome = pump.handle("occlusion")  # Idle: recorded, no state change
    assert outcome.accepted and outcome.transition is not None and pump.occluded
    assert outcome.label.startswith(f"#{outcome.transition} on occlusion from")


def test_shared_encodings_match_the_ir(gen, reference):
    assert {e.name: int(e) for e in gen.Event} == {e.name: e.code for e in reference.events}
    assert [(r.code, r.text, r.requirement) for r in gen.REASONS] == \
        [(r.code, r.text, r.requirement) for r in reference.reasons]
    assert [s.name for s in gen.State] == list(reference.state_type.members)
    for enum in reference.enums:
        assert [m.name for m in getattr(gen, enum.name)] == list(enum.members)
    assert gen.EVENT_PARAMS["bolus"] == ("amount",)
    assert gen.SPEC_SHA256 == reference.source_hash
    assert [p.id for p in gen.PROPERTIES] == [p.id for p in reference.properties]


def test_monitor_mode_on_a_legal_day(gen):
    pump = gen.InfusionPump(monitor=True)
    assert pump.monitor and isinstance(pump, gen.InfusionPump)
    assert type(pump).__name__ == "MonitoredInfusionPump"
    delivering(gen, pump)
    pump.handle("bolus", amount=U)
    for _ in range(200):
        pump.tick()
    pump.handle("suspend")
    pump.handle("disconnect")
    with pytest.raises(gen.Rejected):
        pump.handle("prime", amount=1000)  # above what is left: rejected, still monitored
    pump.handle("connect")
    pump.handle("start")
    pump.handle("occlusion")
    pump.tick()
    pump.handle("acknowledge")
    pump.handle("clear_occlusion")
    pump.tick()
    pump.reset()
    pump.tick()
    assert pump.state == gen.State.Idle
    plain = gen.InfusionPump()
    assert not plain.monitor and type(plain) is gen.InfusionPump


@pytest.mark.parametrize(("params", "message"), [
    ({"amount": "1.01 U"},
     "bolus rejected in SelfTest: `amount` = '1.01 U': 40.4 steps is not a whole number of "
     "steps (0.025 U); round it explicitly (Domain.floor) [reason 2]"),
    ({"amount": 4001},
     "bolus rejected in SelfTest: `amount` must be an integer in 0..4000 (steps: 0 U .. 100 U), "
     "got 4001 [reason 2]"),
])
def test_an_invalid_parameter_says_what_is_wrong_with_it(pump, params, message):
    """The message is what is wrong (reason 2's text names only a value out of range)."""
    with pytest.raises(Exception) as info:
        pump.handle("bolus", **params)
    assert str(info.value) == message and info.value.code == 2


@pytest.mark.parametrize(("value", "message"), [
    ("arm_l", "`at` = 'arm_l' is text: it takes a member of its enum or its index "
              "(arm_l is 5)"),
    ("elbow", "`at` = 'elbow' is no member of its enum (none, abdomen_l, abdomen_r, thigh_l, "
              "thigh_r, arm_l, arm_r, hip, lower_back)"),
])
def test_an_enum_parameter_given_as_text_says_so(gen, pump, value, message):
    before = pump.snapshot()
    with pytest.raises(gen.InvalidEvent) as info:
        pump.handle("insert", at=value)
    assert info.value.detail == message and info.value.code == 2 and pump.snapshot() == before
    assert "declared range" not in str(info.value)
