"""IR -> the values the Verilog template prints (every expression already printed).

The template only loops over what this builds; widths, codes and expressions are
computed here (through :class:`VerilogPrinter`), never in the template.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...ir import nodes as ir
from ...reserved import VERILOG_PREFIXES, VERILOG_RESERVED, python_module_stem
from ..common import BackendError, Namer, banner_lines, display_path, identifier
from ._expr import Operand, VerilogPrinter, sbits, type_bits, ubits
from . import _pipeline
from ._formal import FormalPlan, build_formal, hardware_requirements
from ._text import verilog_comment

STATUS_ACCEPTED, STATUS_REJECTED, STATUS_IGNORED = 0, 1, 2


@dataclass
class Reg:
    name: str  # Verilog identifier
    spec: str  # spec name
    width: int
    init: str  # Verilog literal
    persistent: bool
    role: str
    comment: str


@dataclass
class Assign:
    reg: str
    value: str


@dataclass
class Total:
    """A dose window's running total, a register of the design (not a spec variable):
    the sum of the window's buckets, kept by ``total' = total + counted - dropped`` on a
    tick, so the guards and the tick values read one register instead of a long sum."""

    window: str  # spec name of the window
    name: str  # register
    width: int
    init: str
    next: str  # value on a tick (the pre-state's total, counted steps and dropped bucket)
    comment: str
    buckets: list[str]  # the buckets' registers, b0 (being filled) first
    bucket_width: int
    counted: Operand | None = None  # the steps counted this tick (a design wire)
    wrap: str = ""  # the buckets shift on this tick


@dataclass
class Fire:
    """One transition that may fire: its enable wire, its target and its updates."""

    code: int  # index in the `fire` selector (transition index + 1; 0 = none)
    label: str
    enable: str
    target: str | None  # state localparam or None
    updates: list[Assign]


@dataclass
class Decision:
    """What an event does in one state: fire the first enabled transition, else reject."""

    state: str  # localparam
    fires: list[Fire]
    reject_reason: str  # Verilog expression of the reason when none is enabled
    policy: tuple[int, int] | None = None  # (status, reason) when no transition exists


@dataclass
class EventPlan:
    name: str
    code: int
    localparam: str
    params: list[tuple[str, int, int, str]]  # (wire, offset, width, comment)
    in_domain: str  # Verilog condition; "1'b1" when every packed value is in the domain
    decisions: list[Decision]


@dataclass
class Plan:
    banner: str
    module: str
    state_width: int
    states: list[tuple[str, int, str]]  # (localparam, code, name)
    initial: str
    regs: list[Reg]
    totals: list[Total]
    alarms: list[str]
    code_width: int
    param_width: int
    reason_width: int
    steps_width: int
    events: list[EventPlan]
    reset_code: str | None
    reset_assigns: list[Assign]
    decls: list[str]
    guards: list[str]  # "wire gN_i = ...;" declarations
    lets: list[str]
    steps_expr: str
    tick_assigns: list[Assign]
    tick_decisions: list[Decision]
    moving: list[str]  # state localparams where the motor may move
    moving_expr: str  # fsm_state is one of them
    event_fires: list[Fire]  # every user-event transition once, by fire code
    reasons: list[tuple[int, str]]
    # the built-in reasons (ir.BUILTIN_REASONS) as Verilog literals
    reason_unknown_event: str
    reason_param_range: str
    reason_no_transition: str
    fire_width: int
    # motor parameters (defaults from the spec)
    tick_cycles: int
    step_high: int
    step_low: int
    limit_steps: int
    limit_buckets: int
    limit_bucket_ticks: int
    watchdog_ticks: int
    # `ifdef FORMAL (see _formal.py): the FSM's checks, the step signals they use, the
    # motor's own decode of "may move" and the shrunk parameters of the bounded checks
    formal: FormalPlan = field(default_factory=FormalPlan)
    # (wire, localparam, in_domain): an event of the spec commits; the spec's properties
    # quantify over parameter values of their types, so one outside them is not such an
    # event (the design rejects it with the parameter-range reason)
    formal_events: list[tuple[str, str, str]] = field(default_factory=list)
    formal_moving: str = "1'b0"
    formal_shrunk: list[tuple[str, int]] = field(default_factory=list)
    max_steps: int = 0
    # requirement ids of the hardware-only protections (the spec's motor section)
    limiter_req: str = "limiter"
    watchdog_req: str = "watchdog"
    # the pipeline stages of the FSM's logic (_pipeline.py): the registers and their
    # latencies; the wires above are already declared as nx_<stage> where staged
    pipe: _pipeline.Pipeline | None = None
    pipe_regs: list[str] = field(default_factory=list)
    pipe_stages: list[str] = field(default_factory=list)
    event_left_width: int = 1
    hold_width: int = 1
    notes: list[str] = field(default_factory=list)


def build(module: ir.Module) -> Plan:
    m = module
    motor = m.motor
    namer = Namer(VERILOG_RESERVED | {"clk", "rst", "tick", "busy", "state", "ev_valid",
                                      "ev_ready", "ev_code", "ev_params", "resp_valid",
                                      "resp_status", "resp_reason", "tick_steps", "alarms",
                                      "fire", "status", "reason", "ev_go"}, "Verilog")
    state_width = ubits(len(m.states) - 1)
    prefix = VERILOG_PREFIXES
    state_lp = {s.name: namer.add(s.name, prefix["state"] + identifier(s.name), "state", s.span)
                for s in m.states}
    var_reg = {v.name: namer.add(v.name, prefix["variable"] + identifier(v.name), "variable",
                                 v.span)
               for v in m.variables}
    printer = VerilogPrinter(lambda n: var_reg[n], "state")
    totals = running_totals(m, namer, var_reg)
    printer.subst = {w.total: Operand(tot.name, tot.width, "unsigned")
                     for w, tot in totals}

    regs = []
    for v in m.variables:
        w = type_bits(v.type)
        init = (f"1'b{int(v.init)}" if isinstance(v.type, ir.BoolType) else f"{w}'d{int(v.init)}")
        what = str(v.type) if not isinstance(v.type, ir.IntType) else f"{v.type.lo}..{v.type.hi}"
        flags = ", ".join(x for x in (v.role if v.role != ir.Role.VAR else "",
                                      "persistent" if v.persistent else "") if x)
        regs.append(Reg(var_reg[v.name], v.name, w, init, v.persistent, v.role,
                        f"{v.name}: {what}" + (f" ({flags})" if flags else "")))

    # -- tick values (from the pre-state)
    lets: list[str] = []
    let_wire: dict[str, str] = {}
    printer.let = lambda n: let_wire[n]
    printer.scope = "tick"
    for let in m.tick_lets:
        name = namer.add(let.name, prefix["let"] + identifier(let.name), "tick value", let.span)
        t = let.value.type
        if isinstance(t, ir.BoolType):
            lets.append(f"wire {name} = {printer.boolean(let.value)};  // {let.name}")
        elif isinstance(t, ir.EnumType):
            w = type_bits(t)
            lets.append(f"wire [{w - 1}:0] {name} = {printer.operand(let.value).unsigned(w)};"
                        f"  // {let.name}")
        else:
            w = sbits(t.lo, t.hi)
            op = printer.operand(let.value)
            value = op.fit(w) if op.sbits <= w else f"{op.text}[{w - 1}:0]"
            lets.append(f"wire signed [{w - 1}:0] {name} = {value};  // {let.name}: {t.lo}..{t.hi}")
        let_wire[let.name] = name

    steps_let = next(x for x in m.tick_lets if x.name == motor.steps_let)
    st = steps_let.value.type
    # The interval may over-approximate (lo < 0 from a `budget - earlier` bound): the
    # prover shows steps are never negative, and the formal harness re-asserts it.
    steps_width = ubits(motor.max_step_request)
    steps_expr = Operand(let_wire[motor.steps_let], sbits(st.lo, st.hi), "signed").unsigned(steps_width)

    def assigns(updates) -> list[Assign]:
        return [Assign(var_reg[u.var], printer.assign(u.value, m.variable(u.var).type))
                for u in updates]

    guards: list[str] = []

    def enable(t: ir.Transition) -> tuple[str, list[str]]:
        names = []
        for i, g in enumerate(t.guards):
            gname = f"g{t.index}_{i}"
            text = ir_text(g.cond)
            guards.append(f"wire {gname} = {printer.boolean(g.cond)};"
                          + (f"  // {verilog_comment(text)}" if text else ""))
            names.append(gname)
        en = f"en{t.index}"
        cond = " && ".join(names) if names else "1'b1"
        guards.append(f"wire {en} = {cond};"
                      f"  // {verilog_comment(t.label)}")
        return en, names

    reason_width = ubits(max(r.code for r in m.reasons))

    def reason_lit(code: int) -> str:
        return f"{reason_width}'d{code}"

    fire_width = ubits(len(m.transitions) + 1)

    def decisions_for(event: str, scope_states) -> list[Decision]:
        out = []
        for s in m.states:
            cands = m.transitions_for(s.name, event)
            if not cands:
                pol = s.policy_for(event)
                out.append(Decision(state_lp[s.name], [], "", policy_tuple(pol)))
                continue
            fires = []
            chain = []
            for t in cands:
                en, gnames = enabled[t.index]
                fires.append(Fire(t.index + 1, t.label, en,
                                  state_lp[t.target] if t.target else None, fire_updates[t.index]))
                # this transition's reason: its first false guard's reason, if it has one
                arms = [(f"!{g}", reason_lit(gd.reason.code) if gd.reason else reason_lit(0))
                        for g, gd in zip(gnames, t.guards, strict=True)]
                if any(gd.reason for gd in t.guards):
                    chain.append(arms)
            expr = reason_lit(ir.REASON_NO_TRANSITION.code)
            # scan transitions last-to-first so the first transition with a reason wins
            for arms in reversed(chain):
                inner = "".join(f"{c} ? {r} : " for c, r in arms) + reason_lit(0)
                expr = f"(({inner}) != {reason_lit(0)}) ? ({inner}) : {expr}"
            out.append(Decision(state_lp[s.name], fires, expr))
        return out

    def policy_tuple(pol: ir.Policy) -> tuple[int, int]:
        match pol.kind:
            case ir.PolicyKind.IGNORE:
                return (STATUS_IGNORED, 0)
            case ir.PolicyKind.REJECT:
                return (STATUS_REJECTED, pol.reason.code if pol.reason else ir.REASON_NO_TRANSITION.code)
            case _:
                raise BackendError(f"internal error: unknown policy `{pol.kind}`")

    # -- user events: params, guards, updates (scope = the event)
    code_width = ubits(max(e.code for e in m.events))
    param_width = max([1] + [sum(type_bits(p.type) for p in e.params) for e in m.events])
    enabled: dict[int, tuple[str, list[str]]] = {}
    fire_updates: dict[int, list[Assign]] = {}
    events = []
    event_params: dict[str, dict[str, str]] = {}
    reset_code = None
    for e in m.events:
        if e.kind == ir.EventKind.TICK:
            continue
        lp = namer.add(e.name, prefix["event"] + identifier(e.name), "event", e.span)
        if e.kind == ir.EventKind.RESET:
            reset_code = lp
            events.append(EventPlan(e.name, e.code, lp, [], "1'b1", []))
            continue
        params = []
        pwire = {}
        off = 0
        domain = []
        for p in e.params:
            w = type_bits(p.type)
            wire = namer.add(f"{e.name}.{p.name}",
                             f"{prefix['parameter']}{identifier(e.name)}_{identifier(p.name)}",
                             "parameter", p.span)
            params.append((wire, off, w, f"{p.name}: {p.type}"))
            pwire[p.name] = wire
            off += w
            hi = (len(p.type.members) - 1 if isinstance(p.type, ir.EnumType)
                  else 1 if isinstance(p.type, ir.BoolType) else p.type.hi)
            if hi < (1 << w) - 1:
                domain.append(f"({wire} <= {w}'d{hi})")
        event_params[e.name] = pwire
        printer.scope = e.name
        printer.param = lambda n, pwire=pwire: pwire[n]
        for t in m.transitions:
            if t.event == e.name:
                enabled[t.index] = enable(t)
                fire_updates[t.index] = assigns(t.updates)
        events.append(EventPlan(e.name, e.code, lp, params, " && ".join(domain) or "1'b1",
                                decisions_for(e.name, m.states)))

    # -- tick: updates and tick transitions (scope = tick)
    printer.scope = "tick"
    printer.param = lambda n: (_ for _ in ()).throw(BackendError("internal error: a tick has no parameters"))
    tick_assigns = assigns(m.tick_updates)
    for w, tot in totals:
        total_next(w, tot, printer)
    for t in m.transitions:
        if t.event == "tick":
            enabled[t.index] = enable(t)
            fire_updates[t.index] = assigns(t.updates)
    tick_decisions = [d for d in decisions_for("tick", m.states) if d.fires]

    reset_assigns = [Assign(r.name, r.init) for r in regs if not r.persistent]

    # -- motor timing and limiter sizes: the front end's verdicts (E0401, E0408)
    if motor.step_high_cycles < 1 or motor.step_low_cycles < 1 or not motor.burst_fits:
        raise BackendError("internal error: the IR's burst does not fit in a tick", motor.span)
    if motor.limiter_ticks < 2 or not ir.limiter_fits_request(motor.limiter_steps, motor.max_step_request):
        raise BackendError("internal error: the IR's step limiter is narrower than a step request",
                           motor.span)

    event_fires = sorted({f.code: f for e in events for d in e.decisions
                          for f in d.fires}.values(), key=lambda f: f.code)
    pipe = _pipeline.build(
        printer.decls + guards + lets,
        tick_roots=[a.value for a in tick_assigns] + [tot.next for _, tot in totals]
        + [f.enable for d in tick_decisions for f in d.fires]
        + [a.value for d in tick_decisions for f in d.fires for a in f.updates],
        decision_roots=[e.in_domain for e in events]
        + [x for e in events for d in e.decisions for x in [d.reject_reason]
           + [f.enable for f in d.fires]],
        commit_roots=[a.value for f in event_fires for a in f.updates],
        motor_roots=[steps_expr],
        params={w for e in events for w, *_ in e.params},
        max_hold_cycles=ir.max_hold_cycles(motor.burst_cycles, motor.cycles_per_tick))

    formal = build_formal(m, var_reg, state_lp, let_wire, event_params,
                          {e.name: e.localparam for e in events}, "tick_steps", steps_width,
                          totals)
    formal.checks += _pipeline.checks(pipe)
    formal_events = [(namer.add(e.name, f"f_ev_{identifier(e.name)}", "event (formal)"),
                      e.localparam, e.in_domain) for e in events]
    # the motor's formal ghost decodes "may move" from the state codes itself
    formal_moving = " || ".join(f"(fsm_state == {state_width}'d{m.state(s).index})"
                                for s in motor.moving_states) or "1'b0"
    # shrunk parameters of the bounded checks: every burst of the widest step request
    # (2**steps_width - 1 steps at 1+1 cycles) fits in a tick; LIMIT_STEPS >= 2**steps_width
    # keeps the limiter's counters wider than a request
    shrunk_limit = max(1 << steps_width, 4)
    widest_burst = ir.burst_cycles((1 << steps_width) - 1, 1, 1)
    formal_shrunk = [("TICK_CYCLES", max(widest_burst, pipe.hold_cycles) + 3), ("STEP_HIGH", 1),
                     ("STEP_LOW", 1), ("LIMIT_STEPS", shrunk_limit), ("LIMIT_BUCKETS", 3),
                     ("LIMIT_BUCKET_TICKS", 2), ("WATCHDOG_TICKS", 3 if motor.watchdog_ticks else 0)]

    return Plan(
        banner="".join(f"// {verilog_comment(line)}\n" for line in banner_lines(m)),
        module=python_module_stem(m.name),
        state_width=state_width,
        states=[(state_lp[s.name], s.index, s.name) for s in m.states],
        initial=state_lp[m.initial],
        regs=regs,
        totals=[tot for _, tot in totals],
        alarms=[var_reg[v.name] for v in m.variables if v.role == ir.Role.ALARM],
        code_width=code_width,
        param_width=param_width,
        reason_width=reason_width,
        steps_width=steps_width,
        events=events,
        reset_code=reset_code,
        reset_assigns=reset_assigns,
        decls=pipe.declarations(printer.decls),
        guards=pipe.declarations(guards),
        lets=pipe.declarations(lets),
        steps_expr=steps_expr,
        tick_assigns=tick_assigns,
        tick_decisions=tick_decisions,
        moving=[state_lp[s] for s in motor.moving_states],
        moving_expr=" || ".join(f"(fsm_state == {state_lp[s]})" for s in motor.moving_states)
        or "1'b0",
        event_fires=event_fires,
        reasons=[(r.code, (f"{r.requirement}: " if r.requirement else "") + r.text)
                 for r in m.reasons],
        reason_unknown_event=reason_lit(ir.REASON_UNKNOWN_EVENT.code),
        reason_param_range=reason_lit(ir.REASON_PARAM_RANGE.code),
        reason_no_transition=reason_lit(ir.REASON_NO_TRANSITION.code),
        fire_width=fire_width,
        tick_cycles=motor.cycles_per_tick,
        step_high=motor.step_high_cycles,
        step_low=motor.step_low_cycles,
        limit_steps=motor.limiter_steps,
        limit_buckets=motor.limiter_buckets,
        limit_bucket_ticks=motor.limiter_bucket_ticks,
        watchdog_ticks=motor.watchdog_ticks,
        formal=formal,
        formal_events=formal_events,
        formal_moving=formal_moving,
        formal_shrunk=formal_shrunk,
        max_steps=motor.max_steps_per_tick,
        limiter_req=verilog_comment(hardware_requirements(m)[0]),
        watchdog_req=verilog_comment(hardware_requirements(m)[1]),
        pipe=pipe,
        pipe_regs=pipe.regs(),
        pipe_stages=pipe.stages(),
        event_left_width=ubits(pipe.event_cycles),
        hold_width=ubits(pipe.hold_cycles),
    )


def running_totals(m: ir.Module, namer: Namer, var_reg: dict[str, str]) -> list[tuple[ir.Window, Total]]:
    """A running-total register per window. It stays equal to the sum of the buckets
    because only the window's own tick updates write them (an ``ir.Window`` invariant)
    and both survive a reset (the buckets are persistent, the register is not reset)."""
    out = []
    for w in m.windows:
        name = namer.add(f"{w.name}.total",
                         f"{VERILOG_PREFIXES['window']}{identifier(w.name)}_total",
                         "window total", w.span)
        width = ubits(w.total.type.hi)
        init = sum(int(v.init) for v in w.bucket_vars)
        out.append((w, Total(w.name, name, width, f"{width}'d{init}", "",
                             f"{w.name}.total: {w.total.type.lo}..{w.total.type.hi} "
                             f"(sum of the {w.buckets} buckets, kept running)",
                             [var_reg[v.name] for v in w.bucket_vars],
                             type_bits(w.bucket_vars[0].type))))
    return out


def total_next(w: ir.Window, tot: Total, printer: VerilogPrinter) -> None:
    """The total's value after a tick: total + counted - (wrap ? oldest bucket : 0)."""
    wrap, counted = w.wrap, w.counted
    printer.scope = "tick"
    c = printer.operand(counted)
    tot.counted, tot.wrap = c, printer.boolean(wrap)
    t = Operand(tot.name, tot.width, "unsigned")
    old = Operand(tot.buckets[-1], tot.bucket_width, "unsigned")
    lo = w.total.type.lo + counted.type.lo - (1 << tot.bucket_width) + 1
    hi = w.total.type.hi + counted.type.hi
    cw = max(sbits(lo, hi), t.sbits, c.sbits, old.sbits)
    added = printer.wire(cw, f"{t.fit(cw)} + {c.fit(cw)}")
    value = printer.wire(cw, f"{tot.wrap} ? {added.text} - {old.fit(cw)} : {added.text}",
                         f"{w.name}.total after the tick")
    tot.next = value.unsigned(tot.width)


def ir_text(e: ir.Expr) -> str:
    """The guard's source location for the comment (the text itself is in the spec)."""
    return f"{display_path(e.span.file)}:{e.span.line}:{e.span.col}" if e.span else ""
