"""The text trace format: one event per line, for people (docs/traces.md).

::

    # comments start with # or //
    load_set kind=teflon
    refill amount=300 U          # a quantity with a unit, converted exactly
    prime amount=80              # a bare integer is in base units (here: steps)
    tick 120                     # 120 ticks; also `tick 2 min`, `tick 1 h`
    insert at=abdomen_l
    set_basal rate=1.2 U/h
    start => accepted Delivering # optional expectation: status [reason code] [state]
    bolus amount=40 U => rejected 39
    bolus amount=1 U x3          # any event may repeat: `x3` or `* 3`

Values: integers (base units of the parameter's type), quantities ``<number> <unit>``
(U, mU, steps; s, ms, min, h, d, ticks; rates like U/h, U/min, steps/h), ``true`` /
``false``, enum member names. An inexact conversion (``0.01 U`` with 0.025 U steps) is
an error, never rounded. The result is the same :class:`compiler.trace.Trace` a JSON
trace gives, so both formats replay identically.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ..ir import nodes as ir
from ..units import KNOWN_UNITS, MAX_NUMBER_DIGITS, NONE, TIME, BaseUnits, Dim, div_dim, mul_dim, significant
from ..trace import MAX_TRACE_STEPS, STATUSES, Trace, TraceError, TraceStep, add_steps, parse_params

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_QUANTITY = re.compile(r"^([+-]?\d+(?:\.\d+)?)([A-Za-z][A-Za-z/]*)$")
_UNIT = re.compile(r"^[A-Za-z]+(/[A-Za-z]+)?$")
_REPEAT = re.compile(r"^[x*](\d+)$")


def unit_size(unit: str, module: ir.Module) -> tuple[Dim, Fraction]:
    """A unit (``U``, ``h``, ``U/h``, ``steps/min`` ...) as (dimension, size in base units),
    from the language's own unit table."""
    base = BaseUnits(module.step_units or None, module.tick_seconds, None)
    parts = [unit] if unit in KNOWN_UNITS else unit.split("/")
    if len(parts) > 2 or not all(parts):
        raise ValueError(f"unknown unit `{unit}`")
    dim, size = NONE, Fraction(1)
    for i, part in enumerate(parts):
        if part not in KNOWN_UNITS:
            raise ValueError(f"unknown unit `{part}` (known: {', '.join(KNOWN_UNITS)})")
        got = base.unit_in_base(part)
        if isinstance(got, str):
            raise ValueError(f"`{part}`: {got}")
        part_dim, part_size = got
        dim = mul_dim(dim, part_dim) if i == 0 else div_dim(dim, part_dim)
        size = size * part_size if i == 0 else size / part_size
    return dim, size


def param_scale(t: ir.IntType) -> tuple[Dim, Fraction] | None:
    """The dimension and base-unit size of one integer of ``t``, or None for a plain number."""
    if t.quantity is None or t.quantity.dim == NONE:
        return None
    return t.quantity.dim, t.quantity.scale


def convert(number: str, unit: str, t: ir.Type, module: ir.Module, where: str) -> int:
    """``<number> <unit>`` as an integer of the parameter type ``t``, exactly."""
    if not isinstance(t, ir.IntType):
        raise TraceError(f"{where}: a quantity ({number} {unit}) given for a {t} parameter")
    target = param_scale(t)
    if target is None:
        raise TraceError(f"{where}: the parameter's unit `{t.unit or 'none'}` takes plain "
                         "integers only")
    try:
        dim, size = unit_size(unit, module)
    except ValueError as exc:
        raise TraceError(f"{where}: {exc}") from None
    if dim != target[0]:
        raise TraceError(f"{where}: `{unit}` does not measure the same thing as `{t.unit}`")
    value = _number(number, where) * size / target[1]
    if value.denominator != 1:
        raise TraceError(f"{where}: {number} {unit} is not a whole number of {t.unit} "
                         f"({significant(value)}); write an exact amount")
    return int(value)


def _number(text: str, where: str) -> Fraction:
    """A number token (``_NUMBER``) of at most MAX_NUMBER_DIGITS digits, exactly."""
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_NUMBER_DIGITS:
        raise TraceError(f"{where}: a number of {digits} digits, more than {MAX_NUMBER_DIGITS}")
    return Fraction(text)


