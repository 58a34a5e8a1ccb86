"""Time ``pumpspec prove-rtl`` on each spec: the table of docs/formal.md.

    python bench/bench_prove_rtl.py [SPEC...] [--jobs N] [--json out.json]

Runs ``python -m compiler prove-rtl --format json SPEC`` (2 parallel proof tasks by
default, the command's own default) once per spec (default: the corpus of
conftest.py) and prints, per spec, the assertions and their outcomes, the wall time,
the CPU time of the command and every process it waited for (solver, yosys), and the
machine's 1-minute load average when it started. Wall time depends on what else runs
on the machine; the CPU time is the steadier figure. Run it warm (a first YoWASP run
compiles its cache).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus() -> list[Path]:
    """The spec corpus, as conftest.py defines it once for every tier."""
    sys.path.insert(0, str(ROOT))
    import conftest

    return conftest.corpus()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(spec: Path, jobs: int) -> dict:
    """One ``prove-rtl`` run of ``spec``: outcomes, wall and CPU seconds, load."""
    # the yowasp tools sit next to this Python (a venv not activated)
    env = dict(os.environ, PYTHONPATH=str(ROOT),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as work:
        cpu0, t0 = children_cpu(), time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "compiler", "prove-rtl", "--format", "json",
                               "--jobs", str(jobs), "--work", work, str(spec)], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        wall, cpu = time.monotonic() - t0, children_cpu() - cpu0
    doc = json.loads(proc.stdout)
    (result,) = doc["files"]
    outcomes = [a["outcome"] for a in result["assertions"]]
    # the assertion whose induction failed names the cause; the others wait on its task
    unproved = sorted((a for a in result["assertions"] if a["outcome"] != "proved"),
                      key=lambda a: "induction failed" not in a["detail"])
    return {"spec": str(spec.resolve().relative_to(ROOT)), "exit": proc.returncode,
            "assertions": len(outcomes), "proved": outcomes.count("proved"),
            "unknown": outcomes.count("unknown"), "violated": outcomes.count("violated"),
            "first_unproved": unproved[0]["label"] if unproved else None,
            "induction_failed": bool(unproved) and "induction failed" in unproved[0]["detail"],
            "tasks": {t["name"]: t["seconds"] for t in result["tasks"]},
            "wall": round(wall, 1), "cpu": round(cpu, 1), "load": round(load, 1)}


def row(r: dict) -> str:
    if r["proved"] == r["assertions"]:
        outcome = "all proved"
    else:
        cause = "induction fails on" if r["induction_failed"] else "first not proved:"
        outcome = (f"{r['proved']} proved, {r['unknown']} unknown, {r['violated']} violated "
                   f"({cause} `{r['first_unproved']}`)")
    slowest = max(r["tasks"].items(), key=lambda kv: kv[1])
    return (f"| `{r['spec']}` | {r['assertions']} | {outcome} | {r['wall']:.1f} s | "
            f"{r['cpu']:.1f} s | {r['load']:.1f} | `{slowest[0]}` {slowest[1]:.1f} s |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("specs", nargs="*", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    results = []
    for spec in args.specs or corpus():
        results.append(measure(spec, args.jobs))
        r = results[-1]
        print(f"{r['spec']}: {r['proved']}/{r['assertions']} proved, {r['wall']} s wall, "
              f"{r['cpu']} s CPU, load {r['load']}", flush=True)
    print("| spec | assertions | outcome | wall | CPU | load | slowest task |")
    print("| --- | ---: | --- | ---: | ---: | ---: | --- |")
    for r in results:
        print(row(r))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
