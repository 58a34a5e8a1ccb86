"""Witness and counterexample search by explicit exploration of concrete configurations.

Reachability and vacuity witnesses (and many counterexamples) only need *some* real
trace, and most are found far faster by running the spec than by deep BMC queries.

The search runs the spec compiled by the Python backend, in memory (the generated
controller, ~100x faster than the IR evaluator), over configurations held as tuples
(the control state index, then every variable in declaration order). Every target is a
``Probe`` (see ``_checks``), compiled to a Python predicate with the backend's expression
printer. Breadth-first over abstract configurations (the control state, every bool and
enum, and each integer as 0, 1 or "2 or more"; window and accumulator bookkeeping left
out), trying every event with a few parameter values per parameter (each end of the wire
domain, one step above the low end, a quarter and half of the domain, each side of every
guard constant, and each side of the range bounds of the variables the parameter is
assigned to), larger values first.

**Tick macro-steps.** A timer of 72 h is 259,200 ticks: no breadth-first search gets
there. When a tick from an expanded configuration changes nothing the abstraction sees,
the search may take the macro action "tick repeatedly until the next tick changes the
control state, an alarm or alert (any variable the abstraction sees), or fires a tick
transition", up to ``macro_ticks`` ticks, run on the generated controller; the
configuration it stops in is explored like any other (its next tick is the change). A
macro-step whose situation cannot change (only window/accumulator bookkeeping moves for
a whole period) is abandoned early. Macro-steps are tried only once the ordinary frontier
is exhausted, shallowest first, at most one per abstract tick situation.

**Validation.** Every witness is replayed on the IR evaluator (the oracle) before it is
returned: each ordinary step is recomputed by the evaluator and must give the same
configuration, and the target is re-checked with the evaluator's semantics. The ticks of
a macro-step are run on the generated controller only (the evaluator runs ~2,500 ticks/s;
the controller is differentially tested against it); the evaluator takes over from the
configuration the macro-step ends in. A disagreement is an internal error.
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
from ._engines import Cex


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

    def observer(self, variables: list[ir.Variable]) -> Callable:
        """The abstraction read straight from a controller (no tuple in between)."""
        parts = ["c._state"]
        for v in variables:
            a = self.slots[self.index[v.name]]
            parts.append(f"(c.{a} if c.{a} < 2 else 2)" if isinstance(v.type, ir.IntType)
                         else f"c.{a}")
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


class Explorer:
    def __init__(self, module: ir.Module, compiled: Compiled | None = None):
        self.m = module
        self.x = compiled or Compiled(module)
        self.inputs = _inputs(module)
        visible = _visible(module)
        self.abstract = self.x.abstraction(visible)
        self.observe = self.x.observer(visible)
        self.cone = self.x.abstraction([v for v in visible if v.role in ("alarm", "alert")])
        self.visible_idx = [self.x.index[v.name] for v in visible]
        # positions (in an abstraction) of the control state, bools and enums
        self.discrete = operator.itemgetter(0, *[j + 1 for j, v in enumerate(visible)
                                                 if not isinstance(v.type, ir.IntType)])
        self.period = _period(module)
        self.tick_input = next(k for k, (e, _, _) in enumerate(self.inputs) if e == self.x.tick)

    def macro(self, t: tuple, limit: int, chunk: int = 4096):
        """Tick from ``t`` until the next tick would change what the abstraction sees or
        fire a tick transition. A generator (the scheduler interleaves several): yields
        every ``chunk`` ticks; returns (the configuration before that tick, the ticks
        taken), or None (no change within ``limit`` ticks, or nothing but bookkeeping
        moved for a whole bookkeeping period)."""
        x = self.x
        c = object.__new__(x.cls)
        x.put(c, t)
        tick, observe, get = c.tick, self.observe, x.get
        seen = observe(c)
        discrete, warmup = self.discrete, 2
        visible = operator.itemgetter(*self.visible_idx)
        period = self.period + 1
        mark, mark_n, mark_vis = t, 0, visible(t)
        n = 0
        while n < limit:
            for _ in range(min(chunk, limit - n)):
                r = tick()
                n += 1
                if r[-1] is not None:
                    break
                o = observe(c)
                if o != seen:
                    if n > warmup or discrete(o) != discrete(seen):
                        break
                    seen = o  # an integer still settling into "2 or more"
            else:
                if n - mark_n >= period:
                    now = get(c)
                    vis = visible(now)
                    if vis == mark_vis:  # a full bookkeeping period with nothing moving
                        return None
                    mark, mark_n, mark_vis = now, n, vis
                yield
                continue
            break
        else:
            return None
        if n <= warmup + 1:
            return None  # one of the next few ticks changes something: ordinary steps
        c2 = object.__new__(x.cls)
        x.put(c2, mark)
        for _ in range(n - 1 - mark_n):
            c2.tick()
        return get(c2), n - 1

    def _relevant_states(self, probes: dict[str, Probe], open_keys) -> set[int] | None:
        """Control states a macro-step must start in to be of use to an open probe whose
        next step is a tick (None: any state)."""
        out: set[int] = set()
        for key in open_keys:
            p = probes[key]
            if p.kind == "state" or (p.events and self.x.tick not in p.events):
                return None
            if p.states:
                out |= {self.x.state_index[s] for s in p.states}
            elif p.transition is not None:
                out |= {self.x.state_index[s] for s in self.m.transitions[p.transition].sources}
            else:
                return None
        return out

    def run(self, probes: dict[str, Probe], seconds: float, max_nodes: int = 20000,
            max_plain: int = 4000, max_below: int = 300, macro_ticks: int = 300_000,
            validate: bool = True
            ) -> dict[str, Cex]:
        x = self.x
        end = time.monotonic() + seconds
        compiled = {k: (p, x.compile(p)) for k, p in probes.items()}
        open_state = {k: f for k, (p, f) in compiled.items() if p.kind == "state"}
        open_step: dict[str, dict[str, Callable]] = {}  # event -> key -> probe
        for k, (p, f) in compiled.items():
            if p.kind == "step":
                for e in (p.events or [e.name for e in self.m.events]):
                    open_step.setdefault(e, {})[k] = f
        open_keys = set(probes)
        hits: dict[str, int] = {}  # key -> node index (state: the node; step: its last step)

        def close(key):
            open_keys.discard(key)
            open_state.pop(key, None)
            for group in open_step.values():
                group.pop(key, None)

        init = x.initial()
        # a node: (config, parent, input index, repeat: ticks of a macro-step, 1 otherwise)
        nodes: list[tuple[tuple, int, int, int]] = [(init, -1, -1, 1)]
        for key, f in list(open_state.items()):
            if f(None, None, None, init, True, None, None):
                hits[key] = 0
                close(key)
        seen = {self.abstract(init)}
        queue = deque([0])  # the breadth-first frontier
        front: deque[int] = deque()  # configurations after a macro-step, and below them
        root: dict[int, int] = {}  # node below a macro-step -> the macro-step's node
        budget: dict[int, int] = {}  # macro-step node -> expansions left below it
        running: list = []  # (macro-step generator, node index)
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
                    key = (config[0], self.cone(config), changed)
                    if key not in macro_seen:
                        macro_seen.add(key)
                        running.append([self.macro(config, macro_ticks), i, 0])
                fresh = a not in seen
                if not found and (not fresh or len(nodes) >= max_nodes):
                    continue
                nodes.append((post, i, k, 1))
                j = len(nodes) - 1
                for key in found:
                    hits[key] = j
                    close(key)
                if fresh:
                    seen.add(a)
                    into.append(j)
                    if i in root:
                        root[j] = root[i]

        while open_keys and time.monotonic() < end:
            if front:
                i = front.popleft()
                r = root[i]
                if budget[r] > 0:
                    budget[r] -= 1
                    expand(i, front)
            elif queue and len(nodes) < max_plain:
                expand(queue.popleft(), queue)
            elif running:
                relevant = self._relevant_states(probes, open_keys)
                live = [r for r in running if relevant is None or nodes[r[1]][0][0] in relevant]
                if not live:
                    running.clear()
                    continue
                task = min(live, key=lambda r: r[2])  # the least advanced: uniform cost
                gen, i, _ = task
                try:
                    next(gen)
                    task[2] += 1
                except StopIteration as stop:
                    running.remove(task)
                    if stop.value is not None:
                        nodes.append((stop.value[0], i, tick_k, stop.value[1]))
                        j = len(nodes) - 1
                        front.append(j)
                        root[j], budget[j] = j, max_below
            elif queue and len(nodes) < max_nodes:
                expand(queue.popleft(), queue)
            else:
                break
        return self._witnesses(nodes, hits, probes, validate)

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
                if repeat > 1:  # a macro-step: the generated controller runs the ticks
                    got = (x.to_config(x.ticks(x.from_config(pre), repeat)), None)
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
    return Explorer(module, compiled).run(probes, seconds, **kw)


def probes_of(checks) -> dict[str, Probe]:
    """The probe of each check that has one (see _checks), by goal key."""
    return {c.goal.key: c.extra["probe"] for c in checks if "probe" in c.extra}


class Background:
    """``explore`` in a forked process, so it runs on the second core while the main
    process proves. The child only runs Python (the controller and the evaluator), never
    Z3."""

    def __init__(self, module: ir.Module, probes: dict[str, Probe], seconds: float):
        import multiprocessing as mp

        self.seconds = seconds
        self.result: dict[str, Cex] | None = None
        try:
            ctx = mp.get_context("fork")
        except ValueError:  # no fork on this platform: explore in-process when asked
            self._args = (module, probes, seconds)
            self.proc = None
            return
        self._recv, send = ctx.Pipe(duplex=False)

        def child():
            try:
                send.send(explore(module, probes, seconds))
            except BaseException as exc:  # noqa: BLE001 - the parent falls back to BMC
                print(f"pumpspec: exploration failed: {exc!r}", file=sys.stderr)
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
        if self._recv.poll(self.seconds + 10):
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
