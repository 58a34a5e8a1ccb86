"""Dose-window buckets in block RAM (compiler/backends/verilog/_ram.py): which windows keep
their middle buckets in a RAM, what the design and its formal section declare for them,
and that the bench still compares every bucket. The block runs in lockstep with the
controller in tests/test_corpus.py (every corpus spec); the ring's invariants are proved
in the formal tier (tests/rtlproof/test_formal.py) and the RAMs' mapping to block RAM is
checked by the hardware tier (tests/hdl/test_timing.py)."""
from __future__ import annotations

from pathlib import Path

from compiler import lockstep, pipeline
from compiler.backends import verilog
from compiler.backends.verilog import _ram

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "spec" / "infusion_pump.pump"
CLOSED_LOOP = ROOT / "spec" / "closed_loop_pump.pump"
WEIGHTED = Path(__file__).parent / "specs" / "weighted_window.pump"


def ram_windows(plan) -> list[str]:
    return [r.window for r in plan.rams]


def test_windows_read_only_through_their_totals_keep_their_middle_buckets_in_ram():
    assert ram_windows(verilog.plan(pipeline.load_module(REFERENCE))) == ["hourly", "daily", "primes"]
    # the insulin-on-board curve weighs each bucket of `iob`: its buckets stay registers
    assert ram_windows(verilog.plan(pipeline.load_module(CLOSED_LOOP))) == ["hourly", "daily", "primes"]
    assert ram_windows(verilog.plan(pipeline.load_module(WEIGHTED))) == []


def test_a_window_with_few_middle_buckets_keeps_registers(tmp_path):
    text = REFERENCE.read_text()
    old = "window primes : 7 buckets of 10 min"
    assert old in text
    words = _ram.RAM_WORDS - 1  # buckets - 2 middle ones
    # longer buckets: the window still covers the step limiter's hour (E0407)
    spec = tmp_path / "spec.pump"
    spec.write_text(text.replace(old, f"window primes : {words + 2} buckets of 20 min"))
    assert ram_windows(verilog.plan(pipeline.load_module(spec))) == ["hourly", "daily"]


def test_a_ram_holds_the_middle_buckets_and_the_bench_still_reads_them(corpus_spec):
    m = pipeline.load_module(corpus_spec)
    plan = verilog.plan(m)
    (text,) = verilog.emit(m).values()
    snapshot = lockstep.wrapper_text(plan)
    for ram in plan.rams:
        (w,) = [w for w in m.windows if w.name == ram.window]
        assert ram.words == w.buckets - 2 >= _ram.RAM_WORDS
        assert f"reg [{ram.width - 1}:0] {ram.name} [0:{ram.words - 1}];" in text
        middle = [f"v_{v.name}" for v in w.bucket_vars[1:-1]]
        assert ram.buckets == middle
        for wire in middle:
            # a wire reading its word, never a register or a reset's target
            assert f"wire [{ram.width - 1}:0] {wire} = ({ram.filled} >= " in text
            assert f"reg [{ram.width - 1}:0] {wire};" not in text
            assert f" {wire} <= " not in text
            assert f"u_dut.u_fsm.{wire}" in snapshot
        # b0 and the oldest bucket stay registers
        for v in (w.bucket_vars[0], w.bucket_vars[-1]):
            assert f"reg [{ram.width - 1}:0] v_{v.name};" in text
        # one write on a wrap tick, one registered read of the head word in the other
        # cycles (never both: no bypass logic in the block RAM)
        assert f"wire {ram.stem}_we = !rst && tick && {ram.wrap};" in text
        assert f"    if ({ram.stem}_we) {ram.name}[{ram.head}] <= " in text
        assert text.count(f"    else {ram.stem}_next_q <= {ram.name}[{ram.head}];") == 1


def test_the_formal_section_reads_the_ghosts_and_ties_them_to_the_ring(corpus_spec):
    m = pipeline.load_module(corpus_spec)
    plan = verilog.plan(m)
    labels = {c.label: c for c in verilog.formal(m).checks}
    for ram in plan.rams:
        for part in ("ring", "words", "next"):
            check = labels[f"f_pipeline_{ram.stem}_{part}"]
            assert check.kind == "pipeline" and check.module == "fsm"
        assert all(f"({g} == {wire})" in labels[f"f_pipeline_{ram.stem}_words"].cond
                   for g, wire in zip(ram.ghosts, ram.buckets, strict=True))
        # the spec's checks over the buckets (ranges, steps, the window chain) read ghosts
        fsm_conds = " ".join(c.cond for c in labels.values()
                             if not c.label.startswith(f"f_pipeline_{ram.stem}_"))
        for g, wire in zip(ram.ghosts, ram.buckets, strict=True):
            assert g in fsm_conds
            assert f"{wire} " not in fsm_conds.replace(g, "") and f"{wire})" not in fsm_conds.replace(g, "")
