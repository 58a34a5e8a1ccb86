"""The pumpspec-trace/1 JSON format (compiler/trace.py): round trip and located errors."""
from __future__ import annotations

import json

import pytest

from compiler.trace import Trace, TraceError, TraceStep, from_json, to_json
from irfixtures import toy_pump

TOY = toy_pump()
SLOW, FAST = (TOY.enums[0].members.index(m) for m in ("slow", "fast"))


def toy_trace() -> Trace:
    return Trace(
        pump="ToyPump", spec_hash="0" * 64, origin="prove: TP-14 violated", violation=("TP-14", 4),
        steps=(
            TraceStep("fill", (("amount", 120),)),
            TraceStep("set_rate", (("rate", 7), ("mode", FAST))),
            TraceStep("tick", (), repeat=2, expect=(("state", "Idle"),)),
            TraceStep("boost", (("amount", 30), ("force", True))),
        ))


def test_round_trip_keeps_every_field():
    text = to_json(toy_trace(), TOY)
    assert from_json(text, TOY) == toy_trace()
    doc = json.loads(text)
    assert doc["format"] == "pumpspec-trace/1"
    assert doc["steps"][1] == {"event": "set_rate", "params": {"rate": 7, "mode": "fast"}}
    assert doc["steps"][2] == {"event": "tick", "repeat": 2, "expect": {"state": "Idle"}}


def test_expanded_unrolls_repeats():
    events = [s.event for s in toy_trace().expanded()]
    assert events == ["fill", "set_rate", "tick", "tick", "boost"]


def steps_doc(*steps) -> str:
    return json.dumps({"format": "pumpspec-trace/1", "steps": list(steps)})


@pytest.mark.parametrize("text,message", [
    ("{", "t.json:1:2: not valid JSON"),
    (json.dumps({"steps": []}), "t.json: not a pumpspec-trace/1 trace"),
    (steps_doc({"params": {}}), "t.json: step 0: each step needs an \"event\" name"),
    (steps_doc({"event": "tick", "repeat": 0}), "t.json: step 0: \"repeat\" must be a positive integer"),
    (steps_doc({"event": "launch"}), "t.json: step 0: unknown event `launch`"),
    (steps_doc({"event": "go"}, {"event": "fill"}),
     "t.json: step 1: missing parameter `amount` (`fill` takes `amount`)"),
    (steps_doc({"event": "go", "params": {"amount": 3, "volume": 2}}),
     "t.json: step 0: unknown parameters `amount`, `volume` (`go` takes no parameters)"),
    (steps_doc({"event": "set_rate", "params": {"rate": 3, "mode": "turbo"}}),
     "t.json: step 0: `mode`: expected one of none, slow, fast, got 'turbo'"),
    (steps_doc({"event": "boost", "params": {"amount": 3, "force": 1}}),
     "t.json: step 0: `force`: expected true or false, got 1"),
    (steps_doc({"event": "fill", "params": {"amount": True}}),
     "t.json: step 0: `amount`: expected an integer"),
])
def test_errors_say_where(text, message):
    with pytest.raises(TraceError) as info:
        from_json(text, TOY, "t.json")
    assert str(info.value).startswith(message), str(info.value)


def test_a_trace_for_another_pump_that_does_not_fit_says_so():
    doc = {"format": "pumpspec-trace/1", "pump": "SyringeDriver",
           "steps": [{"event": "tick"}, {"event": "load", "params": {"amount": 100}}]}
    with pytest.raises(TraceError) as info:
        from_json(json.dumps(doc), TOY, "t.json")
    assert str(info.value).startswith("t.json: step 1: unknown event `load` (known: ")
    assert str(info.value).endswith("; the trace is for pump `SyringeDriver`, the spec defines "
                                    "`ToyPump`: replay it with the spec of `SyringeDriver`")
    # the same error in a trace for this pump (or naming none) has no such note
    for pump in ("ToyPump", None):
        with pytest.raises(TraceError) as info:
            from_json(json.dumps(doc | {"pump": pump} if pump else
                                 {k: v for k, v in doc.items() if k != "pump"}), TOY, "t.json")
        assert "the trace is for pump" not in str(info.value)


def test_enum_values_are_member_names():
    trace = from_json(steps_doc({"event": "set_rate", "params": {"mode": "slow", "rate": 5}}), TOY)
    assert trace.steps[0].params == (("rate", 5), ("mode", SLOW))
