"""Witness and counterexample search by explicit exploration of concrete configurations.

Reachability and vacuity witnesses (and many counterexamples) only need *some* real
trace, and most are found far faster by running the spec than by deep BMC queries.

The search runs the spec compiled to fast Python (``compiled``: the stepper the pipeline
gives the prover, ~100x faster than the IR evaluator) over configurations held as tuples
(the control state index, then every variable in declaration order). Every target is a
``Probe`` (``probes``), compiled to a Python predicate. Breadth-first over abstract
configurations (the control state, every bool and enum, and each integer as 0, 1 or "2 or
more"; window and accumulator bookkeeping left out), trying every event with a few
parameter values per parameter (each end of the wire domain, one step above the low end,
a quarter and half of the domain, each side of every guard constant, and each side of
the range bounds of the variables the parameter is assigned to), larger values first.

Tick macro-steps (``macro``) reach configurations behind long timers. Candidates are
ranked by their estimated ticks to an open target; then a control state that is the
source of an open tick target; then the shallowest. The best-ranked candidate runs (a
better newcomer pre-empts it, at most 4 started at once); it gets three times the time
of breadth-first expansion if it has an estimate, the same time otherwise. The search
stops the moment every target is hit, or at its deadline.

**Focus** (``run(focus=True)``, the counterexample search for the checks the proofs left
open): the search sees only the probes' cone of influence (``macro.influence``), the
variables that can decide them. A variable outside it (a last sensor reading kept for
display, a counter nothing compares, an alert) is left out of the coarse view and out of
the identity of configurations: two configurations equal inside the cone have the same
futures as far as the probes can tell, so keeping the first loses no trace. The sweep
then spends its work on what can lead to the violation (tests/prove/specs/clinic_motor.pump:
seeing everything, 12,179 coarse views and the 60,000 configurations kept, no hit within
3,000,000 steps; focused, the hit after 1,773 views and 7,020 configurations). The
witness search keeps seeing everything: there, the variables outside the cone of its
many targets are waypoints (a macro-step stops where an alert flips), and without them
it misses witnesses it finds now (30 of closed_loop_pump's).

**Validation.** Every witness is replayed on the IR evaluator (the oracle) before it is
returned: each ordinary step is recomputed by the evaluator and must give the same
configuration, and the target is re-checked with the evaluator's semantics. The ticks of
a macro-step are run once, on the compiled spec only (the evaluator runs ~2,500 ticks/s;
the generated controller is differentially tested against it); the evaluator takes over
from the configuration the macro-step ends in. A disagreement is an internal error.
"""
from __future__ import annotations

import heapq
import itertools
import operator
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from ..eval.evaluator import Config, Evaluator, Outcome
from ..ir import nodes as ir
from ..ir.visitor import subexpressions
from .compiled import Compiled, ReplayMismatch
from .engines import Cex
from .guide import GuideCompiler
from .macro import Stats, TickMacroSteps, influence, tick_cone, visible_variables
from .probes import Probe


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


def sampled_params(module: ir.Module) -> tuple[str, ...]:
    """The event parameters ``inputs_of`` tries at some of their values only, as
    ``event(param)``."""
    consts = _interesting(module)
    return tuple(f"{e.name}({p.name})" for e in module.events for p in e.params
                 if isinstance(p.type, ir.IntType) and
                 len(_candidates(p.type, consts.get((e.name, p.name), set())))
                 < p.type.hi - p.type.lo + 1)


def inputs_of(module: ir.Module) -> list[tuple[str, dict, tuple]]:
    """The inputs the search tries from every configuration: (event, params by name,
    arguments in parameter order), every event with each combination of its
    parameters' candidate values (module docstring)."""
    consts = _interesting(module)
    inputs = []
    for e in module.events:
        names = [p.name for p in e.params]
        for combo in itertools.product(*[_candidates(p.type, consts.get((e.name, p.name), set()))
                                         for p in e.params]):
            inputs.append((e.name, dict(zip(names, combo, strict=True)), tuple(combo)))
    return inputs


