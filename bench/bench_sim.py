"""Simulation speed of the lockstep: events per second on Icarus (or --sim verilator).

    python bench/bench_sim.py [SPEC] [--sequences 200] [--events 500] [--sim icarus]

Runs `pumpspec lockstep` (the generated Verilog against the generated Python controller,
stream mode) with the default test's size and prints what was compared, the wall time
and the events (port events + ticks) per second.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compiler.cli import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        args = ["spec/infusion_pump.pump", *args]
    if "--sequences" not in args:
        args += ["--sequences", "200", "--events", "500"]
    sys.exit(main(["lockstep", *args]))
