"""The closed-loop example (examples/closed_loop): the harness on generated controllers,
and a short simglucose run (one patient, a few hours) through the envelope."""
from __future__ import annotations

import re
from datetime import datetime
from fractions import Fraction

import pytest

from examples.closed_loop.adapters import ADAPTERS, NO_ADAPTER
from examples.closed_loop.experiment import adapter_for, generated_controller
from examples.closed_loop.harness import DOSE_LIMIT, Adapter, Command, SpecPump

TEMPBASAL = "spec/tempbasal_pump.pump"


@pytest.fixture(scope="module")
def tempbasal():
    return generated_controller(TEMPBASAL).controller


def started(generated, name: str = "TempBasalPump", basal: str = "0.8",
            constants: dict | None = None) -> SpecPump:
    pump = SpecPump(generated, ADAPTERS[name], constants)
    pump.start(Fraction(basal))
    assert pump.pump.state.name == "Delivering"
    return pump


def test_proposals_are_rounded_down_and_refusals_recorded_with_their_requirement(tempbasal):
    pump = started(tempbasal)
    pump.propose(0.8333, 30.0)  # 0.8333 U/h -> 0.825 U/h; 30 U is above the 25 U maximum
    assert pump.pump.temp_rate == 33 and pump.pump.temp_left == 1800  # steps/h; 30 min
    assert [(r.event, r.requirement, r.code) for r in pump.refusals] == [
        ("bolus", "PS-22", pump.refusals[0].code)]
    pump.propose(0.8333, 2.51)  # 2.51 U -> 2.5 U (100 steps): rounded down, never up
    assert pump.pump.bolus_left == 100 and pump.pump.state.name == "Bolusing"
    pump.propose(0.8333, 1.0)
    assert pump.refusals[-1].key == "PS-23"  # one bolus at a time


def test_the_patient_gets_exactly_the_commanded_steps(tempbasal):
    pump = started(tempbasal)
    before = pump.pump.reservoir
    pump.propose(12.0, 3.0)
    delivered = sum(pump.minute() for _ in range(30))
    assert delivered == (before - pump.pump.reservoir) * tempbasal.UNITS_PER_STEP
    assert delivered == Fraction(3) + Fraction(6)  # the bolus and 30 min at 12 U/h, exactly


def test_the_dose_windows_clamp_and_refuse_an_aggressive_loop(tempbasal):
    pump = started(tempbasal)
    minutes = []
    for _ in range(40):  # two hours of 3-minute samples asking for 35 U/h and 4 U each
        pump.propose(35.0, 4.0)
        minutes += [pump.minute() for _ in range(3)]
    assert {r.key for r in pump.refusals} >= {"PS-24"}
    assert pump.clamps and all(c.units > 0 and c.by.startswith(DOSE_LIMIT) for c in pump.clamps)
    # PS-24: at most 40 U in any hour (the window's buckets cover at least 60 min)
    assert max(sum(minutes[i:i + 60]) for i in range(len(minutes) - 59)) <= 40


def test_the_reference_pump_sends_a_permanent_basal_only_when_it_changes():
    generated = generated_controller("spec/infusion_pump.pump").controller
    pump = started(generated, "InfusionPump")
    pump.propose(1.0, 0.0)
    pump.propose(1.0, 0.0)
    pump.propose(36.0, 0.0)  # above the 35 U/h maximum basal rate
    assert pump.pump.basal_rate == 40 and [r.key for r in pump.refusals] == ["PS-20"]


def test_cgm_readings_suspend_basal_at_a_low_and_refuse_boluses():
    generated = generated_controller("spec/cgm_suspend_pump.pump").controller
    pump = started(generated, "CgmSuspendPump")
    pump.reading(70.9, 3)  # rounded down to 70 mg/dL: at the low threshold
    assert pump.pump.state.name == "LowSuspend" and pump.pump.last_glucose == 70
    pump.propose(2.0, 3.0)
    assert [r.key for r in pump.refusals] == ["LGS-07"] and pump.pump.basal_rate == 80
    assert sum(pump.minute() for _ in range(10)) == 0  # basal suspended


def test_the_closed_loop_adapter_caps_a_rate_to_the_envelope_and_the_pump_still_refuses_above_it():
    """CL-01: the loop's rate is capped to min(max basal, 3 x the highest programmed rate,
    4 x the hour's) before it is sent, and recorded as a clamp; the pump itself still
    refuses a rate above the envelope."""
    generated = generated_controller("spec/closed_loop_pump.pump")
    pump = started(generated.controller, "ClosedLoopPump", "0.5", generated.constants)
    pump.pump.handle("suspend")  # a higher hour at 14:00: the envelope takes the current hour
    pump.pump.handle("set_segment", hour=14, rate="1 U/h")
    pump.pump.handle("start")
    pump.reading(150.0, 3)
    pump.propose(1.5, 0.0, 3)  # within 4 x 0.5 U/h, 3 x 1 U/h and the max basal (2 U/h)
    assert pump.pump.temp_rate == 60 and not pump.clamps  # steps/h
    pump.propose(3.0, 0.0, 3)  # above 4 x 0.5 U/h = 2 U/h
    assert pump.pump.temp_rate == 80 and not pump.refusals
    assert [(c.by, c.units) for c in pump.clamps] == [("CL-01", Fraction(1, 20))]  # 1 U/h for 3 min
    with pytest.raises(generated.controller.Rejected) as refused:
        pump.pump.handle("auto_temp", rate="2.025 U/h", duration="30 min")
    assert refused.value.requirement == "CL-01"
    with pytest.raises(ValueError, match="needs the spec's constants DAY, DAILY_MULT"):
        SpecPump(generated.controller, ADAPTERS["ClosedLoopPump"])


