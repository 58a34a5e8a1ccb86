"""The `ifdef FORMAL section and `pumpspec prove-rtl`: emitted assertions, their ids, and
mutants of the generated Verilog reported violated with a trace that Icarus replays.

The mutant tests are marked ``formal``: they need the formal extra (YoWASP Yosys and
SymbiYosys) and run in the formal tier (`./test.sh --formal -m formal`, `tox -e formal`);
without ``--formal`` they are skipped.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.backends import verilog
from compiler.rtlproof import SPLIT_WAYS, fsm_tasks, properties, prove_file, split, toolchain_missing

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated" / "infusion_pump.v"



@pytest.fixture(scope="module")
def block():
    analysis = pipeline.load(str(ROOT / "spec" / "infusion_pump.pump"))
    assert analysis.module is not None
    return verilog.formal(analysis.module)


def test_every_assertion_is_labelled_with_a_requirement(block):
    text = GENERATED.read_text()
    props, shrunk = block.checks, block.shrunk
    assert block.top == "infusion_pump"
    labels = [p.label for p in props]
    assert len(labels) == len(set(labels))
    asserted = re.findall(r"^\s*(?:if \(.*\) )?(f_\w+): assert \(", text, flags=re.M)
    assert asserted == labels  # the file asserts exactly the backend's list, in its order
    listed = re.findall(r"// pumpspec-formal (f_\w+) (\S+) (\w+): (.*)$", text, flags=re.M)
    assert listed == [(p.label, p.req, p.kind, p.text) for p in props]
    assert {p.module for p in props if p.kind in ("interlock", "limiter", "watchdog")} == {"motor"}
    ids = {p.req for p in props}
    # the list: invariants, interlock, limiter, caps, basal accuracy (ghost), reset
    for req in ("PS-01", "PS-04", "PS-22", "PS-21", "PS-40", "PS-41", "PS-42", "PS-44"):
        assert req in ids
    assert {p.kind for p in props} >= {"range", "inv", "assert", "ghost", "interlock",
                                       "limiter", "window"}
    assert shrunk["TICK_CYCLES"] < 100


def test_fsm_parts_assert_every_fsm_label_once(block):
    """The FSM's parts partition its assertions (the induction on time needs each proved
    by one part), and a part split after a timeout partitions its own."""
    props = properties(block)
    fsm = [p.label for p in props if p.module == "fsm"]
    tasks = fsm_tasks(block.top, props)
    assert sorted(label for t in tasks for label in t.labels) == sorted(fsm)
    kinds = {p.label: p.kind for p in props}
    rest = next(t for t in tasks if t.name == "fsm")
    by_kind = split(rest, kinds)
    assert len(by_kind) == len({kinds[label] for label in rest.labels}) > 1
    for piece in by_kind:
        assert len({kinds[label] for label in piece.labels}) == 1
        assert piece.only == piece.labels and piece.assume == rest.assume
    assert sorted(label for piece in by_kind for label in piece.labels) == sorted(rest.labels)
    ranges = next(piece for piece in by_kind if kinds[piece.labels[0]] == "range")
    runs = split(ranges, kinds)
    assert len(runs) == SPLIT_WAYS
    assert [label for piece in runs for label in piece.labels] == list(ranges.labels)


def test_formal_section_does_not_change_the_design():
    """Without FORMAL the file is the design alone: the formal text sits in ifdef blocks
    and the design's wires keep their names (the cocotb bench reads them)."""
    text = GENERATED.read_text()
    outside = re.sub(r"`ifdef FORMAL.*?\n`endif\n(?=endmodule)", "", text, flags=re.S)
    assert "f_ok_" not in outside and "assert" not in outside.replace("assertion", "")


