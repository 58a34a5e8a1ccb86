"""Timing closure of every corpus spec's hardware (place-and-route with nextpnr-ice40):
the board top (hdl/pump_board_top.v around the spec's block, with the SPI host link) on
the iCE40 UP5K-SG48 runs at twice the spec's 12 MHz clock or faster, and the block alone
on the HX8K-CT256 at 48 MHz or faster, each with its window and table RAMs in block RAM
(bench/bench_synth.py --corpus prints the same figures as a table). About a minute per
spec: the hardware tier (``--hardware``, tox env hardware) runs it.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "bench" / "bench_synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()

pytestmark = pytest.mark.hardware


def test_meets_twice_the_clock(corpus_hardware: Path):
    corpus_spec = corpus_hardware
    r = bench.measure_spec(corpus_spec)
    board, block = r["board"], r["block"]
    # every window RAM (compiler/backends/verilog/_ram.py), table RAM (_table_ram.py) and
    # the motor limiter's ring (pump.v.j2) is a block RAM, not flip-flops
    rams = r["window_rams"] + r["table_rams"] + 1
    assert board["brams"] >= rams and block["brams"] >= rams, (
        f"{corpus_spec.name}: {r['window_rams']} window RAMs, {r['table_rams']} table "
        f"RAMs and the limiter's ring, {board['brams']} EBR on the UP5K, {block['brams']} on "
        "the HX8K")
    assert "fmax" in board, f"{corpus_spec.name}: the board top does not fit: {board['did_not_fit']}"
    assert board["device"] == "up5k-sg48" and block["device"] == "hx8k-ct256"
    assert board["fmax"] >= bench.BOARD_TARGET_MHZ, (
        f"{corpus_spec.name}: the board top reaches {board['fmax']} MHz on the UP5K, "
        f"below {bench.BOARD_TARGET_MHZ} MHz")
    assert block["fmax"] >= bench.BLOCK_TARGET_MHZ, (
        f"{corpus_spec.name}: the block reaches {block['fmax']} MHz on the HX8K, "
        f"below {bench.BLOCK_TARGET_MHZ} MHz")
    used, available = (int(x) for x in board["utilization"]["ICESTORM_LC"].split("/"))
    assert used <= 0.8 * available, f"{corpus_spec.name}: {used}/{available} logic cells (want 20% free)"
