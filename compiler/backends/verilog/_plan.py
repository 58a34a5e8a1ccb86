"""IR -> the values the Verilog template prints (every expression already printed).

The template only loops over what this builds; widths, codes and expressions are
computed here (through :class:`VerilogPrinter`), never in the template.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ...ir import nodes as ir
from ...reserved import VERILOG_PREFIXES, VERILOG_RESERVED, python_module_stem
from ..common import BackendError, Namer, banner_lines, display_path, identifier
from ._expr import Operand, VerilogPrinter, sbits, type_bits, ubits
from . import _pipeline
from . import _ram, _table_ram
from ._narrow import narrowed
from ._formal import FormalPlan, build_formal, hardware_requirements
from ._serial import SerialPrinter, may_fold
from ._text import verilog_comment

# the block's response status on its event port: resp_status = the name's index here (the
# template declares one localparam per name, upper case); the benches decode by this tuple
RESPONSE_STATUSES = ("accepted", "rejected", "ignored")


@dataclass
class Reg:
    name: str  # Verilog identifier
    spec: str  # spec name
    width: int
    init: str  # Verilog literal
    persistent: bool
    role: str
    comment: str
    # a window's middle bucket (_ram.py) or a table's element (_table_ram.py): a word of a
    # RAM, read by a wire
    in_ram: bool = False


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
    rams: list[_ram.WindowRam]  # windows whose middle buckets are in a RAM
    tables: list[_table_ram.TableRam]  # table variables in a RAM
    ram_declarations: list[str]
    ram_ports: list[str]
    ram_resets: list[Assign]
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
    serial_lines: list[str] = field(default_factory=list)  # the serial folds (_serial.py)
    event_left_width: int = 1
    hold_width: int = 1
    # each tick value as the design computes it (narrowed, _narrow.py), by name
    let_values: dict[str, ir.Expr] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# the design's own identifiers: no spec name may take one
_DESIGN_NAMES = frozenset({"clk", "rst", "tick", "busy", "state", "ev_valid", "ev_ready",
                           "ev_code", "ev_params", "resp_valid", "resp_status", "resp_reason",
                           "tick_steps", "alarms", "fire", "status", "reason", "ev_go"})


def build(module: ir.Module) -> Plan:
    """The plan of ``module``'s design: its registers, its user events' and its tick's
    printed logic (in that order: the printer numbers wires as it declares them), the
    pipeline stages of that logic, then the formal section."""
    fsm = _FsmBuilder(module)
    regs = fsm.registers()
    lets, steps_expr = fsm.tick_values()
    events = fsm.user_events()
    tick_assigns, tick_decisions = fsm.tick()
    _check_motor(module.motor)
    event_fires = sorted({f.code: f for e in events for d in e.decisions
                          for f in d.fires}.values(), key=lambda f: f.code)
    pipe = fsm.pipeline(lets, events, event_fires, tick_assigns, tick_decisions, steps_expr)
    plan = fsm.plan(regs, lets, steps_expr, events, event_fires, tick_assigns, tick_decisions,
                    pipe)
    _add_formal(plan, fsm, pipe)
    return plan


def _check_motor(motor: ir.Motor) -> None:
    """Motor timing and limiter sizes: the front end's verdicts (E0401, E0408)."""
    if motor.step_high_cycles < 1 or motor.step_low_cycles < 1 or not motor.burst_fits:
        raise BackendError("internal error: the IR's burst does not fit in a tick", motor.span)
    if motor.limiter_ticks < 2 or not ir.limiter_fits_request(motor.limiter_steps, motor.max_step_request):
        raise BackendError("internal error: the IR's step limiter is narrower than a step request",
                           motor.span)


