"""The checker: replays the wrapper's log through a fresh controller and compares.

Log records (one line each): ``E code params status reason SNAP pulses en fault mon``
after each event response, ``T SNAP pulses en fault mon`` one cycle after each tick,
``D SNAP pulses en fault mon`` at the end, ``R`` (power-on reset), ``M id`` (a mark).
SNAP is the packed register snapshot (every variable, then the state), pulses the STEP
pulses since reset, en ``motor_en``, fault ``fault_cause``, mon the timing monitor.

Compared at every record: status and reason of every event; every register; the STEP
pulses emitted so far against the steps the controller's ticks commanded (so the pulses
of each tick, exactly); no fault; the STEP timing monitor clean; at each tick
``motor_en`` against the controller's ``motor_enabled`` of the tick's pre-state (off at
the first tick after reset).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import trace as tr
from ..ir import nodes as ir
from ._model import STATUS, STATUS_NAMES, Model

MONITOR_BITS = ("a STEP pulse during reset", "a STEP low time shorter than STEP_LOW",
                "a STEP high time other than STEP_HIGH", "a STEP pulse before the second tick",
                "STEP high while motor_en is low")


class Mismatch(AssertionError):
    """The block and the controller disagree. ``rows`` are (what, spec, rtl); ``trace``
    replays the sequence up to the step that disagreed."""

    def __init__(self, sequence: str, step: int, event: str, rows: list[tuple[str, Any, Any]],
                 trace: tr.Trace):
        self.sequence, self.step, self.event, self.rows = sequence, step, event, rows
        self.trace = trace
        super().__init__(self.table())

    def table(self) -> str:
        cells = [("", "spec (Python controller)", "rtl (Verilog block)")]
        cells += [(what, str(want), str(got)) for what, want, got in self.rows]
        widths = [max(len(c[i]) for c in cells) for i in range(2)]
        lines = [f"mismatch in {self.sequence} at step {self.step}: {self.event}"]
        lines += ["  " + "  ".join(x.ljust(w) for x, w in zip(c, [*widths, 0], strict=True)).rstrip()
                  for c in cells]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"sequence": self.sequence, "step": self.step, "event": self.event,
                "differences": [{"what": w, "spec": s, "rtl": r} for w, s, r in self.rows]}


@dataclass
class Coverage:
    fired: dict[int, int] = field(default_factory=dict)  # transition index -> times
    reasons: dict[int, int] = field(default_factory=dict)  # reason code -> times

    def never_fired(self, m: ir.Module) -> list[int]:
        return [t.index for t in m.transitions if t.index not in self.fired]

    def line(self, m: ir.Module) -> str:
        never = [m.transitions[i].label for i in self.never_fired(m)]
        return (f"coverage: {len(self.fired)}/{len(m.transitions)} transitions fired; "
                f"{len(self.reasons)}/{len(m.reasons)} reject reasons seen"
                f"; never fired: {', '.join(never) or 'none'}")


class Checker:
    """Feeds log records through a fresh controller; raises :class:`Mismatch` at the
    first disagreement. ``labels`` names the marks (default "sequence <mark>");
    ``on_tick(checker, pulses)`` runs after every tick record."""

    def __init__(self, model: Model, on_tick: Callable[[Checker, int], None] | None = None,
                 labels: dict[int, str] | None = None):
        self.model = model
        self.on_tick = on_tick
        self.labels = labels if labels is not None else {}
        self.cov = Coverage()
        self.ctl = model.new()
        self.mark: int | None = None
        self.marks: dict[int, dict] = {}
        self.ticks = 0  # since the last power-on reset
        self.expected_pulses = 0
        self.steps: list[tr.TraceStep] = []
        self.n_events = self.n_ticks = self.n_compares = self.n_sequences = 0

    def fail(self, event: str, rows: list[tuple[str, Any, Any]]):
        m = self.model.m
        trace = tr.Trace(m.name, m.source_hash, tuple(self.steps),
                         origin=f"pumpspec lockstep: sequence {self.mark}, {event}")
        label = self.labels.get(self.mark, f"sequence {self.mark}")
        raise Mismatch(label, max(len(self.steps) - 1, 0), event, rows, trace)

    def _outcome(self, status: int, reason: int) -> str:
        """e.g. "rejected, reason 39 (PS-22: above the maximum bolus)"."""
        name = STATUS_NAMES[status] if status < len(STATUS_NAMES) else f"status {status}"
        if not reason:
            return name
        known = {r.code: r for r in self.model.m.reasons}.get(reason)
        if known is None:
            return f"{name}, reason {reason}"
        req = f"{known.requirement}: " if known.requirement else ""
        return f"{name}, reason {reason} ({req}{known.text})"

    def _common(self, what: str, snap: str, pulses: str | None, fault: str, mon: str):
        self.n_compares += 1
        try:
            got = int(snap, 16)
        except ValueError:
            self.fail(what, [("registers", "0/1 bits", snap)])
        want = self.model.pack_snapshot(self.ctl)
        if got != want:
            g, w = self.model.unpack_snapshot(got), self.model.unpack_snapshot(want)
            rows = []
            for k in w:
                if g[k] != w[k]:
                    if k == "state":
                        s = self.model.states
                        rows.append((k, s[w[k]], s[g[k]] if g[k] < len(s) else g[k]))
                    else:
                        rows.append((k, w[k], g[k]))
            self.fail(what, rows)
        if pulses is not None and int(pulses) != self.expected_pulses:
            self.fail(what, [("STEP pulses since reset", self.expected_pulses, int(pulses))])
        if fault != "0":
            self.fail(what, [("fault_cause", "0b0000", f"{int(fault):#06b}")])
        if mon != "0":
            bits = [b for i, b in enumerate(MONITOR_BITS) if int(mon) >> i & 1]
            self.fail(what, [("STEP timing", "clean", "; ".join(bits))])

    def feed(self, lines: Iterable[str]) -> None:
        m = self.model
        cov = self.cov
        for line in lines:
            f = line.split()
            kind = f[0]
            if kind == "T":
                self.steps.append(tr.TraceStep("tick"))
                pre_en = self.ticks >= 1 and self.ctl.motor_enabled
                if int(f[3]) != pre_en and f[4] == "0":
                    self.fail(f"tick {self.ticks + 1}", [("motor_en", int(pre_en), int(f[3]))])
                if int(f[2]) != self.expected_pulses:  # the bursts before this tick
                    self.fail(f"tick {self.ticks + 1}", [("STEP pulses before the tick",
                                                          self.expected_pulses, int(f[2]))])
                out = self.ctl.tick()
                self.expected_pulses += out.total
                self.ticks += 1
                self.n_ticks += 1
                if out.transition is not None:
                    cov.fired[out.transition] = cov.fired.get(out.transition, 0) + 1
                self._common(f"tick {self.ticks}", f[1], None, f[4], f[5])
                if self.on_tick:
                    self.on_tick(self, int(f[2]))
            elif kind == "E":
                code, word = int(f[1], 16), int(f[2], 16)
                decl = m.events.get(code)
                args = m.unpack_params(decl, word) if decl else []
                status, reason, fired = m.apply(self.ctl, code, args)
                if decl is None:
                    name = f"unknown event code {code}"
                else:
                    name = f"{decl.name}({', '.join(f'{p.name}={a}' for p, a in zip(decl.params, args, strict=True))})"
                # the trace keeps what a trace can say: no unknown codes or values outside the
                # wire domain (refused, so leaving them out changes nothing)
                if decl is not None and not (status == STATUS["rejected"]
                                             and reason == ir.REASON_PARAM_RANGE.code):
                    self.steps.append(tr.TraceStep(decl.name, tuple(
                        (p.name, a) for p, a in zip(decl.params, args, strict=True))))
                self.n_events += 1
                if fired is not None:
                    cov.fired[fired] = cov.fired.get(fired, 0) + 1
                if reason:
                    cov.reasons[reason] = cov.reasons.get(reason, 0) + 1
                got = (int(f[3]), int(f[4]))
                if got != (status, reason):
                    self.fail(name, [("response", self._outcome(status, reason),
                                      self._outcome(*got))])
                self._common(name, f[5], f[6], f[8], f[9])
            elif kind == "R":
                self.ctl = m.new()
                self.ticks = 0
                self.expected_pulses = 0
            elif kind == "M":
                self.mark = int(f[1])
                self.marks[self.mark] = {"state": m.states[int(self.ctl.state)],
                                         "pulses": self.expected_pulses, "ticks": self.ticks}
                self.steps = []
                self.n_sequences += 1
            elif kind == "D":
                self._common("the end", f[1], f[2], f[4], f[5])
            else:
                raise ValueError(f"unreadable log record {line!r}")
