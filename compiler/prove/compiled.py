"""The spec as fast Python for the witness search: a ``FastStepper`` (compiler/eval/stepper.py,
given by the pipeline: the Python backend's generated controller) driven over
configurations held as tuples (the control state's index, then every variable in
declaration order), and probes compiled to Python predicates with its expression printer.
"""
from __future__ import annotations

from typing import Callable

from ..eval.evaluator import Config
from ..eval.stepper import FastStepper, Names
from ..ir import nodes as ir
from .probes import Probe


def _domain_test(text: str, t: ir.Type) -> str:
    """Python source: ``text`` (an int-valued expression) is outside ``t``'s domain."""
    if isinstance(t, ir.BoolType):
        return "False"
    lo, hi = (0, len(t.members) - 1) if isinstance(t, ir.EnumType) else (t.lo, t.hi)
    return f"not ({lo} <= ({text}) <= {hi})"


class Compiled:
    """The spec as fast Python: the stepper's controller driven over configuration
    tuples, and probes compiled with the stepper's expression printer."""

    def __init__(self, module: ir.Module, stepper: FastStepper):
        self.m = module
        self.stepper = stepper
        self.cls, self.Rejected = stepper.controller(module)
        slots = list(self.cls.__slots__)
        if len(slots) != 1 + len(module.variables) or slots[0] != "_state":
            raise RuntimeError("internal error: the compiled controller's slots do not "
                               "match the module's variables")
        self.slots = slots
        self.index = {v.name: i + 1 for i, v in enumerate(module.variables)}
        # a configuration is always a tuple, also of a spec with no variables (one slot:
        # attrgetter would give the bare value, and `c._state = t` store the tuple)
        env: dict = {}
        exec("def get(c):\n    return (" + "".join(f"c.{s}, " for s in slots) + ")\n"
             "def put(c, t):\n    " + "".join(f"c.{s}, " for s in slots) + "= t\n", env)
        self.get, self.put = env["get"], env["put"]
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

    def lets_at(self, t: tuple) -> tuple:
        """The lets of the next tick from ``t`` (nothing changes)."""
        c = self.scratch
        if self._holds is not t:
            self.put(c, t)
            self._holds = t
        return self.tick_lets(c)

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
        """``f(pre, event, params, post, accepted, transition, lets) -> bool``: the probe's
        reading as ``Probe.on_eval`` judges it (its events, states, transition and expression)."""
        idx = self.index
        lets = {name: i for i, name in enumerate(self.lets)}
        in_step = Names(var=lambda name, post: f"{'post' if post else 'pre'}[{idx[name]}]",
                        state=lambda post: "post[0]" if post else "pre[0]",
                        param=lambda name: f"params[{name!r}]",
                        let=lambda name: f"lets[{lets[name]}]",
                        accepted=lambda: "accepted")
        on_config = Names(var=lambda name, post: f"post[{idx[name]}]",
                          state=lambda post: "post[0]")
        names = in_step if probe.kind == "step" else on_config
        conds = []
        if probe.kind == "step":
            if probe.events:
                conds.append(f"event in {tuple(probe.events)!r}")
            if probe.states:
                conds.append(f"pre[0] in {tuple(self.state_index[s] for s in probe.states)!r}")
            if probe.transition is not None:
                conds.append(f"transition == {probe.transition}")
        if probe.state is not None:
            conds.append(f"post[0] == {self.state_index[probe.state]}")
        if probe.var is not None:
            conds.append(_domain_test(f"post[{idx[probe.var]}]", probe.type))
        elif probe.expr is not None:
            text = self.stepper.expression(probe.expr, names)
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


class ReplayMismatch(AssertionError):
    """The compiled controller and the evaluator disagree: a bug in pumpspec."""
