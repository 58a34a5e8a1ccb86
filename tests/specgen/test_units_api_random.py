"""Units at the API of the generated controller on random specs (the checks of
tests/backends/python/units_api.py, run on every corpus spec there)."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings

import fourway
from specgen import specs
from test_random_specs import DEFAULT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends" / "python"))
from units_api import check_units_api  # noqa: E402


@settings(max_examples=30, **DEFAULT)
@given(specs())
def test_units_api_on_random_specs(text):
    check_units_api(fourway.module_of(text))
