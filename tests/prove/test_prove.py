"""`pumpspec prove`: one small failing spec per check kind, the CLI, traces, mutants."""
from __future__ import annotations

import json
import re

import pytest

from compiler import trace as tr
from compiler.pipeline import prove
from compiler.prove import Options
from compiler.prove import report as rp
from compiler.cli import main
from compiler.eval.evaluator import Evaluator

from irfixtures import REFERENCE, ROOT, load_spec

EXAMPLES = ROOT / "spec" / "examples" / "prove"

FAST = Options(timeout=5)


def run(name: str, options: Options = FAST):
    module = load_spec(EXAMPLES / f"{name}.pump")
    return module, prove(module, options)


def check(report, key):
    return next(c for c in report.checks if c.key == key)


def cex_steps(c):
    return len(c.verdict.cex.inputs)


def test_mini_proves_everything():
    _, report = run("mini")
    assert report.exit_code == 0
    assert all(c.outcome in ("proved", "reached", "non-vacuous") for c in report.checks)


# (spec, check key, outcome, counterexample length, exit code)
CASES = [
    ("invariant_violated", "M-20", "violated", 2, 1),
    ("assertion_violated", "M-11", "violated", 2, 1),
    ("response_violated", "M-21", "violated", 5, 1),
    ("recovery_violated", "M-13", "violated", 4, 1),
    ("range_violated", "range.reservoir", "violated", 2, 1),
    ("determinism_violated", "determinism.stop", "violated", 3, 1),
    ("motor_overrun", "motor.steps", "violated", 3, 1),
    ("completeness_warning", "completeness.run", "violated", 2, 0),  # a warning
]


@pytest.mark.parametrize("spec,key,outcome,steps,exit_code", CASES, ids=[c[0] for c in CASES])
def test_each_check_kind_catches_its_failing_spec(spec, key, outcome, steps, exit_code):
    module, report = run(spec)
    c = check(report, key)
    assert c.outcome == outcome
    assert cex_steps(c) == steps
    assert report.exit_code == exit_code
    # the counterexample replays on the evaluator (the oracle) and is the one reported
    rows = rp.replay(report, c.verdict.cex)
    assert len(rows) == steps
    text = rp.diagnostic(report, c).message
    assert c.id in text or key.split(".")[-1] in text


def test_invariant_counterexample_really_breaks_the_invariant():
    module, report = run("invariant_violated")
    c = check(report, "M-20")
    ev = Evaluator(module)
    config = ev.initial()
    for event, params in c.verdict.cex.inputs:
        config, _ = ev.step(config, event, params)
    assert not ev.eval_state_pred(c.prop.expr, config)


def test_dead_state_and_transition_are_reported_dead():
    _, report = run("dead_code")
    assert check(report, "reach.Service").outcome == "dead"
    dead = [c for c in report.checks if c.kind == "reachability" and c.outcome == "dead"]
    assert len(dead) == 2
    assert report.exit_code == 0


def test_vacuous_premise_is_reported():
    _, report = run("vacuous")
    assert check(report, "vacuity.M-22").outcome == "vacuous"
    assert check(report, "M-22").outcome == "proved"


def test_non_inductive_invariant_is_proved_by_pdr_with_a_rechecked_invariant():
    _, report = run("needs_pdr")
    c = check(report, "M-30")
    assert c.outcome == "proved"
    assert c.verdict.engine in ("pdr",) or "induction" in c.verdict.engine
    assert c.verdict.engine != "induction"  # not 1-inductive: a deeper engine closed it
    if c.verdict.engine == "pdr":
        assert "checked" in c.verdict.invariant
    assert report.exit_code == 0


