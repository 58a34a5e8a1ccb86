"""The deterministic text form of the IR (`pumpspec dump-ir`), used by golden tests.

Integers are in base units; enum values print as member names; `x'` is a post-state read.
A declared quantity (a variable, an event parameter) also shows its range and initial
value in the spec's units: `var bolus_left : 0..1000 steps (0 U .. 25 U) = 0 (0 U)`.
"""
from __future__ import annotations

from ..units import NONE, format_quantity
from . import nodes as ir
from .visitor import ExprVisitor

B, U = ir.BinaryOp, ir.UnaryOp
_BINARY_PREC = ir.every_member(B, {
    B.IMPLIES: 1, B.OR: 2, B.AND: 3, B.EQ: 5, B.NE: 5, B.LT: 5, B.LE: 5, B.GT: 5, B.GE: 5,
    B.ADD: 6, B.SUB: 6, B.MUL: 7, B.FLOORDIV: 7, B.MOD: 7})
_UNARY_PREC = ir.every_member(U, {U.NOT: 4, U.NEG: 8})
_ATOM = 9
_COMPARE = 5
_SHOW = {B.FLOORDIV: "div", B.MOD: "mod"}


class IrPrinter(ExprVisitor[str]):
    def expr(self, e: ir.Expr, parent: int = 0) -> str:
        text = self.visit(e)
        match e:
            case ir.Binary(op=op):
                mine = _BINARY_PREC[op]
            case ir.Unary(op=op):
                mine = _UNARY_PREC[op]
            case _:
                mine = _ATOM
        return f"({text})" if mine < parent else text

    def visit_Lit(self, e: ir.Lit) -> str:
        if isinstance(e.type, ir.EnumType):
            return e.type.members[e.value]
        if isinstance(e.value, bool):
            return "true" if e.value else "false"
        return str(e.value)

    def visit_Var(self, e: ir.Var) -> str:
        return e.name + ("'" if e.post else "")

    def visit_StateRef(self, e: ir.StateRef) -> str:
        return "state" + ("'" if e.post else "")

    def visit_Param(self, e: ir.Param) -> str:
        return "$" + e.name

    def visit_LetRef(self, e: ir.LetRef) -> str:
        return "%" + e.name

    def visit_Accepted(self, e: ir.Accepted) -> str:
        return "accepted"

    def visit_Unary(self, e: ir.Unary) -> str:
        match e.op:
            case U.NOT:
                return "not " + self.expr(e.operand, _UNARY_PREC[U.NOT])
            case U.NEG:
                return "-" + self.expr(e.operand, _UNARY_PREC[U.NEG] + 1)
            case _:
                raise TypeError(f"internal error: unknown unary operator {e.op!r}")

    def visit_Binary(self, e: ir.Binary) -> str:
        p = _BINARY_PREC[e.op]
        # Left-associative (a left operand of equal precedence needs no parentheses), but
        # comparisons never chain and `implies` associates to the right.
        left = p + 1 if e.op == B.IMPLIES or p == _COMPARE else p
        right = p if e.op == B.IMPLIES else p + 1
        return f"{self.expr(e.left, left)} {_SHOW.get(e.op, e.op)} {self.expr(e.right, right)}"

    def visit_Cond(self, e: ir.Cond) -> str:
        return f"if {self.expr(e.cond)} then {self.expr(e.then)} else {self.expr(e.orelse)}"

    def visit_MinMax(self, e: ir.MinMax) -> str:
        return f"{e.op}({', '.join(self.expr(a) for a in e.args)})"

    def visit_Table(self, e: ir.Table) -> str:
        values = ", ".join(self.visit_Lit(ir.Lit(v, e.type)) for v in e.values)
        return f"[{values}][{self.expr(e.index)}]"

    def visit_Select(self, e: ir.Select) -> str:
        """``program[h]``, or ``[a, b][i - lo]`` once its elements are no longer the table's."""
        post = "'" if all(isinstance(x, ir.Var) and x.post for x in e.elements) else ""
        names = [f"{e.array}_{e.lo + k}" for k in range(len(e.elements))]
        if [x.name if isinstance(x, ir.Var) else None for x in e.elements] == names:
            return f"{e.array}{post}[{self.expr(e.index)}]"
        offset = f" - {e.lo}" if e.lo else ""
        return f"[{', '.join(self.expr(x) for x in e.elements)}][{self.expr(e.index)}{offset}]"


