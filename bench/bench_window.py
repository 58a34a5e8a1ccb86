"""How `check` and `build` scale with a dose window's bucket count.

    python bench/bench_window.py [SPEC] [--window NAME] [--buckets 36,72,144,288]

Rewrites the declaration of one window of SPEC (default: the reference spec's `daily`)
to each bucket count, keeping the bucket length, and prints the seconds of the front end
(text -> IR, what `check` runs) and of every backend (what `build` writes), in process.
The cap is 288 buckets (E0405); both phases are meant to grow about linearly up to it.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler import pipeline  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", nargs="?", default=str(ROOT / "spec" / "infusion_pump.pump"))
    ap.add_argument("--window", default="daily")
    ap.add_argument("--buckets", default="36,72,144,288")
    args = ap.parse_args()
    text = Path(args.spec).read_text()
    decl = re.compile(rf"(window\s+{re.escape(args.window)}\s*:\s*)\d+(\s+buckets)")
    if not decl.search(text):
        print(f"error: {args.spec} declares no window `{args.window}`", file=sys.stderr)
        return 4
    print(f"{'buckets':>8} {'check (s)':>10} {'build (s)':>10}")
    for n in (int(x) for x in args.buckets.split(",")):
        spec = decl.sub(rf"\g<1>{n}\g<2>", text, count=1)
        t0 = time.perf_counter()
        analysis = pipeline.analyze(spec, args.spec)
        t1 = time.perf_counter()
        if not analysis.ok:
            print(f"error: {n} buckets: the spec does not check", file=sys.stderr)
            return 3
        pipeline.generate(analysis.module)
        t2 = time.perf_counter()
        print(f"{n:>8} {t1 - t0:>10.2f} {t2 - t1:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
