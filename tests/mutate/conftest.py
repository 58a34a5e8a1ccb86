"""The tiny spec every mutation test runs on, and its mutants."""
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.mutate import generate

TINY = Path(__file__).with_name("tiny.pump")


@pytest.fixture(scope="session")
def tiny():
    analysis = pipeline.load(TINY)
    assert analysis.ok
    return analysis


@pytest.fixture(scope="session")
def tiny_mutants(tiny):
    return {m.id: m for m in generate(tiny.module, tiny.text)}
