"""Replaying traces on the generated Python controller (``pumpspec simulate``).

The controller is generated from the IR in memory (``backends.python.load``), never
imported from generated/, so a replay always runs the spec as it is now. A trace is
the JSON format of :mod:`compiler.trace` (what ``prove --trace-out`` writes) or the
text format of :mod:`compiler.simulate.text`.

In monitor mode the controller checks every property of the spec and every check of
the prover a run can break (``CHECKS``: declared ranges, tick values, motor steps,
determinism, completeness) after each step. A violation is recorded with their ids and the
0-based step index counted over the expanded trace (a ``repeat`` of n counts n steps) —
the numbering the prover's ``violation.step`` uses — and the replay goes on (the step
was applied; the controller is total), so that a counterexample for one property
still reaches its step when it passes through violations of others.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..ir import nodes as ir
from ..trace import Trace, TraceError, TraceStep, from_json, start_configuration
from ..tracetable import StepRow
from .text import from_text


def read_trace(path: str, module: ir.Module, fmt: str = "auto") -> Trace:
    """Read a trace file; ``fmt`` is "json", "text" or "auto" (by content)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise TraceError(f"cannot read `{path}`: {reason}") from None
    if fmt == "auto":
        fmt = "json" if text.lstrip().startswith("{") else "text"
    return from_json(text, module, path) if fmt == "json" else from_text(text, module, path)


@dataclass
class Row:
    """One trace line: ``count`` consecutive steps of the same event, from ``index``."""

    index: int
    event: str
    params: tuple[tuple[str, ir.Value], ...]
    count: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # accepted/ignored/rejected -> n
    reasons: list[str] = field(default_factory=list)  # distinct rejection messages
    reason_codes: list[int] = field(default_factory=list)  # distinct reasons, by code
    transitions: list[int] = field(default_factory=list)  # distinct fired transitions
    before: str = ""
    after: str = ""
    steps: dict[str, int] = field(default_factory=dict)  # tick: total and per source, summed
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    # failed ``expect`` entries: runs of consecutive repetitions failing the same way,
    # [first step, last step, what failed]
    expect_failures: list[list] = field(default_factory=list)
    violations: list["Violation"] = field(default_factory=list)


@dataclass
class Violation:
    step: int  # 0-based, over the expanded trace
    properties: tuple[str, ...]  # ids, declaration order; the first is the one reported
    message: str
    # one line per property, parallel to ``properties`` (what broke it, the value a check
    # found), and the step that broke them: "after tick handled in Bolusing -> Bolusing"
    lines: tuple[str, ...] = ()
    step_text: str = ""


def violation_runs(violations: list[Violation]) -> list[tuple[int, int, str]]:
    """Every (step, property) of ``violations`` once, as runs: (first step, last step,
    line), a run being consecutive steps where a property is violated with the same line
    (the same value found, after the same event and states); ordered by first step, then
    as each step lists its properties."""
    runs: list[list] = []  # [first, last, property, line]
    open_: dict[str, list] = {}  # property -> its run still open
    for v in violations:
        for pid, line in zip(v.properties, v.lines, strict=True):
            text = f"{line} {v.step_text}"
            run = open_.get(pid)
            if run is not None and run[1] == v.step - 1 and run[3] == text:
                run[1] = v.step
            else:
                open_[pid] = [v.step, v.step, pid, text]
                runs.append(open_[pid])
    return [(first, last, text) for first, last, _, text in runs]


@dataclass
class Replay:
    rows: list[Row]
    violations: list[Violation]  # in step order
    steps: int  # steps run

    @property
    def violation(self) -> Violation | None:
        """The first violation, if any."""
        return self.violations[0] if self.violations else None

    def violated_at(self, property_id: str, step: int) -> bool:
        return any(v.step == step and property_id in v.properties for v in self.violations)

    @property
    def expect_failures(self) -> list[str]:
        out = []
        for r in self.rows:
            for first, last, problem in r.expect_failures:
                where = f"step {first} ({r.event})" if first == last else \
                    f"steps {first}-{last} ({r.event}, {last - first + 1} repetitions)"
                out.append(f"{where}: {problem}")
        return out


def _show(value: Any) -> Any:
    return value.name if hasattr(value, "name") else value


