"""The dosing algorithms: simglucose's own controllers and a deliberately aggressive one.

Each is a ``simglucose.controller.base.Controller``: ``policy(observation, reward, done,
**info)`` returns ``Action(basal, bolus)``, both in U/min, the bolus spread over one
sample (simglucose's convention: a dose of B U is ``bolus = B / sample_time``).
"""
from __future__ import annotations

from simglucose.controller.base import Action, Controller
from simglucose.controller.basal_bolus_ctrller import BBController
from simglucose.controller.pid_ctrller import PIDController

# PID gains (U/min per mg/dL, per mg/dL·min, per mg/dL/min) and target (mg/dL): simglucose
# ships no tuned values; these were chosen by hand from three candidates on the bench's
# three patients (the best time in range for the adolescent and the adult; none of the
# three keeps the child out of hypoglycaemia: the controller has no basal of its own).
PID_GAINS = {"P": 5e-4, "I": 1e-6, "D": 1e-2, "target": 140}


class AggressiveController(Controller):
    """Deliberately unsafe, to show what an envelope does: the basal-bolus controller's
    meal boluses times 1.5, and while the glucose is above 140 mg/dL four times the
    patient's basal rate and, every sample, a full correction (glucose - 100) / CF U
    with no insulin-on-board accounting, so that the corrections stack."""

    def __init__(self) -> None:
        self.bb = BBController()

    def policy(self, observation, reward, done, **info) -> Action:
        usual = self.bb.policy(observation, reward, done, **info)
        glucose, sample = observation.CGM, info["sample_time"]
        if glucose <= 140:
            return Action(basal=usual.basal, bolus=1.5 * usual.bolus)
        correction = (glucose - 100) / self._correction_factor(info["patient_name"])  # U
        return Action(basal=4 * usual.basal, bolus=1.5 * usual.bolus + correction / sample)

    def _correction_factor(self, patient: str) -> float:
        """The patient's correction factor (mg/dL per U), from simglucose's Quest.csv."""
        quest = self.bb.quest
        return float(quest[quest.Name == patient].CF.iloc[0])

    def reset(self) -> None:
        self.bb.reset()


ALGORITHMS = {
    "bb": ("basal-bolus (simglucose BBController)", BBController),
    "pid": ("PID (simglucose PIDController)", lambda: PIDController(**PID_GAINS)),
    "aggressive": ("aggressive (stacking corrections, 4x basal)", AggressiveController),
}
