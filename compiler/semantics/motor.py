"""The motor section and dose windows, lowered into plain IR (variables, lets, updates).

Per source i, in declaration order (all from the pre-state):
  active_i = state in states_i and no alarm latched
  raw_i    = (acc_i + num_i) div den_i  if active_i else 0        (num_i if den_i = 1)
  steps_i  = max(0, min(raw_i, limit_i, B - sum_{j<i} steps_j for each budget B,
                        room_W - sum_{j<i, j counted by W} steps_j for each window W counting i))
  acc_i'   = (acc_i + num_i) mod den_i  if active_i else (acc_i if hold else 0)
  steps    = sum_i steps_i
After t active ticks at a steady numerator from acc 0, exactly floor(t*num/den) raw steps
were commanded (acc carries the remainder: raw*den + acc' = acc + num every tick).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import ceil

from ..diagnostics import Diagnostic, Label
from ..ir import build as b
from ..ir import nodes as ir
from ..syntax import ast
from ..units import FREQUENCY, NONE, RATE, TIME, VOLUME, in_largest_unit, significant
from .exprs import Fail
from .symbols import Context, LetInfo, SourceInfo, VarInfo, WindowInfo

SETTINGS = {"step_high": TIME, "step_low": TIME, "max_rate": RATE, "max_steps_per_tick": NONE}
MAX_WINDOW_BUCKETS = 288  # a day of 5-minute buckets; one register and one term of `total` each
HOUR_SECONDS = 3600  # the span of a derived step limiter, rounded up to whole ticks
MAX_WINDOW_CHOICES = 10  # covering windows tried in every combination by the limiter check


@dataclass(frozen=True)
class _WindowDraft:
    """A declared window before the sources it counts are lowered (they read its total)."""

    name: str
    buckets: int
    bucket_ticks: int
    limit: int
    counts: tuple[str, ...]
    bucket_vars: tuple[ir.Variable, ...]
    phase: ir.Variable
    total: ir.Expr
    span: ir.Span | None


class MotorLowering:
    def __init__(self, reader):
        self.r = reader  # the DeclarationReader: symbols, checker, report
        self.sym = reader.sym
        self.check = reader.check
        self.report = reader.report
        self.lets: list[ir.TickLet] = []
        self.updates: list[ir.Update] = []
        self.extra_vars: list[ir.Variable] = []
        self.windows: list[ir.Window] = []
        self.sources: list[ir.Source] = []

    def run(self, block: ast.MotorBlock | None, windows: list[ast.WindowDecl]) -> ir.Motor:
        sym = self.sym
        alarms = [ir.Var(v.var.name, ir.BOOL) for v in sym.vars.values() if v.var.role == ir.Role.ALARM]
        sym.any_alarm = b.or_(*alarms)
        settings = self._settings(block)
        moving = self._states(block.moves if block else (), flatten=True)
        sym.motor_enabled = b.and_(b.state_in(sym.state_type, moving), b.not_(sym.any_alarm))
        source_decls = list(block.sources) if block else []
        source_names = {s.name.name for s in source_decls}
        drafts = [w for w in (self._window(d, source_names) for d in windows) if w]
        budgets = self._budgets(block.budgets if block else ())
        sym.pending_sources = {s.name.name: s.name.span for s in source_decls}
        for decl in source_decls:
            try:
                self._source(decl, moving, budgets, drafts)
            except Fail:
                continue
            finally:
                sym.pending_sources.pop(decl.name.name, None)
        steps = self._let("steps", b.total((self._ref(s.steps.name) for s in self.sources), "steps"), VOLUME,
                          "motor steps commanded this tick")
        for draft in drafts:
            self._check_bucket_granularity(self._lower_window(draft))
        self._check_rates(settings, moving)
        max_request = max(steps.value.type.hi, settings["max_steps_per_tick"])
        limiter_steps, limiter_ticks = self._limiter(block, max_request)
        buckets = ir.limiter_buckets(limiter_ticks)
        return ir.Motor(
            clock_hz=settings["clock_hz"], cycles_per_tick=settings["cycles_per_tick"],
            step_high_cycles=settings["step_high"], step_low_cycles=settings["step_low"],
            max_steps_per_tick=settings["max_steps_per_tick"], moving_states=tuple(moving),
            sources=tuple(self.sources), steps_let="steps", enabled=sym.motor_enabled,
            max_rate=settings["max_rate"], limiter_steps=limiter_steps, limiter_ticks=limiter_ticks,
            limiter_buckets=buckets, limiter_bucket_ticks=limiter_ticks // buckets,
            watchdog_ticks=self._watchdog(block), max_step_request=max_request,
            burst_cycles=settings["burst_cycles"], burst_fits=settings["burst_fits"],
            limiter_requirement=block.limiters[0][0].name if block and block.limiters else None,
            watchdog_requirement=block.watchdogs[0][0].name if block and block.watchdogs else None,
            span=block.span if block else None)

    # ------------------------------------------------------------ settings

    def _settings(self, block: ast.MotorBlock | None) -> dict:
        """The motor settings in clock cycles and steps. Without a motor section the pump
        never moves: no state moves the motor, and the pulse generator is sized for
        bursts of 0 pulses of one cycle each."""
        out = {"clock_hz": 0, "cycles_per_tick": 0, "step_high": 1, "step_low": 1,
               "max_rate": Fraction(0), "max_steps_per_tick": 0}
        self._read_clock(block, out)
        if block is not None:
            self._read_settings(block, out)
        out["burst_cycles"] = ir.burst_cycles(out["max_steps_per_tick"], out["step_high"], out["step_low"])
        out["burst_fits"] = ir.burst_fits_in_tick(out["burst_cycles"], out["cycles_per_tick"])
        if out["cycles_per_tick"] and not out["burst_fits"] and block is None:
            needed = ir.burst_cycles(0, 1, 1) + ir.MIN_HOLD_CYCLES + ir.BURST_SPARE_CYCLES
            self.report(Diagnostic(
                "E0401", f"a tick of {out['cycles_per_tick']} clock cycles is too short for the "
                f"generated block, which needs at least {needed} cycles per tick", self._clock_span(),
                notes=(f"without a motor section the block still takes 1 cycle per tick to load "
                       f"its (empty) pulse burst; the event logic settles for at least "
                       f"{ir.MIN_HOLD_CYCLES} cycles before each tick, and an event's handshake "
                       f"takes {ir.BURST_SPARE_CYCLES} more",),
                help="raise `clock` or lengthen `tick`"))
        elif out["cycles_per_tick"] and not out["burst_fits"]:
            self.report(Diagnostic(
                "E0401", f"a burst of {out['max_steps_per_tick']} pulses takes {out['burst_cycles']} cycles "
                f"and with {ir.MIN_HOLD_CYCLES} cycles of event logic and {ir.BURST_SPARE_CYCLES} "
                f"spare cycles does not fit in a tick of {out['cycles_per_tick']} cycles",
                block.span,
                notes=(f"1 cycle to load the burst, then {out['step_high']} high + {out['step_low']} low "
                       f"cycles per pulse; the event logic settles for at least "
                       f"{ir.MIN_HOLD_CYCLES} cycles before each tick, and an event's handshake "
                       f"takes the {ir.BURST_SPARE_CYCLES} spare cycles",),
                help="shorten the pulses, lengthen the tick, or lower max_steps_per_tick"))
        return out

    def _clock_span(self):
        """Where the clock is (or would be) declared: the units block, else the pump name."""
        blocks = [i for i in self.r.spec.items if isinstance(i, ast.UnitsBlock)]
        return blocks[0].span if blocks else self.r.spec.name.span

    def _read_clock(self, block: ast.MotorBlock | None, out: dict) -> None:
        """Every pump is built to Verilog, which counts a tick in clock cycles."""
        base = self.r.base
        if base.clock_hz is None:
            self.report(Diagnostic("E0303", "`clock` is not declared in the units block", self._clock_span(),
                                   notes=("the generated Verilog counts each tick in clock cycles",),
                                   help="add `clock = 12 MHz` (your FPGA clock) to `units`"))
            return
        cycles = base.clock_hz * base.tick_seconds
        if base.clock_hz.denominator != 1 or cycles.denominator != 1:
            self.report(Diagnostic("E0302", "a tick is not a whole number of clock cycles",
                                   block.span if block else self._clock_span()))
            return
        out["clock_hz"], out["cycles_per_tick"] = int(base.clock_hz), int(cycles)

    def _read_settings(self, block: ast.MotorBlock, out: dict) -> None:
        seen = set()
        for name, expr in block.settings:
            if name.name not in SETTINGS:
                self.report(Diagnostic("E0108", f"unknown motor setting `{name.name}`", name.span,
                                       help=f"settings: {', '.join(SETTINGS)}"))
                continue
            if name.name in seen:
                self.report(Diagnostic("E0101", f"`{name.name}` is set twice", name.span))
                continue
            seen.add(name.name)
            try:
                t = self.check.check_const(expr, f"`{name.name}`")
                self.check.expect_dim(t, SETTINGS[name.name], expr.span, f"`{name.name}`")
                if name.name in ("step_high", "step_low"):
                    if out["cycles_per_tick"]:
                        out[name.name] = self._cycles(name.name, t.const, out, expr.span)
                        if out[name.name] < 1:
                            raise self.check.fail("E0205", f"`{name.name}` must be at least one clock cycle",
                                                  expr.span)
                elif name.name == "max_rate":
                    out["max_rate"] = t.const
                else:
                    out[name.name] = self.check.exact(t.const, Fraction(1), expr.span, NONE)
            except Fail:
                continue
        missing = [s for s in SETTINGS if s not in seen]
        if missing:
            self.report(Diagnostic("E0404", f"the motor section does not set {', '.join(missing)}",
                                   block.span, help="every motor setting is needed to size the pulse generator"))


    def _cycles(self, setting: str, ticks: Fraction, out: dict, span) -> int:
        """A pulse width (``ticks`` ticks) as a whole number of clock cycles (E0302)."""
        cycles = ticks * out["cycles_per_tick"]
        if cycles.denominator == 1:
            return cycles.numerator
        seconds = ticks * self.r.base.tick_seconds
        clock = in_largest_unit(Fraction(out["clock_hz"]), FREQUENCY)
        rounded = [n for n in (cycles.numerator // cycles.denominator,
                               -(-cycles.numerator // cycles.denominator)) if n >= 1]
        near = " or ".join(f"{n} ({in_largest_unit(Fraction(n, out['clock_hz']), TIME)})"
                           for n in rounded)
        raise self.check.fail(
            "E0302", f"`{setting}` = {in_largest_unit(seconds, TIME)} is {cycles} clock cycles of {clock}: "
            "not a whole number", span, label=f"{significant(cycles)} cycles",
            help=f"the generated Verilog times a pulse in whole clock cycles: make it {near} cycles")

    def _states(self, lists, flatten=False) -> list[str]:
        names: list[str] = []
        for group in lists if flatten else [lists]:
            for ident in group:
                if ident.name not in self.sym.states:
                    self.report(Diagnostic("E0103", f"unknown state `{ident.name}`", ident.span))
                elif ident.name not in names:
                    names.append(ident.name)
        return names

    def _budgets(self, idents) -> list[str]:
        out = []
        for ident in idents:
            info = self.sym.vars.get(ident.name)
            if info is None or info.dim != VOLUME or info.scale != 1:
                self.report(Diagnostic("E0201", f"a budget must be a volume variable, found `{ident.name}`",
                                       ident.span, help="name the variable holding the insulin left"))
                continue
            out.append(ident.name)
        return out

    # ------------------------------------------------------------ generated names

    def _declare_owner(self, ident: ast.Ident, what: str) -> bool:
        """Sources and windows are named only before a field (`bolus.steps`), so they
        have their own namespace (an event may share the name), shared with enums."""
        if ident.name in self.sym.sources or ident.name in self.sym.windows or ident.name in self.sym.enums:
            self.report(Diagnostic("E0101", f"`{ident.name}` is declared twice", ident.span,
                                   label=f"second {what}", help="sources, windows and enums need distinct names"))
            return False
        return True

    def _declare_generated(self, name: str, span) -> None:
        if name in self.sym.declared_at:
            self.report(Diagnostic("E0101", f"`{name}` is generated here but also declared", span,
                                   labels=(Label(self.sym.declared_at[name], "declared here"),),
                                   help="rename the declaration"))
            raise Fail()
        self.sym.declared_at[name] = span

    def _let(self, name: str, value: ir.Expr, dim, doc: str, span=None) -> ir.TickLet:
        let = ir.TickLet(name, value, doc, span,
                         ir.Quantity(dim, Fraction(1)) if dim != NONE else None)
        self.lets.append(let)
        self.sym.lets[name] = LetInfo(let, dim, Fraction(1))
        return let

    def _let_type(self, name: str) -> ir.Type:
        return self.sym.lets[name].let.value.type

    def _ref(self, name: str) -> ir.LetRef:
        return ir.LetRef(name, self._let_type(name))

    def _new_var(self, name: str, vtype: ir.Type, persistent: bool, role: ir.Role, doc: str, dim, span,
                 scale: Fraction = Fraction(1)) -> ir.Variable:
        if isinstance(vtype, ir.IntType) and dim != NONE:
            vtype = ir.IntType(vtype.lo, vtype.hi, vtype.unit, ir.Quantity(dim, scale))
        var = ir.Variable(name, vtype, 0, persistent, role, doc, span)
        self.extra_vars.append(var)
        self.sym.vars[name] = VarInfo(var, dim, scale)
        return var

    # ------------------------------------------------------------ windows

    def _window(self, d: ast.WindowDecl, source_names: set[str]) -> _WindowDraft | None:
        if not self._declare_owner(d.name, "window"):
            return None
        try:
            n = self.check.check_const_int(d.buckets, "the number of buckets", NONE)
            length = self.check.check_const_int(d.length, "a bucket length", TIME)
            limit = self.check.check_const_int(d.limit, "a window limit", VOLUME)
        except Fail:
            return None
        if n < 2 or length < 1 or limit < 0:
            self.report(Diagnostic("E0405", "a window needs 2 or more buckets of at least one tick "
                                   "and a limit of 0 or more", d.span))
            return None
        if n > MAX_WINDOW_BUCKETS:
            self.report(Diagnostic("E0405", f"a window of {n} buckets, more than {MAX_WINDOW_BUCKETS}",
                                   d.buckets.span, label="too many buckets",
                                   help=f"use at most {MAX_WINDOW_BUCKETS} longer buckets: a window bounds every "
                                        "span of (buckets - 1) * length"))
            return None
        for ident in d.counts:
            if ident.name not in source_names:
                self.report(Diagnostic("E0102", f"unknown motor source `{ident.name}`", ident.span))
                return None
        name = d.name.name
        try:
            for generated in [f"{name}_b{i}" for i in range(n)] + [f"{name}_phase"]:
                self._declare_generated(generated, d.span)
        except Fail:
            return None
        buckets = tuple(self._new_var(f"{name}_b{i}", ir.IntType(0, limit, "steps"), True, ir.Role.WINDOW,
                                      f"{name}: steps counted {i} buckets ago", VOLUME, d.span)
                        for i in range(n))
        phase = self._new_var(f"{name}_phase", ir.IntType(0, length - 1, "ticks"), True, ir.Role.WINDOW,
                              f"{name}: ticks into the current bucket", TIME, d.span)
        total = b.total((_read(v) for v in buckets), "steps")
        self.sym.windows[name] = WindowInfo(name, total, limit)
        return _WindowDraft(name, n, length, limit, tuple(i.name for i in d.counts), buckets, phase, total,
                            d.span)

    def _lower_window(self, w: _WindowDraft) -> ir.Window:
        """The window's tick updates (see ``ir.Window``), once its sources' steps exist."""
        buckets, phase = [_read(v) for v in w.bucket_vars], _read(w.phase)
        counted = b.total((self._ref(self.sym.sources[s].steps) for s in w.counts if s in self.sym.sources),
                          "steps")
        wrap = b.compare(ir.BinaryOp.EQ, phase, b.lit_int(w.bucket_ticks - 1, "ticks"))
        filled = b.add(buckets[0], counted)
        self.updates.append(ir.Update(w.phase.name, b.cond(wrap, b.lit_int(0, "ticks"),
                                                           b.add(phase, b.lit_int(1, "ticks")))))
        self.updates.append(ir.Update(w.bucket_vars[0].name, b.cond(wrap, b.lit_int(0, "steps"), filled)))
        self.updates.append(ir.Update(w.bucket_vars[1].name, b.cond(wrap, filled, buckets[1])))
        for i in range(2, len(buckets)):
            self.updates.append(ir.Update(w.bucket_vars[i].name, b.cond(wrap, buckets[i - 1], buckets[i])))
        window = ir.Window(w.name, w.buckets, w.bucket_ticks, w.limit, w.counts, w.bucket_vars, w.phase,
                           w.total, wrap, counted, (w.buckets - 1) * w.bucket_ticks, w.span)
        self.windows.append(window)
        return window

    # ------------------------------------------------------------ sources

    def _source(self, d: ast.MotorSource, moving: list[str], budgets: list[str],
                windows: list[_WindowDraft]) -> None:
        if not self._declare_owner(d.name, "motor source"):
            raise Fail()
        name = d.name.name
        ctx = Context("a motor rate")
        rate = self.check.check(d.rate, ctx)
        self.check.expect_dim(rate, RATE, d.rate.span, "a motor rate")
        if rate.is_const:
            if rate.const < 0:
                raise self.check.fail("E0205", "a motor rate cannot be negative", d.rate.span)
            num: ir.Expr = b.lit_int(rate.const.numerator)
            den = rate.const.denominator
        else:
            num = b.mul_const(rate.expr, rate.scale.numerator)
            den = rate.scale.denominator
            if num.type.lo < 0:
                raise self.check.fail("E0205", "a motor rate cannot be negative", d.rate.span)
        states = self._states(d.states)
        outside = [s for s in states if s not in moving]
        if outside:
            raise self.check.fail("E0403", f"`{name}` runs in {', '.join(outside)}, where the motor may not move",
                                  d.span, help="add the state to `moves in`, or drop it from the source")
        limit = None
        if d.limit is not None:
            t = self.check.check(d.limit, Context("a source limit"))
            self.check.expect_dim(t, VOLUME, d.limit.span, "a source limit")
            limit = self.check.to_ir(t, d.limit.span, Fraction(1)) if t.scale.denominator == 1 or t.is_const \
                else None
            if limit is None:
                raise self.check.fail("E0302", "a source limit must be whole steps", d.limit.span)
        generated = [f"{name}_active", f"{name}_raw", f"{name}_steps"] + ([f"{name}_acc"] if den > 1 else [])
        for g in generated:
            self._declare_generated(g, d.span)
        active = b.and_(b.state_in(self.sym.state_type, states), b.not_(self.sym.any_alarm))
        active_let = self._let(f"{name}_active", active, NONE, f"{name} runs this tick", d.span)
        accumulator = None
        if den == 1:
            raw = b.cond(self._ref(f"{name}_active"), num, b.lit_int(0, "steps"))
        else:
            accumulator = self._new_var(f"{name}_acc", ir.IntType(0, den - 1, f"1/{den} steps"), False,
                                        ir.Role.ACCUMULATOR, f"{name}: remainder of the rate, in 1/{den} steps",
                                        VOLUME, d.span, Fraction(1, den))
            acc = _read(accumulator)
            summed = b.add(acc, num)
            raw = b.cond(self._ref(f"{name}_active"), b.div_const(summed, den, unit="steps"), b.lit_int(0, "steps"))
            idle = acc if d.hold else b.lit_int(0)
            self.updates.append(ir.Update(accumulator.name, b.cond(self._ref(f"{name}_active"),
                                                                   b.mod_const(summed, den), idle)))
        raw_let = self._let(f"{name}_raw", raw, VOLUME, f"{name}: steps its rate commands this tick", d.span)
        earlier = [s.name for s in self.sources]
        caps: list[ir.Expr] = [limit] if limit is not None else []
        for budget in budgets:
            var = ir.Var(budget, self.sym.vars[budget].var.type)
            caps.append(b.sub(var, b.total(self._ref(self.sym.sources[s].steps) for s in earlier)))
        for window in windows:
            if name in window.counts:
                room = b.sub(b.lit_int(window.limit, "steps"), window.total)
                used = b.total(self._ref(self.sym.sources[s].steps) for s in earlier if s in window.counts)
                caps.append(b.sub(room, used))
        steps = self._ref(f"{name}_raw")
        if caps:
            steps = b.maximum((b.lit_int(0, "steps"), b.minimum((steps, *caps))))
        steps_let = self._let(f"{name}_steps", steps, VOLUME, f"{name}: steps delivered this tick", d.span)
        self.sym.sources[name] = SourceInfo(name, f"{name}_steps", f"{name}_raw", f"{name}_active",
                                            accumulator.name if accumulator else None, den)
        self.sources.append(ir.Source(
            name, num, den, tuple(states), limit, ir.OnIdle.HOLD if d.hold else ir.OnIdle.RESET, accumulator,
            active_let, raw_let, steps_let, Fraction(num.type.hi, den), d.span))

    def check_first_tick(self, initial: ast.StateDecl, transitions: Sequence[ir.Transition]) -> None:
        """The block refuses steps in the first tick after reset (PS-44: it is not armed
        yet, and a request there latches the interlock fault), so that tick must command
        none. A source running in the tick's pre-state starts from an empty accumulator:
        raw = numerator div denominator, at most floor(max_rate). So a source with
        max_rate >= 1 must not run in the initial state (E0409), nor, unless the host
        waits for the first tick before it sends events, in a state the events handled
        before that tick may reach (``_before_first_tick``; W0403)."""
        variables = [v.var for v in self.sym.vars.values()]
        before = _before_first_tick(initial.name.name, transitions, variables)
        stepping = [s for s in self.sources if s.max_rate >= 1]
        first = next(((s, initial.name.name) for s in stepping if initial.name.name in s.states), None)
        if first is not None:
            source, state = first
            self.report(Diagnostic(
                "E0409", f"the initial state `{state}` moves the motor, but the hardware keeps the motor off "
                f"in the first tick after reset (PS-44)", initial.span,
                label="the pump starts here after every reset",
                labels=(Label(source.span, f"`{source.name}` runs in {state} and can step in its first tick"),),
                notes=("a step requested in the first tick after reset latches the interlock fault",),
                help="start in a state that does not move, e.g. a self-test state left on the first tick "
                     "(`on tick from SelfTest -> Running`)"))
            return
        reached = next(((s, st) for s in stepping for st in s.states if st in before), None)
        if reached is not None:
            source, state = reached
            self.report(Diagnostic(
                "W0403", f"events sent before the first tick after reset can take the pump to `{state}`, "
                f"where `{source.name}` steps, but the hardware keeps the motor off in that tick (PS-44)",
                initial.span, label="the pump starts here after every reset", severity="warning",
                labels=(Label(source.span, f"`{source.name}` runs in {state} and can step in its first tick"),)
                + tuple(Label(t.span, f"reaches {t.target} before the first tick") for t in before[state]),
                notes=("a step requested in the first tick after reset latches the interlock fault",),
                help="start in a state left on the first tick (a self-test), or make the host wait for "
                     "the first tick before it sends commands"))

    def _check_bucket_granularity(self, window: ir.Window) -> None:
        """Warn when a source at its maximum steady rate keeps within the window's limit
        over the span the window claims, yet the buckets (which can hold up to
        buckets x length of history) would hold it back: an artifact of coarse buckets."""
        span_max = window.buckets * window.bucket_ticks
        for s in self.sources:
            if s.name not in window.counts:
                continue
            claimed = s.max_rate * window.covers_ticks
            held = s.max_rate * span_max
            if claimed <= window.limit < held:
                self.report(Diagnostic(
                    "W0401", f"`{s.name}` at its maximum rate stays within `{window.name}`'s limit over "
                    f"{window.covers_ticks} ticks, but the buckets can hold {span_max} ticks of it and will "
                    f"hold it back", window.span, severity="warning",
                    notes=(f"{significant(claimed)} steps over {window.covers_ticks} ticks, {significant(held)} over "
                           f"{span_max}; the limit is {window.limit}",),
                    help="use more, shorter buckets (the span the buckets may hold shrinks towards the "
                         "window) or raise the limit"))
    def _check_rates(self, settings: dict, moving: list[str]) -> None:
        if not self.sources:
            return
        for state in moving:
            active = [s for s in self.sources if state in s.states]
            peak = sum((s.max_rate for s in active), Fraction(0))
            if peak > settings["max_rate"]:
                per_min = lambda r: f"{significant(r * self.r.base.step_units * 60 / self.r.base.tick_seconds)} U/min"
                self.report(Diagnostic(
                    "E0402", f"in {state} the sources may command {per_min(peak)}, above the mechanism "
                    f"maximum of {per_min(settings['max_rate'])}",
                    active[0].span, labels=tuple(Label(s.span, "runs in " + state) for s in active[1:]),
                    help="lower a rate or raise `max_rate` if the mechanism allows it"))
                return

    def _limiter(self, block: ast.MotorBlock | None, max_request: int) -> tuple[int, int]:
        """The hardware step limiter: the declared one, checked against legal delivery and
        the step request, or without a ``limiter`` line one derived from the sources'
        rates over about an hour (``rate_bounds``), which legal delivery never trips."""
        if block is None or not block.limiters:
            ticks = max(2, ceil(HOUR_SECONDS / self.r.base.tick_seconds))
            derived = sum(self._rate_bound(s, ticks) for s in self.sources)
            return max(derived, 2 * max(max_request, 1)), ticks
        req, steps_expr, per_expr = block.limiters[0]
        try:
            steps = self.check.check_const_int(steps_expr, "the limiter budget", VOLUME)
            ticks = self.check.check_const_int(per_expr, "the limiter window", TIME)
        except Fail:
            return 2 * max(max_request, 1), 2
        if ticks < 2:
            self.report(Diagnostic("E0408", f"the step limiter spans {ticks} tick{'s' if ticks != 1 else ''}",
                                   per_expr.span, label="at least 2 ticks",
                                   help="the limiter counts steps over 2 ticks or more; write e.g. `per 1 h`"))
            return 2 * max(max_request, 1), 2
        if not ir.limiter_fits_request(steps, max_request):
            self.report(Diagnostic(
                "E0408", f"the step limiter allows {steps} steps, fewer than two ticks' largest request",
                steps_expr.span, notes=(f"one tick may request up to {max_request} steps",),
                help=f"raise the budget to at least {2 * max(max_request, 1)} steps"))
            return 2 * max(max_request, 1), ticks
        self._check_limiter_budget(steps, ticks, steps_expr.span)
        return steps, ticks

    @staticmethod
    def _rate_bound(source: ir.Source, ticks: int) -> int:
        """The most steps ``source`` can command in ``ticks`` consecutive ticks: its
        accumulator holds less than one step (acc <= den - 1) and gains at most num_hi
        per tick, and steps never exceed raw, so floor((den - 1 + ticks * num_hi) / den)."""
        den = source.denominator
        return (den - 1 + ticks * source.numerator.type.hi) // den

    def _check_limiter_budget(self, budget: int, span_ticks: int, budget_span) -> None:
        """Legal delivery never trips the limiter. Over any ``span_ticks`` ticks a source
        commands at most its rate bound, and the sources a window counts together at most
        the window's limit when the window's buckets cover the span. The tightest bound
        picks, among the covering windows, the set S minimising
          sum(limit of S) + sum(rate bound of each source no window of S counts);
        it must not exceed the budget."""
        covering = [w for w in self.windows if w.covers_ticks >= span_ticks]
        rate = {s.name: self._rate_bound(s, span_ticks) for s in self.sources}
        useful = [w for w in covering if any(s in rate for s in w.counts)]

        def bound(chosen: tuple[ir.Window, ...]) -> int:
            counted = {s for w in chosen for s in w.counts}
            return sum(w.limit for w in chosen) + sum(r for s, r in rate.items() if s not in counted)

        if len(useful) <= MAX_WINDOW_CHOICES:
            choices = [c for n in range(len(useful) + 1) for c in combinations(useful, n)]
        else:  # too many to try every set: no window, or the tightest window of each source
            tightest = {min((w for w in useful if s in w.counts), key=lambda w: w.limit).name
                        for s in rate if any(s in w.counts for w in useful)}
            choices = [(), tuple(w for w in useful if w.name in tightest)]
        best = min(choices, key=bound)
        if bound(best) > budget:
            counted = {s for w in best for s in w.counts}
            self.report(Diagnostic(
                "E0407", f"the step limiter could trip on legal delivery: the sources may command "
                f"{bound(best)} steps in {span_ticks} ticks, the limiter allows {budget}", budget_span,
                notes=tuple(f"window `{w.name}` allows {w.limit} steps" for w in best)
                + tuple(f"`{s}` at its maximum rate commands {r} steps" for s, r in rate.items()
                        if s not in counted),
                help="raise the limiter budget, lower a rate, or count the sources in windows whose "
                     "buckets cover the limiter's span"))

    def _watchdog(self, block: ast.MotorBlock | None) -> int:
        """The watchdog timeout in ticks; 0 when the spec declares none (none is built)."""
        if block is None:
            return 0
        if not block.watchdogs:
            self.report(Diagnostic(
                "W0402", "no hardware watchdog: the motor keeps stepping if the host stops its heartbeat",
                block.span, severity="warning",
                help="add `watchdog PS-xx = 10 s` to the motor section (the longest time without a heartbeat)"))
            return 0
        expr = block.watchdogs[0][1]
        try:
            ticks = self.check.check_const_int(expr, "the watchdog timeout", TIME)
        except Fail:
            return 0
        if ticks < 1:
            self.report(Diagnostic("E0408", "the watchdog timeout is shorter than one tick", expr.span,
                                   help="the watchdog counts whole ticks without a heartbeat: give 1 tick or more"))
            return 0
        return ticks


def _before_first_tick(initial: str, transitions: Sequence[ir.Transition],
                       variables: Sequence[ir.Variable]) -> dict[str, list[ir.Transition]]:
    """The states the pump may be in at the first tick after reset, each with the event
    transitions that reach it from ``initial``. A transition may fire unless a guard
    requires a flag that still holds its initial value: a boolean variable reset to it
    (not persistent) that no transition which may fire before the first tick sets to
    anything but that value.
    Every other guard is taken as satisfiable, so the states found are a superset."""
    reached: dict[str, list[ir.Transition]] = {initial: []}
    written: set[str] = set()
    resettable = {v.name: v.init for v in variables if isinstance(v.type, ir.BoolType) and not v.persistent}

    def blocked(t: ir.Transition) -> bool:
        def unset_flag(cond: ir.Expr, wanted: bool) -> bool:
            if isinstance(cond, ir.Var) and not cond.post:
                return cond.name in resettable and cond.name not in written and resettable[cond.name] != wanted
            if isinstance(cond, ir.Unary) and cond.op == ir.UnaryOp.NOT:
                return unset_flag(cond.operand, not wanted)
            if isinstance(cond, ir.Binary) and cond.op == ir.BinaryOp.AND and wanted:
                return unset_flag(cond.left, True) or unset_flag(cond.right, True)
            return False
        return any(unset_flag(g.cond, True) for g in t.guards)

    def keeps_flag(u: ir.Update) -> bool:  # `flag := <its initial value>` leaves it unset
        return u.var in resettable and isinstance(u.value, ir.Lit) and u.value.value == resettable[u.var]

    grew = True
    while grew:
        grew = False
        for t in transitions:
            source = next((s for s in t.sources if s in reached), None)
            if t.event == "tick" or source is None or blocked(t):
                continue
            news = {u.var for u in t.updates if not keeps_flag(u)} - written
            if news or (t.target is not None and t.target not in reached):
                written |= news
                if t.target is not None and t.target not in reached:
                    reached[t.target] = [*reached[source], t]
                grew = True
    return reached


def _read(var: ir.Variable) -> ir.Var:
    return ir.Var(var.name, var.type)

