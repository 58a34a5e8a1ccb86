"""The check kinds: every property and well-formedness obligation of a module, as goals.

Each ``Check`` names what it proves, where (span), and how its engine result reads:
- safety checks (``invariant``, ``assertion``, ``response``, ``recovery``, ``range``,
  ``let-range``, ``motor``, ``determinism``, ``completeness``, ``type``): proved /
  violated / unknown;
- witness checks (``reachability``, ``vacuity``): the goal is "the target never
  happens", so a BMC counterexample is the witness (reached / non-vacuous), a proof means
  dead / vacuous, and otherwise "not reached within N steps".
"""
from __future__ import annotations

from dataclasses import dataclass, field

import z3

from ..ir import nodes as ir
from .engines import Goal, Verdict
from .probes import Probe
from .system import Monitor, Step, System
from .z3expr import domain

# kind -> (diagnostic code, severity, is a witness check)
KINDS = {
    "type": ("P0100", "error", False),
    "invariant": ("P0101", "error", False),
    "assertion": ("P0102", "error", False),
    "response": ("P0103", "error", False),
    "recovery": ("P0104", "error", False),
    "range": ("P0105", "error", False),
    "let-range": ("P0106", "error", False),
    "motor": ("P0107", "error", False),
    "determinism": ("P0108", "error", False),
    "completeness": ("P0201", "warning", False),
    "reachability": ("P0202", "warning", True),
    "vacuity": ("P0203", "warning", True),
}


@dataclass
class Check:
    key: str  # unique within a run; also the trace file name
    id: str  # what ``--only`` matches: a requirement id, or the check kind
    kind: str
    title: str
    span: ir.Span | None
    goal: Goal | None = None
    prop: object = None  # the IR property / transition / update the check is about
    verdict: Verdict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def code(self) -> str:
        return KINDS[self.kind][0]

    @property
    def severity(self) -> str:
        return KINDS[self.kind][1]

    @property
    def witness(self) -> bool:
        return KINDS[self.kind][2]

    @property
    def outcome(self) -> str:
        """What the report says: proved/violated/unknown, or for witness checks
        reached/dead/unknown (vacuity: non-vacuous/vacuous/unknown)."""
        v = self.verdict
        if v is None:
            return "skipped"
        if not self.witness:
            return v.status
        if self.kind == "reachability":
            return {"violated": "reached", "proved": "dead"}.get(v.status, "unknown")
        return {"violated": "non-vacuous", "proved": "vacuous"}.get(v.status, "unknown")

    @property
    def failed(self) -> bool:
        """A finding the report shows as a diagnostic."""
        o = self.outcome
        return o in ("violated", "dead", "vacuous")


def _implication(e: ir.Expr) -> ir.Expr | None:
    if isinstance(e, ir.Binary) and e.op == "implies":
        return e.left
    return None


