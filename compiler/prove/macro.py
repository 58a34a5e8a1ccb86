"""Tick macro-steps of the witness search: running them, ranking them, and varying the
paths that lead to them.

A timer of 72 h is 259,200 ticks: no breadth-first search gets there. When a tick from an
expanded configuration changes nothing the abstraction sees, the configuration becomes a
macro-step candidate (one per abstract tick situation: what ticks read, and what the next
tick changes): "tick repeatedly until the next tick changes the control state, an alarm or
alert (any variable the abstraction sees), or fires a tick transition", up to
``macro_ticks`` ticks, run on the compiled spec; the configuration it stops in is explored
like any other (its next tick is the change). Ticks run in batches of 64: after every tick
only the state and the booleans/enums ticks assign are compared, the whole abstraction
once per batch, and a batch with a change is run again tick by tick to find the exact
tick. A macro-step whose situation cannot change (only window phases move over empty
windows, or only bookkeeping for a whole period) is abandoned.

Candidates are ranked by a guess (``estimate``): each integer extrapolated at the rate it
moves over the first 64 ticks, the ticks after which an open target would hold (tried at
doubling distances). A candidate in a source state also gets siblings (``variants``): its
path with an enum parameter that flows into what ticks read chosen differently
(``load_set(steel)``: the shorter wear limit), so the cheapest timer is tried first.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable

from ..ir import nodes as ir
from ..ir.visitor import subexpressions
from .compiled import Compiled, ReplayMismatch
from .probes import Probe


@dataclass
class Stats:
    """What a search did: the configurations it kept, its macro-steps, why it stopped."""

    configs: int = 0
    macro_steps: int = 0  # macro-steps completed
    macro_ticks: int = 0  # ticks run in macro-steps, in total (finished or not)
    ranking_ticks: int = 0  # ticks run to estimate macro-step candidates
    deepest: int = 0  # the most ticks one macro-step ran (finished or not)
    macro_limit: int = 0
    budget: int = 0  # the steps the search may take
    steps: int = 0  # the steps it took: events of expansions, ticks
    seconds: float = 0.0
    # "resolved" (every target hit), "budget" (its steps spent), or "exhausted" (nothing
    # left to expand: exhaustive only when none of the cuts below happened)
    stopped: str = ""
    # the cuts that leave reachable configurations unexplored
    max_nodes: int = 0
    dropped: int = 0  # steps to a new configuration not kept: ``max_nodes`` were kept
    max_below: int = 0
    unexpanded: int = 0  # configurations below a macro-step not expanded: ``max_below`` spent
    macro_cut: int = 0  # macro-steps stopped at ``macro_limit`` ticks
    sampled: tuple[str, ...] = ()  # event parameters tried at a few of their values only

    def ticks(self) -> int:
        return self.macro_ticks + self.ranking_ticks

    def text(self) -> str:
        return (f"{self.steps:,} steps, {self.configs:,} configurations, deepest macro-step "
                f"{self.deepest:,} ticks")

    def cuts(self) -> list[str]:
        """The bounds that left reachable configurations unexplored, in words (empty:
        the search expanded every configuration reachable from the initial one)."""
        out = []
        if self.dropped:
            out.append(f"it keeps at most {self.max_nodes:,} configurations "
                       f"({_count(self.dropped, 'step')} to a new one not followed)")
        if self.unexpanded:
            out.append(f"it expands at most {self.max_below:,} configurations below each "
                       f"macro-step ({_count(self.unexpanded, 'configuration')} not expanded)")
        if self.macro_cut:
            out.append(f"it stops a macro-step at {self.macro_limit:,} ticks "
                       f"({_count(self.macro_cut, 'macro-step')} stopped there)")
        if self.sampled:
            out.append(f"it tries a few values only of {', '.join(self.sampled)}")
        return out

    def not_reached(self) -> str:
        """Why a target this search ran for was not reached: the bound that stopped it,
        and whether the search was exhaustive."""
        cuts = self.cuts()
        if self.stopped == "budget":
            return (f"not reached: the exploration stopped at its work budget (--explore-steps "
                    f"{self.budget:,}; {self.text()}), not exhaustive")
        if not cuts:
            return (f"not reached by an exhaustive exploration: it expanded every "
                    f"configuration reachable from the initial one ({self.text()})")
        return (f"not reached: the exploration stopped with nothing left to expand "
                f"({self.text()}), not exhaustive: {'; '.join(cuts)}")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def visible_variables(module: ir.Module) -> list[ir.Variable]:
    """What the search's abstraction sees: every variable but window and accumulator
    bookkeeping and the elements of table variables (a programme of 24 rates would make
    3^24 coarse views, each a breadth-first sweep of its own; the guided search, which
    identifies configurations exactly, still tells them apart)."""
    elements = {e.name for a in module.arrays for e in a.elements}
    return [v for v in module.variables if v.role not in (ir.Role.WINDOW, ir.Role.ACCUMULATOR)
            and v.name not in elements and v.name not in _clocks(module)]


def influence(module: ir.Module, probes) -> set[str]:
    """The variables whose values can decide whether one of ``probes`` holds, on some
    path: the cone of influence. Those the probes read (tick lets expanded), every
    variable a guard reads (guards decide the control state and which updates run), and,
    closed under assignment, every variable an update to one of them reads. A variable
    outside it is written only for itself (a last reading kept for display, a counter
    nothing compares): two configurations equal inside the cone have the same futures as
    far as the probes can tell."""
    lets = {let.name: let.value for let in module.tick_lets}

    def reads(e: ir.Expr | None, seen_lets: set[str]) -> set[str]:
        out: set[str] = set()
        for x in subexpressions(e) if e is not None else ():
            if isinstance(x, ir.Var):
                out.add(x.name)
            elif isinstance(x, ir.LetRef) and x.name in lets and x.name not in seen_lets:
                seen_lets.add(x.name)
                out |= reads(lets[x.name], seen_lets)
        return out

    need: set[str] = set()
    for p in probes:
        need |= reads(p.expr, set())
        if p.var is not None:
            need.add(p.var)
    for t in module.transitions:
        for g in t.guards:
            need |= reads(g.cond, set())
    writers: dict[str, list[ir.Expr]] = {}
    for u in [u for t in module.transitions for u in t.updates] + list(module.tick_updates):
        writers.setdefault(u.var, []).append(u.value)
    todo = list(need)
    while todo:
        for e in writers.get(todo.pop(), ()):
            for name in reads(e, set()) - need:
                need.add(name)
                todo.append(name)
    return need


def _clocks(module: ir.Module) -> set[str]:
    """Variables every tick advances around a circle, ``x := (x + k) mod m``: a time of
    day. Its coarse view comes back to 0 every period, so it marks no progress, and seen
    it would end every macro-step at its wrap in a situation already made a candidate."""
    out = set()
    for u in module.tick_updates:
        match u.value:
            case ir.Binary(op=ir.BinaryOp.MOD, left=ir.Binary(op=ir.BinaryOp.ADD, left=ir.Var(name=name),
                                                              right=ir.Lit())) if name == u.var:
                out.add(name)
    return out


def tick_cone(module: ir.Module) -> list[ir.Variable]:
    """Visible variables a tick reads (lets, tick updates, tick transitions): the rest
    cannot influence what ticks do."""
    tick = next(e.name for e in module.events if e.kind == "tick")
    exprs = [let.value for let in module.tick_lets] + [u.value for u in module.tick_updates]
    for t in module.transitions:
        if t.event == tick:
            exprs += [g.cond for g in t.guards] + [u.value for u in t.updates]
    names = {x.name for e in exprs for x in subexpressions(e) if isinstance(x, ir.Var)}
    return [v for v in visible_variables(module) if v.name in names]


def tick_assigned(module: ir.Module) -> set[str]:
    """Variables a tick assigns (tick updates and tick transitions)."""
    tick = next(e.name for e in module.events if e.kind == "tick")
    names = {u.var for u in module.tick_updates}
    for t in module.transitions:
        if t.event == tick:
            names |= {u.var for u in t.updates}
    return names


def bookkeeping_period(module: ir.Module) -> int:
    """Ticks after which window and accumulator bookkeeping has gone through a full cycle
    (the longest bucket or accumulator period)."""
    cycling = ([w.phase for w in module.windows]
               + [s.accumulator for s in module.motor.sources if s.accumulator])
    return max([1] + [v.type.hi - v.type.lo + 1 for v in cycling])


class TickMacroSteps:
    """The macro-steps of one search over ``x``: ``run`` one, ``estimate`` the ticks to
    the open targets from a candidate, ``variants`` of a candidate's path."""

    def __init__(self, module: ir.Module, x: Compiled, inputs: list[tuple[str, dict, tuple]],
                 visible: list[ir.Variable], discrete: Callable[[tuple], tuple]):
        self.m = module
        self.x = x
        self.inputs = inputs
        self.discrete = discrete
        self.observe = x.observer(visible)
        self.visible_idx = [x.index[v.name] for v in visible]
        self.int_idx = [x.index[v.name] for v in visible if isinstance(v.type, ir.IntType)]
        # what a tick can flip for a single tick: the state and the bools and enums ticks
        # assign (alerts, alarms, ...), read after every tick of a macro-step
        self.flips = x.observer([v for v in visible if not isinstance(v.type, ir.IntType)
                                 and v.name in tick_assigned(module)], exact=True)
        self.period = bookkeeping_period(module)
        # a tick commanding more than this is the motor check's counterexample: a
        # macro-step stops before it (``TickSteps.total`` is a tick's first value), as
        # before a tick that fires a transition, so the search takes it as a step
        self.max_total = module.motor.max_steps_per_tick
        phase_names = {w.phase.name for w in module.windows}
        # integers a linear extrapolation may move (not phases or accumulators: they cycle)
        self.moving = [(x.index[v.name], v.type.lo, v.type.hi) for v in module.variables
                       if isinstance(v.type, ir.IntType) and v.role != ir.Role.ACCUMULATOR
                       and v.name not in phase_names]
        # input index -> inputs of the same event that differ only in enum parameters
        # that flow into a variable ticks read (``load_set(kind)``: the wear limit)
        cone = {v.name for v in tick_cone(module)}
        flows = {(t.event, e.name) for t in module.transitions for u in t.updates
                 if u.var in cone for e in subexpressions(u.value) if isinstance(e, ir.Param)}
        enums = {e.name: [isinstance(q.type, ir.EnumType) and (e.name, q.name) in flows
                          for q in e.params] for e in module.events}
        self.alternatives: dict[int, list[int]] = {}
        for k, (event, _, args) in enumerate(inputs):
            mask = enums[event]
            if any(mask):
                fixed = [a for a, is_enum in zip(args, mask, strict=True) if not is_enum]
                self.alternatives[k] = [
                    k2 for k2, (e2, _, a2) in enumerate(inputs)
                    if e2 == event and a2 != args and fixed == [
                        a for a, is_enum in zip(a2, mask, strict=True) if not is_enum]]
        self.exact_cone = x.observer(tick_cone(module), exact=True)
        # everything but the window phase counters; the window buckets
        phases = {x.index[name] for name in phase_names}
        rest = [i for i in range(len(x.slots)) if i not in phases]
        self.still = operator.itemgetter(*rest) if phases else None
        buckets = [x.index[v.name] for w in module.windows for v in w.bucket_vars]
        self.buckets = lambda t: [t[i] for i in buckets]

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

    def run(self, t: tuple, limit: int, stats: Stats, batch: int = 64, chunk: int = 4096,
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
        start, tick by tick, to find the exact tick. ``stats`` counts the ticks run and
        the deepest macro-step."""
        x = self.x
        c = object.__new__(x.cls)
        x.put(c, t)
        observe, get = self.observe, x.get
        changed_at, before, seen = self._warm_up(c, warmup, stats)
        if changed_at:
            return (before, changed_at - 1) if changed_at > 1 else None
        n = warmup
        flipped = self.flips(c)
        trend = _Trend(self.int_idx)
        visible = operator.itemgetter(*self.visible_idx) if self.visible_idx else (lambda t: ())
        # the visible variables at the start of the current bookkeeping period
        period = self.period + 1
        mark_n, mark_vis = n, visible(get(c))
        next_yield = n + chunk
        while n < limit:
            here = get(c)
            k, changed = self._batch(c, min(batch, limit - n), flipped)
            stats.macro_ticks += k
            visibly = changed or observe(c) != seen
            if visibly or trend.turned(here, get(c)):
                x.put(c, here)  # the change may be in this batch: find its tick
                found = self._changing_tick(c, k, seen)
                if found is not None:
                    before, j = found
                    return before, n + j
                if visibly:
                    raise ReplayMismatch("internal error: the generated controller is not "
                                         "deterministic (this is a bug in pumpspec)")
            n += k
            if n > stats.deepest:
                stats.deepest = n
            if self._only_phases_move(here, get(c)):
                return None  # over empty windows: nothing ever will change
            if n - mark_n >= period:
                vis = visible(get(c))
                if vis == mark_vis:  # a full bookkeeping period with nothing moving
                    return None
                mark_n, mark_vis = n, vis
            if n >= next_yield:
                next_yield = n + chunk
                yield
        stats.macro_cut += 1  # ``limit`` ticks, and the abstraction still sees no change
        return None

    def _warm_up(self, c, ticks: int, stats: Stats) -> tuple[int, tuple | None, tuple]:
        """Up to ``ticks`` ticks of ``c`` one by one, integers settling into "2 or more":
        (the tick, counted from 1, whose tick fired a transition, commanded more than
        ``max_total`` steps or changed a discrete visible value, 0 if none did; the
        configuration before that tick; the abstraction's view of ``c`` after the last
        tick without such a change)."""
        get, observe, discrete = self.x.get, self.observe, self.discrete
        seen = observe(c)
        for n in range(1, ticks + 1):
            before = get(c)
            r = c.tick()
            stats.macro_ticks += 1
            o = observe(c)
            if r[-1] is not None or r[0] > self.max_total or (
                    o != seen and discrete(o) != discrete(seen)):
                return n, before, seen
            seen = o
        return 0, None, seen

    def _batch(self, c, todo: int, flipped: tuple) -> tuple[int, bool]:
        """Up to ``todo`` ticks of ``c``, stopping after one that fires a transition,
        commands more than ``max_total`` steps or flips a state, bool or enum ticks
        assign (``flips`` differs from ``flipped``):
        (the ticks run, whether it stopped so)."""
        tick, flips, max_total = c.tick, self.flips, self.max_total
        k = 0
        while k < todo:
            r = tick()
            k += 1
            if r[-1] is not None or r[0] > max_total or flips(c) != flipped:
                return k, True
        return k, False

    def _changing_tick(self, c, k: int, seen: tuple) -> tuple[tuple, int] | None:
        """Rerun of a batch of ``k`` ticks from its start (``c``), tick by tick: (the
        configuration before the first tick that fires a transition, commands more than
        ``max_total`` steps or changes the abstraction's view from ``seen``, its index in
        the batch), or None."""
        get, observe = self.x.get, self.observe
        for j in range(k):
            before = get(c)
            r = c.tick()
            if r[-1] is not None or r[0] > self.max_total or observe(c) != seen:
                return before, j
        return None

    def _only_phases_move(self, before: tuple, after: tuple) -> bool:
        """Over a batch, nothing but window phase counters moved and every window bucket
        is empty."""
        still = self.still
        return still is not None and still(before) == still(after) and not any(
            self.buckets(before))

    def estimate(self, t: tuple, targets: dict[str, tuple[Probe, Callable]], limit: int,
                 stats: Stats, sample: int = 64, look: int = 4) -> dict[str, int]:
        """A guess, to order macro-steps: the ticks after which each target would hold if
        every integer kept moving at the rate it has over the next ``sample`` ticks
        (phases and accumulators held), tried at ``sample * 2^k`` ticks, at ``limit``, and
        where a moving integer reaches an end of its range or 0, 1, 2, over ``look``
        ticks from there (a rate remainder makes steps on some ticks only). Only a
        ranking: nothing found this way is reported.

        The ``sample`` ticks themselves run one by one with the targets read: a target
        they reach is estimated at its tick (a reservoir a few steps from empty runs out
        within the sample, and the state it ends in extrapolates to nothing)."""
        if not targets:
            return {}
        stats.ranking_ticks += sample
        out, end = self._sample(t, targets, sample)
        # (slot, lo, hi, value at t, change over the sample) of every moving integer
        deltas = [(i, lo, hi, t[i], end[i] - t[i]) for i, lo, hi in self.moving
                  if end[i] != t[i]]
        if not deltas or len(out) == len(targets):
            return out
        base = list(end)
        for n in sorted(_distances(deltas, sample, limit)):
            if len(out) == len(targets):
                break
            cfg = base[:]
            for i, lo, hi, v0, d in deltas:
                cfg[i] = min(hi, max(lo, v0 + d * n // sample))
            stats.ranking_ticks += look
            self._look(tuple(cfg), targets, look, n, out)
        return out

    def _sample(self, t: tuple, targets: dict[str, tuple[Probe, Callable]], sample: int
                ) -> tuple[dict[str, int], tuple]:
        """``sample`` ticks from ``t``, one by one: (target -> the first tick at which it
        holds, the configuration after the last tick)."""
        x = self.x
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
        return out, end

    def _look(self, cfg: tuple, targets: dict[str, tuple[Probe, Callable]], look: int,
              n: int, out: dict[str, int]) -> None:
        """``look`` ticks from the extrapolated ``cfg``: a target not yet in ``out`` that
        holds on one of them is estimated at ``n`` ticks."""
        x = self.x
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


def _distances(deltas: list[tuple[int, int, int, int, int]], sample: int, limit: int
               ) -> set[int]:
    """The ticks at which ``estimate`` tries the targets: doubling distances from
    ``sample`` up to ``limit``, and the ticks at which a moving integer (changing by ``d``
    per ``sample`` ticks from ``v0``) would reach either end of its range or the low
    values where the macro-step stops (a countdown reaching 1: an equality the doubling
    would step over), strictly between ``sample`` and ``limit``."""
    distances = set()
    n = sample
    while True:
        distances.add(n)
        if n >= limit:
            break
        n = min(2 * n, limit)
    for _, lo, hi, v0, d in deltas:
        for w in (lo, lo + 1, lo + 2, hi - 1, hi):
            n = (w - v0) * sample // d
            if sample < n < limit:
                distances.add(n)
    return distances

class _Trend:
    """The direction each visible integer first moved in during a macro-step. A counter
    that wraps (a clock back to 0) can dip below 2 and climb back within one batch, unseen
    at its end: a visible integer that moves against its first direction marks the batch
    as changed."""

    def __init__(self, int_idx: list[int]):
        self.int_idx = int_idx
        self.up: dict[int, bool] = {}  # slot -> it first moved up

    def turned(self, before: tuple, after: tuple) -> bool:
        for i in self.int_idx:
            if after[i] != before[i]:
                up = after[i] > before[i]
                if self.up.setdefault(i, up) != up:
                    return True
        return False
