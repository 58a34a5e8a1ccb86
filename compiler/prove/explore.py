"""Witness and counterexample search by explicit exploration of concrete configurations.

Reachability and vacuity witnesses (and many counterexamples) only need *some* real
trace, and most are found far faster by running the spec than by deep BMC queries.

The search runs the spec compiled by the Python backend, in memory (the generated
controller, ~100x faster than the IR evaluator), over configurations held as tuples
(the control state index, then every variable in declaration order). Every target is a
``Probe`` (see ``goals``), compiled to a Python predicate with the backend's expression
printer. Breadth-first over abstract configurations (the control state, every bool and
enum, and each integer as 0, 1 or "2 or more"; window and accumulator bookkeeping left
out), trying every event with a few parameter values per parameter (each end of the wire
domain, one step above the low end, a quarter and half of the domain, each side of every
guard constant, and each side of the range bounds of the variables the parameter is
assigned to), larger values first.

**Tick macro-steps.** A timer of 72 h is 259,200 ticks: no breadth-first search gets
there. When a tick from an expanded configuration changes nothing the abstraction sees,
the configuration becomes a macro-step candidate (one per abstract tick situation: what
ticks read, and what the next tick changes): "tick repeatedly until the next tick changes
the control state, an alarm or alert (any variable the abstraction sees), or fires a tick
transition", up to ``macro_ticks`` ticks, run on the generated controller; the
configuration it stops in is explored like any other (its next tick is the change). Ticks
run in batches of 64: after every tick only the state and the booleans/enums ticks assign
are compared, the whole abstraction once per batch, and a batch with a change is run again
tick by tick to find the exact tick. A macro-step whose situation cannot change (only
window phases move over empty windows, or only bookkeeping for a whole period) is
abandoned.

Candidates are ranked by a guess: each integer extrapolated at the rate it moves over the
first 64 ticks, the ticks after which an open target would hold (tried at doubling
distances); then a control state that is the source of an open tick target; then the
shallowest. The best-ranked candidate runs (a better newcomer pre-empts it, at most 4
started at once); it gets three times the time of breadth-first expansion if it has an
estimate, the same time otherwise. A candidate in a source state also gets siblings: its path with an
enum parameter that flows into what ticks read chosen differently (``load_set(steel)``:
the shorter wear limit), so the cheapest timer is tried first. The search stops the
moment every target is hit, or at its deadline.

**Validation.** Every witness is replayed on the IR evaluator (the oracle) before it is
returned: each ordinary step is recomputed by the evaluator and must give the same
configuration, and the target is re-checked with the evaluator's semantics. The ticks of
a macro-step are run once, on the generated controller only (the evaluator runs ~2,500
ticks/s; the controller is differentially tested against it); the evaluator takes over
from the configuration the macro-step ends in. A disagreement is an internal error.
"""
from __future__ import annotations

import itertools
import operator
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from ..eval.evaluator import Config, Env, Evaluator, Outcome, in_domain
from ..ir import nodes as ir
from ..ir.visitor import subexpressions
from .engines import Cex


@dataclass(frozen=True)
class Probe:
    """A concrete target: a configuration (``kind="state"``, checked on the post-state) or
    a step (``kind="step"``) that a witness or counterexample must exhibit.

    ``events``/``states``/``transition`` filter the step (event name, pre-state name,
    fired transition index); ``state`` is "the configuration is in this control state".
    ``expr`` is read in the step's scope (pre, post, params, lets, accepted) or on the
    configuration; ``mode`` says what of it is wanted: "true", "false", or "outside" (its
    value leaves ``type``'s domain). ``var`` (with mode "outside"): the variable's value
    leaves ``type``'s domain."""

    kind: str
    expr: ir.Expr | None = None
    mode: str = "true"
    type: ir.Type | None = None
    var: str | None = None
    events: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    transition: int | None = None
    state: str | None = None

    # -- the evaluator's reading (the oracle: every witness is re-checked with it)

    def on_eval(self, ev: Evaluator, pre: Config, event: str | None, params, post: Config,
                outcome: Outcome | None) -> bool:
        try:
            if self.kind == "state":
                return self._judge_eval(ev, post, Env(post))
            if self.events and event not in self.events:
                return False
            if self.states and pre.state not in self.states:
                return False
            if self.transition is not None and outcome.transition != self.transition:
                return False
            env = Env(pre, post, params, dict(outcome.lets), outcome.accepted)
            return self._judge_eval(ev, post, env)
        except (KeyError, TypeError):
            return False

    def _judge_eval(self, ev: Evaluator, config: Config, env: Env) -> bool:
        if self.state is not None and config.state != self.state:
            return False
        if self.var is not None:
            return not in_domain(config[self.var], self.type)
        if self.expr is None:
            return True
        value = ev.eval(self.expr, env)
        if self.mode == "outside":
            return not in_domain(value, self.type)
        return bool(value) == (self.mode == "true")


