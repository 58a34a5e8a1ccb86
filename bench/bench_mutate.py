"""Time `pumpspec mutate` campaigns: mutants per minute and the campaign time.

    python bench/bench_mutate.py [--jobs N] [--limit N [--seed S]] [--json DIR] [SPEC ...]

Default specs: the reference spec and the patch pump. Per spec: mutants generated,
discarded, decided; killed (and how many by the cheap kill's fixed traces, before any Z3
query) / survived / equivalent / unknown; the campaign time (the original's proof,
generation and every mutant, on ``--jobs`` local processes, as `pumpspec mutate` runs
it) and mutants per minute; the workers' CPU time per mutant (mean, the first mutant of
each worker preparing the spec included), which the load does not change. ``--json DIR``
writes each campaign's `pumpspec mutate --format json` document to DIR/<spec name>.json.
Not a timed test: the time depends on the box and its load (the verdicts do not).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler import mutate, pipeline  # noqa: E402

SPECS = ("spec/infusion_pump.pump", "spec/examples/patch_pump.pump")


def campaign(spec: str, jobs: int, limit: int | None, seed: int) -> mutate.Result:
    started = time.monotonic()
    analysis = pipeline.load(ROOT / spec)
    original, budget = mutate.prove_original(analysis.module, mutate.Budget())
    assert original.exit_code == 0, f"{spec} does not prove"
    mutants = mutate.generate(analysis.module, analysis.text)
    chosen = mutate.select(mutants, limit=limit, seed=seed)
    runnable = [m for m in chosen if not m.discarded]
    outcomes = mutate.run([mutate.Job(analysis.text, spec, m.id, budget) for m in runnable], jobs)
    explanations = mutate.load(mutate.default_path(ROOT / spec))
    return mutate.Result(analysis.module.name, spec, mutants, {o.mutant: o for o in outcomes},
                         explanations, time.monotonic() - started, f"{jobs} local worker(s)",
                         {m.id for m in chosen})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=SPECS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, help="at most N mutants per spec, drawn with --seed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="DIR",
                        help="write each campaign's JSON report to DIR/<spec name>.json")
    args = parser.parse_args()
    print(f"| spec | mutants | discarded | killed (by the fixed traces) | survived | explained "
          f"| equivalent | unknown | campaign | mutants/min ({args.jobs} jobs) | CPU per mutant |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in args.specs:
        r = campaign(spec, args.jobs, args.limit, args.seed)
        total = r.counts()["total"]
        cheap = Counter("(replay:" in o.detail for o in r.outcomes.values())[True]
        cpu = sum(o.cpu_seconds for o in r.outcomes.values())
        print(f"| `{spec}` | {len(r.outcomes)} | {total['discarded']} | {total['killed']} "
              f"({cheap}) | {total['survived']} | {total['explained']} | {total['equivalent']} "
              f"| {total['unknown']} | {r.seconds / 60:.1f} min | {r.per_minute:.1f} "
              f"| {cpu / max(len(r.outcomes), 1):.2f} s |", flush=True)
        if args.json:
            args.json.mkdir(parents=True, exist_ok=True)
            path = args.json / f"{Path(spec).stem}.json"
            path.write_text(json.dumps(mutate.to_json(r), indent=2) + "\n")


if __name__ == "__main__":
    main()