def replay(module: ir.Module, trace: Trace, monitor: bool = False, generated: Any = None,
           stop_at: int | None = None) -> Replay:
    """Run ``trace`` (up to ``stop_at`` steps) from the initial state, or from the
    configuration it records (``start_configuration``: the monitor starts there too, so
    a recovery counterexample from a configuration the prover did not show reachable
    replays as the prover found it). A recorded start that breaks an invariant is a
    TraceError."""
    from ..backends.python import place
    if generated is None:
        from ..backends.python import load
        generated = load(module)
    controller = getattr(generated, module.name)(monitor=monitor)
    Rejected, Violated = generated.Rejected, generated.PropertyViolation
    start = start_configuration(trace, module)
    if start is not None:
        try:
            place(generated, controller, module, *start)
        except Violated as exc:
            raise TraceError(f"the start configuration the trace records breaks "
                             f"{', '.join(p.id for p in exc.violated)}: {exc}") from None
    rows: list[Row] = []
    index = 0
    violations: list[Violation] = []
    for s in trace.steps:
        params = {}
        for name, value in s.params:
            params[name] = value
        row = Row(index, s.event, s.params, before=controller.state.name)
        start = dict(controller.snapshot().values)
        rows.append(row)
        for _ in range(s.repeat):
            if stop_at is not None and index >= stop_at:
                break
            status, code, message, fired, violation = _one(controller, s.event, params,
                                                           Rejected, Violated)
            if violation is not None:
                violation.step = index
                violations.append(violation)
                row.violations.append(violation)
            row.count += 1
            row.statuses[status] = row.statuses.get(status, 0) + 1
            if message and message not in row.reasons:
                row.reasons.append(message)
            if code is not None and code not in row.reason_codes:
                row.reason_codes.append(code)
            if isinstance(fired, tuple):  # TickSteps
                for key, value in fired._asdict().items():
                    if key != "transition":
                        row.steps[key] = row.steps.get(key, 0) + value
                fired = fired.transition
            if fired is not None and fired not in row.transitions:
                row.transitions.append(fired)
            _check_expect(row, s, status, code, message, controller, index)
            index += 1
        row.after = controller.state.name
        end = controller.snapshot().values
        row.changes = [(name, _show(start[name]), _show(value)) for name, value in end
                       if start[name] != value or type(start[name]) is not type(value)]
        if stop_at is not None and index >= stop_at:
            break
    return Replay(rows, violations, index)


def _one(controller, event: str, params: dict, Rejected, Violated):
    """(status, reason code, rejection message, fired transition or TickSteps, violation).

    In monitor mode a PropertyViolation is raised after the step was applied; its
    ``rejection`` tells whether the step itself was rejected.
    """
    violation = None
    try:
        result = controller.handle(event, **params)
    except Violated as exc:
        lines: dict[str, str] = {}  # an id listed twice (two of its checks) keeps its first
        for p, line in zip(exc.violated, exc.descriptions, strict=True):
            lines.setdefault(p.id, line)
        violation = Violation(-1, tuple(lines), str(exc), tuple(lines.values()), exc.step_text)
        if exc.rejection is not None:
            r = exc.rejection
            return "rejected", r.code, str(r), None, violation
        result = exc.result
    except Rejected as exc:
        return "rejected", exc.code, str(exc), None, None
    if hasattr(result, "total"):
        return "accepted", None, "", result, violation
    return result.status, None, "", result.transition, violation


def _check_expect(row: Row, step: TraceStep, status: str, code: int | None, message: str,
                  controller, index: int) -> None:
    expect = dict(step.expect)
    if not expect:
        return
    problems = []
    if "status" in expect and expect["status"] != status:
        problems.append(f"expected {expect['status']}, got {status}"
                        + (f" ({message})" if message else ""))
    if "reason" in expect and expect["reason"] != code:
        problems.append(f"expected reason {expect['reason']}, got {code}")
    if "state" in expect and expect["state"] != controller.state.name:
        problems.append(f"expected state {expect['state']}, got {controller.state.name}")
    runs = row.expect_failures
    for p in problems:
        run = next((r for r in runs if r[1] == index - 1 and r[2] == p), None)
        if run is not None:
            run[1] = index
        else:
            runs.append([index, index, p])


def step_row(module: ir.Module, row: Row) -> StepRow:
    """A replayed trace line as the shared step table's row (``compiler.tracetable``):
    values back in the IR's representation (enum members as indices)."""
    types = {v.name: v.type for v in module.variables}

    def ir_value(value: Any, t: ir.Type) -> ir.Value:
        return t.members.index(value) if isinstance(t, ir.EnumType) else value

    return StepRow(
        index=row.index, count=row.count, event=row.event, params=row.params,
        statuses=tuple(row.statuses.items()), before=row.before, after=row.after,
        changes=tuple((name, ir_value(a, types[name]), ir_value(b, types[name]))
                      for name, a, b in row.changes),
        reasons=tuple(module.reason(code) for code in row.reason_codes),
        transitions=tuple(row.transitions), motor_steps=tuple(row.steps.items()),
        violations=tuple(dict.fromkeys(p for v in row.violations for p in v.properties)))


def trace_json(trace: Trace, module: ir.Module) -> str:
    """The trace in the JSON format (text traces convert for the cocotb bench)."""
    from ..trace import to_json
    doc_trace = Trace(trace.pump or module.name, trace.spec_hash or module.source_hash,
                      trace.steps, trace.origin, trace.violation, trace.extra)
    return to_json(doc_trace, module)


__all__ = ["Replay", "Row", "Violation", "read_trace", "replay", "step_row", "trace_json",
           "TraceError", "violation_runs"]
