"""units.format_quantity: base units as a person reads them; units.significant: exact rounding."""
from fractions import Fraction

import pytest

from compiler.units import (FREQUENCY, GLUCOSE, NONE, RATE, TIME, VOLUME, dim_name, format_quantity,
                            in_largest_unit, significant)

STEP = Fraction(1, 40)  # 0.025 U per step
TICK = Fraction(1)


@pytest.mark.parametrize("value, dim, scale, shown", [
    (80, VOLUME, 1, "2 U"),
    (100, VOLUME, 1, "2.5 U"),
    (-5, VOLUME, 1, "-0.125 U"),
    (0, TIME, 1, "0 s"),
    (Fraction(1, 2), TIME, 1, "0.5 s"),
    (79440, TIME, 1, "22 h 4 min"),
    (79444, TIME, 1, "22 h 4 min 4 s"),
    (7200, TIME, 1, "2 h"),
    (1, RATE, 1, "90 U/h"),
    (1400, RATE, Fraction(1, 3600), "35 U/h"),
    (2, FREQUENCY, 1, "2 /s"),
    (7, NONE, 1, "7"),
    (70, GLUCOSE, 1, "70 mg/dL"),
])
def test_format_quantity(value, dim, scale, shown):
    assert format_quantity(value, dim, STEP, TICK, Fraction(scale)) == shown


def test_glucose_is_its_own_dimension():
    assert dim_name(GLUCOSE) == "a glucose level"
    assert len({NONE, VOLUME, TIME, RATE, FREQUENCY, GLUCOSE}) == 6


def test_inexact_values_are_marked_and_a_spec_without_steps_prints_the_number():
    assert format_quantity(1, VOLUME, Fraction(1, 3), TICK) == "≈0.333333 U"
    assert format_quantity(3, VOLUME, None, TICK) == "3"
    assert format_quantity(3, TIME, None, Fraction(1, 10)) == "0.3 s"


@pytest.mark.parametrize("value", [Fraction(1, 3), Fraction(-5, 7), Fraction(1000000), Fraction(999999),
                                   Fraction(1, 10000), Fraction(1, 100000), Fraction(25, 2), Fraction(0),
                                   Fraction(123456789), Fraction(10**300 + 1, 3)])
def test_significant_prints_as_a_float_would(value):
    assert significant(value) == f"{float(value):g}"


def test_significant_is_exact_beyond_the_float_range():
    assert significant(Fraction(10**400 * 5, 3)) == "1.66667e+400"
    assert significant(Fraction(-3, 10**400)) == "-3e-400"


def test_in_largest_unit_picks_the_largest_unit_that_keeps_the_value_at_least_one():
    assert in_largest_unit(Fraction(3, 2000), TIME) == "1.5 ms"
    assert in_largest_unit(Fraction(90), TIME) == "1.5 min"
    assert in_largest_unit(Fraction(1000), FREQUENCY) == "1 kHz"
    assert in_largest_unit(Fraction(12_000_000), FREQUENCY) == "12 MHz"
    assert in_largest_unit(Fraction(1, 10**12), TIME) == "0.001 ns"  # below the smallest
