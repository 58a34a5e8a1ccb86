"""Proof engines over a ``System``: BMC, (relative) induction, k-induction and PDR.

A ``Goal`` is a safety obligation of one of two shapes:
- ``state``: ``holds(frame)`` is true in every reachable configuration;
- ``step``: ``holds(step)`` is true on every step taken from a reachable configuration.

``Lemmas`` are state predicates already proved invariant; every engine may assume them
in every frame (that is sound: they hold in every reachable configuration).

Only an induction that closed (1-induction relative to the lemmas, k-induction, or a
PDR invariant re-checked by three plain SMT queries) yields ``proved``. A counterexample
found by BMC yields ``violated``. Everything else is ``unknown``.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

import z3

from ..ir import nodes as ir
from .system import Input, Step, System
from .z3expr import Frame, Subst

PROVED, VIOLATED, UNKNOWN = "proved", "violated", "unknown"

StatePred = Callable[[Frame], z3.BoolRef]


@dataclass
class Goal:
    key: str
    kind: str  # "state" | "step"
    holds: Callable  # state: (Frame) -> BoolRef; step: (Step) -> BoolRef
    system: System
    _template: z3.BoolRef | None = field(default=None, repr=False)

    def at(self, where) -> z3.BoolRef:
        """``holds`` at a frame (state goal) or step (step goal), instantiated from a
        template built once."""
        sys = self.system
        tpl = sys.template()
        if self._template is None:
            self._template = self.holds(tpl.pre if self.kind == "state" else tpl)
        if self.kind == "state":
            sub = where.cache.get("subst")
            if sub is None:
                sub = where.cache["subst"] = Subst(sys.pairs(tpl.pre, where))
            return sub(self._template)
        sub = where.cache.get("subst")
        if sub is None:
            sub = where.cache["subst"] = Subst(sys.step_pairs(where.pre, where.inp, where.post))
        return sub(self._template)


@dataclass
class Cex:
    """A concrete path: ``configs[j]`` --``inputs[j]``--> ``configs[j+1]``.

    ``bad`` is the index of the violating configuration (state goals) or step (step
    goals). Configs are (state name, {var: value}, {monitor var: value})."""

    configs: list[tuple[str, dict[str, ir.Value], dict[str, ir.Value]]]
    inputs: list[tuple[str, dict[str, ir.Value]]]
    bad: int
    kind: str
    # input index -> how many times that step is applied (a tick macro-step), else once
    repeat: dict[int, int] = field(default_factory=dict)

    @property
    def macro_ticks(self) -> list[int]:
        """The lengths of the tick macro-steps, in order."""
        return [self.repeat[j] for j in sorted(self.repeat)]

    @property
    def events(self) -> int:
        """Events handled, macro-steps counted in full."""
        return len(self.inputs) + sum(n - 1 for n in self.repeat.values())

    def expanded(self, j: int) -> int:
        """The index of input ``j`` counted over the expanded trace."""
        return j + sum(n - 1 for i, n in self.repeat.items() if i < j)


@dataclass
class Verdict:
    status: str
    engine: str = ""
    detail: str = ""
    cex: Cex | None = None
    invariant: str | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


# Z3's ``reason_unknown`` when a query ran out of its wall-clock ``timeout``; any other
# reason of a query that stopped before its safety net ("max. resource limit exceeded",
# "canceled": Z3 says both of an ``rlimit`` stop, depending on the tactic) is the
# resource limit
_Z3_TIMEOUT = "timeout"
_Z3_STOPPED = ("max. resource limit exceeded", "canceled", "resource limits reached")


class Deadline:
    """The bound of a check's solver queries: ``rlimit``, Z3's resource limit per query
    (the work bound: the same on every machine), and ``seconds`` from now, a wall-clock
    safety net (when it strikes, the query is unknown). ``option`` is the ``--rlimit``
    that ``rlimit`` is a share of (``rlimit`` itself when 0).

    :func:`check` records why a query under it was undecided; :meth:`why` words it, for
    every engine and query kind (the resource limit, the safety net, or Z3's own
    reason)."""

    def __init__(self, seconds: float | None, rlimit: int = 0, option: int = 0):
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds
        self.rlimit = rlimit
        self.option = option or rlimit
        self.stop = ""  # why the last undecided query stopped: "rlimit", "timeout", Z3's reason

    def ms(self, floor: int = 1) -> int:
        if self.end is None:
            return 0  # z3: no timeout
        return max(floor, int((self.end - time.monotonic()) * 1000))

    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def scaled(self, rlimit_share: float) -> "Deadline":
        """The same safety net, ``rlimit_share`` of the resource limit."""
        d = Deadline(None, int(self.rlimit * rlimit_share), self.option)
        d.seconds, d.end = self.seconds, self.end
        return d

    def apply(self, s) -> None:
        """Bound the next query of solver ``s``."""
        if self.end is not None:
            s.set("timeout", self.ms())
        if self.rlimit:
            s.set("rlimit", self.rlimit)

    def stopped(self, reason: str) -> None:
        """Record why a query under this bound was undecided; ``reason`` is Z3's
        ``reason_unknown`` ("" when the query did not run: the safety net had struck)."""
        if reason in ("", _Z3_TIMEOUT) or (self.expired() and reason in _Z3_STOPPED):
            self.stop = "timeout"
        elif reason in _Z3_STOPPED and self.rlimit:
            self.stop = "rlimit"
        else:
            self.stop = reason

    def why(self) -> str:
        """Why the last undecided query under this bound stopped: a verb phrase whose
        subject is the query ("PDR exhausted its resource limit (...)"), naming the option
        that bounds it."""
        if self.stop == "rlimit":
            of = "" if self.rlimit == self.option else f", its share of --rlimit {self.option:,}"
            return f"exhausted its resource limit (rlimit {self.rlimit:,}{of}; raise --rlimit)"
        if self.stop == "timeout" and self.seconds is not None:
            return (f"was stopped by the wall-clock safety net (--timeout {self.seconds:g} s) "
                    f"before its resource limit")
        return f"was undecided: Z3 answered unknown ({self.stop or 'no reason given'})"


def solver(system: System, deadline: Deadline | None = None,
           ctx: z3.Context | None = None) -> z3.Solver:
    """A solver for ``system``'s terms, in its context or in ``ctx`` (``own_solver``)."""
    ctx = ctx or system.ctx
    s = z3.SolverFor("QF_LIA", ctx=ctx) if not system.module.variables else z3.Solver(ctx=ctx)
    if deadline is not None:
        deadline.apply(s)
    return s


