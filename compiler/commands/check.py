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
                      f"{len(m.transitions)} transitions, {len(m.properties)} properties)")
    return EXIT_OK if all(a.ok for a in analyses) else EXIT_SPEC_ERROR
