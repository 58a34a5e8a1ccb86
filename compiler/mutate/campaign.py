"""A mutation campaign: every mutant decided by a worker, on this machine or a Dask cluster.

A job carries the spec's text and one mutant id; the worker prepares the spec once per
process (its mutants, and the corpus of traces of ``replay``, made from the original's
reachability witnesses and seeded random walks) and decides the mutant:

1. the cheap kill (``replay``): the mutant's generated controller runs the corpus, every
   safety check watched; a hit, confirmed on the IR evaluator, -> ``killed`` (by that
   check, with the trace). No Z3 query.
2. the prover (safety checks only: no witnesses; a short exploration for counterexamples
   first, and it stops at the first violated error check): something violated ->
   ``killed`` (by that check); some check undecided -> ``unknown``;
3. every check proved: ``equivalence.compare``; shown equivalent -> ``equivalent``, else
   ``survived`` (an equivalent mutant proves everything the original proves, so the
   query is only needed here).

Steps 1 and 2 agree on the verdict: a hit of step 1 is a real counterexample, which the
prover would find or, at worst, fail to prove (``unknown``); step 1 only saves the work.
Every search is bounded by work, not time (``Budget``: the corpus's size, a Z3 resource
limit per query, steps of exploration, BMC and k-induction depths), and a mutant's
verdict depends on nothing but the spec, its id and the budget, so the verdicts repeat on
any machine, load and number of workers. (The prover's wall-clock ``timeout`` stays as
its safety net only.)
"""
from __future__ import annotations

import hashlib
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from enum import StrEnum
from multiprocessing import get_context
from typing import Callable, Iterable

from .. import pipeline
from ..backends.python import STEPPER
from ..prove import prove
from ..ir import nodes as ir
from . import equivalence, replay
from .operators import Mutant, generate


class Status(StrEnum):
    KILLED = "killed"
    SURVIVED = "survived"
    EQUIVALENT = "equivalent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Budget:
    """The work each mutant may take (see the module docstring)."""

    rlimit: int = 8_000_000  # Z3 resource units per query of the prover
    equivalence_rlimit: int = 50_000_000  # for the one equivalence query of a survivor
    bmc_depth: int = 10
    kmax: int = 3
    # the cheap kill's corpus (``replay``): random walks from the initial configuration
    # (and one after each witness trace) of ``walk_length`` inputs, drawn with
    # ``walk_seed``; at most ``replay_steps`` steps in all
    walks: int = 40
    walk_length: int = 60
    walk_seed: int = 0
    replay_steps: int = 30_000
    explore_first: int = 5_000  # steps of exploration before any proof
    explore_steps: int = 1_000_000  # steps of exploration for the checks left undecided
    pdr: bool = False
    # the prover's wall-clock safety net per check, far above what the work bounds take
    # on a loaded box: a verdict must not depend on the load
    timeout: float = 900.0

    def options(self):
        """The prover's options for a mutant."""
        from ..prove import Options
        return Options(rlimit=self.rlimit, bmc_depth=self.bmc_depth, kmax=self.kmax,
                       witnesses=False, explore_steps=self.explore_steps, pdr=self.pdr,
                       fail_fast=True, explore_first=self.explore_first, timeout=self.timeout)

    def witness_options(self):
        """The prover's options for the original's reachability witnesses (the corpus)."""
        from ..prove import Options
        return Options(rlimit=self.rlimit, bmc_depth=self.bmc_depth, kmax=self.kmax,
                       explore_steps=self.explore_steps, pdr=self.pdr, timeout=self.timeout,
                       only=("reachability",))


def prove_original(module: ir.Module, budget: Budget):
    """``(report, budget)``: the original spec proved under ``budget``; when that leaves a
    check undecided, proved again with PDR (as ``pumpspec prove`` runs it: an invariant
    that holds but is not k-inductive within the budget's depth), and the budget every
    mutant then gets has PDR on too. The campaign needs ``report.exit_code == 0``."""
    report = pipeline.prove(module, budget.options())
    if report.exit_code == 2 and not budget.pdr:
        budget = replace(budget, pdr=True)
        report = pipeline.prove(module, budget.options())
    return report, budget


@dataclass(frozen=True)
class Job:
    text: str
    file: str
    mutant: str  # the mutant's id
    budget: Budget


@dataclass(frozen=True)
class Outcome:
    mutant: str
    status: Status
    checks: tuple[str, ...]  # killed: the violated check; unknown: the undecided ones
    detail: str
    seconds: float
    # killed with a counterexample: its inputs (``event(param=value)``, ``tick x N`` for
    # a run of ticks); the last one is the violating step, or leads to the violating
    # configuration
    trace: tuple[str, ...] = ()
    cpu_seconds: float = 0.0  # the worker's CPU time for the verdict (``seconds``: wall)


# ---------------------------------------------------------------- in a worker


@dataclass(frozen=True)
class Prepared:
    """What a worker makes once per spec and budget: the original, its mutants by id, and
    the cheap kill's corpus."""

    original: ir.Module
    mutants: dict[str, Mutant]
    corpus: replay.Corpus


_SPECS: dict[str, Prepared] = {}  # per process, by the hash of (file, text, budget)


def mutants_of(text: str, file: str) -> tuple[ir.Module, dict[str, Mutant]]:
    """The spec's module and its mutants by id."""
    analysis = pipeline.analyze(text, file)
    if not analysis.ok:
        raise pipeline.SpecError(analysis)
    return analysis.module, {m.id: m for m in generate(analysis.module, text)}


