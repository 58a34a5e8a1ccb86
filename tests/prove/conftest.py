from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "spec" / "infusion_pump.pump"
EXAMPLES = ROOT / "spec" / "examples" / "prove"


def load_module(path: Path):
    try:
        from compiler import pipeline
    except ImportError:
        pytest.skip("the front end (compiler.pipeline) has not landed yet")
    analysis = pipeline.load(str(path))
    if analysis.module is None:
        from compiler import diagnostics
        pytest.fail(diagnostics.render_text(analysis.diagnostics, {}))
    return analysis.module


@pytest.fixture(scope="session")
def reference_module():
    return load_module(REFERENCE)