def dump_module(m: ir.Module) -> str:
    p = IrPrinter()
    out: list[str] = []
    w = out.append

    def typed(e: ir.Expr) -> str:
        return f"{p.expr(e)} : {e.type}"

    w(f"module {m.name}")
    w(f"  source {m.source_file} sha256 {m.source_hash}")
    w(f"  base units: step = {m.step_units} U, tick = {m.tick_seconds} s")
    for e in m.enums:
        w(f"enum {e.name} = {{{', '.join(e.members)}}}")
    for c in m.constants:
        value = (", ".join(map(str, c.value)) if isinstance(c.value, tuple) else str(c.value))
        w(f"const {c.name} = {value} : {c.type}    // {c.written}")
    for v in m.variables:
        flags = " persistent" if v.persistent else ""
        init = p.visit_Lit(ir.Lit(v.init, v.type)) + _spec_units(m, v.type, v.init)
        w(f"var {v.name} : {v.type}{_spec_range(m, v.type)} = {init}  [{v.role}{flags}]")
    for a in m.arrays:
        flags = " persistent" if a.persistent else ""
        w(f"table {a.name}[{a.lo}..{a.hi}] : {a.element_type}{_spec_range(m, a.element_type)}  "
          f"[{a.elements[0].name} .. {a.elements[-1].name}{flags}]")
    for e in m.events:
        params = ", ".join(f"{q.name}: {q.type}{_spec_range(m, q.type)}" for q in e.params)
        w(f"event {e.code} {e.name}({params})  [{e.kind}]")
    for r in m.reasons:
        w(f"reason {r.code} {r.requirement or '-'} \"{r.text}\"")
    for s in m.states:
        init = " initial" if s.name == m.initial else ""
        w(f"state {s.index} {s.name}{init} others: {_policy(s.policy)}")
        for event, policy in s.event_policies:
            w(f"  on {event}: {_policy(policy)}")
    for t in m.transitions:
        w(f"transition {t.label}")
        for g in t.guards:
            reason = f"  else reason {g.reason.code}" if g.reason else ""
            w(f"  when {p.expr(g.cond)}{reason}")
        for u in t.updates:
            w(f"  {u.var} := {typed(u.value)}")
    for let in m.tick_lets:
        w(f"let {let.name} = {typed(let.value)}")
    for u in m.tick_updates:
        w(f"tick {u.var} := {typed(u.value)}")
    mo = m.motor
    w(f"motor clock {mo.clock_hz} Hz, {mo.cycles_per_tick} cycles/tick, step high {mo.step_high_cycles} "
      f"low {mo.step_low_cycles} cycles, max {mo.max_steps_per_tick} steps/tick, max rate "
      f"{mo.max_rate} steps/tick")
    w(f"  burst {mo.burst_cycles} cycles, {'fits' if mo.burst_fits else 'does not fit'} in a tick")
    w(f"  moves in {', '.join(mo.moving_states)}; enabled = {p.expr(mo.enabled)}")
    w(f"  limiter {mo.limiter_requirement or 'derived'} {mo.limiter_steps} steps per {mo.limiter_ticks} ticks "
      f"({mo.limiter_buckets} buckets of {mo.limiter_bucket_ticks}); watchdog "
      + (f"{mo.watchdog_requirement} {mo.watchdog_ticks} ticks" if mo.watchdog_ticks else "none"))
    w(f"  largest step request {mo.max_step_request}")
    for s in mo.sources:
        limit = f" limit {p.expr(s.limit)}" if s.limit is not None else ""
        w(f"  source {s.name} = {p.expr(s.numerator)}/{s.denominator} steps/tick during "
          f"{', '.join(s.states)}{limit} ({s.on_idle})")
        acc = f"accumulator {s.accumulator.name}, " if s.accumulator else ""
        w(f"    {acc}lets active %{s.active.name}, raw %{s.raw.name}, steps %{s.steps.name}")
    for win in m.windows:
        w(f"window {win.name}: {win.buckets} x {win.bucket_ticks} ticks, limit {win.limit}, counts "
          f"{', '.join(win.counts)}, covers {win.covers_ticks} ticks")
        w(f"  buckets {', '.join(v.name for v in win.bucket_vars)}; phase {win.phase.name}")
        w(f"  total = {typed(win.total)}")
        w(f"  wrap = {p.expr(win.wrap)}; counted = {typed(win.counted)}")
    for prop in m.properties:
        w(_property(p, prop))
    for req in m.requirements:
        w(f"requirement {req.id} \"{req.text}\"")
        for c in req.captures:
            w(f"  captured by {c.kind}" + (f" \"{c.text}\"" if c.text else ""))
    for h in m.hazards:
        w(f"hazard {h.id} \"{h.harm}\" severity {h.severity}")
        for c in h.causes:
            control = f" controlled by {', '.join(c.controlled_by)}" if c.controlled_by else ""
            if c.controlled_outside:
                by = f" {', '.join(c.outside_by)}" if c.outside_by else ""
                control += f" outside{by} \"{c.outside_where}\""
            w(f"  cause \"{c.text}\"{control or ' uncontrolled'}")
    return "\n".join(out) + "\n"


