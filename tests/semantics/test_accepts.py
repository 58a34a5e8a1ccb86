"""The `accepts` property: lowered to an ordinary assertion, which every consumer (prover,
Python monitor, Verilog formal list, requirement traceability) then sees. Its misuse
diagnostics live in tests/semantics/errors/E0203_accepts_misuse.pump."""
from __future__ import annotations

from compiler.cli import main
from compiler.ir import nodes as ir
from compiler.pipeline import analyze, prove
from compiler.prove import Options

SPEC = """
pump P
units { step = 0.025 U  tick = 1 s  clock = 1 MHz }
state A initial reject others "no"
state B         ignore others
state C         reject others "no"
event go
event jump
event back
on go from A -> B
on jump from A -> C
on back from BACK_SOURCES -> A
accepts R-01 "go only from A": go only from A
accepts R-02 "back only from B": back only from B
requirement R-01 "going starts only from A"
requirement R-02 "coming back only from B"
hazard H-01 "a wrong move" severity minor { cause "a move from the wrong state" controlled by R-01, R-02 }
"""


def module(back_sources: str = "B") -> ir.Module:
    analysis = analyze(SPEC.replace("BACK_SOURCES", back_sources), "p.pump")
    assert analysis.ok, analysis.diagnostics
    return analysis.module


def test_lowered_to_not_accepted_on_every_state_not_listed():
    go, back = [p for p in module().properties if p.id in ("R-01", "R-02")]
    assert isinstance(go, ir.Assertion) and go.events == ("go",) and go.states == ("B", "C")
    assert back.events == ("back",) and back.states == ("A", "C")
    assert go.expr.op == ir.UnaryOp.NOT and isinstance(go.expr.operand, ir.Accepted)


def test_captures_its_requirement():
    requirement = next(r for r in module().requirements if r.id == "R-01")
    assert [c.kind for c in requirement.captures] == [ir.CaptureKind.ASSERTION]


def test_prover_proves_it_and_finds_an_event_accepted_elsewhere():
    options = Options(timeout=10, witnesses=False)
    good = prove(module(), options)
    assert good.exit_code == 0
    bad = prove(module(back_sources="B, C"), options)
    violated = [c.key for c in bad.checks if c.outcome == "violated"]
    assert violated == ["R-02"]


def test_monitor_and_verilog_formal_list_see_it(tmp_path, capsys):
    spec = tmp_path / "p.pump"
    spec.write_text(SPEC.replace("BACK_SOURCES", "B, C"))
    trace = tmp_path / "t.txt"
    trace.write_text("jump\nback\n")
    assert main(["simulate", "--monitor", str(spec), str(trace)]) == 1
    assert "first violation: R-02 at step 1" in capsys.readouterr().out
    assert main(["build", "-q", "--out", str(tmp_path / "out"), str(spec)]) == 0
    verilog = (tmp_path / "out" / "p.v").read_text()
    assert "pumpspec-formal f_assert_r_02_1 R-02 assert: back only from B (on back)" in verilog
