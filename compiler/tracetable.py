"""The step table of a trace, shared by `prove` (counterexamples and witnesses, replayed
on the evaluator) and `simulate` (traces replayed on the generated controller): one row
model, rendered as text for people and as JSON for machines (docs/schema).

A row is one step of a trace, or ``count`` consecutive steps of the same event (a
``repeat``, a tick macro-step). Values are IR values (integers of base units, bools,
enum member indices); both renderings show them in the spec's units (``2 U``,
``22 h 4 min``), the JSON beside the base-unit integer and its unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable

from .ir import nodes as ir
from .units import NONE, TIME, BaseUnits, format_quantity, scale_name

Change = tuple[str, ir.Value, ir.Value]  # variable, before, after


@dataclass(frozen=True)
class StepRow:
    index: int  # the row's first step, 0-based over the expanded trace
    count: int  # consecutive steps of ``event`` in this row (1, or a repeat)
    event: str
    params: tuple[tuple[str, ir.Value], ...]
    statuses: tuple[tuple[str, int], ...]  # accepted / rejected / ignored -> how many steps
    before: str  # control state before the row's first step
    after: str  # and after its last
    changes: tuple[Change, ...] = ()  # variables whose value differs after the row
    reasons: tuple[ir.Reason, ...] = ()  # distinct reasons of the rejected steps
    transitions: tuple[int, ...] = ()  # distinct fired transitions (indices)
    motor_steps: tuple[tuple[str, int], ...] = ()  # ticks: total and per source, summed
    violations: tuple[str, ...] = ()  # property or check ids violated in this row

    @property
    def status(self) -> str:
        """The steps' status, or "mixed" when a repeat's steps differ."""
        return self.statuses[0][0] if len(self.statuses) == 1 else "mixed"


# ---------------------------------------------------------------- values


def base_units(module: ir.Module) -> BaseUnits:
    return BaseUnits(module.step_units, module.tick_seconds, None)


def show(module: ir.Module, value: ir.Value, t: ir.Type) -> str:
    """A value as the spec writes it: a member name, true/false, a quantity in spec units."""
    if isinstance(t, ir.BoolType):
        return "true" if value else "false"
    if isinstance(t, ir.EnumType):
        return t.members[value] if 0 <= value < len(t.members) else str(value)
    q = t.quantity
    if q is None or q.dim == NONE:
        return str(value)
    return format_quantity(value, q.dim, module.step_units, module.tick_seconds, q.scale)


def base_unit(module: ir.Module, t: ir.Type) -> str | None:
    """The unit of the integer an IR value of ``t`` holds ("steps", "ticks", "steps/h"),
    or None for a plain number, a bool or an enum."""
    if not isinstance(t, ir.IntType) or t.quantity is None or t.quantity.dim == NONE:
        return None
    return scale_name(t.quantity.dim, t.quantity.scale, base_units(module))


def value_json(module: ir.Module, value: ir.Value, t: ir.Type) -> dict[str, Any]:
    """``value``: the IR value as traces write it (enum members by name); ``unit``: the
    base unit of that integer, null if none; ``text``: in the spec's units."""
    raw = t.members[value] if isinstance(t, ir.EnumType) and 0 <= value < len(t.members) \
        else value
    return {"value": raw, "unit": base_unit(module, t), "text": show(module, value, t)}


def duration(module: ir.Module, ticks: int) -> str:
    return format_quantity(ticks, TIME, module.step_units, module.tick_seconds, Fraction(1))


def merge_ticks(module: ir.Module, rows: Iterable[StepRow]) -> list[StepRow]:
    """``rows`` with every run of consecutive plain ticks as one row (``tick x1,500``):
    a plain tick fires no transition, leaves the control state as it was and violates
    nothing, so a row of them shows only how the variables moved over the run; a tick
    that fires a transition, changes the state or violates something keeps its row. How
    `prove` prints and writes its traces (docs/traces.md)."""
    order = {v.name: i for i, v in enumerate(module.variables)}

    def plain(r: StepRow) -> bool:
        return (module.event(r.event).kind == ir.EventKind.TICK and not r.transitions
                and not r.violations and r.before == r.after)

    out: list[StepRow] = []
    for r in rows:
        last = out[-1] if out else None
        if last is None or not (plain(last) and plain(r)):
            out.append(r)
            continue
        moved = {name: [a, b] for name, a, b in last.changes}
        for name, a, b in r.changes:
            moved.setdefault(name, [a, b])[1] = b
        statuses = dict(last.statuses)
        for status, n in r.statuses:
            statuses[status] = statuses.get(status, 0) + n
        motor = dict(last.motor_steps)
        for source, n in r.motor_steps:
            motor[source] = motor.get(source, 0) + n
        out[-1] = StepRow(
            index=last.index, count=last.count + r.count, event=last.event, params=last.params,
            statuses=tuple(statuses.items()), before=last.before, after=r.after,
            changes=tuple((name, a, b) for name, (a, b) in
                          sorted(moved.items(), key=lambda kv: order[kv[0]]) if a != b),
            reasons=tuple(dict.fromkeys(last.reasons + r.reasons)),
            motor_steps=tuple(motor.items()))
    return out