def test_the_closed_loop_adapter_sends_a_dose_without_a_meal_as_an_automated_bolus():
    """A meal bolus is the person's (`bolus`, CL-07); a dose the algorithm proposes with no
    meal is its own correction, an `auto_bolus` under CL-03 .. CL-06 and CL-09."""
    generated = generated_controller("spec/closed_loop_pump.pump")
    pump = started(generated.controller, "ClosedLoopPump", "0.5", generated.constants)
    pump.reading(150.0, 3)
    pump.propose(0.5, 0.2, 3, meal=False)  # within 30 min of 0.5 U/h and max IOB
    assert pump.pump.micro_left == 8 and pump.pump.state.name == "Delivering"
    for _ in range(3):
        pump.minute()
    pump.propose(0.5, 1.0, 3, meal=False)  # above 30 min of the programmed basal
    assert [r.key for r in pump.refusals] == ["CL-06"]
    pump.propose(0.5, 4.0, 3, meal=True)
    assert pump.pump.bolus_left == 160 and pump.pump.state.name == "Bolusing"


def test_every_corpus_pump_has_an_adapter_that_drives_it_or_a_checked_reason(corpus_spec):
    """Every corpus spec is either listed in NO_ADAPTER, with a reason whose backticked
    names are events of the spec (so the reason follows the spec), or has an adapter:
    setup reaches delivery, and a modest loop (a reading, 1.2 U/h over a 0.8 U/h
    programme, a 1 U bolus) is accepted and delivered."""
    generated = generated_controller(corpus_spec)
    assert (generated.pump in ADAPTERS) != (generated.pump in NO_ADAPTER), generated.pump
    if generated.pump in NO_ADAPTER:
        named = re.findall(r"`(\w+)`", NO_ADAPTER[generated.pump])
        assert named and set(named) <= set(generated.controller.EVENTS), named
        return
    pump = started(generated.controller, generated.pump, constants=generated.constants)
    pump.reading(120.0, 3)
    pump.propose(1.2, 1.0, 3)
    delivered = sum(pump.minute() for _ in range(10))
    assert not pump.refusals and not pump.clamps
    assert delivered >= 1  # the bolus (1.5 U/min or faster) and some basal


def test_adapters_and_reasons_name_only_corpus_pumps(corpus_specs):
    pumps = {generated_controller(spec).pump for spec in corpus_specs}
    assert set(ADAPTERS) | set(NO_ADAPTER) == pumps


def test_an_adapter_is_checked_against_the_metadata(tempbasal):
    wrong = Adapter("TempBasalPump", ADAPTERS["TempBasalPump"].setup,
                    basal=Command("set_temp", "duration"), basal_every_sample=True, bolus=None)
    with pytest.raises(ValueError, match="measures s, not U/h"):
        SpecPump(tempbasal, wrong)
    with pytest.raises(SystemExit, match="no adapter for pump MinimalPatch"):
        adapter_for("MinimalPatch")


# ---------------------------------------------------------------- simglucose


def test_a_short_simglucose_run_through_the_envelope(tmp_path):
    from examples.closed_loop.algorithms import AggressiveController, BBController
    from examples.closed_loop.report import plot, refusals_csv, table
    from examples.closed_loop.simulation import simulate

    generated = generated_controller(TEMPBASAL).controller
    adapter = ADAPTERS["TempBasalPump"]
    breakfast = datetime(2026, 1, 1, 6, 0)  # the seeded scenario has breakfast after 6:00
    runs = {}
    for name, make in (("bb", BBController), ("aggressive", AggressiveController)):
        pump = SpecPump(generated, adapter)
        runs[name] = simulate("adolescent#001", make(), name, 2, seed=1, pump=pump, start=breakfast)
        # the patient received exactly the steps the controller commanded
        assert runs[name].delivered == (12000 - pump.pump.reservoir) * generated.UNITS_PER_STEP
        assert sum(runs[name].insulin) == pytest.approx(float(runs[name].delivered), rel=1e-12)
    baseline = simulate("adolescent#001", AggressiveController(), "aggressive", 2, seed=1, pump=None,
                        start=breakfast)
    assert not runs["bb"].refusals  # the envelope accepts the basal-bolus controller
    assert runs["aggressive"].refusals and baseline.envelope == "none"
    assert sum(runs["aggressive"].insulin) < sum(baseline.insulin)
    text = table([runs["bb"], runs["aggressive"], baseline])
    for refusal in runs["aggressive"].refusals:
        assert refusal.key in text
    png = plot(runs["aggressive"], tmp_path / "run.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    log = refusals_csv(runs["aggressive"], tmp_path / "refusals.csv").read_text().splitlines()
    assert len(log) == 1 + len(runs["aggressive"].refusals) + len(runs["aggressive"].clamps)
    again = simulate("adolescent#001", BBController(), "bb", 0.5, seed=1,
                     pump=SpecPump(generated, adapter), start=breakfast)
    assert again.bg == runs["bb"].bg[:30]  # seeded: the same run twice


def test_the_patient_model_is_simglucoses():
    from simglucose.patient.t1dpatient import Action, T1DPatient

    from examples.closed_loop.simulation import patient_model

    ours, theirs = patient_model("child#001"), T1DPatient.withName("child#001")
    for minute in range(90):
        action = Action(CHO=40 if minute == 5 else 0, insulin=0.05 if minute == 6 else 0.01)
        ours.step(action)
        theirs.step(action)
        assert ours.observation.Gsub == theirs.observation.Gsub
    assert ours.name == theirs.name == "child#001"
