"""Generate the controllers (Python reference controller, Verilog block) from a spec.

Runs every backend in compiler/backends (``BACKENDS``) on the spec's IR and writes
their files into DIR (default generated/). All files are computed before any is
written; each is written atomically (temporary file, then rename), and a spec with
errors writes nothing. Unchanged files are left untouched.

Exit status: 0 on success, 3 when the spec has errors or a backend cannot express it,
4 when a file cannot be written.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..pipeline import generate
from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE

DEFAULT_SPEC = "spec/infusion_pump.pump"
DEFAULT_OUT = "generated"


def add_arguments(parser) -> None:
    parser.add_argument("file", nargs="?", default=DEFAULT_SPEC, metavar="FILE",
                        help=f"spec file (default: {DEFAULT_SPEC})")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder (default: {DEFAULT_OUT}/)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def write_atomically(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` via a temporary file and a rename; False if unchanged."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # a short temporary name beside the file (the file's own name may already be as long
    # as a file name may be)
    fd, tmp = tempfile.mkstemp(prefix=".pumpspec-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; generated files are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def run(args) -> int:
    from ..backends import BackendError
    from .common import load_or_report

    analysis = load_or_report(args.file)
    if not analysis.ok:
        print(f"error: {args.file} has errors; nothing was written", file=sys.stderr)
        return EXIT_SPEC_ERROR
    try:
        files = generate(analysis.module)
    except BackendError as exc:
        print(f"error: {exc}\nnothing was written", file=sys.stderr)
        return EXIT_SPEC_ERROR
    out = Path(args.out)
    for name, text in files.items():
        try:
            changed = write_atomically(out / name, text)
        except OSError as exc:
            print(f"error: cannot write {out / name}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
        if not args.quiet:
            print(f"{'wrote' if changed else 'unchanged'} {out / name}")
    return EXIT_OK