class _FsmBuilder:
    """Names and prints the FSM's logic: one printer, one namer, shared by every part."""

    def __init__(self, m: ir.Module):
        self.m = m
        self.namer = Namer(VERILOG_RESERVED | _DESIGN_NAMES, "Verilog")
        prefix = VERILOG_PREFIXES
        self.state_lp = {s.name: self.namer.add(s.name, prefix["state"] + identifier(s.name),
                                                "state", s.span)
                         for s in m.states}
        self.var_reg = {v.name: self.namer.add(v.name, prefix["variable"] + identifier(v.name),
                                               "variable", v.span)
                        for v in m.variables}
        self.printer = SerialPrinter(lambda n: self.var_reg[n], "state", frozenset(
            v.name for w in m.windows for v in w.bucket_vars))
        self.totals = running_totals(m, self.namer, self.var_reg)
        self.printer.subst = {w.total: Operand(tot.name, tot.width, "unsigned")
                              for w, tot in self.totals}
        self.rams = {w.name: _ram.build(w, self.namer, self.var_reg) for w in _ram.ram_windows(m)}
        # the buckets the RAMs' tick logic updates (_ram.py), and those that are words
        self.ram_buckets = {n for ram in self.rams.values() for n in ram.spec_updated}
        self.ram_words = {n for ram in self.rams.values() for n in ram.spec_words}
        self.tables = {a.name: _table_ram.build(a, self.namer, self.var_reg)
                       for a in _table_ram.ram_tables(m)}
        self.printer.tables = {tuple(t.elements): t for t in self.tables.values()}
        # the tables' elements: their writes go to the RAMs' write port
        self.table_elements = {n for t in self.tables.values() for n in t.spec_elements}
        self.let_wire: dict[str, str] = {}
        # what the design computes for each tick value: the tick values' definitions with
        # their intermediates clamped to what decides them (_narrow.py)
        self.let_values: dict[str, ir.Expr] = {}
        self.reset_code: str | None = None  # the reset event's localparam
        self.event_params: dict[str, dict[str, str]] = {}
        self.guards: list[str] = []  # "wire gN_i = ...;" and "wire enN = ...;"
        # per transition index: its enable wire and guard wires, its updates
        self.enabled: dict[int, tuple[str, list[str]]] = {}
        self.fire_updates: dict[int, list[Assign]] = {}
        self.reason_width = ubits(max(r.code for r in m.reasons))
        self.steps_width = ubits(m.motor.max_step_request)

    def reason_lit(self, code: int) -> str:
        return f"{self.reason_width}'d{code}"

    def registers(self) -> list[Reg]:
        regs = []
        for v in self.m.variables:
            w = type_bits(v.type)
            init = (f"1'b{int(v.init)}" if isinstance(v.type, ir.BoolType) else f"{w}'d{int(v.init)}")
            what = str(v.type) if not isinstance(v.type, ir.IntType) else f"{v.type.lo}..{v.type.hi}"
            flags = ", ".join(x for x in (v.role if v.role != ir.Role.VAR else "",
                                          "persistent" if v.persistent else "") if x)
            regs.append(Reg(self.var_reg[v.name], v.name, w, init, v.persistent, v.role,
                            f"{v.name}: {what}" + (f" ({flags})" if flags else ""),
                            v.name in self.ram_words or v.name in self.table_elements))
        return regs

    def tick_values(self) -> tuple[list[str], str]:
        """The tick values (from the pre-state) as wires, and the motor's step request."""
        m, printer = self.m, self.printer
        lets: list[str] = []
        printer.let = lambda n: self.let_wire[n]
        printer.scope = "tick"
        values = narrowed([let.value for let in m.tick_lets], self.opaque)
        for let, value in zip(m.tick_lets, values, strict=True):
            name = self.namer.add(let.name, VERILOG_PREFIXES["let"] + identifier(let.name),
                                  "tick value", let.span)
            t = let.value.type
            self.let_values[let.name] = value
            if isinstance(t, ir.BoolType):
                lets.append(f"wire {name} = {printer.boolean(value)};  // {let.name}")
            elif isinstance(t, ir.EnumType):
                w = type_bits(t)
                lets.append(f"wire [{w - 1}:0] {name} = {printer.operand(value).unsigned(w)};"
                            f"  // {let.name}")
            else:
                w = sbits(t.lo, t.hi)
                op = printer.operand(value)
                value = op.fit(w) if op.sbits <= w else f"{op.text}[{w - 1}:0]"
                lets.append(f"wire signed [{w - 1}:0] {name} = {value};  // {let.name}: {t.lo}..{t.hi}")
            self.let_wire[let.name] = name
        st = next(x for x in m.tick_lets if x.name == m.motor.steps_let).value.type
        # The interval may over-approximate (lo < 0 from a `budget - earlier` bound): the
        # prover shows steps are never negative, and the formal harness re-asserts it.
        steps = Operand(self.let_wire[m.motor.steps_let], sbits(st.lo, st.hi), "signed")
        return lets, steps.unsigned(self.steps_width)

    def opaque(self, e: ir.Expr) -> bool:
        """Whether the narrowing (_narrow.py) keeps ``e`` whole: a running total the
        printer reads from its register, a serial fold."""
        return e in self.printer.subst or may_fold(e)

    def assigns(self, updates) -> list[Assign]:
        return [Assign(self.var_reg[u.var], self.printer.assign(u.value, self.m.variable(u.var).type))
                for u in updates]

    def transition(self, t: ir.Transition) -> None:
        """Print ``t``'s guards (one wire each), its enable wire and its updates."""
        names = []
        for i, g in enumerate(t.guards):
            gname = f"g{t.index}_{i}"
            text = ir_text(g.cond)
            self.guards.append(f"wire {gname} = {self.printer.boolean(g.cond)};"
                               + (f"  // {verilog_comment(text)}" if text else ""))
            names.append(gname)
        en = f"en{t.index}"
        cond = " && ".join(names) if names else "1'b1"
        self.guards.append(f"wire {en} = {cond};"
                           f"  // {verilog_comment(t.label)}")
        self.enabled[t.index] = (en, names)
        self.fire_updates[t.index] = self.assigns([u for u in t.updates
                                                   if u.var not in self.table_elements])
        for table in self.tables.values():
            write = next((u.write for u in t.updates if u.var in table.spec_elements), None)
            if write is not None:
                table.add_writer(t.index + 1, self.printer.operand(write.index),
                                 self.printer.assign(write.value, table.element_type),
                                 self.printer)

    def decisions_for(self, event: str) -> list[Decision]:
        """Per state: fire the first enabled transition of ``event``; the reject reason is
        the first false guard's reason of the first transition that has reasons."""
        out = []
        for s in self.m.states:
            cands = self.m.transitions_for(s.name, event)
            if not cands:
                out.append(Decision(self.state_lp[s.name], [], "",
                                    policy_tuple(s.policy_for(event))))
                continue
            fires = []
            chain = []
            for t in cands:
                en, gnames = self.enabled[t.index]
                fires.append(Fire(t.index + 1, t.label, en,
                                  self.state_lp[t.target] if t.target else None,
                                  self.fire_updates[t.index]))
                # this transition's reason: its first false guard's reason, if it has one
                arms = [(f"!{g}", self.reason_lit(gd.reason.code if gd.reason else 0))
                        for g, gd in zip(gnames, t.guards, strict=True)]
                if any(gd.reason for gd in t.guards):
                    chain.append(arms)
            expr = self.reason_lit(ir.REASON_NO_TRANSITION.code)
            # scan transitions last-to-first so the first transition with a reason wins
            for arms in reversed(chain):
                inner = "".join(f"{c} ? {r} : " for c, r in arms) + self.reason_lit(0)
                expr = f"(({inner}) != {self.reason_lit(0)}) ? ({inner}) : {expr}"
            out.append(Decision(self.state_lp[s.name], fires, expr))
        return out

    def user_events(self) -> list[EventPlan]:
        """Every event but the tick: its parameter slices and domain, its transitions
        printed in its own scope, its decision per state."""
        m, printer = self.m, self.printer
        events = []
        for e in m.events:
            if e.kind == ir.EventKind.TICK:
                continue
            lp = self.namer.add(e.name, VERILOG_PREFIXES["event"] + identifier(e.name), "event",
                                e.span)
            if e.kind == ir.EventKind.RESET:
                self.reset_code = lp
                events.append(EventPlan(e.name, e.code, lp, [], "1'b1", []))
                continue
            params, domain = self.event_parameters(e)
            pwire = self.event_params[e.name]
            printer.scope = e.name
            printer.param = lambda n, pwire=pwire: pwire[n]
            for t in m.transitions:
                if t.event == e.name:
                    self.transition(t)
            events.append(EventPlan(e.name, e.code, lp, params, " && ".join(domain) or "1'b1",
                                    self.decisions_for(e.name)))
        return events

    def event_parameters(self, e: ir.Event) -> tuple[list[tuple[str, int, int, str]], list[str]]:
        """``e``'s parameter slices of the packed parameter bus (wire, offset, width,
        comment) and the range conditions of those whose type does not fill their bits (a
        value below the type's lowest or above its highest is outside the event's domain)."""
        params = []
        pwire = {}
        off = 0
        domain = []
        for p in e.params:
            w = type_bits(p.type)
            wire = self.namer.add(f"{e.name}.{p.name}",
                                  f"{VERILOG_PREFIXES['parameter']}{identifier(e.name)}_{identifier(p.name)}",
                                  "parameter", p.span)
            params.append((wire, off, w, f"{p.name}: {p.type}"))
            pwire[p.name] = wire
            off += w
            lo, hi = ((0, len(p.type.members) - 1) if isinstance(p.type, ir.EnumType)
                      else (0, 1) if isinstance(p.type, ir.BoolType) else (p.type.lo, p.type.hi))
            if lo > 0:
                domain.append(f"({wire} >= {w}'d{lo})")
            if hi < (1 << w) - 1:
                domain.append(f"({wire} <= {w}'d{hi})")
        self.event_params[e.name] = pwire
        return params, domain

    def tick(self) -> tuple[list[Assign], list[Decision]]:
        """The tick's updates, the windows' running totals and the tick transitions
        (scope = tick)."""
        printer = self.printer
        printer.scope = "tick"
        printer.param = lambda n: (_ for _ in ()).throw(BackendError("internal error: a tick has no parameters"))
        tick_assigns = self.assigns([u for u in self.m.tick_updates
                                     if u.var not in self.ram_buckets])
        for w, tot in self.totals:
            total_next(w, tot, printer)
            if w.name in self.rams:
                ram = self.rams[w.name]
                _ram.print_tick(ram, tot.wrap, tot.counted, printer)
                tick_assigns += [Assign(reg, value) for reg, value in ram.tick_updates()]
        for t in self.m.transitions:
            if t.event == "tick":
                self.transition(t)
        return tick_assigns, [d for d in self.decisions_for("tick") if d.fires]

    def pipeline(self, lets: list[str], events: list[EventPlan], event_fires: list[Fire],
                 tick_assigns: list[Assign], tick_decisions: list[Decision],
                 steps_expr: str) -> _pipeline.Pipeline:
        """The stage registers of the printed logic, read by its four consumers."""
        pipe = _pipeline.build(
            self.printer.decls + self.guards + lets,
            tick_roots=[a.value for a in tick_assigns] + [tot.next for _, tot in self.totals]
            + [ram.data for ram in self.rams.values()]
            + [f.enable for d in tick_decisions for f in d.fires]
            + [a.value for d in tick_decisions for f in d.fires for a in f.updates],
            decision_roots=[e.in_domain for e in events]
            + [x for e in events for d in e.decisions for x in [d.reject_reason]
               + [f.enable for f in d.fires]],
            commit_roots=[a.value for f in event_fires for a in f.updates]
            + [x for table in self.tables.values() for x in table.roots()],
            motor_roots=[steps_expr],
            params={w for e in events for w, *_ in e.params},
            serials=self.printer.serials,
            max_hold_cycles=ir.max_hold_cycles(self.m.motor.burst_cycles,
                                               self.m.motor.cycles_per_tick))
        return pipe

    def plan(self, regs: list[Reg], lets: list[str], steps_expr: str, events: list[EventPlan],
             event_fires: list[Fire], tick_assigns: list[Assign],
             tick_decisions: list[Decision], pipe: _pipeline.Pipeline) -> Plan:
        m, motor, state_lp = self.m, self.m.motor, self.state_lp
        fire_width = ubits(len(m.transitions) + 1)
        return Plan(
            banner="".join(f"// {verilog_comment(line)}\n" for line in banner_lines(m)),
            module=python_module_stem(m.name),
            state_width=ubits(len(m.states) - 1),
            states=[(state_lp[s.name], s.index, s.name) for s in m.states],
            initial=state_lp[m.initial],
            regs=regs,
            totals=[tot for _, tot in self.totals],
            rams=list(self.rams.values()),
            tables=list(self.tables.values()),
            ram_declarations=[x for ram in [*self.rams.values(), *self.tables.values()]
                              for x in ram.declarations()],
            ram_ports=[x for ram in self.rams.values() for x in ram.ports()]
            + [x for table in self.tables.values() for x in table.ports(fire_width)],
            ram_resets=[Assign(reg, v) for ram in self.rams.values() for reg, v in ram.resets()],
            alarms=[self.var_reg[v.name] for v in m.variables if v.role == ir.Role.ALARM],
            code_width=ubits(max(e.code for e in m.events)),
            param_width=max([1] + [sum(type_bits(p.type) for p in e.params) for e in m.events]),
            reason_width=self.reason_width,
            steps_width=self.steps_width,
            events=events,
            reset_code=self.reset_code,
            reset_assigns=[Assign(r.name, r.init) for r in regs
                           if not r.persistent and not r.in_ram],
            decls=pipe.declarations(self.printer.decls),
            guards=pipe.declarations(self.guards),
            lets=pipe.declarations(lets),
            let_values=dict(self.let_values),
            steps_expr=steps_expr,
            tick_assigns=tick_assigns,
            tick_decisions=tick_decisions,
            moving=[state_lp[s] for s in motor.moving_states],
            moving_expr=" || ".join(f"(fsm_state == {state_lp[s]})" for s in motor.moving_states)
            or "1'b0",
            event_fires=event_fires,
            reasons=[(r.code, (f"{r.requirement}: " if r.requirement else "") + r.text)
                     for r in m.reasons],
            reason_unknown_event=self.reason_lit(ir.REASON_UNKNOWN_EVENT.code),
            reason_param_range=self.reason_lit(ir.REASON_PARAM_RANGE.code),
            reason_no_transition=self.reason_lit(ir.REASON_NO_TRANSITION.code),
            fire_width=fire_width,
            tick_cycles=motor.cycles_per_tick,
            step_high=motor.step_high_cycles,
            step_low=motor.step_low_cycles,
            limit_steps=motor.limiter_steps,
            limit_buckets=motor.limiter_buckets,
            limit_bucket_ticks=motor.limiter_bucket_ticks,
            watchdog_ticks=motor.watchdog_ticks,
            max_steps=motor.max_steps_per_tick,
            limiter_req=verilog_comment(hardware_requirements(m)[0]),
            watchdog_req=verilog_comment(hardware_requirements(m)[1]),
            pipe=pipe,
            pipe_regs=pipe.regs(),
            pipe_stages=pipe.stages(),
            serial_lines=[line for part in [*pipe.walks, *pipe.serials] for line in part.lines()],
            event_left_width=ubits(pipe.event_cycles),
            hold_width=ubits(pipe.hold_cycles),
        )


