"""The cocotb bench's plumbing: which IR, which Verilog, the wrapper, the cocotb runner.

The lockstep machinery (the controller as scoreboard, programs, stimulus, checker and the
wrapper ``tb_pump``) is ``compiler.lockstep``; ``pumpspec lockstep`` runs it without cocotb.
The cocotb tests (cocotb_pump.py) drive the same wrapper's ports from Python, for what
needs a hand on the pins (watchdog, limiter, a reset in the middle of a burst).

The IR under test reaches the simulator's Python through ``PUMPSPEC_IR``:
``spec:<path.pump>`` (the front end) or ``py:<path.py>`` (a module whose ``build()``
returns an IR module: the Verilog backend's own test fixture). The Verilog under test is
generated from that IR into the build folder, or taken from a file (``rtl=``: the
broken-Verilog tests). The other variables the runner passes are listed in
docs/hardware.md.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
for _p in (str(ROOT), str(HERE)):  # the runner hands sys.path to the simulator's Python
    if _p not in sys.path:
        sys.path.insert(0, _p)

from compiler import lockstep, pipeline  # noqa: E402
from compiler.backends import verilog  # noqa: E402
from compiler.ir import nodes as ir  # noqa: E402

REFERENCE = "spec:spec/infusion_pump.pump"
MINI_IR = "py:tests/irfixtures.py:mini_pump"


def spec_ref(path: Path) -> str:
    return f"spec:{path}"


def load_ir(ref: str | None = None) -> ir.Module:
    """The IR named by ``ref`` (default: ``PUMPSPEC_IR``)."""
    ref = ref or os.environ["PUMPSPEC_IR"]
    kind, _, target = ref.partition(":")
    path, _, function = target.partition(":")
    full = (ROOT / path) if not Path(path).is_absolute() else Path(path)
    if kind == "py":
        spec = importlib.util.spec_from_file_location(f"_pumpspec_ir_{full.stem}", full)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return getattr(mod, function)()
    if kind == "spec":
        return pipeline.load_module(full)
    raise ValueError(f"PUMPSPEC_IR must be spec:<file> or py:<file>:<function>, not {ref!r}")


def runner_name() -> str:
    return os.environ.get("SIM", "icarus")


def prepare(build_dir: Path, module: ir.Module, rtl: Path | None = None) -> tuple[Path, Path]:
    """Write the Verilog under test (unless given) and the wrapper into ``build_dir``."""
    build_dir.mkdir(parents=True, exist_ok=True)
    if rtl is None:
        (path, text), = verilog.emit(module).items()
        rtl = build_dir / Path(path).name
        if not rtl.exists() or rtl.read_text() != text:
            rtl.write_text(text)
    wrapper = build_dir / "tb_pump.v"
    text = lockstep.wrapper_text(verilog.plan(module))
    if not wrapper.exists() or wrapper.read_text() != text:
        wrapper.write_text(text)
    return rtl, wrapper


def run(testcase: str, *, ir_ref: str, build_dir: Path, parameters: dict[str, int],
        extra_env: dict[str, str] | None = None, rtl: Path | None = None,
        toplevel: str = "tb_pump") -> Path:
    """Build (cached per build_dir) and run one cocotb test of verification/cocotb_pump.py."""
    from cocotb_tools.runner import get_runner

    sim = runner_name()
    if sim == "verilator":
        os.environ["PATH"] = f"{lockstep.verilator_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
    rtl, wrapper = prepare(build_dir, load_ir(ir_ref), rtl)
    runner = get_runner(sim)
    waves = os.environ.get("WAVES") == "1"
    # --timing: the wrapper generates its own clock (g++ 12 needs -fcoroutines for it)
    build_args = (["--public-flat-rw", "-Wno-fatal", "--timing", "-CFLAGS", "-fcoroutines"]
                  if sim == "verilator" else [])
    runner.build(sources=[rtl, wrapper], hdl_toplevel=toplevel, build_dir=build_dir,
                 parameters=parameters, build_args=build_args, waves=waves,
                 timescale=("1ns", "1ps"), always=sim == "icarus")
    env = {"PUMPSPEC_IR": ir_ref}
    env.update(extra_env or {})
    results = build_dir / f"{testcase}.results.xml"
    results.unlink(missing_ok=True)
    try:
        runner.test(test_module="cocotb_pump", hdl_toplevel=toplevel, testcase=testcase,
                    build_dir=build_dir, test_dir=build_dir, parameters=parameters,
                    extra_env=env, waves=waves, timescale=("1ns", "1ps"),
                    results_xml=str(results))
    except SystemExit:  # cocotb's runner exits on a failing test; results.xml says which
        if not results.exists():
            raise
    return results
