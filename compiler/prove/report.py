"""Reading a proof run: progress lines, rustc-style diagnostics with step tables, JSON,
and replayable traces.

Every counterexample is replayed on the evaluator (the oracle) before it is shown: the
step table's outcomes, reasons and changed variables come from that replay, and a
mismatch with the Z3 model is an internal error (the encoding disagrees with the
semantics).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .. import diagnostics as dg
from .. import trace as tr
from ..eval.evaluator import Config, Evaluator
from ..ir import nodes as ir
from .goals import KINDS, Check
from .engines import Cex
from .schedule import Report

# The prover's diagnostic codes (P0100..P0300) are registered in compiler.diagnostics.CODES
# with every other code; KINDS maps each check kind to its code.
PROVER_CODES = {code: dg.CODES[code] for code, _, _ in KINDS.values()} | {
    "P0300": dg.CODES["P0300"]}


class ReplayMismatch(AssertionError):
    """The Z3 model and the evaluator disagree: a bug in the encoding."""


@dataclass
class Row:
    step: int
    event: str
    params: str
    outcome: str
    state: str
    changed: str


def show_value(v: ir.Value, t: ir.Type) -> str:
    if isinstance(t, ir.BoolType):
        return "true" if v else "false"
    if isinstance(t, ir.EnumType):
        return t.members[v] if 0 <= v < len(t.members) else str(v)
    return str(v)


def replay(report: Report, cex: Cex, from_init: bool = True) -> list[Row]:
    """The steps of a counterexample of ``report`` on the evaluator, checked against the
    Z3 model (a tick macro-step runs on the spec the witness search compiled)."""
    module = report.module
    ev = Evaluator(module)
    types = {v.name: v.type for v in module.variables}
    state0, values0, _ = cex.configs[0]
    config = Config(state0, tuple((v.name, values0[v.name]) for v in module.variables))
    if from_init and config != ev.initial():
        raise ReplayMismatch("internal error: counterexample does not start in the initial state")
    rows = []
    for j, (event, params) in enumerate(cex.inputs):
        n = cex.repeat.get(j, 1)
        if n > 1:  # a tick macro-step: only the witness search makes them (see macro)
            compiled = report.compiled
            new = compiled.to_config(compiled.ticks(compiled.from_config(config), n))
            outcome = None
        else:
            new, outcome = ev.step(config, event, params)
        want_state, want_values, _ = cex.configs[j + 1]
        if new.state != want_state or new.as_dict() != want_values:
            raise ReplayMismatch(
                f"internal error: step {j} ({event}) differs between Z3 and the evaluator: "
                f"{new} vs {want_state} {want_values} (this is a bug in pumpspec)")
        decl = module.event(event)
        ptypes = {p.name: p.type for p in decl.params}
        shown = ", ".join(f"{k}={show_value(v, ptypes[k])}" for k, v in params.items())
        status = outcome.status if outcome else f"x{n} accepted"
        if outcome and status == "rejected" and outcome.reason is not None:
            status = f"rejected ({outcome.reason.code})"
        changes = []
        if new.state != config.state:
            changes.append(f"state: {config.state} -> {new.state}")
        for name, old in config.values:
            if new[name] != old:
                changes.append(f"{name}: {show_value(old, types[name])} -> "
                               f"{show_value(new[name], types[name])}")
        rows.append(Row(j, event if n == 1 else f"{event} x{n}", shown, status, new.state,
                        "; ".join(changes) or "-"))
        config = new
    return rows


def step_table(report: Report, cex: Cex, mark: int | None, from_init: bool = True) -> str:
    rows = replay(report, cex, from_init)
    head = ("step", "event", "params", "outcome", "state", "changed")
    cells = [head] + [(str(r.step), r.event, r.params or "-", r.outcome, r.state, r.changed)
                      for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    lines = []
    for i, c in enumerate(cells):
        line = "  ".join(x.ljust(w) for x, w in zip(c[:5], widths, strict=True)) + "  " + c[5]
        if i > 0 and mark is not None and rows[i - 1].step == mark:
            line += "   <- violation"
        lines.append(line.rstrip())
    return "\n".join(lines)


def violation_step(cex: Cex, expanded: bool = True) -> int:
    """0-based index of the step at (or after) which the property fails."""
    bad = cex.bad if cex.kind == "step" else max(cex.bad - 1, 0)
    return cex.expanded(bad) if expanded else bad


def to_trace(report: Report, c: Check) -> tr.Trace:
    m = report.module
    cex = c.verdict.cex
    extra = [("check", c.key), ("kind", c.kind)]
    start = c.verdict.extra.get("unreachable_start")
    if start:  # the steps run from this configuration, not from the initial state
        state, values, _ = cex.configs[0]
        types = {v.name: v.type for v in m.variables}
        extra.append(("start", {"state": state, "values": {
            k: _json_value(x, types[k]) for k, x in values.items()}}))
        extra.append(("start_reachable", "unknown: it satisfies the proved invariants only"))
    steps = []
    for j, (event, params) in enumerate(cex.inputs):
        decl = m.event(event)
        steps.append(tr.TraceStep(event, tuple((p.name, params[p.name]) for p in decl.params),
                                  cex.repeat.get(j, 1)))
    return tr.Trace(
        pump=m.name, spec_hash=m.source_hash, steps=tuple(steps),
        origin=f"prove: {c.id} {c.outcome} ({c.kind}: {c.title})",
        violation=(c.id, violation_step(cex)) if not (c.witness or start) else None,
        extra=tuple(extra))


def _json_value(v: ir.Value, t: ir.Type):
    if isinstance(t, ir.EnumType):
        return t.members[v] if 0 <= v < len(t.members) else v
    return v


def write_traces(report: Report, out: Path) -> dict[str, Path]:
    """One file per violated property (and per reachability/vacuity witness? no: only
    findings). Returns check key -> path."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for c in report.selected():
        v = c.verdict
        if v is None or v.cex is None or c.outcome != "violated":
            continue
        path = out / f"{c.key}.json"
        path.write_text(tr.to_json(to_trace(report, c), report.module))
        written[c.key] = path
    return written


