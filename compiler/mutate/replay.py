"""The cheap kill: a mutant's generated controller run along fixed traces of the
original, every safety check watched, before any Z3 query.

The traces (``Corpus``) are made once per spec from the original: the prover's
reachability witnesses (a trace to every control state and every transition, tick
macro-steps included; shortest first), then each continued by a seeded random walk,
then seeded random walks from the initial configuration. An input is an event with parameter values the
exploration would try (``explore.inputs_of``: each end of the domain, each side of the
guard constants, ...), or a run of ticks; a walk takes every input, accepted by the
original or not (a mutant may accept what the original refuses). The traces are merged
into one tree of shared prefixes and cut at ``steps`` steps (a run of n ticks counts n):
the work per mutant is bounded, and the same on any machine and load.

A mutant runs the tree on its own generated controller (``Compiled``), each node once,
parents first. The probe of every error-level safety check is tested on every step: the
step probes of the step's event, and the state probes on every configuration first
reached (a run of ticks is watched at its end only: the corpus splits each run's last
tick off as a step of its own, the tick a witness's run is made to end with). The first
hit in tree
order is replayed on the IR evaluator as the exploration's hits are (each ordinary step
recomputed and compared with the controller's; a run of ticks on the controller, the
evaluator taking over from its end) and the probe judged again with the evaluator's
semantics: a confirmed hit is a real counterexample of that check, and kills the mutant.
"""
from __future__ import annotations

import random
import sys
from dataclasses import dataclass

from ..eval.evaluator import Evaluator
from ..eval.stepper import FastStepper
from ..ir import nodes as ir
from ..prove import Cex, Check, checks_of
from ..prove.compiled import Compiled, ReplayMismatch
from ..prove.explore import inputs_of

# A walk's input: a run of ticks with probability TICK_SHARE, its length drawn uniformly
# from TICK_RUNS; else, with probability ANY_SHARE, any input; else the first of
# DRAWS inputs drawn that the original accepts (the last one drawn if it accepts none).
TICK_RUNS = (1, 1, 1, 1, 2, 5, 20, 100, 600)
TICK_SHARE = 0.3
ANY_SHARE = 0.2
DRAWS = 12


@dataclass(frozen=True)
class Corpus:
    """The traces as one tree: ``nodes[j] = (parent, input, repeat)``, node 0 the initial
    configuration (parent -1), a parent before its children, ``input`` an index into
    ``inputs`` (event, params by name, arguments in parameter order), ``repeat`` > 1 for a
    run of ticks. ``steps`` is the work of running it: the sum of the repeats."""

    inputs: tuple[tuple[str, dict, tuple], ...]
    nodes: tuple[tuple[int, int, int], ...]
    traces: int
    # the original's configuration at each node and whether it accepted the node's input,
    # and what its tuples hold (the control states, then each variable with its type):
    # a mutant's are comparable when that is equal
    configs: tuple[tuple, ...]
    accepted: tuple[bool, ...]
    layout: tuple

    @property
    def steps(self) -> int:
        return sum(repeat for _, _, repeat in self.nodes[1:])