# ---------------------------------------------------------------- the compiled spec


def _domain_test(text: str, t: ir.Type) -> str:
    """Python source: ``text`` (an int-valued expression) is outside ``t``'s domain."""
    if isinstance(t, ir.BoolType):
        return "False"
    lo, hi = (0, len(t.members) - 1) if isinstance(t, ir.EnumType) else (t.lo, t.hi)
    return f"not ({lo} <= ({text}) <= {hi})"


class Compiled:
    """The spec as fast Python: the generated controller (``backends.python.load``) driven
    over configuration tuples, and probes compiled with the backend's expression printer."""

    def __init__(self, module: ir.Module):
        from ..backends.python import load

        self.m = module
        gen = load(module)
        self.cls = getattr(gen, module.name)
        self.Rejected = gen.Rejected
        slots = list(self.cls.__slots__)
        if len(slots) != 1 + len(module.variables) or slots[0] != "_state":
            raise RuntimeError("internal error: the generated controller's slots do not "
                               "match the module's variables")
        self.slots = slots
        self.index = {v.name: i + 1 for i, v in enumerate(module.variables)}
        self.get = operator.attrgetter(*slots)
        env: dict = {}
        exec("def put(c, t):\n    " + ", ".join("c." + s for s in slots) + " = t\n", env)
        self.put = env["put"]
        self.handlers = self.cls._handlers
        self.scratch = object.__new__(self.cls)
        self._holds: tuple | None = None  # the configuration the scratch controller holds
        self.state_names = [s.name for s in sorted(module.states, key=lambda s: s.index)]
        self.state_index = {n: i for i, n in enumerate(self.state_names)}
        self.lets = [let.name for let in module.tick_lets]
        self.tick = next(e.name for e in module.events if e.kind == "tick")
        self.tick_lets = self.cls.tick_lets

    # -- configurations

    def initial(self) -> tuple:
        m = self.m
        return (self.state_index[m.initial],) + tuple(v.init for v in m.variables)

    def to_config(self, t: tuple) -> Config:
        return Config(self.state_names[t[0]],
                      tuple((v.name, t[i + 1]) for i, v in enumerate(self.m.variables)))

    def from_config(self, c: Config) -> tuple:
        return (self.state_index[c.state],) + tuple(x for _, x in c.values)

    def as_cfg(self, t: tuple):
        c = self.to_config(t)
        return (c.state, c.as_dict(), {})

    # -- steps

    def step(self, t: tuple, event: str, args: tuple):
        """(post, accepted, fired transition, lets or None)."""
        c = self.scratch
        if self._holds is not t:  # a rejected event leaves the scratch controller as it was
            self.put(c, t)
        if event == self.tick:
            self._holds = None
            lets = self.tick_lets(c)
            r = c.tick()
            return self.get(c), True, r.transition, lets
        try:
            r = self.handlers[event](c, *args)
        except self.Rejected:
            self._holds = t
            return t, False, None, None
        if r.status != "accepted":
            self._holds = t
            return t, False, r.transition, None
        self._holds = None
        return self.get(c), True, r.transition, None

    def ticks(self, t: tuple, n: int) -> tuple:
        c = self.scratch
        self.put(c, t)
        tick = c.tick
        for _ in range(n):
            tick()
        self._holds = None
        return self.get(c)

    # -- probes

    def compile(self, probe: Probe) -> Callable:
        """``f(pre, event, params, post, accepted, transition, lets) -> bool``."""
        from ..backends.python.printer import PythonPrinter, Scope

        idx = self.index
        lets = {name: i for i, name in enumerate(self.lets)}
        scope = Scope(var=lambda name, post: f"{'post' if post else 'pre'}[{idx[name]}]",
                      state=lambda post: "post[0]" if post else "pre[0]",
                      param=lambda name: f"params[{name!r}]",
                      let=lambda name: f"lets[{lets[name]}]",
                      accepted=lambda: "accepted")
        state_scope = Scope(var=lambda name, post: f"post[{idx[name]}]",
                            state=lambda post: "post[0]")
        printer = PythonPrinter(scope if probe.kind == "step" else state_scope,
                                lambda t, i: str(i))
        conds = []
        if probe.kind == "step":
            if probe.states:
                conds.append(f"pre[0] in {tuple(self.state_index[s] for s in probe.states)!r}")
            if probe.transition is not None:
                conds.append(f"transition == {probe.transition}")
        if probe.state is not None:
            conds.append(f"post[0] == {self.state_index[probe.state]}")
        if probe.var is not None:
            conds.append(_domain_test(f"post[{idx[probe.var]}]", probe.type))
        elif probe.expr is not None:
            text = printer.print(probe.expr)
            if probe.mode == "outside":
                conds.append(_domain_test(text, probe.type))
            elif probe.mode == "true":
                conds.append(f"({text})")
            else:
                conds.append(f"not ({text})")
        body = " and ".join(conds) or "True"
        src = ("def probe(pre, event, params, post, accepted, transition, lets):\n"
               "    try:\n"
               f"        return bool({body})\n"
               "    except (KeyError, TypeError, IndexError):\n"
               "        return False\n")
        env: dict = {}
        exec(src, env)
        return env["probe"]

    # -- abstraction

    def abstraction(self, variables: list[ir.Variable]) -> Callable[[tuple], tuple]:
        parts = ["t[0]"]
        for v in variables:
            i = self.index[v.name]
            parts.append(f"(t[{i}] if t[{i}] < 2 else 2)" if isinstance(v.type, ir.IntType)
                         else f"t[{i}]")
        env: dict = {}
        exec(f"def abstract(t):\n    return ({', '.join(parts)},)\n", env)
        return env["abstract"]

    def observer(self, variables: list[ir.Variable], exact: bool = False) -> Callable:
        """The abstraction read straight from a controller (no tuple in between); with
        ``exact`` the values themselves."""
        parts = ["c._state"]
        for v in variables:
            a = self.slots[self.index[v.name]]
            parts.append(f"(c.{a} if c.{a} < 2 else 2)"
                         if isinstance(v.type, ir.IntType) and not exact else f"c.{a}")
        env: dict = {}
        exec(f"def observe(c):\n    return ({', '.join(parts)},)\n", env)
        return env["observe"]


