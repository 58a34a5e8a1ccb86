"""Simulation speed of the cocotb lockstep: events per second on Icarus.

    python bench/bench_sim.py [--seqs 200] [--len 500]

Runs verification/lockstep_demo.py's lockstep (the generated Verilog against the
generated Python controller, stream mode) with the default test's size and prints
what was compared, the wall time and the events (port events + ticks) per second.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "verification"))

import lockstep_demo  # noqa: E402

if __name__ == "__main__":
    argv = sys.argv[1:] or ["--seqs", "200", "--len", "500"]
    sys.exit(lockstep_demo.main(argv))
