"""Physical units: dimensions, the unit table, and exact conversion to base units.

A quantity's dimension is (volume exponent, time exponent, glucose exponent). Base units
are the motor step (volume, size set by ``units { step = ... }``), the tick (time,
``tick = ...``) and 1 mg/dL (blood glucose concentration, fixed); so a volume is a number
of steps, a time a number of ticks, a rate steps per tick, a frequency events per tick and
a glucose reading a number of mg/dL. Clock cycles are derived from ``clock`` for pulse
timing.
Values stay exact ``Fraction`` s until a use needs an integer.

A leaf module (no project imports): the parser names the known units in its errors, the
semantics converts with them, and text traces read quantities with them.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm

MAX_NUMBER_DIGITS = 40  # digits of a number written in a spec (E0006) or a text trace

Dim = tuple[int, int, int]
NONE: Dim = (0, 0, 0)
VOLUME: Dim = (1, 0, 0)
TIME: Dim = (0, 1, 0)
RATE: Dim = (1, -1, 0)
FREQUENCY: Dim = (0, -1, 0)
GLUCOSE: Dim = (0, 0, 1)

DIM_NAMES = {NONE: "a plain number", VOLUME: "a volume", TIME: "a time", RATE: "a rate",
             FREQUENCY: "a frequency", GLUCOSE: "a glucose level"}

# name -> (dimension, size in reference units: insulin units U, seconds and mg/dL)
_REFERENCE: dict[str, tuple[Dim, Fraction]] = {
    "mg/dL": (GLUCOSE, Fraction(1)),
    "U": (VOLUME, Fraction(1)),
    "mU": (VOLUME, Fraction(1, 1000)),
    "h": (TIME, Fraction(3600)),
    "min": (TIME, Fraction(60)),
    "s": (TIME, Fraction(1)),
    "ms": (TIME, Fraction(1, 1000)),
    "us": (TIME, Fraction(1, 1000_000)),
    "ns": (TIME, Fraction(1, 1000_000_000)),
    "d": (TIME, Fraction(86400)),
    "Hz": (FREQUENCY, Fraction(1)),
    "kHz": (FREQUENCY, Fraction(1000)),
    "MHz": (FREQUENCY, Fraction(1000_000)),
}
BASE_ALIASES = {"step": "step", "steps": "step", "tick": "tick", "ticks": "tick",
                "cycle": "cycle", "cycles": "cycle"}
KNOWN_UNITS = sorted(set(_REFERENCE) | set(BASE_ALIASES))


def dim_name(d: Dim) -> str:
    if d in DIM_NAMES:
        return DIM_NAMES[d]
    glucose = f" glucose^{d[2]}" if d[2] else ""
    return f"volume^{d[0]} time^{d[1]}{glucose}"


def mul_dim(a: Dim, b: Dim) -> Dim:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def div_dim(a: Dim, b: Dim) -> Dim:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


@dataclass(frozen=True)
class BaseUnits:
    """The spec's base units: step volume in U, tick length in s, clock in Hz."""

    step_units: Fraction | None  # None: the spec declares no `step`
    tick_seconds: Fraction
    clock_hz: Fraction | None

    def unit_in_base(self, name: str) -> tuple[Dim, Fraction] | str:
        """A unit's dimension and size in base units, or why it has none."""
        base = BASE_ALIASES.get(name)
        if base == "step":
            if self.step_units is None:
                return "`step` is not declared in a units block"
            return VOLUME, Fraction(1)
        if base == "tick":
            return TIME, Fraction(1)
        if base == "cycle":
            if self.clock_hz is None:
                return "`clock` is not declared in a units block"
            return TIME, 1 / (self.clock_hz * self.tick_seconds)
        dim, size = _REFERENCE[name]
        if dim[0] != 0 and self.step_units is None:
            return "`step` is not declared in a units block"
        return dim, size / (_volume_ref(self) ** dim[0] * self.tick_seconds ** dim[1])

    def ticks_per(self, time_unit: str) -> Fraction:
        dim, size = _REFERENCE[time_unit] if time_unit in _REFERENCE else (TIME, None)
        if size is None:
            return Fraction(1)
        return size / self.tick_seconds

    def describe(self, value: Fraction, dim: Dim) -> str:
        """A base-unit value as a person reads it, e.g. '40 steps (1 U)'."""
        if dim == VOLUME:
            return f"{_num(value)} steps ({_num(value * self.step_units)} U)"
        if dim == TIME:
            return f"{_num(value)} ticks ({_num(value * self.tick_seconds)} s)"
        if dim == RATE:
            return f"{_num(value)} steps/tick"
        if dim == GLUCOSE:
            return f"{_num(value)} mg/dL"
        return _num(value)


def _volume_ref(b: BaseUnits) -> Fraction:
    return b.step_units if b.step_units is not None else Fraction(1)


