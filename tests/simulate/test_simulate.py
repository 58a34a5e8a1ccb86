"""`pumpspec simulate`: text traces, JSON traces, counterexamples."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.cli import main
from compiler.simulate import TraceError, read_trace, replay
from compiler.simulate.text import from_text

import irfixtures

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
SPEC = str(ROOT / "spec" / "infusion_pump.pump")
BUGGY = str(HERE / "specs" / "buggy_pump.pump")
DELIVER = str(HERE / "traces" / "deliver.trace")


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- text traces


def test_text_values_and_units(reference):
    t = from_text("""
        # comment
        refill amount=300 U        // another comment
        refill amount=12000
        refill amount=2.5U
        set_basal rate=1.2 U/h
        insert at=hip
        tick 2 min
        tick 2min
        tick 3
        bolus amount=1 U x3
        bolus amount=1 U * 2 => rejected 41 Delivering
    """, reference)
    steps = [(s.event, s.params, s.repeat, dict(s.expect)) for s in t.steps]
    site = reference.enums[0].members.index("hip")
    assert steps == [
        ("refill", (("amount", 12000),), 1, {}),
        ("refill", (("amount", 12000),), 1, {}),
        ("refill", (("amount", 100),), 1, {}),
        ("set_basal", (("rate", 48),), 1, {}),
        ("insert", (("at", site),), 1, {}),
        ("tick", (), 120, {}),
        ("tick", (), 120, {}),
        ("tick", (), 3, {}),
        ("bolus", (("amount", 40),), 3, {}),
        ("bolus", (("amount", 40),), 2, {"status": "rejected", "reason": 41,
                                         "state": "Delivering"}),
    ]


def test_text_glucose_is_one_unit():
    tour = irfixtures.load_spec(ROOT / "spec" / "examples" / "language_tour.pump")
    t = from_text("reading level=70 mg/dL\nreading level=120", tour)
    assert [s.params for s in t.steps] == [(("level", 70),), (("level", 120),)]
    with pytest.raises(TraceError, match="does not measure the same thing"):
        from_text("reading level=70 U", tour)


@pytest.mark.parametrize("line,message", [
    ("bolus amount=0.01 U", "not a whole number of steps (0.4)"),
    ("bolus amount=1 kg", "unknown unit `kg`"),
    ("bolus amount=1 h", "does not measure the same thing"),
    ("bolus amount=1.5", "needs a unit"),
    ("bolsu amount=1", "unknown event `bolsu`"),
    ("bolus volume=1", "unknown parameter `volume`; missing parameter `amount` (`bolus` takes `amount`)"),
    ("insert at=elbow", "expected one of none, abdomen_l"),
    ("bolus 40", "expected `name=value`"),
    ("bolus amount=1 => maybe", "after `=>` expected"),
])
def test_text_errors_say_where(reference, line, message):
    with pytest.raises(TraceError) as info:
        from_text(f"tick\n{line}\n", reference, "t.trace")
    assert str(info.value).startswith("t.trace:2:") and message in str(info.value), str(info.value)


def test_text_and_json_replay_identically(reference, tmp_path):
    text_trace = read_trace(DELIVER, reference)
    from compiler.simulate import trace_json
    path = tmp_path / "deliver.json"
    path.write_text(trace_json(text_trace, reference))
    json_trace = read_trace(str(path), reference)
    assert json_trace.steps == tuple(s for s in text_trace.steps)
    a, b = replay(reference, text_trace, monitor=True), replay(reference, json_trace, True)
    assert [(r.after, r.steps, r.changes) for r in a.rows] == \
        [(r.after, r.steps, r.changes) for r in b.rows]
    assert not a.violations and not a.expect_failures and a.steps == 345


# ---------------------------------------------------------------- the commands


def test_simulate_text_trace(capsys):
    code, out, err = run_cli(capsys, "simulate", SPEC, DELIVER, "--monitor")
    assert code == 0, err
    assert "replayed 345 of 345 steps; every property held" in out
    # the shared step table: parameters in spec units, a rejection with its reason's text
    (row,) = [line for line in out.splitlines() if line.startswith("340 ")]
    assert row.split()[1] == "bolus(amount=26" and \
        "rejected (41, PS-22): above the maximum bolus" in row


def test_simulate_reports_failed_expectations(capsys, tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("tick\nstart => accepted\n")
    code, out, _ = run_cli(capsys, "simulate", SPEC, str(trace))
    assert code == 1 and "expectation failed: step 1 (start): expected accepted, got rejected" in out


def test_a_repeated_step_failing_its_expectation_is_one_line(capsys, tmp_path):
    # `tick 5 => accepted Delivering` is checked after each of the 5 ticks: the ticks that
    # fail it the same way are one range, not a line each
    trace = tmp_path / "t.trace"
    trace.write_text("tick x5 => accepted Delivering\n")
    code, out, _ = run_cli(capsys, "simulate", SPEC, str(trace))
    failures = [line for line in out.splitlines() if line.startswith("expectation failed")]
    assert code == 1 and failures == [
        "expectation failed: steps 0-4 (tick, 5 repetitions): expected state Delivering, got Idle"]


def test_simulate_usage_errors(capsys, tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("tick\nbolus amount=0.01 U\n")
    code, _, err = run_cli(capsys, "simulate", SPEC, str(trace))
    assert code == 4 and "not a whole number" in err
    code, _, err = run_cli(capsys, "simulate", SPEC, str(tmp_path / "missing.trace"))
    assert code == 4 and "cannot read" in err


# ---------------------------------------------------------------- counterexamples


@pytest.fixture(scope="module")
def counterexamples(tmp_path_factory):
    """Counterexample traces of the buggy spec, written by `pumpspec prove`."""
    out = tmp_path_factory.mktemp("cx")
    code = main(["prove", BUGGY, "--trace-out", str(out), "--no-witnesses", "--quiet",
                 "--only", "BP-01", "--only", "BP-02", "--only", "BP-03", "--only", "BP-04"])
    assert code == 1, "the buggy spec's properties should be violated"
    return sorted(out.glob("*.json"))


def test_counterexamples_replay_to_the_same_violation(counterexamples, capsys):
    found = {}
    for path in counterexamples:
        doc = json.loads(path.read_text())
        want = (doc["violation"]["property"], doc["violation"]["step"])
        code, out, err = run_cli(capsys, "simulate", BUGGY, str(path), "--monitor")
        assert code == 1, out + err
        assert f"reproduces the recorded violation: {want[0]} at step {want[1]}" in out, \
            out + err
        found[want[0]] = want[1]
    assert set(found) == {"BP-01", "BP-02", "BP-03", "BP-04"}, found


def test_a_counterexample_for_another_step_is_flagged(counterexamples, capsys, tmp_path):
    doc = json.loads(counterexamples[0].read_text())
    doc["violation"]["step"] += 1
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(doc))
    code, _, err = run_cli(capsys, "simulate", BUGGY, str(wrong), "--monitor")
    assert code == 1 and "the controller found" in err


RUNS = """\
pump Runs
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var x : 0 .. 20 = 0
state Idle initial reject others "no"
state Run reject others "running"
event go
event stop
on go from Idle -> Run
on stop from Run -> Idle
every tick do x := if state == Run then min(x + 1, 20) else x
invariant V-1 "x stays small": x <= 2
assert V-2 "a tick leaves x even" on tick: next(x) mod 2 == 0
"""


def test_monitor_text_lists_every_violating_step_as_json_does(capsys, tmp_path):
    spec, trace = tmp_path / "runs.pump", tmp_path / "runs.trace"
    spec.write_text(RUNS)
    trace.write_text("go\ntick x6\nstop\ntick x2\n")
    code, out, _ = run_cli(capsys, "simulate", str(spec), str(trace), "--monitor")
    assert code == 1
    v1 = "V-1 violated (invariant: x stays small)"
    v2 = "V-2 violated (assertion: a tick leaves x even)"
    in_run = "after tick handled in Run -> Run"
    listed = out.split("first violation: V-2 at step 1\n")[1].splitlines()
    # every line says which step broke it; a run of equal lines is one range
    assert listed == [f"  step 1: {v2} {in_run}",
                      f"  steps 3-6: {v1} {in_run}",
                      f"  step 3: {v2} {in_run}",
                      f"  step 5: {v2} {in_run}",
                      f"  step 7: {v1} after stop handled in Run -> Idle",
                      f"  steps 8-9: {v1} after tick handled in Idle -> Idle"]
    code, out, _ = run_cli(capsys, "simulate", str(spec), str(trace), "--monitor",
                           "--format", "json")
    doc = json.loads(out)["files"][0]
    assert {(v["step"], p) for v in doc["violations"] for p in v["properties"]} == {
        (1, "V-2"), (3, "V-2"), (5, "V-2")} | {(s, "V-1") for s in range(3, 10)}


def test_text_and_json_traces_refuse_what_a_controller_would_reject_with_reason_1_or_2(
        capsys, tmp_path):
    # docs/traces.md, "What a trace may hold": refused before the replay (exit 4), except
    # a value of the right type outside the declared range, which replays rejected (2)
    cases = {"unknown.trace": "tick\nlaunch\n", "missing.trace": "tick\nrefill\n",
             "extra.trace": "tick\nrefill amount=1 U volume=2\n",
             "type.trace": "tick\nrefill amount=true\n"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        code, out, err = run_cli(capsys, "simulate", BUGGY, str(tmp_path / name))
        assert code == 4 and not out and err.startswith(f"error: {tmp_path / name}:2: "), name
    (tmp_path / "range.trace").write_text("tick\nrefill amount=11 U\n")
    code, out, _ = run_cli(capsys, "simulate", BUGGY, str(tmp_path / "range.trace"))
    assert code == 0 and "rejected (2): parameter outside its declared range" in out
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "pumpspec-trace/1", "pump": "SyringeDriver",
                                 "steps": [{"event": "load", "params": {"amount": 1}}]}))
    code, _, err = run_cli(capsys, "simulate", BUGGY, str(other))
    assert code == 4 and "the trace is for pump `SyringeDriver`, the spec defines `BuggyPump`" in err


# ---------------------------------------------------------------- a recorded start

START_SPEC = """pump RecStart
units { step = 0.05 U   tick = 1 s   clock = 1 MHz }
var stuck : bool = false
var level : 0 .. 10 = 0
event up
state Idle initial ignore others
on up from Idle when level < 10 else reject X-1 "full" do level := level + 1
invariant X-3 "the level stays below nine": level < 9
recover X-2 "the pump is never stuck": to not stuck by up, tick
"""


def _start_trace(tmp_path, start, violation=None):
    doc = {"format": "pumpspec-trace/1", "pump": "RecStart", "check": "X-2", "kind": "recovery",
           "start": start, "steps": [{"event": "up"}, {"event": "tick"}]}
    if violation:
        doc["violation"] = violation
    path = tmp_path / "start.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_trace_with_a_recorded_start_replays_from_it(capsys, tmp_path):
    # it replayed from the initial state without a word and said every property held
    spec = tmp_path / "rec.pump"
    spec.write_text(START_SPEC)
    trace = _start_trace(tmp_path, {"state": "Idle", "values": {"stuck": True, "level": 3}},
                         {"property": "X-2", "step": 1})
    code, out, err = run_cli(capsys, "simulate", str(spec), str(trace), "--monitor")
    assert code == 1, out + err
    assert ("warning: the trace starts from the configuration it records, not from the "
            "initial state: Idle: stuck=true, level=3") in err
    assert "level: 3 -> 4" in out and "reproduces the recorded violation: X-2 at step 1" in out
    code, out, err = run_cli(capsys, "simulate", str(spec), str(trace))  # no monitor: no check
    assert code == 0 and "level: 3 -> 4" in out and "warning: the trace starts" in err


@pytest.mark.parametrize("start, says", [
    ({"state": "Idle", "values": {"stuck": True}}, "\"start\": missing variable `level`"),
    ({"state": "Busy", "values": {"stuck": True, "level": 0}}, "expected a state (Idle)"),
    ({"state": "Idle", "values": {"stuck": True, "level": 11}},
     "`level` = 11 is outside its declared range 0 .. 10"),
    ({"state": "Idle", "values": {"stuck": True, "level": 9}},
     "the start configuration the trace records breaks X-3"),
])
def test_a_recorded_start_that_does_not_fit_the_spec_is_refused(capsys, tmp_path, start, says):
    spec = tmp_path / "rec.pump"
    spec.write_text(START_SPEC)
    code, out, err = run_cli(capsys, "simulate", str(spec), str(_start_trace(tmp_path, start)),
                             "--monitor")
    assert code == 4 and says in err and "Traceback" not in err, err
