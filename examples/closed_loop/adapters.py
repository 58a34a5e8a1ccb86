"""Adapters: how a dosing loop's proposals map onto each spec's events (harness.Adapter).

One per pump, keyed by the spec's pump name; the harness checks each against the
controller's metadata (the events exist, the parameters measure a rate or a dose).

- ``TempBasalPump`` (spec/tempbasal_pump.pump): the loop's rate is a 30-minute temporary
  basal re-sent every sample, so a silent loop falls back to the basal programme within
  30 min; boluses are ``bolus``.
- ``InfusionPump`` (spec/infusion_pump.pump, the reference): no temporary basal, so the
  rate is a permanent ``set_basal`` sent when it changes (a silent loop leaves its last
  rate running: issue 11's first finding).
- ``CgmSuspendPump`` (spec/cgm_suspend_pump.pump): each CGM reading is a fresh
  ``reading`` (age 0), which suspends basal at a low and resumes it above the resume
  level; the rate is a permanent ``set_basal`` sent when it changes, doses are ``bolus``
  (refused at a low or without a recent reading, LGS-07).
- ``ClosedLoopPump`` (spec/closed_loop_pump.pump, issue 11 item 2): the patient limits
  are set under the hard caps (max basal 4 x the scheduled rate, max bolus 10 U, max IOB
  3 h of the scheduled rate + 5 U, suspend threshold 80 mg/dL), the programme is flat;
  each CGM reading is a ``cgm`` event with a 30-minute forecast, the loop's rate a
  30-minute ``auto_temp`` re-sent every sample (it reverts to the programme by itself),
  a dose proposed with a meal the manual ``bolus`` (a meal bolus a person confirms, CL-07),
  a dose proposed without one an ``auto_bolus`` (the algorithm's own correction is an
  automated dose: CL-03 .. CL-06, CL-09).
  A proposed rate is capped, as oref0 caps its own, to CL-01's envelope
  (``closed_loop_max_temp``); the pump refuses anything above it.
- ``PatchPump`` (spec/examples/patch_pump.pump): a pod filled, primed and applied; the
  rate is a permanent ``set_basal`` sent when it changes, doses are ``bolus``.

``NO_ADAPTER`` names the corpus pumps no insulin-dosing loop can drive, and why; a test
checks that every corpus spec is in one of the two, and that each reason's backticked
names are events of its spec.
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from .harness import Adapter, Command, Envelope, Step, quantity_text

RESERVOIR = "300 U"


def tempbasal_setup(basal: Fraction) -> list[Step]:
    rate = quantity_text(basal, "U/h")
    return [Step("tick", until="Idle"), Step("load_reservoir", {"amount": RESERVOIR}),
            *(Step("set_profile", {"segment": segment, "rate": rate})
              for segment in ("night", "morning", "day", "evening")),
            Step("start")]


def reference_setup(basal: Fraction) -> list[Step]:
    return [Step("tick", until="Idle"), Step("load_set", {"kind": "teflon"}),
            Step("refill", {"amount": RESERVOIR}), Step("prime", {"amount": "10 U"}),
            Step("tick", until="Idle"), Step("insert", {"at": "abdomen_l"}),
            Step("fill", {"amount": "0.5 U"}), Step("tick", until="Idle"),
            Step("set_basal", {"rate": quantity_text(basal, "U/h")}), Step("start")]


def cgm_suspend_setup(basal: Fraction) -> list[Step]:
    return [Step("tick", until="Idle"), Step("load_reservoir", {"amount": RESERVOIR}),
            Step("set_basal", {"rate": quantity_text(basal, "U/h")}), Step("start")]


def closed_loop_setup(basal: Fraction) -> list[Step]:
    """The reference set-up to Idle, then delivery started and suspended: the settings and
    the programme are accepted only while Suspended (CL-08), the maximum basal first (a
    segment above it is refused, PS-20)."""
    rate = quantity_text(basal, "U/h")
    return [*reference_setup(basal)[:-2], Step("start"), Step("suspend"),
            Step("set_max_basal", {"rate": quantity_text(min(4 * basal, Fraction(35)), "U/h")}),
            Step("set_max_bolus", {"amount": "10 U"}),
            Step("set_max_iob", {"amount": quantity_text(3 * basal + 5, "U")}),
            Step("set_threshold", {"level": "80 mg/dL"}),
            *(Step("set_segment", {"hour": hour, "rate": rate}) for hour in range(24)),
            Step("start")]


def closed_loop_max_temp(state: Mapping[str, Any], constants: Mapping[str, Any]) -> int:
    """CL-01's envelope, steps/h: min(max basal, DAILY_MULT x the highest programmed rate,
    CURRENT_MULT x the programmed rate of the hour), from the pump's settings, programme
    and clock and the spec's multipliers (oref0's getMaxSafeBasal)."""
    program = [value for name, value in state.items() if name.startswith("program_")]
    hour = len(program) * state["time_of_day"] // constants["DAY"]  # the programme's segment
    return min(state["max_basal"], constants["DAILY_MULT"] * max(program),
               constants["CURRENT_MULT"] * program[hour])


def patch_setup(basal: Fraction) -> list[Step]:
    return [Step("fill", {"amount": "200 U"}), Step("tick", until="Ready"),
            Step("set_basal", {"rate": quantity_text(basal, "U/h")}), Step("apply")]


ADAPTERS: dict[str, Adapter] = {
    "TempBasalPump": Adapter(
        pump="TempBasalPump", setup=tempbasal_setup,
        basal=Command("set_temp", "rate", {"duration": "30 min"}), basal_every_sample=True,
        bolus=Command("bolus", "amount")),
    "InfusionPump": Adapter(
        pump="InfusionPump", setup=reference_setup,
        basal=Command("set_basal", "rate"), basal_every_sample=False,
        bolus=Command("bolus", "amount")),
    "CgmSuspendPump": Adapter(
        pump="CgmSuspendPump", setup=cgm_suspend_setup,
        basal=Command("set_basal", "rate"), basal_every_sample=False,
        bolus=Command("bolus", "amount"), glucose=Command("reading", "glucose", {"age": "0 s"})),
    "ClosedLoopPump": Adapter(
        pump="ClosedLoopPump", setup=closed_loop_setup,
        basal=Command("auto_temp", "rate", {"duration": "30 min"}), basal_every_sample=True,
        bolus=Command("bolus", "amount"), auto_bolus=Command("auto_bolus", "amount"),
        glucose=Command("cgm", "level"), forecast="forecast",
        envelope=Envelope("CL-01", ("DAY", "DAILY_MULT", "CURRENT_MULT"), closed_loop_max_temp)),
    "PatchPump": Adapter(
        pump="PatchPump", setup=patch_setup,
        basal=Command("set_basal", "rate"), basal_every_sample=False,
        bolus=Command("bolus", "amount")),
}

NO_ADAPTER: dict[str, str] = {
    "MinimalPatch": "no rate to set: `fill`, `apply`, then a fixed dose per `click`",
    "PcaPump": "an opioid PCA pump, not insulin: the patient's `demand` is a fixed dose and the "
               "`set_background` rate is the clinician's, after `unlock`",
    "SyringeDriver": "a syringe driver: `program` sets a rate and a volume only before `start`, "
                     "never while infusing, and `bolus` is a fixed 1 U behind a lockout",
    "WindowBound": "the proof instance of the window bound (1 U steps, a 6 U window over 4 s): "
                   "`set_rate` and `give` exercise its arithmetic, not a patient's therapy",
}
