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

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import z3

from compiler.eval.evaluator import Config, Outcome, in_domain
from compiler.ir import nodes as ir
from compiler.pipeline import analyze
from compiler.prove.system import NO_REASON, System
from hdltools import verilator_lint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends" / "python"))
from lockstep import UNKNOWN_EVENT, interesting_ints, random_value  # noqa: E402
from lockstep import Lockstep as PythonLockstep  # noqa: E402


class SpecRejected(AssertionError):
    """A generated spec that `check` refuses: a generator bug or a compiler bug."""


def module_of(text: str) -> ir.Module:
    from compiler.diagnostics import render_text

    analysis = analyze(text, "generated.pump")
    if not analysis.ok:
        raise SpecRejected(render_text(analysis.diagnostics, analysis.sources) + "\n" + text)
    return analysis.module


# ---------------------------------------------------------------- random traces


def random_trace(module: ir.Module, seed: int, length: int, wild: float = 0.08
                 ) -> list[tuple[str, dict[str, Any]]]:
    """``length`` events: user events (parameters inside and outside their domain,
    missing and extra ones), unknown events, resets, and runs of ticks."""
    rng = random.Random(seed)
    hints = interesting_ints(module)
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


class Lockstep(PythonLockstep):
    """The evaluator, the generated controller and (optionally) the Z3 step function
    on one trace; every disagreement is an AssertionError naming the step."""

    def __init__(self, module: ir.Module, symbolic: bool):
        super().__init__(module)
        self.symbolic = SymbolicStepper(module) if symbolic else None
        self.z3_steps = 0

    def compare_more(self, event: str, params: dict[str, Any], new: Config, outcome: Outcome,
                     where: str) -> None:
        if self.symbolic is None or not self.symbolic.representable(event, params):
            return
        want_reason = outcome.reason.code if outcome.reason else NO_REASON
        got = self.symbolic.step(self.config, event, params)
        assert got["config"] == new, f"{where}: Z3 post-state {got['config']}, evaluator {new}"
        assert got["accepted"] == outcome.accepted, f"{where}: Z3 accepted {got['accepted']}"
        assert got["ignored"] == (outcome.status == "ignored"), f"{where}: Z3 ignored {got['ignored']}"
        assert got["reason"] == want_reason, f"{where}: Z3 reason {got['reason']}, evaluator {want_reason}"
        if outcome.lets:
            assert got["lets"] == dict(outcome.lets), f"{where}: Z3 lets {got['lets']}"
        self.z3_steps += 1


def run_trace(module: ir.Module, trace, symbolic: bool) -> Lockstep:
    ls = Lockstep(module, symbolic)
    for event, params in trace:
        ls.step(event, params)
    return ls


# ---------------------------------------------------------------- Verilog tools


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
    r = verilator_lint(path, "--top-module", name[:-2], cwd=workdir, timeout=300)
    if r.returncode != 0:
        problems.append(f"verilator exit {r.returncode}: {r.stderr.strip()[:2000]}")
    return problems
