"""The hand-written Verilog (hdl/): `verilator --lint-only -Wall` clean and Icarus -g2005
compiles it. The host link at the reference block's widths, at one byte per field and at
widths of several bytes with padding; the board top with the generated block."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hdltools import verilator_lint

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / "hdl" / "host_link.v"
BOARD = [ROOT / "hdl" / "pump_board_top.v", LINK, ROOT / "generated" / "infusion_pump.v"]
WIDTHS = [(5, 14, 6), (8, 8, 8), (12, 33, 9)]  # CODE_W, PARAM_W, REASON_W


def _lint(args: list[str], tmp_path: Path):
    r = verilator_lint(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("widths", WIDTHS, ids=lambda w: "x".join(map(str, w)))
def test_host_link_verilator_lint_clean(widths, tmp_path):
    code_w, param_w, reason_w = widths
    _lint([str(LINK), "--top-module", "host_link", f"-GCODE_W={code_w}",
           f"-GPARAM_W={param_w}", f"-GREASON_W={reason_w}"], tmp_path)


def test_board_top_verilator_lint_clean(tmp_path):
    _lint([*map(str, BOARD), "--top-module", "pump_board_top"], tmp_path)


def test_board_top_icarus_verilog_2005(tmp_path, iverilog):
    r = subprocess.run([iverilog, "-g2005", "-s", "pump_board_top", "-o", str(tmp_path / "x.vvp"),
                        *map(str, BOARD)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr, r.stderr
