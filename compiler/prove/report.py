"""Reading a proof run: progress lines, rustc-style diagnostics with step tables, JSON,
and replayable traces.

Every counterexample is replayed on the evaluator (the oracle) before it is shown: the
step table's outcomes, reasons and changed variables come from that replay, and a
mismatch with the Z3 model is an internal error (the encoding disagrees with the
semantics).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .. import diagnostics as dg
from .. import trace as tr
from ..eval.evaluator import Config, Evaluator
from .. import tracetable as tt
from ..ir import nodes as ir
from ..reserved import file_stem
from ..tracetable import StepRow
from .goals import KINDS, Check
from .engines import Cex
from .schedule import Report

# The prover's diagnostic codes (P0100..P0300) are registered in compiler.diagnostics.CODES
# with every other code; KINDS maps each check kind to its code.
PROVER_CODES = {code: dg.CODES[code] for code, _, _ in KINDS.values()} | {
    "P0300": dg.CODES["P0300"]}


class ReplayMismatch(AssertionError):
    """The Z3 model and the evaluator disagree: a bug in the encoding."""


def replay(report: Report, cex: Cex, from_init: bool = True,
           violation: tuple[str, int] | None = None) -> list[StepRow]:
    """The steps of a counterexample or witness of ``report`` on the evaluator, checked
    against the Z3 model (a tick macro-step runs on the spec the witness search compiled).
    ``violation``: (check id, trace step) to mark in its row."""
    module = report.module
    ev = Evaluator(module)
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
        rejected = outcome is not None and outcome.status == "rejected"
        first = cex.expanded(j)
        marked = violation is not None and first <= violation[1] < first + n
        rows.append(StepRow(
            index=first, count=n, event=event,
            params=tuple((p.name, params[p.name]) for p in decl.params),
            statuses=((outcome.status if outcome else "accepted", n),),
            before=config.state, after=new.state,
            changes=tuple((name, old, new[name]) for name, old in config.values
                          if new[name] != old),
            reasons=(outcome.reason,) if rejected and outcome.reason is not None else (),
            transitions=(outcome.transition,) if outcome and outcome.transition is not None
            else (),
            violations=(violation[0],) if marked else ()))
        config = new
    return rows


def trace_rows(report: Report, cex: Cex, from_init: bool = True,
               violation: tuple[str, int] | None = None) -> list[StepRow]:
    """The rows `prove` shows and writes: ``replay``'s, with every run of plain ticks as
    one row (``tracetable.merge_ticks``)."""
    return tt.merge_ticks(report.module, replay(report, cex, from_init, violation))


def hidden_variables(report: Report, c: Check | None = None) -> frozenset[str]:
    """Window buckets and accumulators, left out of a step table unless ``c`` is about
    one of them (``range.hourly_b3``)."""
    about = c.key.split(".")[1] if c is not None and c.key.startswith("range.") else None
    return frozenset(v.name for v in report.module.variables
                     if v.role in (ir.Role.WINDOW, ir.Role.ACCUMULATOR) and v.name != about)


def step_table(report: Report, cex: Cex, mark: tuple[str, int] | None = None,
               from_init: bool = True, hidden: frozenset[str] = frozenset()) -> str:
    """The shared step table (``compiler.tracetable``) of a replayed counterexample or
    witness; ``mark``: (check id, trace step) of the violation."""
    return tt.render(report.module, trace_rows(report, cex, from_init, mark), hidden)


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
    # a run from ``start`` shows the violation too: simulate starts there (docs/traces.md)
    violation = (c.id, violation_step(cex)) if not c.witness else None
    # the steps of the rows the step table shows (the violating step one of its own)
    steps = [tr.TraceStep(r.event, r.params, r.count)
             for r in trace_rows(report, cex, not start, violation)]
    return tr.Trace(
        pump=m.name, spec_hash=m.source_hash, steps=tuple(steps),
        origin=f"prove: {c.id} {c.outcome} ({c.kind}: {c.title})",
        violation=violation, extra=tuple(extra))


def _json_value(v: ir.Value, t: ir.Type):
    if isinstance(t, ir.EnumType):
        return t.members[v] if 0 <= v < len(t.members) else v
    return v


def has_trace(c: Check) -> bool:
    """A counterexample of a violated check, or a witness of a reached state or
    transition or of a premise that can hold."""
    v = c.verdict
    return v is not None and v.cex is not None and c.outcome in ("violated", "reached",
                                                                 "non-vacuous")


def write_traces(report: Report, out: Path) -> dict[str, Path]:
    """One ``pumpspec-trace/1`` file per counterexample and per witness, ``<key>.json``
    in ``out`` (a key too long for a file name is cut and hashed: ``reserved.file_stem``).
    Returns check key -> path."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for c in report.selected():
        if has_trace(c):
            path = out / f"{file_stem(c.key, '.json')}.json"
            path.write_text(tr.to_json(to_trace(report, c), report.module))
            written[c.key] = path
    return written


