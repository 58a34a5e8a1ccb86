"""Behaviour mutants of a spec, generated on the IR.

Each operator makes one small change of behaviour; the properties should notice it:

- ``drop-guard``: a transition loses one guard;
- ``flip-compare``: ``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=`` in a guard or update;
- ``flip-connective``: ``and`` <-> ``or`` in a guard or update;
- ``constant``: an integer literal of a guard or update, plus or minus one base unit
  (step, tick); the factors of ``*``, ``div`` and ``mod`` are scales, not quantities, and
  are left alone;
- ``retarget``: a transition goes to another state;
- ``add-source`` / ``remove-source``: a transition gains or loses one source state;
- ``delete-update``: a transition (or ``every tick``) loses one update;
- ``persistent``: a declared variable, alarm or alert gains or loses ``persistent``;
- ``window-counts``: a dose window stops counting one of its sources;
- ``moves-in``: the motor's ``moves in`` list loses or gains one state.

The last two change declarations that the front end lowers into tick values, updates and
``motor_on``, so their mutants are lowered again from the mutated syntax tree (the front
end is the one place that knows how), as if the spec's text had been edited. Every other
mutant edits the IR directly and recomputes the exact interval type of every expression
it rebuilds.

A mutant that fails a sanity check (an update whose value can never lie in its variable's
range, a declaration the front end rejects) is discarded and counted, never proved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Callable, Iterator

from ..ir import nodes as ir
from ..ir.printer import IrPrinter
from ..ir.visitor import children, map_children, subexpressions
from ..semantics.lower import lower
from ..source import Span
from ..syntax import ast
from ..syntax.parser import parse


class Operator(StrEnum):
    DROP_GUARD = "drop-guard"
    FLIP_COMPARE = "flip-compare"
    FLIP_CONNECTIVE = "flip-connective"
    CONSTANT = "constant"
    RETARGET = "retarget"
    ADD_SOURCE = "add-source"
    REMOVE_SOURCE = "remove-source"
    DELETE_UPDATE = "delete-update"
    PERSISTENT = "persistent"
    WINDOW_COUNTS = "window-counts"
    MOVES_IN = "moves-in"


B = ir.BinaryOp
_FLIPPED = ir.every_member(B, {
    B.LT: B.LE, B.LE: B.LT, B.GT: B.GE, B.GE: B.GT, B.EQ: B.NE, B.NE: B.EQ,
    B.AND: B.OR, B.OR: B.AND,
    B.ADD: None, B.SUB: None, B.MUL: None, B.FLOORDIV: None, B.MOD: None, B.IMPLIES: None})
_SCALED = (B.MUL, B.FLOORDIV, B.MOD)  # their literal operand is a factor, not a quantity
_DECLARED = (ir.Role.VAR, ir.Role.ALARM, ir.Role.ALERT)  # written by the spec's author
_LITERAL_TEXT = re.compile(r"[\w.]+(\s*[\w/]+)?(\[\w+\])?")  # `12`, `0 U`, `MAX`, `T[kind]`


@dataclass(frozen=True)
class Mutant:
    """One mutant. ``id`` names it stably (operator, place, change) for explanations and
    ``--only``; ``where`` is ``file:line``; ``before`` / ``after`` the changed spec text;
    ``requirements`` the ids near the change. The module is built on first use."""

    id: str
    operator: Operator
    where: str
    before: str
    after: str
    requirements: tuple[str, ...]
    make: Callable[[], tuple[ir.Module | None, str | None]] = field(compare=False, repr=False)

    @property
    def diff(self) -> str:
        return f"{self.where}: {self.before}  =>  {self.after}"

    @cached_property
    def _built(self) -> tuple[ir.Module | None, str | None]:
        return self.make()

    @property
    def module(self) -> ir.Module | None:
        """The mutated module; None when the mutant was discarded."""
        return self._built[0]

    @property
    def discarded(self) -> str | None:
        """Why the sanity check discarded the mutant, or None."""
        return self._built[1]


def generate(module: ir.Module, text: str) -> list[Mutant]:
    """Every mutant of ``module`` (lowered from ``text``), in a deterministic order."""
    return list(_Generator(module, text).all())


# ---------------------------------------------------------------- expressions


def retyped(e: ir.Expr) -> ir.Expr:
    """``e`` with its interval type recomputed from its operands' (the rules of
    ``ir.build``), so a rebuilt expression keeps the IR's exact-interval invariant."""
    if not isinstance(e.type, ir.IntType):
        return e
    match e:
        case ir.Binary(op=B.ADD, left=a, right=b):
            lo, hi = a.type.lo + b.type.lo, a.type.hi + b.type.hi
        case ir.Binary(op=B.SUB, left=a, right=b):
            lo, hi = a.type.lo - b.type.hi, a.type.hi - b.type.lo
        case ir.Binary(op=B.MUL, left=a, right=b):
            x, k = (a, b.value) if isinstance(b, ir.Lit) else (b, a.value)
            lo, hi = sorted((x.type.lo * k, x.type.hi * k))
        case ir.Binary(op=B.FLOORDIV, left=a, right=ir.Lit(value=k)):
            lo, hi = a.type.lo // k, a.type.hi // k
        case ir.Binary(op=B.MOD, left=a, right=ir.Lit(value=k)):
            same_period = a.type.lo // k == a.type.hi // k
            lo, hi = (a.type.lo % k, a.type.hi % k) if same_period else (0, k - 1)
        case ir.Unary(op=ir.UnaryOp.NEG, operand=a):
            lo, hi = -a.type.hi, -a.type.lo
        case ir.Cond(then=a, orelse=b):
            lo, hi = min(a.type.lo, b.type.lo), max(a.type.hi, b.type.hi)
        case ir.MinMax(op=op, args=args):
            pick = min if op == ir.MinMaxOp.MIN else max
            lo, hi = pick(a.type.lo for a in args), pick(a.type.hi for a in args)
        case ir.Lit(value=v):
            lo, hi = v, v
        case _:  # a leaf or a table: its type does not depend on a rebuilt operand
            return e
    return replace(e, type=replace(e.type, lo=lo, hi=hi))


