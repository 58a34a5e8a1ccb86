"""The report's content, computed from the spec's IR, a proof run, the generated code,
the requirement texts and hazards (the spec's, and a requirements document's), the
verification benches and a lockstep coverage file.

Everything here is plain data for the template (no HTML): :func:`collect` is the one
entry point. Orders are those of the spec and the documents, never of a dict or a set.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import prove as prover
from ..ir import nodes as ir
from ..tracetable import result_text
from ..units import TIME, format_quantity
from . import benches as bench_scan
from .diagram import alarm_states
from .locate import Assertion, CodeMap, Location
from .requirements import Requirements

PROPERTY_KINDS = ("invariant", "assertion", "response", "recovery")
# the worse outcome decides a requirement's verdict
_BADNESS = {"violated": 4, "unknown": 3, "vacuous": 2, "skipped": 1, "proved": 0}


class CoverageError(Exception):
    """The lockstep coverage file cannot be read."""


@dataclass(frozen=True)
class LockstepCoverage:
    """What a lockstep run exercised: ``verification``'s ``lockstep.json``."""

    source: str
    fired: frozenset[int]  # transition indices
    reasons: frozenset[int]  # reject reason codes seen
    events: int | None  # events compared, when the file says


def read_lockstep(path: Path) -> LockstepCoverage:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        fired = frozenset(int(i) for i in doc["fired"])
        reasons = frozenset(int(r) for r in doc.get("reasons_seen", ()))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise CoverageError(f"cannot read the lockstep coverage {path}: {exc}") from exc
    events = doc.get("events")
    return LockstepCoverage(str(path), fired, reasons, events if isinstance(events, int) else None)


@dataclass(frozen=True)
class TraceRow:
    step: str
    event: str
    outcome: str
    state: str
    changes: str
    marked: bool  # the violating step


@dataclass(frozen=True)
class Trace:
    title: str
    rows: tuple[TraceRow, ...]


@dataclass(frozen=True)
class PropertyEvidence:
    anchor: str  # HTML id
    id: str
    kind: str
    text: str
    spec_line: int | None
    outcome: str
    engine: str
    seconds: float
    detail: str
    invariant: str | None  # the inductive invariant that proved it, when the engine gives one
    premise: str | None  # the vacuity check's outcome (non-vacuous / vacuous / unknown)
    python: tuple[Location, ...]
    verilog: tuple[Location, ...]
    assertions: tuple[Assertion, ...]
    benches: tuple[bench_scan.Bench, ...]
    trace: Trace | None


@dataclass(frozen=True)
class RequirementRow:
    id: str
    text: str
    hazards: tuple[str, ...]
    properties: tuple[PropertyEvidence, ...]
    verdict: str  # worst outcome of its properties; "guards only" / "not captured"
    guards: int  # transition guards and state policies rejecting with it
    lockstep: str  # what the lockstep run saw of its reject reasons ("" without a run)


@dataclass(frozen=True)
class CauseRow:
    text: str
    requirements: tuple[tuple[str, str], ...]  # (id, verdict)
    outside: str  # where it is controlled beyond the spec ("" when it is not)


@dataclass(frozen=True)
class HazardRow:
    name: str
    severity: str  # "" for a document's row
    source: str  # the spec file or the document that declares it
    causes: tuple[CauseRow, ...]


@dataclass(frozen=True)
class CoverageRow:
    name: str
    anchor: str
    witness: str  # initial / reached / dead / unknown / not checked
    steps: str  # events in the witness
    lockstep: str  # exercised / not exercised / "" without a run


@dataclass(frozen=True)
class Evidence:
    pump: str
    spec_file: str
    spec_hash: str
    version: str
    commands: tuple[str, ...]
    dot: str
    svg: str
    alarm_states: tuple[str, ...]
    requirements_source: str  # the requirements document, "" without one
    hazards: tuple[HazardRow, ...]  # the spec's, then the document's
    requirements: tuple[RequirementRow, ...]
    not_captured: tuple[tuple[str, str], ...]  # documented ids no property of the spec cites
    other_checks: tuple[tuple[str, str, int], ...]  # (kind, outcome, count) of the other checks
    summary: str
    states: tuple[CoverageRow, ...]
    transitions: tuple[CoverageRow, ...]
    lockstep_source: str
    lockstep_events: int | None
    benches_source: str
    generated: tuple[str, ...]  # the generated files, as `pumpspec build` names them


