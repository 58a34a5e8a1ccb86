"""One closed-loop run: simglucose's patient and CGM, a dosing algorithm, and a pump.

The pump is either a generated controller (harness.SpecPump: the envelope) or, for the
side-by-side comparison, simglucose's own pump model (``InsulinPump``, Insulet
parameters: no envelope). The loop runs as simglucose's ``T1DSimEnv`` does — every
CGM sample (3 min for the Dexcom model) the algorithm sees the last reading and the
carbohydrates of the past sample, then the patient model steps minute by minute — but
its insulin each minute is what the pump delivered in that minute: for a SpecPump, the
motor steps the controller's ticks commanded times U per step, given to the model as a
constant rate over the minute (the model's own resolution). The only rounding on the
way is the conversion of that exact amount to a float. Everything is seeded: the
meals (``RandomScenario``), the CGM noise, the patient's initial state (fixed). A run
ends early, as simglucose's episodes do, when the model's glucose leaves 10-600 mg/dL
(the model is not valid beyond); ``Run.ended`` says when.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pandas as pd
from simglucose.actuator.pump import InsulinPump
from simglucose.controller.base import Controller
from simglucose.patient.t1dpatient import Action as PatientAction
from simglucose.patient.t1dpatient import PATIENT_PARA_FILE, T1DPatient
from simglucose.sensor.cgm import CGMSensor
from simglucose.simulation.env import Observation
from simglucose.simulation.scenario_gen import RandomScenario

from .harness import Clamp, Refusal, SpecPump

MODEL_RANGE = (10, 600)  # mg/dL: simglucose ends an episode outside it
START = datetime(2026, 1, 1, 0, 0)  # midnight: RandomScenario draws each day's meals then
SENSOR = "Dexcom"
REFERENCE_PUMP = "Insulet"
logging.getLogger("simglucose").setLevel(logging.WARNING)


@dataclass
class Run:
    """A run's record, minute by minute (``bg``: the model's glucose, mg/dL)."""

    patient: str
    algorithm: str
    envelope: str  # the spec's pump name, or "none" (simglucose's pump model)
    bg: list[float] = field(default_factory=list)
    insulin: list[float] = field(default_factory=list)  # U delivered in each minute
    cho: list[float] = field(default_factory=list)  # g eaten in each minute
    cgm: list[tuple[int, float]] = field(default_factory=list)  # (minute, reading)
    proposed: float = 0.0  # U the algorithm proposed (basal over its sample + boluses)
    delivered: Fraction = Fraction(0)  # U, exactly (the envelope runs)
    refusals: list[Refusal] = field(default_factory=list)
    clamps: list[Clamp] = field(default_factory=list)
    units_per_step: Fraction = Fraction(0)
    states: list[tuple[int, str]] = field(default_factory=list)
    ended: int | None = None  # the minute the model's glucose left MODEL_RANGE

    @property
    def label(self) -> str:
        return f"{self.patient} {self.algorithm} / {self.envelope}"

    def metrics(self) -> dict[str, object]:
        minutes = len(self.bg) or 1
        clamped = sum((c.units for c in self.clamps), Fraction(0))
        return {
            "in range 70-180": sum(70 <= g <= 180 for g in self.bg) / minutes,
            "below 70": sum(g < 70 for g in self.bg) / minutes,
            "below 54": sum(g < 54 for g in self.bg) / minutes,
            "proposed U": self.proposed,
            "delivered U": sum(self.insulin),
            "clamped U": float(clamped),
            "clamps": Counter(c.by for c in self.clamps),
            "refusals": Counter(r.key for r in self.refusals),
        }


def patient_parameters(patient: str) -> pd.Series:
    """The patient's row of simglucose's vpatient_params.csv."""
    table = pd.read_csv(PATIENT_PARA_FILE)
    return table[table.Name == patient].iloc[0]


def patient_model(patient: str) -> T1DPatient:
    """simglucose's model of ``patient``, as ``T1DPatient.withName`` builds it but with the
    parameters in a namespace instead of a pandas Series: the same numbers and initial
    state (the row's columns 2-14), read by attribute. The model's right-hand side reads
    about 40 parameters per evaluation, and through a Series that is most of a run's
    time (13 times slower; tests/examples checks both give the same glucose)."""
    row = patient_parameters(patient)
    return T1DPatient(SimpleNamespace(**row.to_dict()),
                      init_state=np.array(row.iloc[2:15].values, dtype=float))


def scheduled_basal(patient: str) -> float:
    """The patient's steady-state basal rate (U/h), as simglucose's BBController computes
    it: u2ss (pmol/(L·kg)) × body weight (kg) / 6000 U/min."""
    params = patient_parameters(patient)
    return float(params.u2ss * params.BW / 6000 * 60)


def simulate(patient: str, algorithm: Controller, algorithm_name: str, hours: float, seed: int,
             pump: SpecPump | None, start: datetime = START) -> Run:
    """Run ``algorithm`` on ``patient`` for ``hours`` through ``pump`` (None: simglucose's
    own pump model)."""
    model = patient_model(patient)
    sensor = CGMSensor.withName(SENSOR, seed=seed)
    scenario = RandomScenario(start_time=start, seed=seed)
    sample = int(sensor.sample_time)
    reference = InsulinPump.withName(REFERENCE_PUMP) if pump is None else None
    run = Run(patient, algorithm_name, "none" if pump is None else pump.adapter.pump)
    if pump is not None:
        pump.start(pump.scheduled(scheduled_basal(patient)))
        run.units_per_step = pump.units_per_step
    cgm, meal = sensor.measure(model), 0.0
    for _ in range(int(hours * 60) // sample):
        if run.ended is not None:
            break
        run.cgm.append((len(run.bg), cgm))
        action = algorithm.policy(Observation(CGM=cgm), 0, False, sample_time=sample,
                                  patient_name=patient, meal=meal,
                                  time=start + timedelta(minutes=model.t))
        run.proposed += (max(action.basal, 0.0) + max(action.bolus, 0.0)) * sample
        if pump is not None:
            pump.reading(cgm, sample)
            pump.propose(action.basal * 60, action.bolus * sample, sample, meal=meal > 0)
        eaten = 0.0
        for _ in range(sample):
            carbs = scenario.get_action(start + timedelta(minutes=model.t)).meal
            if pump is not None:
                units = pump.minute()
                run.delivered += units
                rate = float(units)  # U over one minute = U/min
            else:
                rate = reference.basal(action.basal) + reference.bolus(action.bolus)
            model.step(PatientAction(CHO=carbs, insulin=rate))
            run.bg.append(float(model.observation.Gsub))
            run.insulin.append(rate)
            run.cho.append(carbs)
            eaten += carbs
            cgm = sensor.measure(model)
            if run.ended is None and not MODEL_RANGE[0] <= run.bg[-1] <= MODEL_RANGE[1]:
                run.ended = len(run.bg)
        meal = eaten / sample
    if pump is not None:
        run.refusals, run.clamps, run.states = pump.refusals, pump.clamps, pump.states
    return run
