"""Table variables in block RAM (compiler/backends/verilog/_table_ram.py): which tables a
RAM holds, what the design and its formal section declare for them, and that the bench
still compares every element. tests/backends/verilog/specs/segment_table.pump has a
persistent table and one a reset clears, one with a first index above 0; the block runs
in lockstep with the controller here and in tests/specgen (random specs); its invariants
are proved, and mutants of its RAM logic violated, in the formal tier
(tests/rtlproof/test_formal.py)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import lockstep, pipeline
from compiler.backends import verilog
from compiler.backends.verilog import _table_ram
from compiler.backends.verilog._serial import SERIAL_TERMS

ROOT = Path(__file__).resolve().parents[3]
SEGMENTS = Path(__file__).parent / "specs" / "segment_table.pump"
WEIGHTED = Path(__file__).parent / "specs" / "weighted_window.pump"
CLOSED_LOOP = ROOT / "spec" / "closed_loop_pump.pump"


def tables(spec: Path) -> list[str]:
    return [t.table for t in verilog.plan(pipeline.load_module(spec)).tables]


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = SEGMENTS.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "spec.pump"
    path.write_text(text.replace(old, new))
    return path


def test_tables_read_only_by_serial_folds_are_in_ram():
    assert tables(SEGMENTS) == ["program", "boost"]
    assert tables(WEIGHTED) == ["caps"]
    assert tables(CLOSED_LOOP) == ["program"]


@pytest.mark.parametrize("old, new, why", [
    # a read at a constant index reads the element's register
    ("when rate <= max_basal            else reject TAB-01 \"above the maximum basal\"",
     "when rate <= max_basal            else reject TAB-01 \"above the maximum basal\"\n"
     "    when program[0] <= max_basal      else reject TAB-01 \"segment 0 is too high\"",
     "a constant index"),
    # a tick's write goes with the tick's updates, not through the write port
    ("    clock_of_day := (clock_of_day + 1 tick) mod DAY",
     "    clock_of_day := (clock_of_day + 1 tick) mod DAY;\n"
     "    program[clock_of_day div SEGMENT] := program[clock_of_day div SEGMENT]",
     "written on a tick"),
    # a table of fewer elements than a serial fold takes is read by a multiplexer
    ("table 0 .. 7 of 0 .. MAX_BASAL = 1 U/h", f"table 0 .. {SERIAL_TERMS - 2} of 0 .. MAX_BASAL = 1 U/h",
     "too short"),
])
def test_other_tables_keep_their_registers(tmp_path, old, new, why):
    spec = edited(tmp_path, old, new)
    if why == "too short":
        spec.write_text(spec.read_text().replace("segment: 0 .. 7", f"segment: 0 .. {SERIAL_TERMS - 2}")
                        .replace("program[clock_of_day div SEGMENT]",
                                 f"program[min(clock_of_day div SEGMENT, {SERIAL_TERMS - 2})]"))
    assert tables(spec) == ["boost"], why


def test_a_mutated_element_update_is_no_longer_a_table_write():
    """A mutant that changes one element's update (compiler/mutate) keeps the registers:
    the update no longer carries the write it came from."""
    from dataclasses import replace

    m = pipeline.load_module(SEGMENTS)
    (t,) = [t for t in m.transitions if t.event == "set_segment"]
    u = t.updates[3]
    assert u.write is not None and u.write.array == "program"
    changed = replace(t, updates=(*t.updates[:3], replace(u, write=None), *t.updates[4:]))
    mutated = replace(m, transitions=tuple(changed if x is t else x for x in m.transitions))
    assert [a.name for a in _table_ram.ram_tables(mutated)] == ["boost"]


def test_a_ram_holds_the_elements_and_the_bench_still_reads_them():
    m = pipeline.load_module(SEGMENTS)
    plan = verilog.plan(m)
    (text,) = verilog.emit(m).values()
    snapshot = lockstep.wrapper_text(plan)
    for table in plan.tables:
        (a,) = [a for a in m.arrays if a.name == table.table]
        w = table.width
        assert f"reg [{w - 1}:0] {table.name} [0:{len(a.elements) - 1}];" in text
        for k, v in enumerate(a.elements):
            wire = f"v_{v.name}"
            # a wire reading its word (the initial value until written), never a register
            assert (f"wire [{w - 1}:0] {wire} = {table.stem}_written[{k}] ? "
                    f"{table.name}[{k}] : {w}'d{int(v.init)};") in text
            assert f"reg [{w - 1}:0] {wire};" not in text and f" {wire} <= " not in text
            assert f"u_dut.u_fsm.{wire}" in snapshot
        # one write port, the walk's registered read in every other cycle
        assert text.count(f"if ({table.stem}_we) {table.name}[{table.stem}_addr] <= "
                          f"{table.stem}_data;") == 1
        assert text.count(f"{table.stem}_q <= {table.name}[{table.walk_k}];") == 1
        (walk,) = [x for x in plan.pipe.walks if x.ram is not None and x.ram.text == table.read.text]
        assert f"wire signed [{walk.x_width - 1}:0] {walk.reg('x')} = " in text
        assert f"{walk.reg('xs')}" not in text  # no multiplexer over the elements
    # `boost` (not persistent) loses its writes at a reset event; `program` keeps them
    assert "    if (rst) m_program_written <= 8'd0;" in text
    assert "    if (rst || (ev_commit && (fire_q == FIRE_RESET))) m_boost_written <= 8'd0;" in text
    # boost's first index is 1: its word is the index - 1
    assert re.search(r"wire signed \[\d+:0\] (t\d+) = .*p_set_boost_segment.* - \d+'sd1;", text)


def test_the_formal_section_reads_the_ghosts():
    m = pipeline.load_module(SEGMENTS)
    plan = verilog.plan(m)
    checks = {c.label: c for c in verilog.formal(m).checks}
    for table in plan.tables:
        words = checks[f"f_pipeline_{table.stem}_words"]
        assert words.kind == "pipeline" and words.module == "fsm"
        assert all(f"({g} == {wire})" in words.cond
                   for g, wire in zip(table.ghosts, table.elements, strict=True))
        # the spec's range checks and the walk's operand invariant read the ghosts
        assert all(g in checks[f"f_range_{e}"].cond
                   for g, e in zip(table.ghosts, table.spec_elements, strict=True))
        walk = next(x for x in plan.pipe.walks if x.ram is not None and x.ram.text == table.read.text)
        operand = checks[f"f_pipeline_{walk.name}_operand"].cond
        assert all(g in operand for g in table.ghosts)
        assert not any(re.search(rf"\b{e}\b", operand) for e in table.elements)


def test_the_block_lints_and_runs_in_lockstep(tmp_path):
    """Verilator's lint is clean and the block agrees with the controller on random
    sequences that write both tables (below and above each index range too) and read
    them through the basal sources and the max guards."""
    m = pipeline.load_module(SEGMENTS)
    (name, text), = verilog.emit(m).items()
    path = tmp_path / name
    path.write_text(text)
    lint = subprocess.run([str(Path(lockstep.verilator_bin()) / "verilator"), "--lint-only", "-Wall",
                           str(path)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stderr
    run = subprocess.run([sys.executable, "-m", "compiler", "lockstep", str(SEGMENTS), "--sequences", "6",
                          "--events", "200", "--work", str(tmp_path / "work")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "7/7 transitions fired" in run.stdout and ", 0 mismatches" in run.stdout
