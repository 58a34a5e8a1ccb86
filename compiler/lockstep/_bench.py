"""The test wrapper around the generated block and its simulation parameters.

The wrapper (wrapper.v.j2, rendered with StrictUndefined) has two modules:

- ``tb_pump``: the block under test, a 10 ns clock, counters of ticks and STEP pulses,
  a packed snapshot of the FSM registers, a STEP timing monitor whose sticky ``mon_err``
  bits are [0] a pulse while reset is asserted, [1] a low time shorter than STEP_LOW,
  [2] a high time other than STEP_HIGH, [3] a pulse before the second tick after reset,
  [4] STEP high while motor_en is low; and the stream sequencer, which drives the block
  from a stimulus file (``stream_stim.txt``) at full speed and logs one record per
  observation (``stream_log.txt``). The cocotb benches drive its ports.
- ``tb_lockstep``: a top level without ports for a plain simulator run: power-on reset,
  then one stream, then ``$finish``; with ``PUMPSPEC_WAVES`` defined it dumps a VCD to
  the file named by the ``+vcd=<file>`` plusarg.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import jinja2

from ..backends import verilog
from ..ir import nodes as ir
from ._model import snapshot_layout

# Shrunk timing for simulation: a burst of max_steps_per_tick fits with room for events
# before the block's hold window.
SIM_STEP_HIGH = 1
SIM_STEP_LOW = 1
EVENTS_PER_TICK = 6  # room for events between two ticks, unless a trace needs more

PARAMETERS = ("TICK_CYCLES", "STEP_HIGH", "STEP_LOW", "LIMIT_STEPS", "LIMIT_BUCKETS",
              "LIMIT_BUCKET_TICKS", "WATCHDOG_TICKS")


@dataclass(frozen=True)
class SimParams:
    """The block's parameters in simulation: the spec's limits with a shrunk tick."""

    tick_cycles: int
    step_high: int
    step_low: int
    limit_steps: int
    limit_buckets: int
    limit_bucket_ticks: int
    watchdog_ticks: int

    def as_dict(self) -> dict[str, int]:
        return dict(zip(PARAMETERS, (self.tick_cycles, self.step_high, self.step_low,
                                     self.limit_steps, self.limit_buckets,
                                     self.limit_bucket_ticks, self.watchdog_ticks), strict=True))

    def burst_cycles(self, module: ir.Module) -> int:
        return ir.burst_cycles(module.motor.max_steps_per_tick, self.step_high, self.step_low)

    def events_per_tick(self, module: ir.Module, plan: verilog.Plan) -> int:
        """Events that fit between a tick's longest burst and the cycles the block
        (``plan``) holds events before the next tick."""
        room = self.tick_cycles - self.burst_cycles(module) - plan.pipe.hold_cycles
        return max(1, room // stream_event_cycles(plan))


def stream_event_cycles(plan: verilog.Plan) -> int:
    """Cycles one event takes in stream mode: the handshake, the block's ``EVENT_CYCLES``
    to the commit, the response, then the sequencer's next fetch."""
    return plan.pipe.event_cycles + 2


def sim_params(module: ir.Module, events_per_tick: int = EVENTS_PER_TICK, **over: int) -> SimParams:
    """The spec's limits with a shrunk tick: the largest burst, then room for
    ``events_per_tick`` events, then the block's hold window before the next tick.
    ``over`` replaces fields."""
    plan = verilog.plan(module)
    high = over.pop("step_high", SIM_STEP_HIGH)
    low = over.pop("step_low", SIM_STEP_LOW)
    burst = ir.burst_cycles(module.motor.max_steps_per_tick, high, low)
    base = dict(tick_cycles=burst + stream_event_cycles(plan) * events_per_tick
                + plan.pipe.hold_cycles, step_high=high,
                step_low=low, limit_steps=plan.limit_steps, limit_buckets=plan.limit_buckets,
                limit_bucket_ticks=plan.limit_bucket_ticks, watchdog_ticks=plan.watchdog_ticks)
    base.update(over)
    return SimParams(**base)


def wrapper_text(plan: verilog.Plan) -> str:
    """The wrapper modules ``tb_pump`` and ``tb_lockstep`` for the block ``plan`` describes."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(resources.files(__package__).joinpath("wrapper.v.j2").read_text())
    return template.render(
        module=plan.module,
        parameters=PARAMETERS,
        code_width=plan.code_width,
        param_width=plan.param_width,
        reason_width=plan.reason_width,
        item_width=max(32, plan.param_width),
        state_width=plan.state_width,
        snapshot_width=sum(w for _, w in snapshot_layout(plan)),
        snapshot=[f"u_dut.u_fsm.{r.name}" for r in plan.regs] + ["u_dut.u_fsm.state"],
    )