def _visible(module: ir.Module) -> list[ir.Variable]:
    return [v for v in module.variables if v.role not in ("window", "accumulator")]


def _tick_cone(module: ir.Module) -> list[ir.Variable]:
    """Visible variables a tick reads (lets, tick updates, tick transitions): the rest
    cannot influence what ticks do."""
    tick = next(e.name for e in module.events if e.kind == "tick")
    exprs = [let.value for let in module.tick_lets] + [u.value for u in module.tick_updates]
    for t in module.transitions:
        if t.event == tick:
            exprs += [g.cond for g in t.guards] + [u.value for u in t.updates]
    names = {x.name for e in exprs for x in subexpressions(e) if isinstance(x, ir.Var)}
    return [v for v in _visible(module) if v.name in names]


def _tick_assigned(module: ir.Module) -> set[str]:
    """Variables a tick assigns (tick updates and tick transitions)."""
    tick = next(e.name for e in module.events if e.kind == "tick")
    names = {u.var for u in module.tick_updates}
    for t in module.transitions:
        if t.event == tick:
            names |= {u.var for u in t.updates}
    return names


def _period(module: ir.Module) -> int:
    """Ticks after which window and accumulator bookkeeping has gone through a full cycle
    (the longest bucket or accumulator period)."""
    longest = 1
    for v in module.variables:
        if v.role in ("window", "accumulator") and isinstance(v.type, ir.IntType):
            if v.name.endswith("_phase") or v.role == "accumulator":
                longest = max(longest, v.type.hi - v.type.lo + 1)
    return longest


# ---------------------------------------------------------------- inputs


