"""The proof schedule: cheap engines for everything first, expensive ones only where needed.

0. A short exploration (``explore_first`` steps) for counterexamples of every safety
   check with a probe: deep but cheap traces before any proof.
1. Initial state: every state goal (types, invariants) holds in the initial state.
2. Houdini: the largest set of state goals that is 1-inductive *together*; those are
   proved at once and become lemmas (assumed in every frame by every later query).
3. Step goals: a range check whose value's interval (the IR's) lies within the declared
   range is proved by interval; the other step goals (assertions, ranges, determinism,
   ...) that hold on every step from any lemma-state are proved.
4. Safety goals still open: one multi-goal BMC run of ``kmax`` steps (shallow
   counterexamples, and the base case of k-induction).
5. Per open goal: k-induction, then PDR (Spacer). A newly proved invariant joins the
   lemmas. Responses: the shortcut, else a monitor automaton, the same engines.
6. Safety goals still open (or violated by PDR, which gives no trace): the exploration
   searches their counterexamples, seeing only the variables that can decide them (their
   cone of influence; responses with their monitor), then BMC deepens to ``bmc_depth``.
7. Witness goals (reachability, vacuity): the exploration (tick macro-steps, guided
   towards the open targets) until every goal is reached or its work budget is spent;
   for the goals it missed, BMC to ``bmc_depth``, a cheap dead proof (induction) and a
   short PDR run; otherwise "unknown: not reached ...".
8. Recovery sequences, from every state satisfying the proved invariants (dead states
   excluded).

Every search is bounded by work, not time: configurations and steps for the
exploration, depth for BMC and k-induction, and a Z3 resource limit (``rlimit``) per
solver query. The same spec and options give the same verdicts and traces on any
machine. ``timeout`` (wall-clock seconds per bounded run: one check's k-induction and
PDR, a recovery, or a run shared by several checks such as Houdini or a BMC run) is only a
safety net: when it strikes, the checks of that run are unknown.
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
    rlimit: int = 20_000_000  # Z3 resource limit per solver query (the work bound)
    timeout: float = 30.0  # seconds per bounded run (``bound``): a safety net only (then: unknown)
    bmc_depth: int = 12  # BMC depth for counterexamples and witnesses
    kmax: int = 4
    only: tuple[str, ...] = ()
    witnesses: bool = True  # reachability and vacuity
    explore_steps: int = 3_000_000  # steps of the compiled spec per exploration
    pdr: bool = True
    fail_fast: bool = False  # stop at the first violated error check (the others: skipped)
    # steps of an exploration for counterexamples of every safety check before any proof
    # (0: none); with ``fail_fast`` it stops at the first one (a mutant's quick death).
    # A counter overflowing after a hundred events is found here in a fraction of a
    # second, where PDR would spend its whole resource limit first; on a spec that
    # proves it costs ~0.5 s of CPU (the reference spec)
    explore_first: int = 20_000


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
        """1 if an error-level check is violated; else 2 if an error-level check is not
        proved or a witness search ran and did not decide (a witness not found: the
        finding is only a warning, but the run did not decide everything); else 0.
        Decided warnings (dead, vacuous, completeness) never change it."""
        selected = self.selected()
        errors = [c for c in selected if c.severity == "error"]
        if any(c.outcome == "violated" for c in errors):
            return 1
        if any(c.outcome != "proved" for c in errors) or any(
                c.witness and c.outcome == "unknown" for c in selected):
            return 2
        return 0


def checks_of(module: ir.Module) -> list[Check]:
    """Every check ``prove`` would run on ``module``, without verdicts (cheap: what
    ``--only`` can select, how many checks a run has)."""
    return build_checks(module, System(module))


def matches(c: Check, only: tuple[str, ...]) -> bool:
    """Whether ``--only`` selects ``c``: by requirement id, key, key prefix or kind."""
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
            c.extra["selected"] = matches(c, options.only)
        self.progress = progress or (lambda c: None)
        self.lemmas: list[StatePred] = []
        self.lemma_names: list[str] = []
        self.compiled_spec: Compiled | None = None  # built by the first search
        self.explored = None  # the witness exploration's Stats

    # -- bookkeeping

    def done(self, c: Check, v: Verdict, started: float | None = None,
             report: bool = True) -> None:
        """Record ``c``'s verdict (once); ``report``: show its progress line now."""
        if c.verdict is not None:
            return
        if started is not None:
            v.seconds = time.monotonic() - started
        c.verdict = v
        if report and c.extra.get("selected", True):
            self.progress(c)
        if self.o.fail_fast and v.status == VIOLATED and c.severity == "error" \
                and c.extra.get("selected", True):
            raise _FirstViolation()

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

    def bound(self, share: float = 1.0) -> Deadline:
        """The bound of one check: ``share`` of the resource limit per query, and the
        wall-clock safety net."""
        return Deadline(self.o.timeout, int(self.o.rlimit * share), self.o.rlimit)

    def run(self) -> list[Check]:
        """Every check's verdict, by the phases of the schedule (module docstring); a
        phase sees only the checks the earlier ones left open, and every lemma they
        proved."""
        if self.o.explore_first > 0:
            self.explore_first()
        self.state_goals_by_induction()  # 1, 2
        self.step_goals_by_induction()  # 3
        self.shallow_counterexamples()  # 4
        self.deep_proofs()  # 5
        self.falsify()  # 6
        if self.o.witnesses:
            self.witnesses_and_dead_proofs()  # 7
        self.recoveries()  # 8
        return self.checks

    def state_goals_by_induction(self) -> None:
        """Phases 1 and 2: the state goals violated in the initial state, then the largest
        set of the others 1-inductive together (Houdini), proved and made lemmas."""
        state_checks = self.open(("type", "invariant"))
        t = time.monotonic()
        bad, _ = bmc(self.system, [c.goal for c in state_checks], 0, [], self.bound())
        for c in state_checks:
            if c.goal.key in bad:
                self.done(c, Verdict(VIOLATED, "bmc", "fails in the initial state",
                                     bad[c.goal.key]), t)
        live = [c for c in state_checks if c.verdict is None]
        proved, _ = houdini(self.system, [c.goal for c in live], [], self.bound())
        keys = {g.key for g in proved}
        for c in live:
            if c.goal.key in keys:
                self.add_lemma(c)
                self.done(c, Verdict(PROVED, "induction",
                                     "1-inductive together with the other proved invariants"), t)

    def step_goals_by_induction(self) -> None:
        """Phase 3: step goals by interval, then those that hold on every step from a
        lemma-state, and the responses whose shortcut does."""
        self.by_interval()
        step_checks = self.open(("assertion", "range", "let-range", "motor", "determinism",
                                 "completeness"))
        responses = self.open(("response",))
        shortcuts = [c.extra["shortcut"] for c in responses]
        t = time.monotonic()
        proved, _, _ = relative_step(self.system, [c.goal for c in step_checks] + shortcuts,
                                     self.lemmas, self.bound())
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

    def shallow_counterexamples(self) -> None:
        """Phase 4: one BMC run of ``kmax`` steps over the open safety goals of the main
        system: shallow counterexamples, and (``bmc_clean``) the base case of
        k-induction."""
        safety = [c for c in self.open(witness=False) if c.goal.system is self.system]
        if not safety:
            return
        t = time.monotonic()
        found, clean = bmc(self.system, [c.goal for c in safety], self.o.kmax, [], self.bound())
        for c in safety:
            c.extra["bmc_clean"] = clean
            if c.goal.key in found:
                cex = found[c.goal.key]
                self.done(c, Verdict(VIOLATED, "bmc",
                                     f"counterexample of {len(cex.inputs)} steps", cex), t)

    def deep_proofs(self) -> None:
        """Phase 5: k-induction and PDR, state goals first (they become lemmas, which may
        make more step goals 1-inductive), then the step goals, then the responses."""
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

    def witnesses_and_dead_proofs(self) -> None:
        """Phase 7: the witness search; the goals not reached: dead proofs (a dead state
        is an invariant: a lemma for the recoveries)."""
        self.witness_search()
        self.dead()
        for c in self.checks:
            if c.kind == "reachability" and c.outcome == "dead" and c.goal.kind == "state":
                self.add_lemma(c)

    def recoveries(self) -> None:
        """Phase 8: the selected recovery checks, from every state satisfying the proved
        invariants."""
        for c in self.checks:
            if c.kind == "recovery" and c.verdict is None and c.extra.get("selected", True):
                self.recovery(c)

    def by_interval(self) -> None:
        """Range checks the IR's intervals decide: the assigned value's interval (exact
        over every variable and parameter in its declared range) lies within the
        variable's range. Sound together with the type checks: on a reachable step every
        variable is in its range (by induction: the initial values are, and every update
        is, by interval or by its own proof), so the value is in its interval."""
        for c in self.open(("range",)):
            u: ir.Update = c.prop
            want, got = self.m.variable(u.var).type, u.value.type
            if isinstance(want, ir.IntType) and isinstance(got, ir.IntType) and \
                    want.lo <= got.lo and got.hi <= want.hi:
                self.done(c, Verdict(PROVED, "interval",
                                     f"by interval: the value lies in {got.lo}..{got.hi}, "
                                     f"within {want}"), time.monotonic())

    def explore_first(self) -> None:
        """Counterexamples of every open safety check, by ``explore_first`` steps of
        exploration before any proof (stopping at the first under ``fail_fast``)."""
        probed = [c for c in self.open(witness=False) if "probe" in c.extra]
        if not probed:
            return
        t = time.monotonic()
        hits = Explorer(self.m, self.compiled()).run(probes_of(probed), self.o.explore_first,
                                                      first_hit=self.o.fail_fast, earliest=True)
        for c in probed:
            if c.goal.key in hits:
                cex = hits[c.goal.key]
                self.done(c, Verdict(VIOLATED, "explore", _steps("counterexample", cex), cex), t)

    def falsify(self) -> None:
        """Counterexamples for the safety checks k-induction and PDR left undecided (or
        PDR found violated, without a trace): the exploration first (deep, cheap traces;
        focused on the checks' cone of influence; a response with its monitor), then BMC
        to ``bmc_depth``.

        A check's time grows by every search it took part in, shared ones whole (the
        exploration and the BMC run over every undecided check of a system), so that the
        time a detail's bound speaks of (the safety net of a BMC run) is in it."""
        o = self.o
        undecided = [c for c in self.checks if c.extra.get("selected", True) and not c.witness
                     and (c.outcome == "unknown" or (c.outcome == "violated" and
                                                    c.verdict.cex is None))
                     and c.kind != "recovery"]
        if not undecided:
            return
        spent = {id(c): 0.0 for c in undecided}  # seconds of this phase's searches, per check

        def charge(checks: list[Check], started: float) -> None:
            for c in checks:
                spent[id(c)] += time.monotonic() - started

        # under ``fail_fast`` only an error check's counterexample matters, and the first
        # one ends the run
        probed = [c for c in undecided if "probe" in c.extra
                  and (c.severity == "error" or not o.fail_fast)]
        if probed:
            t = time.monotonic()
            explorer = Explorer(self.m, self.compiled())
            hits = explorer.run(probes_of(probed), o.explore_steps, first_hit=o.fail_fast,
                                earliest=True, focus=True)
            charge(probed, t)
            for c in probed:
                if c.goal.key in hits:
                    cex = hits[c.goal.key]
                    self.redo(c, Verdict(VIOLATED, "explore", _steps("counterexample", cex),
                                         cex), spent[id(c)])
        for c in undecided:
            if c.kind == "response" and c.verdict.cex is None:
                t = time.monotonic()
                trigger, answer, within = c.extra["respond"]
                cex = Explorer(self.m, self.compiled()).respond(trigger, answer, within,
                                                                o.explore_steps)
                charge([c], t)
                if cex is not None:
                    self.redo(c, Verdict(VIOLATED, "explore",
                                         _steps("counterexample", cex), cex), spent[id(c)])
        for system in {id(c.goal.system): c.goal.system for c in undecided}.values():
            open_ = [c for c in undecided if c.goal.system is system and c.verdict.cex is None]
            if not open_:
                continue
            t = time.monotonic()
            deadline = self.bound()
            found, clean = bmc(system, [c.goal for c in open_], o.bmc_depth, [], deadline)
            charge(open_, t)
            run = "BMC" if len(open_) == 1 else f"BMC over {len(open_)} undecided checks together"
            for c in open_:
                if c.goal.key in found:
                    cex = found[c.goal.key]
                    self.redo(c, Verdict(VIOLATED, "bmc",
                                         f"counterexample of {len(cex.inputs)} steps", cex),
                              spent[id(c)])
                else:
                    stop = self.bmc_stop(clean, deadline)
                    c.verdict.detail += (f"; no counterexample within {max(clean, 0)} steps "
                                         f"({run}{', ' + stop if stop else ''}) or "
                                         f"{o.explore_steps:,} explored steps")
        for c in undecided:
            if c.verdict.cex is None:  # not replaced by ``redo``: still undecided
                c.verdict.seconds += spent[id(c)]
            self.progress(c)

    def redo(self, c: Check, v: Verdict, spent: float) -> None:
        """Replace an undecided verdict by ``v``, found by searches of ``spent`` seconds
        (under ``fail_fast``, a violated error check stops the run, as in ``done``)."""
        v.seconds = c.verdict.seconds + spent
        c.verdict = v
        if self.o.fail_fast and v.status == VIOLATED and c.severity == "error" \
                and c.extra.get("selected", True):
            raise _FirstViolation()

    def witness_search(self) -> None:
        """Exploration of the generated controller (with tick macro-steps) until every
        witness goal is reached or ``explore_steps`` steps are taken; then BMC to
        ``bmc_depth`` for the goals it missed."""
        o = self.o
        goals = {c.goal.key: c for c in self.open(witness=True)}
        if not goals:
            return
        t = time.monotonic()
        probes = probes_of(goals.values())
        if probes and o.explore_steps > 0:
            explorer = Explorer(self.m, self.compiled())
            found = explorer.run(probes, o.explore_steps)
            self.explored = explorer.stats
            for key, cex in found.items():
                self.done(goals.pop(key), Verdict(VIOLATED, "explore",
                                                  _steps("witness", cex), cex), t)
        if not goals:
            return
        t = time.monotonic()
        deadline = self.bound()
        found, clean = bmc(self.system, [c.goal for c in goals.values()], o.bmc_depth, [],
                           deadline)
        for key, c in goals.items():
            c.extra["bmc_clean"] = clean
            c.extra["bmc_stop"] = self.bmc_stop(clean, deadline)
            if key in found:
                cex = found[key]
                self.done(c, Verdict(VIOLATED, "bmc", _steps("witness", cex), cex), t)

    def bmc_stop(self, clean: int, deadline: Deadline) -> str:
        """Why a BMC run to ``bmc_depth`` stopped at depth ``clean`` without a trace for
        every goal: "" if it reached the depth, else the bound that ended it (a query's
        resource limit, or the safety-net timeout)."""
        depth = self.o.bmc_depth
        if clean >= depth:
            return ""
        return f"stopped before depth {depth}: its query at depth {clean + 1} {deadline.why()}"

    def relative_again(self) -> None:
        """New lemmas may make more step goals 1-inductive."""
        live = [c for c in self.open(witness=False) if c.goal.kind == "step"
                and c.kind != "response"]
        if not live:
            return
        t = time.monotonic()
        proved, _, _ = relative_step(self.system, [c.goal for c in live], self.lemmas,
                                     self.bound())
        keys = {g.key for g in proved}
        for c in live:
            if c.goal.key in keys:
                self.done(c, Verdict(PROVED, "induction",
                                     "holds on every step from a state satisfying the proved "
                                     "invariants"), t)

    def deep(self, c: Check) -> None:
        t = time.monotonic()
        deadline = self.bound()
        clean = c.extra.get("bmc_clean", -1)
        v = k_induction(c.goal, self.lemmas, self.o.kmax, clean, deadline)
        if v.status != PROVED and self.o.pdr and not deadline.expired():
            w = pdr(c.goal, self.lemmas, deadline)
            v = w if w.status != UNKNOWN else Verdict(UNKNOWN, "k-induction+pdr",
                                                      f"{v.detail}; {w.detail}")
        # an undecided verdict is reported once ``falsify`` has searched for a trace
        self.done(c, v, t, report=v.status == PROVED)
        if v.status == PROVED and c.goal.kind == "state" and c.goal.system is self.system:
            self.add_lemma(c)

    def response(self, c: Check) -> None:
        t = time.monotonic()
        g = c.goal
        found, clean = bmc(g.system, [g], self.o.kmax, [], self.bound())
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
        deadline = self.bound()
        s = solver(self.system)
        u = Unroll(self.system, s, "q", [])
        for lemma in self.lemmas:
            s.add(lemma(u.frames[0]))
        s.add(_sequence_fails(self.system, p, s, u))
        r = check(s, deadline=deadline)
        if r == z3.unsat:
            self.done(c, Verdict(PROVED, "induction",
                                 f"the {len(p.sequence)}-event sequence reaches the target from "
                                 f"every state satisfying the proved invariants"), t)
            return
        typed = z3.And(list(self.system.types_ok(u.frames[0]).values()))
        if r == z3.sat and not z3.is_true(s.model().eval(typed, model_completion=True)):
            # a start outside the declared types is no configuration: one within them, if
            # any (the type checks, unproved at this budget, could not exclude the others)
            s.add(typed)
            r = check(s, deadline=deadline)
            if r == z3.unsat:
                self.done(c, Verdict(UNKNOWN, "smt", "the sequence fails only from states "
                                     "outside the declared types, which the type checks did "
                                     "not prove unreachable"), t)
                return
        if r == z3.unknown:
            self.done(c, Verdict(UNKNOWN, "smt", f"the recovery query {deadline.why()}"), t)
            return
        start = u.extract(s.model(), len(p.sequence), len(p.sequence), "state")
        found = self.reachable_failure(p, deadline)
        if found is not None:
            cex, d = found
            c.extra["prefix"] = d
            self.done(c, Verdict(VIOLATED, "bmc", f"the sequence fails after a prefix of {d} "
                                 f"steps", cex), t)
            return
        self.done(c, Verdict(
            VIOLATED, "smt",
            "the sequence does not reach the target from a state that only satisfies the "
            "proved invariants: no reachable such state was found (BMC, "
            f"{self.o.bmc_depth} steps), and none is proved unreachable", start,
            extra={"unreachable_start": True}), t)

    def reachable_failure(self, p: ir.Recovery, deadline: Deadline) -> tuple[Cex, int] | None:
        """A reachable counterexample of recovery ``p``: the shortest BMC prefix from the
        initial state (at most ``bmc_depth`` steps) after which the sequence fails, as
        (the trace of prefix and sequence, the prefix's length); None if there is none
        within the depth or a query is undecided."""
        s = solver(self.system)
        u = Unroll(self.system, s, "qb", [])
        s.add(self.system.init(u.frames[0]))
        for d in range(self.o.bmc_depth + 1):
            if d:
                u.extend()
            s.push()
            frames_before = len(u.frames)
            s.add(_sequence_fails(self.system, p, s, u))
            r = check(s, deadline=deadline)
            if r == z3.sat:
                return u.extract(s.model(), len(u.frames) - 1, len(u.frames) - 1, "state"), d
            s.pop()  # the sequence's steps and constraints: the prefix grows by one step
            del u.frames[frames_before:], u.inputs[d:], u.steps[d:]
            if r == z3.unknown:
                break
        return None

    def dead(self) -> None:
        """Witness goals not reached by BMC: try to prove them dead, cheaply."""
        live = self.open(witness=True)
        if not live:
            return
        t = time.monotonic()
        quick = self.bound(DEAD_PROOF_SHARE)  # witnesses are warnings: stay cheap
        states = [c for c in live if c.goal.kind == "state"]
        steps = [c for c in live if c.goal.kind == "step"]
        proved_keys = set()
        if states:
            proved, _ = houdini(self.system, [c.goal for c in states], self.lemmas, quick)
            proved_keys |= {g.key for g in proved}
        if steps:
            proved, _, _ = relative_step(self.system, [c.goal for c in steps], self.lemmas, quick)
            proved_keys |= {g.key for g in proved}
        for c in live:
            clean = c.extra.get("bmc_clean", -1)
            if c.goal.key in proved_keys:
                self.done(c, Verdict(PROVED, "induction", "proved impossible by induction"), t)
                continue
            if self.o.pdr:
                t1 = time.monotonic()
                v = pdr(c.goal, self.lemmas, self.bound(DEAD_PROOF_SHARE))
                if v.status == PROVED:
                    v.detail = "proved impossible: " + v.detail
                    self.done(c, v, t1)
                    continue
            self.done(c, Verdict(UNKNOWN, "explore",
                                 self.not_reached(clean, c.extra.get("bmc_stop", ""))), t)

    def not_reached(self, clean: int, stop: str = "") -> str:
        """Why a witness goal is unknown: what the searches covered (never "dead")."""
        parts = []
        if self.explored is not None:
            parts.append(self.explored.not_reached())
        if clean >= 0:
            parts.append(f"no BMC witness within {clean} steps" + (f" ({stop})" if stop else ""))
        return "; ".join(parts) or "not searched"


# the share of the resource limit a dead proof of a missed witness gets per query
DEAD_PROOF_SHARE = 0.1


def _sequence_fails(system: System, p: ir.Recovery, s: z3.Solver, u: Unroll) -> z3.BoolRef:
    """``u`` extended by one step per event of recovery ``p``'s sequence (the event and
    its arguments asserted in ``s``): the condition that the target does not hold after
    the last one."""
    for call in p.sequence:
        step = u.extend()
        s.add(step.inp.event == system.event_index[call.event])
        for name, val in call.args:
            s.add(step.inp.params[call.event][name] == val)
    return z3.Not(system.pred(p.target, u.frames[-1]))


class _FirstViolation(Exception):
    """Raised by ``Prover.done`` under ``Options.fail_fast``: the run stops."""


def _steps(what: str, cex: Cex) -> str:
    """"witness of 7 steps" (the steps of the expanded trace), with the tick macro-steps
    it uses."""
    n = cex.expanded(cex.bad) + (cex.kind == "step")
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