def replace_at(e: ir.Expr, path: tuple[int, ...], new: ir.Expr) -> ir.Expr:
    """``e`` with the node at ``path`` (child positions from the root) replaced by
    ``new``, every ancestor retyped."""
    if not path:
        return new
    positions = iter(range(len(children(e))))
    return retyped(map_children(
        e, lambda x: replace_at(x, path[1:], new) if next(positions) == path[0] else x))


@dataclass(frozen=True)
class _Change:
    """One mutation inside an expression: the new expression and the edited text."""

    operator: Operator
    label: str  # e.g. "1" (the first comparison), "2+1" (the second literal, plus one)
    expr: ir.Expr
    old_node: ir.Expr
    new_node: ir.Expr


def _expression_changes(e: ir.Expr) -> Iterator[_Change]:
    counts = {Operator.FLIP_COMPARE: 0, Operator.FLIP_CONNECTIVE: 0, Operator.CONSTANT: 0}

    def walk(node: ir.Expr, path: tuple[int, ...], scaled: bool) -> Iterator[_Change]:
        match node:
            case ir.Binary(op=op) if _FLIPPED[op] is not None:
                what = Operator.FLIP_COMPARE if op in ir.COMPARE_OPS else Operator.FLIP_CONNECTIVE
                counts[what] += 1
                new = replace(node, op=_FLIPPED[op])
                yield _Change(what, str(counts[what]), replace_at(e, path, new), node, new)
            case ir.Lit(value=v, type=ir.IntType() as t) if not scaled and not isinstance(v, bool):
                counts[Operator.CONSTANT] += 1
                n = counts[Operator.CONSTANT]
                for delta, sign in ((1, "+"), (-1, "-")):
                    new = ir.Lit(v + delta, replace(t, lo=v + delta, hi=v + delta), node.span)
                    yield _Change(Operator.CONSTANT, f"{n}{sign}1", replace_at(e, path, new), node,
                                  new)
        for i, child in enumerate(children(node)):
            is_factor = (isinstance(node, ir.Binary) and node.op in _SCALED
                         and isinstance(child, ir.Lit))
            yield from walk(child, path + (i,), is_factor)

    yield from walk(e, (), False)


# ---------------------------------------------------------------- generation


