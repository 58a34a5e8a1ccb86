"""The generated controller shows the spec's units where a person reads it (repr of the
controller, its snapshot, TickSteps and Lets; monitor findings) and keeps base units in
its fields, on every corpus spec: its text is the prover's and simulate's
(compiler.tracetable.show, compiler.units.format_quantity)."""
from __future__ import annotations

import random
from pathlib import Path

from compiler import pipeline
from compiler.backends.python import load
from compiler.ir import nodes as ir
from compiler.tracetable import show
from compiler.units import VOLUME, format_quantity

STEPS = 300  # random events per spec, ticks included


def random_params(event: ir.Event, rng: random.Random) -> dict:
    params = {}
    for p in event.params:
        t = p.type
        if isinstance(t, ir.BoolType):
            params[p.name] = rng.random() < 0.5
        elif isinstance(t, ir.EnumType):
            params[p.name] = rng.randrange(len(t.members))
        else:
            params[p.name] = rng.choice((t.lo, t.hi, rng.randint(t.lo, t.hi)))
    return params


def expected_text(module: ir.Module, value, t: ir.Type) -> str:
    """What the controller prints for a variable: a quantity as the trace table shows it,
    anything else as Python shows it (an enum member by name)."""
    if isinstance(t, ir.IntType) and t.quantity is not None and t.quantity.dim != (0, 0):
        return show(module, value, t)
    if isinstance(t, ir.EnumType):
        return t.members[value]
    return repr(value)


def let_text(module: ir.Module, let: ir.TickLet, value) -> str:
    q = let.quantity
    if q is None or isinstance(value, bool):
        return repr(value)
    return format_quantity(value, q.dim, module.step_units, module.tick_seconds, q.scale)


def check_reprs(module: ir.Module, pump) -> None:
    snapshot = pump.snapshot()
    shown = [f"state={pump.state.name}"]
    for v in module.variables:
        value = snapshot.value(v.name)
        raw = value.value if isinstance(v.type, ir.EnumType) else value
        text = expected_text(module, raw, v.type)
        assert snapshot.text(v.name) == text, v.name
        shown.append(f"{v.name}={text}")
    assert repr(pump) == f"{type(pump).__name__}({', '.join(shown)})"
    assert repr(snapshot) == f"Snapshot({', '.join(shown)})"
    lets = pump.tick_lets()
    assert repr(lets) == "Lets(" + ", ".join(
        f"{name}={let_text(module, let, value)}"
        for name, let, value in zip(lets._fields, module.tick_lets, lets, strict=True)) + ")"


def test_reprs_show_spec_units_on_every_step(corpus_spec: Path):
    module = pipeline.load(str(corpus_spec)).module
    generated = load(module)
    pump = getattr(generated, module.name)()
    rng = random.Random(corpus_spec.stem)
    user = [e for e in module.events if e.kind == ir.EventKind.USER]
    quantities_seen = 0
    for _ in range(STEPS):
        check_reprs(module, pump)
        if rng.random() < 0.5 or not user:
            steps = pump.tick()
            # every TickSteps field counts motor steps, in base units; repr in insulin units
            texts = [format_quantity(n, VOLUME, module.step_units, module.tick_seconds)
                     for n in steps[:-1]]
            assert repr(steps) == "TickSteps(" + ", ".join(
                f"{name}={text}" for name, text in zip(steps._fields, texts, strict=False)
            ) + f", transition={steps.transition!r})"
            continue
        event = rng.choice(user)
        try:
            pump.handle(event.name, **random_params(event, rng))
        except generated.Rejected as rejection:
            # a rejection names its reason's text, not only its code
            assert rejection.reason.text in str(rejection) and rejection.reason.text in repr(rejection)
            assert f"[reason {rejection.reason.code}]" in str(rejection)
        quantities_seen += sum(
            1 for v in module.variables
            if isinstance(v.type, ir.IntType) and v.type.quantity and pump.snapshot().value(v.name))
    assert quantities_seen, "the run never moved a quantity away from zero"


def test_a_monitor_finding_shows_the_value_in_spec_units(reference):
    generated = load(reference)
    pump = generated.InfusionPump(monitor=True)
    pump._reservoir = 12001  # one step above the declared 300 U, as a broken step would leave it
    try:
        pump.tick()
    except generated.PropertyViolation as violation:
        finding = str(violation)
    else:
        raise AssertionError("the monitor missed a reservoir above its range")
    assert "range.reservoir" in finding and "reservoir = 12001 steps (300.025 U)" in finding