# ---------------------------------------------------------------- diagnostics


def _steps(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def message(c: Check) -> str:
    cex = c.verdict.cex
    n = cex.events if cex else 0  # steps of the expanded trace, as the step table counts
    o = c.outcome
    if o == "unknown":
        return f"{c.kind} {c.key} could not be decided"
    if c.kind == "invariant":
        return f"invariant {c.id} violated after {_steps(n)}"
    if c.kind == "assertion":
        event = cex.inputs[cex.bad][0] if cex else "?"
        return f"assertion {c.id} violated at step {violation_step(cex)} (`{event}`)"
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
                shown = ", ".join(f"{k}={tt.show(report.module, x, types[k])}"
                                  for k, x in values.items())
                notes.append(f"start state (it only satisfies the proved invariants; not shown "
                             f"reachable): {s}: {shown}")
                notes.append(v.detail)
            head = ("the sequence from that state" if start else "counterexample") + (
                f" (trace: {trace_path}, start configuration recorded)" if trace_path and start
                else f" (trace: {trace_path})" if trace_path else "") + ":"
            table = step_table(report, v.cex, (c.id, violation_step(v.cex)), not start,
                               hidden_variables(report, c))
            notes.append(head + "\n" + _indent(table))
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


# ---------------------------------------------------------------- text


def progress_line(c: Check) -> str:
    v = c.verdict
    line = f"  {c.outcome:<11} {c.key:<28} {v.engine:<14} {v.seconds:6.2f}s  {c.title}"
    if v.cex is not None and v.cex.repeat and c.witness:
        ticks = " and ".join(f"{n:,}" for n in v.cex.macro_ticks)
        line += f" -- {c.outcome} (witness uses a tick macro-step of {ticks} ticks)"
    elif c.witness and c.outcome == "unknown":
        line += f" -- unknown: {v.detail}"
    return line


def counts(checks: list[Check]) -> dict[str, int]:
    """Checks per outcome, in the order a summary lists them."""
    found: dict[str, int] = {}
    for c in checks:
        found[c.outcome] = found.get(c.outcome, 0) + 1
    return {k: found[k] for k in OUTCOMES if k in found}


def property_counts(checks: list[Check]) -> tuple[int, int, int]:
    """(spec properties, proved and not vacuous, vacuous) among ``checks``: a property
    proved only because its premise never holds is not counted as proved."""
    props = [c for c in checks if c.kind in PROPERTY_KINDS]
    vacuous = {c.prop for c in checks if c.kind == "vacuity" and c.outcome == "vacuous"}
    return (len(props), sum(c.outcome == "proved" and c.prop not in vacuous for c in props),
            sum(c.prop in vacuous for c in props))


def summary(report: Report) -> str:
    sel = report.selected()
    props, proved, vacuous = property_counts(sel)
    return (f"{report.module.name}: {len(sel)} checks in {report.seconds:.2f}s: "
            + ", ".join(f"{n} {k}" for k, n in counts(sel).items())
            + f" (spec properties: {proved}/{props} proved"
            + (f", {vacuous} vacuous)" if vacuous else ")"))


# ---------------------------------------------------------------- by requirement

OUTCOMES = ("proved", "violated", "unknown", "reached", "dead", "non-vacuous", "vacuous",
            "skipped")
PROPERTY_KINDS = ("invariant", "assertion", "response", "recovery")

# what the checks pumpspec adds to every spec claim, one line per kind
KIND_CLAIMS = {
    "type": "every variable and the control state stay in their declared types",
    "range": "every update keeps its variable in its declared range",
    "let-range": "every tick value stays in its computed range",
    "motor": "no tick commands more motor steps than max_steps_per_tick",
    "determinism": "no two transitions of one event are enabled at once",
    "completeness": "every rejection carries a reason from the spec",
    "reachability": "every state and transition can be reached",
    "vacuity": "every premise and trigger can hold",
}


def requirement(c: Check) -> str | None:
    """The requirement id a check is evidence for: a property's, or the property whose
    premise a vacuity check tries; None for the checks pumpspec adds to every spec."""
    if c.kind in PROPERTY_KINDS or c.kind == "vacuity":
        return c.prop.id
    return None


def _rank(c: Check) -> int:
    """How bad a check's outcome is: 0 an error violated, 1 undecided, 2 a warning found
    (dead, vacuous, a rejection without a reason), 3 not run, 4 decided and fine."""
    o = c.outcome
    if o == "violated":
        return 0 if c.severity == "error" else 2
    return {"unknown": 1, "dead": 2, "vacuous": 2, "skipped": 3}.get(o, 4)


T = TypeVar("T")


def lead(items: Iterable[T], rank: Callable[[T], Any]) -> T:
    """The item a summary line reports, its verdict and its title: the worst by ``rank``
    (lower is worse), the first in declaration order among equals. ``prove``'s line per
    requirement id (``_lead``) and ``prove-rtl``'s use it."""
    return min(items, key=rank)


def lead_title(title: str, titles: Iterable[str]) -> str:
    """A summary line's title: the lead's ``title``, then how many other distinct claims
    among ``titles``."""
    others = set(titles) - {title}
    return title + (f" (+{len(others)} more)" if others else "")


def _lead(checks) -> Check:
    """The worst check (a property's before its vacuity check's), the first in
    declaration order among equals."""
    return lead(checks, lambda c: (_rank(c), c.kind not in PROPERTY_KINDS))


@dataclass(frozen=True)
class Group:
    """The checks behind one requirement id, or behind one kind of check pumpspec adds."""

    id: str
    title: str
    checks: tuple[Check, ...]

    @property
    def lead(self) -> Check:
        """The check whose outcome is the group's verdict (``_lead``)."""
        return _lead(self.checks)

    @property
    def verdict(self) -> str:
        """The worst outcome among the checks (``lead``'s)."""
        return self.lead.outcome

    @property
    def is_requirement(self) -> bool:
        return requirement(self.checks[0]) is not None


def groups(report: Report) -> list[Group]:
    """The selected checks by requirement id (declaration order), then by the kind of the
    checks pumpspec adds (``KINDS`` order)."""
    by_id: dict[str, list[Check]] = {}
    by_kind: dict[str, list[Check]] = {}
    for c in report.selected():
        rid = requirement(c)
        (by_id.setdefault(rid, []) if rid else by_kind.setdefault(c.kind, [])).append(c)
    out = []
    for rid, checks in by_id.items():
        # the title of the check that gives the verdict, then how many other claims
        first = _lead(checks)
        title = lead_title(first.title, (c.title for c in checks if c.kind in PROPERTY_KINDS))
        out.append(Group(rid, title, tuple(checks)))
    for kind in KINDS:
        if kind in by_kind:
            out.append(Group(kind, KIND_CLAIMS.get(kind, kind), tuple(by_kind[kind])))
    return out


# verdict -> ANSI colour (SGR code) on a terminal
COLOURS = {"proved": "32", "reached": "32", "non-vacuous": "32", "violated": "31;1",
           "unknown": "33", "dead": "33", "vacuous": "33", "skipped": "2"}


def paint(word: str, width: int = 0, colour: bool = False) -> str:
    """``word`` padded to ``width``, in its verdict's colour when ``colour``."""
    padded = word.ljust(width)
    if not colour or word not in COLOURS:
        return padded
    return f"\x1b[{COLOURS[word]}m{word}\x1b[0m" + padded[len(word):]


def group_lines(report: Report, colour: bool = False) -> list[str]:
    """One line per group: id, verdict, how many checks are behind it, what it claims."""
    gs = groups(report)
    if not gs:
        return []
    idw = max(len(g.id) for g in gs)
    vw = max(len(g.verdict) for g in gs)
    nw = len(str(max(len(g.checks) for g in gs)))
    return [f"  {g.id:<{idw}}  {paint(g.verdict, vw, colour)}  "
            f"{len(g.checks):>{nw}} check{'s' if len(g.checks) != 1 else ' '}  {g.title}"
            for g in gs]


# ---------------------------------------------------------------- JSON


def trace_json(report: Report, c: Check) -> dict:
    """A counterexample or witness as the schema's ``trace``: its steps replayed on the
    evaluator, values in spec and base units."""
    cex = c.verdict.cex
    start = c.verdict.extra.get("unreachable_start")
    m = report.module
    mark = None if c.witness else (c.id, violation_step(cex))
    doc = {"length": sum(cex.repeat.get(j, 1) for j in range(len(cex.inputs))),
           "start": None, "violation_step": mark[1] if mark else None,
           "steps": [tt.step_json(m, r) for r in trace_rows(report, cex, not start, mark)]}
    if start:
        state, values, _ = cex.configs[0]
        doc["start"] = {"state": state, "reachable": "unknown: it satisfies the proved "
                        "invariants only", "values": [
                            {"name": v.name} | tt.value_json(m, values[v.name], v.type)
                            for v in m.variables]}
    return doc


def check_json(report: Report, c: Check, trace_path: Path | None) -> dict:
    """One check as the schema's ``check``."""
    v = c.verdict
    s = c.span
    found = has_trace(c)
    return {
        "key": c.key, "id": c.id, "requirement": requirement(c), "kind": c.kind,
        "title": c.title, "severity": c.severity, "outcome": c.outcome,
        "engine": v.engine if v else None, "detail": v.detail if v else None,
        "seconds": round(v.seconds, 3) if v else None,
        "span": {"file": s.file, "line": s.line, "col": s.col} if s else None,
        "invariant": v.invariant if v and v.invariant else None,
        "trace_file": str(trace_path) if trace_path else None,
        "counterexample": trace_json(report, c) if found and not c.witness else None,
        "witness": trace_json(report, c) if found and c.witness else None,
    }


def report_json(report: Report, traces: dict[str, Path]) -> dict:
    """The prover's part of a file's result in the schema (``prove``): summary,
    requirements, every selected check, and the findings as diagnostics."""
    sel = report.selected()
    props, proved, vacuous = property_counts(sel)
    o = report.options
    return {
        "seconds": round(report.seconds, 3),
        "options": {"rlimit": o.rlimit, "depth": o.bmc_depth, "explore_steps": o.explore_steps,
                    "timeout": o.timeout, "only": list(o.only), "witnesses": o.witnesses},
        "summary": {"text": summary(report), "checks": len(sel), "outcomes": counts(sel),
                    "properties": props, "properties_proved": proved,
                    "properties_vacuous": vacuous},
        "requirements": [{"id": g.id, "verdict": g.verdict, "checks": len(g.checks),
                          "title": g.title, "keys": [c.key for c in g.checks]}
                         for g in groups(report) if g.is_requirement],
        "checks": [check_json(report, c, traces.get(c.key)) for c in sel],
    }


def findings(report: Report, traces: dict[str, Path]) -> list[dg.Diagnostic]:
    """A diagnostic per finding (violated, dead, vacuous) and per unknown check."""
    return [diagnostic(report, c, traces.get(c.key)) for c in report.selected()
            if c.failed or c.outcome == "unknown"]


def dumps(doc) -> str:
    return json.dumps(doc, indent=2) + "\n"


__all__ = ["KINDS", "PROVER_CODES", "Group", "check_json", "counts", "diagnostic", "dumps",
           "findings", "group_lines", "groups", "has_trace", "hidden_variables", "lead",
           "lead_title", "paint",
           "progress_line", "replay", "report_json", "requirement", "step_table", "summary",
           "to_trace", "trace_json", "trace_rows", "violation_step", "write_traces"]