def parse_value(tokens: list[str], i: int, t: ir.Type | None, module: ir.Module,
                where: str) -> tuple[Any, int]:
    """The JSON-like value at ``tokens[i]`` (and a unit after it); returns (value, next i)."""
    raw = tokens[i]
    m = _QUANTITY.match(raw)
    if m and t is not None:
        return convert(m.group(1), m.group(2), t, module, where), i + 1
    if _NUMBER.match(raw):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt and _UNIT.match(nxt) and not _REPEAT.match(nxt) and t is not None:
            return convert(raw, nxt, t, module, where), i + 2
        if "." in raw:
            raise TraceError(f"{where}: {raw} needs a unit (or write an integer of base units)")
        return int(_number(raw, where)), i + 1
    if raw in ("true", "false"):
        return raw == "true", i + 1
    return raw, i + 1  # an enum member name (checked by parse_params)


def parse_line(line: str, lineno: int, module: ir.Module, source: str) -> TraceStep | None:
    where = f"{source}:{lineno}"
    text = re.split(r"\s(?:#|//)|^(?:#|//)", line, maxsplit=1)[0].strip()
    if not text:
        return None
    expect: dict[str, Any] = {}
    if "=>" in text:
        text, _, tail = text.partition("=>")
        text = text.strip()
        for token in tail.split():
            if token in STATUSES:
                expect["status"] = token
            elif token.isdigit():
                expect["reason"] = int(token)
            elif token in module.state_type.members:
                expect["state"] = token
            else:
                raise TraceError(f"{where}: after `=>` expected accepted/rejected/ignored, a "
                                 f"reason code or a state name, got `{token}`")
    tokens = text.split()
    if not tokens:
        raise TraceError(f"{where}: `=>` follows the event it checks, e.g. `tick => accepted`")
    event = tokens[0]
    try:
        decl = module.event(event)
    except StopIteration:
        known = ", ".join(e.name for e in module.events)
        raise TraceError(f"{where}: unknown event `{event}` (known: {known})") from None
    types = {p.name: p.type for p in decl.params}
    params: dict[str, Any] = {}
    repeat = 1
    i = 1
    tick_type = ir.IntType(0, 0, "ticks", ir.Quantity(TIME, Fraction(1)))
    joined = _QUANTITY.match(tokens[i]) if decl.kind == "tick" and i < len(tokens) else None
    if joined:  # `tick 1min`, written like a parameter's `3U`
        repeat = convert(joined.group(1), joined.group(2), tick_type, module, where)
        i += 1
    elif decl.kind == "tick" and i < len(tokens) and _NUMBER.match(tokens[i]):
        if i + 1 < len(tokens) and _UNIT.match(tokens[i + 1]):
            repeat = convert(tokens[i], tokens[i + 1], tick_type, module, where)
            i += 2
        elif "." in tokens[i]:
            raise TraceError(f"{where}: a tick count must be a whole number")
        else:
            repeat, i = _count(tokens[i], where), i + 1
    while i < len(tokens):
        token = tokens[i]
        if token == "*" and i + 1 < len(tokens) and tokens[i + 1].isdigit():
            repeat, i = add_steps(0, repeat * _count(tokens[i + 1], where), where), i + 2
            continue
        m = _REPEAT.match(token)
        if m:
            repeat, i = add_steps(0, repeat * _count(m.group(1), where), where), i + 1
            continue
        name, eq, rest = token.partition("=")
        if not eq or not name:
            raise TraceError(f"{where}: expected `name=value`, `xN` or `=> ...`, got `{token}`")
        if name in params:
            raise TraceError(f"{where}: parameter `{name}` given twice")
        tokens[i] = rest
        if not rest:
            raise TraceError(f"{where}: `{name}=` needs a value")
        params[name], i = parse_value(tokens, i, types.get(name), module, f"{where}: `{name}`")
    if repeat < 1:
        raise TraceError(f"{where}: the repeat count must be positive")
    return TraceStep(event, parse_params(module, event, params, where), repeat,
                     tuple(sorted(expect.items())))


def _count(digits: str, where: str) -> int:
    """A repeat count, refused beyond MAX_TRACE_STEPS before its digits are converted."""
    if len(digits.lstrip("0")) > len(str(MAX_TRACE_STEPS)):
        raise TraceError(f"{where}: a repeat count above the {MAX_TRACE_STEPS:,} steps a trace may hold")
    return int(digits)


def from_text(text: str, module: ir.Module, source: str = "<trace>") -> Trace:
    steps = []
    lines = []
    total = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        step = parse_line(line, lineno, module, source)
        if step is not None:
            total = add_steps(total, step.repeat, f"{source}:{lineno}")
            steps.append(step)
            lines.append(lineno)
    return Trace(pump=module.name, spec_hash="", steps=tuple(steps), origin=f"text trace {source}",
                 lines=tuple(lines))
