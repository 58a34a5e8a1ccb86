"""Regressions for what the random-spec generator found (/work/notes/specgen_findings.md):
documented constructs `check` refuses, and specs `check` accepts that `build` or the
Verilog tools refuse. Open findings are strict xfails naming the finding; fixed ones are
plain regression tests."""
from __future__ import annotations

import pytest

import fourway
from compiler.commands.build import generate
from compiler.pipeline import analyze

BASE = """pump P
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
enum Kind { a, b }
var x : 0 .. 100 steps = 0 steps
var r : 0 .. 60 U/h = 0 U/h
state Idle initial reject others "no"
state Run ignore others
event go(n: 0 .. 10 steps)
motor {
    step_high = 10 us  step_low = 10 us  max_rate = 1 U/min  max_steps_per_tick = 1
    moves in Run
    budget x
    source basal rate r during Run
    limiter L-1 = 200 steps per 1 h
    watchdog L-2 = 5 s
}
window hourly : 7 buckets of 10 min, limit 100 steps, counts basal
on go from Idle -> Run do x := n
every tick do x := x - steps
"""


def errors(text: str) -> list[str]:
    return [f"{d.code} {d.message}" for d in analyze(text, "t.pump").diagnostics if d.severity == "error"]


def test_base_spec_builds_and_compiles(tmp_path):
    files = generate(fourway.module_of(BASE))
    assert not fourway.compile_verilog("p.v", files["p.v"], tmp_path)


def test_div_and_mod_parse():
    """G1 (fixed)."""
    assert not errors(BASE.replace("do x := n", "do x := n div 2 + n mod 3 steps"))


def test_not_in_parses():
    assert not errors(BASE.replace("on go from Idle -> Run", "on go from Idle -> Run when state not in {Run}"))


@pytest.mark.parametrize("edit", [("= 0 steps", "= 0"), ("do x := n", "do x := 0")])
def test_plain_zero_is_zero_in_every_unit_when_stored(edit):
    assert not errors(BASE.replace(*edit))


def test_trailing_comma_in_an_enum():
    assert not errors(BASE.replace("enum Kind { a, b }", "enum Kind { a, b, }"))


def test_trailing_comma_in_a_table():
    assert not errors(BASE.replace("enum Kind { a, b }", "enum Kind { a, b }\nconst T = table Kind { a: 1, b: 2, }"))


@pytest.mark.parametrize("value", ["200 steps", "0 - 3 steps"])
def test_out_of_range_literal_is_refused_by_check(value):
    """G6: a constant stored outside the variable's range is E0205 at check (build would
    have no register for it)."""
    assert [e[:5] for e in errors(BASE.replace("do x := n", f"do x := {value}"))] == ["E0205"]


@pytest.mark.parametrize("edits", [
    [("event go(n: 0 .. 10 steps)", "event go(n: 0 .. 10 steps)\nevent halt(k: 0 .. 3)")],
    [("event go(n: 0 .. 10 steps)", "event go(n: 0 .. 10 steps)\nevent halt(k: 0 .. 3)"),
     ("every tick", "on halt from Run -> Idle\nevery tick")],
    [("event go(n: 0 .. 10 steps)", "event go"), ("do x := n", "do x := 3 steps")],
], ids=["no-transition", "transition-not-reading-it", "no-parameters"])
def test_unread_parameter_lints_clean(tmp_path, edits):
    """G7 (fixed): an event parameter no transition reads, or the one-bit parameter bus of
    a spec whose events have none, lints clean under Verilator -Wall."""
    text = BASE
    for edit in edits:
        text = text.replace(*edit)
    files = generate(fourway.module_of(text))
    assert not fourway.compile_verilog("p.v", files["p.v"], tmp_path)


@pytest.mark.parametrize("line", ["    limiter L-1 = 200 steps per 1 h\n", "    watchdog L-2 = 5 s\n"])
def test_motor_without_limiter_or_watchdog_compiles(tmp_path, line):
    """G4/G5 (fixed)."""
    files = generate(fourway.module_of(BASE.replace(line, "")))
    assert not fourway.compile_verilog("p.v", files["p.v"], tmp_path)


def test_pump_without_motor_section_builds_and_compiles(tmp_path):
    """G8 (fixed)."""
    text = BASE.split("motor {")[0] + "on go from Idle -> Run do x := n\n"
    files = generate(fourway.module_of(text))
    assert not fourway.compile_verilog("p.v", files["p.v"], tmp_path)


@pytest.mark.parametrize("guard", ["not not f", "(not f) implies f", "not (f == f) implies f"])
def test_double_negation_compiles(tmp_path, guard):
    """G9 (fixed): `not not c`, and an implication whose premise is a negation, print as
    `!(!c)`; Icarus refuses `!!c`."""
    text = BASE.replace("var r :", "var f : bool = false\nvar r :").replace(
        "on go from Idle -> Run", f"on go from Idle -> Run when {guard}")
    files = generate(fourway.module_of(text))
    assert not fourway.compile_verilog("p.v", files["p.v"], tmp_path)
