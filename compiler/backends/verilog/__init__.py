"""The Verilog backend: the spec's state machine, STEP burst generator and interlocks.

``emit(module)`` returns ``{"<pump_snake>.v": text}`` (relative to generated/) (Verilog-2005,
deterministic, with the banner). The hardware contract is in docs/hardware.md.
"""
from __future__ import annotations

from ...ir import nodes as ir
from ..common import Backend, BackendError, snake_case, template_env
from ._expr import VerilogPrinter, sbits, type_bits, ubits
from ._plan import Plan, build

__all__ = ["BACKEND", "emit", "output_path", "plan", "Plan", "BackendError", "VerilogPrinter",
           "sbits", "ubits", "type_bits"]


def output_path(module: ir.Module) -> str:
    """The file name, relative to the build's output folder (generated/)."""
    return f"{snake_case(module.name)}.v"


def plan(module: ir.Module) -> Plan:
    """Validate the module for the hardware and compute everything the template prints."""
    return build(module)


def emit(module: ir.Module) -> dict[str, str]:
    p = build(module)  # raises BackendError before anything is written
    text = template_env(__name__).get_template("pump.v.j2").render(p=p)
    return {output_path(module): text}


BACKEND = Backend("verilog", emit)
