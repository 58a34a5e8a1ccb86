"""The closed-loop comparison: simglucose's patients against a generated controller.

    python bench/bench_closed_loop.py [--specs SPEC,...] [--patients P,...] [--hours H] [--seed S] [--out DIR]

Three patients (one adolescent, one adult, one child), three days, seed 1: each of
simglucose's basal-bolus and PID controllers and a deliberately aggressive algorithm,
through the generated controller of spec/closed_loop_pump.pump (the automated-dosing
envelope; other specs with --specs) and through simglucose's own pump model, on the same
patients, seeds and meals (examples/closed_loop). Prints the table the README shows and
the time it took; writes a plot per run and per algorithm and table.md into --out.
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", category=DeprecationWarning)  # simglucose imports gym

from examples.closed_loop.__main__ import main  # noqa: E402

if __name__ == "__main__":
    wall, cpu = time.perf_counter(), time.process_time()
    status = main(sys.argv[1:])
    print(f"\n{time.perf_counter() - wall:.0f} s wall, {time.process_time() - cpu:.0f} s CPU")
    raise SystemExit(status)
