"""Prove every property of a spec with Z3 (proved / violated / unknown, with counterexamples).

Checks: invariants, transition assertions, bounded responses, recovery sequences, range
safety of every update and tick value, motor steps per tick, determinism, completeness of
rejection reasons, reachability of every state and transition, vacuity. Engines: BMC,
1-induction with proved lemmas, k-induction, PDR (Z3 Spacer), exploration of the compiled
spec. Every search is bounded by work (--depth, --rlimit, --explore-steps), so a run
repeats exactly on any machine. The text output is one line per requirement id (and per
kind of check pumpspec adds), then every finding in full; -v lists every check. Exit
codes: 0 everything decided and no error-level check violated, 1 something violated (or,
with --deny-warnings, a warning found), 2 something unknown (a witness not found
included; nothing violated), 3 spec errors, 4 usage errors (an --only that matches no
check).
"""
from __future__ import annotations

import argparse
import difflib
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, EXIT_VIOLATED, worse

# The defaults of compiler.prove.Options, for the help text (the prover, and Z3, are
# imported only when a proof runs; tests/prove checks that these match).
DEFAULTS = {"rlimit": 20_000_000, "bmc_depth": 12, "explore_steps": 3_000_000, "timeout": 30.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.pump)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text, or one JSON document of the schema pumpspec/1 "
                             "(docs/schema/pumpspec-result-1.json)")
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
                        help="wall-clock seconds per bounded run (one check's k-induction and "
                             "PDR, a recovery, or a run shared by several checks: Houdini, a "
                             "BMC run), a safety net only: the checks it stops are unknown "
                             f"(default {DEFAULTS['timeout']:g})")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="only checks with this requirement id, key, key prefix or kind "
                             "(repeatable); one that matches no check is a usage error")
    parser.add_argument("--trace-out", type=Path, metavar="DIR",
                        help="write one pumpspec-trace/1 file per counterexample and per "
                             "witness into DIR (<check key>.json)")
    parser.add_argument("--junit", type=Path, metavar="FILE",
                        help="also write the results as JUnit XML (a test case per check)")
    parser.add_argument("--sarif", type=Path, metavar="FILE",
                        help="also write the findings and spec diagnostics as SARIF 2.1.0")
    parser.add_argument("--deny-warnings", action="store_true",
                        help="warnings fail the run (exit 1): a dead state or transition, a "
                             "vacuous premise, a rejection without a reason, a spec warning")
    parser.add_argument("--no-witnesses", action="store_true",
                        help="skip reachability and vacuity checks")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="list every check as it finishes")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="only the findings and the summary line")


def use_colour(stream) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


class LiveLine:
    """One status line on a terminal, redrawn in place every quarter second while the
    prover works: checks done of the total, seconds, the last check finished."""

    def __init__(self, stream, label: str, total: int):
        self.stream, self.label, self.total = stream, label, total
        self.done, self.last = 0, ""
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LiveLine:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.stream.write("\r\x1b[K")
        self.stream.flush()

    def finished(self, check) -> None:
        self.done += 1
        self.last = check.key

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            line = (f"{self.label}: {self.done}/{self.total} checks, "
                    f"{time.monotonic() - self.started:.0f} s"
                    + (f" (last: {self.last})" if self.last else ""))
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r\x1b[K" + line[:width])
            self.stream.flush()


def unmatched(patterns: list[str], planned: list[list]) -> str | None:
    """The usage error for --only patterns that select no check of any file, naming
    the closest ids, keys and kinds; None when every pattern selects something."""
    from .. import prove as prover

    every = [c for checks in planned for c in checks]
    missing = [o for o in patterns if not any(prover.matches(c, (o,)) for c in every)]
    if not missing:
        return None
    names = sorted({n for c in every for n in (c.id, c.key, c.kind)})
    parts = []
    for o in missing:
        close = difflib.get_close_matches(o, names, n=4, cutoff=0.6)
        parts.append(f"--only {o} matches no check"
                     + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    from .. import diagnostics as dg
    from .. import pipeline
    from .. import prove as prover
    from .machine import document, dumps, file_result, junit, sarif, write_junit

    text_mode = args.format == "text"
    analyses = [pipeline.load(file) for file in args.files]
    good = [a for a in analyses if a.ok]
    planned = [prover.checks_of(a.module) for a in good]
    problem = unmatched(args.only, planned)
    if problem:
        if text_mode:
            print(f"error: {problem}", file=sys.stderr)
        else:
            print(dumps(document("prove", [], EXIT_USAGE, problem)), end="")
        return EXIT_USAGE

    colour = use_colour(sys.stdout)
    worst = EXIT_OK
    results, reports, located = [], [], []
    for analysis in analyses:
        file = analysis.file
        located += [(file, d) for d in analysis.diagnostics]
        if not analysis.ok:
            if text_mode:
                print(dg.render_text(analysis.diagnostics, analysis.sources), file=sys.stderr)
            results.append(file_result(analysis, EXIT_SPEC_ERROR))
            worst = worse(worst, EXIT_SPEC_ERROR)
            continue
        module = analysis.module
        if text_mode and analysis.diagnostics:  # warnings only
            print(dg.render_text(analysis.diagnostics, analysis.sources), file=sys.stderr)
        given = {"rlimit": args.rlimit, "timeout": args.timeout, "bmc_depth": args.depth,
                 "explore_steps": args.explore_steps}
        options = prover.Options(only=tuple(args.only), witnesses=not args.no_witnesses,
                                 **{k: v for k, v in given.items() if v is not None})
        if text_mode and not args.quiet:
            print(f"proving {module.name} ({file})", flush=True)
        report = _prove(module, options, text_mode and args.verbose and not args.quiet,
                        text_mode and not args.quiet and not args.verbose)
        traces = prover.write_traces(report, args.trace_out) if args.trace_out else {}
        findings = prover.findings(report, traces)
        located += [(file, d) for d in findings]
        code = report.exit_code
        warned = any(c.failed and c.severity == "warning" for c in report.selected()) or \
            bool(analysis.diagnostics)
        if args.deny_warnings and warned:
            code = worse(code, EXIT_VIOLATED)
        if text_mode:
            if not args.quiet and not args.verbose:
                for line in prover.group_lines(report, colour):
                    print(line)
            sources = {**analysis.sources, module.source_file: analysis.text}
            for d in findings:
                print()
                print(dg.render_one(d, sources))
            print()
            print(prover.summary(report)
                  + (" (warnings denied)" if args.deny_warnings and warned else ""))
        results.append(file_result(analysis, code, findings) | prover.report_json(report, traces))
        reports.append((file, report))
        worst = worse(worst, code)
    if args.junit:
        write_junit(junit([a for a in analyses if not a.ok], reports, args.deny_warnings),
                    args.junit)
    if args.sarif:
        args.sarif.write_text(dumps(sarif(located)), encoding="utf-8")
    if not text_mode:
        print(dumps(document("prove", results, worst)), end="")
    return worst


def _prove(module, options, list_checks: bool, live: bool):
    """Prove ``module``: listing every check as it finishes (``list_checks``), or with a
    live status line on a terminal's stderr (``live``), or silently."""
    from .. import pipeline
    from .. import prove as prover

    if list_checks:
        return pipeline.prove(module, options,
                              lambda c: print(prover.progress_line(c), flush=True))
    if not (live and sys.stderr.isatty()):
        return pipeline.prove(module, options)
    total = sum(prover.matches(c, options.only) and (options.witnesses or not c.witness)
                for c in prover.checks_of(module))
    with LiveLine(sys.stderr, f"proving {module.name}", total) as line:
        return pipeline.prove(module, options, line.finished)