def check(s: z3.Solver, *assumptions, deadline: Deadline | None = None) -> z3.CheckSatResult:
    """``s.check``, bounded by ``deadline``, which records why an unknown stopped."""
    if deadline is not None:
        if deadline.expired():
            deadline.stopped("")
            return z3.unknown
        deadline.apply(s)
    try:
        r = s.check(*assumptions)
    except z3.Z3Exception as exc:
        if deadline is not None:
            reason = exc.value.decode() if isinstance(exc.value, bytes) else str(exc.value)
            deadline.stopped(reason)
        return z3.unknown
    if r == z3.unknown and deadline is not None:
        deadline.stopped(s.reason_unknown())
    return r


def own_solver(system: System, assertions, horn: bool = False) -> z3.Solver:
    """A solver in a fresh Z3 context of its own holding ``assertions`` (terms of
    ``system``'s context), for the queries of one check: k-induction, PDR, its re-check.

    Every check's terms are built in the system's one context, where the checks built and
    queried before have created terms too. Z3 numbers terms in creation order and orders
    and breaks ties by those numbers, so the same query spends a different amount of work
    in a context other checks have used: a PDR proof of a type check that closed within
    the resource limit in one run exhausted it in a run with one more (unrelated)
    ``respond``. Copying the terms with ``translate`` does not help (the copy keeps the
    source's order); the query is passed as SMT-LIB text, which Z3 prints by structure, so
    its verdict and its work depend on the query alone, not on the other checks of the
    run."""
    text = z3.Solver(ctx=system.ctx)
    text.add(*assertions)
    own = z3.Context()
    s = z3.SolverFor("HORN", ctx=own) if horn else solver(system, ctx=own)
    s.from_string(text.sexpr())
    return s


