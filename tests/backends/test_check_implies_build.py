"""`check` exit 0 => `build` exit 0 => the Verilog compiles in Icarus (-g2005) and lints
clean in Verilator (-Wall) => the generated Python module imports, for every spec of the
corpus (spec/**/*.pump: adding a spec adds it here).
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.ir import nodes as ir
from compiler.backends import BackendError
from compiler.commands.build import generate
from compiler.diagnostics import render_text
from hdltools import verilator_lint

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "spec").glob("**/*.pump"))


def test_the_corpus_is_found():
    names = {p.stem for p in CORPUS}
    assert {"infusion_pump", "minimal_pump", "language_tour"} <= names


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.relative_to(ROOT / "spec").as_posix())
def test_check_implies_build_compile_lint_import(spec, tmp_path, iverilog):
    """What `pumpspec check` and `pumpspec build` run, in process."""
    _check_build_compile_lint_import(spec, tmp_path, iverilog)


def _short_tick_specs(tmp_path: Path) -> dict[str, Path]:
    """Ticks of few clock cycles, at the edge of E0401: no motor section at the shortest
    tick (1 + 2 + 2 = 5 cycles), and minimal_pump at 10 cycles per tick (a burst of 5,
    so a hold of at most 3 cycles: its pipeline, 6 stages deep at 1 MHz, is cut shallower)."""
    texts = {
        "no_motor": 'pump P\nunits { step = 0.025 U  tick = 1 s  clock = 5 Hz }\n'
                    'state A initial reject others "no"\nevent e\non e from A -> A\n',
        "minimal_10_cycles": (ROOT / "spec" / "minimal_pump.pump").read_text()
        .replace("clock = 1 MHz", "clock = 10 Hz")
        .replace("step_high = 10 us", "step_high = 100 ms")
        .replace("step_low  = 10 us", "step_low  = 100 ms"),
    }
    out = {}
    for name, text in texts.items():
        out[name] = tmp_path / f"{name}.pump"
        out[name].write_text(text)
    return out


@pytest.mark.parametrize("name", ["no_motor", "minimal_10_cycles"])
def test_a_short_tick_that_checks_builds(name, tmp_path, iverilog):
    """E0401 is the one rule on the tick's length: a spec it lets through builds (the
    Verilog backend cuts its pipeline to fit the tick) and compiles."""
    spec = _short_tick_specs(tmp_path)[name]
    files = _check_build_compile_lint_import(spec, tmp_path / "out", iverilog)
    (verilog,) = (text for file, text in files.items() if file.endswith(".v"))
    hold = int(re.search(r"localparam HOLD_CYCLES = (\d+);", verilog)[1])
    motor = pipeline.load(str(spec)).module.motor
    assert hold <= ir.max_hold_cycles(motor.burst_cycles, motor.cycles_per_tick)


def _check_build_compile_lint_import(spec: Path, tmp_path: Path, iverilog: str) -> dict[str, str]:
    """`check` ok => `build` ok => Icarus, Verilator lint, Python import; the files."""
    tmp_path.mkdir(exist_ok=True)
    analysis = pipeline.load(str(spec))
    assert analysis.ok, "the spec must check:\n" + render_text(analysis.diagnostics, analysis.sources)
    try:
        files = generate(analysis.module)
    except BackendError as exc:
        pytest.fail(f"check passed but build failed: {exc}")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (verilog,) = tmp_path.glob("*.v")
    (python,) = tmp_path.glob("*.py")

    icarus = subprocess.run([iverilog, "-g2005", "-o", str(tmp_path / "a.vvp"), str(verilog)],
                            capture_output=True, text=True)
    assert icarus.returncode == 0 and not icarus.stderr, icarus.stderr

    lint = verilator_lint(verilog, cwd=tmp_path)
    assert lint.returncode == 0, lint.stderr

    module_spec = importlib.util.spec_from_file_location(f"corpus_{spec.stem}", python)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert hasattr(module, next(line.split()[1] for line in spec.read_text().splitlines()
                                if line.startswith("pump ")))
    return files
