"""Run the `pumpspec` CLI on hostile input with bounded time and memory.

``run_cli`` starts ``compiler.cli.main`` in a child process (so that a hang or a memory
blow-up is contained) with an address-space limit and a wall-clock timeout, and returns
what a user would see. ``problems`` names everything issue 9 forbids: a traceback, exit
70 (internal error), a crash by signal, a timeout.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1 << 30  # bytes of address space for the child
EXIT_INTERNAL = 70
USER_EXITS = {0, 1, 2, 3, 4}


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    exit: int | None  # None: killed by the timeout
    stdout: str
    stderr: str

    def problems(self) -> list[str]:
        found = []
        if self.exit is None:
            found.append("did not finish in time")
        elif self.exit == EXIT_INTERNAL:
            found.append("exit 70 (internal compiler error)")
        elif self.exit not in USER_EXITS:
            found.append(f"exit {self.exit} (crashed)")
        if "Traceback (most recent call last)" in self.stderr + self.stdout:
            found.append("a Python traceback")
        if "internal compiler error" in self.stderr:
            found.append("an internal compiler error")
        return found


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, timeout: float = 20.0, cwd: Path | None = None) -> Run:
    code = "import sys; from compiler.cli import main; sys.exit(main(sys.argv[1:]))"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PUMPSPEC_DEBUG", None)
    try:
        r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=env, cwd=cwd or ROOT,
                           preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired as exc:
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return Run(tuple(args), None, text(exc.stdout), text(exc.stderr))
    return Run(tuple(args), r.returncode if r.returncode >= 0 else 128 - r.returncode,
               r.stdout, r.stderr)


def import_problems(path: Path, timeout: float = 30.0) -> list[str]:
    """Import a generated Python controller in a child process, build each class that
    takes no arguments and read every attribute (code leaking out of a docstring runs
    when its property is read): the problems, if any."""
    code = ("import importlib.util, inspect, sys\n"
            "spec = importlib.util.spec_from_file_location('generated_pump', sys.argv[1])\n"
            "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
            "for _, cls in inspect.getmembers(mod, inspect.isclass):\n"
            "    try:\n"
            "        obj = cls()\n"
            "    except Exception:\n"
            "        obj = cls\n"
            "    for name in dir(obj):\n"
            "        try:\n"
            "            getattr(obj, name)\n"
            "        except Exception:\n"
            "            pass\n")
    try:
        r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                           errors="replace", timeout=timeout, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        return [f"importing {path.name} did not finish in time"]
    return [] if r.returncode == 0 else [f"importing {path.name}: exit {r.returncode}: {r.stderr[-2000:]}"]
