"""The evaluator is the executable semantics (docs/semantics.md): these pin its contract."""
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.eval.evaluator import Evaluator
from compiler.ir import nodes as ir
from compiler.pipeline import analyze

HEADER = 'pump P\nunits { step = 1 U  tick = 1 s  clock = 1 MHz }\n'


def machine(body: str) -> Evaluator:
    analysis = analyze(HEADER + body, "t.pump")
    assert analysis.ok, [d.message for d in analysis.diagnostics]
    return Evaluator(analysis.module)


def run(ev: Evaluator, *events):
    config = ev.initial()
    outcomes = []
    for event in events:
        name, params = (event, {}) if isinstance(event, str) else event
        config, outcome = ev.step(config, name, params)
        outcomes.append(outcome)
    return config, outcomes


TWO_STATES = '''
state A initial reject others "not in A"
state B reject others "not in B"
persistent var kept : 0 .. 9 = 0
var lost : 0 .. 9 = 0
event go(n: 0 .. 20)
event back
on go from A -> B
    when n > 0 else reject PS-01 "n must be positive"
    when n < 10 else reject PS-02 "n too large"
    do kept := n; lost := n
on back from B -> A
'''


def test_reset_keeps_persistent_variables_and_returns_to_the_initial_state():
    ev = machine(TWO_STATES)
    config, outcomes = run(ev, ("go", {"n": 3}), "reset")
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert (config.state, config["kept"], config["lost"]) == ("A", 3, 0)


def test_rejection_reports_the_first_false_guard_and_changes_nothing():
    ev = machine(TWO_STATES)
    start = ev.initial()
    for n, req in ((0, "PS-01"), (15, "PS-02")):
        config, outcome = ev.step(start, "go", {"n": n})
        assert outcome.status == "rejected" and outcome.reason.requirement == req
        assert config == start


def test_unhandled_event_follows_the_state_policy():
    ev = machine(TWO_STATES)
    config, (outcome,) = run(ev, "back")
    assert outcome.status == "rejected" and outcome.reason.text == "not in A"


def test_malformed_events_are_rejected_with_builtin_reasons():
    ev = machine(TWO_STATES)
    start = ev.initial()
    cases = [("fly", {}, 1), ("go", {"n": 21}, 2), ("go", {"n": -1}, 2), ("go", {}, 2),
             ("go", {"n": True}, 2), ("go", {"n": 1, "extra": 0}, 2)]
    for event, params, code in cases:
        config, outcome = ev.step(start, event, params)
        assert (outcome.status, outcome.reason.code, config) == ("rejected", code, start), (event, params)


def test_event_specific_policies_and_ignore():
    ev = machine('''
state A initial reject others "no"
event ping
event pong
on ping from A ignore
on pong from A reject PS-07 "pong is refused in A"
''')
    _, (ping, pong) = run(ev, "ping", "pong")
    assert ping.status == "ignored"
    assert (pong.status, pong.reason.requirement) == ("rejected", "PS-07")


def test_a_false_guard_without_reason_gives_reason_3():
    ev = machine('state A initial reject others "no"\nvar x : 0 .. 1 = 0\nevent go\non go from A when x == 1\n')
    _, (outcome,) = run(ev, "go")
    assert outcome.reason == ir.REASON_NO_TRANSITION


def test_updates_are_simultaneous():
    ev = machine('''
state A initial reject others "no"
var a : 0 .. 9 = 1
var b : 0 .. 9 = 2
event swap
on swap from A do a := b; b := a
''')
    config, _ = run(ev, "swap")
    assert (config["a"], config["b"]) == (2, 1)


def test_tick_transitions_fire_in_declaration_order_and_override_every_tick():
    ev = machine('''
state A initial reject others "no"
state B reject others "no"
state C reject others "no"
var t : 0 .. 9 = 0
var mark : 0 .. 9 = 0
every tick do t := min(t + 1, 9); mark := 1
on tick from A -> B when t >= 0 do mark := 7
on tick from A -> C when t >= 0
''')
    config, (outcome,) = run(ev, "tick")
    assert outcome.transition == 0
    assert (config.state, config["t"], config["mark"]) == ("B", 1, 7)


def test_guards_and_updates_read_the_pre_state():
    ev = machine('''
state A initial reject others "no"
var t : 0 .. 9 = 0
var seen : 0 .. 9 = 0
every tick do t := min(t + 1, 9); seen := t
''')
    config, _ = run(ev, "tick", "tick")
    assert (config["t"], config["seen"]) == (2, 1)


RATE_SPEC = '''
state On initial reject others "no"
var rate : 0 .. 35 U/h = 0 U/h
var total : 0 .. 100000 U = 0 U
event set(r: 0 .. 35 U/h)
on set from On do rate := r
motor {
  step_high = 1 us  step_low = 1 us  max_rate = 1 U/s  max_steps_per_tick = 1
  moves in On
  source basal rate rate during On
}
every tick do total := min(total + steps, 100000 U)
'''


@settings(max_examples=25, deadline=None)
@given(rate=st.integers(0, 35), ticks=st.integers(1, 3000))
def test_source_rates_are_exact_with_no_drift(rate, ticks):
    """After t ticks at r steps per hour: exactly floor(t * r / 3600) steps, at every tick."""
    ev = machine(RATE_SPEC)
    config, _ = ev.step(ev.initial(), "set", {"r": rate})
    for t in range(1, ticks + 1):
        config, _ = ev.step(config, "tick", {})
        ideal = Fraction(t * rate, 3600)
        assert config["total"] == int(ideal)
        assert 0 <= ideal - config["total"] < 1


def test_window_buckets_shift_when_the_phase_wraps():
    ev = machine('''
state Start initial reject others "no"
state On reject others "no"
motor {
  step_high = 1 us  step_low = 1 us  max_rate = 1 U/s  max_steps_per_tick = 1
  moves in On
  source s rate 1 U/s during On
}
window w : 3 buckets of 2 s, limit 100 U, counts s
''')
    config = replace(ev.initial(), state="On")  # a source that steps every tick, from empty buckets
    history = []
    for _ in range(5):
        config, _ = ev.step(config, "tick", {})
        history.append((config["w_phase"], config["w_b0"], config["w_b1"], config["w_b2"]))
    assert history == [(1, 1, 0, 0), (0, 0, 2, 0), (1, 1, 2, 0), (0, 0, 2, 2), (1, 1, 2, 2)]


@pytest.mark.parametrize("alarm_first", [False, True])
def test_sources_stop_while_an_alarm_is_latched(alarm_first):
    ev = machine('''
state Start initial reject others "no"
state On reject others "no"
alarm stop_all
event trip
on tick from Start -> On
on trip from On do stop_all := true
motor {
  step_high = 1 us  step_low = 1 us  max_rate = 1 U/s  max_steps_per_tick = 1
  moves in On
  source s rate 1 U/s during On
}
''')
    events = ["tick"] + (["trip"] if alarm_first else []) + ["tick"]
    _, outcomes = run(ev, *events)
    assert outcomes[-1].let("steps") == (0 if alarm_first else 1)
