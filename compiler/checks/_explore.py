"""Witness search by explicit exploration on the evaluator (the oracle).

Reachability and vacuity witnesses only need *some* real trace, and most are found far
faster by running the evaluator than by deep BMC queries. Breadth-first over abstract
configurations (the control state, every bool and enum, and whether each integer is
zero), trying every event with a few parameter values per parameter (each end of the wire
domain, one step above the low end, a quarter and half of the domain). Every witness is a
trace of the evaluator itself, so it replays by construction. Targets it does not hit go
on to BMC.
"""
from __future__ import annotations

import itertools
import time
from collections import deque
from typing import Callable

from ..eval.evaluator import Config, Env, Evaluator, Outcome
from ..ir import nodes as ir
from ._engines import Cex

# A target: ("state", pred(config)) or ("step", pred(pre, event, params, post, outcome)).
Target = tuple[str, Callable]


def _candidates(t: ir.Type, bounds: set[int] = frozenset()) -> list[ir.Value]:
    if isinstance(t, ir.BoolType):
        return [False, True]
    if isinstance(t, ir.EnumType):
        return list(range(len(t.members)))
    lo, hi = t.lo, t.hi
    vals = [lo, lo + 1, lo + (hi - lo) // 4, lo + (hi - lo) // 2, hi]
    vals += [b + d for b in bounds for d in (-1, 0, 1)]  # each side of every guard constant
    return sorted({v for v in vals if lo <= v <= hi})


def _guard_constants(module: ir.Module) -> dict[tuple[str, str], set[int]]:
    """(event, param) -> integer literals the guards compare the parameter with."""
    out: dict[tuple[str, str], set[int]] = {}

    def walk(e, event):
        if isinstance(e, ir.Binary):
            if e.op in ir.COMPARE_OPS:
                for a, b in ((e.left, e.right), (e.right, e.left)):
                    if isinstance(a, ir.Param) and isinstance(b, ir.Lit) and \
                            isinstance(b.value, int) and not isinstance(b.value, bool):
                        out.setdefault((event, a.name), set()).add(b.value)
            walk(e.left, event)
            walk(e.right, event)
        elif isinstance(e, ir.Unary):
            walk(e.operand, event)
    for t in module.transitions:
        for g in t.guards:
            walk(g.cond, t.event)
    return out


def _abstract(config: Config, module: ir.Module) -> tuple:
    out = [config.state]
    for v in module.variables:
        if v.role in ("window", "accumulator"):
            continue  # bookkeeping that changes on every tick: not a new situation
        x = config[v.name]
        out.append(x if not isinstance(v.type, ir.IntType) else min(x, 2))
    return tuple(out)


def explore(module: ir.Module, targets: dict[str, Target], seconds: float,
            max_nodes: int = 4000) -> dict[str, Cex]:
    ev = Evaluator(module)
    inputs: list[tuple[str, dict]] = []
    consts = _guard_constants(module)
    for e in module.events:
        names = [p.name for p in e.params]
        for combo in itertools.product(*[_candidates(p.type, consts.get((e.name, p.name), set()))
                                         for p in e.params]):
            inputs.append((e.name, dict(zip(names, combo))))
    end = time.monotonic() + seconds
    found: dict[str, Cex] = {}
    open_targets = dict(targets)
    init = ev.initial()

    def as_cfg(c: Config):
        return (c.state, c.as_dict(), {})

    # a node: (config, parent node index, input index)
    nodes: list[tuple[Config, int, int]] = [(init, -1, -1)]

    def path(i: int) -> tuple[list, list]:
        configs, ins = [], []
        while i >= 0:
            c, parent, k = nodes[i]
            configs.append(as_cfg(c))
            if k >= 0:
                ins.append(inputs[k])
            i = parent
        return configs[::-1], ins[::-1]

    for key, (kind, pred) in list(open_targets.items()):
        if kind == "state" and pred(init):
            found[key] = Cex([as_cfg(init)], [], 0, "state")
            del open_targets[key]
    seen = {_abstract(init, module)}
    queue = deque([0])
    while queue and open_targets and time.monotonic() < end and len(nodes) < max_nodes:
        i = queue.popleft()
        config = nodes[i][0]
        for k, (event, params) in enumerate(inputs):
            post, outcome = ev.step(config, event, params)
            hits = [key for key, (kind, pred) in open_targets.items()
                    if (pred(post) if kind == "state" else pred(config, event, params, post, outcome))]
            abstract = _abstract(post, module)
            fresh = abstract not in seen
            if not hits and not fresh:
                continue
            nodes.append((post, i, k))
            j = len(nodes) - 1
            if hits:
                configs, ins = path(j)
                for key in hits:
                    kind = open_targets.pop(key)[0]
                    found[key] = Cex(configs, ins, len(ins) - (0 if kind == "state" else 1), kind)
            if fresh:
                seen.add(abstract)
                queue.append(j)
    return found


def concrete_targets(module: ir.Module, checks) -> dict[str, Target]:
    """The evaluator's version of each witness goal's target (see _checks)."""
    ev = Evaluator(module)
    out: dict[str, Target] = {}
    for c in checks:
        target = c.extra.get("concrete")
        if target is not None:
            out[c.goal.key] = target(ev)
    return out


def state_pred(ev: Evaluator, e: ir.Expr) -> Callable[[Config], bool]:
    return lambda config: bool(ev.eval(e, Env(config)))


def step_env(pre: Config, params, post: Config, outcome: Outcome) -> Env:
    return Env(pre, post, params, dict(outcome.lets), outcome.accepted)


class Background:
    """``explore`` in a forked process, so it runs on the second core while the main
    process proves. The child only runs the evaluator (pure Python), never Z3."""

    def __init__(self, module: ir.Module, targets: dict[str, Target], seconds: float):
        import multiprocessing as mp

        self.seconds = seconds
        self.result: dict[str, Cex] | None = None
        try:
            ctx = mp.get_context("fork")
        except ValueError:  # no fork on this platform: explore in-process when asked
            self._args = (module, targets, seconds)
            self.proc = None
            return
        self._recv, send = ctx.Pipe(duplex=False)

        def child():
            try:
                send.send(explore(module, targets, seconds))
            except BaseException:  # noqa: BLE001 - the parent falls back to BMC
                send.send({})
            finally:
                send.close()

        self.proc = ctx.Process(target=child, daemon=True)
        self.proc.start()
        send.close()

    def get(self) -> dict[str, Cex]:
        if self.result is not None:
            return self.result
        if self.proc is None:
            self.result = explore(*self._args)
            return self.result
        if self._recv.poll(self.seconds + 5):
            try:
                self.result = self._recv.recv()
            except EOFError:
                self.result = {}
        else:
            self.result = {}
        self.proc.join(1)
        if self.proc.is_alive():
            self.proc.kill()
        return self.result
