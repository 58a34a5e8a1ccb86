"""The benches that cite a requirement: functions of the verification folder's Python
files whose source names the requirement id (in a docstring, a comment or a string),
found by parsing the files, never importing them.

A pytest test (``test_*``) and a cocotb test (decorated ``@cocotb.test()``) are tests;
other functions are listed as what they are, e.g. the directed scenario programs the
cocotb tests run.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from .requirements import REQUIREMENT_ID


@dataclass(frozen=True)
class Bench:
    file: str  # as given: relative to the working folder when the folder was
    line: int
    name: str
    is_test: bool

    @property
    def anchor(self) -> str:
        return f"{self.file}:{self.line}"


def citing(folder: Path) -> dict[str, tuple[Bench, ...]]:
    """Requirement id -> the functions under ``folder`` citing it, by file and line."""
    out: dict[str, list[Bench]] = {}
    for path in sorted(folder.glob("*.py")):
        try:
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source, str(path))
        except (OSError, UnicodeDecodeError, SyntaxError):
            continue
        lines = source.splitlines()
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = "\n".join(lines[node.lineno - 1:node.end_lineno])
            bench = Bench(str(path), node.lineno, node.name, _is_test(node))
            for rid in dict.fromkeys(m.group(0) for m in REQUIREMENT_ID.finditer(body)):
                out.setdefault(rid, []).append(bench)
    return {k: tuple(v) for k, v in sorted(out.items())}


def _is_test(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if node.name.startswith("test_"):
        return True
    return any(ast.unparse(d).startswith("cocotb.test") for d in node.decorator_list)
