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

**Validation.** Every witness is replayed on the IR evaluator (the oracle) before it is
returned: each ordinary step is recomputed by the evaluator and must give the same
configuration, and the target is re-checked with the evaluator's semantics. The ticks of
a macro-step are run once, on the compiled spec only (the evaluator runs ~2,500 ticks/s;
the generated controller is differentially tested against it); the evaluator takes over
from the configuration the macro-step ends in. A disagreement is an internal error.
"""
from __future__ import annotations

import itertools
import operator
import sys
import time
from collections import deque
from typing import Callable

from ..eval.evaluator import Config, Evaluator, Outcome
from ..ir import nodes as ir
from ..ir.visitor import subexpressions
from .compiled import Compiled, ReplayMismatch
from .engines import Cex
from .macro import Stats, TickMacroSteps, tick_cone, visible_variables
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


class Explorer:
    """The search over one module's compiled spec; ``run`` finds a trace per probe."""

    def __init__(self, module: ir.Module, compiled: Compiled):
        self.m = module
        self.x = compiled
        self.inputs = _inputs(module)
        visible = visible_variables(module)
        self.abstract = self.x.abstraction(visible)
        self.visible_idx = [self.x.index[v.name] for v in visible]
        # positions (in an abstraction) of the control state, bools and enums
        self.discrete = operator.itemgetter(0, *[j + 1 for j, v in enumerate(visible)
                                                 if not isinstance(v.type, ir.IntType)])
        self.cone = self.x.abstraction(tick_cone(module))
        self.tick_input = next(k for k, (e, _, _) in enumerate(self.inputs) if e == self.x.tick)
        self.macro_steps = TickMacroSteps(module, self.x, self.inputs, visible, self.discrete)
        self.stats = Stats()

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
            max_running: int = 4, validate: bool = True, first_hit: bool = False
            ) -> dict[str, Cex]:
        """Counterexamples (or witnesses) for ``probes``, by key, found within ``seconds``;
        ``first_hit`` stops at the first one found."""
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
                estimates[i] = self.macro_steps.estimate(nodes[i][0], timed, macro_ticks)
                if nodes[i][0][0] in sources and timed:
                    x.put(x.scratch, nodes[i][0])
                    x._holds = None
                    variant_seen.add(self.macro_steps.exact_cone(x.scratch))
                    for j in self.macro_steps.variants(nodes, depth, i, variant_seen):
                        estimates.setdefault(j, None)
                        siblings.append((j, depth[j]))
            if estimates[i] is None:
                estimates[i] = self.macro_steps.estimate(nodes[i][0], timed, macro_ticks)
            est = min((n for k, n in estimates[i].items() if k in open_keys), default=None)
            return (est is None, est or 0, nodes[i][0][0] not in sources, d)

        sources: set[int] = set()
        spent = [0.0, 0.0]  # seconds on expansions, on macro-steps: each gets half
        now = time.monotonic()
        while open_keys and now < end and not (first_hit and hits):
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
                    best[0] = self.macro_steps.run(nodes[i][0], macro_ticks, stats)
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

