"""RTL lockstep on a sample of random specs (issue 9, item 7: "on a sample, RTL lockstep
agrees").

Each sampled spec (tests/specgen/specgen.py) passes `check`; its Verilog block is built,
compiled with the lockstep wrapper on Icarus and run against the generated Python
controller (compiler.lockstep: a few random sequences of port events guided by the spec,
plus their ticks; no prover witnesses, which would cost seconds of Z3 per spec).

A spec is set aside, never silently, when one of these named predicates explains it:

- ``g6_literal_does_not_fit``: `build` fails on a constant stored outside its variable's
  range (specgen finding G6);
- ``P0100``: the run stopped at a mismatch that `lockstep` explains by a variable leaving
  its declared range (what `prove` and `simulate --monitor` report as `range.*`). The
  block holds each variable in a register sized from its declared range (docs/semantics.md,
  "Numbers"), so from that step on it is not meant to agree (finding L1);
- ``W0403``: a mismatch `lockstep` explains by a source stepping in the first tick after
  reset (`check` warned W0403): the block latched its interlock fault at that tick, which
  keeps the motor off (PS-44); the controller does not model it.

Any other build, compile or lockstep failure fails the test. Default
run: the first 8 sampled specs that lockstep (derandomized); long tier (--long): 40 fresh
ones. Findings: /work/notes/specgen_findings.md.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

import fourway
from compiler import lockstep
from compiler.backends import BackendError, verilog
from compiler.ir.nodes import Module
from specgen import specs

SEQUENCES = 3  # random sequences per spec
EVENTS = 100  # port events per sequence, ticks between them not counted
DRAWS_PER_SAMPLE = 4  # specs drawn per spec the sample needs: room for those set aside

DEFAULT = dict(deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
               suppress_health_check=list(HealthCheck))  # the same specs on every run
LONG = dict(DEFAULT, derandomize=False)

AGREED = "agreed"

# the minimised spec of finding L1: the register of `r` (6 bits, 0 .. 45) wraps at 67
LEAVES_ITS_RANGE = """pump P
units { step = 0.025 U  tick = 1 s  clock = 4 MHz }
var r : 0 .. 45 steps/h = 30 steps/h
state Idle initial reject others "no"
every tick do r := r + max(r, 37 steps/h)
"""


def g6_literal_does_not_fit(exc: BackendError) -> bool:
    return re.search(r"-?\d+ does not fit \d+ (un)?signed bits", str(exc)) is not None


def lockstep_outcome(text: str, workdir: Path, events: int = EVENTS) -> str:
    """``AGREED``, or the named predicate that sets the spec aside; raises AssertionError
    on anything else (with the spec, and the mismatch table if there is one)."""
    module = fourway.module_of(text)
    try:
        (_, block), = verilog.emit(module).items()
    except BackendError as exc:
        if g6_literal_does_not_fit(exc):
            return "G6"
        raise AssertionError(f"build failed: {exc}\n{text}") from exc
    try:
        bench = lockstep.build(module, workdir=workdir, block=block)
    except lockstep.SimulatorError as exc:
        raise AssertionError(f"Icarus refused the block: {exc}\n{text}") from exc
    result = lockstep.run(bench, sequences=SEQUENCES, events=events, seed=1)
    assert not result.expectation_failures, result.expectation_failures
    if result.mismatch is None:
        assert result.sequences == SEQUENCES and result.port_events >= SEQUENCES * events, result
        return AGREED
    if result.cause is not None:
        return result.cause.code
    raise AssertionError(f"{result.mismatch.table()}\n{text}")


def drawn_specs(count: int, hypothesis_settings: dict, programmes: bool = False) -> list[str]:
    texts: list[str] = []

    @settings(max_examples=count, **hypothesis_settings)
    @given(specs(programmes=programmes))
    def draw(text):
        texts.append(text)

    draw()
    return texts


def checked_specs(count: int, programmes: bool = False) -> list[tuple[str, Module]]:
    """The specs `check` accepts among ``count`` derandomized draws, with their modules
    (those it refuses: test_random_specs covers them)."""
    out = []
    for text in drawn_specs(count, DEFAULT, programmes):
        try:
            out.append((text, fourway.module_of(text)))
        except fourway.SpecRejected:
            continue
    return out


def specs_where(found: Callable[[list[tuple[str, Module]]], list], count: int,
                programmes: bool = False) -> tuple[list, int]:
    """``found`` of ``count`` derandomized draws, else of 2 and then 4 times as many: the
    draws are the same on every run of the same process history, but hypothesis also
    draws constants from the source of the modules a process has imported, so which
    draws show a rare feature can shift between a test run alone and a full run.
    Returns what ``found`` found (empty if nothing) and the draws it took."""
    for n in (count, 2 * count, 4 * count):
        out = found(checked_specs(n, programmes))
        if out:
            return out, n
    return [], 4 * count


def lockstep_sample(size: int, hypothesis_settings: dict, workdir: Callable[[], Path]) -> Counter:
    """Lockstep drawn specs until ``size`` agreed; the outcomes by name."""
    outcomes: Counter = Counter()
    for text in drawn_specs(size * DRAWS_PER_SAMPLE, hypothesis_settings):
        outcomes[lockstep_outcome(text, workdir())] += 1
        if outcomes[AGREED] == size:
            break
    print(f"RTL lockstep of random specs: {dict(outcomes)}")
    assert outcomes[AGREED] == size, f"only {outcomes[AGREED]} of {size} specs agreed: {dict(outcomes)}"
    return outcomes


def test_sampled_specs_agree_in_rtl_lockstep(tmp_path_factory):
    lockstep_sample(8, DEFAULT, lambda: tmp_path_factory.mktemp("lockstep"))


def test_leaving_a_declared_range_is_told_apart_from_a_backend_mismatch(tmp_path):
    """L1: the block's register wraps where the controller's value leaves its range;
    lockstep explains the mismatch by `r` leaving its range first."""
    module = fourway.module_of(LEAVES_ITS_RANGE)
    result = lockstep.run(lockstep.build(module, workdir=tmp_path), sequences=1, events=10)
    assert result.mismatch is not None and result.mismatch.event == "tick 2", result
    assert result.cause is not None and result.cause.code == "P0100", result
    assert result.cause.message.startswith("`r` = 67 left its declared range 0 .. 45")
    assert result.cause.span.line == 3
    assert lockstep_outcome(LEAVES_ITS_RANGE, tmp_path / "again") == "P0100"


@pytest.mark.long
def test_long_sampled_specs_agree_in_rtl_lockstep(tmp_path_factory):
    lockstep_sample(40, LONG, lambda: tmp_path_factory.mktemp("lockstep"))


SERIAL_DRAWS = 60  # derandomized: some of them fold a long table serially, a few read it too


def test_random_specs_with_serial_folds_agree(tmp_path):
    """Random specs whose Verilog computes a min or max of a long table, or reads it at a
    run-time index, one term a cycle (compiler/backends/verilog/_serial.py) run in
    lockstep with their controllers; the specs run first are those that read it."""
    def reads_first(drawn):
        folded = []
        for text, module in drawn:
            ops = {s.op for s in verilog.plan(module).pipe.serials}
            if ops:
                folded.append(("select" not in ops, text))
        folded.sort(key=lambda f: f[0])  # stable: the draws' order within each kind
        return folded if folded and not folded[0][0] else []

    folded, draws = specs_where(reads_first, SERIAL_DRAWS)
    assert folded, f"none of {draws} random specs reads a table serially"
    outcomes = Counter(lockstep_outcome(text, tmp_path / str(i))
                       for i, (_, text) in enumerate(folded[:2]))
    assert outcomes[AGREED] >= 1, dict(outcomes)


RAM_DRAWS = 60  # derandomized: some of them keep a window's middle buckets in a RAM
RAM_EVENTS = 400  # port events per sequence: over 1,000 ticks between them
RAM_TURN_TICKS = 400  # a chosen spec's ring goes round in at most this many ticks


def test_random_specs_with_window_rams_agree(tmp_path):
    """Random specs whose Verilog keeps a window's middle buckets in a RAM ring
    (compiler/backends/verilog/_ram.py) run in lockstep with their controllers; those run
    first are those whose ring goes round soonest (buckets x bucket length in ticks), and
    each sequence is long enough to fill it, overwrite its oldest words and read them
    back."""
    def soonest(drawn):
        rams = []
        for text, module in drawn:
            windows = {r.window for r in verilog.plan(module).rams}
            turns = [w.buckets * w.bucket_ticks for w in module.windows if w.name in windows]
            if turns:
                rams.append((min(turns), text))
        rams.sort(key=lambda r: r[0])  # stable: the draws' order among equal turns
        return [r for r in rams[:3] if r[0] <= RAM_TURN_TICKS]

    chosen, draws = specs_where(soonest, RAM_DRAWS)
    assert chosen, f"no window RAM of {draws} random specs goes round in {RAM_TURN_TICKS} ticks"
    outcomes = Counter(lockstep_outcome(text, tmp_path / str(i), RAM_EVENTS)
                       for i, (_, text) in enumerate(chosen))
    assert outcomes[AGREED] >= 1, dict(outcomes)


TABLE_DRAWS = 50  # derandomized, drawing every table as a programme


def test_random_specs_with_table_rams_agree(tmp_path):
    """Random specs whose Verilog keeps a table variable in a RAM
    (compiler/backends/verilog/_table_ram.py; specgen draws a long persistent table as a
    programme, read and written at run-time indices) run in lockstep with their
    controllers: the writes through the RAM's port, the flags of words not written since
    reset, and the walk's registered reads."""
    chosen, draws = specs_where(lambda drawn: [text for text, module in drawn
                                               if verilog.plan(module).tables][:1],
                                TABLE_DRAWS, programmes=True)
    assert chosen, f"none of {draws} random specs keeps a table in a RAM"
    (text,) = chosen
    assert lockstep_outcome(text, tmp_path) == AGREED


