"""Stimulus programs for the wrapper's stream sequencer, built while a controller follows.

Program items (the stimulus file, one per line, hex ``kind a b``):

    0 0 0        END: wait until the last burst is done, log ``D``, stop
    1 code prm   EVENT: present it when ``ev_ready``; the next item after its response
    2 n 0        TICKS: wait for n ticks of the block's divider
    3 c 0        RESET: once no STEP burst is running, hold the rst pin for c cycles
                 (power-on reset), log ``R``
    4 id 0       MARK: log ``M id`` (sequence seeds, trace numbers, scenario points)
    5 c 0        RESET_NOW: the same at once, even in the middle of a burst
"""
from __future__ import annotations

import re

from .. import trace as tr
from ..backends import verilog
from ..diagnostics import Diagnostic
from ..ir import nodes as ir
from ..source import Span
from ._model import STATUS_NAMES, Model

END, EVENT, TICKS, RESET, MARK, RESET_NOW = 0, 1, 2, 3, 4, 5


class Program:
    """Stimulus items and the controller that follows them, so that generators and
    trace replay can ask what the spec does at each point. The sequencer runs the items
    in exactly this order as long as at most ``max_burst_events`` events come between two
    ticks (a tick is inserted otherwise); the checker replays what the hardware saw
    anyway."""

    def __init__(self, model: Model, max_burst_events: int,
                 fired: dict[int, int] | None = None):
        self.model = model
        self.items: list[tuple[int, int, int]] = []
        self.ctl = model.new()
        self.max_burst_events = max_burst_events
        self.since_tick = 0
        self.events = 0  # port events
        self.ticks = 0
        # transition index -> times fired on the controller (shared across programs if given)
        self.fired: dict[int, int] = {} if fired is None else fired

    def mark(self, ident: int) -> None:
        self.items.append((MARK, ident, 0))

    def hw_reset(self, cycles: int = 3, now: bool = False) -> None:
        """A power-on reset (the rst pin): every register to its initial value."""
        self.items.append((RESET_NOW if now else RESET, cycles, 0))
        self.ctl = self.model.new()
        self.since_tick = 0

    def tick(self, n: int = 1) -> int:
        """n ticks; returns the steps they command."""
        self.items.append((TICKS, n, 0))
        steps = 0
        tick, fired = self.ctl.tick, self.fired
        for _ in range(n):
            out = tick()
            steps += out.total
            if out.transition is not None:
                fired[out.transition] = fired.get(out.transition, 0) + 1
        self.ticks += n
        self.since_tick = 0
        return steps

    def try_raw(self, code: int, word: int, only_if_accepted: bool = False) -> tuple[int, int]:
        """A port event by code and packed parameters: (status, reason). With
        ``only_if_accepted`` a refused event is not sent (a refusal changes nothing on the
        controller, so trying it there is free)."""
        decl = self.model.events.get(code)
        args = self.model.unpack_params(decl, word) if decl else []
        status, reason, fired = self.model.apply(self.ctl, code, args)
        if status != 0 and only_if_accepted:
            return status, reason
        if self.since_tick >= self.max_burst_events:
            self.tick()
        self.items.append((EVENT, code, word))
        self.events += 1
        self.since_tick += 1
        if fired is not None:
            self.fired[fired] = self.fired.get(fired, 0) + 1
        return status, reason

    def event(self, name: str, **params) -> tuple[str, int]:
        """A named event with IR parameter values: (status name, reason code)."""
        decl = self.model.by_name[name]
        status, reason = self.try_raw(decl.code, self.model.pack_params(decl, params))
        return STATUS_NAMES[status], reason

    def text(self) -> str:
        """The stimulus file: the items, then END."""
        return "".join(f"{k:x} {a:x} {b:x}\n" for k, a, b in self.items) + f"{END:x} 0 0\n"


def longest_event_run(trace: tr.Trace) -> int:
    """The most events the trace sends between two ticks: the block's tick must leave
    room for that many (``sim_params(module, events_per_tick=...)``)."""
    longest = run = 0
    for s in trace.steps:
        run = 0 if s.event == "tick" else run + s.repeat
        longest = max(longest, run)
    return longest


