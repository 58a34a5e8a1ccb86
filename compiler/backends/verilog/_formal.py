"""The `ifdef FORMAL section of the FSM: the spec's properties as RTL assertions.

Everything here is printed with the same width-exact printer as the design, through a
second printer instance (its wires are prefixed ``f``) so the design's own wires and
their order are untouched: the non-formal text is byte-identical with or without it.

What is asserted is one list of :class:`Check` (the FSM's, built here from the IR, then
the motor block's, :func:`motor_checks`): the template prints each check's comment line,
wire, replay line and assertion from it, and ``prove-rtl`` reads the same list through
the backend's :func:`formal_properties <compiler.backends.verilog.formal_properties>`
to map labels back to requirement ids. The FSM's checks:

* ``range.<var>``: every register stays in its declared range (not assumed: proved);
* every spec ``invariant`` (over the state and the variables: all are expressible;
  kind ``window`` when it sums dose-window buckets);
* every spec ``assert ... on E``: on a tick or an accepted/rejected handshake of E, in
  the cycle of the step (pre-state, parameters, tick values, ``accepted``); an assertion
  reading the post-state is checked one cycle later against one-cycle copies of what it
  reads (``f_past_*`` registers: ``$past`` spelt out, so Icarus can replay it too);
* ``motor.steps``: a tick's steps are never negative and at most ``max_steps_per_tick``;
* for every motor source with a remainder accumulator, a ghost ``f_err_<source>`` =
  (ideal steps - issued steps) * denominator, accumulated on every active tick from the
  numerator and the raw steps the design commands, restarted where the spec restarts the
  accumulator: issued never above the ideal and never more than one below
  (``0 <= f_err < den``), and ``f_err`` equals the accumulator (the Bresenham remainder);
* ``step.*``: the refinement checks, every register after each cycle, each event's
  decision and each tick value as the IR's step function gives them
  (:meth:`_FormalBuilder.steps`), and ``stage.*``: each stage register the pipeline cut
  holds its IR expression once settled (:meth:`_FormalBuilder.stage_checks`).

Responses and recovery sequences are liveness-like and are left to ``pumpspec prove``.
The motor block's checks (the interlocks, the limiter, the watchdog, its counters'
ranges) read the motor's own registers and ghosts, which the template declares.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

from ...ir import build as b
from ...ir import nodes as ir
from ...ir.step import EventStep, event_step
from ...ir.visitor import children
from ..common import identifier, subexpressions
from ._expr import Operand, VerilogPrinter, lit_signed, sbits, type_bits


# Python frames allowed while printing the step checks: 4 a level, so events of a few
# thousand transitions around updates nested as deep as the front end allows
STEP_RECURSION_LIMIT = 20_000


@dataclass(frozen=True)
class Check:
    """One assertion of the `ifdef FORMAL section, checked once f_past_valid is high."""

    label: str  # the Verilog assertion label (unique in the file)
    req: str  # requirement id, or a key such as range.reservoir
    # range | inv | window | assert | motor | ghost | step | stage | interlock | limiter |
    # watchdog | pipeline
    kind: str
    text: str
    module: str  # fsm | motor: the Verilog module that asserts it
    guard: str  # Verilog condition under which it must hold ("" = always, once past-valid)
    ok: str  # the wire holding the asserted condition
    cond: str  # that wire's value


@dataclass
class FormalPlan:
    decls: list[str] = field(default_factory=list)  # wires of printed expressions
    past: list[tuple[str, str]] = field(default_factory=list)  # (declaration, source)
    ghosts: list[str] = field(default_factory=list)  # ghost register code (lines)
    checks: list[Check] = field(default_factory=list)  # the FSM's
    motor_checks: list[Check] = field(default_factory=list)  # the motor block's


def hardware_requirements(m: ir.Module) -> tuple[str, str]:
    """The requirement ids of the step limiter and the watchdog (the spec's motor section,
    else ``hw.limiter`` / ``hw.watchdog``)."""
    return (m.motor.limiter_requirement or "hw.limiter",
            m.motor.watchdog_requirement or "hw.watchdog")


# The motor block's assertions: (label, requirement, kind, text, ok wire, condition). The
# requirement "limiter" / "watchdog" stands for the spec's id of that protection.
_MOTOR_CHECKS = (
    ("f_interlock_pin", "PS-40", "interlock",
     "STEP only with motor_en (the AND at the pin)",
     "f_ok_pin", "!step || motor_en"),
    ("f_interlock_auth", "PS-40", "interlock",
     "motor_en (so STEP) only when the latest tick's state is a delivery state "
     "with no alarm latched",
     "f_ok_auth", "!motor_en || f_auth"),
    ("f_interlock_armed", "PS-40", "interlock",
     "no STEP or enable before the second tick after reset",
     "f_ok_armed", "(!(step || motor_en || f_auth) || (f_ticks == 2'd2)) && (f_ticks != 2'd3)"),
    ("f_interlock_fault", "PS-40", "interlock",
     "a latched fault keeps STEP, enable and the burst off",
     "f_ok_fault", "!fault || (!step && !motor_en && !step_q && "
     "(burst_left == {SW{1'b0}}) && (pc == {PW{1'b0}}))"),
    ("f_reset_off", "PS-44", "interlock",
     "no STEP, enable or burst in the cycle after a reset cycle",
     "f_ok_reset", "!f_past_rst || (!step && !motor_en && !busy)"),
    ("f_reset_step", "PS-44", "interlock",
     "no STEP while rst is high (no runt pulse when a reset lands in a burst)",
     "f_ok_rst_step", "!rst || !step"),
    ("f_limiter_sum", "limiter", "limiter",
     "the running sum is the sum of the buckets (exact chain of ghost prefix sums)",
     "f_ok_sum", "f_chain"),
    ("f_limiter_ring", "limiter", "limiter",
     "the ring of the limiter's buckets points inside its words, and each word (when "
     "written since reset) is its bucket",
     "f_ok_ring", "f_ring"),
    ("f_limiter_oldest", "limiter", "limiter",
     "the registered read of the ring holds the oldest bucket after a cycle without "
     "reset or shift, and no tick comes right after one",
     "f_ok_oldest", "f_oldest"),
    ("f_limiter_bound", "limiter", "limiter",
     "the running sum (so the buckets checked at a tick) never exceeds LIMIT_STEPS",
     "f_ok_bound", "(lim_sum <= LIMIT_STEPS)"),
    ("f_limiter_exact", "limiter", "limiter",
     "a tick trips the limiter iff its steps would pass LIMIT_STEPS",
     "f_ok_exact", "!f_past_tick || f_past_cause[1] || (fault_cause[1] == f_past_trip)"),
    ("f_watchdog_range", "watchdog", "watchdog",
     "the watchdog counter stays within WATCHDOG_TICKS",
     "f_ok_wd", "(wd <= WATCHDOG_LAST + 1) && (fault_cause[0] || (wd <= WATCHDOG_LAST))"),
    ("f_watchdog_trip", "watchdog", "watchdog",
     "WATCHDOG_TICKS ticks without heartbeat latch the fault",
     "f_ok_wd_trip", "!f_past_wd_due || fault_cause[0]"),
    ("f_range_div", "range.div", "range",
     "the tick divider stays below TICK_CYCLES",
     "f_ok_div", "(div <= TICK_LAST) && (!tick || (div == {DW{1'b0}})) && "
     "(armed == (f_ticks != 2'd0))"),
    ("f_pipeline_hold", "pipeline.hold", "pipeline",
     "a tick comes after HOLD_CYCLES cycles of hold without reset, in which the "
     "FSM takes no event and its pipeline settles (the FSM assumes it)",
     "f_ok_hold", "(f_hold_run == ((div >= HOLD_FROM) ? div - HOLD_FROM : "
     "(tick ? HOLD_ALL : 0))) && (!tick || (f_hold_run == HOLD_ALL))"),
    ("f_range_pc", "range.pc", "range",
     "the pulse counter stays below the longer pulse time",
     "f_ok_pc", "(pc <= (HIGH_LAST > LOW_LAST ? HIGH_LAST : LOW_LAST))"),
    ("f_range_phase", "range.lim_phase", "range",
     "the limiter phase stays below LIMIT_BUCKET_TICKS",
     "f_ok_phase", "(lim_phase <= BUCKET_LAST)"),
)


def motor_checks(m: ir.Module) -> list[Check]:
    """The motor block's assertions, over its registers and the ghosts the template
    declares in its `ifdef FORMAL section (f_auth, f_ticks, f_chain, f_past_*). A spec
    without a watchdog (WATCHDOG_TICKS = 0) gets none of the watchdog's."""
    limiter, watchdog = hardware_requirements(m)
    req = {"limiter": limiter, "watchdog": watchdog}
    return [Check(label, req.get(r, r), kind, text, "motor", "", ok, cond)
            for label, r, kind, text, ok, cond in _MOTOR_CHECKS
            if m.motor.watchdog_ticks or kind != "watchdog"]