class Unroll:
    """A path f0 -i0-> f1 -i1-> ... added to a solver one step at a time."""

    def __init__(self, system: System, s: z3.Solver, prefix: str, lemmas: list[StatePred]):
        self.system, self.s, self.prefix, self.lemmas = system, s, prefix, lemmas
        self.frames: list[Frame] = [system.frame(f"{prefix}0")]
        self.inputs: list[Input] = []
        self.steps: list[Step] = []
        self._assume_lemmas(self.frames[0])

    def _assume_lemmas(self, f: Frame) -> None:
        for lemma in self.lemmas:
            self.s.add(lemma(f))

    def extend(self) -> Step:
        j = len(self.steps)
        inp = self.system.input(f"{self.prefix}i{j}")
        post = self.system.frame(f"{self.prefix}{j + 1}")
        step = self.system.step(self.frames[-1], inp, post)
        self.s.add(step.trans)
        self.frames.append(post)
        self.inputs.append(inp)
        self.steps.append(step)
        self._assume_lemmas(post)
        return step

    def extract(self, model: z3.ModelRef, upto: int, bad: int, kind: str) -> Cex:
        m = self.system.module
        ev = lambda t: model.eval(t, model_completion=True)  # noqa: E731

        def val(term, t):
            x = ev(term)
            return z3.is_true(x) if isinstance(t, ir.BoolType) else x.as_long()

        configs = []
        for f in self.frames[: upto + 1]:
            state = m.states[ev(f.state).as_long()].name
            values = {v.name: val(f.vars[v.name], v.type) for v in m.variables}
            ext = {n: val(f.ext[n], t) for mon in self.system.monitors for n, t in mon.names.items()}
            configs.append((state, values, ext))
        inputs = []
        for inp in self.inputs[:upto]:
            e = m.events[ev(inp.event).as_long()]
            inputs.append((e.name, {p.name: val(inp.params[e.name][p.name], p.type) for p in e.params}))
        return Cex(configs, inputs, bad, kind)


def concrete(system: System, config) -> StatePred:
    """The predicate "this frame is exactly ``config``" (a Cex config)."""
    state, values, ext = config

    def pred(f: Frame) -> z3.BoolRef:
        parts = [f.state == system.state_index[state]]
        parts += [f.vars[n] == (z3.BoolVal(v, system.ctx) if isinstance(v, bool) else v)
                  for n, v in values.items()]
        return z3.And(parts)
    return pred


def negation(goal: Goal, u: Unroll, j: int) -> z3.BoolRef:
    """The goal fails at position j: frame j (state) or step j (step)."""
    if goal.kind == "state":
        return z3.Not(goal.at(u.frames[j]))
    return z3.Not(goal.at(u.steps[j]))


# ---------------------------------------------------------------- BMC


def bmc(system: System, goals: list[Goal], depth: int, lemmas: list[StatePred],
        deadline: Deadline, on_depth: Callable[[int], None] | None = None,
        start: StatePred | None = None) -> tuple[dict[str, Cex], int]:
    """Breadth-first counterexample search for many goals at once, from the initial state
    (or from ``start``).

    Returns the counterexamples found and the depth up to which every remaining goal is
    known to hold (paths of that many steps; -1 if not even the initial state)."""
    s = solver(system)
    u = Unroll(system, s, "b", lemmas)
    s.add((start or system.init)(u.frames[0]))
    open_goals = list(goals)
    found: dict[str, Cex] = {}
    clean = -1
    for d in range(depth + 1):
        if d > 0:
            u.extend()
        while open_goals:
            # state goals fail at frame d; step goals at step d-1 (needs d >= 1)
            live = [g for g in open_goals if g.kind == "state" or d >= 1]
            if not live:
                break
            bads = {g.key: negation(g, u, d if g.kind == "state" else d - 1) for g in live}
            s.push()
            s.add(z3.Or(list(bads.values())))
            r = check(s, deadline=deadline)
            if r == z3.sat:
                model = s.model()
                s.pop()
                hit = [g for g in live if z3.is_true(model.eval(bads[g.key], model_completion=True))]
                for g in hit:
                    bad = d if g.kind == "state" else d - 1
                    found[g.key] = u.extract(model, d, bad, g.kind)
                    open_goals.remove(g)
                continue
            s.pop()
            if r == z3.unknown:
                return found, clean
            break
        clean = d
        if on_depth:
            on_depth(d)
        if not open_goals:
            break
        if deadline.expired():
            deadline.stopped("")  # the safety net struck between two depths
            break
    return found, clean