NARROW_DRAWS = 40  # derandomized specs whose tick values the narrowing rewrites


def test_random_specs_tick_values_narrowed_equal_their_definitions():
    """The narrowing (compiler/backends/verilog/_narrow.py) on random specs: each tick
    value as the block computes it equals its definition in the IR evaluator, for
    random pre-states and earlier tick values anywhere in their declared ranges."""
    import random

    from compiler.eval.evaluator import Config, Env, Evaluator
    from compiler.ir import nodes as ir

    def draw(t: ir.Type, rng: random.Random):
        if isinstance(t, ir.BoolType):
            return rng.random() < 0.5
        if isinstance(t, ir.EnumType):
            return rng.randrange(len(t.members))
        return rng.choice([t.lo, t.hi, rng.randint(t.lo, t.hi)])

    rng = random.Random(7)
    rewritten = 0
    for text, module in checked_specs(NARROW_DRAWS):
        try:
            values = verilog.plan(module).let_values
        except BackendError as exc:
            assert g6_literal_does_not_fit(exc), f"{exc}\n{text}"
            continue
        changed = [let for let in module.tick_lets if values[let.name] != let.value]
        rewritten += bool(changed)
        ev = Evaluator(module)
        for _ in range(30):
            pre = Config(rng.choice(module.states).name,
                         tuple((v.name, draw(v.type, rng)) for v in module.variables))
            env = Env(pre, lets={let.name: draw(let.value.type, rng) for let in module.tick_lets})
            for let in changed:
                assert ev.eval(values[let.name], env) == ev.eval(let.value, env), f"{let.name}\n{text}"
    assert rewritten, f"the narrowing rewrote no tick value of {NARROW_DRAWS} random specs"
