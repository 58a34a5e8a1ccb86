"""Every corpus spec (conftest.py: spec/*.pump and CORPUS_EXAMPLES) goes through the
pipeline: check, prove, build, then its Verilog compiles in Icarus and is clean under
`verilator --lint-only -Wall`. The short lockstep is verification/test_lockstep_command.py,
prove-rtl verification/test_corpus_formal.py."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from compiler import pipeline
from compiler.backends import verilog
from compiler.commands import build
from compiler.rtlproof import fsm_tasks, properties
from hdltools import verilator_lint

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


def test_icarus_verilog_2005(corpus_rtl, tmp_path, iverilog):
    path = _block(corpus_rtl, tmp_path)
    r = subprocess.run([iverilog, "-g2005", "-Wall", "-o", str(tmp_path / "a.vvp"), str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_verilator_lint_clean(corpus_rtl, tmp_path):
    path = _block(corpus_rtl, tmp_path)
    r = verilator_lint(path, "--top-module", path.stem, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_formal_section_lists_compiles_and_partitions(corpus_rtl, tmp_path, iverilog):
    """The block's formal section on every corpus spec, without a solver (the formal tier,
    verification/test_corpus_formal.py, proves it): it asserts exactly the backend's checks, each
    label once; the FSM's proof tasks cover each of its assertions once; and with FORMAL
    defined (the replay mode of a counterexample) it compiles in Icarus."""
    block = verilog.formal(pipeline.load_module(corpus_rtl))
    text = _block(corpus_rtl, tmp_path).read_text()
    labels = [c.label for c in block.checks]
    assert labels and len(labels) == len(set(labels))
    assert re.findall(r"^\s*(?:if \(.*\) )?(f_\w+): assert \(", text, flags=re.M) == labels
    props = properties(block)
    fsm = sorted(p.label for p in props if p.module == "fsm")
    assert sorted(label for t in fsm_tasks(block.top, props) for label in t.labels) == fsm
    r = subprocess.run([iverilog, "-g2012", "-DFORMAL", "-DPUMPSPEC_REPLAY", "-o",
                        str(tmp_path / "replay.vvp"), str(tmp_path / f"{block.top}.v")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
