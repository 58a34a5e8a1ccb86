"""Surface AST -> IR module: the one place the front-end passes are sequenced."""
from __future__ import annotations

import hashlib

from ..diagnostics import Diagnostic, has_errors
from ..ir import nodes as ir
from ..syntax import ast
from .behaviour import BehaviourReader
from .declarations import DeclarationReader, Reasons, read_units
from .hazards import HazardReader
from .motor import MotorLowering
from .names import check_names


def lower(spec: ast.Spec) -> tuple[ir.Module | None, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    report = diagnostics.append
    reasons = Reasons()
    base = read_units(spec, report)
    decls = DeclarationReader(spec, base, report, reasons)
    decls.read()
    motor_blocks = [i for i in spec.items if isinstance(i, ast.MotorBlock)]
    for extra in motor_blocks[1:]:
        report(Diagnostic("E0101", "a second motor section", extra.span))
    windows = [i for i in spec.items if isinstance(i, ast.WindowDecl)]
    lowering = MotorLowering(decls)
    motor = lowering.run(motor_blocks[0] if motor_blocks else None, windows)
    behaviour = BehaviourReader(decls)
    behaviour.run(spec.items)
    initial = [s for s in decls.state_decls if s.initial]
    if len(initial) == 1:
        lowering.check_first_tick(initial[0], behaviour.transitions)
    requirements, hazards = HazardReader(spec, report).run()
    if not decls.state_decls:
        report(Diagnostic("E0406", "the pump has no states", spec.name.span,
                          help="declare states, one of them `initial`"))
    if has_errors(diagnostics):
        return None, diagnostics
    states = tuple(
        ir.State(s.name.name, i, decls.policies[s.name.name],
                 tuple((e.name, behaviour.event_policies[s.name.name][e.name]) for e in decls.events
                       if e.name in behaviour.event_policies[s.name.name]),
                 "", s.span)
        for i, s in enumerate(decls.state_decls))
    module = ir.Module(
        name=spec.name.name,
        source_file=spec.file,
        source_hash=hashlib.sha256(spec.text.encode()).hexdigest(),
        tick_seconds=base.tick_seconds,
        step_units=base.step_units or 0,
        enums=tuple(decls.sym.enums.values()),
        constants=tuple(decls.constants),
        variables=tuple(decls.variables) + tuple(lowering.extra_vars),
        events=tuple(decls.events),
        states=states,
        state_type=decls.sym.state_type,
        initial=decls.initial,
        transitions=tuple(behaviour.transitions),
        tick_lets=tuple(lowering.lets),
        tick_updates=tuple(lowering.updates) + tuple(behaviour.tick_updates),
        reasons=reasons.all(),
        properties=tuple(behaviour.properties),
        motor=motor,
        windows=tuple(lowering.windows),
        any_alarm=decls.sym.any_alarm,
        requirements=requirements,
        hazards=hazards,
        arrays=tuple(decls.arrays),
    )
    check_names(module, spec, decls.sym.declared_at, report)
    if has_errors(diagnostics):
        return None, diagnostics
    return module, diagnostics
