"""Lockstep simulation speed, Icarus and Verilator side by side on the same sequences.

    python bench/bench_sim.py [SPEC ...] [--corpus] [--sequences 200] [--events 500] [--seed 1]

For each spec (default the reference; --corpus: every corpus spec of conftest.py) it
builds the block with the lockstep wrapper for both simulators (``compiler.lockstep``,
as `pumpspec lockstep --sim` does), then runs the same random sequences (same seeds, the
prover's reachability witnesses as prefixes) on each, in lockstep with the generated
Python controller. Both runs must agree with the controller and compare exactly the same
events, or the bench fails. It prints a Markdown table: the events (port events + ticks),
events/s of the whole run (stimulus generation, simulator and checker) and of the
simulator alone, for Icarus and for Verilator, Verilator's speed-up and the cold build
times (the bench's work folders, build/bench_sim/, are emptied first).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compiler import lockstep, pipeline  # noqa: E402
from conftest import corpus  # noqa: E402

SIMULATORS = ("icarus", "verilator")
WORK = ROOT / "build" / "bench_sim"


def measure(spec: Path, sequences: int, events: int, seed: int) -> dict[str, lockstep.Result]:
    """One lockstep run per simulator on the same sequences, with their build times."""
    module = pipeline.load_module(spec)
    prefixes = pipeline.reachability_witnesses(module, lockstep.MAX_PREFIX_STEPS)
    results = {}
    for sim in SIMULATORS:
        why = lockstep.missing(sim)
        if why:
            sys.exit(f"error: {why}")
        work = WORK / f"{spec.stem}-{sim}"
        shutil.rmtree(work, ignore_errors=True)  # a cold build: its time is printed
        t0 = time.monotonic()
        bench = lockstep.build(module, sim=sim, workdir=work)
        build_seconds = time.monotonic() - t0
        result = lockstep.run(bench, sequences=sequences, events=events, seed=seed,
                              prefixes=prefixes)
        if not result.ok:
            sys.exit(f"error: {spec} on {sim}: "
                     f"{result.mismatch.table() if result.mismatch else result.expectation_failures}")
        results[sim] = (result, build_seconds)
    (icarus, _), (verilator, _) = results.values()
    same = (icarus.port_events, icarus.ticks, icarus.compares)
    if same != (verilator.port_events, verilator.ticks, verilator.compares):
        sys.exit(f"error: {spec}: the simulators ran different streams: Icarus {same}, "
                 f"Verilator {(verilator.port_events, verilator.ticks, verilator.compares)}")
    return results


def rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f}" if seconds > 0 else "-"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*", type=Path, metavar="SPEC")
    parser.add_argument("--corpus", action="store_true", help="every corpus spec")
    parser.add_argument("--sequences", type=int, default=200)
    parser.add_argument("--events", type=int, default=500, help="port events per sequence")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    specs = corpus() if args.corpus else \
        [p.resolve() for p in args.specs] or [ROOT / "spec" / "infusion_pump.pump"]
    print(f"{args.sequences} sequences x {args.events} port events from seed {args.seed}, "
          "witness prefixes; events = port events + ticks; events/s of the whole run "
          "(generator, simulator, checker) / of the simulator alone")
    print()
    print("| spec | events | Icarus events/s | Verilator events/s | Verilator speed-up "
          "(whole / simulator) | build Icarus, Verilator |")
    print("| --- | --- | --- | --- | --- | --- |")
    for spec in specs:
        results = measure(spec, args.sequences, args.events, args.seed)
        (ic, ic_build), (vl, vl_build) = results["icarus"], results["verilator"]
        n = ic.events
        print(f"| `{spec.relative_to(ROOT)}` | {n:,} | {rate(n, ic.wall_seconds)} / "
              f"{rate(n, ic.sim_seconds)} | {rate(n, vl.wall_seconds)} / "
              f"{rate(n, vl.sim_seconds)} | {ic.wall_seconds / vl.wall_seconds:.1f}x / "
              f"{ic.sim_seconds / vl.sim_seconds:.1f}x | {ic_build:.1f} s, {vl_build:.1f} s |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
