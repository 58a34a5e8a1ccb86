"""The `pumpspec` command line: one subcommand per module in compiler/commands.

Exit codes (shared by every subcommand, see compiler/commands/status.py): 0 success / all
proved, 1 something violated, 2 something unknown or timed out (nothing violated), 3 spec
errors, 4 usage or I/O errors, 70 internal error (a bug: please report it).
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback

from . import __version__
from .commands import build, check, dump_ir, lockstep, mutate, prove, prove_rtl, report, simulate
from .commands.status import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

# name -> module; each has add_arguments(parser) and run(args) -> int
COMMANDS = {
    "check": check,
    "dump-ir": dump_ir,
    "prove": prove,
    "build": build,
    "simulate": simulate,
    "lockstep": lockstep,
    "prove-rtl": prove_rtl,
    "report": report,
    "mutate": mutate,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pumpspec", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"pumpspec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        cmd = sub.add_parser(name, help=module.__doc__.strip().splitlines()[0],
                             description=module.__doc__)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = _parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse: --help is 0, usage errors are 2
            return EXIT_OK if exc.code == 0 else EXIT_USAGE
        return args.run(args)
    except KeyboardInterrupt:
        print("pumpspec: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        if exc.filename is None:
            return _internal(exc)
        # an I/O error on a file the command reads or writes (a folder it may not write, a
        # disk full, ...): the user's to fix, named
        files = " and ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        print(f"error: cannot use {files}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # an internal bug, never a user error
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    print(f"error: internal compiler error: {type(exc).__name__}: {exc}\n"
          "  = note: this is a bug in pumpspec, not in your spec; please report it\n"
          "  = help: rerun with PUMPSPEC_DEBUG=1 for the Python traceback", file=sys.stderr)
    if os.environ.get("PUMPSPEC_DEBUG") == "1":
        traceback.print_exception(exc, file=sys.stderr)
    return EXIT_INTERNAL
