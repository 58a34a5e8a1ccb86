"""Events per second: the generated Python controller against the IR evaluator.

    python bench/bench_controller.py [SPEC] [--events N] [--oracle-events M] [--seed S]

Builds a long random trace of well-formed events for the reference spec — daily-use
sessions (load, refill, prime, insert, fill, basal, boluses, suspend/resume,
occlusions, disconnects, set changes) interleaved with random events over the whole
wire domain, so that a realistic share is rejected — and replays it on:

- the IR evaluator (the oracle; slow, so on a prefix of the trace),
- the generated controller via ``handle(name, **params)``,
- the generated controller via ``handle_code(code, *args)`` (what a bench port uses),
- the generated controller in monitor mode (every property checked each step).

The controller is generated from the spec in memory, so the figures are for the spec
as it is now. Replays agree on the prefix (checked), then a table is printed.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.backends.python import load  # noqa: E402
from compiler.eval.evaluator import Evaluator  # noqa: E402
from compiler.ir import nodes as ir  # noqa: E402
from compiler.pipeline import load_module  # noqa: E402


def session(rng: random.Random, sites: list[int], kinds: list[int]) -> list[tuple[str, dict]]:
    """One set's life, in events of the reference spec (base units: steps, ticks)."""
    out: list[tuple[str, dict]] = []

    def ticks(n: int) -> None:
        out.extend([("tick", {})] * n)

    out += [("suspend", {}), ("stop", {}), ("acknowledge", {}), ("clear_occlusion", {}),
            ("disconnect", {}), ("remove_set", {}), ("load_set", {"kind": rng.choice(kinds)}),
            ("refill", {"amount": rng.choice([4000, 8000, 12000])}),
            ("prime", {"amount": rng.randint(10, 40)})]
    ticks(45)
    out += [("insert", {"at": rng.choice(sites)}), ("fill", {"amount": rng.randint(4, 12)})]
    ticks(15)
    out += [("set_basal", {"rate": rng.randint(20, 1400)}), ("start", {})]
    for _ in range(rng.randint(3, 8)):
        ticks(rng.randint(20, 300))
        r = rng.random()
        if r < 0.4:
            out.append(("bolus", {"amount": rng.randint(1, 1200)}))
            ticks(rng.randint(5, 60))
        elif r < 0.55:
            out += [("suspend", {}), ("disconnect", {})]
            ticks(rng.randint(1, 30))
            out += [("connect", {}), ("start", {})]
        elif r < 0.65:
            out.append(("occlusion", {}))
            ticks(3)
            out += [("acknowledge", {}), ("clear_occlusion", {})]
            ticks(3)
            out.append(("start", {}))
        else:
            out.append(("set_basal", {"rate": rng.randint(0, 2400)}))
    return out


def noise(rng: random.Random, module: ir.Module) -> tuple[str, dict]:
    e = rng.choice([e for e in module.events if e.kind == "user"])
    params = {}
    for p in e.params:
        t = p.type
        if isinstance(t, ir.BoolType):
            params[p.name] = rng.random() < 0.5
        elif isinstance(t, ir.EnumType):
            params[p.name] = rng.randrange(len(t.members))
        else:
            params[p.name] = rng.randint(t.lo, t.hi)
    return e.name, params


def make_trace(module: ir.Module, n: int, seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    site_t = next(e for e in module.enums if e.name == "Site")
    kind_t = next(e for e in module.enums if e.name == "SetKind")
    sites, kinds = list(range(1, len(site_t.members))), list(range(len(kind_t.members)))
    trace: list[tuple[str, dict]] = []
    while len(trace) < n:
        for event in session(rng, sites, kinds):
            trace.append(event)
            if rng.random() < 0.05:
                trace.append(noise(rng, module))
    return trace[:n]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", nargs="?", default=str(ROOT / "spec" / "infusion_pump.pump"))
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--oracle-events", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    module = load_module(args.spec)
    gen = load(module)
    Pump, Rejected = getattr(gen, module.name), gen.Rejected
    trace = make_trace(module, args.events, args.seed)
    codes = {e.name: e.code for e in module.events}
    order = {e.name: [p.name for p in e.params] for e in module.events}
    coded = [(codes[e], tuple(p[k] for k in order[e])) for e, p in trace]

    results = {}

    def run_eval() -> None:
        ev = Evaluator(module)
        config = ev.initial()
        counts = {"accepted": 0, "rejected": 0, "ignored": 0}
        for event, params in trace[:args.oracle_events]:
            config, outcome = ev.step(config, event, params)
            counts[outcome.status] += 1
        results["eval"] = (config, counts)

    def run_handle(pump) -> None:
        handle = pump.handle
        rejected = 0
        for event, params in trace:
            try:
                handle(event, **params)
            except Rejected:
                rejected += 1
        results["rejected"] = rejected

    def run_code(pump) -> None:
        handle_code = pump.handle_code
        for code, values in coded:
            try:
                handle_code(code, *values)
            except Rejected:
                pass

    def prefix(pump) -> None:
        for event, params in trace[:args.oracle_events]:
            try:
                pump.handle(event, **params)
            except Rejected:
                pass

    t_eval = timed(run_eval)
    check = Pump()
    prefix(check)
    config, counts = results["eval"]
    snap = check.snapshot()
    assert snap.state.name == config.state and \
        [(k, int(v)) for k, v in snap.values] == [(k, int(v)) for k, v in config.values], \
        "the generated controller and the evaluator disagree on the benchmark trace"

    rows = [("IR evaluator (oracle)", args.oracle_events, t_eval)]
    rows.append(("generated handle(name, **params)", len(trace), timed(lambda: run_handle(Pump()))))
    rows.append(("generated handle_code(code, *args)", len(trace), timed(lambda: run_code(Pump()))))
    n_monitor = min(len(trace), 50_000)
    monitored = Pump(monitor=True)

    def run_monitor() -> None:
        for event, params in trace[:n_monitor]:
            try:
                monitored.handle(event, **params)
            except Rejected:
                pass

    rows.append(("generated, monitor=True", n_monitor, timed(run_monitor)))

    ticks = sum(1 for e, _ in trace if e == "tick")
    print(f"spec {args.spec}: {len(trace):,} events ({ticks / len(trace):.0%} ticks, "
          f"{results['rejected'] / len(trace):.0%} rejected), seed {args.seed}")
    print(f"oracle prefix of {args.oracle_events:,} events: {counts}; final states agree")
    base = args.oracle_events / t_eval
    print(f"\n{'engine':<36} {'events':>9} {'seconds':>8} {'events/s':>11} {'vs oracle':>10}")
    for name, n, seconds in rows:
        rate = n / seconds
        print(f"{name:<36} {n:>9,} {seconds:>8.2f} {rate:>11,.0f} {rate / base:>9.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
