"""One lockstep run: replay traces and random sequences on the block, check every record."""
from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import trace as tr
from ..backends import verilog
from ..diagnostics import Diagnostic
from ..ir import nodes as ir
from ._bench import SimParams, sim_params, wrapper_text
from ._causes import explain
from ._checker import Checker, Coverage, Mismatch
from ._model import Model
from ._program import Program, replay_trace
from ._simulator import Simulation, compile_block
from ._stimulus import RandomGen

CHUNK = 100  # random sequences per simulator run


@dataclass
class Result:
    """What one run compared. ``mismatch`` is the first disagreement, if any, and
    ``cause`` the finding of the spec that explains it (``_causes``; None: a bug of
    pumpspec); ``expectation_failures`` are trace ``expect`` entries the spec itself does
    not meet."""

    pump: str
    simulator: str
    params: SimParams
    sequences: int = 0
    traces: list[str] = field(default_factory=list)
    prefixes: int = 0
    port_events: int = 0
    ticks: int = 0
    compares: int = 0
    registers: int = 0
    coverage: Coverage = field(default_factory=Coverage)
    mismatch: Mismatch | None = None
    cause: Diagnostic | None = None
    expectation_failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    sim_seconds: float = 0.0
    check_seconds: float = 0.0

    @property
    def events(self) -> int:
        return self.port_events + self.ticks

    @property
    def ok(self) -> bool:
        return self.mismatch is None and not self.expectation_failures


@dataclass(frozen=True)
class Bench:
    """A spec's block compiled with the wrapper for one simulator."""

    module: ir.Module
    model: Model
    params: SimParams
    simulation: Simulation


def build(module: ir.Module, *, sim: str = "icarus", workdir: Path,
          params: SimParams | None = None, block: str | None = None,
          waves: bool = False) -> Bench:
    """Compile the block (``block``: its text, default generated from ``module``) with the
    wrapper. Raises SimulatorError when the simulator is missing or rejects the block."""
    model = Model(module)
    params = params or sim_params(module)
    if block is None:
        (_, block), = verilog.emit(module).items()
    simulation = compile_block(sim, workdir, block, wrapper_text(model.plan), params.as_dict(),
                               waves=waves)
    return Bench(module, model, params, simulation)


def run(bench: Bench, *, sequences: int = 20, events: int = 200, seed: int = 1,
        traces: Sequence[tuple[str, tr.Trace]] = (), prefixes: Sequence[tr.Trace] = (),
        vcd: Path | None = None) -> Result:
    """Replay ``traces`` (label, trace) each from a power-on reset, then ``sequences``
    random sequences of ``events`` port events seeded ``seed``, ``seed + 1``, ... (half
    of them start with one of ``prefixes``) on ``bench``. Stops at the first mismatch.
    ``vcd`` (the bench built with ``waves``) runs everything in one simulator run."""
    t0 = time.monotonic()
    module, model, params, simulation = bench.module, bench.model, bench.params, bench.simulation
    sim = simulation.sim
    per_tick = params.events_per_tick(module, model.plan)
    result = Result(module.name, sim, params, registers=len(model.layout),
                    traces=[label for label, _ in traces], prefixes=len(prefixes))
    labels: dict[int, str] = {}
    checker = Checker(model, labels=labels)
    gen = RandomGen(model, prefixes)

    programs: list[Program] = []
    if traces:
        prog = Program(model, per_tick)
        for i, (label, trace) in enumerate(traces):
            mark = seed + sequences + i  # after the seeds: every mark names one sequence
            labels[mark] = f"trace {label}"
            prog.mark(mark)
            result.expectation_failures += [f"{label}: {f}" for f in replay_trace(prog, trace)]
        programs.append(prog)
    # with waves, one simulator run holds everything (a VCD per run would overwrite)
    chunk = max(sequences, 1) if vcd is not None else CHUNK

    def random_programs():
        for first in range(0, sequences, chunk):
            prog = Program(model, per_tick, gen.fired)
            for s in range(seed + first, seed + min(sequences, first + chunk)):
                labels[s] = f"sequence {s - seed + 1} (seed {s})"
                gen.sequence(prog, s, events)
            yield prog

    def stream(prog: Program) -> None:
        s0 = time.monotonic()
        log = simulation.run(prog.text(), vcd)
        s1 = time.monotonic()
        checker.feed(log)
        result.sim_seconds += s1 - s0
        result.check_seconds += time.monotonic() - s1

    try:
        if vcd is not None:  # one run: the traces and the random sequences together
            merged = programs[0] if programs else Program(model, per_tick, gen.fired)
            for prog in random_programs():
                merged.items += prog.items
            runs = iter([merged])
        else:
            runs = itertools.chain(programs, random_programs())
        for prog in runs:
            stream(prog)
    except Mismatch as exc:
        result.mismatch = exc
        result.cause = explain(model, exc)
    c = checker
    result.sequences = sum(1 for mark in c.marks if seed <= mark < seed + sequences)
    result.port_events, result.ticks, result.compares = c.n_events, c.n_ticks, c.n_compares
    result.coverage = c.cov
    result.wall_seconds = time.monotonic() - t0
    return result

