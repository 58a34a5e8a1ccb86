"""Serial folds (compiler/backends/verilog/_serial.py): which sums, maxima and run-time
table reads the design computes one term a cycle, which of them share a walk, how the
pipeline counts their latency, and that the block still computes the spec's values
(lockstep with the Python controller on Icarus). Their invariants are proved in the
formal tier (tests/rtlproof/test_formal.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.backends import verilog
from compiler.backends.verilog import _serial

ROOT = Path(__file__).resolve().parents[3]
WEIGHTED = Path(__file__).parent / "specs" / "weighted_window.pump"
CORPUS = sorted((ROOT / "spec").glob("*.pump")) + [ROOT / "spec" / "examples" / "patch_pump.pump"]


def plan_of(text: str, tmp_path: Path):
    spec = tmp_path / "spec.pump"
    spec.write_text(text)
    return verilog.plan(pipeline.load_module(spec))


def serials(plan, op: str):
    return [s for s in plan.pipe.serials if s.op == op]


def test_a_weighted_bucket_sum_is_one_serial_sum_read_by_the_guard_and_the_limit():
    plan = verilog.plan(pipeline.load_module(WEIGHTED))
    (s,) = serials(plan, "+")
    assert s.terms == 9 and s.walk.cs == (9, 8, 7, 6, 5, 4, 3, 2, 1)
    assert [x.text for x in s.walk.xs] == [f"v_recent_b{i}" for i in range(9)]
    logic = "\n".join(plan.decls + plan.guards + plan.lets)
    # `... + amount` (the guard) and `... + dose_left` (the limit) both read the one sum
    assert logic.count(f"{s.name} + ") == 2
    # no bucket is multiplied in parallel any more (a product by a constant is shifts)
    assert not [line for line in logic.splitlines() if "v_recent_b" in line and "<<<" in line]
    text = "\n".join(plan.serial_lines)
    assert f"reg signed [{s.width - 1}:0] {s.name};" in text
    assert f"{s.walk.name}_k <= (rst ||" in text  # the counter starts at 0 after a reset


def test_the_max_of_a_table_is_a_serial_max():
    plan = verilog.plan(pipeline.load_module(WEIGHTED))
    (s,) = serials(plan, "max")
    assert [x.text for x in s.walk.xs] == [f"v_caps_{i}" for i in range(9)] and s.walk.cs == ()
    assert f"{s.walk.name}_c " not in "\n".join(plan.serial_lines)  # no constant, no multiplier


def test_a_read_of_a_table_at_a_run_time_index_shares_the_walk_of_its_max():
    plan = verilog.plan(pipeline.load_module(WEIGHTED))
    (read,) = serials(plan, "select")
    (top,) = serials(plan, "max")
    assert read.walk is top.walk and read.index is not None and read.lo == 0
    assert plan.pipe.walks == list(dict.fromkeys(s.walk for s in plan.pipe.serials))
    assert len(plan.pipe.walks) == 2  # the weighted sum's and the table's
    text = "\n".join(plan.serial_lines)
    # one counter per walk; an operand multiplexer for the sum's, while the table's walk
    # reads its RAM (_table_ram.py); an accumulator per fold
    assert text.count("_k <= (rst ||") == 2 and text.count("_xs[") == 1
    assert top.walk.ram is not None and f"{top.walk.name}_x = " in text
    assert text.count("_acc <= ") == 3
    # the read keeps the term its index selects: a hit flag per term, then the fold
    assert f"{read.name}_h <= (" in text and f"{read.name}_ph ? {top.walk.name}_p" in text


def test_each_fold_is_a_stage_of_its_latency():
    plan = verilog.plan(pipeline.load_module(WEIGHTED))
    pipe = plan.pipe
    labels = [c.label for c in verilog.formal(pipeline.load_module(WEIGHTED)).checks]
    assert len(pipe.serial_depths) == 3
    for walk, depth in pipe.walk_depths:
        for part in ("k", "operand", "product"):
            assert f"f_pipeline_{walk.name}_{part}" in labels
        assert all(depth <= operands for s, operands in pipe.serial_depths if s.walk is walk)
    for s, operands in pipe.serial_depths:
        assert s.latency == 2 * s.terms + 1
        assert pipe.nets[s.name].depth == operands + s.latency
        # a tick reads it settled, and the guard reading it commits after it settled
        assert pipe.nets[s.name].depth <= pipe.tick_depth
        assert pipe.nets[s.name].depth < pipe.event_cycles
        assert s.name not in plan.pipe_stages  # not a one-cycle stage register
        parts = ("hit", "partial", "result") if s.op == "select" else ("partial", "result")
        for part in parts:
            assert f"f_pipeline_{s.name}_{part}" in labels
        assert f"f_stage_{s.name}_1" in labels  # and its value is the spec's, once settled


@pytest.mark.parametrize("changes, op, why", [
    ([("+ recent_b7 * 2 + recent_b8", "")], "+", "seven terms"),
    ([("recent_b3 * 6", "dose_left * 6")], "+", "a term reads a variable that is not a bucket"),
    ([("table 0 .. 8", "table 0 .. 6"), ("slot: 0 .. 8", "slot: 0 .. 6"),
      ("at: 0 .. 8", "at: 0 .. 6")], "max", "seven entries"),
    ([("table 0 .. 8", "table 0 .. 6"), ("slot: 0 .. 8", "slot: 0 .. 6"),
      ("at: 0 .. 8", "at: 0 .. 6")], "select", "seven entries"),
])
def test_short_folds_and_sums_of_other_variables_stay_parallel(tmp_path, changes, op, why):
    text = WEIGHTED.read_text()
    for change in changes:
        assert change[0] in text
        text = text.replace(*change)
    plan = plan_of(text, tmp_path)
    assert serials(plan, op) == [], why
    assert serials(plan, "+") or serials(plan, "max")  # another fold stays


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_corpus_serial_sums_read_only_window_buckets(spec):
    m = pipeline.load_module(spec)
    buckets = {f"v_{v.name}" for w in m.windows for v in w.bucket_vars}
    for s in serials(verilog.plan(m), "+"):
        assert s.terms >= _serial.SERIAL_TERMS
        names = set(" ".join(x.text for x in s.walk.xs).replace("$signed", " ").replace("{", " ")
                    .replace("}", " ").replace(",", " ").split())
        assert {n for n in names if n.startswith("v_")} <= buckets, s.name


def test_the_serial_block_runs_in_lockstep_with_the_controller(iverilog, tmp_path):
    out = subprocess.run([sys.executable, "-m", "compiler", "lockstep", str(WEIGHTED),
                          "--sequences", "8", "--events", "200", "--format", "json",
                          "--work", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["ok"] and result["mismatch"] is None and result["comparisons"] > 1000
    # the weighted sum, the largest cap and the slot's cap decided some events: their
    # guards' reasons
    m = pipeline.load_module(WEIGHTED)
    for text in ("the weighted history leaves no room", "above every cap", "above the slot's cap"):
        (code,) = [r.code for r in m.reasons if r.text == text]
        assert code in result["reasons_seen"], text
