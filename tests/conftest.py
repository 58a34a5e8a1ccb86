import sys
from pathlib import Path

import pytest

# The shared modules (irfixtures.py, golden.py, diagnostic_cases.py) sit beside this file.
sys.path.insert(0, str(Path(__file__).parent))

import irfixtures  # noqa: E402


@pytest.fixture(scope="session")
def reference():
    """The IR of the reference spec, spec/infusion_pump.pump."""
    return irfixtures.load_spec(irfixtures.REFERENCE)
