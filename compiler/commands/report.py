"""Write a self-contained HTML evidence report of a spec into DIR.

Proves the spec (as `pumpspec prove` does), generates its code in memory (as `pumpspec
build` would write it) and writes DIR/index.html with its assets: the state diagram
(Graphviz `dot`, which must be installed), the hazard -> requirement -> property
traceability matrix with verdicts, engines, times and inductive invariants, each
property's Python and Verilog lines, RTL assertions, benches and trace in spec units,
state and transition coverage (prover witnesses; the lockstep run with
--lockstep-coverage, the lockstep.json the cocotb bench writes), the tool version, the
spec's sha256 and the commands to reproduce. Nothing in it loads from the network.

Exit status: 0 written (whatever the verdicts: they are in the report), 3 spec errors,
4 unreadable input, missing Graphviz or unwritable DIR.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE

DEFAULT_REQUIREMENTS = Path("docs/requirements.md")
DEFAULT_BENCHES = Path("verification")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="SPEC", help="spec file (.pump)")
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="DIR",
                        help="output folder (created; index.html and its assets)")
    parser.add_argument("--requirements", type=Path, metavar="FILE",
                        help="requirements document adding requirement texts and a hazard table "
                             "to the spec's own declarations "
                             f"(default: {DEFAULT_REQUIREMENTS} when it exists)")
    parser.add_argument("--benches", type=Path, metavar="DIR",
                        help="verification benches to cite per requirement (default: "
                             f"{DEFAULT_BENCHES}/ when it exists)")
    parser.add_argument("--lockstep-coverage", type=Path, metavar="FILE",
                        help="coverage of a lockstep run (lockstep.json of the cocotb bench)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def _default(given: Path | None, default: Path) -> Path | None:
    if given is not None:
        return given
    return default if default.exists() else None


def command_lines(args: argparse.Namespace) -> tuple[str, ...]:
    """The commands that reproduce the report and the evidence it shows."""
    spec = shlex.quote(args.file)
    report = f"pumpspec report {spec} -o {shlex.quote(str(args.out))}"
    for flag, value in (("--requirements", args.requirements), ("--benches", args.benches),
                        ("--lockstep-coverage", args.lockstep_coverage)):
        if value is not None:
            report += f" {flag} {shlex.quote(str(value))}"
    lines = [report, f"pumpspec prove {spec}", f"pumpspec build {spec} --out generated",
             f"pumpspec prove-rtl {spec}"]
    if args.lockstep_coverage is not None:
        lines.append("pytest -q verification  # the lockstep run; writes "
                     "build/sim/reference-lockstep_random/lockstep.json")
    return tuple(lines)


def run(args: argparse.Namespace) -> int:
    from .. import pipeline
    from .. import report as evidence
    from .build import write_atomically
    from .common import load_or_report

    analysis = load_or_report(args.file)
    if not analysis.ok:
        return EXIT_SPEC_ERROR
    try:
        evidence.find_dot()
    except evidence.DiagramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    lockstep = None
    if args.lockstep_coverage is not None:
        try:
            lockstep = evidence.read_lockstep(args.lockstep_coverage)
        except evidence.CoverageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if not args.quiet:
        print(f"proving {analysis.module.name} ({args.file})", flush=True)
    proof = pipeline.prove(analysis.module)
    try:
        files = evidence.generate(
            analysis.module, analysis.text, proof,
            requirements=_default(args.requirements, DEFAULT_REQUIREMENTS),
            benches=_default(args.benches, DEFAULT_BENCHES), lockstep=lockstep,
            commands=command_lines(args))
    except evidence.DiagramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        for name, text in files.items():
            write_atomically(args.out / name, text)
    except OSError as exc:
        print(f"error: cannot write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        print(f"wrote {args.out / 'index.html'} ({len(files)} files)")
    return EXIT_OK