class FormalPrinter(VerilogPrinter):
    """The design printer with the leaves of a formal check: ``accepted`` reads the event
    decision, and in ``delayed`` mode pre-state leaves read their one-cycle copies
    (registers ``f_past_<name>``) while post-state leaves read the registers."""

    def __init__(self, var, state: str, prefix: str, delayed: bool, past: dict,
                 accepted: str):
        super().__init__(var, state, prefix)
        self.delayed = delayed
        self.past_widths = past
        self.accepted = accepted
        # a window total (pre-state / post-state sum of its buckets) -> (register, width)
        self.totals_pre: dict[ir.Expr, tuple[str, int]] = {}
        self.totals_post: dict[ir.Expr, tuple[str, int]] = {}
        # (expression, scope) -> (the design's stage register holding it, its depth): read
        # instead of recomputing the expression (the step checks' printers only)
        self.stages: dict[tuple[ir.Expr, str], tuple[Operand, int]] = {}
        self.skip: tuple[ir.Expr, str] | None = None  # the stage whose own check prints it
        self._depths: dict[tuple, int] = {}
        self._alive: list[ir.Expr] = []

    def held(self, e: ir.Expr) -> Operand | None:
        if e in self.totals_pre:
            name, w = self.totals_pre[e]
            return Operand(self._pre(name, w), w, "unsigned")
        if e in self.totals_post:
            if not self.delayed:
                raise AssertionError("post-state read in a same-cycle check")
            name, w = self.totals_post[e]
            return Operand(name, w, "unsigned")
        stage = self.stage(e)
        if stage is not None:
            op = stage[0]
            return Operand(self._pre(op.text, op.width, op.kind == "signed"), op.width, op.kind)
        return None

    def stage(self, e: ir.Expr) -> tuple[Operand, int] | None:
        """The stage register read for ``e`` in the current scope, if any."""
        if not self.stages or isinstance(e, (ir.Lit, ir.Var, ir.StateRef, ir.Param, ir.LetRef)):
            return None
        key = self.scope_key(e)
        return None if key == self.skip else self.stages.get(key)

    def stage_depth(self, e: ir.Expr) -> int:
        """The depth of the deepest stage register that printing ``e`` reads (0: none);
        remembered by node and scope (an IR node's hash walks its whole tree)."""
        if not self.stages:
            return 0
        key = (id(e), self.scope, self.skip)
        if key not in self._depths:
            hit = self.stage(e)
            self._depths[key] = (hit[1] if hit is not None else
                                 max((self.stage_depth(x) for x in children(e)), default=0))
            self._alive.append(e)  # keeps id(e) unique while it is remembered
        return self._depths[key]

    def _pre(self, name: str, width: int, signed: bool = False) -> str:
        if not self.delayed or name.startswith(("1'", "0'")):
            return name
        self.past_widths.setdefault(name, (width, signed))
        return f"f_past_{name}"

    def visit_Var(self, e: ir.Var):
        name = self._var(e.name)
        if e.post:
            if not self.delayed:
                raise AssertionError("post-state read in a same-cycle check")
            return self._leaf(name, e.type)
        return self._leaf(self._pre(name, type_bits(e.type)), e.type)

    def visit_StateRef(self, e: ir.StateRef):
        if e.post:
            return Operand(self._state, type_bits(e.type), "unsigned")
        return Operand(self._pre(self._state, type_bits(e.type)), type_bits(e.type), "unsigned")

    def visit_Param(self, e: ir.Param):
        return self._leaf(self._pre(self.param(e.name), type_bits(e.type)), e.type)

    def visit_LetRef(self, e: ir.LetRef):
        name = self.let(e.name)
        if isinstance(e.type, (ir.BoolType, ir.EnumType)):
            return self._leaf(self._pre(name, type_bits(e.type)), e.type)
        w = sbits(e.type.lo, e.type.hi)
        return Operand(self._pre(name, w, True), w, "signed")

    def negation(self, text: str) -> str:
        return f"(!{text})"  # parenthesised: Icarus does not parse `!!x`

    def visit_Accepted(self, e: ir.Accepted):
        return self._pre(self.accepted, 1) if self.delayed else self.accepted