# ---------------------------------------------------------------- induction


def houdini(system: System, goals: list[Goal], lemmas: list[StatePred], deadline: Deadline
            ) -> tuple[list[Goal], list[Goal]]:
    """The largest subset of the state goals that is 1-inductive together (relative to the
    lemmas). Returns (proved, dropped). The caller must have checked the initial state."""
    s = solver(system)
    u = Unroll(system, s, "h", lemmas)
    step = u.extend()
    flags = {g.key: z3.Bool(f"h.assume.{g.key}", system.ctx) for g in goals}
    for g in goals:
        s.add(z3.Implies(flags[g.key], g.at(u.frames[0])))
    live = list(goals)
    dropped: list[Goal] = []
    while live:
        s.push()
        post = {g.key: g.at(step.post) for g in live}
        s.add(z3.Or([z3.Not(p) for p in post.values()]))
        r = check(s, *[flags[g.key] for g in live], deadline=deadline)
        if r == z3.unsat:
            s.pop()
            break
        if r == z3.unknown:
            s.pop()
            return [], goals
        model = s.model()
        s.pop()
        bad = [g for g in live if z3.is_false(model.eval(post[g.key], model_completion=True))]
        for g in bad:
            live.remove(g)
            dropped.append(g)
    return live, dropped


def relative_step(system: System, goals: list[Goal], lemmas: list[StatePred], deadline: Deadline
                  ) -> tuple[list[Goal], list[Goal], dict[str, Cex]]:
    """Step goals that hold on every step from any configuration satisfying the lemmas
    (then they hold on every reachable step: proved). Returns (proved, failed, witnesses)
    where a witness is a lemma-state step (not necessarily reachable) that breaks a goal."""
    s = solver(system)
    u = Unroll(system, s, "r", lemmas)
    step = u.extend()
    live = list(goals)
    failed: list[Goal] = []
    witnesses: dict[str, Cex] = {}
    while live:
        terms = {g.key: g.at(step) for g in live}
        s.push()
        s.add(z3.Or([z3.Not(t) for t in terms.values()]))
        r = check(s, deadline=deadline)
        if r == z3.unsat:
            s.pop()
            break
        if r == z3.unknown:
            s.pop()
            return [], failed + live, witnesses
        model = s.model()
        s.pop()
        for g in [g for g in live if z3.is_false(model.eval(terms[g.key], model_completion=True))]:
            live.remove(g)
            failed.append(g)
            witnesses[g.key] = u.extract(model, 1, 0, "step")
    return live, failed, witnesses


def k_induction(goal: Goal, lemmas: list[StatePred], kmax: int, base_depth: int,
                deadline: Deadline) -> Verdict:
    """k-induction for n = 1..kmax: on every path of n steps from a lemma-state along which
    the goal holds (frames 0..n-1 / steps 0..n-1), it also holds at the next position.
    Together with a clean BMC of depth ``base_depth`` >= n - 1 (state) / n (step) that
    proves the goal."""
    system = goal.system
    s = solver(system)
    u = Unroll(system, s, "k", lemmas)
    if goal.kind == "step":
        u.extend()
    for n in range(0, kmax + 1):
        last = len(u.frames) - 1 if goal.kind == "state" else len(u.steps) - 1
        if n >= 1:
            # in a context of its own: the verdict must not depend on the other checks
            q = own_solver(system, list(s.assertions()) + [negation(goal, u, last)])
            r = check(q, deadline=deadline)
            need = n - 1 if goal.kind == "state" else n
            if r == z3.unsat and base_depth >= need:
                return Verdict(PROVED, f"{n}-induction",
                               f"{n}-inductive relative to the proved invariants")
            if r == z3.unknown:
                return Verdict(UNKNOWN, "k-induction",
                               f"k-induction's query at k = {n} {deadline.why()}")
        s.add(z3.Not(negation(goal, u, last)))
        u.extend()
    return Verdict(UNKNOWN, "k-induction", f"not k-inductive for k <= {kmax}")


