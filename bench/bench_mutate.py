"""Time `pumpspec mutate` campaigns: mutants per minute and the campaign time.

    python bench/bench_mutate.py [--jobs N] [--limit N] [SPEC ...]

Default specs: the reference spec and the patch pump. Per spec: mutants generated,
discarded, decided; killed / survived / equivalent / unknown; the campaign time (the
original's proof, generation and every mutant, on ``--jobs`` local processes) and
mutants per minute. Not a timed test: numbers depend on the box and its load.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler import mutate, pipeline  # noqa: E402

SPECS = ("spec/infusion_pump.pump", "spec/examples/patch_pump.pump")


def campaign(spec: str, jobs: int, limit: int | None) -> dict:
    started = time.monotonic()
    analysis = pipeline.load(ROOT / spec)
    budget = mutate.Budget()
    original = pipeline.prove(analysis.module, budget.options())
    assert original.exit_code == 0, f"{spec} does not prove"
    mutants = mutate.select(mutate.generate(analysis.module, analysis.text), limit=limit)
    runnable = [m for m in mutants if not m.discarded]
    outcomes = mutate.run([mutate.Job(analysis.text, analysis.file, m.id, budget)
                           for m in runnable], jobs)
    seconds = time.monotonic() - started
    counts = Counter(str(o.status) for o in outcomes)
    return {"spec": spec, "generated": len(mutants), "discarded": len(mutants) - len(runnable),
            "decided": len(outcomes), **counts, "seconds": seconds,
            "per_minute": len(outcomes) * 60 / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=SPECS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, help="at most N mutants per spec (seed 0)")
    args = parser.parse_args()
    print(f"| spec | mutants | discarded | killed | survived | equivalent | unknown | campaign "
          f"| mutants/min ({args.jobs} jobs) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in args.specs:
        r = campaign(spec, args.jobs, args.limit)
        print(f"| `{r['spec']}` | {r['decided']} | {r['discarded']} | {r.get('killed', 0)} | "
              f"{r.get('survived', 0)} | {r.get('equivalent', 0)} | {r.get('unknown', 0)} | "
              f"{r['seconds'] / 60:.1f} min | {r['per_minute']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