class Builder:
    def __init__(self, module: ir.Module, system: System):
        self.m, self.sys = module, system
        self.checks: list[Check] = []
        self._keys: dict[str, int] = {}

    def key(self, base: str) -> str:
        n = self._keys.get(base, 0) + 1
        self._keys[base] = n
        return base if n == 1 else f"{base}.{n}"

    def add(self, kind, id_, title, span, goal_kind=None, holds=None, prop=None, system=None,
            **extra) -> Check:
        key = self.key(id_)
        goal = Goal(key, goal_kind, holds, system or self.sys) if holds else None
        c = Check(key, id_, kind, title, span, goal, prop, extra=extra)
        self.checks.append(c)
        return c

    # -- the checks

    def build(self) -> list[Check]:
        m, sys = self.m, self.sys
        types = sys.types_ok  # per-frame dict
        self.add("type", "type", "the control state is one of the declared states", None,
                 "state", lambda f: types(f)["state"])
        for v in m.variables:
            what = "in its declared range" if isinstance(v.type, ir.IntType) else "a declared member"
            c = self.add("type", f"range.{v.name}", f"`{v.name}` stays {what} ({v.type})", v.span,
                         "state", (lambda name: lambda f: types(f)[name])(v.name), prop=v)
            c.extra["probe"] = Probe("state", mode="outside", type=v.type, var=v.name)
        for p in m.properties:
            if isinstance(p, ir.Invariant):
                c = self.add("invariant", p.id, p.text, p.span, "state",
                             (lambda e: lambda f: sys.pred(e, f))(p.expr), prop=p)
                c.extra["probe"] = Probe("state", p.expr, "false")
            elif isinstance(p, ir.Assertion):
                c = self.add("assertion", p.id, p.text, p.span, "step", self._assertion(p),
                             prop=p)
                c.extra["probe"] = Probe("step", p.expr, "false", events=tuple(p.events),
                                         states=tuple(p.states))
            elif isinstance(p, ir.Response):
                self._response(p)
            elif isinstance(p, ir.Recovery):
                self.add("recovery", p.id, p.text, p.span, prop=p)
        self._ranges()
        self._motor()
        self._determinism()
        self._completeness()
        self._reachability()
        self._vacuity()
        return self.checks

    def _assertion(self, p: ir.Assertion):
        sys = self.sys
        event = p.events[0] if len(p.events) == 1 else None

        def holds(step: Step) -> z3.BoolRef:
            when = [step.in_states(p.states)]
            if p.events:
                when.append(z3.Or([step.is_event(e) for e in p.events]))
            return z3.Implies(z3.And(when), sys.pr(p.expr, step.scope(event)))
        return holds

    def _response(self, p: ir.Response) -> None:
        sys, ctx = self.sys, self.sys.ctx
        tick = next(e.name for e in self.m.events if e.kind == "tick")

        def trig(step: Step) -> z3.BoolRef:
            return z3.And(step.is_event(p.trigger_event),
                          sys.pr(p.trigger, step.scope(p.trigger_event)))

        # Shortcut: the response already holds right after the trigger step (any N >= 0).
        # Monitor: ``pend`` = ticks since the oldest unanswered trigger, -1 if none.
        # Keeping the oldest is exact: a later trigger has a later deadline, and any state
        # answering the oldest after the later trigger answers both.
        name = f"pend_{len(self.checks)}"

        def nxt(step: Step):
            pend = step.pre.ext[name]
            answered = sys.pred(p.response, step.post)
            is_tick = step.is_event(tick)
            counted = pend + z3.If(is_tick, z3.IntVal(1, ctx), z3.IntVal(0, ctx))
            return {name: z3.If(answered, z3.IntVal(-1, ctx),
                                z3.If(pend >= 0, counted,
                                      z3.If(trig(step), z3.IntVal(0, ctx), z3.IntVal(-1, ctx))))}

        monitored = sys.with_monitors(Monitor({name: ir.IntType(-1, p.within)}, {name: -1}, nxt))

        def holds(step: Step) -> z3.BoolRef:
            pend = step.pre.ext[name]
            answered = sys.pred(p.response, step.post)
            late = z3.And(pend >= 0, step.is_event(tick), pend + 1 >= p.within)
            now = trig(step) if p.within == 0 else z3.BoolVal(False, ctx)
            return z3.Or(answered, z3.Not(z3.Or(late, now)))

        c = self.add("response", p.id, p.text, p.span, "step", holds, prop=p, system=monitored)
        c.extra["shortcut"] = Goal(c.key + "/immediate", "step",
                                   lambda step: z3.Implies(trig(step),
                                                           sys.pred(p.response, step.post)),
                                   sys)
        c.extra["trigger"] = trig
        # the exploration's form of the same monitor (explore.Explorer.respond)
        c.extra["respond"] = (Probe("step", p.trigger, "true", events=(p.trigger_event,)),
                              Probe("state", p.response, "true"), p.within)

    def _ranges(self) -> None:
        m = self.m
        tick = next(e.name for e in m.events if e.kind == "tick")
        for t in m.transitions:
            for u in t.updates:
                c = self._range(u, t.event, lambda step, t=t: z3.And(step.is_event(t.event),
                                                                      step.fired[t.index]),
                                f"{t.label}")
                if c is not None:
                    c.extra["probe"] = Probe("step", u.value, "outside", m.variable(u.var).type,
                                             events=(t.event,), transition=t.index)
        overriders: dict[str, list[ir.Transition]] = {}
        for t in m.transitions:
            if t.event == tick:
                for u in t.updates:
                    overriders.setdefault(u.var, []).append(t)
        for u in m.tick_updates:
            def applied(step, u=u):
                over = [step.fired[t.index] for t in overriders.get(u.var, [])]
                return z3.And([step.is_event(tick)] + ([z3.Not(z3.Or(over))] if over else []))
            self._range(u, tick, applied, "every tick")
        for let in m.tick_lets:
            t = let.value.type
            if not isinstance(t, ir.IntType):
                continue
            self.add("let-range", f"let.{let.name}",
                     f"tick value `{let.name}` stays in {t}", let.span, "step",
                     lambda step, let=let, t=t: z3.Implies(step.is_event(tick),
                                                           domain(step.lets[let.name], t)),
                     prop=let)

    def _range(self, u: ir.Update, event: str, applied, where: str) -> Check | None:
        var = self.m.variable(u.var)
        if isinstance(var.type, ir.BoolType):
            return None
        sys = self.sys

        def holds(step: Step) -> z3.BoolRef:
            value = sys.pr(u.value, step.scope(event))
            return z3.Implies(applied(step), domain(value, var.type))
        return self.add("range", f"range.{u.var}",
                        f"`{u.var} := ...` ({where}) stays in {var.type}", u.span, "step", holds,
                        prop=u)

    def _motor(self) -> None:
        m = self.m
        tick = next(e.name for e in m.events if e.kind == "tick")
        if not any(let.name == m.motor.steps_let for let in m.tick_lets):
            return
        limit = m.motor.max_steps_per_tick
        c = self.add("motor", "motor.steps",
                     f"a tick commands at most max_steps_per_tick = {limit} steps", m.motor.span,
                     "step", lambda step: z3.Implies(step.is_event(tick),
                                                     step.lets[m.motor.steps_let] <= limit))
        # the exploration's form: a tick whose total leaves 0 .. limit (two sources'
        # accumulators overflowing in the same tick sit hundreds of ticks deep)
        total = next(let for let in m.tick_lets if let.name == m.motor.steps_let)
        c.extra["probe"] = Probe("step", ir.LetRef(total.name, total.value.type), "outside",
                                 ir.IntType(0, limit), events=(tick,))

    def _determinism(self) -> None:
        m = self.m
        for e in m.events:
            if e.kind != "user":
                continue
            ts = [t for t in m.transitions if t.event == e.name]
            for i, a in enumerate(ts):
                for b in ts[i + 1:]:
                    if not set(a.sources) & set(b.sources):
                        continue
                    self.add("determinism", f"determinism.{e.name}",
                             f"`{e.name}`: transitions #{a.index} and #{b.index} are never both "
                             f"enabled", b.span, "step",
                             lambda step, a=a, b=b, e=e: z3.Implies(
                                 step.is_event(e.name),
                                 z3.Not(z3.And(step.enabled[a.index], step.enabled[b.index]))),
                             prop=(a, b))

    def _completeness(self) -> None:
        """Every rejection of a handled event names a reason the spec wrote (it never falls
        back to the built-in "no transition is enabled")."""
        m = self.m
        for e in m.events:
            if e.kind != "user" or not any(t.event == e.name for t in m.transitions):
                continue
            first = next(t for t in m.transitions if t.event == e.name)
            self.add("completeness", f"completeness.{e.name}",
                     f"every rejection of `{e.name}` gives a reason from the spec", first.span,
                     "step",
                     lambda step, e=e: z3.Implies(
                         step.is_event(e.name),
                         step.reason != ir.REASON_NO_TRANSITION.code),
                     prop=e)

    def _reachability(self) -> None:
        m = self.m
        for s in m.states:
            if s.name == m.initial:
                continue
            c = self.add("reachability", f"reach.{s.name}", f"state `{s.name}` is reachable",
                         s.span, "state", lambda f, s=s: f.state != s.index, prop=s)
            c.extra["probe"] = Probe("state", state=s.name)
        for t in m.transitions:
            c = self.add("reachability", f"reach.#{t.index}", f"transition {t.label} can fire",
                         t.span, "step",
                         lambda step, t=t: z3.Not(z3.And(step.is_event(t.event),
                                                         step.fired[t.index])),
                         prop=t)
            c.extra["probe"] = Probe("step", events=(t.event,), transition=t.index)

    def _vacuity(self) -> None:
        sys = self.sys
        for c in list(self.checks):
            p = c.prop
            if isinstance(p, ir.Invariant):
                ante = _implication(p.expr)
                if ante is not None:
                    w = self.add("vacuity", f"vacuity.{c.key}",
                                 f"the premise of {p.id} \"{p.text}\" can hold",
                                 ante.span or p.span, "state",
                                 lambda f, a=ante: z3.Not(sys.pred(a, f)), prop=p)
                    w.extra["probe"] = Probe("state", ante, "true")
            elif isinstance(p, ir.Assertion):
                ante = _implication(p.expr)
                event = p.events[0] if len(p.events) == 1 else None

                def never(step, p=p, ante=ante, event=event):
                    when = [step.in_states(p.states)]
                    if p.events:
                        when.append(z3.Or([step.is_event(e) for e in p.events]))
                    if ante is not None:
                        when.append(sys.pr(ante, step.scope(event)))
                    return z3.Not(z3.And(when))
                w = self.add("vacuity", f"vacuity.{c.key}",
                             f"the premise of {p.id} \"{p.text}\" can hold",
                             (ante.span if ante is not None else None) or p.span, "step", never,
                             prop=p)
                w.extra["probe"] = Probe("step", ante, "true", events=tuple(p.events),
                                         states=tuple(p.states))
            elif isinstance(p, ir.Response):
                trig = c.extra["trigger"]
                w = self.add("vacuity", f"vacuity.{c.key}",
                             f"the trigger of {p.id} \"{p.text}\" can happen", p.span, "step",
                             lambda step, trig=trig: z3.Not(trig(step)), prop=p)
                w.extra["probe"] = Probe("step", p.trigger, "true", events=(p.trigger_event,))


def build_checks(module: ir.Module, system: System) -> list[Check]:
    return Builder(module, system).build()
