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
- ``ClosedLoopPump`` (spec/closed_loop_pump.pump, issue 11 item 2, not in this branch):
  its adapter belongs here — each CGM reading as its glucose event (``glucose``), the
  rate as its automated temporary basal with a duration (``basal_every_sample``), the
  dose as its automated micro-bolus.
"""
from __future__ import annotations

from fractions import Fraction

from .harness import Adapter, Command, Step, quantity_text

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
}