def _add_formal(plan: Plan, fsm: _FsmBuilder, pipe: _pipeline.Pipeline) -> None:
    """The `ifdef FORMAL parts of ``plan``: the FSM's checks (the spec's properties and
    the pipeline's), the formal events, the motor's decode of "may move" and the shrunk
    parameters of the bounded checks."""
    m = fsm.m
    # the stage registers of the pipeline that hold an integer expression of the IR
    depth = {n.name: n.depth for n in pipe.nets.values() if n.staged}
    stages = {key: (op, depth[op.text]) for key, op in fsm.printer.printed()
              if op.text in depth}
    # the formal section reads a RAM's buckets from its ghost registers (_ram.py)
    ghost = {wire: g for ram in plan.rams for wire, g in zip(ram.buckets, ram.ghosts, strict=True)}
    ghost |= {wire: g for table in plan.tables
              for wire, g in zip(table.elements, table.ghosts, strict=True)}
    regs = {name: ghost.get(reg, reg) for name, reg in fsm.var_reg.items()}
    totals = [(w, replace(tot, buckets=[ghost.get(b, b) for b in tot.buckets]))
              for w, tot in fsm.totals]
    plan.formal = build_formal(m, regs, fsm.state_lp, fsm.let_wire, fsm.event_params,
                               "tick_steps", plan.steps_width, totals, stages,
                               ubits(pipe.hold_cycles), fsm.let_values)
    # declared first: the printed checks and their one-cycle copies read them
    plan.formal.decls[:0] = [line for ram in [*plan.rams, *plan.tables]
                             for line in ram.ghost_lines()]
    plan.formal.checks += _pipeline.checks(pipe)
    plan.formal.checks += [c for ram in [*plan.rams, *plan.tables] for c in ram.checks()]
    plan.formal.decls += [line for s in pipe.serials for line in s.folds()]
    plan.formal_events = [(fsm.namer.add(e.name, f"f_ev_{identifier(e.name)}", "event (formal)"),
                           e.localparam, e.in_domain) for e in plan.events]
    # the motor's formal ghost decodes "may move" from the state codes itself
    plan.formal_moving = " || ".join(f"(fsm_state == {plan.state_width}'d{m.state(s).index})"
                                     for s in m.motor.moving_states) or "1'b0"
    # shrunk parameters of the bounded checks: every burst of the widest step request
    # (2**steps_width - 1 steps at 1+1 cycles) fits in a tick; LIMIT_STEPS >= 2**steps_width
    # keeps the limiter's counters wider than a request
    shrunk_limit = max(1 << plan.steps_width, 4)
    widest_burst = ir.burst_cycles((1 << plan.steps_width) - 1, 1, 1)
    plan.formal_shrunk = [("TICK_CYCLES", max(widest_burst, pipe.hold_cycles) + 3),
                          ("STEP_HIGH", 1), ("STEP_LOW", 1), ("LIMIT_STEPS", shrunk_limit),
                          ("LIMIT_BUCKETS", 3), ("LIMIT_BUCKET_TICKS", 2),
                          ("WATCHDOG_TICKS", 3 if m.motor.watchdog_ticks else 0)]


def policy_tuple(pol: ir.Policy) -> tuple[str, int]:
    """(status, reason) of an event a state has no transition for; the status is a name
    of RESPONSE_STATUSES."""
    match pol.kind:
        case ir.PolicyKind.IGNORE:
            return ("ignored", 0)
        case ir.PolicyKind.REJECT:
            return ("rejected", pol.reason.code if pol.reason else ir.REASON_NO_TRANSITION.code)
        case _:
            raise BackendError(f"internal error: unknown policy `{pol.kind}`")


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