def corpus(module: ir.Module, witnesses: list[Cex], stepper: FastStepper, seed: int,
           walks: int, walk_length: int, steps: int) -> Corpus:
    """The corpus of ``module`` (the original): its witness traces (shortest first), each
    continued by a walk of ``walk_length`` inputs, then ``walks`` walks from the initial
    configuration, merged and cut at ``steps`` steps (module docstring). The walks are
    drawn with ``seed``."""
    tick = next(e.name for e in module.events if e.kind == ir.EventKind.TICK)
    menu = inputs_of(module)
    tick_input = next(k for k, (event, _, _) in enumerate(menu) if event == tick)
    events = {e.name: e for e in module.events}
    inputs: list[tuple[str, dict, tuple]] = list(menu)
    index = {(event, args): k for k, (event, _, args) in enumerate(inputs)}

    def input_of(event: str, params: dict) -> int:
        args = tuple(params[p.name] for p in events[event].params)
        if (event, args) not in index:
            index[event, args] = len(inputs)
            inputs.append((event, dict(params), args))
        return index[event, args]

    rng = random.Random(seed)
    x = Compiled(module, stepper)

    def run(config: tuple, k: int, repeat: int) -> tuple[tuple, bool]:
        if repeat > 1:
            return x.ticks(config, repeat), True
        post, accepted, _, _ = x.step(config, inputs[k][0], inputs[k][2])
        return post, accepted

    def walk(config: tuple) -> list[tuple[int, int]]:
        out = []
        for _ in range(walk_length):
            if rng.random() < TICK_SHARE:
                k, repeat = tick_input, rng.choice(TICK_RUNS)
            elif rng.random() < ANY_SHARE:
                k, repeat = rng.randrange(len(menu)), 1
            else:
                for _ in range(DRAWS):
                    k, repeat = rng.randrange(len(menu)), 1
                    _, accepted = run(config, k, 1)
                    if accepted:
                        break
            config = run(config, k, repeat)[0]
            out.append((k, repeat))
        return out

    witness_traces, ends = [], []
    for cex in sorted(witnesses, key=lambda c: (c.events, len(c.inputs))):
        trace = [(input_of(event, params), cex.repeat.get(j, 1))
                 for j, (event, params) in enumerate(cex.inputs)]
        config = x.initial()
        for k, repeat in trace:
            config = run(config, k, repeat)[0]
        witness_traces.append(trace)
        ends.append(config)
    # the witnesses first, then their continuations, then the walks from the start
    traces = witness_traces + [trace + walk(end) for trace, end in zip(witness_traces, ends,
                                                                        strict=True)]
    traces += [walk(x.initial()) for _ in range(walks)]

    nodes: list[tuple[int, int, int]] = [(-1, -1, 1)]
    child: dict[tuple[int, int, int], int] = {}
    spent = 0
    for trace in traces:
        j = 0
        for k, repeat in _last_tick_apart(trace):
            if (j, k, repeat) in child:
                j = child[j, k, repeat]
                continue
            if spent + repeat > steps:
                break
            spent += repeat
            nodes.append((j, k, repeat))
            child[j, k, repeat] = len(nodes) - 1
            j = len(nodes) - 1
    configs, accepted = [x.initial()], [True]
    for parent, k, repeat in nodes[1:]:
        post, ok = run(configs[parent], k, repeat)
        configs.append(post)
        accepted.append(ok)
    return Corpus(tuple(inputs), tuple(nodes), len(traces), tuple(configs), tuple(accepted),
                  _layout(module))