def _quantity(t: ir.Type) -> ir.Quantity | None:
    q = t.quantity if isinstance(t, ir.IntType) else None
    return q if q is not None and q.dim != NONE else None


def _spec_units(m: ir.Module, t: ir.Type, value: ir.Value) -> str:
    """` (25 U)`: an integer of a quantity type in the spec's units; '' for other types."""
    q = _quantity(t)
    if q is None:
        return ""
    return f" ({format_quantity(value, q.dim, m.step_units, m.tick_seconds, q.scale)})"


def _spec_range(m: ir.Module, t: ir.Type) -> str:
    """` (0 U .. 300 U)`: a quantity type's range in the spec's units."""
    q = _quantity(t)
    if q is None:
        return ""
    lo, hi = (format_quantity(x, q.dim, m.step_units, m.tick_seconds, q.scale)
              for x in (t.lo, t.hi))
    return f" ({lo} .. {hi})"


def _policy(policy: ir.Policy) -> str:
    match policy.kind:
        case ir.PolicyKind.IGNORE:
            return "ignore"
        case ir.PolicyKind.REJECT:
            return f"reject reason {policy.reason.code}"
        case _:
            raise TypeError(f"internal error: unknown policy {policy.kind!r}")


def _property(p: IrPrinter, prop: ir.Property) -> str:
    head = f"{type(prop).__name__.lower()} {prop.id} \"{prop.text}\""
    match prop:
        case ir.Invariant(expr=e):
            return f"{head}: {p.expr(e)}"
        case ir.Assertion(events=events, states=states, expr=e):
            where = f" from {', '.join(states)}" if states else ""
            return f"{head} on {', '.join(events)}{where}: {p.expr(e)}"
        case ir.Response():
            return (f"{head}: on {prop.trigger_event} when {p.expr(prop.trigger)} -> "
                    f"{p.expr(prop.response)} within {prop.within} ticks")
        case ir.Recovery():
            calls = ", ".join(c.event + (f"({', '.join(f'{k}={v}' for k, v in c.args)})" if c.args else "")
                              for c in prop.sequence)
            return f"{head}: to {p.expr(prop.target)} by {calls}"
    raise TypeError(f"internal error: unknown property {prop!r}")
