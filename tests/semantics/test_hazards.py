"""The hazard analysis: requirement and hazard declarations -> IR nodes, and what `check`
and `dump-ir` show of them. One warning per fixture lives in tests/semantics/errors/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from compiler.ir import nodes as ir
from compiler.ir.printer import dump_module
from compiler.pipeline import analyze

ROOT = Path(__file__).resolve().parents[2]

SPEC = """
pump P
units { step = 0.025 U  tick = 1 s  clock = 1 MHz }
var x : 0 .. 3 = 0
state A initial reject others R-01 "not now"
event go
on go from A when x < 3 else reject R-02 "full" do x := x + 1
invariant R-01 "x stays in range": x <= 3
requirement R-01 "x stays within three"
requirement R-02 "going is refused when full"
requirement R-03 "the host link drops a repeated command"
hazard H-01 "over-delivery" severity critical {
    cause "too many goes" controlled by R-02, R-01
    cause "a repeated go" controlled by R-02 outside R-03 "hdl/host_link.v"
}
hazard H-02 "under-delivery" severity minor {
    cause "a user who never goes" outside "the user's training"
}
"""


def module(text: str = SPEC) -> ir.Module:
    analysis = analyze(text, "p.pump")
    assert analysis.ok, analysis.diagnostics
    return analysis.module


def test_requirements_carry_their_text_and_what_captures_them():
    m = module()
    assert [r.id for r in m.requirements] == ["R-01", "R-02", "R-03"]
    r01 = m.requirement("R-01")
    assert r01.text == "x stays within three"
    assert [(c.kind, c.text) for c in r01.captures] == [
        (ir.CaptureKind.POLICY, "not now"), (ir.CaptureKind.INVARIANT, "x stays in range")]
    assert [(c.kind, c.text) for c in m.requirement("R-02").captures] == [(ir.CaptureKind.GUARD, "full")]
    assert m.requirement("R-03").captures == ()


def test_the_motor_protections_capture_their_requirements():
    text = SPEC.replace("event go", """event go
motor { step_high = 4 us  step_low = 4 us  max_rate = 3 U/min  max_steps_per_tick = 2
        moves in A  source basal rate 1 U/h during A
        limiter R-41 = 2 U per 1 h  watchdog R-42 = 10 s }
requirement R-41 "a step limiter"
requirement R-42 "a watchdog"
hazard H-03 "runaway" severity serious { cause "a stuck controller" controlled by R-41, R-42 }""")
    m = module(text)
    assert [c.kind for c in m.requirement("R-41").captures] == [ir.CaptureKind.LIMITER]
    assert [c.kind for c in m.requirement("R-42").captures] == [ir.CaptureKind.WATCHDOG]


def test_hazards_keep_their_causes_and_controls_in_order():
    h1, h2 = module().hazards
    assert (h1.id, h1.harm, h1.severity) == ("H-01", "over-delivery", ir.Severity.CRITICAL)
    too_many, repeated = h1.causes
    assert too_many.controlled_by == ("R-02", "R-01") and not too_many.controlled_outside
    assert repeated.controlled_by == ("R-02",) and repeated.outside_by == ("R-03",)
    assert repeated.outside_where == "hdl/host_link.v" and repeated.controlled_outside
    (never,) = h2.causes
    assert never.controlled and never.controlled_by == () and never.outside_by == ()
    assert never.outside_where == "the user's training"


def test_a_clean_analysis_warns_nothing():
    assert analyze(SPEC, "p.pump").diagnostics == ()


def test_a_spec_without_an_analysis_is_not_asked_for_one():
    text = SPEC.split("requirement R-01")[0]
    analysis = analyze(text, "p.pump")
    assert analysis.diagnostics == ()
    assert analysis.module.requirements == () and analysis.module.hazards == ()


def test_hazards_alone_ask_for_declared_requirements():
    text = SPEC.split("requirement R-01")[0] + 'hazard H-01 "harm" severity minor { cause "c" }'
    codes = sorted(d.code for d in analyze(text, "p.pump").diagnostics)
    assert codes == ["W0501", "W0503", "W0503", "W0503"]  # the cause; R-01 twice, R-02


def test_dump_ir_prints_the_analysis():
    text = dump_module(module())
    assert text.endswith("""requirement R-01 "x stays within three"
  captured by policy "not now"
  captured by invariant "x stays in range"
requirement R-02 "going is refused when full"
  captured by guard "full"
requirement R-03 "the host link drops a repeated command"
hazard H-01 "over-delivery" severity critical
  cause "too many goes" controlled by R-02, R-01
  cause "a repeated go" controlled by R-02 outside R-03 "hdl/host_link.v"
hazard H-02 "under-delivery" severity minor
  cause "a user who never goes" outside "the user's training"
""")


def test_check_lists_the_causes_controlled_outside_the_spec(tmp_path):
    spec = tmp_path / "p.pump"
    spec.write_text(SPEC)
    r = subprocess.run([sys.executable, "-m", "compiler", "check", str(spec)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0].endswith("; 3 requirements, 2 hazards, 3 causes, 2 controlled outside the spec)")
    assert lines[1:] == [
        f'  {spec}:14: H-01 "a repeated go": controlled outside the spec by R-03: hdl/host_link.v',
        f"  {spec}:17: H-02 \"a user who never goes\": controlled outside the spec: the user's training",
    ]


def test_a_long_requirement_text_continues_in_further_strings():
    text = SPEC.replace('requirement R-01 "x stays within three"',
                        'requirement R-01 "x stays"\n    "within" "three"')
    assert module(text).requirement("R-01").text == "x stays within three"


def test_the_analysis_words_stay_free_as_names():
    text = SPEC.replace("var x : 0 .. 3 = 0", "var x : 0 .. 3 = 0\nvar cause : bool = false\n"
                        "var severity : bool = false\nvar outside : bool = false")
    assert [v.name for v in module(text).variables] == ["x", "cause", "severity", "outside"]
