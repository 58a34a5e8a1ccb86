"""Parse a spec and run every static check (no proofs).

Exit status: 0 when every file is clean, 3 when any has errors.
"""
from __future__ import annotations

from ..pipeline import load
from .common import add_format, report
from .status import EXIT_OK, EXIT_SPEC_ERROR


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.pump)")
    add_format(parser)


def run(args) -> int:
    analyses = [load(f) for f in args.files]
    report(analyses, args.format)
    if args.format == "text":
        for a in analyses:
            if a.ok:
                m = a.module
                print(f"{a.file}: ok ({len(m.states)} states, {len(m.events)} events, "
                      f"{len(m.transitions)} transitions, {len(m.properties)} properties"
                      f"{_analysis_summary(m)})")
                for line in _outside_causes(m):
                    print(line)
    return EXIT_OK if all(a.ok for a in analyses) else EXIT_SPEC_ERROR


def _analysis_summary(m) -> str:
    if not m.requirements and not m.hazards:
        return ""
    causes = [c for h in m.hazards for c in h.causes]
    outside = sum(c.controlled_outside for c in causes)
    return (f"; {len(m.requirements)} requirements, {len(m.hazards)} hazards, {len(causes)} causes"
            + (f", {outside} controlled outside the spec" if outside else ""))


def _outside_causes(m) -> list[str]:
    """One line per cause something beyond the spec controls: what the proofs do not cover."""
    lines = []
    for h in m.hazards:
        for c in h.causes:
            if c.controlled_outside:
                by = f" by {', '.join(c.outside_by)}" if c.outside_by else ""
                where = f"{c.span.file}:{c.span.line}: " if c.span else ""
                lines.append(f"  {where}{h.id} \"{c.text}\": controlled outside the spec{by}: {c.outside_where}")
    return lines
