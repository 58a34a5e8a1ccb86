"""Every operator makes the mutant it should, well-typed, described in spec terms."""

import pytest

from compiler.ir import build as b
from compiler.ir import nodes as ir
from compiler.mutate import Operator
from compiler.mutate.operators import replace_at

# one expected mutant per operator: id -> the changed spec text after "=>"
EXPECTED = {
    "drop-guard:bolus/Idle->Bolusing:g2": "on bolus from Idle -> Bolusing: (guard dropped)",
    "flip-compare:bolus/Idle->Bolusing:g3.1":
        'when amount < hourly.room else reject T-02 "above the hourly maximum"',
    "constant:bolus/Idle->Bolusing:g2.1+1": "when $amount <= 11",
    "retarget:stop/Bolusing->Idle:Bolusing": "on stop from Bolusing -> Bolusing",
    "add-source:stop/Bolusing->Idle:Idle": "on stop from Idle, Bolusing -> Idle",
    "delete-update:every-tick:reservoir": "every tick: (update deleted)",
    "persistent:bolus_left": "persistent var bolus_left : 0 .. MAX_BOLUS = 0 U",
    "window-counts:hourly:-bolus": "window hourly counts (nothing)",
    "moves-in:+Idle": "moves in Idle, Bolusing",
}


@pytest.mark.parametrize("mutant_id", list(EXPECTED))
def test_each_operator_makes_its_mutant(tiny_mutants, mutant_id):
    m = tiny_mutants[mutant_id]
    assert m.operator == Operator(mutant_id.split(":")[0])
    assert m.after.endswith(EXPECTED[mutant_id]), m.diff
    assert m.where.rsplit(":", 1)[0].endswith("tiny.pump")
    assert m.discarded is None and m.module is not None


def test_every_operator_is_exercised(tiny, tiny_mutants):
    made = {m.operator for m in tiny_mutants.values()}
    # the tiny spec has no `and`/`or` and one source per transition
    assert made == set(Operator) - {Operator.FLIP_CONNECTIVE, Operator.REMOVE_SOURCE}


def test_connective_and_source_removal_on_the_reference():
    from compiler import pipeline
    from compiler.mutate import generate
    analysis = pipeline.load("spec/minimal_pump.pump")
    mutants = {m.id: m for m in generate(analysis.module, analysis.text)}
    removed = mutants["remove-source:remove/Ready+Running+Bolusing->Done:Running"]
    assert removed.after == "on remove from Ready, Bolusing -> Done"
    t = next(t for t in removed.module.transitions if t.event == "remove")
    assert t.sources == ("Ready", "Bolusing")
    analysis = pipeline.load("spec/infusion_pump.pump")
    ops = {m.operator for m in generate(analysis.module, analysis.text)}
    assert ops == set(Operator)


def test_the_mutant_module_carries_the_change(tiny_mutants):
    retarget = tiny_mutants["retarget:stop/Bolusing->Idle:Bolusing"].module
    assert next(t for t in retarget.transitions if t.event == "stop").target == "Bolusing"
    persistent = tiny_mutants["persistent:bolus_left"].module
    assert persistent.variable("bolus_left").persistent
    moves = tiny_mutants["moves-in:+Idle"].module
    assert moves.motor.moving_states == ("Idle", "Bolusing")
    window = tiny_mutants["window-counts:hourly:-bolus"].module
    assert window.windows[0].counts == ()


def test_a_mutant_that_fails_the_sanity_check_is_discarded(tiny_mutants):
    below = tiny_mutants["constant:stop/Bolusing->Idle:bolus_left.1-1"]
    assert below.module is None and "can never be in 0..10 steps" in below.discarded
    unmoving = tiny_mutants["moves-in:-Bolusing"]
    assert unmoving.module is None and "E0403" in unmoving.discarded


def test_a_changed_literal_retypes_the_expressions_around_it():
    x = ir.Var("x", ir.IntType(0, 5))
    e = b.add(x, b.lit_int(3))
    assert e.type == ir.IntType(3, 8)
    changed = replace_at(e, (1,), b.lit_int(4))
    assert changed.type == ir.IntType(4, 9)
    assert replace_at(b.mul_const(e, 2), (0, 1), b.lit_int(4)).type == ir.IntType(8, 18)


def test_ids_are_unique_and_stable(tiny, tiny_mutants):
    from compiler.mutate import generate
    again = [m.id for m in generate(tiny.module, tiny.text)]
    assert again == list(tiny_mutants) and len(set(again)) == len(again)
