"""Every corpus spec (conftest.py: spec/*.pump and CORPUS_EXAMPLES) goes through the
pipeline: check, prove, build, then its Verilog compiles in Icarus and is clean under
`verilator --lint-only -Wall`. The short lockstep is verification/test_lockstep_command.py,
prove-rtl verification/test_corpus_formal.py."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import lockstep, pipeline
from compiler.backends import verilog
from compiler.commands import build

ROOT = Path(__file__).resolve().parents[1]


def _pumpspec(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compiler", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_corpus_holds_the_reference_and_the_examples(corpus_specs):
    names = {p.stem for p in corpus_specs}
    assert {"infusion_pump", "patch_pump", "window_bound"} <= names and len(names) >= 5
    assert ROOT / build.DEFAULT_SPEC in corpus_specs


def test_check(corpus_spec):
    r = _pumpspec("check", str(corpus_spec))
    assert r.returncode == 0, r.stderr


def test_prove(corpus_spec):
    """Every property proved, nothing violated or unknown (exit 0)."""
    report = pipeline.prove(pipeline.load_module(corpus_spec))
    from compiler import prove as prover

    assert report.exit_code == 0, prover.summary(report)


def test_build(corpus_spec, tmp_path):
    r = _pumpspec("build", str(corpus_spec), "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".py", ".v"]


def _block(spec: Path, tmp_path: Path) -> Path:
    (name, text), = verilog.emit(pipeline.load_module(spec)).items()
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not installed")
def test_icarus_verilog_2005(corpus_rtl, tmp_path):
    path = _block(corpus_rtl, tmp_path)
    r = subprocess.run(["iverilog", "-g2005", "-Wall", "-o", str(tmp_path / "a.vvp"), str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(lockstep.verilator_bin() is None, reason="verilator not installed")
def test_verilator_lint_clean(corpus_rtl, tmp_path):
    path = _block(corpus_rtl, tmp_path)
    bindir = lockstep.verilator_bin()
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    r = subprocess.run([str(bindir / "verilator"), "--lint-only", "-Wall", str(path),
                        "--top-module", path.stem], capture_output=True, text=True, env=env,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