# ---------------------------------------------------------------- the search

# Ticks of macro-steps per step of breadth-first expansion (a tick of a macro-step costs
# several times less than an expanded event: no probe, no copy, no lookup): a macro-step
# estimated to reach an open target gets the larger share.
MACRO_SHARE = 8
MACRO_SHARE_ESTIMATED = 24


class Frontier:
    """The configurations waiting for expansion, in two tiers: first those whose coarse
    view (each integer as 0 / 1 / 2+) is new, breadth-first: the cheap sweep that finds
    most targets; then the others, the closest to an open target first (``distance``,
    see ``guide``), then the shallowest: the search that climbs counters."""

    def __init__(self, view: Callable[[tuple], tuple], distance: Callable[[tuple], float],
                 depth: list[int]):
        self.view, self.distance, self.depth = view, distance, depth
        self.views: set[tuple] = set()
        self.sweep: deque[int] = deque()
        self.heap: list[tuple[float, int, int, tuple]] = []

    def push(self, j: int, config: tuple, sweep: deque[int] | None = None) -> None:
        """Queue node ``j``: on ``sweep`` (default: this frontier's) if its view is new."""
        v = self.view(config)
        if v not in self.views:
            self.views.add(v)
            (self.sweep if sweep is None else sweep).append(j)
        else:
            heapq.heappush(self.heap, (self.distance(config), self.depth[j], j, config))

    def pop(self) -> int:
        if self.sweep:
            return self.sweep.popleft()
        return heapq.heappop(self.heap)[2]

    def reorder(self) -> None:
        """The open targets changed: distances again."""
        self.heap = [(self.distance(c), d, j, c) for _, d, j, c in self.heap]
        heapq.heapify(self.heap)

    def __bool__(self) -> bool:
        return bool(self.sweep or self.heap)


@dataclass(frozen=True)
class _Limits:
    """The work bounds of one search (``Explorer.run``)."""

    steps: int  # steps of the compiled spec: events of expansions, ticks
    max_nodes: int  # configurations kept
    max_plain: int  # configurations past which the breadth-first sweep yields to macro-steps
    max_below: int  # expansions below each finished macro-step
    macro_ticks: int  # ticks of one macro-step
    max_running: int  # macro-steps started and unfinished at once
    first_hit: bool  # stop at the first hit