def prepared(text: str, file: str, budget: Budget) -> Prepared:
    """The spec prepared for deciding its mutants (built once per process)."""
    key = hashlib.sha256(f"{file}\0{text}\0{budget!r}".encode()).hexdigest()
    if key not in _SPECS:
        original, mutants = mutants_of(text, file)
        witnesses = []
        if budget.replay_steps > 0:
            report = pipeline.prove(original, budget.witness_options())
            witnesses = [c.verdict.cex for c in report.selected()
                         if c.outcome == "reached" and c.verdict.cex is not None]
        corpus = replay.corpus(original, witnesses, STEPPER, budget.walk_seed, budget.walks,
                               budget.walk_length, budget.replay_steps)
        _SPECS[key] = Prepared(original, mutants, corpus)
    return _SPECS[key]


class _SharedController:
    """The Python backend's stepper, keeping the controller of the last module it built:
    the cheap kill and the prover of one mutant share it (generating it is a good part
    of the work of a mutant that survives)."""

    def __init__(self):
        self.module: ir.Module | None = None
        self.built: tuple[type, type[Exception]] | None = None

    def controller(self, module: ir.Module) -> tuple[type, type[Exception]]:
        if module is not self.module:
            self.module, self.built = module, STEPPER.controller(module)
        return self.built

    def expression(self, expr, names) -> str:
        return STEPPER.expression(expr, names)


def _trace(cex) -> tuple[str, ...]:
    out = []
    for j, (event, params) in enumerate(cex.inputs):
        args = ", ".join(f"{name}={value}" for name, value in params.items())
        out.append(f"{event} x {cex.repeat[j]}" if j in cex.repeat else f"{event}({args})")
    return tuple(out)


def decide(job: Job) -> Outcome:
    """The verdict on one mutant (runs in a worker process)."""
    cpu = time.process_time()
    outcome = _decide(job)
    return replace(outcome, cpu_seconds=time.process_time() - cpu)


def _decide(job: Job) -> Outcome:
    started = time.monotonic()
    spec = prepared(job.text, job.file, job.budget)
    module = spec.mutants[job.mutant].module
    stepper = _SharedController()
    # an empty corpus (``replay_steps=0``): the prover alone decides
    replayed = replay.run(module, stepper, spec.corpus) if spec.corpus.steps else \
        replay.Replay(None, False)
    kill = replayed.kill
    if kill is not None:
        c = kill.check
        return Outcome(job.mutant, Status.KILLED, (c.key,), f"{c.kind} {c.key}: {c.title} "
                       f"(replay: counterexample of {kill.cex.events} steps on the fixed "
                       f"traces)", time.monotonic() - started, _trace(kill.cex))
    report = prove(module, job.budget.options(), stepper=stepper)
    errors = [c for c in report.selected() if c.severity == "error"]
    violated = [c for c in errors if c.outcome == "violated"]
    if violated:
        c = violated[0]
        return Outcome(job.mutant, Status.KILLED, (c.key,), f"{c.kind} {c.key}: {c.title} "
                       f"({c.verdict.engine}: {c.verdict.detail})", time.monotonic() - started,
                       _trace(c.verdict.cex) if c.verdict.cex is not None else ())
    undecided = tuple(c.key for c in errors if c.outcome != "proved")
    if undecided:
        return Outcome(job.mutant, Status.UNKNOWN, undecided,
                       f"{len(undecided)} check(s) undecided within the work bound: "
                       f"{', '.join(undecided)}", time.monotonic() - started)
    # only a mutant every check proves can be equivalent: the query runs for those alone,
    # unless the corpus already showed the two differ on a step from a reachable state
    if replayed.diverges:
        return Outcome(job.mutant, Status.SURVIVED, (), f"all {len(errors)} checks proved; "
                       "equivalence: different (the fixed traces lead it to another "
                       "configuration than the original)", time.monotonic() - started)
    verdict = equivalence.compare(spec.original, module, job.budget.equivalence_rlimit)
    if verdict == equivalence.EQUIVALENT:
        return Outcome(job.mutant, Status.EQUIVALENT, (), "the same observable step as the "
                       "original from every state satisfying its proved invariants",
                       time.monotonic() - started)
    return Outcome(job.mutant, Status.SURVIVED, (), f"all {len(errors)} checks proved; "
                   f"equivalence: {verdict}", time.monotonic() - started)


# ---------------------------------------------------------------- executors


def run(jobs: list[Job], workers: int, executor: str | None = None,
        progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Decide every job: on a Dask cluster when ``executor`` is a scheduler address,
    else on ``workers`` local processes (in this process when 1). Outcomes come back in
    the order of ``jobs``."""
    progress = progress or (lambda outcome: None)
    if executor:
        results = _on_dask(jobs, executor, progress)
    elif workers <= 1:
        results = [_report(decide(job), progress) for job in jobs]
    else:
        results = _on_processes(jobs, workers, progress)
    order = {job.mutant: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda outcome: order[outcome.mutant])


def _report(outcome: Outcome, progress: Callable[[Outcome], None]) -> Outcome:
    progress(outcome)
    return outcome


def _on_processes(jobs: Iterable[Job], workers: int, progress) -> list[Outcome]:
    # spawn: a forked child would inherit this process's Z3 state
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(decide, job) for job in jobs]
        return [_report(f.result(), progress) for f in as_completed(futures)]


def _on_dask(jobs: list[Job], address: str, progress) -> list[Outcome]:
    from distributed import Client, as_completed as completed

    with Client(address) as client:
        futures = client.map(decide, jobs, pure=False)
        return [_report(f.result(), progress) for f in completed(futures)]