# ---------------------------------------------------------------- PDR (Spacer)


def pdr(goal: Goal, lemmas: list[StatePred], deadline: Deadline) -> Verdict:
    """Property-directed reachability with Z3 Spacer over constrained Horn clauses:
        init(s) => Inv(s);  Inv(s) & L(s) & T(s,i,s') => Inv(s');  Inv(s) & L(s) & bad => false.
    ``sat`` gives an interpretation of Inv: the invariant, which is then re-checked with
    three plain SMT queries before anything is called proved."""
    system = goal.system
    ctx = system.ctx
    f0, f1 = system.frame("p0"), system.frame("p1")
    inp = system.input("pi")
    step = system.step(f0, inp, f1)
    args0, args1 = _args(f0), _args(f1)
    # a name fixed by the goal (``hash`` of a string changes from process to process, and
    # the name steers Spacer: the invariant found would too)
    inv = z3.Function(f"Inv_{zlib.crc32(goal.key.encode())}", *[a.sort() for a in args0],
                      z3.BoolSort(ctx))
    L0 = z3.And([lemma(f0) for lemma in lemmas]) if lemmas else z3.BoolVal(True, ctx)
    bad = negation_at(goal, f0, step)
    allv = args0 + args1 + _input_args(inp)
    s = own_solver(system, [
        z3.ForAll(args0, z3.Implies(system.init(f0), inv(*args0))),
        z3.ForAll(allv, z3.Implies(z3.And(inv(*args0), L0, step.trans), inv(*args1))),
        z3.ForAll(allv, z3.Implies(z3.And(inv(*args0), L0, step.trans if goal.kind == "step"
                                          else z3.BoolVal(True, ctx), bad),
                                   z3.BoolVal(False, ctx)))], horn=True)
    r = check(s, deadline=deadline)
    if r == z3.unsat:
        return Verdict(VIOLATED, "pdr", "PDR found a counterexample (deeper than the BMC bound)")
    if r != z3.sat:
        return Verdict(UNKNOWN, "pdr", f"PDR {deadline.why()}")
    candidate = _interpretation(s.model(), inv.name(), args0)
    ok, why = recheck(goal, lemmas, lambda f: z3.substitute(candidate, *zip(args0, _args(f), strict=True)),
                      deadline)
    if not ok:
        return Verdict(UNKNOWN, "pdr", f"the PDR invariant did not re-check ({why})")
    return Verdict(PROVED, "pdr", "PDR invariant re-checked by 3 SMT queries",
                   invariant=_show(candidate, args0, system))


def recheck(goal: Goal, lemmas: list[StatePred], inv: StatePred, deadline: Deadline
            ) -> tuple[bool, str]:
    """init => inv;  inv & L & step => inv';  inv & L (& step) => property."""
    system = goal.system
    queries = []
    f0, f1 = system.frame("c0"), system.frame("c1")
    step = system.step(f0, system.input("ci"), f1)
    L = [lemma(f0) for lemma in lemmas]
    queries.append(("init => inv", [system.init(f0), z3.Not(inv(f0))]))
    queries.append(("inv is inductive", L + [inv(f0), step.trans, z3.Not(inv(f1))]))
    queries.append(("inv => property", L + [inv(f0)] + ([step.trans] if goal.kind == "step" else [])
                    + [negation_at(goal, f0, step)]))
    for name, parts in queries:
        s = own_solver(system, parts)  # the verdict must not depend on the other checks
        r = check(s, deadline=deadline)
        if r == z3.unknown:
            return False, f"{name}: the query {deadline.why()}"
        if r != z3.unsat:
            return False, f"{name}: {r}"
    return True, ""


