"""The Verilog backend: the spec's state machine, STEP burst generator and interlocks.

``emit(module)`` returns ``{"<pump_snake>.v": text}`` (relative to generated/) (Verilog-2005,
deterministic, with the banner). The hardware contract is in docs/hardware.md;
:func:`formal` lists the file's `ifdef FORMAL assertions (what ``prove-rtl`` proves).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...ir import nodes as ir
from ...reserved import python_module_stem
from ..common import Backend, BackendError, template_env
from ._expr import VerilogPrinter, csd_digits, sbits, type_bits, ubits
from ._formal import Check
from ._plan import RESPONSE_STATUSES, Plan, build
from ._text import verilog_comment

__all__ = ["BACKEND", "RESPONSE_STATUSES", "emit", "output_path", "plan", "Plan", "BackendError",
           "VerilogPrinter", "csd_digits", "sbits", "ubits", "type_bits", "formal", "Formal", "Check",
           "verilog_comment"]


def output_path(module: ir.Module) -> str:
    """The file name, relative to the build's output folder (generated/)."""
    return f"{python_module_stem(module.name)}.v"


def plan(module: ir.Module) -> Plan:
    """Validate the module for the hardware and compute everything the template prints."""
    return build(module)


def emit(module: ir.Module) -> dict[str, str]:
    p = build(module)  # raises BackendError before anything is written
    env = template_env(__name__)
    env.filters["comment"] = verilog_comment
    text = env.get_template("pump.v.j2").render(p=p, statuses=RESPONSE_STATUSES)
    return {output_path(module): text}


@dataclass(frozen=True)
class Formal:
    """The `ifdef FORMAL sections of the block ``emit`` writes for a module."""

    top: str  # the block; its parts are <top>_fsm and <top>_motor
    checks: tuple[Check, ...]  # every assertion, the FSM's then the motor's, as in the file
    shrunk: dict[str, int]  # parameters of the bounded checks: every burst fits in a tick
    # cycles of the FSM's bounded check: reset, then two ticks (each after HOLD_CYCLES of
    # hold) and four events (EVENT_CYCLES + 2 cycles each): enough to leave the initial
    # state and reach an event's update
    fsm_bmc_depth: int


def formal(module: ir.Module) -> Formal:
    p = build(module)
    depth = 1 + 2 * (p.pipe.hold_cycles + 1) + 4 * (p.pipe.event_cycles + 2)
    return Formal(p.module, tuple(p.formal.checks + p.formal.motor_checks), dict(p.formal_shrunk),
                  depth)


BACKEND = Backend("verilog", emit)
