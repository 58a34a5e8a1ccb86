"""The closed-loop spec's insulin-on-board model is a conservative bound (CL-05).

spec/closed_loop_pump.pump counts automated delivery in the window `iob` (13 buckets of
30 min) and bounds insulin on board by the weighted sum sum_k w_k * b_k / 100, with the
weights IOB_W2 .. IOB_W12 (w0 = w1 = 100). The argument (docs/requirements.md, "Insulin on
board"): bucket k >= 1 holds only doses at least (k - 1) x 30 min old, and a dose's
remaining fraction f(age) is at most w_k / 100 over the ages bucket k can hold,
(k - 1) x 30 min .. (k + 1) x 30 min; a dose leaves the last bucket at 6 h, when f is 0.
This test checks those facts, minute by minute, against the insulin curves the open loops
use: the exponential curve of Loop and oref0 (rapid-acting and ultra-rapid peaks, 5 and 6 h
action) and oref0's bilinear curve.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from compiler.pipeline import load_module

ROOT = Path(__file__).resolve().parents[1]
MODULE = load_module(ROOT / "spec" / "closed_loop_pump.pump")
MINUTE = 60  # ticks: the spec's tick is 1 s


def exponential(minutes: float, action: float, peak: float) -> float:
    """Loop's ExponentialInsulinModel / oref0 iobCalcExponential: the fraction left."""
    if minutes >= action:
        return 0.0
    tau = peak * (1 - peak / action) / (1 - 2 * peak / action)
    a = 2 * tau / action
    s = 1 / (1 - a + (1 + a) * math.exp(-action / tau))
    t = minutes
    return 1 - s * (1 - a) * ((t * t / (tau * action * (1 - a)) - t / tau - 1) * math.exp(-t / tau) + 1)


def bilinear(minutes: float, action: float) -> float:
    """oref0 iobCalcBilinear: its 3 h curve (peak 75 min, end 180 min) scaled to `action`."""
    scaled = minutes * 180 / action
    if scaled < 75:
        x1 = scaled / 5 + 1
        return -0.001852 * x1 * x1 + 0.001852 * x1 + 1.0
    if scaled < 180:
        x2 = (scaled - 75) / 5
        return 0.001323 * x2 * x2 - 0.054233 * x2 + 0.55556
    return 0.0


CURVES = {
    **{f"exponential {action // 60} h, peak {peak} min": (lambda t, a=action, p=peak: exponential(t, a, p))
       for action in (300, 360) for peak in (55, 75)},
    **{f"bilinear {action // 60} h": (lambda t, a=action: bilinear(t, a)) for action in (300, 360)},
}


def weights() -> list[int]:
    constants = {c.name: c.value for c in MODULE.constants}
    return [100, 100] + [constants[f"IOB_W{k}"] for k in range(2, 13)]


def test_the_window_is_thirteen_half_hours():
    (window,) = [w for w in MODULE.windows if w.name == "iob"]
    assert (window.buckets, window.bucket_ticks) == (13, 30 * MINUTE)
    assert len(weights()) == window.buckets


def test_weights_never_grow_with_age():
    """A shift moves each bucket to an older, lighter weight: the bound never grows by a shift."""
    w = weights()
    assert all(a >= b for a, b in zip(w, w[1:], strict=False)) and w[0] == w[1] == 100


@pytest.mark.parametrize("name", CURVES)
def test_each_weight_bounds_the_curve_over_its_bucket(name):
    curve = CURVES[name]
    for k, w in enumerate(weights()):
        youngest = max(k - 1, 0) * 30
        for minute in range(youngest, youngest + 61):  # every age bucket k holds
            assert curve(minute) * 100 <= w + 1e-9, (name, k, minute)


@pytest.mark.parametrize("name", CURVES)
def test_a_dose_leaves_the_window_only_when_it_no_longer_acts(name):
    assert CURVES[name](12 * 30) <= 1e-9