# ---------------------------------------------------------------- diagnostics


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def message(c: Check) -> str:
    cex = c.verdict.cex
    n = len(cex.inputs) if cex else 0
    o = c.outcome
    if o == "unknown":
        return f"{c.kind} {c.key} could not be decided"
    if c.kind == "invariant":
        return f"invariant {c.id} violated after {_steps(n)}"
    if c.kind == "assertion":
        event = cex.inputs[cex.bad][0] if cex else "?"
        return f"assertion {c.id} violated at step {cex.bad} (`{event}`)"
    if c.kind == "response":
        return f"response {c.id} violated after {_steps(n)}"
    if c.kind == "recovery":
        if c.verdict.extra.get("unreachable_start"):
            return (f"recovery {c.id}: the sequence does not reach its target from a state "
                    "that only satisfies the proved invariants (not shown reachable)")
        return f"recovery {c.id}: the sequence does not reach its target"
    if c.kind in ("range", "type"):
        name = c.key.split(".")[1] if "." in c.key else "state"
        return f"`{name}` leaves its declared range after {_steps(n)}"
    if c.kind == "let-range":
        return f"tick value `{c.key.split('.')[1]}` leaves its range after {_steps(n)}"
    if c.kind == "motor":
        return f"a tick commands more than max_steps_per_tick after {_steps(n)}"
    if c.kind == "determinism":
        a, b = c.prop
        return (f"`{a.event}` is nondeterministic: transitions #{a.index} and #{b.index} "
                f"are both enabled after {_steps(n)}")
    if c.kind == "completeness":
        return f"`{c.prop.name}` is rejected without a reason from the spec after {_steps(n)}"
    if c.kind == "reachability":
        if isinstance(c.prop, ir.State):
            return f"state `{c.prop.name}` is unreachable"
        return f"transition {c.prop.label} can never fire"
    if c.kind == "vacuity":
        return f"{c.prop.id} holds vacuously: its premise never holds"
    return f"{c.kind} {c.key} {o}"


