"""Spec text (reason and property texts, requirement ids, variable comments, the file
name) reaches generated code only as escaped literals and sanitised comments: hostile
text changes string values and comments, never code."""
from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.backends import python as py_backend
from compiler.backends import verilog
from compiler.backends.python.emit import describe_variable

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = (
    '"""; import os; os._exit(3); """',
    "'''; raise SystemExit(4); '''",
    "a comment ending in a backslash \\",
    "a NUL \x00 in the middle",
    "closes */ and opens /* a block comment",
    "first line\nPWNED = 1",
    "carriage return\rPWNED = 2",
    "line separators\u2028PWNED = 3\x0b\x0c\x85",
    "non-ASCII: µ ≤ ü 🐍",
    "`define PWNED 4 and a \\\n continued line",
)
SOURCE_FILE = 'spec/evil """\n\\.pump'


@pytest.fixture(scope="module")
def reference():
    analysis = pipeline.load(str(ROOT / "spec" / "infusion_pump.pump"))
    assert analysis.module is not None
    return analysis.module


@pytest.fixture(scope="module")
def hostile(reference):
    """The reference IR with every piece of free spec text replaced by hostile text."""
    def text(i: int) -> str:
        return HOSTILE[i % len(HOSTILE)]

    return dataclasses.replace(
        reference,
        source_file=SOURCE_FILE,
        reasons=tuple(dataclasses.replace(r, text=text(i), requirement=text(i + 1) if r.requirement else None)
                      for i, r in enumerate(reference.reasons)),
        properties=tuple(dataclasses.replace(p, text=text(i)) for i, p in enumerate(reference.properties)),
        variables=tuple(dataclasses.replace(v, doc=text(i)) for i, v in enumerate(reference.variables)),
    )


def code_shape(source: str) -> str:
    """The syntax tree with every string constant blanked: what the code does."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


def test_python_controller_runs_nothing_but_its_code(reference, hostile):
    (name, source), = py_backend.emit(hostile).items()
    (_, clean), = py_backend.emit(reference).items()
    assert "\x00" not in source and "\r" not in source
    assert code_shape(source) == code_shape(clean)
    gen = py_backend.load(hostile, source)
    assert not any(key.startswith("PWNED") for key in vars(gen))
    assert [(r.text, r.requirement) for r in gen.REASONS] == [
        (r.text, r.requirement) for r in hostile.reasons]
    assert [p.text for p in gen.PROPERTIES] == [p.text for p in hostile.properties]
    pump = getattr(gen, hostile.name)
    for v in hostile.variables:
        assert getattr(pump, v.name).__doc__ == describe_variable(v)
    assert gen.SPEC_FILE == SOURCE_FILE
    with pytest.raises(gen.Rejected) as refused:
        pump().handle("bolus", amount=40)
    assert refused.value.text in HOSTILE and refused.value.text in str(refused.value)


def without_comments(text: str) -> list[str]:
    return [re.sub(r"\s*//.*$", "", line) for line in text.splitlines()]


def test_verilog_block_changes_only_in_comments(reference, hostile):
    (_, text), = verilog.emit(hostile).items()
    (_, clean), = verilog.emit(reference).items()
    assert text.isascii() and "\x00" not in text and "\r" not in text
    assert not any(line.endswith("\\") for line in text.splitlines())
    assert without_comments(text) == without_comments(clean)
    assert [c.text for c in verilog.formal(hostile).checks if c.req.startswith("PS-")] != [
        c.text for c in verilog.formal(reference).checks if c.req.startswith("PS-")]


@pytest.mark.parametrize("flags", [["-g2005"], ["-g2012", "-DFORMAL", "-DPUMPSPEC_REPLAY"]])
def test_verilog_block_with_hostile_comments_compiles_in_icarus(hostile, tmp_path, flags, iverilog):
    (name, text), = verilog.emit(hostile).items()
    path = tmp_path / name
    path.write_text(text)
    run = subprocess.run([iverilog, *flags, "-o", str(tmp_path / "a.vvp"), str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
