"""Mutation testing: do the spec's properties notice a change of its behaviour?

Generates behaviour mutants of the spec (dropped guards, flipped comparisons and
connectives, constants +-1, retargeted transitions, added or removed source states,
deleted updates, flipped `persistent`, window counts, the motor's `moves in`) and proves
each: killed (a check is violated), survived (everything proved), equivalent (shown to
behave as the original), unknown (undecided within the work bound). Survivors can be
explained in SPEC's side file `<name>.mutants.toml`. Exit codes: 0 no unexplained
survivor and nothing unknown, 1 an unexplained survivor, 2 a mutant unknown, 3 spec
errors (or the spec itself does not prove), 4 usage errors. See docs/mutate.md.
--format json prints one document of the schema pumpspec/1
(docs/schema/pumpspec-result-1.json), errors included.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .common import add_format, load_or_report
from .machine import document, dumps, file_result
from .status import EXIT_SPEC_ERROR, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..mutate import Operator

    parser.add_argument("file", metavar="SPEC", help="spec file (.pump)")
    parser.add_argument("--operators", action="append", default=[], metavar="OP[,OP...]",
                        help="only these operators (repeatable): "
                             + ", ".join(str(op) for op in Operator))
    parser.add_argument("--only-near", action="append", default=[], metavar="ID",
                        help="only mutants near this requirement id (repeatable)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="local worker processes (default: one per core)")
    parser.add_argument("--executor", metavar="ADDRESS",
                        help="a running Dask scheduler (tcp://host:port) to run the campaign on "
                             "(needs the `mutate` extra: distributed)")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N mutants, drawn with --seed")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the --limit draw (default 0)")
    parser.add_argument("--explanations", type=Path, metavar="FILE",
                        help="the explained survivors (default: SPEC's <name>.mutants.toml)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from .. import mutate

    text_mode = args.format == "text"

    def fail(code: int, message: str, files: list | None = None) -> int:
        """A usage error, or a spec that does not prove: on stderr, or in the document."""
        if text_mode:
            print(f"error: {message}", file=sys.stderr)
        else:
            print(dumps(document("mutate", files or [], code, message)), end="")
        return code

    try:
        operators = tuple(mutate.Operator(x.strip()) for arg in args.operators
                          for x in arg.split(",") if x.strip())
    except ValueError as exc:
        return fail(EXIT_USAGE, f"{exc}; operators: {', '.join(map(str, mutate.Operator))}")
    if args.jobs < 1 or (args.limit is not None and args.limit < 0):
        return fail(EXIT_USAGE, "--jobs must be 1 or more and --limit 0 or more")
    analysis = load_or_report(args.file, args.format)
    if not analysis.ok:
        if not text_mode:
            print(dumps(document("mutate", [file_result(analysis, EXIT_SPEC_ERROR)],
                                 EXIT_SPEC_ERROR)), end="")
        return EXIT_SPEC_ERROR
    try:
        explanations = mutate.load(args.explanations or mutate.default_path(args.file))
    except mutate.ExplanationError as exc:
        return fail(EXIT_USAGE, str(exc))
    say = (lambda line: print(line, flush=True)) if text_mode and not args.quiet else \
        (lambda line: None)
    module, budget = analysis.module, mutate.Budget()
    started = time.monotonic()
    say(f"proving the original {module.name} ({args.file})")
    original, budget = mutate.prove_original(module, budget)
    if budget.pdr:
        say("  undecided without PDR: the original and every mutant are proved with PDR")
    if original.exit_code != 0:
        failed = [c.key for c in original.selected()
                  if c.severity == "error" and c.outcome != "proved"]
        return fail(EXIT_SPEC_ERROR,
                    f"the spec itself does not prove ({', '.join(failed)}): mutation testing "
                    f"needs a spec whose checks all prove; run `pumpspec prove {args.file}`",
                    [file_result(analysis, EXIT_SPEC_ERROR)])
    mutants = mutate.generate(module, analysis.text)
    chosen = mutate.select(mutants, operators, tuple(args.only_near), args.limit, args.seed)
    runnable = [m for m in chosen if not m.discarded]
    jobs = [mutate.Job(analysis.text, args.file, m.id, budget) for m in runnable]
    workers = f"Dask scheduler {args.executor}" if args.executor else \
        f"{min(args.jobs, max(len(jobs), 1))} local worker(s)"
    say(f"{len(mutants)} mutants generated, {len(chosen)} selected, "
        f"{len(chosen) - len(runnable)} discarded by the sanity check; running "
        f"{len(jobs)} on {workers}")
    done = [0]

    def progress(outcome):
        done[0] += 1
        say(f"  [{done[0]:>4}/{len(jobs)}] {outcome.status:<10} {outcome.seconds:6.2f}s  "
            f"{outcome.mutant}")

    try:
        outcomes = mutate.run(jobs, min(args.jobs, max(len(jobs), 1)), args.executor, progress)
    except OSError as exc:  # an unreachable Dask scheduler
        return fail(EXIT_USAGE, f"cannot run on {args.executor}: {exc}")
    result = mutate.Result(module.name, args.file, mutants, {o.mutant: o for o in outcomes},
                           explanations, time.monotonic() - started, workers,
                           {m.id for m in chosen})
    if text_mode:
        if not args.quiet:
            print()
        print(mutate.text(result))
    else:
        fields = mutate.to_json(result)
        code = fields.pop("exit")
        del fields["pump"], fields["file"]  # the document's file result has them
        print(dumps(document("mutate", [file_result(analysis, code) | fields], code)), end="")
    return result.exit_code()