def _slug(check_id: str) -> str:
    """A label from a check id: ``kind.<spec name>`` keeps the name's case (``range.X`` and
    ``range.x`` stay apart), a requirement id is lower-cased (``PS-41`` -> ``ps_41``; its
    letters are all capitals, so no two ids meet)."""
    kind, dot, name = check_id.partition(".")
    if dot:
        return f"{identifier(kind)}_{identifier(name)}"
    return identifier(check_id.lower())


def _reads_post(e: ir.Expr) -> bool:
    return any(getattr(x, "post", False) for x in subexpressions(e))


def build_formal(m: ir.Module, var_reg: dict[str, str], state_lp: dict[str, str],
                 let_wire: dict[str, str], event_params: dict[str, dict[str, str]],
                 tick_steps: str, steps_width: int, totals=(), stages=None,
                 settle_width: int = 1, let_values=None) -> FormalPlan:
    """The FSM's formal section, in label order: range facts, the spec's properties, the
    windows' running totals, the motor's steps, the sources' Bresenham ghosts, the
    refinement checks (``stages``: the pipeline's stage registers by the expression they
    hold; ``settle_width``: the bits of the ghost ``f_settle``; ``let_values``: what the
    design computes for a tick value where that is not its definition, _narrow.py)."""
    fb = _FormalBuilder(m, var_reg, state_lp, let_wire, event_params, totals,
                        dict(stages or {}), settle_width, dict(let_values or {}))
    fb.ranges()
    fb.properties()
    fb.window_totals()
    fb.motor_steps(tick_steps, steps_width)
    fb.source_ghosts()
    # an event's decision is an `or` of one enable per transition of the event, each up
    # to MAX_DEPTH deep, and a printer takes 4 frames a level
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, STEP_RECURSION_LIMIT))
    try:
        fb.steps()
    finally:
        sys.setrecursionlimit(limit)
    return fb.finish()


