"""Reading a proof run (compiler/prove/report.py): the per-requirement lines, step numbers
of a counterexample's header, table and trace, long counterexamples compressed."""
from __future__ import annotations

import json

from compiler import trace as tr
from compiler.cli import main
from compiler.pipeline import prove
from compiler.prove import Options
from compiler.prove import report as rp

from irfixtures import ROOT, load_spec

EXAMPLES = ROOT / "spec" / "examples" / "prove"

# a syringe driver whose bolus makes two motor steps on some ticks: the first is the 3rd
# tick of the bolus, and the exploration reaches the violation after a tick macro-step
EARLY_TICK = """\
pump EarlyTick
units { step = 0.01 U  tick = 1 s  clock = 10 MHz }
var vtbi : 0 .. 50 U = 0 U
var rate : 0 .. 20 U/h = 0 U/h
var bolus_left : 0 .. 1 U = 0 U
state Idle initial reject others "x"
state Infusing reject others "x"
state Bolusing reject others "x"
event program(volume: 0 .. 50 U, speed: 0 .. 20 U/h)
event bolus
motor {
    step_high = 5 us  step_low = 5 us  max_rate = 2 U/min  max_steps_per_tick = 3
    moves in Infusing, Bolusing
    budget vtbi
    source infusion rate rate during Infusing, Bolusing
    source bol rate 1 U/min during Bolusing limit bolus_left
    watchdog W-1 = 5 s
}
on program from Idle -> Infusing do vtbi := volume; rate := speed
on bolus from Infusing -> Bolusing when 1 U <= vtbi do bolus_left := 1 U
every tick do vtbi := vtbi - steps; bolus_left := bolus_left - bol.steps
on tick from Infusing, Bolusing -> Idle when vtbi - steps == 0 U do bolus_left := 0 U
on tick from Bolusing -> Infusing when bolus_left - bol.steps == 0 U
assert T-1 "at most one step a tick" on tick: steps <= 1 step
"""

# a bolus over a basal of 10 U/h: a tick of three steps after eight ticks of bolus,
# reached by a tick macro-step
MOTOR_OVERRUN = """\
pump MotorOverrun
units { step = 0.025 U  tick = 1 s  clock = 12 MHz }
var reservoir  : 0 .. 300 U = 0 U
var bolus_left : 0 .. 20 U = 0 U
var basal_rate : 0 .. 10 U/h = 0 U/h
state Idle initial reject others "x"
state Delivering reject others "x"
state Bolusing reject others "x"
event refill(amount: 0 .. 300 U)
event set_basal(rate: 0 .. 10 U/h)
event start
event bolus(amount: 0 .. 20 U)
motor {
    step_high = 4 us  step_low = 4 us  max_rate = 3 U/min  max_steps_per_tick = 2
    moves in Delivering, Bolusing
    budget reservoir
    source basal rate basal_rate during Delivering, Bolusing
    source bol rate 2 U/min during Bolusing limit bolus_left
    watchdog W-1 = 10 s
}
on refill from Idle do reservoir := amount
on set_basal from Idle do basal_rate := rate
on start from Idle -> Delivering
on bolus from Delivering -> Bolusing when amount <= reservoir do bolus_left := amount
every tick do reservoir := reservoir - steps; bolus_left := bolus_left - bol.steps
on tick from Bolusing -> Delivering when bolus_left - bol.steps == 0 U
"""

# a counter that needs 1,500 ticks to break R-1 and 1,700 to break R-2
LONG_RUN = (ROOT / "spec" / "examples" / "prove" / "long_counterexample.pump").read_text()


def proved(tmp_path, text: str, *only: str):
    spec = tmp_path / "spec.pump"
    spec.write_text(text)
    module = load_spec(spec)
    return spec, module, prove(module, Options(timeout=10, only=only))


def check(report, key):
    return next(c for c in report.checks if c.key == key)


def data_rows(table: str) -> list[str]:
    return [line for line in table.splitlines()[1:] if line.strip()]