class _Search:
    """One run of the witness search: the tree of configurations it keeps, the targets
    still open, the macro-step candidates, and the work spent.

    Invariants:
    - ``nodes[j] = (config, parent, input index, repeat)``, ``repeat`` being the ticks of
      a macro-step, 1 for any other step; node 0 is the initial configuration (parent -1);
      a parent always precedes its children, and ``depth[j]`` counts the steps from node 0
      (a macro-step is one).
    - Configurations are identified exactly (with ``focus``: by their values inside the
      cone of influence, ``Explorer.key``): the controller is deterministic, so two equal
      tuples have the same futures and keeping the first loses no trace. ``seen`` holds
      the key of every configuration kept as a fresh node; a repeated one is kept only as
      the end of a hit. (The coarse view, each integer as 0 / 1 / 2+, only decides the
      frontier tier, which ticks become macro-step candidates and where a macro-step
      stops.)
    - A key is in ``open_keys`` exactly when it is not in ``hits``; a closed key is in no
      table of open targets (``open_state``, ``open_step``, ``timed``, ``guides``).
    - ``root[j]``: for a node explored below a finished macro-step (``front``), the
      macro-step's node; ``budget[r]``: the expansions still allowed below macro-step ``r``.
    """

    def __init__(self, explorer: Explorer, probes: dict[str, Probe], limits: _Limits):
        self.ex, self.x, self.limits = explorer, explorer.x, limits
        self.probes = probes
        self.stats = explorer.stats
        self._open_targets(probes)
        self.hits: dict[str, int] = {}  # key -> node index (state: the node; step: its last step)
        self.dirty = True  # the order of the macro-step candidates may have changed
        self.closed = False  # a target was hit: the frontier's distances changed
        init = self.x.initial()
        self.nodes: list[tuple[tuple, int, int, int]] = [(init, -1, -1, 1)]
        self.depth = [0]
        for key, f in list(self.open_state.items()):
            if f(None, None, None, init, True, None, None):
                self.hit(key, 0)
        self.seen = {explorer.key(init)}
        self.queue = Frontier(explorer.view, self.distance, self.depth)
        self.queue.push(0, init)
        self.front: deque[int] = deque()  # configurations after a macro-step, and below them
        self.root: dict[int, int] = {}
        self.budget: dict[int, int] = {}
        self.waiting: list[tuple[int, int]] = []  # macro-step candidates: (node, BFS depth)
        self.estimates: dict[int, dict[str, int] | None] = {}  # None: a variant, not yet ranked
        self.running: list = []  # started, unfinished macro-steps: [generator, (node, depth)]
        self.macro_seen: set = set()  # coarse tick situations already made candidates
        self.siblings: list[tuple[int, int]] = []  # variants found while ranking
        self.variant_seen: set = set()
        self.sources: set[int] = set()  # control states that are sources of an open tick target
        self.expansion = len(explorer.inputs)  # the steps one expansion costs
        self.spent = 0  # steps spent on expansions (macro-steps: ``stats.ticks()``)

    def _open_targets(self, probes: dict[str, Probe]) -> None:
        """Every probe compiled, in the tables of open targets: by configuration
        (``open_state``), by event (``open_step``), those a macro-step can lead to
        (``timed``), and the guides of the frontier's distance."""
        x = self.x
        compiled = {k: (p, x.compile(p)) for k, p in probes.items()}
        self.guides = {k: self.ex.guides.compile(p) for k, p in probes.items()}
        self.open_state = {k: f for k, (p, f) in compiled.items() if p.kind == "state"}
        self.open_step: dict[str, dict[str, Callable]] = {}  # event -> key -> probe
        for k, (p, f) in compiled.items():
            if p.kind == "step":
                for e in (p.events or [e.name for e in self.ex.m.events]):
                    self.open_step.setdefault(e, {})[k] = f
        # targets a macro-step can lead to: configurations, and steps taken by a tick
        self.timed = {k: (p, f) for k, (p, f) in compiled.items()
                      if p.kind == "state" or not p.events or x.tick in p.events}
        self.open_keys = set(probes)

    def hit(self, key: str, j: int) -> None:
        """Target ``key`` holds at node ``j``: recorded, and closed everywhere."""
        self.hits[key] = j
        self.dirty = self.closed = True
        self.open_keys.discard(key)
        self.open_state.pop(key, None)
        self.timed.pop(key, None)
        self.guides.pop(key, None)
        for group in self.open_step.values():
            group.pop(key, None)

    def distance(self, config: tuple) -> float:
        """The frontier's order: the least guide distance to an open target."""
        if not self.guides:
            return 0.0
        return min(g(config, self.x.lets_at(config)) for g in self.guides.values())

    def unfinished(self) -> bool:
        """Targets open, work left, and (``first_hit``) nothing hit yet."""
        return (bool(self.open_keys) and self.spent + self.stats.ticks() < self.limits.steps
                and not (self.limits.first_hit and self.hits))

    # -- one turn of the schedule

    def turn(self) -> bool:
        """One unit of work: an expansion below a finished macro-step first; then
        expansions and macro-steps share the work: a macro-step estimated to reach an
        open target gets ``MACRO_SHARE_ESTIMATED`` ticks per expansion step (the
        expansions still find the short witnesses), any other ``MACRO_SHARE``. False when
        nothing is left to do."""
        if self.closed:
            self.closed = False
            self.queue.reorder()
        best = self._best_macro_step() if self.waiting or self.running else None
        self.dirty = False
        share = MACRO_SHARE if best is None or self.rank(best[1])[0] else MACRO_SHARE_ESTIMATED
        # the sweep gives way to macro-steps past ``max_plain`` configurations; the
        # guided search always gets its share
        queue = self.queue
        plain = (queue.sweep and len(self.nodes) < self.limits.max_plain) or queue.heap
        macro_turn = best is not None and not self.front and (
            self.stats.macro_ticks <= share * self.spent or not plain)
        if self.front:
            i = self.front.popleft()
            r = self.root[i]
            if self.budget[r] > 0:
                self.budget[r] -= 1
                self.spent += self.expansion
                self.expand(i, True)
            else:
                self.stats.unexpanded += 1
        elif macro_turn:
            if best[0] is None:  # start it (at most ``max_running`` unfinished)
                i, _ = self.waiting.pop(0)
                best[0] = self.ex.macro_steps.run(self.nodes[i][0], self.limits.macro_ticks,
                                                  self.stats)
                self.running.append(best)
            self.advance(best)
        elif queue:
            self.spent += self.expansion
            self.expand(queue.pop(), False)
        else:
            return False
        return True

    def _best_macro_step(self) -> list | None:
        """The macro-step to advance: the best-ranked running one, or the best waiting
        candidate if it ranks better and fewer than ``max_running`` run. A waiting one is
        returned as ``[None, (node, depth)]`` (not yet started). The candidates are
        re-sorted when their order may have changed."""
        waiting, running = self.waiting, self.running
        if self.dirty:
            self.sources = self._tick_sources()
            waiting.sort(key=self.rank)
            if self.siblings:
                waiting += self.siblings
                self.siblings.clear()
                waiting.sort(key=self.rank)
        best = min(running, key=lambda r: self.rank(r[1])) if running else None
        if waiting and (best is None or (len(running) < self.limits.max_running
                                         and self.rank(waiting[0]) < self.rank(best[1]))):
            best = [None, waiting[0]]
        return best

    def _tick_sources(self) -> set[int]:
        """Control states that are sources of an open target taken by a tick (a tick
        transition, a tick assertion with `from`)."""
        x = self.x
        out: set[int] = set()
        for key in self.open_keys:
            p = self.probes[key]
            if p.kind != "step" or (p.events and x.tick not in p.events):
                continue
            if p.states:
                out |= {x.state_index[s] for s in p.states}
            elif p.transition is not None:
                out |= {x.state_index[s] for s in self.ex.m.transitions[p.transition].sources}
        return out

    def rank(self, item: tuple[int, int]) -> tuple:
        """Macro-step order: the least estimated ticks to an open target, then a source
        state of an open tick target, then the shallowest. A candidate's first ranking
        estimates it (and, in a source state, adds its variants to ``siblings``)."""
        i, d = item
        config = self.nodes[i][0]
        if i not in self.estimates:
            self.estimates[i] = self._estimate(config)
            if config[0] in self.sources and self.timed:
                self._add_variants(i)
        if self.estimates[i] is None:
            self.estimates[i] = self._estimate(config)
        est = min((n for k, n in self.estimates[i].items() if k in self.open_keys),
                  default=None)
        return (est is None, est or 0, config[0] not in self.sources, d)

    def _estimate(self, config: tuple) -> dict[str, int]:
        return self.ex.macro_steps.estimate(config, self.timed, self.limits.macro_ticks,
                                            self.stats)

    def _add_variants(self, i: int) -> None:
        """Node ``i``'s variants (``TickMacroSteps.variants``) become candidates, ranked
        later (their estimate: None)."""
        x, macro_steps = self.x, self.ex.macro_steps
        x.put(x.scratch, self.nodes[i][0])
        x._holds = None
        self.variant_seen.add(macro_steps.exact_cone(x.scratch))
        for j in macro_steps.variants(self.nodes, self.depth, i, self.variant_seen):
            self.estimates.setdefault(j, None)
            self.siblings.append((j, self.depth[j]))

    # -- growing the tree

    def expand(self, i: int, below: bool) -> None:
        """Every input from node ``i``: hits recorded, fresh configurations kept (at most
        ``max_nodes``) and queued (``below`` a macro-step: on ``front``), and a tick that
        changes nothing discrete made a macro-step candidate."""
        nodes, depth, seen = self.nodes, self.depth, self.seen
        open_step, open_state = self.open_step, self.open_state
        step, view, discrete = self.x.step, self.ex.view, self.ex.discrete
        tick_k, max_nodes, ident = self.ex.tick_input, self.limits.max_nodes, self.ex.key
        config = nodes[i][0]
        v_pre = view(config)
        for k, (event, params, args) in enumerate(self.ex.inputs):
            post, accepted, fired, lets = step(config, event, args)
            found = [key for key, f in open_step.get(event, {}).items()
                     if f(config, event, params, post, accepted, fired, lets)]
            if post is not config and open_state:
                found += [key for key, f in open_state.items()
                          if f(None, None, None, post, True, None, None)]
            if post is config and not found:
                continue
            if k == tick_k and fired is None and discrete(view(post)) == discrete(v_pre):
                self._macro_candidate(i, config, post)
            fresh = ident(post) not in seen
            if not found and (not fresh or len(nodes) >= max_nodes):
                if fresh:
                    self.stats.dropped += 1
                continue
            nodes.append((post, i, k, 1))
            depth.append(depth[i] + 1)
            j = len(nodes) - 1
            for key in found:
                self.hit(key, j)
            if fresh:
                seen.add(ident(post))
                if below:
                    self.root[j] = self.root[i]
                self.queue.push(j, post, self.front if below else None)

    def _macro_candidate(self, i: int, config: tuple, post: tuple) -> None:
        """Node ``i`` becomes a macro-step candidate unless its coarse tick situation
        already is one: what ticks read (``config``'s cone), and what the next tick
        changes (``post`` against ``config``)."""
        changed = tuple(n for n in self.ex.visible_idx if post[n] != config[n])
        key = (self.ex.cone(config), changed)
        if key not in self.macro_seen:
            self.macro_seen.add(key)
            self.waiting.append((i, self.depth[i]))
            self.dirty = True

    def advance(self, task: list) -> None:
        """One chunk of a macro-step; a finished one becomes a node, explored below
        (``front``) within ``max_below`` expansions."""
        gen, (i, _) = task
        try:
            next(gen)
        except StopIteration as stop:
            self.running.remove(task)
            if stop.value is not None:
                post, n = stop.value
                self.nodes.append((post, i, self.ex.tick_input, n))
                self.depth.append(self.depth[i] + 1)
                j = len(self.nodes) - 1
                self.front.append(j)
                self.root[j], self.budget[j] = j, self.limits.max_below
                self.stats.macro_steps += 1
                self.stats.deepest = max(self.stats.deepest, n)

    def record_stats(self) -> None:
        """The search's size, work and why it stopped, into ``stats``."""
        stats = self.stats
        stats.configs = len(self.nodes)
        stats.steps = self.spent + stats.ticks()
        stats.stopped = ("resolved" if not self.open_keys else
                         "budget" if stats.steps >= self.limits.steps else "exhausted")