def _num(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 and abs(f.numerator) < 10 ** 40 else significant(f)


def significant(f: Fraction, digits: int = 6) -> str:
    """``f`` rounded to ``digits`` significant digits, as ``format(x, ".6g")`` prints a
    float (fixed notation for exponents -4 .. digits-1, else ``1.5e+308``), but exact:
    no overflow and no binary rounding, for any magnitude.

    With 10**e <= |f| < 10**(e+1), the mantissa is m = round(|f| / 10**(e-digits+1))
    (an exact half to even, as a float's binary value rounds), a ``digits``-digit integer
    (or 10**digits, then e grows by one)."""
    if f == 0:
        return "0"
    sign, f = ("-" if f < 0 else ""), abs(Fraction(f))
    e = f.numerator.bit_length() - f.denominator.bit_length()  # |e - log2 f| <= 1
    e = e * 30103 // 100000  # a lower bound of floor(log10 f) up to one
    while _pow10(e + 1) <= f:
        e += 1
    while _pow10(e) > f:
        e -= 1
    m = round(f / _pow10(e - digits + 1))
    if m == 10 ** digits:
        e, m = e + 1, m // 10
    text = str(m)
    if -4 <= e < digits:
        point = e + 1  # digits before the decimal point
        whole = text[:point] if point > 0 else "0"
        frac = ("0" * -point + text) if point <= 0 else text[point:]
        frac = frac.rstrip("0")
        return sign + (f"{whole}.{frac}" if frac else whole)
    mantissa = text[0] + ("." + text[1:].rstrip("0") if text[1:].rstrip("0") else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e):02d}"


def _pow10(e: int) -> Fraction:
    return Fraction(10) ** e


def scale_name(dim: Dim, scale: Fraction, base: BaseUnits) -> str:
    """Display unit of an integer holding multiples of ``scale`` base units."""
    if dim == NONE:
        return "" if scale == 1 else f"x{scale}"
    if dim == VOLUME:
        return "steps" if scale == 1 else f"{scale} steps"
    if dim == TIME:
        return "ticks" if scale == 1 else f"{scale} ticks"
    if dim == RATE:
        for unit in ("s", "min", "h"):
            if scale * base.ticks_per(unit) == 1:
                return f"steps/{unit}"
        return f"{scale} steps/tick"
    if dim == GLUCOSE:
        return "mg/dL" if scale == 1 else f"{scale} mg/dL"
    return f"{scale} {dim_name(dim)}"


def in_largest_unit(value: Fraction, dim: Dim) -> str:
    """``value`` reference units of ``dim`` (U, s, Hz, mg/dL) in the largest unit of the
    spec language's that keeps it at least 1: ``1.5 ms``, ``1 kHz``, ``1.5 min``."""
    units = sorted(((size, name) for name, (d, size) in _REFERENCE.items() if d == dim),
                   reverse=True)
    size, name = next(((size, name) for size, name in units if value >= size), units[-1])
    return f"{significant(value / size)} {name}"


def fraction_gcd(a: Fraction, b: Fraction) -> Fraction:
    """The largest r with a/r and b/r both integers (a, b > 0)."""
    return Fraction(gcd(a.numerator, b.numerator), lcm(a.denominator, b.denominator))


def display_unit(dim: Dim, step_units: Fraction | None, tick_seconds: Fraction,
                 scale: Fraction = Fraction(1)) -> tuple[str, Fraction]:
    """How :func:`format_quantity` shows an integer of ``scale`` base units of ``dim``:
    the unit it is shown in and the factor from the integer to that unit. The unit is
    "U" (a volume), "U/h" (a rate), "/s" (a frequency), "mg/dL" (a glucose level), "s" (a time, shown split into
    hours, minutes and seconds) or "" (a plain number, or a volume or rate of a spec
    without a ``step`` unit). Formulas: U = n * scale * step_units; s = n * scale *
    tick_seconds; U/h = n * scale * step_units * 3600 / tick_seconds; /s = n * scale /
    tick_seconds."""
    if dim == VOLUME and step_units is not None:
        return "U", scale * step_units
    if dim == TIME:
        return "s", scale * tick_seconds
    if dim == RATE and step_units is not None:
        return "U/h", scale * step_units * 3600 / tick_seconds
    if dim == FREQUENCY:
        return "/s", scale / tick_seconds
    if dim == GLUCOSE:
        return "mg/dL", scale
    return "", scale


def format_quantity(value: int | Fraction, dim: Dim, step_units: Fraction | None,
                    tick_seconds: Fraction, scale: Fraction = Fraction(1)) -> str:
    """``value`` integers of ``scale`` base units, in the units a person reads.

    Volumes in insulin units (``2.5 U``), times split into hours, minutes and seconds
    (``22 h 4 min 4 s``), rates in U/h, frequencies per second, glucose in mg/dL; a plain number, or a
    spec without a ``step`` unit, prints the value itself (:func:`display_unit`). Exact:
    a value that is not a terminating decimal prints with six significant digits and
    ``≈``. The generated controller's ``quantity_text`` prints the same text
    (compiler/backends/python/runtime.py).
    """
    unit, factor = display_unit(dim, step_units, tick_seconds, scale)
    shown = Fraction(value) * factor
    if unit == "s":
        return _duration(shown)
    return f"{_decimal(shown)} {unit}" if unit else _decimal(shown)


def _decimal(f: Fraction) -> str:
    """Exact decimal text of ``f`` when it terminates (the denominator has only the
    factors 2 and 5), else six significant digits after ``≈``."""
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return f"≈{significant(f)}"
    digits = 0
    while (f * 10 ** digits).denominator != 1:
        digits += 1
    scaled = str(abs(f.numerator) * 10 ** digits // f.denominator).rjust(digits + 1, "0")
    text = f"{scaled[:-digits]}.{scaled[-digits:]}" if digits else scaled
    return f"-{text}" if f < 0 else text


def _duration(seconds: Fraction) -> str:
    """``seconds`` as hours, minutes and seconds, zero parts left out (``22 h 4 min``)."""
    if seconds < 0:
        return f"-{_duration(-seconds)}"
    if seconds < 60:
        return f"{_decimal(seconds)} s"
    whole_minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(whole_minutes), 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{_decimal(rest)} s"] if rest else []
    return " ".join(parts)
