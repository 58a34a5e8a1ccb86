"""Prove every property of a spec with Z3 (proved / violated / unknown, with counterexamples).

Checks: invariants, transition assertions, bounded responses, recovery sequences, range
safety of every update and tick value, motor steps per tick, determinism, completeness of
rejection reasons, reachability of every state and transition, vacuity. Engines: BMC,
1-induction with proved lemmas, k-induction, PDR (Z3 Spacer), exploration of the compiled
spec. Every search is bounded by work (--depth, --rlimit, --explore-steps), so a run
repeats exactly on any machine. Exit codes: 0 everything decided and no error-level check
violated, 1 something violated, 2 something unknown (a witness not found included;
nothing violated), 3 spec errors.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, worse

# The defaults of compiler.prove.Options, for the help text (the prover, and Z3, are
# imported only when a proof runs; tests/prove checks that these match).
DEFAULTS = {"rlimit": 20_000_000, "bmc_depth": 12, "explore_steps": 3_000_000, "timeout": 30.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.pump)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rlimit", type=int, metavar="N",
                        help="Z3 resource limit per solver query: the work bound of every "
                             f"proof (default {DEFAULTS['rlimit']:,})")
    parser.add_argument("--depth", type=int, metavar="N",
                        help="BMC depth for counterexamples and witnesses "
                             f"(default {DEFAULTS['bmc_depth']})")
    parser.add_argument("--explore-steps", type=int, metavar="N",
                        help="steps of the compiled spec (events tried, ticks run) per "
                             "exploration for witnesses and counterexamples; it stops as "
                             f"soon as every target is found "
                             f"(default {DEFAULTS['explore_steps']:,})")
    parser.add_argument("--timeout", type=float, metavar="S",
                        help="seconds per check, a safety net only: a check it stops is "
                             f"unknown (default {DEFAULTS['timeout']:g})")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="only checks with this id, key or kind (repeatable)")
    parser.add_argument("--trace-out", type=Path, metavar="DIR",
                        help="write one JSON trace per violated property into DIR")
    parser.add_argument("--no-witnesses", action="store_true",
                        help="skip reachability and vacuity checks")
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
        given = {"rlimit": args.rlimit, "timeout": args.timeout, "bmc_depth": args.depth,
                 "explore_steps": args.explore_steps}
        options = prover.Options(only=tuple(args.only), witnesses=not args.no_witnesses,
                                 **{k: v for k, v in given.items() if v is not None})
        text_mode = args.format == "text"
        if text_mode and not args.quiet:
            print(f"proving {module.name} ({file})", flush=True)

        def progress(c, show=text_mode and not args.quiet):
            if show:
                print(prover.progress_line(c), flush=True)

        report = pipeline.prove(module, options, progress)
        traces = prover.write_traces(report, args.trace_out) if args.trace_out else {}
        if text_mode:
            shown = [c for c in report.selected() if c.failed or c.outcome == "unknown"]
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