def test_state_behind_a_long_timer_is_reached_by_a_macro_step(tmp_path, capsys):
    spec = EXAMPLES / "long_timer.pump"
    module, report = run("long_timer")
    c = check(report, "reach.Service")
    assert c.outcome == "reached" and c.verdict.engine == "explore"
    cex = c.verdict.cex
    assert max(cex.macro_ticks) >= 99_000  # the timer is 100,000 ticks
    assert cex.events >= 100_000
    assert "macro-step" in c.verdict.detail and "macro-step" in rp.progress_line(c)
    rp.replay(report, cex)  # each step checked against the recorded configurations
    text = tr.to_json(rp.to_trace(report, c), module)
    doc = json.loads(text)
    assert any(s.get("repeat", 1) >= 99_000 for s in doc["steps"])
    path = tmp_path / "service.json"
    path.write_text(text)
    capsys.readouterr()
    assert main(["simulate", str(spec), str(path)]) == 0
    out = capsys.readouterr().out
    last = [line for line in out.splitlines() if line.strip() and line[0].isdigit()][-1]
    assert "-> Service" in last
    assert f"replayed {cex.events} of {cex.events} steps" in out


def test_unreached_witness_is_unknown_with_what_was_searched(capsys):
    code = main(["prove", "-v", "--explore-steps", "500", "--depth", "2",
                 str(EXAMPLES / "long_timer.pump")])
    out = capsys.readouterr().out
    assert code == 2  # a witness not found: not everything was decided
    line = next(x for x in out.splitlines() if "reach.Service " in x)  # -v: every check
    assert line.split()[0] == "unknown" and "dead" not in line
    assert "unknown: not reached: the exploration stopped at its work budget (--explore-steps 500; " \
        in line and "), not exhaustive" in line
    assert "configurations, deepest macro-step" in line and "no BMC witness within 2 steps" in line
    assert "warning[P0300]: reachability reach.Service could not be decided" in out


# a state 100,000 events deep: past the exploration's cap of kept configurations
DEEP_COUNTER = """
pump DeepCounter
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var n : 0 .. 100000 = 0
state Counting initial ignore others
state Done ignore others
event up
on up from Counting -> Done when n == 99999 do n := n + 1
on up from Counting when n < 99999 do n := n + 1
"""


def test_an_unreached_witness_names_the_cut_that_made_the_search_not_exhaustive(tmp_path):
    """The note said "the exploration ran out of configurations and macro-steps", which
    reads as an exhaustive search, when the cap of kept configurations had left most of
    them out (outsider repro reach_unknown_odd: a 75-step witness exists)."""
    spec = tmp_path / "deep.pump"
    spec.write_text(DEEP_COUNTER)
    report = prove(load_spec(spec), Options(only=("reach.Done",), explore_first=0))
    c = check(report, "reach.Done")
    assert c.outcome == "unknown"
    assert re.search(r"^not reached: the exploration stopped with nothing left to expand "
                     r"\([\d,]+ steps, 60,00\d configurations, deepest macro-step [\d,]+ ticks\), "
                     r"not exhaustive: it keeps at most 60,000 configurations \([\d,]+ steps? to "
                     r"a new one not followed\); no BMC witness", c.verdict.detail), \
        c.verdict.detail


def test_an_exploration_says_exhaustive_only_without_a_cut():
    from compiler.prove.macro import Stats

    done = Stats(configs=4, steps=12, stopped="exhausted", max_nodes=60_000, max_below=100,
                 macro_limit=300_000)
    assert done.not_reached() == ("not reached by an exhaustive exploration: it expanded every "
                                  "configuration reachable from the initial one (12 steps, 4 "
                                  "configurations, deepest macro-step 0 ticks)")
    for cut, words in ((dict(dropped=7), "it keeps at most 60,000 configurations (7 steps to "
                                         "a new one not followed)"),
                       (dict(unexpanded=3), "it expands at most 100 configurations below each "
                                            "macro-step (3 configurations not expanded)"),
                       (dict(macro_cut=1), "it stops a macro-step at 300,000 ticks (1 macro-step "
                                           "stopped there)"),
                       (dict(sampled=("bolus(amount)",)), "a few values only of bolus(amount)")):
        text = Stats(**{**vars(done), **cut}).not_reached()
        assert "not exhaustive: " in text and words in text, text
    budget = Stats(**{**vars(done), "stopped": "budget", "budget": 500}).not_reached()
    assert budget.startswith("not reached: the exploration stopped at its work budget "
                             "(--explore-steps 500; ")