def diagnostic(report: Report, c: Check, trace_path: Path | None = None) -> dg.Diagnostic:
    v = c.verdict
    notes = []
    help_ = None
    code = c.code
    severity = c.severity
    if c.outcome == "unknown":
        code, severity = "P0300", "warning"
        notes.append(f"{v.engine}: {v.detail}")
    elif c.outcome == "violated":
        if v.cex is not None:
            start = v.extra.get("unreachable_start")
            if start:
                s, values, _ = v.cex.configs[0]
                types = {x.name: x.type for x in report.module.variables}
                shown = ", ".join(f"{k}={show_value(x, types[k])}" for k, x in values.items())
                notes.append(f"start state (it only satisfies the proved invariants; not shown "
                             f"reachable): {s}: {shown}")
                notes.append(v.detail)
            head = ("the sequence from that state" if start else "counterexample") + (
                f" (trace: {trace_path}, start configuration recorded)" if trace_path and start
                else f" (trace: {trace_path})" if trace_path else "") + ":"
            notes.append(head + "\n" + _indent(step_table(report, v.cex,
                                                          violation_step(v.cex, False), not start)))
        else:
            notes.append(v.detail)
        help_ = _help(c)
    else:  # dead / vacuous
        notes.append(v.detail)
        help_ = ("remove it, or fix the guards that make it impossible"
                 if c.kind == "reachability" else "the property is true only because its premise "
                 "is impossible: check the premise")
    return dg.Diagnostic(code, message(c), c.span, label=c.title if c.outcome == "violated" else "",
                         notes=tuple(notes), help=help_, severity=severity)


def _help(c: Check) -> str | None:
    return {
        "invariant": "add a guard to the transition of the last step, or correct the invariant",
        "assertion": "tighten the guards of the event, or correct the assertion",
        "range": "bound the assigned value (min/max) or guard the transition",
        "type": "bound the assigned value (min/max) or guard the transition",
        "determinism": "make the guards of the two transitions exclusive",
        "completeness": "give the transition's guards `else reject` reasons",
        "recovery": "extend the recovery sequence, or add an invariant excluding the start state",
    }.get(c.kind)


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


# ---------------------------------------------------------------- text and JSON


def progress_line(c: Check) -> str:
    v = c.verdict
    line = f"  {c.outcome:<11} {c.key:<28} {v.engine:<14} {v.seconds:6.2f}s  {c.title}"
    if v.cex is not None and v.cex.repeat and c.witness:
        ticks = " and ".join(f"{n:,}" for n in v.cex.macro_ticks)
        line += f" -- {c.outcome} (witness uses a tick macro-step of {ticks} ticks)"
    elif c.witness and c.outcome == "unknown":
        line += f" -- unknown: {v.detail}"
    return line


def summary(report: Report) -> str:
    sel = report.selected()
    counts: dict[str, int] = {}
    for c in sel:
        counts[c.outcome] = counts.get(c.outcome, 0) + 1
    order = ["proved", "violated", "unknown", "reached", "dead", "non-vacuous", "vacuous"]
    parts = [f"{counts[k]} {k}" for k in order if k in counts]
    errors = [c for c in sel if c.severity == "error"]
    props = [c for c in errors if c.kind in ("invariant", "assertion", "response", "recovery")]
    return (f"{report.module.name}: {len(sel)} checks in {report.seconds:.2f}s: "
            + ", ".join(parts)
            + f" (spec properties: {sum(c.outcome == 'proved' for c in props)}/{len(props)} proved)")


def check_json(c: Check, trace_path: Path | None) -> dict:
    v = c.verdict
    s = c.span
    d = {
        "key": c.key, "id": c.id, "kind": c.kind, "title": c.title, "severity": c.severity,
        "outcome": c.outcome, "status": v.status if v else None,
        "engine": v.engine if v else None, "detail": v.detail if v else None,
        "seconds": round(v.seconds, 3) if v else None,
        "span": {"file": s.file, "line": s.line, "col": s.col} if s else None,
    }
    if v and v.cex is not None:
        d["steps"] = len(v.cex.inputs)
        # the counterexample's or witness's inputs: event, parameters (IR values), and
        # how many times the step repeats (a tick macro-step)
        d["path"] = [[event, params, v.cex.repeat.get(j, 1)]
                     for j, (event, params) in enumerate(v.cex.inputs)]
    if v and v.invariant:
        d["invariant"] = v.invariant
    if trace_path:
        d["trace"] = str(trace_path)
    return d


def report_json(report: Report, traces: dict[str, Path]) -> dict:
    return {
        "pump": report.module.name,
        "file": report.module.source_file,
        "seconds": round(report.seconds, 3),
        "exit": report.exit_code,
        "summary": summary(report),
        "checks": [check_json(c, traces.get(c.key)) for c in report.selected()],
        "diagnostics": [diagnostic(report, c, traces.get(c.key)).to_dict()
                        for c in report.selected() if c.failed or c.outcome == "unknown"],
    }


def dumps(doc) -> str:
    return json.dumps(doc, indent=2) + "\n"


__all__ = ["KINDS", "PROVER_CODES", "diagnostic", "dumps", "progress_line", "replay",
           "report_json", "step_table", "summary", "to_trace", "write_traces"]