def _candidates(t: ir.Type, bounds: set[int] = frozenset()) -> list[ir.Value]:
    if isinstance(t, ir.BoolType):
        return [True, False]
    if isinstance(t, ir.EnumType):
        return list(range(len(t.members)))
    lo, hi = t.lo, t.hi
    vals = [lo, lo + 1, lo + (hi - lo) // 4, lo + (hi - lo) // 2, hi]
    vals += [b + d for b in bounds for d in (-1, 0, 1)]
    return sorted({v for v in vals if lo <= v <= hi}, reverse=True)  # larger values first


def _interesting(module: ir.Module) -> dict[tuple[str, str], set[int]]:
    """(event, param) -> integer constants worth trying each side of: literals the guards
    compare the parameter with, and the range bounds of every variable an update assigns
    from an expression that reads the parameter (values just beyond a bound are what a
    range violation needs)."""
    out: dict[tuple[str, str], set[int]] = {}
    for t in module.transitions:
        for g in t.guards:
            for e in subexpressions(g.cond):
                if isinstance(e, ir.Binary) and e.op in ir.COMPARE_OPS:
                    for a, b in ((e.left, e.right), (e.right, e.left)):
                        if isinstance(a, ir.Param) and isinstance(b, ir.Lit) and \
                                isinstance(b.value, int) and not isinstance(b.value, bool):
                            out.setdefault((t.event, a.name), set()).add(b.value)
        for u in t.updates:
            vt = module.variable(u.var).type
            if not isinstance(vt, ir.IntType):
                continue
            for e in subexpressions(u.value):
                if isinstance(e, ir.Param):
                    out.setdefault((t.event, e.name), set()).update((vt.lo, vt.hi))
    return out


def _inputs(module: ir.Module) -> list[tuple[str, dict, tuple]]:
    consts = _interesting(module)
    inputs = []
    for e in module.events:
        names = [p.name for p in e.params]
        for combo in itertools.product(*[_candidates(p.type, consts.get((e.name, p.name), set()))
                                         for p in e.params]):
            inputs.append((e.name, dict(zip(names, combo, strict=True)), tuple(combo)))
    return inputs


# ---------------------------------------------------------------- the search


@dataclass
class Stats:
    """What a search did: the configurations it kept, its macro-steps, why it stopped."""

    configs: int = 0
    macro_steps: int = 0  # macro-steps completed
    macro_ticks: int = 0  # ticks run in macro-steps, in total (finished or not)
    deepest: int = 0  # the most ticks one macro-step ran (finished or not)
    macro_limit: int = 0
    seconds: float = 0.0
    stopped: str = ""  # "resolved" (every target hit), "deadline", or "exhausted"

    def text(self) -> str:
        return f"{self.configs:,} configurations, deepest macro-step {self.deepest:,} ticks"


class Explorer:
    def __init__(self, module: ir.Module, compiled: Compiled | None = None):
        self.m = module
        self.x = compiled or Compiled(module)
        self.inputs = _inputs(module)
        visible = _visible(module)
        self.abstract = self.x.abstraction(visible)
        self.observe = self.x.observer(visible)
        self.visible_idx = [self.x.index[v.name] for v in visible]
        # positions (in an abstraction) of the control state, bools and enums
        self.discrete = operator.itemgetter(0, *[j + 1 for j, v in enumerate(visible)
                                                 if not isinstance(v.type, ir.IntType)])
        # what a tick can flip for a single tick: the state and the bools and enums ticks
        # assign (alerts, alarms, ...), read after every tick of a macro-step
        self.flips = self.x.observer([v for v in visible if not isinstance(v.type, ir.IntType)
                                      and v.name in _tick_assigned(module)], exact=True)
        self.cone = self.x.abstraction(_tick_cone(module))
        self.period = _period(module)
        self.tick_input = next(k for k, (e, _, _) in enumerate(self.inputs) if e == self.x.tick)
        # integers a linear extrapolation may move (not phases or accumulators: they cycle)
        self.moving = [(self.x.index[v.name], v.type.lo, v.type.hi) for v in module.variables
                       if isinstance(v.type, ir.IntType) and v.role != "accumulator"
                       and not (v.role == "window" and v.name.endswith("_phase"))]
        # input index -> inputs of the same event that differ only in enum parameters
        # that flow into a variable ticks read (``load_set(kind)``: the wear limit)
        cone = {v.name for v in _tick_cone(module)}
        flows = {(t.event, e.name) for t in module.transitions for u in t.updates
                 if u.var in cone for e in subexpressions(u.value) if isinstance(e, ir.Param)}
        enums = {e.name: [isinstance(q.type, ir.EnumType) and (e.name, q.name) in flows
                          for q in e.params] for e in module.events}
        self.alternatives: dict[int, list[int]] = {}
        for k, (event, _, args) in enumerate(self.inputs):
            mask = enums[event]
            if any(mask):
                fixed = [a for a, is_enum in zip(args, mask, strict=True) if not is_enum]
                self.alternatives[k] = [
                    k2 for k2, (e2, _, a2) in enumerate(self.inputs)
                    if e2 == event and a2 != args and fixed == [
                        a for a, is_enum in zip(a2, mask, strict=True) if not is_enum]]
        self.exact_cone = self.x.observer(_tick_cone(module), exact=True)
        # everything but the window phase counters; the window buckets
        phases = {self.x.index[v.name] for v in module.variables
                  if v.role == "window" and v.name.endswith("_phase")}
        rest = [i for i in range(len(self.x.slots)) if i not in phases]
        self.still = operator.itemgetter(*rest) if phases else None
        buckets = [self.x.index[v.name] for v in module.variables
                   if v.role == "window" and not v.name.endswith("_phase")]
        self.buckets = lambda t: [t[i] for i in buckets]
        self.stats = Stats()

    def variants(self, nodes: list, depth: list, i: int, seen: set,
                 replay_ticks: int = 10_000) -> list[int]:
        """Siblings of node ``i`` (a macro-step candidate): its path with one enum
        parameter chosen differently (``load_set(steel)`` rather than ``teflon``), every
        step still accepted, when that changes what ticks read. Appended to ``nodes``;
        returns the new end nodes. Breadth-first search finds these only a whole layer
        later; a timer that depends on the choice (a wear limit per set kind) makes them
        the better macro-step."""
        path = []
        j = i
        while nodes[j][1] >= 0:
            if nodes[j][3] > replay_ticks:
                return []  # a long macro-step on the way: not replayed
            path.append(j)
            j = nodes[j][1]
        path.reverse()
        x = self.x
        c = object.__new__(x.cls)
        out = []
        for pos, n in enumerate(path):
            for k2 in self.alternatives.get(nodes[n][2], ()):
                cfg = nodes[nodes[n][1]][0]
                chain = []
                for q, m in enumerate(path[pos:]):
                    k, repeat = (k2, 1) if q == 0 else nodes[m][2:4]
                    if repeat > 1:  # the same number of ticks (no longer a macro-step's
                        post = x.ticks(cfg, repeat)  # stop; still a real trace)
                    else:
                        post, accepted, _, _ = x.step(cfg, self.inputs[k][0],
                                                      self.inputs[k][2])
                        if not accepted:
                            break
                    chain.append((post, k, repeat))
                    cfg = post
                else:
                    x.put(c, cfg)
                    key = self.exact_cone(c)
                    if key in seen:
                        continue
                    seen.add(key)
                    parent = nodes[n][1]
                    for post, k, repeat in chain:
                        nodes.append((post, parent, k, repeat))
                        depth.append(depth[parent] + 1)
                        parent = len(nodes) - 1
                    out.append(parent)
        return out

    def macro(self, t: tuple, limit: int, batch: int = 64, chunk: int = 4096,
              warmup: int = 2):
        """Tick from ``t`` until the next tick would change what the abstraction sees or
        fire a tick transition. A generator (the scheduler interleaves several): yields
        every ``chunk`` ticks; returns (the configuration before that tick, the ticks
        taken), or None (a change on the first tick: that is the ordinary tick step from
        ``t``; none within ``limit`` ticks; or nothing but bookkeeping moved for a whole
        bookkeeping period).

        A change on the second tick (or any later one, however few) is a macro-step too,
        of one tick: the configuration after ``t``'s tick can differ from ``t`` only in
        what the abstraction leaves out (an accumulator's remainder: a prime source at
        half a step per tick moves ``prime_left`` on every other tick), so breadth-first
        search drops it as seen and never ticks from it.

        Ticks run in batches of ``batch``: after every tick only the state and the
        booleans/enums ticks assign are compared (what can flip for a single tick), the
        whole abstraction once per batch; a batch with a change is run again from its
        start, tick by tick, to find the exact tick."""
        x = self.x
        c = object.__new__(x.cls)
        x.put(c, t)
        tick, observe, flips, get = c.tick, self.observe, self.flips, x.get
        discrete, stats = self.discrete, self.stats
        seen = observe(c)
        n = 0
        while n < warmup:  # integers settling into "2 or more"
            before = get(c)
            r = tick()
            n += 1
            stats.macro_ticks += 1
            o = observe(c)
            if r[-1] is not None or (o != seen and discrete(o) != discrete(seen)):
                return (before, n - 1) if n > 1 else None
            seen = o
        flipped = flips(c)
        still = self.still
        visible = operator.itemgetter(*self.visible_idx)
        period = self.period + 1
        mark_n, mark_vis = n, visible(get(c))
        next_yield = n + chunk
        while n < limit:
            here = get(c)
            todo = min(batch, limit - n)
            k = 0
            changed = False
            while k < todo:
                r = tick()
                k += 1
                if r[-1] is not None or flips(c) != flipped:
                    changed = True
                    break
            stats.macro_ticks += k
            if changed or observe(c) != seen:
                x.put(c, here)  # the change is in this batch: find its tick
                for j in range(k):
                    before = get(c)
                    r = tick()
                    if r[-1] is not None or observe(c) != seen:
                        return before, n + j
                raise ReplayMismatch("internal error: the generated controller is not "
                                     "deterministic (this is a bug in pumpspec)")
            n += k
            if n > stats.deepest:
                stats.deepest = n
            if still is not None and still(here) == still(get(c)) and not any(
                    self.buckets(here)):
                return None  # only phases move, over empty windows: nothing ever will
            if n - mark_n >= period:
                vis = visible(get(c))
                if vis == mark_vis:  # a full bookkeeping period with nothing moving
                    return None
                mark_n, mark_vis = n, vis
            if n >= next_yield:
                next_yield = n + chunk
                yield
        return None

    def estimate(self, t: tuple, targets: dict[str, tuple[Probe, Callable]], limit: int,
                 sample: int = 64, look: int = 4) -> dict[str, int]:
        """A guess, to order macro-steps: the ticks after which each target would hold if
        every integer kept moving at the rate it has over the next ``sample`` ticks
        (phases and accumulators held), tried at ``sample * 2^k`` ticks and at ``limit``, over ``look``
        ticks from there (a rate remainder makes steps on some ticks only). Only a
        ranking: nothing found this way is reported.

        The ``sample`` ticks themselves run one by one with the targets read: a target
        they reach is estimated at its tick (a reservoir a few steps from empty runs out
        within the sample, and the state it ends in extrapolates to nothing)."""
        x = self.x
        if not targets:
            return {}
        out: dict[str, int] = {}
        end = t
        for n in range(sample):
            post, accepted, fired, lets = x.step(end, x.tick, ())
            for key, (p, f) in targets.items():
                if key not in out and (
                        f(None, None, None, end, True, None, None) if p.kind == "state" else
                        f(end, x.tick, {}, post, accepted, fired, lets)):
                    out[key] = n
            end = post
        deltas = [(i, lo, hi, t[i], end[i] - t[i]) for i, lo, hi in self.moving
                  if end[i] != t[i]]
        if not deltas or len(out) == len(targets):
            return out
        n = sample
        base = list(end)
        while n <= limit and len(out) < len(targets):
            cfg = base[:]
            for i, lo, hi, v0, d in deltas:
                cfg[i] = min(hi, max(lo, v0 + d * n // sample))
            cfg = tuple(cfg)
            for _ in range(look):
                post, accepted, fired, lets = x.step(cfg, x.tick, ())
                for key, (p, f) in targets.items():
                    if key in out:
                        continue
                    hit = (f(None, None, None, cfg, True, None, None) if p.kind == "state" else
                           f(cfg, x.tick, {}, post, accepted, fired, lets))
                    if hit:
                        out[key] = n
                cfg = post
            if n == limit:
                break
            n = min(2 * n, limit)
        return out

    def _sources(self, probes: dict[str, Probe], open_keys) -> set[int]:
        """Control states that are sources of an open target taken by a tick (a tick
        transition, a tick assertion with `from`)."""
        out: set[int] = set()
        for key in open_keys:
            p = probes[key]
            if p.kind != "step" or (p.events and self.x.tick not in p.events):
                continue
            if p.states:
                out |= {self.x.state_index[s] for s in p.states}
            elif p.transition is not None:
                out |= {self.x.state_index[s] for s in self.m.transitions[p.transition].sources}
        return out

    def run(self, probes: dict[str, Probe], seconds: float, max_nodes: int = 20000,
            max_plain: int = 4000, max_below: int = 100, macro_ticks: int = 300_000,
            max_running: int = 4, validate: bool = True) -> dict[str, Cex]:
        x = self.x
        started = time.monotonic()
        end = started + seconds
        self.stats = stats = Stats(macro_limit=macro_ticks)
        compiled = {k: (p, x.compile(p)) for k, p in probes.items()}
        open_state = {k: f for k, (p, f) in compiled.items() if p.kind == "state"}
        open_step: dict[str, dict[str, Callable]] = {}  # event -> key -> probe
        for k, (p, f) in compiled.items():
            if p.kind == "step":
                for e in (p.events or [e.name for e in self.m.events]):
                    open_step.setdefault(e, {})[k] = f
        # targets a macro-step can lead to: configurations, and steps taken by a tick
        timed = {k: (p, f) for k, (p, f) in compiled.items()
                 if p.kind == "state" or not p.events or x.tick in p.events}
        open_keys = set(probes)
        hits: dict[str, int] = {}  # key -> node index (state: the node; step: its last step)

        dirty = [True]  # the order of the macro-step candidates may have changed

        def close(key):
            dirty[0] = True
            open_keys.discard(key)
            open_state.pop(key, None)
            timed.pop(key, None)
            for group in open_step.values():
                group.pop(key, None)

        init = x.initial()
        # a node: (config, parent, input index, repeat: ticks of a macro-step, 1 otherwise)
        nodes: list[tuple[tuple, int, int, int]] = [(init, -1, -1, 1)]
        depth = [0]
        for key, f in list(open_state.items()):
            if f(None, None, None, init, True, None, None):
                hits[key] = 0
                close(key)
        seen = {self.abstract(init)}
        queue = deque([0])  # the breadth-first frontier
        front: deque[int] = deque()  # configurations after a macro-step, and below them
        root: dict[int, int] = {}  # node below a macro-step -> the macro-step's node
        budget: dict[int, int] = {}  # macro-step node -> expansions left below it
        waiting: list[tuple[int, int]] = []  # macro-step candidates: (node, BFS depth)
        estimates: dict[int, dict[str, int]] = {}
        running: list = []  # started, unfinished macro-steps: [generator, (node, depth)]
        macro_seen: set = set()
        inputs, step, abstract, discrete = self.inputs, x.step, self.abstract, self.discrete
        tick_k = self.tick_input

        def expand(i: int, into: deque) -> None:
            config = nodes[i][0]
            a_pre = abstract(config)
            for k, (event, params, args) in enumerate(inputs):
                post, accepted, fired, lets = step(config, event, args)
                found = [key for key, f in open_step.get(event, {}).items()
                         if f(config, event, params, post, accepted, fired, lets)]
                if post is not config and open_state:
                    found += [key for key, f in open_state.items()
                              if f(None, None, None, post, True, None, None)]
                if post is config and not found:
                    continue
                a = abstract(post)
                if k == tick_k and fired is None and discrete(a) == discrete(a_pre):
                    changed = tuple(n for n in self.visible_idx if post[n] != config[n])
                    # one macro-step per abstract tick situation: what ticks read, and
                    # what the next tick changes
                    key = (self.cone(config), changed)
                    if key not in macro_seen:
                        macro_seen.add(key)
                        waiting.append((i, depth[i]))
                        dirty[0] = True
                fresh = a not in seen
                if not found and (not fresh or len(nodes) >= max_nodes):
                    continue
                nodes.append((post, i, k, 1))
                depth.append(depth[i] + 1)
                j = len(nodes) - 1
                for key in found:
                    hits[key] = j
                    close(key)
                if fresh:
                    seen.add(a)
                    into.append(j)
                    if i in root:
                        root[j] = root[i]

        siblings: list[tuple[int, int]] = []  # variants found while ranking
        variant_seen: set = set()

        def rank(item) -> tuple:
            """Macro-step order: the least estimated ticks to an open target, then a
            source state of an open tick target, then the shallowest."""
            i, d = item
            if i not in estimates:
                estimates[i] = self.estimate(nodes[i][0], timed, macro_ticks)
                if nodes[i][0][0] in sources and timed:
                    x.put(x.scratch, nodes[i][0])
                    x._holds = None
                    variant_seen.add(self.exact_cone(x.scratch))
                    for j in self.variants(nodes, depth, i, variant_seen):
                        estimates.setdefault(j, None)
                        siblings.append((j, depth[j]))
            if estimates[i] is None:
                estimates[i] = self.estimate(nodes[i][0], timed, macro_ticks)
            est = min((n for k, n in estimates[i].items() if k in open_keys), default=None)
            return (est is None, est or 0, nodes[i][0][0] not in sources, d)

        sources: set[int] = set()
        spent = [0.0, 0.0]  # seconds on expansions, on macro-steps: each gets half
        now = time.monotonic()
        while open_keys and now < end:
            best = None
            if waiting or running:
                if dirty[0]:
                    dirty[0] = False
                    sources = self._sources(probes, open_keys)
                    waiting.sort(key=rank)
                    if siblings:
                        waiting += siblings
                        siblings.clear()
                        waiting.sort(key=rank)
                best = min(running, key=lambda r: rank(r[1])) if running else None
                if waiting and (best is None or (len(running) < max_running
                                                 and rank(waiting[0]) < rank(best[1]))):
                    best = [None, waiting[0]]
            # below a finished macro-step first; then expansions and macro-steps share
            # the time: 3:1 for a macro-step estimated to reach an open target (the
            # expansions still find the short witnesses), else 1:1
            plain = queue and len(nodes) < max_plain
            share = 1 if best is None or rank(best[1])[0] else 3
            macro_turn = best is not None and not front and (
                spent[1] <= share * spent[0] or not plain)
            if front:
                i = front.popleft()
                r = root[i]
                if budget[r] > 0:
                    budget[r] -= 1
                    expand(i, front)
            elif macro_turn:
                if best[0] is None:  # start it (at most ``max_running`` unfinished)
                    i, _ = waiting.pop(0)
                    best[0] = self.macro(nodes[i][0], macro_ticks)
                    running.append(best)
                self._advance(best, running, nodes, depth, front, root, budget, max_below)
            elif plain:
                expand(queue.popleft(), queue)
            elif queue and len(nodes) < max_nodes:
                expand(queue.popleft(), queue)
            else:
                break
            t = time.monotonic()
            spent[bool(macro_turn)] += t - now
            now = t
        stats.configs = len(nodes)
        stats.stopped = ("resolved" if not open_keys else
                         "deadline" if time.monotonic() >= end else "exhausted")
        out = self._witnesses(nodes, hits, probes, validate)
        stats.seconds = time.monotonic() - started
        return out

    def _advance(self, task, running, nodes, depth, front, root, budget, max_below) -> None:
        """One chunk of a macro-step; a finished one becomes a node, explored below
        (``front``) within ``max_below`` expansions."""
        gen, (i, _) = task
        try:
            next(gen)
        except StopIteration as stop:
            running.remove(task)
            if stop.value is not None:
                post, n = stop.value
                nodes.append((post, i, self.tick_input, n))
                depth.append(depth[i] + 1)
                j = len(nodes) - 1
                front.append(j)
                root[j], budget[j] = j, max_below
                self.stats.macro_steps += 1
                self.stats.deepest = max(self.stats.deepest, n)

    def _witnesses(self, nodes, hits, probes, validate) -> dict[str, Cex]:
        x = self.x
        ev = Evaluator(self.m)
        memo: dict[int, tuple[Config, Outcome | None]] = {}

        def path(j: int) -> list[int]:
            out = []
            while j >= 0:
                out.append(j)
                j = nodes[j][1]
            return out[::-1]

        def evaluated(j: int) -> tuple[Config, Outcome | None]:
            """The evaluator's configuration at node j (and the outcome of its last step)."""
            if j in memo:
                return memo[j]
            t, parent, k, repeat = nodes[j]
            if parent < 0:
                got = (ev.initial(), None)
            else:
                pre = evaluated(parent)[0]
                event, params, _ = self.inputs[k]
                if repeat > 1:
                    # a macro-step: its ticks ran on the generated controller from the
                    # parent's configuration, which the evaluator has just confirmed
                    got = (x.to_config(t), None)
                else:
                    got = ev.step(pre, event, params)
                if x.from_config(got[0]) != t:
                    raise ReplayMismatch(
                        f"internal error: the evaluator and the generated controller disagree "
                        f"on step `{event}` {params} from {pre} (this is a bug in pumpspec)")
            memo[j] = got
            return got

        out: dict[str, Cex] = {}
        for key, j in hits.items():
            probe = probes[key]
            ids = path(j)
            if validate:
                for n in ids:
                    evaluated(n)
                post, outcome = memo[j]
                if probe.kind == "step":
                    pre = memo[nodes[j][1]][0]
                    event, params, _ = self.inputs[nodes[j][2]]
                else:
                    pre, event, params = post, None, None
                if not probe.on_eval(ev, pre, event, params, post, outcome):
                    print(f"pumpspec: internal error: exploration target {key} does not hold "
                          "on the evaluator's replay; witness dropped", file=sys.stderr)
                    continue
                configs = [(memo[n][0].state, memo[n][0].as_dict(), {}) for n in ids]
            else:
                configs = [x.as_cfg(nodes[n][0]) for n in ids]
            ins = [(self.inputs[nodes[n][2]][0], dict(self.inputs[nodes[n][2]][1]))
                   for n in ids[1:]]
            repeat = {pos: nodes[n][3] for pos, n in enumerate(ids[1:]) if nodes[n][3] > 1}
            bad = len(ins) - 1 if probe.kind == "step" else len(ins)
            out[key] = Cex(configs, ins, bad, probe.kind, repeat)
        return out


class ReplayMismatch(AssertionError):
    """The generated controller and the evaluator disagree: a bug in pumpspec."""


def explore(module: ir.Module, probes: dict[str, Probe], seconds: float,
            compiled: Compiled | None = None, **kw) -> dict[str, Cex]:
    if not probes:
        return {}
    return Explorer(module, compiled or compiled_for(module)).run(probes, seconds, **kw)


_COMPILED: list[tuple[ir.Module, Compiled]] = []


def compiled_for(module: ir.Module) -> Compiled:
    """The module compiled by the Python backend (~0.4 s for the reference spec), kept
    for the last two modules: the prover, its witness search and the report share it."""
    for m, c in _COMPILED:
        if m is module:
            return c
    c = Compiled(module)
    _COMPILED[:] = [(module, c)] + _COMPILED[:1]
    return c


def probes_of(checks) -> dict[str, Probe]:
    """The probe of each check that has one (see goals), by goal key."""
    return {c.goal.key: c.extra["probe"] for c in checks if "probe" in c.extra}