def test_replay_mode_compiles_in_icarus(tmp_path):
    out = subprocess.run(["iverilog", "-g2012", "-DFORMAL", "-DPUMPSPEC_REPLAY", "-o",
                          str(tmp_path / "x.vvp"), str(GENERATED)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


MUTANTS = {
    # the interlock AND: "may move" no longer excludes a latched alarm
    "interlock_and": (r"wire authorized = \((.*)\) && !\(\|fsm_alarms\);",
                      r"wire authorized = (\1);", {"motor"}, "f_interlock_auth"),
    # off by one on the limiter: one step more than LIMIT_STEPS passes
    "limiter_off_by_one": (r"wire over = lim_after > LIMIT;", "wire over = lim_after > LIMIT + 1'b1;",
                           {"motor", "motor-shrunk"}, "f_limiter_"),
    # the runt pulse (PS-44): STEP no longer forced low while rst is high
    "reset_runt": (r"assign step = step_q && motor_en && !rst;", "assign step = step_q && motor_en;",
                   {"motor"}, "f_reset_step"),
    # a reset no longer empties the primes window's RAM: a word not written since reads
    # as bucket 1 (compiler/backends/verilog/_ram.py)
    "ram_not_cleared": (r"(\n\s+w_primes_filled <= 3'd)0;", r"\g<1>1;", {"fsm"},
                        "f_pipeline_w_primes_words"),
    # the limiter's ring read ignores its fill count: after a reset the oldest bucket
    # reads a word not written since (the motor's ring in block RAM)
    "limiter_ring_unfilled": (r"lim_oldest_ok <= \(lim_filled == FILLED_ALL\);", "lim_oldest_ok <= 1'b1;",
                              {"motor"}, "f_limiter_oldest"),
    # the Bresenham remainder dropped: the basal accumulator restarts at 0 every tick
    "bresenham_remainder": (r"(\n\s+if \(tick\) begin\n(?:.*\n)*?\s+v_basal_acc <= )[^;]+;",
                            r"\g<1>12'd0;", {"fsm"}, ("f_ghost_", "f_step_basal_acc_")),
}


def _mutate(tmp_path: Path, name: str, text: str | None = None) -> Path:
    pattern, repl, _, _ = MUTANTS[name]
    text = GENERATED.read_text() if text is None else text
    mutated, n = re.subn(pattern, repl, text, count=1)
    assert n == 1, f"mutant {name} did not apply"
    path = tmp_path / "infusion_pump.v"
    path.write_text(mutated)
    return path


def _check_mutant(tmp_path: Path, block, name: str) -> None:
    _, _, tasks, label = MUTANTS[name]
    missing = toolchain_missing()
    assert missing is None, f"{missing} is not on PATH: install the formal extra (pip install -e '.[formal]')"
    report = prove_file(_mutate(tmp_path, name), block, tmp_path / "work", timeout=300,
                        only=tasks)
    violated = [p for p in report.props if p.outcome == "violated"]
    assert violated, [(t.name, t.status) for t in report.tasks]
    assert report.exit_code() == 1
    hit = [p for p in violated if p.label.startswith(label)]
    assert hit, [p.label for p in violated]
    for p in hit:
        assert p.vcd and Path(p.vcd).is_file()
        assert p.replay and Path(p.replay).is_file(), p.detail
        assert p.replayed, f"the Icarus replay of {p.label} did not reproduce the failure"
        assert Path(p.replay_vcd).is_file()


@pytest.mark.formal
@pytest.mark.long  # ~2 min: the FSM's induction, then a bounded check that finds nothing
def test_mutant_bresenham_remainder_is_never_proved(tmp_path, block):
    """The remainder matters only once basal runs, which takes a set loaded, primed,
    inserted and started: deeper than the FSM's bounded check reaches (no trace from
    reset), so the mutant is shown by the induction of the checks that read the
    accumulator failing, never proved."""
    _, _, tasks, labels = MUTANTS["bresenham_remainder"]
    report = prove_file(_mutate(tmp_path, "bresenham_remainder"), block, tmp_path / "work",
                        timeout=60, only=tasks, route="direct")
    assert report.exit_code() != 0
    failed = [p for p in report.props if p.label.startswith(labels)
              and p.outcome != "proved" and "induction failed" in p.detail]
    assert failed, [(t.name, t.status) for t in report.tasks]


@pytest.mark.formal
def test_mutant_interlock_and_is_violated(tmp_path, block):
    _check_mutant(tmp_path, block, "interlock_and")


@pytest.mark.formal
def test_mutant_reset_runt_is_violated(tmp_path, block):
    _check_mutant(tmp_path, block, "reset_runt")


@pytest.mark.formal
def test_mutant_limiter_off_by_one_is_violated(tmp_path, block):
    _check_mutant(tmp_path, block, "limiter_off_by_one")


@pytest.mark.formal
def test_mutant_limiter_ring_unfilled_is_violated(tmp_path, block):
    _check_mutant(tmp_path, block, "limiter_ring_unfilled")


@pytest.mark.formal
def test_mutant_ram_not_cleared_is_violated(tmp_path, block):
    _check_mutant(tmp_path, block, "ram_not_cleared")


# a pump name as long as `check` allows (its files `<stem>.py` fill a file name) and a
# requirement id as long as a file name: every file prove-rtl derives from them fits
LONG_NAMES = """\
pump P{pump}
units {{ step = 0.05 U  tick = 1 s  clock = 1 MHz }}
var reservoir : 0 .. 10 U = 0 U
state Idle initial reject others "no"
state Run reject others "running"
event go(amount: 0 .. 10 U)
on go from Idle -> Run do reservoir := amount
on tick from Run -> Idle
invariant LONG-{req} "false": reservoir == 0 U
"""


@pytest.mark.formal
def test_long_pump_names_and_requirement_ids_prove_and_replay(tmp_path):
    from compiler.reserved import MAX_FILE_STEM

    text = LONG_NAMES.format(pump="x" * (MAX_FILE_STEM - 1), req="1" * 250)
    analysis = pipeline.analyze(text, "long.pump")
    assert analysis.ok, [d.message for d in analysis.diagnostics]
    ((name, source),) = verilog.emit(analysis.module).items()
    vpath = tmp_path / name
    vpath.write_text(source)
    report = prove_file(vpath, verilog.formal(analysis.module), tmp_path / "work", timeout=120)
    (bad,) = [p for p in report.props if p.outcome == "violated"]
    assert bad.req.startswith("LONG-") and bad.replayed, bad.detail
    longest = MAX_FILE_STEM + len(".py")  # what a file name may be
    assert all(len(p.name.encode()) <= longest for p in (tmp_path / "work").rglob("*"))


@pytest.mark.formal
def test_a_change_no_property_reads_is_violated_by_a_step_check(tmp_path):
    """The syringe driver's `program` event stores the rate; no property of the spec reads
    `rate`. A block that ignores the new rate (it would never infuse: an under-delivery
    no property names) passes every property's own induction, and its step check
    `f_step_rate_1` is violated from reset, with an Icarus replay."""
    analysis = pipeline.load(str(ROOT / "spec" / "syringe_driver.pump"))
    assert analysis.module is not None
    (_, text), = verilog.emit(analysis.module).items()
    block = verilog.formal(analysis.module)
    mutated, n = re.subn(r"(v_rate <= )p_program_speed\[10:0\];", r"\g<1>v_rate;", text)
    assert n == 1, "the mutant did not apply"
    path = tmp_path / "syringe_driver.v"
    path.write_text(mutated)
    violated = _violated_in_fsm(path, block, tmp_path / "work", "f_step_rate_1")
    # no property of the spec is violated: only the refinement sees it
    assert all(p.kind == "step" for p in violated.values()), sorted(violated)


def _violated_in_fsm(path: Path, block, work: Path, label: str, timeout: float = 300) -> dict:
    """The FSM's proof of the block at ``path`` (each check by its own induction): ``label``
    is violated, with a VCD and an Icarus replay that reproduces it; every violation."""
    report = prove_file(path, block, work, timeout=timeout, only={"fsm"}, route="direct")
    violated = {p.label: p for p in report.props if p.outcome == "violated"}
    assert label in violated, [(t.name, t.status) for t in report.tasks]
    hit = violated[label]
    assert hit.vcd and Path(hit.vcd).is_file() and hit.replayed, hit.detail
    return violated


WEIGHTED = ROOT / "tests" / "backends" / "verilog" / "specs" / "weighted_window.pump"


def _wrong_weight(m, text: str, weight: str, wrong: str) -> tuple[str, str]:
    """``text``, the Verilog of ``m``, with one constant of its serial sum's table of
    weights changed; and the label of the invariant of the sum's operand register."""
    (walk,) = [s.walk for s in verilog.plan(m).pipe.serials if s.op == "+"]
    mutated, n = re.subn(rf"(wire \[\d+:0\] {walk.name}_cs = \{{(?:[^;]*?, )?){weight}\b",
                         rf"\g<1>{wrong}", text, count=1)
    assert n == 1, "the mutant did not apply"
    return mutated, f"f_pipeline_{walk.name}_operand"


@pytest.mark.formal
def test_a_serial_sum_is_proved_and_a_wrong_weight_is_violated(tmp_path):
    """The serial sum, the serial max and the serial table read of
    tests/backends/verilog/specs/weighted_window.pump: their invariants and stage checks
    are proved at full width; with the weight of bucket 2 (7) printed as 6 the sum's
    operand register holds a wrong constant two cycles after reset, a violation with a
    trace that Icarus replays."""
    m = pipeline.load_module(WEIGHTED)
    (_, text), = verilog.emit(m).items()
    block = verilog.formal(m)
    path = tmp_path / "weighted_window.v"
    path.write_text(text)
    report = prove_file(path, block, tmp_path / "work", timeout=300, only={"fsm"},
                        route="direct")
    serial = [p for p in report.props if p.label.startswith(("f_pipeline_ser", "f_stage_ser"))]
    # two walks (3 invariants each), three folds (2 each, 3 for the read), 3 stage checks
    assert len(serial) == 16 and all(p.outcome == "proved" for p in serial), \
        [(p.label, p.outcome) for p in serial]
    mutated, label = _wrong_weight(m, text, "5'sd7", "5'sd6")
    path.write_text(mutated)
    _violated_in_fsm(path, block, tmp_path / "mutant", label)


@pytest.mark.formal
@pytest.mark.long  # ~13 min: the closed-loop block's FSM proof, split to 120 s pieces
def test_a_wrong_weight_of_the_insulin_on_board_is_violated(tmp_path):
    """The closed-loop pump's insulin-on-board weight of bucket 5 (74 %) printed as 73 %
    in the design's serial sum: its operand register holds the wrong weight a few cycles
    after reset, a violation with a trace that Icarus replays."""
    analysis = pipeline.load(str(ROOT / "spec" / "closed_loop_pump.pump"))
    assert analysis.module is not None
    (_, text), = verilog.emit(analysis.module).items()
    block = verilog.formal(analysis.module)
    path = tmp_path / "closed_loop_pump.v"
    mutated, label = _wrong_weight(analysis.module, text, "8'sd74", "8'sd73")
    path.write_text(mutated)
    _violated_in_fsm(path, block, tmp_path / "work", label, timeout=120)


SEGMENTS = ROOT / "tests" / "backends" / "verilog" / "specs" / "segment_table.pump"


def _table_mutant(text: str, plan, name: str) -> tuple[str, str]:
    """``text`` with one change to the RAM logic of a table of segment_table.pump, and the
    label (or the start of the labels) of the checks it breaks."""
    program, boost = plan.tables
    (walk,) = [w for w in plan.pipe.walks if w.ram is not None and w.ram.text == program.read.text]
    changes = {
        # a reset no longer clears the flag of the programme's word 0: the word reads what
        # the RAM holds instead of the initial value
        "flag_not_cleared": (f"if (rst) {program.stem}_written <= {program.words}'d0;",
                             f"if (rst) {program.stem}_written <= {program.words}'d1;",
                             f"f_pipeline_{program.stem}_words"),
        # the walk's operand ignores the flag of the word it read
        "flag_ignored": (f"{program.read.text} = {program.stem}_q_ok ? {program.stem}_q : "
                         f"{program.init_lit()};", f"{program.read.text} = {program.stem}_q;",
                         f"f_pipeline_{walk.name}_operand"),
        # `boost`'s first index is 1: the port writes word `segment` instead of
        # `segment - 1`, and the step check of the element written is violated
        "boost_offset_dropped": (f"wire [{boost.addr_width - 1}:0] {boost.stem}_addr = {boost.writers[0][1]};",
                                 f"wire [{boost.addr_width - 1}:0] {boost.stem}_addr = "
                                 f"p_set_boost_segment[{boost.addr_width - 1}:0];",
                                 "f_step_boost_"),
    }
    old, new, label = changes[name]
    assert text.count(old) == 1, f"mutant {name} did not apply"
    return text.replace(old, new), label


@pytest.mark.formal
def test_tables_in_ram_are_proved_and_their_mutants_violated(tmp_path):
    """tests/backends/verilog/specs/segment_table.pump keeps both its tables in RAMs
    (compiler/backends/verilog/_table_ram.py): every assertion is proved at full width;
    each of three changes to the RAMs' logic (two of a flag, one of an address) is a
    violation with a trace that Icarus replays."""
    m = pipeline.load_module(SEGMENTS)
    plan = verilog.plan(m)
    assert [t.table for t in plan.tables] == ["program", "boost"]
    (_, text), = verilog.emit(m).items()
    block = verilog.formal(m)
    path = tmp_path / "segment_table.v"
    path.write_text(text)
    report = prove_file(path, block, tmp_path / "work", timeout=300)
    assert report.exit_code() == 0, [(p.label, p.outcome) for p in report.props if p.outcome != "proved"]
    assert {f"f_pipeline_{t.stem}_words" for t in plan.tables} <= {p.label for p in report.props}
    for name in ("flag_not_cleared", "flag_ignored", "boost_offset_dropped"):
        mutated, label = _table_mutant(text, plan, name)
        path.write_text(mutated)
        report = prove_file(path, block, tmp_path / name, timeout=300, only={"fsm"},
                            route="direct")
        hit = [p for p in report.props if p.outcome == "violated" and p.label.startswith(label)]
        assert hit, (name, [(t.name, t.status) for t in report.tasks])
        assert all(p.vcd and Path(p.vcd).is_file() and p.replayed for p in hit), \
            [(p.label, p.detail) for p in hit]