def collect(module: ir.Module, report: prover.Report, code: CodeMap, docs: Requirements,
            benches: dict[str, tuple[bench_scan.Bench, ...]], benches_source: str,
            lockstep: LockstepCoverage | None, version: str, commands: tuple[str, ...],
            dot: str, svg: str) -> Evidence:
    checks = report.selected()
    props = [_property(module, report, code, benches, checks, i, p)
             for i, p in enumerate(module.properties)]
    by_req: dict[str, list[PropertyEvidence]] = {}
    for pe in props:
        by_req.setdefault(pe.id, []).append(pe)
    hazards_of: dict[str, list[str]] = {}
    for h in docs.hazards:
        for rid in h.requirements:
            hazards_of.setdefault(rid, []).append(h.name)
    guard_reqs = [r.requirement for r in module.reasons if r.requirement]
    cited = list(dict.fromkeys([*by_req, *guard_reqs]))
    rows = tuple(_requirement(module, rid, docs, hazards_of, by_req.get(rid, []), code, lockstep)
                 for rid in cited)
    verdicts = {r.id: r.verdict for r in rows}
    hazards = tuple(
        HazardRow(h.name, h.severity, h.source,
                  tuple(CauseRow(c.text, tuple((rid, verdicts.get(rid, "not captured"))
                                               for rid in c.requirements), c.outside)
                        for c in h.causes))
        for h in docs.hazards)
    counts: dict[tuple[str, str], int] = {}
    for c in checks:
        if c.kind not in PROPERTY_KINDS:
            counts[(c.kind, c.outcome)] = counts.get((c.kind, c.outcome), 0) + 1
    return Evidence(
        pump=module.name, spec_file=module.source_file, spec_hash=module.source_hash,
        version=version, commands=commands, dot=dot, svg=svg,
        alarm_states=alarm_states(module), requirements_source=docs.source,
        hazards=hazards, requirements=rows,
        not_captured=tuple((rid, text) for rid, text in docs.texts.items() if rid not in verdicts),
        other_checks=tuple((k, o, n) for (k, o), n in counts.items()),
        summary=prover.summary(report),
        states=_state_coverage(module, checks, lockstep),
        transitions=_transition_coverage(module, checks, lockstep),
        lockstep_source=lockstep.source if lockstep else "",
        lockstep_events=lockstep.events if lockstep else None,
        benches_source=benches_source, generated=tuple(code.files))


def _kind(p: ir.Property) -> str:
    return type(p).__name__.lower()


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _property(module, report, code: CodeMap, benches, checks, index: int,
              p: ir.Property) -> PropertyEvidence:
    main = next((c for c in checks if c.prop is p and c.kind == _kind(p)), None)
    vacuity = next((c for c in checks if c.prop is p and c.kind == "vacuity"), None)
    v = main.verdict if main is not None else None
    trace = None
    if v is not None and v.cex is not None and main.outcome == "violated":
        trace = _trace(module, report, v.cex, "counterexample", main.id)
    elif vacuity is not None and vacuity.verdict is not None and vacuity.verdict.cex is not None:
        trace = _trace(module, report, vacuity.verdict.cex,
                       "witness: a run where its premise holds", None)
    python = ((code.monitor[index],) if index in code.monitor else ()) + \
        code.python_rejects.get(p.id, ())
    rtl = tuple(a for a in code.assertions if a.req == p.id and a.text.startswith(p.text))
    return PropertyEvidence(
        anchor=f"prop-{index}-{_anchor(p.id)}", id=p.id, kind=_kind(p), text=p.text,
        spec_line=p.span.line if p.span else None,
        outcome=main.outcome if main is not None else "skipped",
        engine=v.engine if v else "", seconds=v.seconds if v else 0.0,
        detail=v.detail if v else "", invariant=v.invariant if v else None,
        premise=vacuity.outcome if vacuity is not None else None,
        python=python, verilog=code.verilog_guards.get(p.id, ()), assertions=rtl,
        benches=benches.get(p.id, ()), trace=trace)


