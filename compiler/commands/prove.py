"""Prove every property of a spec with Z3 (proved / violated / unknown, with counterexamples).

Checks: invariants, transition assertions, bounded responses, recovery sequences, range
safety of every update and tick value, motor steps per tick, determinism, completeness of
rejection reasons, reachability of every state and transition, vacuity. Engines: BMC,
1-induction with proved lemmas, k-induction, PDR (Z3 Spacer). Exit codes: 0 all proved,
1 something violated, 2 something unknown (nothing violated), 3 spec errors.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, worse



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.pump)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="seconds per check for k-induction and PDR (default 10)")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="only checks with this id, key or kind (repeatable)")
    parser.add_argument("--trace-out", type=Path, metavar="DIR",
                        help="write one JSON trace per violated property into DIR")
    parser.add_argument("--depth", type=int, default=12, metavar="N",
                        help="BMC depth for counterexamples and witnesses (default 12)")
    parser.add_argument("--no-witnesses", action="store_true",
                        help="skip reachability and vacuity checks")
    parser.add_argument("--witness-budget", type=float, default=2.0, metavar="S",
                        help="seconds of exploration for reachability and vacuity witnesses; "
                             "it stops as soon as every one is found (default 2)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from .. import diagnostics as dg
    from .. import pipeline
    from .. import prove as prover

    worst = EXIT_OK
    docs = []
    for file in args.files:
        try:
            text = Path(file).read_text()
        except OSError as exc:
            print(f"error: cannot read {file}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        analysis = pipeline.load(file)
        if analysis.module is None or dg.has_errors(analysis.diagnostics):
            print(dg.render_text(analysis.diagnostics, {file: text}), file=sys.stderr)
            worst = worse(worst, EXIT_SPEC_ERROR)
            continue
        module = analysis.module
        sources = {file: text, module.source_file: text}
        options = prover.Options(timeout=args.timeout, bmc_depth=args.depth,
                                 only=tuple(args.only), witnesses=not args.no_witnesses,
                                 witness_budget=args.witness_budget)
        text_mode = args.format == "text"
        if text_mode and not args.quiet:
            print(f"proving {module.name} ({file})", flush=True)

        def progress(c, show=text_mode and not args.quiet):
            if show:
                print(prover.progress_line(c), flush=True)

        report = pipeline.prove(module, options, progress)
        traces = prover.write_traces(report, args.trace_out) if args.trace_out else {}
        if text_mode:
            shown = [c for c in report.selected()
                     if c.failed or (c.outcome == "unknown" and c.severity == "error")]
            for c in shown:
                print()
                print(dg.render_one(prover.diagnostic(report, c, traces.get(c.key)), sources))
            print()
            print(prover.summary(report))
        else:
            docs.append(prover.report_json(report, traces))
        worst = worse(worst, report.exit_code)
    if not args.format == "text":
        print(prover.dumps(docs[0] if len(docs) == 1 else {"reports": docs}), end="")
    return worst
