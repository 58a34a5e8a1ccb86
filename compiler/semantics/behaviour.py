"""Transitions, per-event policies, `every tick` and properties -> IR."""
from __future__ import annotations

import difflib

from ..diagnostics import Diagnostic, Label
from ..ir import build as b
from ..ir import nodes as ir
from ..syntax import ast
from ..units import TIME
from .exprs import Fail
from .symbols import Context


class BehaviourReader:
    def __init__(self, reader):
        self.r = reader
        self.sym = reader.sym
        self.check = reader.check
        self.report = reader.report
        self.transitions: list[ir.Transition] = []
        self.event_policies: dict[str, dict[str, ir.Policy]] = {s: {} for s in self.sym.states}
        self.tick_updates: list[ir.Update] = []
        self.properties: list[ir.Property] = []

    # ------------------------------------------------------------ lookups

    def event(self, ident: ast.Ident) -> ir.Event:
        event = self.sym.events.get(ident.name)
        if event is None:
            close = difflib.get_close_matches(ident.name, list(self.sym.events), n=1)
            raise self.check.fail("E0104", f"unknown event `{ident.name}`", ident.span, label="not declared",
                                  help=f"did you mean `{close[0]}`?" if close else "declare it with `event`")
        return event

    def states(self, idents) -> tuple[str, ...]:
        names = []
        for ident in idents:
            if ident.name not in self.sym.states:
                close = difflib.get_close_matches(ident.name, list(self.sym.states), n=1)
                raise self.check.fail("E0103", f"unknown state `{ident.name}`", ident.span,
                                      help=f"did you mean `{close[0]}`?" if close else None)
            if ident.name not in names:
                names.append(ident.name)
        return tuple(names)

    def params(self, event: ir.Event):
        return self.sym.event_param_info.get(event.name, {})

    # ------------------------------------------------------------ items

    def run(self, items) -> None:
        handlers = {
            ast.TransitionDecl: self.transition, ast.EventPolicyDecl: self.event_policy,
            ast.EveryTick: self.every_tick, ast.InvariantDecl: self.invariant,
            ast.AssertionDecl: self.assertion, ast.AcceptsDecl: self.acceptance,
            ast.ResponseDecl: self.response,
            ast.RecoveryDecl: self.recovery,
        }
        # `every tick` first: a tick transition's table write at a run-time index needs the
        # `every tick` updates of the elements it does not hit (``element_updates``)
        ticks = [i for i in items if isinstance(i, ast.EveryTick)]
        for item in ticks + [i for i in items if not isinstance(i, ast.EveryTick)]:
            handler = handlers.get(type(item))
            if handler is None:
                continue
            try:
                handler(item)
            except Fail:
                continue
        self._check_policy_conflicts(items)

    def transition(self, t: ast.TransitionDecl) -> None:
        event = self.event(t.event)
        if event.kind == ir.EventKind.RESET:
            raise self.check.fail("E0203", "`reset` is built in and has no transitions", t.event.span,
                                  help="reset always returns to the initial state; mark variables "
                                       "`persistent` to keep them")
        sources = self.states(t.sources)
        target = self.states([t.target])[0] if t.target else None
        tick = event.kind == ir.EventKind.TICK
        ctx = Context(f"a transition on `{event.name}`", params=self.params(event), tick=tick)
        guards = []
        for g in t.guards:
            cond = self.check.check_bool(g.cond, ctx)
            reason = None
            if g.text is not None:
                if tick:
                    raise self.check.fail("E0203", "a tick is never rejected", g.span,
                                          help="drop the `else reject` clause")
                reason = self.r.reasons.get(g.requirement, g.text, g.span)
            guards.append(ir.Guard(cond, reason, g.span))
        unhit = {u.var: u.value for u in self.tick_updates} if tick else {}
        updates = self.updates(t.updates, ctx, unhit=unhit)
        index = len(self.transitions)
        self.transitions.append(ir.Transition(index, event.name, sources, target, tuple(guards),
                                              tuple(updates), t.span))

    def updates(self, assigns, ctx: Context, taken: dict | None = None,
                unhit: dict[str, ir.Expr] | None = None) -> list[ir.Update]:
        """``unhit``: in a tick transition, the value of each `every tick` update by its
        variable: what a table element takes when a write at a run-time index misses it
        (``element_updates``)."""
        taken = {} if taken is None else taken
        out = []
        for a in assigns:
            name = a.target.name
            array = self.sym.arrays.get(name)
            if a.index is not None or array is not None:
                out += self.element_updates(a, array, ctx, taken, unhit or {})
                continue
            info = self.sym.vars.get(name)
            if info is None:
                if name in self.sym.consts or name in self.sym.states or name in self.sym.events:
                    raise self.check.fail("E0207", f"`{name}` is not a variable", a.target.span,
                                          help="only `var`, `alarm` and `alert` declarations can be assigned")
                close = difflib.get_close_matches(name, list(self.sym.vars), n=1)
                raise self.check.fail("E0102", f"unknown variable `{name}`", a.target.span,
                                      help=f"did you mean `{close[0]}`?" if close else None)
            if info.var.role in (ir.Role.ACCUMULATOR, ir.Role.WINDOW):
                raise self.check.fail("E0207", f"`{name}` is kept by the motor section and cannot be assigned",
                                      a.target.span)
            self.claim(name, a.target.span, taken,
                       "updates are simultaneous: give each variable one value")
            expect = info.var.type if isinstance(info.var.type, ir.EnumType) else None
            value = self.check.check(a.value, ctx, expect)
            stored = self.check.convert_for_store(value, info, info.var.type, a.value.span, f"`{name}`")
            vtype = info.var.type
            if isinstance(stored, ir.Lit) and isinstance(vtype, ir.IntType) \
                    and not vtype.lo <= stored.value <= vtype.hi:
                shown = f"{stored.value} {vtype.unit}".rstrip()
                raise self.check.fail("E0205", f"{shown} is outside `{name}`'s range {vtype}", a.value.span,
                                      label="out of range",
                                      help=f"store a value in {vtype}, or widen `{name}`'s range")
            out.append(ir.Update(name, stored, a.span))
        return out

    def claim(self, name: str, span, taken: dict, help: str) -> None:
        """Record that this step assigns ``name`` at ``span``; a second assignment in the
        same step is E0206 (``taken``: name -> the span of its first assignment)."""
        if name in taken:
            self.report(Diagnostic("E0206", f"`{name}` is assigned twice in one step", span,
                                   labels=(Label(taken[name], "first assigned here"),), help=help))
            raise Fail()
        taken[name] = span

    def element_updates(self, a, array, ctx: Context, taken: dict,
                        unhit: dict[str, ir.Expr]) -> list[ir.Update]:
        """``t[i] := v``: one update per element, ``t_k := if i == k then v else t_k`` (just
        ``t_i := v`` for a constant index). Each list of updates (a transition's, or all
        the `every tick` ones) writes at most one element of a table (E0206).

        As for any variable, a tick transition's update of an element replaces the
        `every tick` update of that element; so that it replaces it only when the index hits
        ``k``, a tick transition's run-time write falls back to the `every tick` update of
        ``t_k`` (``unhit``) instead of ``t_k``: ``t_k := if i == k then v else <every tick's
        t_k>``. Element ``k`` thus takes the transition's value if it writes ``k`` in the
        step, else the `every tick` value of ``k`` if there is one, else keeps its value;
        this is the one place the rule is made, and every semantics reads it from the IR."""
        name = a.target.name
        if array is None:
            raise self.check.fail("E0207", f"`{name}` is not a table variable", a.target.span,
                                  help="only a variable declared `table LO .. HI of TYPE` has elements")
        if a.index is None:
            raise self.check.fail("E0207", f"`{name}` is a table: assign one element", a.target.span,
                                  help=f"write `{name}[i] := ...`")
        self.claim(name, a.target.span, taken, "a step writes at most one element of a table")
        index = self.check.element_index(array, a.index, ctx)
        info = array.elements[0]
        vtype = info.var.type
        value = self.check.check(a.value, ctx, vtype if isinstance(vtype, ir.EnumType) else None)
        stored = self.check.convert_for_store(value, info, vtype, a.value.span, f"an element of `{name}`")
        if isinstance(stored, ir.Lit) and isinstance(vtype, ir.IntType) and not vtype.lo <= stored.value <= vtype.hi:
            shown = f"{stored.value} {vtype.unit}".rstrip()
            raise self.check.fail("E0205", f"{shown} is outside the range {vtype} of `{name}`'s elements",
                                  a.value.span, label="out of range")
        write = ir.ElementWrite(name, index, stored)
        if isinstance(index, ir.Lit):
            return [ir.Update(array.elements[index.value - array.lo].var.name, stored, a.span,
                              write)]
        out = []
        for k, element in enumerate(array.elements, start=array.lo):
            var = element.var
            otherwise = unhit.get(var.name, ir.Var(var.name, var.type, False, a.span))
            hit = b.compare(ir.BinaryOp.EQ, index, b.lit_int(k), a.span)
            out.append(ir.Update(var.name, b.cond(hit, stored, otherwise, a.span), a.span, write))
        return out

    def event_policy(self, p: ast.EventPolicyDecl) -> None:
        event = self.event(p.event)
        if event.kind != ir.EventKind.USER:
            raise self.check.fail("E0203", f"`{event.name}` is always accepted", p.event.span)
        policy = self.r.policy(p.policy)
        for state in self.states(p.sources):
            self.event_policies[state][event.name] = policy

    def _check_policy_conflicts(self, items) -> None:
        for item in items:
            if not isinstance(item, ast.EventPolicyDecl):
                continue
            for ident in item.sources:
                clash = next((t for t in self.transitions
                              if t.event == item.event.name and ident.name in t.sources), None)
                if clash is not None:
                    self.report(Diagnostic(
                        "E0101", f"`{item.event.name}` in {ident.name} has both a transition and a "
                        f"{item.policy.kind} rule", item.span, labels=(Label(clash.span, "the transition"),),
                        help="a rule covers only events a state has no transition for"))

    def every_tick(self, e: ast.EveryTick) -> None:
        if e.event.name != "tick":
            raise self.check.fail("E0104", f"`every` takes `tick`, found `{e.event.name}`", e.event.span)
        taken = {u.var: u.span for u in self.tick_updates}
        taken |= {name: taken[e.var.name] for name, array in self.sym.arrays.items()
                  for e in array.elements if e.var.name in taken}
        ctx = Context("an `every tick` update", params={}, tick=True)
        self.tick_updates.extend(self.updates(e.updates, ctx, taken))

    # ------------------------------------------------------------ properties

    def invariant(self, p: ast.InvariantDecl) -> None:
        expr = self.check.check_bool(p.expr, Context("an invariant"))
        self.properties.append(ir.Invariant(p.requirement.name, p.text, expr, p.span))

    def assertion(self, p: ast.AssertionDecl) -> None:
        events = [self.event(i) for i in p.events]
        states = self.states(p.states)
        names = tuple(dict.fromkeys(e.name for e in events))
        params = self.params(events[0]) if len(names) == 1 else {}
        tick = names == ("tick",)
        ctx = Context(f"an assertion on `{', '.join(names)}`", params=params, tick=tick, assertion=True)
        expr = self.check.check_bool(p.expr, ctx)
        self.properties.append(ir.Assertion(p.requirement.name, p.text, names, states, expr, p.span))

    def acceptance(self, p: ast.AcceptsDecl) -> None:
        """Lowered to the assertion `on EVENTS from <every state not listed>: not accepted`.
        A refused (rejected or ignored) step changes nothing, so the configuration is
        unchanged there too."""
        events = [self.event(i) for i in p.events]
        for ident, event in zip(p.events, events, strict=True):
            if event.kind != ir.EventKind.USER:
                help = ("pin where a tick moves with `assert ID \"text\" on tick from STATE, ...: "
                        "next(state) == state`" if event.kind == ir.EventKind.TICK else
                        "a reset (power loss) is accepted in every state")
                raise self.check.fail("E0203", f"`{event.name}` is never refused", ident.span,
                                      label="built-in event", help=help)
        listed = self.states(p.states)
        refusing = tuple(s for s in self.sym.states if s not in listed)
        if not refusing:
            raise self.check.fail("E0203", "`accepts ... only from` lists every state: it refuses nowhere",
                                  p.states[-1].span, help="list only the states that may accept the events")
        names = tuple(dict.fromkeys(e.name for e in events))
        refused = b.not_(ir.Accepted(span=p.span), p.span)
        self.properties.append(ir.Assertion(p.requirement.name, p.text, names, refusing, refused, p.span))

    def response(self, p: ast.ResponseDecl) -> None:
        event = self.event(p.event)
        trigger = b.TRUE
        if p.trigger is not None:
            trigger = self.check.check_bool(p.trigger, Context("a response trigger", params=self.params(event)))
        response = self.check.check_bool(p.response, Context("a response"))
        within = self.check.check_const_int(p.within, "a response bound", TIME)
        if within < 0:
            raise self.check.fail("E0205", "a response bound cannot be negative", p.within.span)
        self.properties.append(ir.Response(p.requirement.name, p.text, event.name, trigger, response,
                                           within, p.span))

    def recovery(self, p: ast.RecoveryDecl) -> None:
        target = self.check.check_bool(p.target, Context("a recovery target"))
        calls = []
        for c in p.calls:
            event = self.event(c.event)
            infos = self.params(event)
            given = {}
            for name, expr in c.args:
                info = infos.get(name.name)
                if info is None:
                    raise self.check.fail("E0108", f"`{event.name}` has no parameter `{name.name}`", name.span,
                                          help=f"its parameters: {', '.join(infos) or 'none'}")
                t = self.check.check(expr, Context("a recovery argument", constant=True),
                                     info.var.type if isinstance(info.var.type, ir.EnumType) else None)
                value = self.check.convert_for_store(t, info, info.var.type, expr.span, f"`{name.name}`")
                if isinstance(info.var.type, ir.IntType) and not info.var.type.lo <= value.value <= info.var.type.hi:
                    raise self.check.fail("E0205", f"{value.value} is outside `{name.name}`'s range "
                                          f"{info.var.type}", expr.span)
                given[name.name] = value.value
            missing = [n for n in infos if n not in given]
            if missing:
                raise self.check.fail("E0406", f"`{event.name}` needs {', '.join(missing)}", c.span,
                                      help=f"write `{event.name}({missing[0]} = ...)`")
            calls.append(ir.EventCall(event.name, tuple((n, given[n]) for n in infos)))
        self.properties.append(ir.Recovery(p.requirement.name, p.text, target, tuple(calls), p.span))
