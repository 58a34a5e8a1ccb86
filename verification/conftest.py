"""pytest options of the RTL benches: ``--long`` (or PUMPSPEC_LONG=1) runs the long tiers."""
from __future__ import annotations

import os

import pytest


def pytest_addoption(parser):
    try:
        parser.addoption("--long", action="store_true", default=False,
                         help="run the long tiers (10,000-sequence lockstep, full-width proofs)")
    except ValueError:  # another conftest already added it
        pass


def long_enabled(config) -> bool:
    return bool(config.getoption("--long", default=False)) or os.environ.get("PUMPSPEC_LONG") == "1"


def pytest_collection_modifyitems(config, items):
    if long_enabled(config):
        return
    skip = pytest.mark.skip(reason="long tier: run with --long or PUMPSPEC_LONG=1")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)
