"""Replayable traces: the one JSON format shared by the prover, `simulate` and the benches.

Format ``pumpspec-trace/1`` (documented in docs/traces.md)::

    {
      "format": "pumpspec-trace/1",
      "pump": "InfusionPump",
      "spec_hash": "<sha256 of the spec text>",
      "origin": "prove: PS-01 violated",          # free text, optional
      "violation": {"property": "PS-01", "step": 4},   # optional: 0-based step index
      "steps": [
        {"event": "load_set", "params": {"kind": "teflon"}},
        {"event": "bolus", "params": {"amount": 40}},
        {"event": "tick", "repeat": 3600},
        ...
      ]
    }

Parameter values are in the IR's representation: enum members by name, bools as JSON
booleans, quantities as integers of base units (steps, ticks). ``repeat`` (default 1)
applies the same event that many times and counts as that many steps. Steps may carry
``"expect": {"status": ..., "state": ..., "reason": <code>}`` for replay checks.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .ir import nodes as ir
from .units import MAX_NUMBER_DIGITS

FORMAT = "pumpspec-trace/1"
STATUSES = ("accepted", "rejected", "ignored")  # an expectation's "status"
MAX_TRACE_STEPS = 1_000_000  # handled events in one trace, repeats counted (docs/traces.md)


class TraceError(ValueError):
    """A trace that cannot be read or does not fit the spec; the message says where."""


def add_steps(total: int, repeat: int, where: str) -> int:
    """``total`` steps so far plus a step repeated ``repeat`` times, at most MAX_TRACE_STEPS."""
    if total + repeat > MAX_TRACE_STEPS:
        raise TraceError(f"{where}: the trace holds more than {MAX_TRACE_STEPS:,} steps (repeats counted); "
                         f"split it into shorter traces")
    return total + repeat


@dataclass(frozen=True)
class TraceStep:
    event: str
    params: tuple[tuple[str, ir.Value], ...] = ()  # IR values (enum index, bool, int)
    repeat: int = 1
    expect: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Trace:
    pump: str
    spec_hash: str
    steps: tuple[TraceStep, ...]
    origin: str = ""
    violation: tuple[str, int] | None = None  # (property id, 0-based expanded step)
    extra: tuple[tuple[str, Any], ...] = field(default=())
    # a text trace: the line of each step in its file, for diagnostics (empty for JSON,
    # whose steps are named by their index)
    lines: tuple[int, ...] = field(default=(), compare=False)

    def where(self, source: str, index: int) -> str:
        """Where step ``index`` (of ``steps``) is in ``source``, as the readers' errors say
        it: ``file:line`` (text) or ``file: step i`` (JSON)."""
        return f"{source}:{self.lines[index]}" if self.lines else f"{source}: step {index}"

    def expanded(self) -> list[TraceStep]:
        """One TraceStep per handled event (``repeat`` unrolled)."""
        out: list[TraceStep] = []
        for s in self.steps:
            out.extend([TraceStep(s.event, s.params, 1, s.expect)] * s.repeat)
        return out


def to_json(trace: Trace, module: ir.Module) -> str:
    def step_json(s: TraceStep) -> dict[str, Any]:
        event = module.event(s.event)
        types = {p.name: p.type for p in event.params}
        d: dict[str, Any] = {"event": s.event}
        if s.params:
            d["params"] = {k: _value_to_json(v, types[k]) for k, v in s.params}
        if s.repeat != 1:
            d["repeat"] = s.repeat
        if s.expect:
            d["expect"] = dict(s.expect)
        return d

    doc: dict[str, Any] = {"format": FORMAT, "pump": trace.pump, "spec_hash": trace.spec_hash}
    if trace.origin:
        doc["origin"] = trace.origin
    if trace.violation:
        doc["violation"] = {"property": trace.violation[0], "step": trace.violation[1]}
    doc.update(dict(trace.extra))
    doc["steps"] = [step_json(s) for s in trace.steps]
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def from_json(text: str, module: ir.Module, source: str = "<trace>") -> Trace:
    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
            raise TraceError(f"{source}: a number of {len(digits.lstrip('-'))} digits, more than "
                             f"{MAX_NUMBER_DIGITS}")
        return int(digits)

    try:
        doc = json.loads(text, parse_int=bounded_int)
    except json.JSONDecodeError as exc:
        raise TraceError(f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TraceError(f"{source}: not a {FORMAT} trace (missing or wrong \"format\")")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list):
        raise TraceError(f"{source}: \"steps\" must be a list")
    pump = str(doc.get("pump", ""))
    try:
        steps = _steps_from_json(raw_steps, module, source)
    except TraceError as exc:
        if pump and pump != module.name:  # likely why: say so
            raise TraceError(f"{exc}; {other_pump(pump, module)}: replay it with the spec "
                             f"of `{pump}`") from None
        raise
    violation = doc.get("violation")
    # the other top-level keys (the prover's "check", "kind", "start", ...), kept
    extra = tuple((k, v) for k, v in doc.items() if k not in _KEYS)
    trace = Trace(
        pump=pump,
        spec_hash=str(doc.get("spec_hash", "")),
        steps=tuple(steps),
        origin=str(doc.get("origin", "")),
        violation=(violation["property"], int(violation["step"])) if violation else None,
        extra=extra,
    )
    start_configuration(trace, module, source)  # a recorded start must fit the spec
    return trace


_KEYS = ("format", "pump", "spec_hash", "origin", "violation", "steps")


def start_configuration(trace: Trace, module: ir.Module, source: str = "<trace>"
                        ) -> tuple[str, dict[str, ir.Value]] | None:
    """The configuration a trace starts from instead of the initial state, when it records
    one (``"start": {"state": ..., "values": {variable: value, ...}}``: the prover's
    counterexample to a recovery from a configuration that only satisfies the proved
    invariants): (state, IR value of every variable); None for a run from reset."""
    raw = dict(trace.extra).get("start")
    if raw is None:
        return None
    where = f"{source}: \"start\""
    if not isinstance(raw, dict) or not isinstance(raw.get("values"), dict):
        raise TraceError(f"{where} must be an object with \"state\" and \"values\"")
    state = raw.get("state")
    if state not in module.state_type.members:
        raise TraceError(f"{where}: expected a state ({', '.join(module.state_type.members)}), "
                         f"got {json.dumps(state)}")
    values = raw["values"]
    names = [v.name for v in module.variables]
    problems = _unknown_and_missing(values, names, "variable")
    if problems:
        raise TraceError(f"{where}: {problems} (a start configuration gives every variable "
                         "of the spec)")
    out: dict[str, ir.Value] = {}
    for v in module.variables:
        value = _value_from_json(values[v.name], v.type, f"{where}: `{v.name}`")
        if isinstance(v.type, ir.IntType) and not v.type.lo <= value <= v.type.hi:
            raise TraceError(f"{where}: `{v.name}` = {value} is outside its declared range "
                             f"{v.type.lo} .. {v.type.hi}")
        out[v.name] = value
    return state, out


def _unknown_and_missing(given, names: list[str], what: str) -> str:
    """``"unknown parameter `x`; missing parameters `a`, `b`"`` for the keys of ``given``
    against ``names``, or "" when they match."""
    unknown = sorted(set(given) - set(names))
    missing = [n for n in names if n not in given]
    problems = [f"{word} {_plural(len(found), what)} " + ", ".join(f"`{n}`" for n in found)
                for word, found in (("unknown", unknown), ("missing", missing)) if found]
    return "; ".join(problems)


def other_pump(pump: str, module: ir.Module) -> str:
    """What a trace naming another pump than ``module`` is told."""
    return f"the trace is for pump `{pump}`, the spec defines `{module.name}`"


def _steps_from_json(raw_steps: list, module: ir.Module, source: str) -> list[TraceStep]:
    steps = []
    total = 0
    for i, raw in enumerate(raw_steps):
        where = f"{source}: step {i}"
        if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
            raise TraceError(f"{where}: each step needs an \"event\" name")
        params = raw.get("params", {})
        repeat = raw.get("repeat", 1)
        if not isinstance(params, dict):
            raise TraceError(f"{where}: \"params\" must be an object")
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise TraceError(f"{where}: \"repeat\" must be a positive integer")
        total = add_steps(total, repeat, where)
        steps.append(TraceStep(raw["event"], parse_params(module, raw["event"], params, where),
                               repeat, parse_expect(module, raw.get("expect", {}), where)))
    return steps


def parse_expect(module: ir.Module, expect: Any, where: str) -> tuple[tuple[str, Any], ...]:
    """A JSON step's ``"expect"``: a status of STATUSES, a reason code (an integer of 0 or
    more), a state of the spec; sorted (key, value) pairs."""
    if not isinstance(expect, dict):
        raise TraceError(f"{where}: \"expect\" must be an object")
    checks = {"status": lambda v: v in STATUSES,
              "reason": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
              "state": lambda v: v in module.state_type.members}
    wanted = {"status": " or ".join(STATUSES), "reason": "a reason code (an integer of 0 or more)",
              "state": "a state: " + ", ".join(module.state_type.members)}
    for key, value in expect.items():
        if key not in checks:
            raise TraceError(f"{where}: unknown expectation `{key}` (known: status, reason, state)")
        if not checks[key](value):
            raise TraceError(f"{where}: expected \"{key}\" {wanted[key]}, got {json.dumps(value)}")
    return tuple(sorted(expect.items()))


def parse_params(module: ir.Module, event: str, params: dict[str, Any], where: str
                 ) -> tuple[tuple[str, ir.Value], ...]:
    """JSON/text parameter values -> IR values, in the event's declared order."""
    try:
        decl = module.event(event)
    except StopIteration:
        known = ", ".join(e.name for e in module.events)
        raise TraceError(f"{where}: unknown event `{event}` (known: {known})") from None
    names = [p.name for p in decl.params]
    problems = _unknown_and_missing(params, names, "parameter")
    if problems:
        takes = ", ".join(f"`{n}`" for n in names) if names else "no parameters"
        raise TraceError(f"{where}: {problems} (`{event}` takes {takes})")
    return tuple((p.name, _value_from_json(params[p.name], p.type, f"{where}: `{p.name}`"))
                 for p in decl.params)


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _value_to_json(value: ir.Value, t: ir.Type) -> Any:
    if isinstance(t, ir.EnumType):
        return t.members[value]
    return value


def _value_from_json(raw: Any, t: ir.Type, where: str) -> ir.Value:
    if isinstance(t, ir.EnumType):
        if raw not in t.members:
            raise TraceError(f"{where}: expected one of {', '.join(t.members)}, got {raw!r}")
        return t.members.index(raw)
    if isinstance(t, ir.BoolType):
        if not isinstance(raw, bool):
            raise TraceError(f"{where}: expected true or false, got {raw!r}")
        return raw
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise TraceError(f"{where}: expected an integer ({t}), got {raw!r}")
    return raw
