"""IR -> symbolic transition system: the one encoding every check shares.

A configuration (``Frame``) is the control state (an ``Int``: the member index of the
``State`` enum), every ``Variable`` (``Bool`` or ``Int``; enums as their member index) and
the variables of any monitors a check adds. An input is the event (an ``Int``: the index
in ``Module.events``, which includes ``tick`` and ``reset``) and one free variable per
event parameter, ranging over the parameter's full wire domain.

``System.step(pre, inp, post)`` returns a ``Step`` whose ``trans`` is T(pre, inp, post),
exactly the evaluator's semantics (compiler/eval/evaluator.py):

- ``reset``: persistent variables keep their value, the others return to their initial
  value, the state becomes the initial state; accepted.
- ``tick``: lets are computed from the pre-state in order; every tick update applies;
  the FIRST enabled tick transition (declaration order) fires and its updates replace
  the tick updates of the same variables; always accepted.
- a user event: the first enabled transition among those from the pre-state fires; if
  none is enabled the event is rejected; a state with no transition for the event applies
  its policy (reject or ignore). Rejected and ignored events change nothing.
  (Out-of-domain parameters are rejected by the evaluator and change nothing; inputs are
  constrained to the wire domain, which loses no behaviour.)

Range bounds of variables are NOT assumed by T: they are claims the prover proves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import z3

from ..ir import nodes as ir
from .z3expr import Frame, Printer, Scope, Subst, const, domain, value

NO_REASON = 0


@dataclass
class Input:
    tag: str
    event: z3.ArithRef
    params: dict[str, dict[str, z3.ExprRef]]  # event name -> param name -> term


@dataclass
class Step:
    pre: Frame
    inp: Input
    post: Frame
    trans: z3.BoolRef
    lets: dict[str, z3.ExprRef]
    fired: dict[int, z3.BoolRef]  # transition index -> it fired on this step
    enabled: dict[int, z3.BoolRef]  # transition index -> source state and guards hold
    accepted: z3.BoolRef
    ignored: z3.BoolRef
    system: "System"
    _reason: z3.ArithRef | None = field(default=None, repr=False)
    cache: dict = field(default_factory=dict, repr=False)

    def is_event(self, name: str) -> z3.BoolRef:
        return self.inp.event == self.system.event_index[name]

    def in_states(self, names) -> z3.BoolRef:
        return self.system.in_states(self.pre, names)

    def scope(self, event: str | None = None) -> Scope:
        params = self.inp.params.get(event) if event else None
        return Scope(self.pre, self.post, params, self.lets, self.accepted)

    @property
    def reason(self) -> z3.ArithRef:
        """The reason code of a rejection (``NO_REASON`` when accepted or ignored)."""
        if self._reason is None:
            self._reason = self.system.reason_term(self)
        return self._reason


@dataclass
class Monitor:
    """Extra state a check adds: ``init`` and ``next`` give the monitor's variables in the
    initial frame and after a step (``next(step) -> {name: term}``)."""

    names: dict[str, ir.Type]
    init: dict[str, ir.Value]
    next: Callable[[Step], dict[str, z3.ExprRef]]


class System:
    def __init__(self, module: ir.Module, ctx: z3.Context | None = None,
                 monitors: tuple[Monitor, ...] = ()):
        self.module = module
        self.ctx = ctx or z3.Context()
        self.pr = Printer(self.ctx)
        self.monitors = monitors
        self.event_index = {e.name: i for i, e in enumerate(module.events)}
        self.state_index = {s.name: s.index for s in module.states}
        self.var_types = {v.name: v.type for v in module.variables}
        self._tick = next((e.name for e in module.events if e.kind == "tick"), None)
        self._reset = next((e.name for e in module.events if e.kind == "reset"), None)
        self._template: Step | None = None

    def with_monitors(self, *monitors: Monitor) -> "System":
        return System(self.module, self.ctx, self.monitors + monitors)

    # -- symbolic copies

    def frame(self, tag: str) -> Frame:
        c = self.ctx
        vars_ = {v.name: const(f"{tag}.{v.name}", v.type, c) for v in self.module.variables}
        ext = {}
        for m in self.monitors:
            for name, t in m.names.items():
                ext[name] = const(f"{tag}.${name}", t, c)
        return Frame(tag, z3.Int(f"{tag}.state", c), vars_, ext)

    def input(self, tag: str) -> Input:
        c = self.ctx
        params = {e.name: {p.name: const(f"{tag}.{e.name}.{p.name}", p.type, c) for p in e.params}
                  for e in self.module.events}
        return Input(tag, z3.Int(f"{tag}.event", c), params)

    def input_domain(self, inp: Input) -> z3.BoolRef:
        parts = [inp.event >= 0, inp.event < len(self.module.events)]
        for e in self.module.events:
            for p in e.params:
                parts.append(domain(inp.params[e.name][p.name], p.type))
        return z3.And(parts)

    def init(self, f: Frame) -> z3.BoolRef:
        m = self.module
        parts = [f.state == m.state(m.initial).index]
        parts += [f.vars[v.name] == value(v.init, v.type, self.ctx) for v in m.variables]
        for mon in self.monitors:
            parts += [f.ext[n] == value(mon.init[n], t, self.ctx) for n, t in mon.names.items()]
        return z3.And(parts)

    def types_ok(self, f: Frame) -> dict[str, z3.BoolRef]:
        """Per variable (and ``state``): its value is in its declared type's domain."""
        if "types" in f.cache:
            return f.cache["types"]
        out = f.cache["types"] = {"state": z3.And(f.state >= 0, f.state < len(self.module.states))}
        for v in self.module.variables:
            out[v.name] = domain(f.vars[v.name], v.type)
        return out

    def in_states(self, f: Frame, names) -> z3.BoolRef:
        return z3.Or([f.state == self.state_index[n] for n in names]) if names else \
            z3.BoolVal(True, self.ctx)

    def pred(self, e: ir.Expr, f: Frame) -> z3.ExprRef:
        """A state predicate (invariant, response, recovery target) on one frame."""
        key = ("pred", id(e))
        if key not in f.cache:
            f.cache[key] = (e, self.pr(e, Scope(f)))  # keep e alive: its id stays unique
        return f.cache[key][1]

    # -- one step

    def lets(self, pre: Frame) -> dict[str, z3.ExprRef]:
        lets: dict[str, z3.ExprRef] = {}
        for let in self.module.tick_lets:
            lets[let.name] = self.pr(let.value, Scope(pre, lets=lets))
        return lets

    # Building a step's terms in Python is slow; build it once over template frames and
    # instantiate it by substitution (done inside Z3).

    def template(self) -> Step:
        if self._template is None:
            self._template = self._build_step(self.frame("$a"), self.input("$i"), self.frame("$b"))
        return self._template

    def pairs(self, frm: Frame, to: Frame) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        out = [(frm.state, to.state)] + [(frm.vars[n], to.vars[n]) for n in frm.vars]
        return out + [(frm.ext[n], to.ext[n]) for n in frm.ext]

    def step_pairs(self, pre: Frame, inp: Input, post: Frame) -> list:
        tpl = self.template()
        out = self.pairs(tpl.pre, pre) + self.pairs(tpl.post, post) + [(tpl.inp.event, inp.event)]
        for e, ps in tpl.inp.params.items():
            out += [(ps[n], inp.params[e][n]) for n in ps]
        return out

    def step(self, pre: Frame, inp: Input, post: Frame) -> Step:
        tpl = self.template()
        sub = Subst(self.step_pairs(pre, inp, post))
        return Step(pre, inp, post, sub(tpl.trans), {k: sub(v) for k, v in tpl.lets.items()},
                    {k: sub(v) for k, v in tpl.fired.items()},
                    {k: sub(v) for k, v in tpl.enabled.items()}, sub(tpl.accepted),
                    sub(tpl.ignored), self)

    def _build_step(self, pre: Frame, inp: Input, post: Frame) -> Step:
        m, pr, c = self.module, self.pr, self.ctx
        lets = self.lets(pre)
        enabled: dict[int, z3.BoolRef] = {}
        fired: dict[int, z3.BoolRef] = {}
        clauses = [self.input_domain(inp)]
        accepted_user = []
        ignored_user = []
        for e in m.events:
            is_e = inp.event == self.event_index[e.name]
            if e.kind == "reset":
                st = z3.IntVal(m.state(m.initial).index, c)
                vals = {v.name: pre.vars[v.name] if v.persistent else value(v.init, v.type, c)
                        for v in m.variables}
            else:
                scope = Scope(pre, params=inp.params[e.name], lets=lets)
                ts = [t for t in m.transitions if t.event == e.name]
                for t in ts:
                    guards = [pr(g.cond, scope) for g in t.guards]
                    enabled[t.index] = z3.And([self.in_states(pre, t.sources)] + guards)
                earlier = []
                for t in ts:
                    fired[t.index] = z3.And([enabled[t.index]] + [z3.Not(x) for x in earlier])
                    earlier.append(enabled[t.index])
                if e.kind == "tick":
                    base = {u.var: pr(u.value, scope) for u in m.tick_updates}
                else:
                    base = {}
                    accepted_user.append(z3.And(is_e, z3.Or(earlier) if earlier else
                                                z3.BoolVal(False, c)))
                    ignored_user.append(z3.And(is_e, self._ignored(pre, e.name)))
                st = pre.state
                vals = {v.name: base.get(v.name, pre.vars[v.name]) for v in m.variables}
                for t in reversed(ts):  # the first fired transition is the outermost If
                    if t.target is not None:
                        st = z3.If(fired[t.index], z3.IntVal(m.state(t.target).index, c), st)
                    for u in t.updates:
                        vals[u.var] = z3.If(fired[t.index], pr(u.value, scope), vals[u.var])
            eqs = [post.state == st] + [post.vars[n] == vals[n] for n in post.vars]
            clauses.append(z3.Implies(is_e, z3.And(eqs)))
        special = [inp.event == self.event_index[n] for n in (self._tick, self._reset) if n]
        accepted = z3.Or(special + accepted_user)
        ignored = z3.Or(ignored_user) if ignored_user else z3.BoolVal(False, c)
        step = Step(pre, inp, post, z3.BoolVal(True, c), lets, fired, enabled, accepted, ignored,
                    self)
        for mon in self.monitors:
            nxt = mon.next(step)
            clauses += [post.ext[n] == nxt[n] for n in mon.names]
        step.trans = z3.And(clauses)
        return step

    def _ignored(self, pre: Frame, event: str) -> z3.BoolRef:
        states = [s.name for s in self.module.states
                  if not self.module.transitions_for(s.name, event)
                  and s.policy_for(event).kind == "ignore"]
        return self.in_states(pre, states) if states else z3.BoolVal(False, self.ctx)

    def reason_term(self, step: Step) -> z3.ArithRef:
        """The evaluator's rejection reason: the unhandled state's policy reason, else the
        first false guard (per transition, in order) that carries a reason, else 3."""
        m, c, pr = self.module, self.ctx, self.pr
        iv = lambda n: z3.IntVal(n, c)  # noqa: E731
        acc: z3.ArithRef = iv(NO_REASON)
        for e in reversed(m.events):
            if e.kind != "user":
                continue
            scope = Scope(step.pre, params=step.inp.params[e.name], lets=step.lets)
            per_state: z3.ArithRef = iv(NO_REASON)
            for s in reversed(m.states):
                cands = m.transitions_for(s.name, e.name)
                if not cands:
                    pol = s.policy_for(e.name)
                    code = pol.reason.code if pol.kind == "reject" and pol.reason else NO_REASON
                    r: z3.ArithRef = iv(code)
                else:
                    r = iv(ir.REASON_NO_TRANSITION.code)
                    for t in reversed(cands):
                        own: z3.ArithRef = iv(NO_REASON)
                        for g in reversed(t.guards):
                            own = z3.If(z3.Not(pr(g.cond, scope)),
                                        iv(g.reason.code if g.reason else NO_REASON), own)
                        r = z3.If(own != NO_REASON, own, r)
                    any_fired = z3.Or([step.enabled[t.index] for t in cands])
                    r = z3.If(any_fired, iv(NO_REASON), r)
                per_state = z3.If(step.pre.state == s.index, r, per_state)
            acc = z3.If(step.inp.event == self.event_index[e.name], per_state, acc)
        return acc