def test_requirement_line_shows_the_title_of_the_check_that_gives_its_verdict(tmp_path):
    # M-10 holds (first), the second M-10 claim is violated: the line names the violated one
    text = (EXAMPLES / "invariant_violated.pump").read_text().replace(
        'invariant M-20 "a running dose fits', 'invariant M-10 "a running dose fits')
    _, _, report = proved(tmp_path, text, "M-10")
    (group,) = [g for g in rp.groups(report) if g.id == "M-10"]
    assert group.verdict == "violated"
    assert group.title == "a running dose fits in the reservoir (+1 more)"
    assert group.lead.outcome == "violated" and group.lead.title in group.title
    line = next(x for x in rp.group_lines(report) if x.split()[0] == "M-10")
    assert line.split()[1] == "violated" and line.endswith("a running dose fits in the reservoir "
                                                            "(+1 more)")


def test_violation_within_a_macro_step_is_its_first_violating_step(tmp_path, capsys):
    spec, module, report = proved(tmp_path, EARLY_TICK, "T-1")
    c = check(report, "T-1")
    cex = c.verdict.cex
    # the first tick stepping twice is step 3 (program, bolus, tick, tick); the search
    # reached the violation after a macro-step of 59 ticks, at step 61: cut there
    assert c.outcome == "violated" and cex.events == 4
    assert rp.message(c) == "assertion T-1 violated at step 3 (`tick`)"
    table = rp.step_table(report, cex, (c.id, 3))
    assert data_rows(table)[-1].startswith("3 ") and data_rows(table)[-1].endswith("<- violates T-1")
    trace = rp.to_trace(report, c)
    assert trace.violation == ("T-1", 3) and rp.trace_json(report, c)["violation_step"] == 3
    path = tmp_path / "t1.json"
    path.write_text(tr.to_json(trace, module))
    capsys.readouterr()
    assert main(["simulate", str(spec), str(path), "--monitor"]) == 1
    out = capsys.readouterr().out
    assert "first violation: T-1 at step 3" in out
    assert "reproduces the recorded violation: T-1 at step 3" in out


def test_header_counts_the_steps_the_table_shows(tmp_path):
    # motor overrun after a tick macro-step: the header counts expanded steps
    _, _, report = proved(tmp_path, MOTOR_OVERRUN, "motor")
    c = check(report, "motor.steps")
    cex = c.verdict.cex
    assert cex.repeat, "the counterexample should use a tick macro-step"
    last = data_rows(rp.step_table(report, cex, (c.id, rp.violation_step(cex))))[-1]
    assert rp.message(c) == f"a tick commands more than max_steps_per_tick after {cex.events} steps"
    assert last.split()[0] == str(cex.events - 1) == str(rp.to_trace(report, c).violation[1])


def test_long_counterexample_is_compressed_and_still_replays(tmp_path, capsys):
    spec, module, report = proved(tmp_path, LONG_RUN, "R-1", "R-2")
    for key, step in (("R-1", 1500), ("R-2", 1700)):
        c = check(report, key)
        rows = data_rows(rp.step_table(report, c.verdict.cex, (key, step)))
        assert [r.split()[0] for r in rows] == ["0", f"1-{step - 1}", str(step)]
        assert f"tick x{step - 1:,}" in rows[1] and rows[2].endswith(f"<- violates {key}")
        doc = rp.trace_json(report, c)
        assert [(s["index"], s["repeat"]) for s in doc["steps"]] == [(0, 1), (1, step - 1),
                                                                    (step, 1)]
        assert doc["length"] == step + 1 and doc["violation_step"] == step
        trace = rp.to_trace(report, c)
        assert [(s.event, s.repeat) for s in trace.steps] == [("go", 1), ("tick", step - 1),
                                                              ("tick", 1)]
        path = tmp_path / f"{key}.json"
        path.write_text(tr.to_json(trace, module))
        capsys.readouterr()
        assert main(["simulate", str(spec), str(path), "--monitor"]) == 1
        assert f"reproduces the recorded violation: {key} at step {step}" in capsys.readouterr().out
    capsys.readouterr()
    main(["prove", str(spec), "--only", "R-1", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    (r1,) = [c for c in doc["files"][0]["checks"] if c["key"] == "R-1"]
    assert len(r1["counterexample"]["steps"]) == 3
