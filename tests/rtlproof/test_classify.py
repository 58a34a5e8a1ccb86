"""compiler/rtlproof classify(): the verdict and the note of each assertion from the tasks'
results (no solver run: the tasks' outcomes are given)."""
from __future__ import annotations

from pathlib import Path

from compiler.rtlproof import Prop, Task, classify


def _props():
    return [Prop("f_inv_a_1", "A-1", "invariant", "a holds", "fsm"),
            Prop("f_range_x", "range.x", "range", "x stays in range", "fsm")]


def test_an_assertion_failing_induction_says_how_to_strengthen_it_and_the_others_why_open():
    # sby reports UNKNOWN for a failed induction; it stops at the first failed assertion
    fsm = Task("fsm", "p_fsm", "prove", 1, status="UNKNOWN",
               failed={"f_inv_a_1": ("induction", "trace_induct.vcd")})
    bmc = Task("fsm-bmc", "p_fsm", "bmc", 14, status="PASS")
    props = _props()
    classify(props, [fsm, bmc], Path("p.v"))
    inv, rng = props
    assert inv.outcome == rng.outcome == "unknown"
    assert "failed at depth 1" in inv.detail and "strengthening as invariants" in inv.detail
    assert "stopped at `f_inv_a_1`" in rng.detail


def test_a_passed_full_width_induction_proves():
    fsm = Task("fsm", "p_fsm", "prove", 1, status="PASS", passed={"f_inv_a_1", "f_range_x"})
    props = _props()
    classify(props, [fsm], Path("p.v"))
    assert [p.outcome for p in props] == ["proved", "proved"]
    assert all("stopped" not in p.detail for p in props)
