"""The formal tier: `pumpspec prove-rtl` on every corpus spec (conftest.py), gated as CI
gates it (``python -m compiler.rtlproof``: no assertion violated, none unknown). Runs with
``--formal`` or PUMPSPEC_FORMAL=1 (`./test.sh --formal -m formal`, tox env formal);
skipped otherwise. The specs whose
proofs take minutes (conftest.py, RTL_LONG) or do not close (RTL_UNPROVED: a strict xfail)
run with --long."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

pytestmark = pytest.mark.formal

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("PUMPSPEC_RTL_WORK", ROOT / "build" / "prove-rtl"))
SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "docs/schema/pumpspec-result-1.json").read_text()))


def test_prove_rtl(corpus_formal, formal_toolchain):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = WORK / f"{corpus_formal.stem}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as f:
        subprocess.run([sys.executable, "-m", "compiler", "prove-rtl", str(corpus_formal),
                        "--format", "json", "--timeout", "240", "--work",
                        str(WORK / corpus_formal.stem)], cwd=ROOT, env=env, stdout=f, text=True)
    SCHEMA.validate(json.loads(out.read_text()))  # the published schema
    gate = subprocess.run([sys.executable, "-m", "compiler.rtlproof", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert gate.returncode == 0, gate.stdout + gate.stderr