class Explorer:
    """The search over one module's compiled spec; ``run`` finds a trace per probe."""

    def __init__(self, module: ir.Module, compiled: Compiled):
        self.m = module
        self.x = compiled
        self.inputs = inputs_of(module)
        self.sampled = sampled_params(module)
        self.tick_input = next(k for k, (e, _, _) in enumerate(self.inputs) if e == self.x.tick)
        self.guides = GuideCompiler(compiled.stepper, compiled.index, compiled.state_index,
                                    module.transitions, compiled.lets)
        self.stats = Stats()
        self.see({v.name for v in module.variables})

    def see(self, relevant: set[str]) -> None:
        """What the search sees of a configuration: the control state and the variables
        in ``relevant``; ``key`` identifies configurations by them (a configuration
        itself when they are every variable)."""
        module = self.m
        visible = [v for v in visible_variables(module) if v.name in relevant]
        keep = [0] + [self.x.index[v.name] for v in module.variables if v.name in relevant]
        self.key = (operator.itemgetter(*keep) if len(keep) <= len(module.variables)
                    else _itself)
        self.view = self.x.abstraction(visible)
        self.visible_idx = [self.x.index[v.name] for v in visible]
        # positions (in the coarse view) of the control state, bools and enums
        self.discrete = operator.itemgetter(0, *[j + 1 for j, v in enumerate(visible)
                                                 if not isinstance(v.type, ir.IntType)])
        self.cone = self.x.abstraction([v for v in tick_cone(module) if v.name in relevant])
        self.macro_steps = TickMacroSteps(module, self.x, self.inputs, visible, self.discrete)

    def run(self, probes: dict[str, Probe], steps: int, max_nodes: int = 60_000,
            max_plain: int = 4000, max_below: int = 100, macro_ticks: int = 300_000,
            max_running: int = 4, validate: bool = True, first_hit: bool = False,
            earliest: bool = False, focus: bool = False) -> dict[str, Cex]:
        """A trace per probe hit, within ``steps`` steps of the compiled spec (every event
        tried in an expansion, every tick of a macro-step or of its ranking), and at most
        ``max_nodes`` configurations kept. Past ``max_plain`` configurations, macro-steps
        go first; expansions continue when none is left. ``first_hit``: stop at the first
        hit. ``earliest`` (counterexamples): each trace ends at the first step its probe
        holds, within a macro-step too (``_earliest``). ``focus``: the search sees only
        the probes' cone of influence (module docstring)."""
        started = time.monotonic()
        self.stats = Stats(macro_limit=macro_ticks, budget=steps, max_nodes=max_nodes,
                           max_below=max_below, sampled=self.sampled)
        limits = _Limits(steps, max_nodes, max_plain, max_below, macro_ticks, max_running,
                         first_hit)
        self.see(influence(self.m, probes.values()) if focus else
                 {v.name for v in self.m.variables})
        search = _Search(self, probes, limits)
        while search.unfinished() and search.turn():
            pass
        search.record_stats()
        out = self._witnesses(search.nodes, search.hits, probes, validate, earliest)
        self.stats.seconds = time.monotonic() - started
        return out

    def respond(self, trigger: Probe, answer: Probe, within: int, steps: int,
                max_nodes: int = 200_000) -> Cex | None:
        """A violation of a bounded response, within ``steps`` steps of the compiled spec:
        best-first over (configuration, ``pend``), ``pend`` being the response monitor of
        the proof (goals: ticks since the oldest unanswered trigger, -1 if none), the
        configurations closest to the deadline first. No macro-steps: a violation may need
        a trigger on any tick. Replayed on the evaluator before it is returned."""
        x = self.x
        is_trigger, answered = x.compile(trigger), x.compile(answer)
        trigger_distance = self.guides.compile(trigger)
        tick = x.tick

        def distance(config: tuple, pend: int) -> float:
            if pend >= 0:
                return within - pend
            return within + 1 + trigger_distance(config, x.lets_at(config))

        init = (x.initial(), -1)
        nodes: list[tuple[tuple, int, int]] = [(init, -1, -1)]  # ((config, pend), parent, input)
        seen = {init}
        heap = [(distance(*init), 0, 0)]
        work = 0
        while heap and work < steps:
            _, d, i = heapq.heappop(heap)
            config, pend = nodes[i][0]
            work += len(self.inputs)
            for k, (event, params, args) in enumerate(self.inputs):
                post, accepted, fired, lets = x.step(config, event, args)
                done = answered(None, None, None, post, True, None, None)
                fires = is_trigger(config, event, params, post, accepted, fired, lets)
                late = pend >= 0 and event == tick and pend + 1 >= within
                if not done and (late or (within == 0 and fires)):
                    nodes.append(((post, pend), i, k))
                    return self._response_trace(nodes, len(nodes) - 1, trigger, answer, within)
                nxt = -1 if done else pend + (event == tick) if pend >= 0 else 0 if fires else -1
                key = (post, nxt)
                if key in seen or len(nodes) >= max_nodes:
                    continue
                seen.add(key)
                nodes.append((key, i, k))
                heapq.heappush(heap, (distance(post, nxt), d + 1, len(nodes) - 1))
        return None

    def _response_trace(self, nodes, j, trigger: Probe, answer: Probe, within: int
                        ) -> Cex | None:
        """The path to node ``j`` replayed on the evaluator, the monitor recomputed with
        the evaluator's semantics; None (and an internal-error note) if it does not
        violate the response there."""
        ids = _path(nodes, j)
        ev = Evaluator(self.m)
        config = ev.initial()
        configs = [(config.state, config.as_dict(), {})]
        ins = []
        pend, violated = -1, False
        for n in ids[1:]:
            event, params, _ = self.inputs[nodes[n][2]]
            post, outcome = ev.step(config, event, params)
            if self.x.from_config(post) != nodes[n][0][0]:
                raise ReplayMismatch(
                    f"internal error: the evaluator and the generated controller disagree "
                    f"on step `{event}` {params} from {config} (this is a bug in pumpspec)")
            done = answer.on_eval(ev, post, None, None, post, None)
            fires = trigger.on_eval(ev, config, event, params, post, outcome)
            tick = event == self.x.tick
            violated = not done and ((pend >= 0 and tick and pend + 1 >= within)
                                     or (within == 0 and fires))
            pend = -1 if done else pend + tick if pend >= 0 else 0 if fires else -1
            ins.append((event, dict(params)))
            configs.append((post.state, post.as_dict(), {}))
            config = post
        if not violated:
            print("pumpspec: internal error: a response violation found by the exploration "
                  "does not hold on the evaluator's replay; dropped", file=sys.stderr)
            return None
        return Cex(configs, ins, len(ins) - 1, "step")

    def _witnesses(self, nodes, hits, probes, validate, earliest: bool = False
                   ) -> dict[str, Cex]:
        """A trace per hit: the path from the root to its node (``earliest``: cut at the
        first step where the probe holds). ``validate``: replayed on the evaluator, the
        probe re-checked with the evaluator's semantics (a hit that fails there is
        dropped, with an internal-error note)."""
        replay = _EvaluatorReplay(self, nodes)
        out: dict[str, Cex] = {}
        for key, j in hits.items():
            probe = probes[key]
            ids = _path(nodes, j)
            if earliest:
                ids = self._earliest(nodes, ids, probe)
            if validate:
                configs = replay.confirmed(probe, ids)
                if configs is None:
                    print(f"pumpspec: internal error: exploration target {key} does not hold "
                          "on the evaluator's replay; witness dropped", file=sys.stderr)
                    continue
            else:
                configs = [self.x.as_cfg(nodes[n][0]) for n in ids]
            ins = [(self.inputs[nodes[n][2]][0], dict(self.inputs[nodes[n][2]][1]))
                   for n in ids[1:]]
            repeat = {pos: nodes[n][3] for pos, n in enumerate(ids[1:]) if nodes[n][3] > 1}
            bad = len(ins) - 1 if probe.kind == "step" else len(ins)
            out[key] = Cex(configs, ins, bad, probe.kind, repeat)
        return out

    def _earliest(self, nodes: list, ids: list[int], probe: Probe) -> list[int]:
        """Path ``ids`` cut at the first step where ``probe`` holds. The search probes
        every step it expands, but not the ticks inside a macro-step (nor the
        configuration it ends in): those are run again one by one on the compiled spec,
        and the first tick where the probe holds becomes the trace's last step, an
        ordinary step after the macro-step's ticks before it (new nodes in ``nodes``).
        Unchanged when the probe holds within no macro-step of the path."""
        x = self.x
        if probe.kind == "step" and probe.events and x.tick not in probe.events:
            return ids
        holds = x.compile(probe)
        k = self.tick_input
        _, params, args = self.inputs[k]
        for pos, n in enumerate(ids):
            _, parent, _, repeat = nodes[n]
            if repeat == 1:
                continue
            config = nodes[parent][0]
            for t in range(1, repeat + 1):
                post, accepted, fired, lets = x.step(config, x.tick, args)
                if (holds(config, x.tick, params, post, accepted, fired, lets)
                        if probe.kind == "step" else
                        holds(None, None, None, post, True, None, None)):
                    before = parent
                    if t > 1:  # the ticks before it: a shorter macro-step, or one tick
                        nodes.append((config, parent, k, t - 1 if t > 2 else 1))
                        before = len(nodes) - 1
                    nodes.append((post, before, k, 1))
                    return ids[:pos] + ([before] if t > 1 else []) + [len(nodes) - 1]
                config = post
        return ids