def _interpretation(model: z3.ModelRef, name: str, args: list) -> z3.BoolRef:
    """Inv(args) under the Horn model of relation ``name``. The model lives in
    ``own_solver``'s context, ``args`` and the result in the system's: the result is read
    over constants of the same names there, then copied back (the same constants).
    (``model.eval(..., model_completion=True)`` was seen to answer ``True`` for an
    interpreted relation, so read the interpretation.)"""
    ctx = args[0].ctx
    inv = next((d for d in model.decls() if d.name() == name), None)
    fi = model[inv] if inv is not None else None
    if fi is None:
        return z3.BoolVal(True, ctx)
    own = model.ctx
    mine = [z3.Const(str(a), a.sort().translate(own)) for a in args]
    if isinstance(fi, z3.FuncInterp):
        term = z3.substitute_vars(fi.else_value(), *mine)
        for i in range(fi.num_entries()):
            entry = fi.entry(i)
            cond = z3.And([a == entry.arg_value(j) for j, a in enumerate(mine)])
            term = z3.If(cond, entry.value(), term)
    else:
        term = model.eval(inv(*mine))
    return term.translate(ctx)


def negation_at(goal: Goal, f0: Frame, step: Step) -> z3.BoolRef:
    return z3.Not(goal.at(f0) if goal.kind == "state" else goal.at(step))


def _args(f: Frame) -> list[z3.ExprRef]:
    return [f.state] + list(f.vars.values()) + list(f.ext.values())


def _input_args(inp: Input) -> list[z3.ExprRef]:
    return [inp.event] + [p for ps in inp.params.values() for p in ps.values()]


def _show(term: z3.ExprRef, args: list[z3.ExprRef], system: System) -> str:
    """The invariant over variable names, states and enum members by name
    (``state == Running``, ``set_kind != steel``), monitor variables as ``$name``."""
    m = system.module
    names = ["state"] + [v.name for v in m.variables] + \
        [f"${n}" for mon in system.monitors for n in mon.names]
    plain = [z3.Const(n, a.sort()) for n, a in zip(names, args, strict=True)]
    members = {"state": [st.name for st in sorted(m.states, key=lambda st: st.index)]}
    members |= {v.name: list(v.type.members) for v in m.variables
                if isinstance(v.type, ir.EnumType)}
    return _Pretty(members).show(z3.simplify(z3.substitute(term, *zip(args, plain, strict=True))))


class _Pretty:
    """Z3 term -> text like Z3's own, with enum-valued constants compared to member
    names. Anything it does not know is printed by Z3."""

    COMPARE = {z3.Z3_OP_EQ: "==", z3.Z3_OP_DISTINCT: "!=", z3.Z3_OP_LE: "<=",
               z3.Z3_OP_GE: ">=", z3.Z3_OP_LT: "<", z3.Z3_OP_GT: ">"}
    FLIP = {"==": "==", "!=": "!=", "<=": ">=", ">=": "<=", "<": ">", ">": "<"}
    ARITH = {z3.Z3_OP_ADD: " + ", z3.Z3_OP_SUB: " - ", z3.Z3_OP_MUL: "*"}
    LOGIC = {z3.Z3_OP_AND: "And", z3.Z3_OP_OR: "Or", z3.Z3_OP_NOT: "Not",
             z3.Z3_OP_IMPLIES: "Implies", z3.Z3_OP_ITE: "If"}

    def __init__(self, members: dict[str, list[str]]):
        self.members = members

    def member(self, const: z3.ExprRef, number: z3.ExprRef) -> str | None:
        if not (z3.is_const(const) and z3.is_int_value(number)):
            return None
        names = self.members.get(str(const))
        value = number.as_long()
        return names[value] if names and 0 <= value < len(names) else None

    def show(self, t: z3.ExprRef) -> str:
        if not z3.is_app(t) or z3.is_const(t):
            return str(t)
        kind, kids = t.decl().kind(), t.children()
        if kind in self.COMPARE and len(kids) == 2:
            op = self.COMPARE[kind]
            a, b = kids
            name = self.member(a, b)
            if name is not None:
                return f"{a} {op} {name}"
            name = self.member(b, a)
            if name is not None:
                return f"{b} {self.FLIP[op]} {name}"
            return f"{self.atom(a)} {op} {self.atom(b)}"
        if kind in self.LOGIC:
            return f"{self.LOGIC[kind]}({', '.join(self.show(k) for k in kids)})"
        if kind in self.ARITH:
            return self.ARITH[kind].join(self.atom(k) for k in kids)
        return str(t)

    def atom(self, t: z3.ExprRef) -> str:
        text = self.show(t)
        if z3.is_app(t) and t.decl().kind() in self.ARITH:
            return f"({text})"
        return text
