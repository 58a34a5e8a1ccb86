"""The Python backend: the spec as a dependency-free reference controller.

``emit(module)`` -> ``{"<pump_snake_case>.py": source}`` (InfusionPump ->
infusion_pump.py). ``load(module)`` compiles that source into a fresh module object
without touching the file system — what ``simulate`` and the tests run, so they never
depend on a stale file in generated/. ``STEPPER`` offers the same controller to the
prover's witness search (the ``FastStepper`` protocol of compiler/eval/stepper.py).
"""
from __future__ import annotations

import sys
import types
from collections.abc import Mapping

from ...ir import nodes as ir
from ...reserved import python_module_stem
from ..common import Backend
from .emit import emit
from .printer import PythonPrinter, Scope

BACKEND = Backend(name="python", emit=emit)


def module_name(module: ir.Module) -> str:
    return python_module_stem(module.name)


def load(module: ir.Module, source: str | None = None) -> types.ModuleType:
    """The generated controller module for ``module``, executed in memory.

    ``source`` defaults to ``emit(module)``'s text. The module is not added to
    ``sys.modules`` under its public name; it is registered under a private name while
    executing only so that dataclass/NamedTuple machinery can find it.
    """
    filename = f"{module_name(module)}.py"
    if source is None:
        source = emit(module)[filename]
    name = f"_pumpspec_generated_{module_name(module)}_{id(source):x}"
    mod = types.ModuleType(name)
    mod.__file__ = f"<generated {filename}>"
    sys.modules[name] = mod
    try:
        exec(compile(source, mod.__file__, "exec"), mod.__dict__)
    finally:
        del sys.modules[name]
    return mod


def place(generated: types.ModuleType, controller, module: ir.Module, state: str,
          values: Mapping[str, ir.Value]) -> None:
    """Put ``controller`` (of ``generated = load(module)``, monitored or not) in a
    configuration instead of the initial one: the control state ``state`` and every
    variable's IR value (an enum member's index, a bool, an integer), in the slots the
    stepper protocol documents (compiler/eval/stepper.py: ``_state``, the state's index,
    then one per variable). A monitored controller then monitors from there as from a
    fresh start: nothing pending, no recovery sequence begun, and its invariants checked
    (``PropertyViolation`` at "start" when one fails)."""
    slots = getattr(generated, module.name).__slots__
    if len(slots) != 1 + len(module.variables) or slots[0] != "_state":
        raise RuntimeError("internal error: the generated controller's slots do not match "
                           "the module's variables")
    states = [s.name for s in sorted(module.states, key=lambda s: s.index)]
    config = [states.index(state)] + [
        bool(values[v.name]) if isinstance(v.type, ir.BoolType) else int(values[v.name])
        for v in module.variables]
    for slot, value in zip(slots, config, strict=True):
        setattr(controller, slot, value)
    if controller.monitor:
        controller._start()


class ControllerStepper:
    """The generated controller as a fast stepper (see compiler/eval/stepper.py)."""

    def controller(self, module: ir.Module) -> tuple[type, type[Exception]]:
        generated = load(module)
        return getattr(generated, module.name), generated.Rejected

    def expression(self, expr: ir.Expr, names) -> str:
        scope = Scope(var=names.var, state=names.state, param=names.param, let=names.let,
                      accepted=names.accepted)
        return PythonPrinter(scope, lambda t, index: str(index)).print(expr)


STEPPER = ControllerStepper()

__all__ = ["BACKEND", "STEPPER", "emit", "load", "module_name", "place"]
