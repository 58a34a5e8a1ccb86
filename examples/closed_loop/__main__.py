"""Closed-loop runs of simglucose's patients against a generated controller.

    python -m examples.closed_loop [--specs SPEC,...] [--patients P,...] [--hours H]
                                   [--algorithms bb,pid,aggressive] [--seed S] [--out DIR]

For each patient and algorithm: a run through each spec's generated controller (the
envelope; by default spec/closed_loop_pump.pump's) and, for the side-by-side comparison,
a run through simglucose's own pump model, on the same patient, seed and meals. Prints
the table (markdown) and writes a PNG per run and per algorithm (its runs side by side),
the refusals and clamps of each envelope run (CSV) and table.md into ``--out``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .experiment import ALGORITHMS, compare

PATIENTS = ("adolescent#001", "adult#001", "child#001")
SPECS = ("spec/closed_loop_pump.pump",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.closed_loop",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", default=",".join(SPECS))
    parser.add_argument("--patients", default=",".join(PATIENTS))
    parser.add_argument("--hours", type=float, default=72)
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("build/closed_loop"))
    args = parser.parse_args(argv)
    result = compare([Path(s) for s in args.specs.split(",")], args.patients.split(","), args.algorithms.split(","),
                     args.hours, args.seed, args.out)
    print(result.table)
    print(f"\nplots and table.md in {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