def _requirement(module, rid, docs, hazards_of, props, code: CodeMap,
                 lockstep: LockstepCoverage | None) -> RequirementRow:
    outcomes = [("vacuous" if pe.premise == "vacuous" else pe.outcome) for pe in props]
    verdict = max(outcomes, key=lambda o: _BADNESS.get(o, 3)) if outcomes else "guards only"
    reasons = [r for r in module.reasons if r.requirement == rid]
    seen = ""
    if lockstep is not None and reasons:
        hit = [r.code for r in reasons if r.code in lockstep.reasons]
        seen = f"{len(hit)} of {len(reasons)} reject reasons seen" + (
            f" ({', '.join(map(str, hit))})" if hit else "")
    guards = len(code.python_rejects.get(rid, ()))
    return RequirementRow(rid, docs.text(rid), tuple(hazards_of.get(rid, ())), tuple(props),
                          verdict, guards, seen)


def _witness(checks, node) -> tuple[str, str]:
    c = next((c for c in checks if c.kind == "reachability" and c.prop is node), None)
    if c is None:
        return "not checked", ""
    cex = c.verdict.cex if c.verdict is not None else None
    return c.outcome, (f"{cex.events:,}" if cex is not None else "")


def _state_coverage(module, checks, lockstep) -> tuple[CoverageRow, ...]:
    visited = set()
    if lockstep is not None:
        visited.add(module.initial)
        for t in module.transitions:
            if t.index in lockstep.fired:
                visited.update(t.sources)
                visited.add(t.target or t.sources[0])
    rows = []
    for s in module.states:
        witness, steps = ("initial", "0") if s.name == module.initial else _witness(checks, s)
        seen = "" if lockstep is None else ("visited" if s.name in visited else "not visited")
        rows.append(CoverageRow(s.name, f"state-{_anchor(s.name)}", witness, steps, seen))
    return tuple(rows)


def _transition_coverage(module, checks, lockstep) -> tuple[CoverageRow, ...]:
    rows = []
    for t in module.transitions:
        witness, steps = _witness(checks, t)
        seen = "" if lockstep is None else ("fired" if t.index in lockstep.fired else "not fired")
        rows.append(CoverageRow(t.label, f"transition-{t.index}", witness, steps, seen))
    return tuple(rows)


# ---------------------------------------------------------------- traces in spec units


def show(module: ir.Module, value: ir.Value, t: ir.Type) -> str:
    """A value as the spec writes it: enum member, true/false, quantity in spec units."""
    if isinstance(t, ir.BoolType):
        return "true" if value else "false"
    if isinstance(t, ir.EnumType):
        return t.members[value] if 0 <= value < len(t.members) else str(value)
    q = t.quantity
    if q is None:
        return str(value)
    return format_quantity(value, q.dim, module.step_units, module.tick_seconds, q.scale)


def _trace(module: ir.Module, report: prover.Report, cex: prover.Cex, title: str,
           violated: str | None) -> Trace:
    """The rows `prove` shows (``prover.trace_rows``: replayed on the evaluator, a run of
    plain ticks as one row), parameters and changed variables in spec units; the step
    where ``violated`` is broken marked."""
    mark = None if violated is None else (violated, prover.violation_step(cex))
    types = {v.name: v.type for v in module.variables}
    hidden = {v.name for v in module.variables
              if v.role in (ir.Role.WINDOW, ir.Role.ACCUMULATOR)}
    rows = []
    for r in prover.trace_rows(report, cex, not cex_starts_elsewhere(report, cex), mark):
        ptypes = {p.name: p.type for p in module.event(r.event).params}
        args = ", ".join(f"{k}={show(module, x, ptypes[k])}" for k, x in r.params)
        shown = f"{r.event}({args})" if args else r.event
        if r.count > 1:
            shown += (f" ×{r.count:,} "
                      f"({format_quantity(r.count, TIME, module.step_units, module.tick_seconds)})")
        changes = [f"{k}: {show(module, a, types[k])} → {show(module, b, types[k])}"
                   for k, a, b in r.changes if k not in hidden]
        rows.append(TraceRow(f"{r.index}" if r.count == 1 else f"{r.index}–{r.index + r.count - 1}",
                             shown, result_text(r),
                             r.after if r.before == r.after else f"{r.before} → {r.after}",
                             "; ".join(changes), bool(r.violations)))
    return Trace(f"{title} ({cex.events:,} events)", tuple(rows))


def cex_starts_elsewhere(report: prover.Report, cex: prover.Cex) -> bool:
    """Whether ``cex`` starts from a state satisfying the proved invariants rather than the
    initial state (a recovery sequence's counterexample)."""
    return any(c.verdict is not None and c.verdict.cex is cex
               and c.verdict.extra.get("unreachable_start") for c in report.checks)

