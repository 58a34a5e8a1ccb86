"""Lockstep of the generated Verilog block against the generated Python controller.

The controller (``compiler.backends.python.load``, generated in memory from the same IR)
is the scoreboard. A :class:`Program` of stimulus items is built while a controller
follows along (random sequences guided by the spec: :class:`RandomGen`; traces:
:func:`replay_trace`); the wrapper's stream sequencer drives the block from it at full
speed and logs one record per observation; the :class:`Checker` replays the log through
a fresh controller and raises :class:`Mismatch` at the first disagreement, which
:func:`explain` traces to a finding of the spec when one explains it. :func:`build` and
:func:`run` do all of it on Icarus or Verilator without cocotb (``pumpspec lockstep``); the cocotb
benches in verification/ drive the same wrapper ``tb_pump`` from cocotb.
"""
from ._bench import EVENTS_PER_TICK, PARAMETERS, SimParams, sim_params, wrapper_text
from ._causes import INTERLOCK_FAULT, explain
from ._checker import Checker, Coverage, Mismatch
from ._model import STATUS, Model, snapshot_layout
from ._program import (END, EVENT, MARK, RESET, RESET_NOW, TICKS, Program, longest_event_run,
                       refusals, replay_trace)
from ._run import Bench, Result, build, run
from ._simulator import SIMULATORS, SimulatorError, missing, verilator_bin
from ._stimulus import MAX_PREFIX_STEPS, RandomGen

__all__ = [
    "END", "EVENT", "EVENTS_PER_TICK", "INTERLOCK_FAULT", "MARK", "MAX_PREFIX_STEPS", "PARAMETERS", "RESET",
    "RESET_NOW", "SIMULATORS", "STATUS", "TICKS", "Bench", "Checker", "Coverage", "Mismatch",
    "Model", "Program", "RandomGen", "Result", "SimParams", "SimulatorError", "build", "explain",
    "longest_event_run", "missing", "refusals", "replay_trace", "run", "sim_params", "snapshot_layout",
    "verilator_bin", "wrapper_text",
]
