"""Fixtures of the Python backend tests: the reference spec's IR and its controller
generated in memory (never the file in generated/: tests/test_generated_fresh.py
checks that one), and the hand-built toy IR."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
REFERENCE = ROOT / "spec" / "infusion_pump.pump"
BUGGY = HERE / "specs" / "buggy_pump.pump"

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def load_spec(path: Path):
    from compiler import pipeline
    from compiler.diagnostics import render_text

    analysis = pipeline.load(str(path))
    if not analysis.ok:
        pytest.fail(render_text(analysis.diagnostics, analysis.sources))
    return analysis.module


@pytest.fixture(scope="session")
def reference():
    return load_spec(REFERENCE)


@pytest.fixture(scope="session")
def reference_gen(reference):
    from compiler.backends.python import load
    return load(reference)


@pytest.fixture(scope="session")
def toy():
    import toy_ir
    return toy_ir.build()


@pytest.fixture(scope="session")
def toy_gen(toy):
    from compiler.backends.python import load
    return load(toy)
