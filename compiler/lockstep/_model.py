"""What the lockstep needs to know about one spec: the generated controller (the
scoreboard), the event encodings of the hardware port and the register snapshot."""
from __future__ import annotations

import copy
from collections.abc import Callable

from ..backends import python as pyback
from ..backends import verilog
from ..backends.common import subexpressions
from ..ir import nodes as ir

# resp_status on the hardware port: name -> code, code -> name
STATUS_NAMES = verilog.RESPONSE_STATUSES
STATUS = {name: code for code, name in enumerate(STATUS_NAMES)}


def snapshot_layout(plan: verilog.Plan) -> list[tuple[str, int]]:
    """(spec name, width) of the wrapper's packed register snapshot, MSB first; "state"
    (the control state) last."""
    return [(r.spec, r.width) for r in plan.regs] + [("state", plan.state_width)]


class Model:
    """One IR module as the bench sees it: the controller class generated in memory
    (``compiler.backends.python.load``, so never a stale file), the block's plan, event
    codes and parameter packing, and the snapshot layout."""

    def __init__(self, module: ir.Module):
        self.m = module
        self.plan = verilog.plan(module)
        self.py = pyback.load(module)
        self.cls = getattr(self.py, module.name)
        self.Rejected = self.py.Rejected
        self.layout = snapshot_layout(self.plan)
        self.events = {e.code: e for e in module.events if e.kind != ir.EventKind.TICK}
        self.by_name = {e.name: e for e in module.events}
        self.user_events = [e for e in module.events if e.kind == ir.EventKind.USER]
        self.reset_event = next((e for e in module.events if e.kind == ir.EventKind.RESET), None)
        self.unknown_codes = [c for c in range(1 << self.plan.code_width) if c not in self.events]
        self.states = list(module.state_type.members)
        # event name -> state name -> indices of the transitions that may fire there
        self.sources: dict[str, dict[str, list[int]]] = {}
        for t in module.transitions:
            for s in t.sources:
                self.sources.setdefault(t.event, {}).setdefault(s, []).append(t.index)
        self.pack_snapshot = self._packer()
        self.guard_values = self._guard_values()

    def new(self):
        """A fresh controller, as after a power-on reset."""
        return self.cls()

    def _packer(self) -> Callable[[object], int]:
        """controller -> the packed snapshot the wrapper exposes (one generated lambda)."""
        # the controller keeps each value in a slot "_<name>" (ints, bools, IntEnums)
        # a flat `|` of shifted fields, the first in the highest bits: no nesting, so a spec
        # with hundreds of variables stays within the parser's limits
        slots = set(self.cls.__slots__)
        shift = sum(w for _, w in self.layout)
        terms = ["0"]
        for name, w in self.layout:
            shift -= w
            attr = f"c._{name}" if f"_{name}" in slots else f"int(c.{name})"
            terms.append(f"(({attr} & {(1 << w) - 1}) << {shift})")
        return eval(f"lambda c: {' | '.join(terms)}")  # noqa: S307 - built from the IR's identifiers

    def unpack_snapshot(self, word: int) -> dict[str, int]:
        out = {}
        shift = sum(w for _, w in self.layout)
        for name, w in self.layout:
            shift -= w
            out[name] = (word >> shift) & ((1 << w) - 1)
        return out

    def pack_params(self, event: ir.Event, params: dict[str, int]) -> int:
        """Parameters packed LSB first in declaration order, each ``type_bits`` wide. A
        value the field cannot carry is a ValueError, never wrapped (a trace holding one
        is refused up front: ``refusals``)."""
        word, off = 0, 0
        for p in event.params:
            w = verilog.type_bits(p.type)
            value = int(params[p.name])
            if not 0 <= value < 1 << w:
                raise ValueError(f"`{event.name}({p.name})` = {value} does not fit its "
                                 f"{w}-bit port field")
            word |= value << off
            off += w
        return word

    def unpack_params(self, event: ir.Event, word: int) -> list:
        args, off = [], 0
        for p in event.params:
            w = verilog.type_bits(p.type)
            v = (word >> off) & ((1 << w) - 1)
            args.append(bool(v) if isinstance(p.type, ir.BoolType) else v)
            off += w
        return args

    def apply(self, ctl, code: int, args: list) -> tuple[int, int, int | None]:
        """(status, reason, fired transition) of one port event on the controller."""
        if code not in self.events:  # tick (0) and unused codes never come from the port
            return STATUS["rejected"], ir.REASON_UNKNOWN_EVENT.code, None
        try:
            out = ctl.handle_code(code, *args)
        except self.Rejected as r:
            return STATUS["rejected"], r.code, None
        return STATUS[out.status], 0, out.transition

    def accepts(self, ctl, code: int, word: int) -> bool:
        """Whether the controller would accept the port event, asked of a copy of it."""
        decl = self.events.get(code)
        args = self.unpack_params(decl, word) if decl else []
        return self.apply(copy.deepcopy(ctl), code, args)[0] == STATUS["accepted"]

    def _guard_values(self) -> dict[str, list[int]]:
        """event -> the boundary values worth sending for its integer parameters: each
        literal in its transitions' guards and one either side."""
        values: dict[str, set[int]] = {}
        for t in self.m.transitions:
            for g in t.guards:
                for x in subexpressions(g.cond):
                    if isinstance(x, ir.Lit) and isinstance(x.type, ir.IntType):
                        values.setdefault(t.event, set()).update({x.value - 1, x.value, x.value + 1})
        return {k: sorted(v) for k, v in values.items()}