def test_recovery_failing_from_an_invariant_only_state_says_so(tmp_path, capsys):
    spec = EXAMPLES / "recovery_unreachable_start.pump"
    code = main(["prove", "--no-witnesses", "--trace-out", str(tmp_path), str(spec)])
    out = capsys.readouterr().out
    assert code == 1
    assert ("recovery M-13: the sequence does not reach its target from a state that only "
            "satisfies the proved invariants (not shown reachable)") in out
    assert "start configuration recorded" in out
    doc = json.loads((tmp_path / "M-13.json").read_text())
    # any state but Alarm with the alarm latched: acknowledge is refused there
    assert doc["start"]["state"] != "Alarm" and doc["start"]["values"]["empty_alarm"] is True
    # simulate replays it from the recorded start, where the sequence's last step breaks it
    assert doc["violation"] == {"property": "M-13", "step": 0}
    assert [s["event"] for s in doc["steps"]] == ["acknowledge"]


def test_pdr_invariant_names_states():
    _, report = run("needs_pdr", Options(timeout=5, witnesses=False))
    c = check(report, "M-30")
    if c.verdict.engine == "pdr":
        assert not re.search(r"\bstate\s*(==|!=|<=|>=|<|>)\s*\d", c.verdict.invariant)
        assert re.search(r"\bstate\s*(==|!=|<=|>=|<|>)\s*(Idle|Checking|Ready|Running|Alarm)",
                         c.verdict.invariant), c.verdict.invariant


def test_tiny_timeout_reports_unknown_and_exit_2(capsys):
    # a small exploration budget: the timeout bounds the solver, the exploration is bounded
    # by work (its default budget would only make the test slow)
    code = main(["prove", "-q", "--timeout", "0.001", "--no-witnesses", "--explore-steps", "1000",
                 str(EXAMPLES / "needs_pdr.pump")])
    assert code == 2
    out = capsys.readouterr().out
    assert "unknown" in out and "violated" not in out.split("Mini:")[-1]


