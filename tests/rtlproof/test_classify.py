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


def _refinement_case(ir_ids: frozenset[str], step_status: str = "PASS"):
    """Three FSM parts: the step checks, the range fact, and an invariant whose own
    induction got no answer in its time (a piece of a split part)."""
    props = [Prop("f_step_x_1", "step.x", "step", "x is the spec's", "fsm"),
             Prop("f_range_x", "range.x", "range", "x stays in range", "fsm"),
             Prop("f_inv_a_1", "A-1", "inv", "a holds", "fsm")]
    names = ("fsm.1", "fsm.2", "fsm.3")
    steps = Task("fsm.1", "p_fsm", "prove", 1, status=step_status, labels=("f_step_x_1",),
                 needs=names, passed={"f_step_x_1"} if step_status == "PASS" else set())
    rng = Task("fsm.2", "p_fsm", "prove", 1, status="PASS", labels=("f_range_x",),
               needs=names, passed={"f_range_x"})
    inv = Task("fsm.3", "p_fsm", "prove", 1, status="TIMEOUT", labels=("f_inv_a_1",),
               needs=names)
    bmc = Task("fsm-bmc", "p_fsm", "bmc", 14, status="PASS")
    classify(props, [steps, rng, inv, bmc], Path("p.v"), lambda: ir_ids)
    return {p.label: p for p in props}


def test_a_property_left_open_is_proved_by_refinement_when_the_ir_proves_it():
    props = _refinement_case(frozenset({"A-1", "range.x"}))
    assert {label: p.outcome for label, p in props.items()} == dict.fromkeys(props, "proved")
    assert props["f_inv_a_1"].task == "refinement"
    assert "`pumpspec prove` proves A-1" in props["f_inv_a_1"].detail
    # the others by their own induction, which assumed the open one: sound by refinement
    assert props["f_range_x"].detail.startswith("k-induction")


def test_no_refinement_without_the_ir_proof():
    props = _refinement_case(frozenset({"range.x"}))
    assert [p.outcome for p in props.values()] == ["unknown"] * 3


def test_no_refinement_without_every_step_check():
    props = _refinement_case(frozenset({"A-1", "range.x"}), step_status="TIMEOUT")
    assert [p.outcome for p in props.values()] == ["unknown"] * 3


def test_a_step_check_is_never_settled_by_the_ir_proof():
    # the step checks are about the design: the IR prover's ids never excuse them
    props = _refinement_case(frozenset({"A-1", "range.x", "step.x"}), step_status="TIMEOUT")
    assert props["f_step_x_1"].outcome == "unknown"


def test_no_refinement_for_a_block_without_step_checks():
    # an open part is never excused when the block carries no refinement checks
    props = [Prop("f_range_x", "range.x", "range", "x stays in range", "fsm"),
             Prop("f_inv_a_1", "A-1", "inv", "a holds", "fsm")]
    names = ("fsm.1", "fsm.2")
    rng = Task("fsm.1", "p_fsm", "prove", 1, status="PASS", labels=("f_range_x",),
               needs=names, passed={"f_range_x"})
    inv = Task("fsm.2", "p_fsm", "prove", 1, status="TIMEOUT", labels=("f_inv_a_1",),
               needs=names)
    classify(props, [rng, inv], Path("p.v"), lambda: frozenset({"A-1", "range.x"}))
    assert [p.outcome for p in props] == ["unknown", "unknown"]


def test_a_trace_from_reset_blocks_the_refinement():
    props = _refinement_case(frozenset({"A-1", "range.x"}))
    assert props["f_inv_a_1"].outcome == "proved"  # the case itself closes
    steps = Task("fsm.1", "p_fsm", "prove", 1, status="PASS", labels=("f_step_x_1",),
                 needs=("fsm.1", "fsm.2", "fsm.3"), passed={"f_step_x_1"})
    rng = Task("fsm.2", "p_fsm", "prove", 1, status="PASS", labels=("f_range_x",),
               needs=("fsm.1", "fsm.2", "fsm.3"), passed={"f_range_x"})
    inv = Task("fsm.3", "p_fsm", "prove", 1, status="TIMEOUT", labels=("f_inv_a_1",),
               needs=("fsm.1", "fsm.2", "fsm.3"))
    bmc = Task("fsm-bmc", "p_fsm", "bmc", 14, status="FAIL",
               failed={"f_inv_a_1": ("trace", None)})
    fresh = [Prop("f_step_x_1", "step.x", "step", "x is the spec's", "fsm"),
             Prop("f_range_x", "range.x", "range", "x stays in range", "fsm"),
             Prop("f_inv_a_1", "A-1", "inv", "a holds", "fsm")]
    classify(fresh, [steps, rng, inv, bmc], Path("p.v"), lambda: frozenset({"A-1", "range.x"}))
    outcome = {p.label: p.outcome for p in fresh}
    assert outcome["f_inv_a_1"] == "violated"
    assert outcome["f_range_x"] == outcome["f_step_x_1"] == "unknown"
