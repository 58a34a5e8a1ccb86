"""Fewer unknowns, and runs that repeat: deep counterexamples and witnesses by the default
run, range checks by interval, work budgets (not time), exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest

from compiler import pipeline
from compiler.cli import main
from compiler.commands.prove import DEFAULTS
from compiler.prove import Options
from compiler.prove import report as rp

from irfixtures import ROOT

# F4: a counter that climbs by 2 U per click; its premise holds after 5 clicks
COUNTER = """
pump Counter
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var used : 0 .. 10 U = 0 U
state S initial reject others "no"
event click
on click from S when used + 2 U <= 10 U else reject "used up" do used := used + 2 U
assert X-01 "refused when used up" on click: used + 2 U > 10 U implies rejected
"""

# F5: re-unlocking keeps the menu open past two minutes (unlock, 119 ticks, unlock, tick)
AUTO_LOCK = """
pump AutoLock
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
const AUTO_LOCK = 2 min
var unlocked   : bool = false
var unlock_age : 0 .. AUTO_LOCK = 0 s
state Idle initial reject others "no"
event unlock
on unlock from Idle do unlocked := true; unlock_age := 0 s
every tick do
    unlocked   := unlocked and unlock_age + 1 tick < AUTO_LOCK;
    unlock_age := if unlocked and unlock_age + 1 tick < AUTO_LOCK then unlock_age + 1 tick else 0 s
respond X-01 "the menu locks itself after two minutes":
    on unlock -> not unlocked within 120 tick
"""


def prove_text(text: str, name: str, options: Options | None = None):
    analysis = pipeline.analyze(text, name)
    assert analysis.module is not None, analysis.diagnostics
    return analysis.module, pipeline.prove(analysis.module, options or Options())


def check(report, key):
    return next(c for c in report.checks if c.key == key)


def test_a_counter_climbing_in_steps_of_two_is_followed_to_its_premise():
    _, report = prove_text(COUNTER, "counter.pump")
    c = check(report, "vacuity.X-01")
    assert c.outcome == "non-vacuous" and c.verdict.engine == "explore"
    assert [event for event, _ in c.verdict.cex.inputs] == ["click"] * 6
    rp.replay(report, c.verdict.cex)
    assert report.exit_code == 0


def test_a_response_broken_122_steps_deep_is_violated_with_a_replayable_trace(tmp_path):
    module, report = prove_text(AUTO_LOCK, "autolock.pump")
    c = check(report, "X-01")
    assert c.outcome == "violated" and c.verdict.engine == "explore"
    cex = c.verdict.cex
    events = [event for event, _ in cex.inputs]
    assert events.count("unlock") == 2 and len(events) > 120
    assert report.exit_code == 1
    rows = rp.replay(report, cex)  # every step checked on the evaluator
    assert rows[-1].event == "tick"
    # the trace goes through the rest of the report machinery like a BMC counterexample
    written = rp.write_traces(report, tmp_path)
    doc = json.loads(written["X-01"].read_text())
    assert doc["violation"]["property"] == "X-01"
    assert doc["violation"]["step"] == len(events) - 1
    assert "respon" in rp.message(c) and "violated" in rp.message(c)


# the response's trigger (`press when armed`) reads nothing of its event, so a tick in an
# armed state satisfies its condition; only `press` triggers it. The 21st press is
# refused and leaves the pump armed: a violation 42 steps deep, beyond BMC's depth.
PRESS = """
pump Press
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var armed   : bool = false
var presses : 0 .. 20 = 0
state S initial reject others "no"
event arm
event press
on arm from S do armed := true
on press from S when presses < 20 else reject "worn out" do armed := false; presses := presses + 1
respond X-01 "a press disarms at once":
    on press when armed -> not armed within 0 tick
