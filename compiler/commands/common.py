"""Helpers shared by subcommands: loading specs and printing diagnostics."""
from __future__ import annotations

import sys

from ..diagnostics import render_text
from ..pipeline import Analysis, load


def add_format(parser, default: str = "text") -> None:
    parser.add_argument("--format", choices=("text", "json"), default=default,
                        help="output format: text, or one JSON document of the schema "
                             "pumpspec/1 (docs/schema/pumpspec-result-1.json; default "
                             "%(default)s)")


def report(analyses: list[Analysis], stream=None) -> None:
    """Print every analysis' diagnostics, rustc-style, to stderr (or ``stream``)."""
    diags = [d for a in analyses for d in a.diagnostics]
    if diags:
        sources = {k: v for a in analyses for k, v in a.sources.items()}
        print(render_text(diags, sources), file=stream or sys.stderr)


def load_or_report(path: str, fmt: str = "text") -> Analysis:
    """Load a spec; on errors print them (text, to stderr) and return the failed analysis."""
    analysis = load(path)
    if not analysis.ok and fmt == "text":
        report([analysis])
    return analysis
