"""The host link (hdl/host_link.v) from pytest: the Python frame reference, then the cocotb
tests of verification/cocotb_host_link.py on Icarus (SIM=verilator optional) — the link
with the reference spec's block at a shrunk tick, and the board top at the spec's timing.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import harness
from hostlink import Layout, crc16_ccitt_false, wrapper_text

BUILD = harness.ROOT / "build" / "sim" / "host_link"
HDL = harness.ROOT / "hdl"
TB_TESTS = ["frames_execute", "back_to_back_responses", "bit_errors_are_refused",
            "wrong_lengths_are_refused", "duplicate_bolus_doses_once", "busy_while_the_block_waits",
            "replay_is_refused", "sequence_wraps"]
TICK_CYCLES = 2000  # about three frames per tick at the SPI rate of the tests


def test_crc_reference():
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue's check value
    assert crc16_ccitt_false(b"") == 0xFFFF
    frame = Layout(5, 14, 6).command(7, 15, 0x1234)
    assert frame.hex() == "070f1234" + f"{crc16_ccitt_false(frame[:4]):04x}"
    assert crc16_ccitt_false(frame) == 0  # the zero remainder the hardware checks


def _results(xml: Path) -> dict[str, str]:
    return {c.get("name"): "fail" if c.find("failure") is not None else "pass"
            for c in ET.parse(xml).getroot().iter("testcase")}


def _run(build_dir: Path, sources: list[Path], toplevel: str, testcase: str,
         parameters: dict[str, int]) -> dict[str, str]:
    from cocotb_tools.runner import get_runner

    from compiler import lockstep

    sim = harness.runner_name()
    if sim == "verilator":
        os.environ["PATH"] = f"{lockstep.verilator_bin()}{os.pathsep}{os.environ.get('PATH', '')}"
    runner = get_runner(sim)
    build_args = (["--public-flat-rw", "-Wno-fatal", "--timing", "-CFLAGS", "-fcoroutines"]
                  if sim == "verilator" else [])
    waves = os.environ.get("WAVES") == "1"
    runner.build(sources=sources, hdl_toplevel=toplevel, build_dir=build_dir,
                 parameters=parameters, build_args=build_args, waves=waves,
                 timescale=("1ns", "1ps"), always=sim == "icarus")
    xml = build_dir / f"{testcase}.results.xml"
    xml.unlink(missing_ok=True)
    try:
        runner.test(test_module="cocotb_host_link", hdl_toplevel=toplevel, testcase=testcase,
                    build_dir=build_dir, test_dir=build_dir, parameters=parameters,
                    extra_env={"PUMPSPEC_IR": harness.REFERENCE}, waves=waves,
                    timescale=("1ns", "1ps"), results_xml=str(xml))
    except SystemExit:  # cocotb's runner exits on a failing test; the results file says which
        if not xml.exists():
            raise
    return _results(xml)


@pytest.mark.sim
@pytest.mark.parametrize("testcase", TB_TESTS)
def test_host_link(testcase):
    from compiler import lockstep
    from compiler.backends import verilog

    module = harness.load_ir(harness.REFERENCE)
    plan = verilog.plan(module)
    build_dir = BUILD / testcase  # one folder per test: tests may run at once
    build_dir.mkdir(parents=True, exist_ok=True)
    (path, text), = verilog.emit(module).items()
    block = build_dir / Path(path).name
    wrapper = build_dir / "tb_host_link.v"
    for f, t in ((block, text), (wrapper, wrapper_text(plan, plan.module))):
        if not f.exists() or f.read_text() != t:
            f.write_text(t)
    params = lockstep.sim_params(module, tick_cycles=TICK_CYCLES).as_dict()
    results = _run(build_dir, [block, HDL / "host_link.v", wrapper], "tb_host_link",
                   testcase, params)
    assert results.get(testcase) == "pass", results


@pytest.mark.sim
def test_board_top_link():
    sources = [harness.ROOT / "generated" / "infusion_pump.v", HDL / "host_link.v",
               HDL / "pump_board_top.v"]
    results = _run(BUILD / "board", sources, "pump_board_top", "board_top_link", {})
    assert results.get("board_top_link") == "pass", results