def test_cli_text_json_and_traces(tmp_path, capsys):
    spec = EXAMPLES / "invariant_violated.pump"
    code = main(["prove", str(spec), "--trace-out", str(tmp_path), "--only", "M-20"])
    out = capsys.readouterr().out
    assert code == 1
    assert "error[P0101]: invariant M-20 violated after 2 steps" in out
    assert "--> " in out and "^" in out and "<- violates M-20" in out
    module = load_spec(spec)
    trace = tr.from_json((tmp_path / "M-20.json").read_text(), module)
    assert trace.violation == ("M-20", 1)
    assert [s.event for s in trace.steps] == ["fill", "run"]

    code = main(["prove", str(spec), "--format", "json", "--only", "M-20"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["exit_code"] == 1
    (m20,) = [c for c in doc["files"][0]["checks"] if c["key"] == "M-20"]
    assert m20["outcome"] == "violated" and m20["counterexample"]["length"] == 2


def test_spec_errors_exit_3(tmp_path, capsys):
    bad = tmp_path / "bad.pump"
    bad.write_text("pump Broken\nstate\n")
    assert main(["prove", str(bad)]) == 3


# ---------------------------------------------------------------- the reference spec


def test_reference_spec_proves(capsys):
    # witnesses (reachability, vacuity) are warnings and the slow part: left out here
    assert main(["prove", "-q", "--no-witnesses", str(REFERENCE)]) == 0
    out = capsys.readouterr().out
    assert "(spec properties: 136/136 proved)" in out and "unknown" not in out


def test_reference_spec_witnesses_leave_no_unknown(capsys):
    # every state, transition and premise reached, the wear limit (56 h) and the
    # dose-limit premise by tick macro-steps, with the default budgets
    assert main(["prove", str(REFERENCE)]) == 0
    out = capsys.readouterr().out
    assert "unknown" not in out and " reached, " in out
    # the default output: a line per requirement id and per kind of check pumpspec
    # adds (496 checks behind them), the summary; about 60 lines at most
    lines = out.splitlines()
    assert len(lines) <= 60, out
    assert any(line.split()[:4] == ["PS-22", "proved", "9", "checks"] for line in lines)


def test_patch_pump_witnesses_leave_no_unknown(capsys):
    # the prime source runs at half a step per tick: from `prime_left` = 1 the first tick
    # moves only the accumulator (a configuration breadth-first search drops as seen)
    # and the second primes the last step and fires Priming -> Ready; a macro-step
    # ending within its first ticks must still be kept, or Ready and everything after
    # it stays unknown. Then the reservoir running out (#9) within a macro-step's
    # estimate sample: a few basal steps from empty
    spec = ROOT / "spec" / "examples" / "patch_pump.pump"
    assert main(["prove", "-q", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "unknown" not in out and " reached, " in out
    assert "(spec properties: 66/66 proved)" in out


def test_macro_step_changing_on_its_second_tick_is_kept():
    # Priming with one step left and the prime accumulator empty: tick 1 only fills the
    # accumulator, tick 2 fires Priming -> Ready. The macro-step is that one tick, not
    # nothing (the configuration after it looks like its start to the abstraction)
    from compiler.backends.python import STEPPER
    from compiler.prove.compiled import Compiled
    from compiler.prove.explore import Explorer
    from compiler.prove.macro import Stats
    from compiler.prove.probes import Probe

    module = load_spec(ROOT / "spec" / "examples" / "patch_pump.pump")
    ex = Explorer(module, Compiled(module, STEPPER))
    x = ex.x
    t = list(x.initial())
    t[0] = x.state_index["Priming"]
    t[x.index["reservoir"]], t[x.index["prime_left"]] = 100, 1
    gen = ex.macro_steps.run(tuple(t), 1000, Stats())
    with pytest.raises(StopIteration) as stop:
        while True:
            next(gen)
    post, n = stop.value.value
    assert n == 1 and post[0] == x.state_index["Priming"]
    assert post[x.index["prime_left"]] == 1 and post[x.index["prime_acc"]] == 1
    assert x.step(post, x.tick, ())[0][0] == x.state_index["Ready"]
    # and the estimate sees the target within its sample ticks
    probe = Probe("state", state="Ready")
    assert ex.macro_steps.estimate(tuple(t), {"r": (probe, x.compile(probe))}, 1000,
                                   Stats()) == {"r": 2}


MUTANTS = [
    # (name, old text, new text, a property id that must be violated); proved with
    # --only that id (the long tier runs every check)
    ("bolus-max-flipped", "when amount <= MAX_BOLUS ", "when amount >= MAX_BOLUS ", "PS-22"),
    ("prime-while-inserted",
     '    when not (inserted and connected) else reject PS-01 "disconnect from the body before priming"\n', "",
     "PS-01"),
    ("insert-unprimed", '    when primed                       else reject PS-02 "prime the set before inserting it"\n',
     "", "PS-02"),
    ("suspend-retargeted", "on suspend from Delivering, Bolusing -> Suspended",
     "on suspend from Delivering, Bolusing -> Idle", "PS-27"),
]
LONG_MUTANTS = [
    # every check: also breaks range safety of bolus_left, and two goals go to
    # k-induction/PDR until their timeouts (~25 s)
    ("bolus-max-flipped", "when amount <= MAX_BOLUS ", "when amount >= MAX_BOLUS ", "PS-22"),
    ("occlusion-to-suspended", "on occlusion from Priming, Filling, Delivering, Bolusing -> Alarm",
     "on occlusion from Priming, Filling, Delivering, Bolusing -> Suspended", "PS-31"),
    ("basal-cap-flipped", "when rate <= MAX_BASAL ", "when rate >= MAX_BASAL ", "PS-20"),
    ("reuse-set", "when set_loaded and not set_used ", "when set_loaded ", "PS-07"),
    ("site-rotation-dropped",
     '    when at != last_site              else reject PS-10 "choose a different site than the last set"\n',
     "", "PS-10"),
    ("refill-connected", "on refill from Idle, Alarm\n    when not (inserted and connected)",
     "on refill from Idle, Alarm\n    when not (inserted and not connected)", "PS-08"),
]


def _mutant(old, new, want, only=()):
    from compiler import pipeline

    text = REFERENCE.read_text()
    assert old in text, f"mutation site not found: {old!r}"
    analysis = pipeline.analyze(text.replace(old, new, 1), "mutant.pump")
    assert analysis.module is not None, analysis.diagnostics
    report = prove(analysis.module, Options(timeout=5, witnesses=False, only=only))
    violated = [c for c in report.checks if c.outcome == "violated" and c.id == want]
    assert violated, f"{want} not violated: " + rp.summary(report)
    assert report.exit_code == 1
    for c in violated:
        assert c.verdict.cex is not None and c.verdict.cex.inputs
        rp.replay(report, c.verdict.cex)


@pytest.mark.parametrize("name,old,new,want", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_reference_mutants_are_caught(name, old, new, want):
    _mutant(old, new, want, only=(want,))


@pytest.mark.long
@pytest.mark.parametrize("name,old,new,want", LONG_MUTANTS, ids=[m[0] for m in LONG_MUTANTS])
def test_reference_mutation_campaign(name, old, new, want):
    _mutant(old, new, want)


def test_a_requirement_id_too_long_for_a_file_name_gets_a_cut_hashed_trace_file(tmp_path, capsys):
    from compiler.reserved import NAME_MAX, file_stem

    req = "LONG-" + "1" * 250
    spec = tmp_path / "long_id.pump"
    spec.write_text((EXAMPLES / "invariant_violated.pump").read_text().replace("M-20", req))
    code = main(["prove", "-q", str(spec), "--trace-out", str(tmp_path / "cex"), "--only", req])
    out = capsys.readouterr().out
    assert code == 1
    (written,) = (tmp_path / "cex").iterdir()
    assert written.name == f"{file_stem(req, '.json')}.json" and len(written.name) <= NAME_MAX
    assert str(written) in out
    assert tr.from_json(written.read_text(), load_spec(spec)).violation[0] == req


def test_deep_bmc_says_why_it_stopped_before_its_depth():
    """An unknown check's detail names the bound that stopped the deep BMC early (it used
    to say only "no counterexample within N steps")."""
    _, report = run("needs_pdr", Options(rlimit=2_000, pdr=False, witnesses=False,
                                         explore_first=0, explore_steps=0))
    unknown = [c for c in report.selected() if c.outcome == "unknown" and c.kind != "recovery"]
    assert unknown
    for c in unknown:
        assert re.search(r"\(BMC( over \d+ undecided checks together)?, stopped before depth 12: "
                         r"its query at depth ", c.verdict.detail), c.verdict.detail
        assert "exhausted its resource limit (rlimit 2,000; raise --rlimit)" in c.verdict.detail


def test_an_unknowns_time_holds_the_bmc_run_its_detail_blames(monkeypatch):
    """The detail said the safety-net timeout struck the deep BMC while the check's time
    left that BMC run out (outsider repro unknown_shallow_cex_odd: "30 s per check" struck,
    the times 11.5 s and 7.7 s). The BMC run after k-induction and PDR is shared by the
    undecided checks; each one's time holds it, and the detail says it was shared."""
    import time

    from compiler.prove import schedule

    real = schedule.bmc

    def slow_deep_bmc(system, goals, depth, lemmas, deadline, *args, **kwargs):
        if depth != 12:  # phase 4's shallow BMC (kmax)
            return real(system, goals, depth, lemmas, deadline, *args, **kwargs)
        while not deadline.expired():  # a deep BMC the safety net stops at depth 4
            time.sleep(0.01)
        deadline.stopped("")
        return {}, 3

    monkeypatch.setattr(schedule, "bmc", slow_deep_bmc)
    _, report = run("needs_pdr", Options(rlimit=2_000, timeout=0.5, pdr=False,
                                         witnesses=False, explore_first=0, explore_steps=0))
    unknown = [c for c in report.selected() if c.outcome == "unknown" and c.kind != "recovery"]
    assert unknown and all(c.verdict.seconds >= 0.5 for c in unknown)
    assert sum("undecided checks together" in c.verdict.detail for c in unknown) > 1
    for c in unknown:
        assert re.search(r"no counterexample within 3 steps \(BMC( over \d+ undecided checks "
                         r"together)?, stopped before depth 12: its query at depth 4 was stopped "
                         r"by the wall-clock safety net \(--timeout 0\.5 s\)", c.verdict.detail), \
            c.verdict.detail


def test_a_recovery_query_out_of_work_says_resource_limit_not_timed_out():
    """The recovery query that exhausts its rlimit said "timed out" (outsider repro
    recovery_rlimit_says_timed_out: --timeout 200 did not help, --rlimit did)."""
    module, _ = run("mini")
    recovery = next(p.id for p in module.properties if type(p).__name__ == "Recovery")
    _, report = run("mini", Options(rlimit=500, only=(recovery,), witnesses=False,
                                    explore_first=0))
    (c,) = [c for c in report.selected() if c.kind == "recovery"]
    assert c.outcome == "unknown"
    assert c.verdict.detail == ("the recovery query exhausted its resource limit "
                                "(rlimit 500; raise --rlimit)")


def test_a_recovery_failing_only_outside_the_types_is_unknown_not_a_crash():
    """With the type checks unproved (a tiny rlimit), the recovery query's model started in
    a control state index past the last state, and extracting it raised IndexError (exit
    70). A start within the declared types is searched for; there is none here."""
    _, report = run("long_timer", Options(rlimit=20_000, witnesses=False))
    (c,) = [c for c in report.selected() if c.kind == "recovery"]
    assert c.outcome == "unknown"
    assert c.verdict.detail == ("the sequence fails only from states outside the declared "
                                "types, which the type checks did not prove unreachable")


def test_why_a_query_was_undecided_is_worded_in_one_place():
    """Z3's reason_unknown: "timeout" is the safety net; "max. resource limit exceeded"
    and "canceled" before the safety net are the resource limit (Z3 says either of an
    rlimit stop, depending on the tactic); a share of --rlimit says so."""
    from compiler.prove.engines import Deadline

    def why(reason, deadline):
        deadline.stopped(reason)
        return deadline.why()

    rlimit = "exhausted its resource limit (rlimit 2,000; raise --rlimit)"
    assert why("max. resource limit exceeded", Deadline(30, 2_000)) == rlimit
    assert why("canceled", Deadline(30, 2_000)) == rlimit
    assert why("timeout", Deadline(30, 2_000)) == (
        "was stopped by the wall-clock safety net (--timeout 30 s) before its resource limit")
    assert why("canceled", Deadline(0, 2_000)).startswith("was stopped by the wall-clock")
    assert why("max. resource limit exceeded", Deadline(30, 200, 2_000)) == (
        "exhausted its resource limit (rlimit 200, its share of --rlimit 2,000; raise --rlimit)")
    assert why("incomplete quantifiers", Deadline(30, 2_000)) == (
        "was undecided: Z3 answered unknown (incomplete quantifiers)")
