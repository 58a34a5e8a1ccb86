"""Units at the API of the generated controller (docs/controller.md, "Quantities in the
spec's units"): on every corpus spec, and the rounding rule on the reference."""
from __future__ import annotations

from fractions import Fraction

import pytest

from compiler.pipeline import load_module
from units_api import check_units_api


def test_units_api_on_every_corpus_spec(corpus_spec):
    check_units_api(load_module(corpus_spec))


def test_a_dose_is_exact_or_refused_never_rounded(reference_gen):
    gen = reference_gen
    amount = gen.EVENTS["bolus"].params["amount"]
    assert amount.describe() == "0..100 U in steps of 0.025 U"
    assert amount.to_base("2.5 U") == amount.to_base("2500 mU") == amount.to_base(Fraction(5, 2), "U") == 100
    for inexact in ("2.51 U", "0.01 U"):
        with pytest.raises(ValueError, match="not a whole number of steps"):
            amount.to_base(inexact)
    assert amount.floor("2.51 U") == 100 and amount.floor(0.0249, "U") == 0  # explicit, down
    for bad, message in (("2.5", "not a quantity"), ("U", "not a quantity"), ("1.2.3 U", "not a decimal"),
                         ("2.5 gallons", "unknown unit"), ("2.5 U/h", "does not measure")):
        with pytest.raises(ValueError, match=message):
            amount.to_base(bad)
    rate = gen.EVENTS["set_basal"].params["rate"]
    assert (rate.unit, rate.reference, rate.resolution) == ("steps/h", "U/h", Fraction(1, 40))
    assert rate.to_base("0.8 U/h") == 32 and rate.to_base("20 mU/min") == 48


def test_handle_refuses_an_inexact_dose_and_changes_nothing(reference_gen):
    gen = reference_gen
    pump = gen.InfusionPump()
    pump.tick()
    pump.handle("load_set", kind=gen.SetKind.teflon)
    before = pump.snapshot()
    with pytest.raises(gen.InvalidEvent) as info:
        pump.handle("refill", amount="12.3456 U")
    assert info.value.code == 2 and "493.824 steps is not a whole number of steps" in str(info.value)
    assert pump.snapshot() == before
    pump.handle("refill", amount="300 U")
    assert pump.reservoir == 12000 and gen.VARIABLES["reservoir"].in_reference(pump.reservoir) == 300