class _Generator:
    def __init__(self, module: ir.Module, text: str):
        self.m, self.text = module, text
        self.printer = IrPrinter()
        self.keys = self._transition_keys()
        self.tick = next(e.name for e in module.events if e.kind == ir.EventKind.TICK)
        self._syntax: ast.Spec | None = None

    # -- naming and text

    def _transition_keys(self) -> dict[int, str]:
        keys: dict[int, str] = {}
        seen: dict[str, int] = {}
        for t in self.m.transitions:
            base = f"{t.event}/{'+'.join(t.sources)}" + (f"->{t.target}" if t.target else "")
            seen[base] = seen.get(base, 0) + 1
            keys[t.index] = base if seen[base] == 1 else f"{base}~{seen[base]}"
        return keys

    def where(self, *spans: Span | None) -> str:
        span = next((s for s in spans if s is not None), None)
        return f"{span.file}:{span.line}" if span else self.m.source_file

    def source(self, span: Span | None) -> str | None:
        if span is None or span.file != self.m.source_file:
            return None
        return " ".join(self.text[span.start:span.end].split())

    @staticmethod
    def header(t: ir.Transition, sources=None, target: str | None | bool = False) -> str:
        sources = t.sources if sources is None else sources
        target = t.target if target is False else target
        return f"on {t.event} from {', '.join(sources)}" + (f" -> {target}" if target else "")

    def clause(self, owner: ir.Guard | ir.Update, change: _Change | None) -> tuple[str, str]:
        """(before, after) text of a guard or update, with ``change`` applied: the spec's
        own text edited where the spans allow it, else both printed from the IR."""
        if isinstance(owner, ir.Guard):
            lead, old_expr = "when ", owner.cond
        else:
            lead, old_expr = f"{owner.var} := ", owner.value
        whole = self.source(owner.span)
        if change is not None and whole is not None:
            edited = self._edit(owner.span, change)
            if edited is not None:
                return whole, edited
        if change is None:
            return whole or lead + self.printer.expr(old_expr), ""
        return lead + self.printer.expr(old_expr), lead + self.printer.expr(change.expr)

    def _edit(self, owner: Span, change: _Change) -> str | None:
        old, new = change.old_node, change.new_node
        text = self.text[owner.start:owner.end]
        if isinstance(old, ir.Binary):  # the operator lies between the operands
            a, b = old.left.span, old.right.span
            if a is None or b is None or not (owner.start <= a.end <= b.start <= owner.end):
                return None
            gap = self.text[a.end:b.start]
            spelled = re.search(rf"(?<![<>=!\w]){re.escape(str(old.op))}(?![<>=\w])", gap)
            if spelled is None:
                return None
            start, end = a.end + spelled.start(), a.end + spelled.end()
            replacement = str(new.op)
        else:
            s = old.span
            if s is None or not (owner.start <= s.start <= s.end <= owner.end) \
                    or not _LITERAL_TEXT.fullmatch(self.text[s.start:s.end]):
                return None  # folded: the span covers more than the literal
            start, end = s.start, s.end
            unit = old.type.unit.removesuffix("s") if old.type.unit else ""
            sign = "+" if new.value > old.value else "-"
            replacement = f"({self.text[s.start:s.end]} {sign} 1{' ' + unit if unit else ''})"
        edited = text[:start - owner.start] + replacement + text[end - owner.start:]
        return " ".join(edited.split())

    def near(self, t: ir.Transition | None, names: set[str]) -> tuple[str, ...]:
        """Requirement ids near a change: those on the transition's guards' reasons, then
        those of the properties that mention one of ``names`` (the variables, states and
        events the change touches; ``tick`` is too common to tell anything)."""
        ids: list[str] = []
        if t is not None:
            ids += [g.reason.requirement for g in t.guards if g.reason and g.reason.requirement]
        names = names - {self.tick}
        ids += [p.id for p in self.m.properties if names & _mentions(self.m, p)]
        return tuple(dict.fromkeys(ids))

    # -- the operators

    def all(self) -> Iterator[Mutant]:
        for t in self.m.transitions:
            yield from self.transition(t)
        yield from self.every_tick()
        yield from self.persistent()
        yield from self.window_counts()
        yield from self.moves_in()

    def transition(self, t: ir.Transition) -> Iterator[Mutant]:
        key, head = self.keys[t.index], self.header(t)
        for k, g in enumerate(t.guards, 1):
            before, _ = self.clause(g, None)
            names = {t.event} | _names(g.cond)
            yield self.mutant(
                f"{Operator.DROP_GUARD}:{key}:g{k}", Operator.DROP_GUARD, g.span or t.span,
                f"{head}: {before}", f"{head}: (guard dropped)", self.near(t, names),
                lambda k=k: self.with_transition(t, guards=t.guards[:k - 1] + t.guards[k:]))
            for c in _expression_changes(g.cond):
                before, after = self.clause(g, c)
                guards = t.guards[:k - 1] + (replace(g, cond=c.expr),) + t.guards[k:]
                yield self.mutant(f"{c.operator}:{key}:g{k}.{c.label}", c.operator,
                                  c.old_node.span or g.span or t.span, f"{head}: {before}",
                                  f"{head}: {after}", self.near(t, names),
                                  lambda guards=guards: self.with_transition(t, guards=guards))
        yield from self.updates(t, key, head, t.updates, {t.event})
        states = [s.name for s in self.m.states]
        for s in states:
            if s == t.target or (t.target is None and t.sources == (s,)):
                continue
            yield self.mutant(f"{Operator.RETARGET}:{key}:{s}", Operator.RETARGET, t.span, head,
                              self.header(t, target=s),
                              self.near(t, {t.event, s} | ({t.target} if t.target else set())),
                              lambda s=s: self.with_transition(t, target=s))
        for s in states:
            if s in t.sources:
                continue
            sources = tuple(x for x in states if x in t.sources or x == s)
            yield self.mutant(f"{Operator.ADD_SOURCE}:{key}:{s}", Operator.ADD_SOURCE, t.span, head,
                              self.header(t, sources=sources), self.near(t, {t.event, s}),
                              lambda sources=sources: self.with_transition(t, sources=sources))
        if len(t.sources) > 1:
            for s in t.sources:
                sources = tuple(x for x in t.sources if x != s)
                yield self.mutant(f"{Operator.REMOVE_SOURCE}:{key}:{s}", Operator.REMOVE_SOURCE,
                                  t.span, head, self.header(t, sources=sources),
                                  self.near(t, {t.event, s}),
                                  lambda sources=sources: self.with_transition(t, sources=sources))

    def updates(self, t: ir.Transition | None, key: str, head: str,
                updates: tuple[ir.Update, ...], touched: set[str]) -> Iterator[Mutant]:
        def rebuilt(new: tuple[ir.Update, ...]):
            if t is not None:
                return lambda: self.with_transition(t, updates=new)
            return lambda: self.with_tick_updates(updates, new)

        for j, u in enumerate(updates):
            names = touched | {u.var} | _names(u.value)
            before, _ = self.clause(u, None)
            yield self.mutant(f"{Operator.DELETE_UPDATE}:{key}:{u.var}", Operator.DELETE_UPDATE,
                              u.span or (t.span if t else None), f"{head}: {before}",
                              f"{head}: (update deleted)", self.near(t, names),
                              rebuilt(updates[:j] + updates[j + 1:]))
            for c in _expression_changes(u.value):
                before, after = self.clause(u, c)
                # a changed value is no longer the table write it came from
                new = updates[:j] + (replace(u, value=c.expr, write=None),) + updates[j + 1:]
                yield self.mutant(f"{c.operator}:{key}:{u.var}.{c.label}", c.operator,
                                  c.old_node.span or u.span, f"{head}: {before}", f"{head}: {after}",
                                  self.near(t, names), rebuilt(new))

    def every_tick(self) -> Iterator[Mutant]:
        declared = tuple(u for u in self.m.tick_updates if self.m.variable(u.var).role in _DECLARED)
        yield from self.updates(None, "every-tick", "every tick", declared, set())

    def persistent(self) -> Iterator[Mutant]:
        for v in self.m.variables:
            if v.role not in _DECLARED:
                continue
            word = "persistent "
            before = self.source(v.span) or f"{word if v.persistent else ''}{v.role} {v.name}"
            after = before.removeprefix(word) if v.persistent else word + before
            flipped = replace(v, persistent=not v.persistent)
            yield self.mutant(
                f"{Operator.PERSISTENT}:{v.name}", Operator.PERSISTENT, v.span, before, after,
                self.near(None, {v.name, "reset"}),
                lambda flipped=flipped: self.checked(replace(self.m, variables=tuple(
                    flipped if x.name == flipped.name else x for x in self.m.variables))))

    def window_counts(self) -> Iterator[Mutant]:
        for w in self.m.windows:
            for s in w.counts:
                kept = tuple(x for x in w.counts if x != s)
                before = self.source(w.span) or f"window {w.name} counts {', '.join(w.counts)}"
                after = f"window {w.name} counts {', '.join(kept) or '(nothing)'}"
                yield self.mutant(
                    f"{Operator.WINDOW_COUNTS}:{w.name}:-{s}", Operator.WINDOW_COUNTS, w.span,
                    before, after, self.near(None, {w.name, s} | {v.name for v in w.bucket_vars}),
                    lambda w=w, kept=kept: self.relowered(
                        lambda item: replace(item, counts=tuple(i for i in item.counts
                                                                if i.name in kept))
                        if isinstance(item, ast.WindowDecl) and item.name.name == w.name else item))

    def moves_in(self) -> Iterator[Mutant]:
        motor = self.m.motor
        moving = motor.moving_states
        states = [s.name for s in self.m.states]
        before = f"moves in {', '.join(moving)}"
        for s in states:
            if s in moving:
                kept = tuple(x for x in moving if x != s)
                op_id, after = f"-{s}", f"moves in {', '.join(kept) or '(nothing)'}"
            else:
                kept = tuple(x for x in states if x in moving or x == s)
                op_id, after = f"+{s}", f"moves in {', '.join(kept)}"
            yield self.mutant(
                f"{Operator.MOVES_IN}:{op_id}", Operator.MOVES_IN, motor.span, before, after,
                self.near(None, {s, "motor_on"}),
                lambda kept=kept: self.relowered(
                    lambda item: replace(item, moves=(tuple(ast.Ident(n, item.span) for n in kept),))
                    if isinstance(item, ast.MotorBlock) else item))

    # -- building and checking a mutant

    def mutant(self, id_: str, op: Operator, span: Span | None, before: str, after: str,
               requirements: tuple[str, ...], make) -> Mutant:
        return Mutant(id_, op, self.where(span), before, after, requirements, make)

    def with_transition(self, t: ir.Transition, **changes) -> tuple[ir.Module | None, str | None]:
        new = replace(t, **changes)
        transitions = tuple(new if x.index == t.index else x for x in self.m.transitions)
        return self.checked(replace(self.m, transitions=transitions), new.updates)

    def with_tick_updates(self, old: tuple[ir.Update, ...], new: tuple[ir.Update, ...]):
        generated = tuple(u for u in self.m.tick_updates if u not in old)
        return self.checked(replace(self.m, tick_updates=generated + new), new)

    def checked(self, module: ir.Module, updates: tuple[ir.Update, ...] = ()
                ) -> tuple[ir.Module | None, str | None]:
        """The sanity check: every update's value can lie in its variable's range."""
        for u in updates:
            t, v = module.variable(u.var).type, u.value.type
            if isinstance(t, ir.IntType) and (v.hi < t.lo or v.lo > t.hi):
                return None, f"`{u.var} := ...` can never be in {t}"
        return module, None

    def relowered(self, edit: Callable[[object], object]) -> tuple[ir.Module | None, str | None]:
        """The spec lowered again with ``edit`` applied to each top-level item. Its
        properties are lowered again too, as they would be from the edited text: a
        property that reads ``motor_on`` reads the mutated motor."""
        if self._syntax is None:
            self._syntax, _ = parse(self.text, self.m.source_file)
        spec = replace(self._syntax, items=tuple(edit(i) for i in self._syntax.items))
        module, diagnostics = lower(spec)
        errors = [d for d in diagnostics if d.severity == "error"]
        if module is None or errors:
            first = errors[0] if errors else None
            return None, f"the front end rejects it: {first.code}: {first.message}" if first \
                else "the front end rejects it"
        return module, None


# ---------------------------------------------------------------- names


def _names(e: ir.Expr) -> set[str]:
    """Variables and parameters an expression reads."""
    return {x.name for x in subexpressions(e) if isinstance(x, (ir.Var, ir.Param))}


def _mentions(m: ir.Module, p: ir.Property) -> set[str]:
    """What a property is about: the variables it reads, the states it compares the
    control state with, and its events."""
    match p:
        case ir.Invariant(expr=e) | ir.Recovery(target=e):
            exprs, events = [e], []
        case ir.Assertion(expr=e, events=events):
            exprs = [e]
        case ir.Response(trigger=a, response=b, trigger_event=event):
            exprs, events = [a, b], [event]
        case _:
            raise TypeError(f"internal error: unknown property {type(p).__name__}")
    if isinstance(p, ir.Recovery):
        events = [call.event for call in p.sequence]
    out = set(events)
    for e in exprs:
        for x in subexpressions(e):
            if isinstance(x, (ir.Var, ir.Param)):
                out.add(x.name)
            elif isinstance(x, ir.Lit) and x.type == m.state_type:
                out.add(m.state_type.members[x.value])
    return out
