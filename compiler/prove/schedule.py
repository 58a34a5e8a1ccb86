"""The proof schedule: cheap engines for everything first, expensive ones only where needed.

1. Initial state: every state goal (types, invariants) holds in the initial state.
2. Houdini: the largest set of state goals that is 1-inductive *together*; those are
   proved at once and become lemmas (assumed in every frame by every later query).
3. Step goals (assertions, ranges, determinism, ...) that hold on every step from any
   lemma-state are proved.
4. Safety goals still open: evaluator exploration for counterexamples, then one
   multi-goal BMC run (depth ``bmc_depth``).
5. Per open goal: k-induction, then PDR (Spacer), within ``timeout`` seconds each. A newly
   proved invariant joins the lemmas. Responses (shortcut, else a monitor automaton).
6. Witness goals (reachability, vacuity), in this process: exploration of the generated
   controller with tick macro-steps until every goal is reached or ``witness_budget``
   seconds pass; for the goals it missed, a cheap dead proof (induction), a small BMC
   budget, a short PDR run; otherwise "unknown: not reached within ...".
7. Recovery sequences, from every state satisfying the proved invariants (dead states
   excluded).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import z3

from ..ir import nodes as ir
from .goals import Check, build_checks
from ..eval.stepper import FastStepper
from .compiled import Compiled
from .explore import Explorer
from .probes import probes_of
from .engines import (PROVED, UNKNOWN, VIOLATED, Cex, Deadline, StatePred, Unroll,
                       Verdict, bmc, check, houdini, k_induction, pdr,
                       relative_step, solver)
from .system import System


@dataclass
class Options:
    timeout: float = 10.0  # seconds per check for k-induction + PDR
    bmc_depth: int = 12
    kmax: int = 4
    only: tuple[str, ...] = ()
    witnesses: bool = True  # reachability and vacuity
    witness_budget: float = 2.0  # seconds of exploration for witnesses (stops when all found)
    witness_depth: int = 4  # BMC depth for the witnesses exploration missed
    witness_seconds: float = 0.5  # BMC budget for those
    explore_seconds: float = 1.0  # exploration for counterexamples of open safety goals
    pdr: bool = True
    # when positive, every Z3 query of the safety checks is bounded by this many resource
    # units instead of by ``timeout``: the verdicts repeat on any machine and load (the
    # exploration, a falsifier, stays bounded by ``explore_seconds``; witnesses by theirs)
    rlimit: int = 0
    fail_fast: bool = False  # stop at the first violated error check (the others: skipped)
    explore_first: float = 0.0  # seconds of exploration for counterexamples before any proof


@dataclass
class Report:
    module: ir.Module
    checks: list[Check]
    seconds: float
    options: Options
    lemmas: list[str] = field(default_factory=list)
    # the spec compiled for the witness search, if a search ran: the ticks of a
    # macro-step in a counterexample replay on it
    compiled: Compiled | None = None

    def selected(self) -> list[Check]:
        return [c for c in self.checks if c.extra.get("selected", True)]

    @property
    def exit_code(self) -> int:
        errors = [c for c in self.selected() if c.severity == "error"]
        if any(c.outcome == "violated" for c in errors):
            return 1
        if any(c.outcome != "proved" for c in errors):
            return 2
        return 0


def _matches(c: Check, only: tuple[str, ...]) -> bool:
    if not only:
        return True
    return any(c.id == o or c.key == o or c.id.startswith(o + ".") or c.kind == o for o in only)


class Prover:
    def __init__(self, module: ir.Module, options: Options, stepper: FastStepper,
                 progress: Callable[[Check], None] | None = None):
        self.m, self.o = module, options
        self.stepper = stepper
        self.system = System(module)
        self.checks = build_checks(module, self.system)
        for c in self.checks:
            c.extra["selected"] = _matches(c, options.only)
        self.progress = progress or (lambda c: None)
        self.lemmas: list[StatePred] = []
        self.lemma_names: list[str] = []
        self.compiled_spec: Compiled | None = None  # built by the first search
        self.explored = None  # the witness exploration's Stats

    # -- bookkeeping

    def done(self, c: Check, v: Verdict, started: float | None = None) -> None:
        if c.verdict is not None:
            return
        if started is not None:
            v.seconds = time.monotonic() - started
        c.verdict = v
        if c.extra.get("selected", True):
            self.progress(c)
            if self.o.fail_fast and v.status == VIOLATED and c.severity == "error":
                raise _FirstViolation()

    def deadline(self, seconds: float) -> Deadline:
        """The bound of a safety query: ``seconds``, or ``rlimit`` units of work."""
        return Deadline(seconds, self.o.rlimit)

    def open(self, kinds=None, witness=None) -> list[Check]:
        out = []
        for c in self.checks:
            if c.verdict is not None or c.goal is None:
                continue
            if kinds and c.kind not in kinds:
                continue
            if witness is not None and c.witness != witness:
                continue
            if not c.extra.get("selected", True) and c.kind not in ("type", "invariant"):
                continue  # unselected checks are skipped, except lemmas
            if c.witness and not self.o.witnesses:
                continue
            out.append(c)
        return out

    def add_lemma(self, c: Check) -> None:
        self.lemmas.append(c.goal.at)
        self.lemma_names.append(c.key)

    # -- the schedule

    def compiled(self) -> Compiled:
        """The spec compiled by the stepper, built once."""
        if self.compiled_spec is None:
            self.compiled_spec = Compiled(self.m, self.stepper)
        return self.compiled_spec

    def falsify(self, checks: list[Check], seconds: float) -> None:
        """Counterexamples for ``checks`` by exploring the spec compiled by the stepper
        (deep, cheap traces), within ``seconds``."""
        falsifiable = [c for c in checks if "probe" in c.extra]
        if not falsifiable or seconds <= 0:
            return
        t = time.monotonic()
        hits = Explorer(self.m, self.compiled()).run(probes_of(falsifiable), seconds,
                                                      first_hit=self.o.fail_fast)
        for c in falsifiable:
            if c.goal.key in hits:
                cex = hits[c.goal.key]
                self.done(c, Verdict(VIOLATED, "explore", _steps("counterexample", cex), cex), t)

    def run(self) -> list[Check]:
        o = self.o
        self.falsify([c for c in self.open(witness=False) if c.goal.system is self.system],
                     o.explore_first)
        state_checks = self.open(("type", "invariant"))
        t = time.monotonic()
        # 1. the initial state
        bad, _ = bmc(self.system, [c.goal for c in state_checks], 0, [], self.deadline(o.timeout))
        for c in state_checks:
            if c.goal.key in bad:
                self.done(c, Verdict(VIOLATED, "bmc", "fails in the initial state",
                                     bad[c.goal.key]), t)
        # 2. Houdini over the rest
        live = [c for c in state_checks if c.verdict is None]
        proved, _ = houdini(self.system, [c.goal for c in live], [], self.deadline(o.timeout))
        keys = {g.key for g in proved}
        for c in live:
            if c.goal.key in keys:
                self.add_lemma(c)
                self.done(c, Verdict(PROVED, "induction",
                                     "1-inductive together with the other proved invariants"), t)
        # 3. step goals relative to the lemmas (and the response shortcuts)
        step_checks = self.open(("assertion", "range", "let-range", "motor", "determinism",
                                 "completeness"))
        responses = self.open(("response",))
        shortcuts = [c.extra["shortcut"] for c in responses]
        t = time.monotonic()
        proved, _, _ = relative_step(self.system, [c.goal for c in step_checks] + shortcuts,
                                     self.lemmas, self.deadline(o.timeout))
        keys = {g.key for g in proved}
        for c in step_checks:
            if c.goal.key in keys:
                self.done(c, Verdict(PROVED, "induction",
                                     "holds on every step from a state satisfying the proved "
                                     "invariants"), t)
        for c in responses:
            if c.extra["shortcut"].key in keys:
                self.done(c, Verdict(PROVED, "induction",
                                     "the response holds right after every trigger"), t)
        # 4. BMC: counterexamples for the open safety goals, witnesses for the others
        safety = [c for c in self.open(witness=False) if c.goal.system is self.system]
        self.falsify(safety, o.explore_seconds)  # deep, cheap traces on the evaluator first
        safety = [c for c in safety if c.verdict is None]
        if safety:
            t = time.monotonic()
            found, clean = bmc(self.system, [c.goal for c in safety], o.bmc_depth, [],
                               self.deadline(max(o.timeout, 1.0) * 2))
            for c in safety:
                c.extra["bmc_clean"] = clean
                if c.goal.key in found:
                    cex = found[c.goal.key]
                    self.done(c, Verdict(VIOLATED, "bmc",
                                         f"counterexample of {len(cex.inputs)} steps", cex), t)
        # 5. deep engines for the safety goals still open (state goals first: they become lemmas)
        for c in self.open(("type", "invariant")):
            self.deep(c)
        if any(c.verdict is None for c in self.open(witness=False)):
            self.relative_again()
        for c in self.open(witness=False):
            if c.kind == "response":
                continue
            self.deep(c)
        for c in self.open(("response",)):
            self.response(c)
        # 6. witnesses; the goals not reached: dead proofs (a dead state is an invariant:
        # a lemma for the recoveries)
        if o.witnesses:
            self.witness_search()
            self.dead()
            for c in self.checks:
                if c.kind == "reachability" and c.outcome == "dead" and c.goal.kind == "state":
                    self.add_lemma(c)
        # 7. recoveries, from every state satisfying the proved invariants
        for c in self.checks:
            if c.kind == "recovery" and c.verdict is None and c.extra.get("selected", True):
                self.recovery(c)
        return self.checks

    def witness_search(self) -> None:
        """Exploration of the generated controller (with tick macro-steps) until every
        witness goal is reached or ``witness_budget`` seconds pass; then one BMC run of
        ``witness_depth`` steps within ``witness_seconds`` for the goals it missed."""
        o = self.o
        goals = {c.goal.key: c for c in self.open(witness=True)}
        if not goals:
            return
        t = time.monotonic()
        probes = probes_of(goals.values())
        if probes and o.witness_budget > 0:
            explorer = Explorer(self.m, self.compiled())
            found = explorer.run(probes, o.witness_budget)
            self.explored = explorer.stats
            for key, cex in found.items():
                self.done(goals.pop(key), Verdict(VIOLATED, "explore",
                                                  _steps("witness", cex), cex), t)
        if not goals or o.witness_seconds <= 0:
            return
        t = time.monotonic()
        found, clean = bmc(self.system, [c.goal for c in goals.values()],
                           min(o.witness_depth, o.bmc_depth), [],
                           Deadline(min(o.witness_seconds, o.timeout)))
        for key, c in goals.items():
            c.extra["bmc_clean"] = clean
            if key in found:
                cex = found[key]
                self.done(c, Verdict(VIOLATED, "bmc", _steps("witness", cex), cex), t)

    def relative_again(self) -> None:
        """New lemmas may make more step goals 1-inductive."""
        live = [c for c in self.open(witness=False) if c.goal.kind == "step"
                and c.kind != "response"]
        if not live:
            return
        t = time.monotonic()
        proved, _, _ = relative_step(self.system, [c.goal for c in live], self.lemmas,
                                     self.deadline(self.o.timeout))
        keys = {g.key for g in proved}
        for c in live:
            if c.goal.key in keys:
                self.done(c, Verdict(PROVED, "induction",
                                     "holds on every step from a state satisfying the proved "
                                     "invariants"), t)

    def deep(self, c: Check) -> None:
        t = time.monotonic()
        deadline = self.deadline(self.o.timeout)
        clean = c.extra.get("bmc_clean", -1)
        v = k_induction(c.goal, self.lemmas, self.o.kmax, clean, deadline)
        if v.status != PROVED and self.o.pdr and not deadline.expired():
            w = pdr(c.goal, self.lemmas, deadline)
            if w.status != UNKNOWN:
                v = w
            else:
                v = Verdict(UNKNOWN, "k-induction+pdr",
                            f"no counterexample within {max(clean, 0)} steps; {v.detail}; "
                            f"{w.detail}")
        elif v.status != PROVED:
            v = Verdict(UNKNOWN, v.engine, f"no counterexample within {max(clean, 0)} steps; "
                        f"{v.detail}")
        if v.status == VIOLATED and v.cex is None:
            v.detail += f"; BMC found none within {clean} steps"
        self.done(c, v, t)
        if v.status == PROVED and c.goal.kind == "state" and c.goal.system is self.system:
            self.add_lemma(c)

    def response(self, c: Check) -> None:
        t = time.monotonic()
        g = c.goal
        found, clean = bmc(g.system, [g], self.o.bmc_depth, [], self.deadline(self.o.timeout))
        if g.key in found:
            cex = found[g.key]
            self.done(c, Verdict(VIOLATED, "bmc", f"counterexample of {len(cex.inputs)} steps", cex), t)
            return
        c.extra["bmc_clean"] = clean
        self.deep(c)

    def recovery(self, c: Check) -> None:
        """Apply the sequence symbolically from every state satisfying the proved invariants;
        if the target can fail, look for a reachable start state (BMC prefix)."""
        p: ir.Recovery = c.prop
        t = time.monotonic()
        deadline = self.deadline(self.o.timeout)
        sys = self.system

        def run_sequence(s: z3.Solver, u: Unroll, start: int):
            for call in p.sequence:
                step = u.extend()
                s.add(step.inp.event == sys.event_index[call.event])
                for name, val in call.args:
                    s.add(step.inp.params[call.event][name] == val)
            return z3.Not(sys.pred(p.target, u.frames[-1]))

        s = solver(sys)
        u = Unroll(sys, s, "q", [])
        for lemma in self.lemmas:
            s.add(lemma(u.frames[0]))
        s.add(run_sequence(s, u, 0))
        r = check(s, deadline=deadline)
        if r == z3.unsat:
            self.done(c, Verdict(PROVED, "induction",
                                 f"the {len(p.sequence)}-event sequence reaches the target from "
                                 f"every state satisfying the proved invariants"), t)
            return
        if r == z3.unknown:
            self.done(c, Verdict(UNKNOWN, "smt", "the recovery query timed out"), t)
            return
        start = u.extract(s.model(), len(p.sequence), len(p.sequence), "state")
        # a reachable counterexample: a BMC prefix to the start state, then the sequence
        s = solver(sys)
        u = Unroll(sys, s, "qb", [])
        s.add(sys.init(u.frames[0]))
        for d in range(self.o.bmc_depth + 1):
            if d:
                u.extend()
            s.push()
            frames_before = len(u.frames)
            bad = run_sequence(s, u, d)
            s.add(bad)
            r = check(s, deadline=deadline)
            if r == z3.sat:
                cex = u.extract(s.model(), len(u.frames) - 1, len(u.frames) - 1, "state")
                cex.configs, cex.inputs = cex.configs, cex.inputs
                c.extra["prefix"] = d
                self.done(c, Verdict(VIOLATED, "bmc", f"the sequence fails after a prefix of {d} "
                                     f"steps", cex), t)
                return
            s.pop()
            del u.frames[frames_before:], u.inputs[d:], u.steps[d:]
            if r == z3.unknown:
                break
        self.done(c, Verdict(
            VIOLATED, "smt",
            "the sequence does not reach the target from a state that only satisfies the "
            "proved invariants: no reachable such state was found (BMC, "
            f"{self.o.bmc_depth} steps), and none is proved unreachable", start,
            extra={"unreachable_start": True}), t)

    def dead(self) -> None:
        """Witness goals not reached by BMC: try to prove them dead, cheaply."""
        live = self.open(witness=True)
        if not live:
            return
        t = time.monotonic()
        quick = Deadline(min(1.0, self.o.timeout))
        states = [c for c in live if c.goal.kind == "state"]
        steps = [c for c in live if c.goal.kind == "step"]
        proved_keys = set()
        if states:
            proved, _ = houdini(self.system, [c.goal for c in states], self.lemmas, quick)
            proved_keys |= {g.key for g in proved}
        if steps:
            proved, _, _ = relative_step(self.system, [c.goal for c in steps], self.lemmas, quick)
            proved_keys |= {g.key for g in proved}
        budget = Deadline(min(1.0, self.o.timeout))  # witnesses are warnings: stay cheap
        for c in live:
            clean = c.extra.get("bmc_clean", -1)
            if c.goal.key in proved_keys:
                self.done(c, Verdict(PROVED, "induction", "proved impossible by induction"), t)
                continue
            if self.o.pdr and not budget.expired():
                t1 = time.monotonic()
                v = pdr(c.goal, self.lemmas, Deadline(min(0.3, budget.ms() / 1000)))
                if v.status == PROVED:
                    v.detail = "proved impossible: " + v.detail
                    self.done(c, v, t1)
                    continue
            self.done(c, Verdict(UNKNOWN, "explore", self.not_reached(clean)), t)

    def not_reached(self, clean: int) -> str:
        """Why a witness goal is unknown: what the searches covered (never "dead")."""
        parts = []
        st = self.explored
        if st is not None and st.stopped == "exhausted":
            parts.append(f"not reached: the exploration ran out of configurations and "
                         f"macro-steps ({st.text()}; at most {st.macro_limit:,} ticks each)")
        elif st is not None:
            parts.append(f"not reached within {self.o.witness_budget:g} s ({st.text()})")
        if clean >= 0:
            parts.append(f"no BMC witness within {clean} steps")
        return "; ".join(parts) or "not searched"


class _FirstViolation(Exception):
    """Raised by ``Prover.done`` under ``Options.fail_fast``: the run stops."""


def _steps(what: str, cex: Cex) -> str:
    """"witness of 7 steps", with the tick macro-steps it uses."""
    n = cex.bad + 1 if cex.kind == "step" else cex.bad
    text = f"{what} of {n} step{'s' if n != 1 else ''}"
    macro = cex.macro_ticks
    if macro:
        ticks = " and ".join(f"{x:,}" for x in macro)
        text += (f" (uses a tick macro-step{'s' if len(macro) > 1 else ''} of {ticks} ticks, "
                 "run on the generated controller; every other step replayed on the evaluator)")
    return text


def prove(module: ir.Module, options: Options | None = None,
          progress: Callable[[Check], None] | None = None, *, stepper: FastStepper) -> Report:
    """Every check of ``module``; ``stepper`` runs the spec fast for the witness search
    (the pipeline passes the Python backend's controller: ``compiler.pipeline.prove``)."""
    options = options or Options()
    started = time.monotonic()
    prover = Prover(module, options, stepper, progress)
    try:
        checks = prover.run()
    except _FirstViolation:  # ``fail_fast``: the checks not yet decided stay skipped
        checks = prover.checks
    return Report(module, checks, time.monotonic() - started, options, prover.lemma_names,
                  prover.compiled_spec)
