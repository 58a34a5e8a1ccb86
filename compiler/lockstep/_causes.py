"""What in the spec explains a mismatch, when something does.

The block is meant to agree with the controller on every trace. Two findings of the spec
itself make them part, by the design of the block, and a mismatch they explain is
reported as that finding (a coded diagnostic at the spec's span), not as a bare table:

- a variable left its declared range (P0100, what `pumpspec prove` reports as
  ``type``/``range.<var>`` violated): the block holds each variable in a register sized
  from its range (docs/semantics.md, "Numbers"), so from that step on the two are not
  meant to agree;
- a source stepped in the first tick after reset (W0403, which `check` warns about):
  the block is not armed in that tick (PS-44), refuses the steps and latches its
  interlock fault, ``fault_cause[2]``; the controller has no such interlock.

The explanation replays the mismatch's trace on a fresh controller, so it names the
first step where the finding shows, which may be long before the mismatch.
"""
from __future__ import annotations

from ..diagnostics import Diagnostic, Label
from ..ir import nodes as ir
from ..trace import TraceStep
from ._checker import Mismatch
from ._model import Model

INTERLOCK_FAULT = 0b0100  # fault_cause[2] (the block's template; docs/hardware.md)


def explain(model: Model, mismatch: Mismatch) -> Diagnostic | None:
    """The finding of the spec that explains ``mismatch``, or None (a bug of pumpspec)."""
    return _left_its_range(model, mismatch) or _stepped_in_first_tick(model, mismatch)


def _step_text(step: TraceStep) -> str:
    return f"{step.event}({', '.join(f'{k}={v}' for k, v in step.params)})" if step.params \
        else step.event


def _left_its_range(model: Model, mismatch: Mismatch) -> Diagnostic | None:
    variables = {v.name: v for v in model.m.variables if isinstance(v.type, ir.IntType)}
    ctl = model.new()
    for i, step in enumerate(mismatch.trace.expanded()):
        try:
            ctl.handle(step.event, **dict(step.params))
        except model.Rejected:
            continue
        for name, value in ctl.snapshot().values:
            v = variables.get(name)
            if v is None or v.type.lo <= value <= v.type.hi:
                continue
            return Diagnostic(
                "P0100", f"`{name}` = {value} left its declared range {v.type.lo} .. "
                f"{v.type.hi} (base units) at step {i} of {mismatch.sequence}, "
                f"`{_step_text(step)}`", v.span, label="declared here",
                notes=(f"the block holds `{name}` in a register sized from this range, so from "
                       f"step {i} on it is not meant to agree with the controller; the "
                       f"mismatch shows at step {mismatch.step}",),
                help=f"`pumpspec prove` reports the same as a violated range check of "
                     f"`{name}`: widen its range or bound the update that leaves it")
    return None


def _stepped_in_first_tick(model: Model, mismatch: Mismatch) -> Diagnostic | None:
    faults = [rtl for what, _, rtl in mismatch.rows if what == "fault_cause"]
    if mismatch.event != "tick 1" or not faults or not int(faults[0], 0) & INTERLOCK_FAULT:
        return None
    *before, last = mismatch.trace.expanded()
    if last.event != "tick":
        return None
    ctl = model.new()
    for step in before:
        try:
            ctl.handle(step.event, **dict(step.params))
        except model.Rejected:
            continue
    state = model.states[int(ctl.state)]
    steps = ctl.tick()
    stepping = [(s, n) for s, n in zip(model.m.motor.sources, steps[1:], strict=False) if n]
    if not stepping:
        return None
    (source, n), *others = stepping
    return Diagnostic(
        "W0403", f"`{source.name}` commanded {n} step{'s' if n != 1 else ''} in the first tick "
        f"after reset (step {mismatch.step} of {mismatch.sequence}, in `{state}`), but the "
        "block keeps the motor off in that tick (PS-44) and latched its interlock fault",
        source.span, label=f"`{source.name}` runs in {state}", severity="warning",
        labels=tuple(Label(s.span, f"`{s.name}` stepped too") for s, _ in others if s.span),
        notes=(f"events before the first tick took the pump to `{state}` "
               f"({', '.join(_step_text(s) for s in before) or 'none'}); `check` warns "
               "about this (W0403)",),
        help="start in a state that does not move and leave it on the first tick, or let the "
             "host wait for the first tick after reset before it sends events")
