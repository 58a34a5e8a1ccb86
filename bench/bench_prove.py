"""Time `pumpspec prove` on the reference spec and on a family of scaled specs, or on
the spec corpus.

    python bench/bench_prove.py [--repeat N] [--witnesses]
    python bench/bench_prove.py --corpus [--repeat N]

``--corpus``: every spec in spec/*.pump and spec/examples/*.pump with the default options
(witnesses included): checks, proved, violated, unknown and seconds of `prove()`.

The scaled family is spec/examples/prove/mini.pump with a wider reservoir (in motor
steps: 2^10 .. 2^24), a long timer (ticks, same width) and a chain of extra states. Prints
a Markdown table (the one in docs/prover.md). Not a timed test: numbers depend on the box.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler import pipeline  # noqa: E402
from compiler.prove import Options  # noqa: E402

MINI = ROOT / "spec" / "examples" / "prove" / "mini.pump"


def scaled(width_bits: int, extra_states: int) -> str:
    """mini.pump with the reservoir and a timer ranging over 2^width_bits."""
    n = 2 ** width_bits
    text = MINI.read_text()
    text = text.replace("persistent var reservoir : 0 .. 10 U = 0 U",
                        f"persistent var reservoir : 0 .. {n} steps = 0 steps\n"
                        f"persistent var timer : 0 .. {n} ticks = 0 ticks")
    text = text.replace("event fill(amount: 0 .. 20 U)", f"event fill(amount: 0 .. {2 * n} steps)")
    text = text.replace("when amount <= 10 U      else reject M-1",
                        f"when amount <= {n} steps      else reject M-1")
    text = text.replace("limit 10 U, counts dose", f"limit {n} steps, counts dose")
    text = text.replace("limiter M-41 = 10 U per 1 h", f"limiter M-41 = {n} steps per 1 h")
    text = text.replace("    reservoir := reservoir - steps;",
                        "    reservoir := reservoir - steps;\n"
                        f"    timer := min(timer + 1 tick, {n} ticks);")
    chain = [f"S{i}" for i in range(extra_states)]
    states = "".join(f'state {s} reject others "busy"\n' for s in chain)
    text = text.replace('state Alarm          reject others "acknowledge first"',
                        'state Alarm          reject others "acknowledge first"\n' + states)
    if chain:
        text = text.replace("event acknowledge", "event acknowledge\nevent service")
        hops = [f"on service from Idle -> {chain[0]}"]
        hops += [f"on tick from {a} -> {b}" for a, b in zip(chain, chain[1:], strict=False)]
        hops += [f"on tick from {chain[-1]} -> Idle"]
        text += "\n" + "\n".join(hops) + "\n"
        text = text.replace("to state in {Idle, Running}",
                            "to state in {Idle, Running, " + ", ".join(chain) + "}")
    text += (f'\non tick from Idle -> Alarm when timer + 1 tick >= {n} ticks'
             f' do empty_alarm := true; timer := 0 ticks\n'
             f'invariant M-40 "the timer stays in range": timer <= {n} ticks\n')
    return text


def measure(text: str, name: str, options: Options, repeat: int):
    analysis = pipeline.analyze(text, name)
    if analysis.module is None:
        raise SystemExit(f"{name}: spec errors: {analysis.diagnostics}")
    times, report = [], None
    for _ in range(repeat):
        start = time.monotonic()
        report = pipeline.prove(analysis.module, options)
        times.append(time.monotonic() - start)
    m = analysis.module
    counts: dict[str, int] = {}
    for c in report.checks:
        counts[c.outcome] = counts.get(c.outcome, 0) + 1
    return (len(m.states), len(m.variables), len(m.transitions), len(report.checks),
            statistics.median(times), counts, report.exit_code)


def corpus(repeat: int) -> None:
    """The per-spec table of docs/prover.md: default options, witnesses included."""
    print("| spec | checks | proved | violated | unknown | witnesses found | prove (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in sorted(ROOT.glob("spec/*.pump")) + sorted(ROOT.glob("spec/examples/*.pump")):
        analysis = pipeline.load(str(path))
        if analysis.module is None:
            raise SystemExit(f"{path}: spec errors: {analysis.diagnostics}")
        times, report = [], None
        for _ in range(repeat):
            start = time.monotonic()
            report = pipeline.prove(analysis.module, Options())
            times.append(time.monotonic() - start)
        outcomes = [c.outcome for c in report.selected()]
        found = outcomes.count("reached") + outcomes.count("non-vacuous")
        print(f"| {path.relative_to(ROOT)} | {len(outcomes)} | {outcomes.count('proved')} | "
              f"{outcomes.count('violated')} | {outcomes.count('unknown')} | {found} | "
              f"{statistics.median(times):.2f} |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--witnesses", action="store_true", help="also reachability and vacuity")
    ap.add_argument("--corpus", action="store_true",
                    help="the spec corpus with the default options instead")
    args = ap.parse_args()
    import z3

    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"z3-solver {z3.get_version_string()}; median of {args.repeat}\n")
    if args.corpus:
        corpus(args.repeat)
        return 0
    options = Options(witnesses=args.witnesses)
    rows = [("reference (infusion_pump.pump)", (ROOT / "spec" / "infusion_pump.pump").read_text(),
             "spec/infusion_pump.pump")]
    for bits, extra in ((10, 0), (16, 0), (16, 8), (20, 16), (24, 32)):
        rows.append((f"mini, 2^{bits} range, +{extra} states", scaled(bits, extra),
                     f"scaled_{bits}_{extra}.pump"))
    print(f"witnesses={'on' if args.witnesses else 'off'}\n")
    print("| spec | states | vars | transitions | checks | prove (s) | outcomes | exit |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for label, text, name in rows:
        s, v, t, n, secs, counts, code = measure(text, name, options, args.repeat)
        shown = ", ".join(f"{k} {x}" for k, x in sorted(counts.items()))
        print(f"| {label} | {s} | {v} | {t} | {n} | {secs:.2f} | {shown} | {code} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
