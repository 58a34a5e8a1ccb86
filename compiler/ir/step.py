"""A module's step function as IR expressions, one event at a time.

For an event ``e``, :func:`event_step` gives what the step does from any pre-state: the
control state and every variable after it (expressions over the pre-state, ``e``'s
parameters and the tick's lets), and whether ``e`` is accepted. It is the evaluator's
semantics (compiler/eval/evaluator.py, and the prover's ``System.step``) written once
over the IR, for a backend to check its own step against:

- ``reset``: the initial state; persistent variables keep their value, the others take
  their initial value; accepted.
- ``tick``: every tick update applies; the first enabled tick transition (declaration
  order) fires, and its updates replace the tick updates of the same variables; accepted.
- a user event: the first enabled transition from the pre-state fires; it is accepted iff
  one fires; otherwise (rejected or ignored) nothing changes.

A transition is enabled when the pre-state is one of its sources and all its guards
hold. Parameters are within the event's declared domain (an event whose parameter is out
of it is rejected and changes nothing: a backend checks that case itself).
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from . import build as b
from . import nodes as ir


@dataclass(frozen=True)
class EventStep:
    event: str
    accepted: ir.Expr  # bool; true for tick and reset
    state: ir.Expr  # the control state after the step (type ``Module.state_type``)
    values: Mapping[str, ir.Expr]  # every variable after the step, by name

    def changes(self, var: str) -> bool:
        """The step may change ``var`` (its value is not the pre-state's own)."""
        v = self.values[var]
        return not (isinstance(v, ir.Var) and v.name == var and not v.post)


def enabled(m: ir.Module, t: ir.Transition) -> ir.Expr:
    """``t``'s source states and all its guards hold in the pre-state."""
    return b.and_(b.state_in(m.state_type, t.sources), *(g.cond for g in t.guards))


def event_step(m: ir.Module, event: str) -> EventStep:
    ev = m.event(event)
    pre = {v.name: ir.Var(v.name, v.type) for v in m.variables}
    state: ir.Expr = ir.StateRef(m.state_type)
    if ev.kind == ir.EventKind.RESET:
        values = {v.name: pre[v.name] if v.persistent else ir.Lit(v.init, v.type)
                  for v in m.variables}
        initial = ir.Lit(m.state(m.initial).index, m.state_type)
        return EventStep(event, b.TRUE, initial, MappingProxyType(values))
    values = dict(pre)
    if ev.kind == ir.EventKind.TICK:
        values.update({u.var: u.value for u in m.tick_updates})
    ts = [t for t in m.transitions if t.event == event]
    # the first enabled transition fires: one level per transition, the first outermost;
    # a transition that does not assign a variable leaves it at its base value
    updated = [{u.var: u.value for u in t.updates} for t in ts]
    for name in list(values):
        last = max((k for k, ups in enumerate(updated) if name in ups), default=-1)
        base = values[name]
        for k in range(last, -1, -1):
            values[name] = b.cond(enabled(m, ts[k]), updated[k].get(name, base), values[name])
    last = max((k for k, t in enumerate(ts) if t.target is not None), default=-1)
    for k in range(last, -1, -1):
        target = ts[k].target
        arm = ir.StateRef(m.state_type) if target is None else \
            ir.Lit(m.state(target).index, m.state_type)
        state = b.cond(enabled(m, ts[k]), arm, state)
    if ev.kind == ir.EventKind.TICK:
        accepted = b.TRUE
    else:
        accepted = b.or_(*(enabled(m, t) for t in ts))
    return EventStep(event, accepted, state, MappingProxyType(values))
