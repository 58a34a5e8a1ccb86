"""Shared harness for the one-spec-per-diagnostic tests.

Each spec marks the diagnostics it expects inline, on the offending line:
    on go from A do x := y   // error[E0102]: unknown name `y`
The test asserts exactly those (line, code, message) and compares the full rendering
with the golden file beside the spec (`<name>.txt`; see golden.py).
"""
from __future__ import annotations

import re
from pathlib import Path

from compiler.diagnostics import render_text
from compiler.pipeline import analyze
from golden import check_golden

ROOT = Path(__file__).resolve().parents[1]
EXPECT = re.compile(r"//\s*(error|warning)\[([EW]\d{4})\]: (.*?)(?=\s*//|$)")


def expectations(text: str) -> set[tuple[int, str, str, str]]:
    found = set()
    for number, line in enumerate(text.splitlines(), 1):
        for m in EXPECT.finditer(line):
            found.add((number, m.group(1), m.group(2), m.group(3).strip()))
    return found


def check_case(path: Path, update: bool) -> None:
    text = path.read_text()
    analysis = analyze(text, path.resolve().relative_to(ROOT).as_posix())
    got = {(d.span.line, d.severity, d.code, d.message) for d in analysis.diagnostics}
    assert got == expectations(text), f"{path}: diagnostics differ from the inline expectations"
    has_errors = any(d.severity == "error" for d in analysis.diagnostics)
    assert (analysis.module is None) == has_errors, "a module exactly when there is no error"
    rendered = render_text(analysis.diagnostics, analysis.sources) + "\n"
    check_golden(path.with_suffix(".txt"), rendered, update)
