"""Mutated reference specs: every outcome is a module or diagnostics with valid
positions, never an exception (hypothesis deletes, duplicates and swaps tokens and lines)."""
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.diagnostics import render_text
from compiler.pipeline import analyze

TEXT = (Path(__file__).resolve().parents[2] / "spec" / "infusion_pump.pump").read_text()
TOKENS = re.findall(r"\s+|\w+|[^\w\s]", TEXT)
LINES = TEXT.split("\n")


@st.composite
def mutants(draw) -> str:
    unit = draw(st.sampled_from(["token", "line"]))
    parts = list(TOKENS if unit == "token" else LINES)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(0, len(parts) - 1))
        if kind == "delete":
            del parts[i]
        elif kind == "duplicate":
            parts.insert(i, parts[i])
        elif kind == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        else:
            parts.insert(i, draw(st.sampled_from(["@", "\"", "/", "{", "}", "0.001 U", "-1", "è", "\t", "(", "x'"])))
        if not parts:
            break
    return ("" if unit == "token" else "\n").join(parts)


def assert_well_formed(text: str) -> None:
    analysis = analyze(text, "mutant.pump")
    lines = text.split("\n")
    for d in analysis.diagnostics:
        assert d.span is not None, d
        assert 1 <= d.span.line <= len(lines), d
        assert 1 <= d.span.col <= len(lines[d.span.line - 1]) + 1, d
        assert 0 <= d.span.start <= d.span.end <= len(text), d
    assert (analysis.module is None) == any(d.severity == "error" for d in analysis.diagnostics)
    render_text(analysis.diagnostics, analysis.sources)
    json.dumps([d.to_dict() for d in analysis.diagnostics])  # what --format json holds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_mutated_reference_spec_never_raises(text):
    assert_well_formed(text)


@pytest.mark.long
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_mutated_reference_spec_never_raises_long(text):
    assert_well_formed(text)


@pytest.mark.parametrize("text", ["", "pump", "pump P", "\x00", "pump P\nstate", "é" * 10, "pump P\n" + "(" * 500])
def test_degenerate_inputs(text):
    assert_well_formed(text)