def _itself(t: tuple) -> tuple:
    return t


def _path(nodes: list, j: int) -> list[int]:
    """The node indices from the root to node ``j``."""
    out = []
    while j >= 0:
        out.append(j)
        j = nodes[j][1]
    return out[::-1]


class _EvaluatorReplay:
    """The search tree's nodes recomputed by the IR evaluator, each once (shared
    prefixes of several witnesses are replayed once). Invariant: a memoized node's
    configuration equals the compiled spec's (a disagreement raises ``ReplayMismatch``)."""

    def __init__(self, explorer: Explorer, nodes: list):
        self.x, self.inputs, self.nodes = explorer.x, explorer.inputs, nodes
        self.ev = Evaluator(explorer.m)
        self.memo: dict[int, tuple[Config, Outcome | None]] = {}

    def evaluated(self, j: int) -> tuple[Config, Outcome | None]:
        """The evaluator's configuration at node j (and the outcome of its last step)."""
        if j in self.memo:
            return self.memo[j]
        x = self.x
        t, parent, k, repeat = self.nodes[j]
        if parent < 0:
            got = (self.ev.initial(), None)
        else:
            pre = self.evaluated(parent)[0]
            event, params, _ = self.inputs[k]
            if repeat > 1:
                # a macro-step: its ticks ran on the generated controller from the
                # parent's configuration, which the evaluator has just confirmed
                got = (x.to_config(t), None)
            else:
                got = self.ev.step(pre, event, params)
            if x.from_config(got[0]) != t:
                raise ReplayMismatch(
                    f"internal error: the evaluator and the generated controller disagree "
                    f"on step `{event}` {params} from {pre} (this is a bug in pumpspec)")
        self.memo[j] = got
        return got

    def confirmed(self, probe: Probe, ids: list[int]) -> list | None:
        """The evaluator's configurations along path ``ids`` if ``probe`` holds at its
        end with the evaluator's semantics, else None."""
        memo, nodes = self.memo, self.nodes
        for n in ids:
            self.evaluated(n)
        j = ids[-1]
        post, outcome = memo[j]
        if probe.kind == "step":
            pre = memo[nodes[j][1]][0]
            event, params, _ = self.inputs[nodes[j][2]]
        else:
            pre, event, params = post, None, None
        if not probe.on_eval(self.ev, pre, event, params, post, outcome):
            return None
        return [(memo[n][0].state, memo[n][0].as_dict(), {}) for n in ids]
