"""Parse a spec and run every static check (no proofs).

Exit status: 0 when every file is clean, 3 when any has errors. --format json prints one
document of the schema pumpspec/1 (docs/schema/pumpspec-result-1.json): per file the
diagnostics, the counts, and the hazard analysis with the causes controlled outside the
spec (what the proofs do not cover, which the text lists too); --sarif FILE writes the
diagnostics as SARIF 2.1.0.
"""
from __future__ import annotations

from pathlib import Path

from ..ir import nodes as ir
from ..pipeline import Analysis, load
from .common import add_format, report
from .machine import document, dumps, file_result, sarif
from .status import EXIT_OK, EXIT_SPEC_ERROR


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.pump)")
    add_format(parser)
    parser.add_argument("--sarif", type=Path, metavar="FILE",
                        help="also write the diagnostics as SARIF 2.1.0")


def counts(analysis: Analysis) -> dict[str, int] | None:
    m = analysis.module
    if not analysis.ok:
        return None
    return {"states": len(m.states), "events": len(m.events),
            "transitions": len(m.transitions), "properties": len(m.properties)}


def hazard_analysis(analysis: Analysis) -> dict | None:
    """The hazard analysis in the schema's ``hazard_analysis``: the counts, and each cause
    controlled outside the spec with its hazard, the requirements that control it there
    and where and how."""
    m = analysis.module
    if not analysis.ok:
        return None
    return {"requirements": len(m.requirements), "hazards": len(m.hazards),
            "causes": sum(len(h.causes) for h in m.hazards),
            "controlled_outside": [
                {"hazard": h.id, "harm": h.harm, "cause": c.text, "by": list(c.outside_by),
                 "where": c.outside_where,
                 "span": {"file": c.span.file, "line": c.span.line, "col": c.span.col}
                 if c.span else None}
                for h, c in outside_causes(m)]}


def run(args) -> int:
    analyses = [load(f) for f in args.files]
    codes = [EXIT_OK if a.ok else EXIT_SPEC_ERROR for a in analyses]
    worst = max(codes)
    if args.sarif:
        args.sarif.write_text(dumps(sarif((a.file, d) for a in analyses for d in a.diagnostics)),
                              encoding="utf-8")
    if args.format == "json":
        print(dumps(document("check", [file_result(a, code) | {
            "summary": counts(a), "hazard_analysis": hazard_analysis(a)}
            for a, code in zip(analyses, codes, strict=True)], worst)), end="")
        return worst
    report(analyses)
    for a in analyses:
        if a.ok:
            n = counts(a)
            print(f"{a.file}: ok ({n['states']} states, {n['events']} events, "
                  f"{n['transitions']} transitions, {n['properties']} properties"
                  f"{_analysis_summary(a.module)})")
            for h, c in outside_causes(a.module):
                by = f" by {', '.join(c.outside_by)}" if c.outside_by else ""
                where = f"{c.span.file}:{c.span.line}: " if c.span else ""
                print(f"  {where}{h.id} \"{c.text}\": controlled outside the spec{by}: "
                      f"{c.outside_where}")
    return worst


def _analysis_summary(m) -> str:
    if not m.requirements and not m.hazards:
        return ""
    causes = [c for h in m.hazards for c in h.causes]
    outside = sum(c.controlled_outside for c in causes)
    return (f"; {len(m.requirements)} requirements, {len(m.hazards)} hazards, {len(causes)} causes"
            + (f", {outside} controlled outside the spec" if outside else ""))


def outside_causes(m: ir.Module) -> list[tuple[ir.Hazard, ir.Cause]]:
    """Each cause something beyond the spec controls, with its hazard, in declaration
    order: what the proofs do not cover."""
    return [(h, c) for h in m.hazards for c in h.causes if c.controlled_outside]
