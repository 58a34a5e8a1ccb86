"""Table writes in a tick: a tick transition's write against the `every tick` writes.

docs/language.md: a tick transition's update of an element replaces the `every tick`
update of the same element. Element ``k`` takes the transition's value if the transition
writes ``k`` on this step, else the `every tick` value of ``k`` if `every tick` writes
``k``, else keeps its value; whether the indices are constants or run-time expressions.

The spec below writes ``hist`` every tick at ``phase`` and in tick transitions at another
element (``phase + 2``), at the same element (``phase``) and at a constant one. A model
of the rule written here in Python is the oracle; on random traces the IR evaluator, the
generated Python controller and the Z3 step function (tests/specgen/fourway.py) must
follow it at every step, and the generated Verilog must agree with the controller in RTL
lockstep (compiler.lockstep) on the same traces.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from compiler import lockstep
from compiler import trace as tr
from compiler.diagnostics import render_text
from compiler.ir import nodes as ir
from compiler.pipeline import analyze

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "specgen"))
import fourway  # noqa: E402

SPEC = """\
pump TableTick
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var hist : table 0 .. 3 of 0 .. 20 = 0
var phase : 0 .. 3 = 0
var count : 0 .. 20 = 0
state Idle initial ignore others
state Hot ignore others
event bump(by: 0 .. 5)
event drain(by: 0 .. 5)
event clear(at: 0 .. 3)
on bump from Idle, Hot when count + by <= 20 else reject "full" do count := count + by
on drain from Idle, Hot when count >= by else reject "empty" do count := count - by
on clear from Idle, Hot do hist[at] := 0
// another element than `every tick` writes
on tick from Idle -> Hot when count >= 10 do hist[(phase + 2) mod 4] := 20
// the element `every tick` writes: the transition's value wins
on tick from Hot -> Idle when count < 10 do hist[phase] := max(hist[phase] - 1, 0)
// a constant index
on tick from Hot when count == 20 do hist[3] := 19
// declared after the transitions: the order of the items does not matter
every tick do phase := (phase + 1) mod 4; hist[phase] := count
"""


def expected(pre: dict, event: str, params: dict) -> dict:
    """The documented rule, applied to this spec without the compiler."""
    post = dict(pre, hist=list(pre["hist"]))
    count, phase, hist = pre["count"], pre["phase"], pre["hist"]
    if event == "bump" and count + params["by"] <= 20:
        post["count"] = count + params["by"]
    elif event == "drain" and count >= params["by"]:
        post["count"] = count - params["by"]
    elif event == "clear":
        post["hist"][params["at"]] = 0
    elif event == "tick":
        written = {phase: count}  # every tick
        if pre["state"] == "Idle" and count >= 10:
            post["state"] = "Hot"
            written[(phase + 2) % 4] = 20
        elif pre["state"] == "Hot" and count < 10:
            post["state"] = "Idle"
            written[phase] = max(hist[phase] - 1, 0)
        elif pre["state"] == "Hot" and count == 20:
            written[3] = 19
        for k, v in written.items():
            post["hist"][k] = v
        post["phase"] = (phase + 1) % 4
    return post


def observed(config) -> dict:
    return {"state": config.state, "count": config["count"], "phase": config["phase"],
            "hist": [config[f"hist_{k}"] for k in range(4)]}


def random_trace(seed: int, length: int) -> list[tuple[str, dict]]:
    """User events, at most two between ticks (RTL lockstep replays a trace only if its
    events fit between two ticks), biased to fill ``count`` so that both tick transitions fire."""
    rng = random.Random(seed)
    out: list[tuple[str, dict]] = []
    while len(out) < length:
        for _ in range(rng.choice([0, 1, 2])):
            event = rng.choice(["bump", "bump", "drain", "clear"])
            out.append((event, {"at": rng.randint(0, 3)} if event == "clear" else {"by": rng.randint(0, 5)}))
        out.append(("tick", {}))
    return out


# the outside user's repro: the tick that moves to Hot writes hist_2 := 20 and every tick
# writes hist_0 := 10 (before the fix the first write dropped the second)
REPRO = [("bump", {"by": 5}), ("bump", {"by": 5}), ("tick", {}), ("tick", {})]
TRACES = [REPRO] + [random_trace(seed, 120) for seed in range(4)]


@pytest.fixture(scope="module")
def module() -> ir.Module:
    analysis = analyze(SPEC, "table_tick.pump")
    assert analysis.ok, render_text(analysis.diagnostics, analysis.sources)
    return analysis.module


def test_the_repro_keeps_the_every_tick_write(module):
    ls = fourway.run_trace(module, REPRO[:3], symbolic=True)
    assert observed(ls.config) == {"state": "Hot", "count": 10, "phase": 1, "hist": [10, 0, 20, 0]}


@pytest.mark.parametrize("index", range(len(TRACES)))
def test_evaluator_python_and_z3_follow_the_rule(module, index):
    ls = fourway.Lockstep(module, symbolic=True)
    want = observed(ls.config)
    fired = set()
    for step, (event, params) in enumerate(TRACES[index]):
        want = expected(want, event, params)
        if event == "tick":
            fired.add(ls.evaluator.step(ls.config, event, params)[1].transition)
        ls.step(event, params)  # the evaluator, the controller and Z3 agree
        assert observed(ls.config) == want, f"step {step}: {event}({params})"
    if index:  # a random trace reaches each tick transition
        assert {t.index for t in module.transitions if t.event == "tick"} <= fired, fired


def test_verilog_agrees_in_rtl_lockstep(module, tmp_path, iverilog):
    traces = [(f"trace {i}", tr.Trace(module.name, module.source_hash, tuple(
        tr.TraceStep(event, tuple(params.items())) for event, params in steps)))
        for i, steps in enumerate(TRACES)]
    result = lockstep.run(lockstep.build(module, workdir=tmp_path), traces=traces, sequences=3, events=100)
    assert result.ok, result.mismatch.table() if result.mismatch else result.expectation_failures
