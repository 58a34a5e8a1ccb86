"""A mutation campaign: every mutant decided by a worker, on this machine or a Dask cluster.

A job carries the spec's text and one mutant id; the worker regenerates the spec's
mutants (once per process) and decides that one:

1. the prover (safety checks only: no witnesses; it explores for counterexamples first
   and stops at the first violated error check): something violated -> ``killed`` (by
   that check); some check undecided -> ``unknown``;
2. every check proved: ``equivalence.compare``; shown equivalent -> ``equivalent``, else
   ``survived`` (an equivalent mutant proves everything the original proves, so the
   query is only needed here).

Every search is bounded by work, not time (``Budget``: a Z3 resource limit per query,
steps of exploration, BMC and k-induction depths), so the verdicts repeat on any machine
and load. (The prover's wall-clock ``timeout`` stays as its safety net only.)
"""
from __future__ import annotations

import hashlib
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from enum import StrEnum
from multiprocessing import get_context
from typing import Callable, Iterable

from .. import pipeline
from ..ir import nodes as ir
from . import equivalence
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
    explore_first: int = 200_000  # steps of exploration before any proof: most mutants die here
    explore_steps: int = 1_000_000  # steps of exploration for the checks left undecided
    pdr: bool = False

    def options(self):
        from ..prove import Options
        return Options(rlimit=self.rlimit, bmc_depth=self.bmc_depth, kmax=self.kmax,
                       witnesses=False, explore_steps=self.explore_steps, pdr=self.pdr,
                       fail_fast=True, explore_first=self.explore_first)


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


# ---------------------------------------------------------------- in a worker

_SPECS: dict[str, tuple[ir.Module, dict[str, Mutant]]] = {}  # per process, by text hash


def mutants_of(text: str, file: str) -> tuple[ir.Module, dict[str, Mutant]]:
    """The spec's module and its mutants by id (built once per process)."""
    key = hashlib.sha256(f"{file}\0{text}".encode()).hexdigest()
    if key not in _SPECS:
        analysis = pipeline.analyze(text, file)
        if not analysis.ok:
            raise pipeline.SpecError(analysis)
        _SPECS[key] = analysis.module, {m.id: m for m in generate(analysis.module, text)}
    return _SPECS[key]


def decide(job: Job) -> Outcome:
    """The verdict on one mutant (runs in a worker process)."""
    started = time.monotonic()
    original, mutants = mutants_of(job.text, job.file)
    module = mutants[job.mutant].module
    report = pipeline.prove(module, job.budget.options())
    errors = [c for c in report.selected() if c.severity == "error"]
    violated = [c for c in errors if c.outcome == "violated"]
    if violated:
        c = violated[0]
        return Outcome(job.mutant, Status.KILLED, (c.key,), f"{c.kind} {c.key}: {c.title} "
                       f"({c.verdict.engine}: {c.verdict.detail})", time.monotonic() - started)
    undecided = tuple(c.key for c in errors if c.outcome != "proved")
    if undecided:
        return Outcome(job.mutant, Status.UNKNOWN, undecided,
                       f"{len(undecided)} check(s) undecided within the work bound: "
                       f"{', '.join(undecided)}", time.monotonic() - started)
    # only a mutant every check proves can be equivalent: the query runs for those alone
    verdict = equivalence.compare(original, module, job.budget.equivalence_rlimit)
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