# ---------------------------------------------------------------- text


def event_text(module: ir.Module, row: StepRow) -> str:
    types = {p.name: p.type for p in module.event(row.event).params}
    args = ", ".join(f"{k}={show(module, v, types[k])}" for k, v in row.params)
    text = f"{row.event}({args})" if args else row.event
    if row.count <= 1:
        return text
    if module.event(row.event).kind == ir.EventKind.TICK:
        return f"{text} x{row.count:,} ({duration(module, row.count)})"
    return f"{text} x{row.count:,}"


def reason_text(reason: ir.Reason) -> str:
    """``rejected (22, PS-22): above the maximum bolus`` without its first word."""
    tag = f"{reason.code}, {reason.requirement}" if reason.requirement else f"{reason.code}"
    return f"({tag}): {reason.text}"


def result_text(row: StepRow) -> str:
    """The row's outcome: status (with counts for a repeat), fired transitions, and the
    reasons of rejections with their code, requirement and text."""
    if row.count <= 1:
        text = row.status
    else:
        text = ", ".join(f"{status} x{n:,}" for status, n in row.statuses)
    if row.transitions:
        text += " " + " ".join(f"#{t}" for t in row.transitions)
    if row.reasons:
        text += " " + "; ".join(reason_text(r) for r in row.reasons)
    return text


def changes_text(module: ir.Module, row: StepRow, hidden: frozenset[str] = frozenset()) -> str:
    types = {v.name: v.type for v in module.variables}
    return "; ".join(f"{name}: {show(module, a, types[name])} -> {show(module, b, types[name])}"
                     for name, a, b in row.changes if name not in hidden) or "-"


def motor_text(row: StepRow) -> str:
    steps = dict(row.motor_steps)
    if not steps:
        return ""
    parts = [f"{k} {v}" for k, v in row.motor_steps if k != "total" and v]
    return f"{steps.get('total', 0)}" + (f" ({', '.join(parts)})" if parts else "")


def render(module: ir.Module, rows: Iterable[StepRow],
           hidden: frozenset[str] = frozenset()) -> str:
    """The step table: step, event (parameters in spec units), result, state, motor steps
    (when a row has them), changed variables (but ``hidden``) and, at the end of a row
    that violates something, ``<- violates ID``."""
    rows = list(rows)
    motor = any(r.motor_steps for r in rows)
    head = ("step", "event", "result", "state") + (("motor steps",) if motor else ()) + (
        "changes",)
    cells = [head]
    for r in rows:
        last = r.index + max(r.count, 1) - 1
        cells.append((str(r.index) if last == r.index else f"{r.index}-{last}",
                      event_text(module, r), result_text(r),
                      r.after if r.before == r.after else f"{r.before} -> {r.after}")
                     + ((motor_text(r),) if motor else ()) + (changes_text(module, r, hidden),))
    widths = [max(len(c[i]) for c in cells) for i in range(len(head) - 1)]
    lines = []
    for i, c in enumerate(cells):
        line = "  ".join(x.ljust(w) for x, w in zip(c[:-1], widths, strict=True)) + "  " + c[-1]
        if i and rows[i - 1].violations:
            line += f"   <- violates {', '.join(rows[i - 1].violations)}"
        lines.append(line.rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------- JSON


def reason_json(reason: ir.Reason) -> dict[str, Any]:
    return {"code": reason.code, "requirement": reason.requirement, "text": reason.text}


def step_json(module: ir.Module, row: StepRow) -> dict[str, Any]:
    """One row as the schema's ``step`` (docs/schema/pumpspec-result-1.json)."""
    ptypes = {p.name: p.type for p in module.event(row.event).params}
    vtypes = {v.name: v.type for v in module.variables}
    return {
        "index": row.index,
        "repeat": row.count,
        "event": row.event,
        "text": event_text(module, row),
        "parameters": [{"name": k} | value_json(module, v, ptypes[k]) for k, v in row.params],
        "status": row.status,
        "statuses": dict(row.statuses),
        "result": result_text(row),
        "transitions": list(row.transitions),
        "reasons": [reason_json(r) for r in row.reasons],
        "state_before": row.before,
        "state_after": row.after,
        "changes": [{"name": name, "before": value_json(module, a, vtypes[name]),
                     "after": value_json(module, b, vtypes[name])}
                    for name, a, b in row.changes],
        "motor_steps": dict(row.motor_steps) or None,
        "violations": list(row.violations),
    }


__all__ = ["StepRow", "base_unit", "changes_text", "duration", "event_text", "merge_ticks",
           "reason_json", "reason_text", "render", "result_text", "show", "step_json", "value_json"]
