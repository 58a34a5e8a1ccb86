"""`simulate --monitor` flags every counterexample `prove` writes, with the same check.

For every spec of the prover's fixtures (spec/examples/prove/: a violation of each check
kind), the prover runs in-process (``compiler.pipeline.prove``, witnesses off: a witness
is not a counterexample) and writes its traces (``write_traces``, what ``prove
--trace-out`` does); each one is replayed with ``simulate --monitor``, which must exit 1
and reproduce the recorded violation: the same check id at the same step.

A recovery that fails from a configuration that only satisfies the proved invariants,
none of them shown reachable (``recovery_unreachable_start.pump``), is no run from the
initial state: its trace records that configuration ("start") and `simulate` starts the
controller and its monitor there, so it reproduces like the others (it replayed from the
initial state, silently, and said every property held). An ``unknown`` verdict (e.g. a
failed induction) has no trace at all.

Also the two cases of issue 9 as a user writes them: a tick commanding 2 steps with
``max_steps_per_tick = 1``, and a variable leaving its declared range.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler import pipeline
from compiler import prove as prover
from compiler.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "spec" / "examples" / "prove").glob("*.pump"))
# Check kinds whose counterexample the fixtures must cover, so that none escapes the test.
COVERED = {"invariant", "assertion", "response", "recovery", "range", "motor", "determinism",
           "completeness"}


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def counterexamples(tmp_path_factory) -> list[tuple[Path, Path]]:
    """(spec, trace) for every counterexample the prover writes for the fixtures."""
    found = []
    for spec in FIXTURES:
        module = pipeline.load_module(str(spec))
        report = pipeline.prove(module, prover.Options(witnesses=False))
        out = tmp_path_factory.mktemp(spec.stem)
        found += [(spec, path) for path in prover.write_traces(report, out).values()]
    return found


def test_every_counterexample_is_flagged_with_the_same_check(counterexamples, capsys):
    kinds = set()
    starts = 0
    for spec, trace in counterexamples:
        doc = json.loads(trace.read_text())
        code, out, err = run_cli(capsys, "simulate", spec, trace, "--monitor")
        if "start" in doc:  # from the recorded configuration: see the module docstring
            starts += 1
            assert doc["kind"] == "recovery", trace
            assert "warning: the trace starts from the configuration it records" in err, err
        kinds.add(doc["kind"])
        want = doc["violation"]
        assert code == 1, (trace, out + err)
        assert (f"reproduces the recorded violation: {want['property']} at step {want['step']}"
                in out), (trace, out + err)
    assert COVERED <= kinds, COVERED - kinds
    assert starts >= 1 and len(counterexamples) >= 10


OVERRUN = "fill amount=400\nrun amount=40\ntick\n"  # two sources step in the same tick
OVERFLOW = "fill amount=400\nfill amount=400\n"  # fill adds: 800 > 400 steps


@pytest.mark.parametrize("spec, trace, check, step, value", [
    ("motor_overrun", OVERRUN, "motor.steps", 2, "steps = 2 steps (0.05 U)"),
    ("range_violated", OVERFLOW, "range.reservoir", 1, "reservoir = 800 steps (20 U)"),
])
def test_a_check_the_spec_does_not_state_is_flagged(capsys, tmp_path, spec, trace, check, step,
                                                      value):
    path = tmp_path / "run.trace"
    path.write_text(trace)
    spec_file = ROOT / "spec" / "examples" / "prove" / f"{spec}.pump"
    code, out, _ = run_cli(capsys, "simulate", spec_file, path, "--monitor")
    assert code == 1
    assert f"first violation: {check} at step {step}" in out
    assert f"step {step}: {check} violated (" in out and value in out
    code, out, _ = run_cli(capsys, "simulate", spec_file, path)  # without --monitor: silent
    assert code == 0