"""


def test_a_response_is_triggered_by_its_event_only(capsys):
    _, report = prove_text(PRESS, "press.pump")
    c = check(report, "X-01")
    assert c.outcome == "violated" and c.verdict.engine == "explore"
    events = [event for event, _ in c.verdict.cex.inputs]
    assert events.count("press") == 21 and events[-2:] == ["arm", "press"]
    rp.replay(report, c.verdict.cex)
    assert "internal error" not in capsys.readouterr().err


def test_range_checks_the_intervals_decide_are_proved_without_z3():
    _, report = prove_text(COUNTER, "counter.pump")
    # `used := used + 2 U` may leave 0..10 U (interval 2..12 U): Z3 proves it from the guard
    assert check(report, "range.used.2").verdict.engine != "interval"
    module, report = prove_text(COUNTER.replace("used := used + 2 U",
                                                "used := min(used + 2 U, 10 U)"), "counter.pump")
    c = check(report, "range.used.2")
    assert c.outcome == "proved" and c.verdict.engine == "interval"
    assert c.verdict.detail.startswith("by interval: the value lies in 40..200, within 0..200")


def test_help_states_the_options_defaults():
    defaults = Options()
    for name, value in DEFAULTS.items():
        assert getattr(defaults, name) == value, name


def test_budgets_are_work_not_time():
    options = Options()
    assert not any("seconds" in name or "budget" in name for name in vars(options))
    assert isinstance(options.explore_steps, int) and isinstance(options.rlimit, int)


def test_unknown_witness_exits_2_and_decided_warnings_exit_0(tmp_path, capsys):
    spec = tmp_path / "counter.pump"
    spec.write_text(COUNTER)
    assert main(["prove", "-q", str(spec)]) == 0
    assert main(["prove", "-q", "--explore-steps", "0", "--depth", "1", str(spec)]) == 2
    out = capsys.readouterr().out
    assert "warning[P0300]: vacuity vacuity.X-01 could not be decided" in out
    assert main(["prove", "-q", "--no-witnesses", "--explore-steps", "0", str(spec)]) == 0


SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "docs/schema/pumpspec-result-1.json").read_text()))
# The corpus specs the default run proves twice: the three fastest (about 6 s of prover
# time in all) and between them windows, PDR invariants and witnesses deeper than ten
# steps; --long proves every corpus spec twice (about 55 s each way).
REPEATED_BY_DEFAULT = ("minimal_pump", "patch_pump", "window_bound")


def _prove_json(spec: str, hash_seed: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=str(hash_seed))
    run = subprocess.run([sys.executable, "-m", "compiler", "prove", "--format", "json", spec],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode in (0, 1, 2), run.stderr
    whole = json.loads(run.stdout)
    SCHEMA.validate(whole)  # the published schema
    (doc,) = whole["files"]
    for c in doc["checks"]:
        c.pop("seconds")
    doc.pop("seconds")
    text = doc["summary"]["text"]
    doc["summary"]["text"] = text.split(" in ")[0] + text.split("s:", 1)[1]
    return doc


def test_two_runs_give_the_same_verdicts_and_traces(corpus_spec, request):
    long_tier = request.config.getoption("--long") or os.environ.get("PUMPSPEC_LONG") == "1"
    if corpus_spec.stem not in REPEATED_BY_DEFAULT and not long_tier:
        pytest.skip("long tier: run with --long or PUMPSPEC_LONG=1")
    spec = str(corpus_spec.relative_to(ROOT))
    # two processes with different string hashes (a PDR invariant once depended on one)
    first, second = _prove_json(spec, 1), _prove_json(spec, 2)
    assert first == second
    # witnesses are successes: every check that carries one reached its target
    witnesses = [c for c in first["checks"] if c["witness"] is not None]
    assert witnesses and all(c["outcome"] in ("reached", "non-vacuous") for c in witnesses)
    assert all(c["counterexample"] is None for c in witnesses)
    # and their steps are compared too, deep ones included
    if corpus_spec.stem == "minimal_pump":
        assert any(len(c["witness"]["steps"]) > 10 for c in witnesses)


def test_a_verdict_does_not_depend_on_the_other_checks_of_the_run():
    """The same check gets the same verdict, engine and invariant whatever else is in the
    run: one more (false, unrelated) response used to make the type check
    ``range.syringe``, proved by PDR without it, unknown (its PDR query ran in the Z3
    context the response's terms had been built in first, and exhausted its resource
    limit there)."""
    # the corpus's syringe driver (an outside user's spec) without the invariant that makes
    # range.syringe 1-inductive: PDR proves it
    strengthening = ('invariant SD-07 "nothing to infuse before programming": '
                     'state in {SelfTest, Idle} implies vtbi == 0 U\n')
    text = (ROOT / "spec" / "syringe_driver.pump").read_text()
    assert strengthening in text
    text = text.replace(strengthening, "")
    extra = ('respond SD-92 "a bolus ends within 10 ticks": '
             'on bolus -> state == Infusing within 10 tick\n')
    runs = []
    for spec, only in ((text, ()), (text + extra, ()), (text + extra, ("type",))):
        _, report = prove_text(spec, "syringe_driver.pump",
                               Options(witnesses=False, only=only))
        runs.append({c.key: (c.outcome, c.verdict.engine, c.verdict.invariant)
                     for c in report.selected() if c.kind == "type"})
    assert runs[0]["range.syringe"][:2] == ("proved", "pdr")
    assert runs[1] == runs[0]
    assert runs[2] == runs[0]
