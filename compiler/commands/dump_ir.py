"""Print the IR of a spec in its deterministic text form.

Exit status: 0, or 3 when the spec has errors.
"""
from __future__ import annotations

import sys

from ..ir.printer import dump_module
from .common import load_or_report
from .status import EXIT_OK, EXIT_SPEC_ERROR


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="spec file (.pump)")


def run(args) -> int:
    analysis = load_or_report(args.file)
    if not analysis.ok:
        return EXIT_SPEC_ERROR
    sys.stdout.write(dump_module(analysis.module))
    return EXIT_OK