def _last_tick_apart(trace: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each run of n ticks as a run of n - 1 and a single tick: the step probes watch that
    last tick, the one a witness's run of ticks is made to end with (its target)."""
    out = []
    for k, repeat in trace:
        out += [(k, repeat - 1), (k, 1)] if repeat > 2 else [(k, 1)] * repeat
    return out


def _layout(module: ir.Module) -> tuple:
    return (tuple(s.name for s in sorted(module.states, key=lambda s: s.index)),
            tuple((v.name, v.type) for v in module.variables))


@dataclass(frozen=True)
class Kill:
    """A check the corpus violates, and its counterexample (validated)."""

    check: Check
    cex: Cex


@dataclass(frozen=True)
class Replay:
    """What running the corpus on a mutant showed: the first check it violates, if any;
    else whether at some node of the corpus it holds another configuration than the
    original, or accepted what the original refused or the reverse (``diverges``: the two
    take different steps from a reachable configuration, so the mutant is not
    equivalent; ``equivalence`` needs no query)."""

    kill: Kill | None
    diverges: bool


def run(module: ir.Module, stepper: FastStepper, corpus: Corpus) -> Replay:
    """The corpus run on ``module`` (a mutant): the first error-level safety check it
    violates, with the trace, confirmed on the evaluator (module docstring)."""
    checks = [c for c in checks_of(module)
              if c.severity == "error" and not c.witness and "probe" in c.extra]
    x = Compiled(module, stepper)
    by_key = {c.goal.key: c for c in checks}
    states = [(c.goal.key, x.compile(c.extra["probe"])) for c in checks
              if c.extra["probe"].kind == "state"]
    steps_of: dict[str, list] = {}
    for c in checks:
        probe = c.extra["probe"]
        if probe.kind == "step":
            for event in probe.events or [e.name for e in module.events]:
                steps_of.setdefault(event, []).append((c.goal.key, x.compile(probe)))
    inputs, nodes = corpus.inputs, corpus.nodes
    configs, accepts = [x.initial()], [True]
    seen = {configs[0]}
    candidates = [(key, 0) for key, f in states
                  if f(None, None, None, configs[0], True, None, None)]
    for j in range(1, len(nodes)):
        if candidates:
            break
        parent, k, repeat = nodes[j]
        pre = configs[parent]
        event, params, args = inputs[k]
        if repeat > 1:
            post, accepted = x.ticks(pre, repeat), True
        else:
            post, accepted, fired, lets = x.step(pre, event, args)
            candidates = [(key, j) for key, f in steps_of.get(event, ())
                          if f(pre, event, params, post, accepted, fired, lets)]
        configs.append(post)
        accepts.append(accepted)
        if post not in seen:
            seen.add(post)
            candidates += [(key, j) for key, f in states
                           if f(None, None, None, post, True, None, None)]
    confirm = _Confirm(module, x, corpus, configs)
    for key, j in candidates:
        cex = confirm.cex(by_key[key].extra["probe"], j)
        if cex is not None:
            return Replay(Kill(by_key[key], cex), True)
        print(f"pumpspec: internal error: mutant replay hit {key} does not hold on the "
              "evaluator's replay; dropped", file=sys.stderr)
    diverges = _layout(module) == corpus.layout and len(configs) == len(corpus.configs) \
        and (configs != list(corpus.configs) or accepts != list(corpus.accepted))
    return Replay(None, diverges)


class _Confirm:
    """The path to a node of the corpus replayed on the evaluator (see the module
    docstring); a configuration the evaluator computes differently from the controller
    raises ``ReplayMismatch``."""

    def __init__(self, module: ir.Module, compiled: Compiled, corpus: Corpus, configs: list):
        self.ev, self.x = Evaluator(module), compiled
        self.corpus, self.configs = corpus, configs

    def cex(self, probe, j: int) -> Cex | None:
        nodes, inputs, x, ev = self.corpus.nodes, self.corpus.inputs, self.x, self.ev
        path = []
        while j > 0:
            path.append(j)
            j = nodes[j][0]
        path.reverse()
        config, outcome = ev.initial(), None
        pre = config
        configs, ins, repeat = [x.as_cfg(x.initial())], [], {}
        for n in path:
            _, k, times = nodes[n]
            event, params, _ = inputs[k]
            pre = config
            if times > 1:
                config, outcome = x.to_config(self.configs[n]), None
                repeat[len(ins)] = times
            else:
                config, outcome = ev.step(pre, event, params)
                if x.from_config(config) != self.configs[n]:
                    raise ReplayMismatch(
                        f"internal error: the evaluator and the generated controller "
                        f"disagree on step `{event}` {params} from {pre} (this is a bug in "
                        "pumpspec)")
            ins.append((event, dict(params)))
            configs.append((config.state, config.as_dict(), {}))
        if probe.kind == "step":
            holds = probe.on_eval(ev, pre, ins[-1][0], ins[-1][1], config, outcome)
        else:
            holds = probe.on_eval(ev, config, None, None, config, None)
        if not holds:
            return None
        return Cex(configs, ins, len(ins) - 1 if probe.kind == "step" else len(ins),
                   probe.kind, repeat)