class _FormalBuilder:
    """Two printers over the design's names: ``now`` for checks of the step's own cycle,
    ``late`` for checks one cycle later (reading ``f_past_*`` copies of the pre-state)."""

    def __init__(self, m: ir.Module, var_reg: dict[str, str], state_lp: dict[str, str],
                 let_wire: dict[str, str], event_params: dict[str, dict[str, str]], totals,
                 stages: dict[tuple[ir.Expr, str], tuple[Operand, int]], settle_width: int,
                 let_values: dict[str, ir.Expr]):
        self.m, self.var_reg, self.state_lp = m, var_reg, state_lp
        self.let_values = let_values
        self.let_wire, self.event_params, self.totals = let_wire, event_params, totals
        self.fp = FormalPlan()
        self.past: dict[str, tuple[int, bool]] = {}  # f_past_<name>: (width, signed)
        # f_ev_accepted: the handshake of this cycle is accepted (the design's decision)
        self.now = FormalPrinter(lambda n: var_reg[n], "state", "fn", False, self.past,
                                 "f_ev_accepted")
        self.late = FormalPrinter(lambda n: var_reg[n], "state", "fd", True, self.past,
                                  "f_ev_accepted")
        # the step checks' printers read the design's stage registers (``stages``)
        self.step_now = FormalPrinter(lambda n: var_reg[n], "state", "fsn", False, self.past,
                                      "f_ev_accepted")
        self.step_late = FormalPrinter(lambda n: var_reg[n], "state", "fsd", True, self.past,
                                       "f_ev_accepted")
        self.printers = (self.now, self.late, self.step_now, self.step_late)
        for p in self.printers:
            p.let = lambda n: let_wire[n]
        for p in (self.step_now, self.step_late):
            p.stages = stages
        self.stages, self.settle_width = stages, settle_width
        # a window's total is read from the design's running-total register; the window
        # checks prove that register equals the sum of the buckets
        for w, tot in totals:
            post = b.with_post(w.total)
            for p in self.printers:
                p.totals_pre[w.total] = (tot.name, tot.width)
                p.totals_post[post] = (tot.name, tot.width)
        self.used: dict[str, int] = {}
        # the spec's properties summing window buckets are kind "window": their induction
        # needs the sum re-associated across a bucket shift, which Z3 finds hard
        self.window_vars = {v.name for v in m.variables if v.role == ir.Role.WINDOW}

    def add(self, req: str, kind: str, text: str, guard: str, cond: str) -> None:
        own = kind == "range" or req.startswith(kind + ".")
        base = f"f_{_slug(req)}" if own else f"f_{kind}_{_slug(req)}"
        self.used[base] = self.used.get(base, 0) + 1
        label = base if kind == "range" else f"{base}_{self.used[base]}"
        self.fp.checks.append(Check(label, req, kind, text, "fsm", guard,
                                    f"f_ok_{len(self.fp.checks)}", cond))

    def in_states(self, states, delayed: bool) -> str:
        if not states:
            return ""
        reg = "state"
        if delayed:
            self.past.setdefault("state", (type_bits(self.m.state_type), False))
            reg = "f_past_state"
        return "(" + " || ".join(f"({reg} == {self.state_lp[s]})" for s in states) + ")"

    def kind_of(self, e: ir.Expr, default: str) -> str:
        read = {x.name for x in subexpressions(e) if isinstance(x, ir.Var)} & self.window_vars
        return "window" if len(read) > 1 else default

    def ranges(self) -> None:
        """Range facts of every register (declared ranges are proved, not assumed)."""
        m = self.m
        nstates = len(m.states)
        if nstates < (1 << type_bits(m.state_type)):
            self.add("range.state", "range", "the control state is a declared state", "",
                     f"(state <= {type_bits(m.state_type)}'d{nstates - 1})")
        for v in m.variables:
            w = type_bits(v.type)
            hi = (len(v.type.members) - 1 if isinstance(v.type, ir.EnumType)
                  else v.type.hi if isinstance(v.type, ir.IntType) else 1)
            if hi < (1 << w) - 1:
                self.add(f"range.{v.name}", "range", f"{v.name} stays in {v.type}", "",
                         f"({self.var_reg[v.name]} <= {w}'d{hi})")

    def properties(self) -> None:
        """Every spec invariant, and every assertion once per event it is on."""
        for prop in self.m.properties:
            if isinstance(prop, ir.Invariant):
                self.now.scope = ""
                self.add(prop.id, self.kind_of(prop.expr, "inv"), prop.text, "",
                         self.now.boolean(prop.expr))
            elif isinstance(prop, ir.Assertion):
                for ev in prop.events:
                    self.assertion(prop, ev)

    def assertion(self, prop: ir.Assertion, ev: str) -> None:
        """``prop`` on event ``ev``: in the step's cycle, or one cycle later when it reads
        the post-state."""
        delayed = _reads_post(prop.expr)
        pr = self.late if delayed else self.now
        event = self.m.event(ev)
        self.scope(pr, ev)
        pr.accepted = "1'b1" if event.kind == "tick" else "f_ev_accepted"
        cond = pr.boolean(prop.expr)
        step = "f_tick_step" if event.kind == "tick" else f"f_ev_{identifier(ev)}"
        fire = f"f_past_{step}" if delayed else step
        if delayed:
            self.past.setdefault(step, (1, False))
        guard = " && ".join(x for x in (fire, self.in_states(prop.states, delayed)) if x)
        self.add(prop.id, self.kind_of(prop.expr, "assert"), f"{prop.text} (on {ev})", guard,
                 cond)

    def window_totals(self) -> None:
        """Running totals of the dose windows: ghost prefix sums, each updated locally like
        the buckets (a shift moves prefix k-1 to k and adds the counted steps), and a
        chain of exact links (one bit wider: no link wraps) from b0 to the register, one
        assertion per link. The chain proves the register is the sum of the buckets
        without re-associating a 7- or 25-term sum in one induction step."""
        for w, tot in self.totals:
            n, tw, bw = len(tot.buckets), tot.width, tot.bucket_width
            g = [f"f_pre_{identifier(w.name)}_{k}" for k in range(n - 1)]
            c = tot.counted.unsigned(tw)
            inits = [sum(int(v.init) for v in w.bucket_vars[:k + 1]) for k in range(n - 1)]
            self.fp.ghosts += [
                f"// ghost prefix sums of window `{w.name}`: {g[0]} = b0, "
                f"f_pre_{identifier(w.name)}_k = b0 + .. + bk",
                *[f"reg [{tw - 1}:0] {x};" for x in g],
                "always @(posedge clk) begin",
                "    if (rst) begin",
                *[f"        {x} <= {tw}'d{v};" for x, v in zip(g, inits, strict=True)],
                "    end else if (tick) begin",
                f"        if ({tot.wrap}) begin",
                f"            {g[0]} <= {tw}'d0;",
                *[f"            {g[k]} <= {g[k - 1]} + {c};" for k in range(1, n - 1)],
                "        end else begin",
                *[f"            {x} <= {x} + {c};" for x in g],
                "        end",
                "    end",
                "end",
            ]
            bucket = [f"{{{tw + 1 - bw}'d0, {r}}}" for r in tot.buckets]
            links = [f"({{1'b0, {g[0]}}} == {bucket[0]})"]
            links += [f"({{1'b0, {g[k]}}} == {{1'b0, {g[k - 1]}}} + {bucket[k]})"
                      for k in range(1, n - 1)]
            links.append(f"({{1'b0, {tot.name}}} == {{1'b0, {g[n - 2]}}} + {bucket[n - 1]})")
            # one assertion per link: each is inductive given the links of the previous
            # cycle, so the solver proves them apart (or a few at a time)
            for k, link in enumerate(links):
                self.add(f"window.{w.name}", "window",
                         f"the running total {tot.name} is the sum of the {n} buckets of "
                         f"`{w.name}` (exact chain of ghost prefix sums, link {k + 1} of {n})",
                         "", link)

    def motor_steps(self, tick_steps: str, steps_width: int) -> None:
        """The steps a tick commands: never negative, at most max_steps_per_tick."""
        m = self.m
        steps = m.motor.steps_let
        t = next(x for x in m.tick_lets if x.name == steps).value.type
        self.add("motor.steps", "motor",
                 f"a tick commands 0 .. {m.motor.max_steps_per_tick} steps (the motor block's input)",
                 "f_tick_step",
                 f"(({self.let_wire[steps]} >= {lit_signed(0, sbits(t.lo, t.hi))}) && "
                 f"({tick_steps} <= {steps_width}'d{m.motor.max_steps_per_tick}))")

    def source_ghosts(self) -> None:
        """A ghost counter per rational-rate source with a remainder accumulator
        (Bresenham accuracy), checked under the id of the tick assertions that read the
        accumulator's post-state, else ``ghost.<source>``."""
        acc_ids: dict[str, list[str]] = {}
        for prop in self.m.properties:
            if isinstance(prop, ir.Assertion) and prop.events == ("tick",):
                for x in subexpressions(prop.expr):
                    if isinstance(x, ir.Var) and x.post:
                        acc_ids.setdefault(x.name, []).append(prop.id)
        for src in self.m.motor.sources:
            if src.accumulator is not None:
                ids = sorted(set(acc_ids.get(src.accumulator.name, []))) or [f"ghost.{src.name}"]
                self.source_ghost(src, ids[0])

    def source_ghost(self, src: ir.Source, req: str) -> None:
        m, now, acc = self.m, self.now, src.accumulator
        den = src.denominator
        now.scope = ""
        num = now.operand(src.numerator)
        raw_t = src.raw.value.type
        num_hi = src.numerator.type.hi
        ew = sbits(-(den * max(raw_t.hi, 1)) - den, 2 * den + num_hi) + 1
        raw = Operand(self.let_wire[src.raw.name], sbits(raw_t.lo, raw_t.hi), "signed")
        g = f"f_err_{src.name}"
        active = now.boolean(_active_expr(m, src))
        match src.on_idle:
            case ir.OnIdle.HOLD:
                idle = f"{g};"
            case ir.OnIdle.RESET:
                idle = f"{lit_signed(0, ew)};"
            case _:
                raise AssertionError(f"internal error: unknown idle rule {src.on_idle!r}")
        restart = [] if acc.persistent else [
            f"        else if (f_ev_{identifier(e.name)}) {g} <= {lit_signed(0, ew)};"
            for e in m.events if e.kind == ir.EventKind.RESET]
        self.fp.ghosts += [
            f"// ghost of source `{src.name}`: (ideal - issued steps) * {den}; the ideal grows",
            "// by the numerator on every active tick, issued by the raw steps commanded",
            f"reg signed [{ew - 1}:0] {g};",
            f"wire f_active_{src.name} = {active};  // decoded here, not the design's let",
            "always @(posedge clk) begin",
            f"    if (rst) {g} <= {lit_signed(0, ew)};",
            f"    else if (tick) {g} <= f_active_{src.name} ? {g} + {num.fit(ew)} - "
            f"{lit_signed(den, ew)} * {raw.fit(ew)} : " + idle,
            *restart,
            "end",
        ]
        aw = type_bits(acc.type)
        accv = Operand(self.var_reg[acc.name], aw, "unsigned").fit(max(ew, aw + 1))
        gw = Operand(g, ew, "signed").fit(max(ew, aw + 1))
        self.add(req, "ghost", f"`{src.name}`: issued steps never above the ideal and never "
                 f"more than one below", "",
                 f"(({g} >= {lit_signed(0, ew)}) && ({g} < {lit_signed(den, ew)}))")
        self.add(req, "ghost", f"`{src.name}`: the accumulator is the Bresenham remainder "
                 f"(ideal - issued) * {den}", "", f"({gw} == {accv})")

    def steps(self) -> None:
        """The refinement checks: the FSM computes the IR's step function
        (:mod:`compiler.ir.step`). After a reset cycle every register holds its initial
        value; after a tick or an event with in-domain parameters, the value the event's
        step gives from the pre-state (``f_past_*``); after any other cycle (no step, an
        unknown code, a parameter out of its domain) its own. At each step the design's
        decision is the IR's, and each tick value (a let) that the step reads is its
        definition over the registers and earlier lets. Together with the reset state
        they make every run of the block a run of the IR, so a property `pumpspec prove`
        proves on the IR holds on the block (``compiler.rtlproof``: by refinement)."""
        m = self.m
        steps = {e.name: event_step(m, e.name) for e in m.events}
        fired = {e.name: "f_tick_step" if e.kind == ir.EventKind.TICK
                 else f"f_ev_{identifier(e.name)}" for e in m.events}
        for wire in ("rst", *fired.values()):
            self.past.setdefault(wire, (1, False))
        for v in m.variables:
            self.step_check(f"step.{v.name}", f"`{v.name}`", steps, fired,
                            ir.Var(v.name, v.type, post=True), ir.Var(v.name, v.type),
                            lambda st, name=v.name: st.values[name], ir.Lit(v.init, v.type))
        self.step_check("step.state", "the control state", steps, fired,
                        ir.StateRef(m.state_type, post=True), ir.StateRef(m.state_type),
                        lambda st: st.state, ir.Lit(m.state(m.initial).index, m.state_type))
        pr = self.step_now
        for e in m.events:
            if e.kind == ir.EventKind.USER:
                self.scope(pr, e.name)
                accepted = steps[e.name].accepted
                self.add("step.accepted", "step",
                         f"`{e.name}` is accepted exactly when the spec accepts it",
                         fired[e.name], self.settled(pr, [accepted],
                                                     f"(f_ev_accepted == {pr.boolean(accepted)})"))
        readers = self.let_readers()
        tick = next(e.name for e in m.events if e.kind == ir.EventKind.TICK)
        for let in m.tick_lets:
            self.scope(pr, tick)
            eq = b.compare(ir.BinaryOp.EQ, ir.LetRef(let.name, let.value.type), let.value)
            when = [fired[e.name] for e in m.events if e.kind == ir.EventKind.TICK
                    or let.name in readers.get(e.name, ())]
            self.add(f"step.{let.name}", "step",
                     f"the tick value `{let.name}` is its definition at every step that "
                     f"reads it", "(" + " || ".join(when) + ")",
                     self.settled(pr, [let.value, self.let_values.get(let.name, let.value)],
                                  pr.boolean(eq)))
        self.stage_checks()

    def settled(self, pr: FormalPrinter, exprs: list[ir.Expr], cond: str) -> str:
        """``cond`` and every stage register it reads settled (``f_settle`` at least its
        depth, in the step's cycle): a stage register holds its expression's value only
        then (:meth:`stage_checks`)."""
        depth = max((pr.stage_depth(e) for e in exprs), default=0)
        if not depth:
            return cond
        settle = "f_settle"
        if pr.delayed:
            self.past.setdefault("f_settle", (self.settle_width, False))
            settle = "f_past_f_settle"
        return f"({cond} && ({settle} >= {self.settle_width}'d{depth}))"

    def stage_checks(self) -> None:
        """Each stage register the step checks read holds, once settled, its IR expression
        computed from the registers and the stage registers it reads in turn (printed
        here from the IR, products and table reads as plain as in every formal check).
        By induction on the depth, a settled stage register holds its expression's value
        over the registers: what the step checks rely on when they read it."""
        pr = self.step_now
        for (e, scope), (op, depth) in sorted(self.stages.items(), key=lambda kv: kv[1][0].text):
            self.scope(pr, scope or None)
            pr.skip = (e, scope)
            value = pr.operand(e)
            pr.skip = None
            if isinstance(e.type, ir.EnumType):
                w = max(op.width, value.width)
                same = f"({op.unsigned(w)} == {value.unsigned(w)})"
            else:
                w = max(op.sbits, value.sbits)
                same = f"({op.fit(w)} == {value.fit(w)})"
            self.add(f"stage.{op.text}", "stage",
                     f"the stage register `{op.text}` (depth {depth}) holds the spec's value "
                     "of its expression once settled", "",
                     f"((f_settle < {self.settle_width}'d{depth}) || {same})")

    def scope(self, pr: FormalPrinter, event: str | None) -> None:
        pr.scope = event or ""
        params = self.event_params.get(event, {}) if event else {}
        pr.param = lambda n, params=params: params[n]

    def step_check(self, req: str, what: str, steps: dict[str, EventStep],
                   fired: dict[str, str], post: ir.Expr, pre: ir.Expr, after,
                   init: ir.Lit) -> None:
        """One register's refinement check: a chain of the cycle's cases, reset first."""
        pr = self.step_late
        self.scope(pr, None)
        arms = [f"f_past_rst ? {pr.boolean(b.compare(ir.BinaryOp.EQ, post, init))}"]
        for event, st in steps.items():
            value = after(st)
            if value == pre:
                continue
            self.scope(pr, event)
            arms.append(f"f_past_{fired[event]} ? {self.becomes(pr, post, value)}")
        self.scope(pr, None)
        same = pr.boolean(b.compare(ir.BinaryOp.EQ, post, pre))
        self.add(req, "step", f"{what} after every step is the spec's (the event's step "
                 f"from the pre-state, its own between steps, its initial value after reset)",
                 "", "(" + " : ".join(arms + [same]) + ")")

    def becomes(self, pr: FormalPrinter, post: ir.Expr, value: ir.Expr) -> str:
        """``post == value``, each conditional along the else-branches of ``value`` (the
        step nests one per transition of the event) printed as a case of its own, so no
        expression deeper than the spec's own is printed."""
        cases: list[tuple[ir.Expr, ir.Expr]] = []
        while isinstance(value, ir.Cond):
            cases.append((value.cond, value.then))
            value = value.orelse
        out = self.settled(pr, [value], pr.boolean(b.compare(ir.BinaryOp.EQ, post, value)))
        for cond, then in reversed(cases):
            eq = self.settled(pr, [then], pr.boolean(b.compare(ir.BinaryOp.EQ, post, then)))
            out = f"({self.settled(pr, [cond], pr.boolean(cond))} ? {eq} : {out})"
        return out

    def let_readers(self) -> dict[str, set[str]]:
        """event -> the tick values its transitions and its assertions read, with the
        earlier values those read."""
        m = self.m
        deps = {let.name: {x.name for x in subexpressions(let.value) if isinstance(x, ir.LetRef)}
                for let in m.tick_lets}
        exprs: dict[str, list[ir.Expr]] = {}
        for t in m.transitions:
            exprs.setdefault(t.event, []).extend(
                [g.cond for g in t.guards] + [u.value for u in t.updates])
        for prop in m.properties:
            if isinstance(prop, ir.Assertion):
                for ev in prop.events:
                    exprs.setdefault(ev, []).append(prop.expr)
        out: dict[str, set[str]] = {}
        for event, es in exprs.items():
            todo = [x.name for e in es for x in subexpressions(e) if isinstance(x, ir.LetRef)]
            seen: set[str] = set()
            while todo:
                name = todo.pop()
                if name not in seen:
                    seen.add(name)
                    todo.extend(deps[name])
            out[event] = seen
        return out

    def finish(self) -> FormalPlan:
        fp = self.fp
        fp.motor_checks = motor_checks(self.m)
        fp.decls = [d for p in self.printers for d in p.decls]
        fp.past = [(f"reg {'signed ' if sg else ''}[{w - 1}:0] f_past_{n};" if w > 1 or sg
                    else f"reg f_past_{n};", n) for n, (w, sg) in self.past.items()]
        return fp


def _active_expr(m: ir.Module, src: ir.Source) -> ir.Expr:
    """``state in src.states and not any_alarm``, built from the IR (independent of the
    design's ``<source>_active`` let)."""
    st = ir.StateRef(m.state_type)
    terms: ir.Expr | None = None
    for s in src.states:
        t = ir.Binary(ir.BinaryOp.EQ, st, ir.Lit(m.state(s).index, m.state_type), ir.BOOL)
        terms = t if terms is None else ir.Binary(ir.BinaryOp.OR, terms, t, ir.BOOL)
    assert terms is not None
    return ir.Binary(ir.BinaryOp.AND, terms, ir.Unary(ir.UnaryOp.NOT, m.any_alarm, ir.BOOL), ir.BOOL)
