"""The counterexample search for the checks the proofs leave open sees only the variables
that can decide them (``Explorer.run(focus=True)``, ``macro.influence``): issue 9, item 4."""
from __future__ import annotations

from pathlib import Path

import pytest

from compiler import pipeline
from compiler.backends.python import STEPPER
from compiler.cli import main
from compiler.prove import VIOLATED, Options, Report, Verdict, checks_of
from compiler.prove import report as rp
from compiler.prove.compiled import Compiled
from compiler.prove.explore import Explorer
from compiler.prove.macro import influence
from compiler.prove.probes import probes_of

# an outside engineer's spec: motor.steps has a counterexample ~15 steps deep
SPEC = Path(__file__).parent / "specs" / "clinic_motor.pump"


def motor_check(module):
    return [c for c in checks_of(module) if c.key == "motor.steps"]


def test_the_cone_of_influence_leaves_out_what_is_only_written_for_itself():
    module = pipeline.load_module(SPEC)
    cone = influence(module, probes_of(motor_check(module)).values())
    # readings kept for display, a counter and alerts nothing compares; the window
    # buckets stay (a bolus guard reads `hourly.room`), and so do the accumulators
    assert {v.name for v in module.variables} - cone == {
        "confirm_left", "glucose", "kind", "low_glucose", "low_reservoir", "match",
        "sensor_age"}
    assert {"hourly_b6", "basal_acc", "max_bolus", "mode"} <= cone


def test_a_deep_motor_overrun_is_found_by_the_focused_search_and_replays(tmp_path, capsys):
    # the search that looks at every variable spends 3,000,000 steps on readings, alerts
    # and counters without reaching a bolus on a running basal or extended bolus; the
    # focused one reaches it within a third of that (smaller macro-steps than the
    # default run's, to keep the test short)
    module = pipeline.load_module(SPEC)
    checks = motor_check(module)
    ex = Explorer(module, Compiled(module, STEPPER))
    hits = ex.run(probes_of(checks), 1_000_000, macro_ticks=10_000, earliest=True, focus=True)
    assert set(hits) == {"motor.steps"}
    c = checks[0]
    c.verdict = Verdict(VIOLATED, "explore", "", hits["motor.steps"])
    report = Report(module, [c], 0.0, Options(), compiled=ex.x)
    trace = rp.write_traces(report, tmp_path)["motor.steps"]
    assert main(["simulate", str(SPEC), str(trace), "--monitor"]) == 1
    assert "reproduces the recorded violation: motor.steps" in capsys.readouterr().out


@pytest.mark.long
def test_the_default_run_reports_the_deep_motor_overrun(tmp_path, capsys):
    # ~17 s: k-induction and PDR run out first, then the focused search finds it
    assert main(["prove", "-q", str(SPEC), "--only", "motor", "--trace-out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "error[P0107]" in out and "1 violated" in out
    assert main(["simulate", str(SPEC), str(tmp_path / "motor.steps.json"), "--monitor"]) == 1
    assert "reproduces the recorded violation: motor.steps" in capsys.readouterr().out
