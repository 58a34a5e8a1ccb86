"""Checks of the generated controller's units at the API (runtime.py, "units at the API")
that hold on any spec: tests/backends/python/test_units_api.py runs them on every corpus
spec, tests/specgen/test_units_api_random.py on random specs."""
from __future__ import annotations

from fractions import Fraction

from compiler.backends.python import load
from compiler.ir import nodes as ir
from compiler.simulate.text import convert
from compiler.trace import TraceError

# by reference unit, spellings of its dimension a quantity may be written in (compiler/units.py)
SPELLINGS = {"U": ("U", "mU", "steps"), "s": ("s", "min", "h", "ticks", "ms"),
             "U/h": ("U/h", "U/min", "steps/h", "mU/s")}


def decimal_text(value: Fraction) -> str | None:
    """``value`` as an exact decimal string, or None when it does not terminate."""
    for digits in range(0, 12):
        scaled = value * 10 ** digits
        if scaled.denominator == 1:
            whole = str(abs(scaled.numerator)).rjust(digits + 1, "0")
            text = f"{whole[:-digits]}.{whole[-digits:]}" if digits else whole
            return ("-" if value < 0 else "") + text
    return None


def check_metadata(module: ir.Module, gen) -> None:
    """EVENTS, VARIABLES and MOTOR_SOURCES say what the IR declares."""
    assert list(gen.EVENTS) == [e.name for e in module.events]
    for e in module.events:
        info = gen.EVENTS[e.name]
        assert (info.code, info.kind) == (e.code, str(e.kind))
        assert tuple(info.params) == gen.EVENT_PARAMS[e.name]
        for p in e.params:
            check_domain(info.params[p.name], p.type, module)
    assert list(gen.VARIABLES) == [v.name for v in module.variables]
    for v in module.variables:
        check_domain(gen.VARIABLES[v.name], v.type, module)
    lets, steps = gen.Lets._fields, gen.TickSteps._fields
    assert list(gen.MOTOR_SOURCES) == [s.name for s in module.motor.sources]
    for s in module.motor.sources:
        info = gen.MOTOR_SOURCES[s.name]
        assert info.raw in lets and info.steps in lets and info.field in steps
        if isinstance(s.limit, ir.Var):
            assert info.limit == s.limit.name
        else:
            assert info.limit is None


def check_domain(domain, t: ir.Type, module: ir.Module) -> None:
    if isinstance(t, ir.BoolType):
        assert (domain.kind, domain.lo, domain.hi, domain.measures) == ("bool", 0, 1, False)
        return
    if isinstance(t, ir.EnumType):
        assert (domain.kind, domain.members) == ("enum", t.members)
        assert (domain.lo, domain.hi, domain.measures) == (0, len(t.members) - 1, False)
        return
    assert (domain.kind, domain.lo, domain.hi, domain.unit) == ("int", t.lo, t.hi, t.unit)
    if t.quantity is None or t.quantity.dim == (0, 0):
        assert not domain.measures
        return
    assert (domain.dim, domain.scale) == (t.quantity.dim, t.quantity.scale)
    if domain.reference not in SPELLINGS:
        return
    # the resolution is one integer in the reference unit (U, s, U/h), from the spec's units
    volume, time = domain.dim[:2]
    reference = domain.scale * module.step_units ** volume * module.tick_seconds ** time
    reference *= 3600 if domain.reference == "U/h" else 1
    assert domain.resolution == reference
    assert domain.range == (t.lo * reference, t.hi * reference)


def check_conversions(module: ir.Module, gen) -> None:
    """Every measuring parameter converts exactly as the trace reader (the language's own
    unit table) does: the same integer for an exact quantity, refused when inexact; an
    explicit floor never rounds up."""
    for e in module.events:
        for p in e.params:
            domain = gen.EVENTS[e.name].params[p.name]
            if not domain.measures:
                continue
            for value in sorted({p.type.lo, p.type.hi, (p.type.lo + p.type.hi) // 2}):
                exact = value * domain.resolution
                assert domain.to_base(exact, domain.reference) == value
                assert domain.floor(exact, domain.reference) == value
                for unit in SPELLINGS.get(domain.reference, (domain.reference,)):
                    try:
                        expected = convert(_number(exact, domain, unit, gen), unit, p.type,
                                           module, "test")
                    except (TraceError, _NotDecimal):
                        continue
                    text = f"{_number(exact, domain, unit, gen)} {unit}"
                    assert domain.to_base(text) == expected == value, text
                half = exact + domain.resolution / 2
                assert domain.floor(half, domain.reference) == value
                try:
                    domain.to_base(half, domain.reference)
                except ValueError as exc:
                    assert "not a whole number" in str(exc)
                else:
                    raise AssertionError(f"{half} {domain.reference} was rounded")


class _NotDecimal(Exception):
    pass


def _number(value: Fraction, domain, unit: str, gen) -> str:
    """``value`` (in the reference unit) as a decimal number of ``unit``."""
    dim, size = gen.UNITS.unit(unit)
    reference_dim, reference_size = gen.UNITS.unit(domain.reference)
    assert dim == reference_dim
    text = decimal_text(value * reference_size / size)
    if text is None:
        raise _NotDecimal
    return text


def check_handle_takes_quantities(module: ir.Module, gen) -> None:
    """``handle(event, x="<quantity>")`` does exactly what ``handle(event, x=<int>)`` does,
    from the initial state: the same outcome or refusal, the same state after."""
    for e in module.events:
        if e.kind != "user":
            continue
        info = gen.EVENTS[e.name]
        if not any(d.measures for d in info.params.values()):
            continue
        ints, texts = {}, {}
        for name, domain in info.params.items():
            ints[name] = texts[name] = domain.hi if domain.kind == "int" else (
                False if domain.kind == "bool" else 0)
            if domain.measures:
                texts[name] = f"{domain.in_reference(domain.hi)} {domain.reference}"
                if domain.in_reference(domain.hi).denominator != 1:
                    texts[name] = f"{domain.hi} {domain.unit}"
        results = []
        for params in (ints, texts):
            pump = getattr(gen, module.name)()
            try:
                outcome = pump.handle(e.name, **params)
            except gen.Rejected as rejection:
                outcome = (type(rejection), rejection.code)
            results.append((outcome, pump.snapshot()))
        assert results[0] == results[1], (e.name, texts)


def check_units_api(module: ir.Module) -> None:
    gen = load(module)
    check_metadata(module, gen)
    check_conversions(module, gen)
    check_handle_takes_quantities(module, gen)
