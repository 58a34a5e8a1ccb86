"""Helpers shared by subcommands: loading specs and printing diagnostics."""
from __future__ import annotations

import sys

from ..diagnostics import render_json, render_text
from ..pipeline import Analysis, load


def add_format(parser, default: str = "text") -> None:
    parser.add_argument("--format", choices=("text", "json"), default=default,
                        help="output format (default: %(default)s)")


def report(analyses: list[Analysis], fmt: str, stream=None) -> None:
    """Print every analysis' diagnostics (stderr for text, stdout for json)."""
    diags = [d for a in analyses for d in a.diagnostics]
    if fmt == "json":
        (stream or sys.stdout).write(render_json(diags))
        return
    if diags:
        sources = {k: v for a in analyses for k, v in a.sources.items()}
        print(render_text(diags, sources), file=stream or sys.stderr)


def load_or_report(path: str, fmt: str = "text") -> Analysis:
    """Load a spec; on errors print them (text, to stderr) and return the failed analysis."""
    analysis = load(path)
    if not analysis.ok and fmt == "text":
        report([analysis], fmt)
    return analysis