def replay_trace(prog: Program, trace: tr.Trace) -> list[str]:
    """Append a trace's steps (from a power-on reset) to ``prog``; returns its failed
    ``expect`` entries (checked after each repetition, as ``pumpspec simulate`` does).
    The program must fit the trace's longest run of events between two ticks (else the
    sequencer would need a tick the trace does not have)."""
    if longest_event_run(trace) > prog.max_burst_events:
        raise ValueError(f"the trace sends {longest_event_run(trace)} events between two "
                         f"ticks; the simulated tick has room for {prog.max_burst_events}")
    failures = []
    prog.hw_reset()
    for index, s in enumerate(trace.steps):
        expect = dict(s.expect)
        if s.event == "tick" and not expect:
            prog.tick(s.repeat)  # one item, however many ticks
            continue
        for _ in range(s.repeat):
            if s.event == "tick":
                prog.tick()
                status, reason = "accepted", 0
            else:
                status, reason = prog.event(s.event, **dict(s.params))
            got = {"status": status, "reason": reason if status == "rejected" else None,
                   "state": prog.ctl.state.name}
            wrong = {k: (v, got[k]) for k, v in expect.items() if k in got and got[k] != v}
            if wrong:
                failures.append(f"trace step {index} ({s.event}): " + ", ".join(
                    f"{k} {w!r} expected, the spec gives {g!r}" for k, (w, g) in wrong.items()))
                break
    return failures



def refusals(module: ir.Module, trace: tr.Trace, source: str, text: str) -> list[Diagnostic]:
    """Why the lockstep cannot replay ``trace`` (read from ``source``, whose content is
    ``text``) on the block, as diagnostics; none when it can. It refuses a trace that starts
    from a configuration the prover recorded (E0602: the block starts from reset only) and
    a parameter value the block's port cannot carry (E0601: the port is as wide as the
    parameter's declared range, so such a value would arrive wrapped, as another event).
    A value outside the declared range that fits the port is sent: the block rejects it
    with reason 2, as the controller does."""
    out = []
    start = dict(trace.extra).get("start")
    if start is not None:
        out.append(Diagnostic(
            "E0602", f"`{source}` starts from a configuration the prover recorded, not from "
                     "reset",
            notes=(f"{source} records the start state `{start.get('state')}` and the values of "
                   "the variables there (\"start\"); the lockstep starts the block and the "
                   "controller from a power-on reset only",),
            help=f"replay it with `pumpspec simulate SPEC {source} --monitor`, which starts "
                 "the controller from the recorded configuration"))
    for index, step in enumerate(trace.steps):
        params = dict(step.params)
        for p in module.event(step.event).params if params else ():
            if not isinstance(p.type, ir.IntType):
                continue  # an enum member or a bool always fits (the readers check them)
            value, bits = params[p.name], verilog.type_bits(p.type)
            top = (1 << bits) - 1
            if 0 <= value <= top:
                continue
            wrapped = f"the block would receive {value} mod {top + 1} = {value % (top + 1)}"
            fits = (f"a value outside it that fits the port ({p.type.hi + 1} .. {top}) is sent, "
                    "and the block rejects it with reason 2 as the controller does"
                    if p.type.hi < top else "the port carries exactly that range")
            span = _param_span(source, text, trace.lines[index], p.name) if trace.lines else None
            out.append(Diagnostic(
                "E0601", f"`{p.name}` = {value} does not fit the block's {bits}-bit port of "
                         f"`{step.event}` (0 .. {top})"
                         + ("" if span else f" at {trace.where(source, index)}"),
                span=span, label=wrapped if span else "",
                notes=(f"`{step.event}({p.name})` is declared {p.type.lo} .. {p.type.hi} and "
                       f"the port is as wide as that range: {fits}",)
                + (() if span else (f"{wrapped}, another event",)),
                help=f"replay this trace with `pumpspec simulate` (it rejects the event with "
                     f"reason 2), or give `{p.name}` a value of at most {top} for the lockstep"))
    return out


def _param_span(source: str, text: str, line: int, name: str) -> Span:
    """The ``name=value`` token of a text trace's line ``line`` (the whole line if absent)."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(x) for x in lines[:line - 1])
    body = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
    found = re.search(rf"(?<!\S){re.escape(name)}=\S+(?:\s+[A-Za-z][A-Za-z/]*(?=\s|$))?", body)
    col, end = (found.start(), found.end()) if found else (0, len(body))
    return Span.at(text, source, offset + col, end - col)
