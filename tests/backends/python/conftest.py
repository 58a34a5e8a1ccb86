"""Fixtures of the Python backend tests: controllers generated in memory from the
reference spec and from the hand-built toy IR (never the file in generated/:
tests/test_generated_fresh.py checks that one)."""
from __future__ import annotations

import pytest

from compiler.backends.python import load
from irfixtures import toy_pump


@pytest.fixture(scope="session")
def reference_gen(reference):
    return load(reference)


@pytest.fixture(scope="session")
def toy():
    return toy_pump()


@pytest.fixture(scope="session")
def toy_gen(toy):
    return load(toy)
