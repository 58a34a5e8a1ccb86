"""Code outside the package reaches it through public surfaces only.

Inside ``compiler/`` the import contract (``.importlinter``, run by ``lint-imports`` in the
tox lint env) states the layers and forbids importing another package's private module.
tests/, verification/, bench/ and examples/ are not packages of compiler, so import-linter cannot see them; this
test holds them to the same rule: a ``_``-prefixed module or name of ``compiler.a.b`` may
be imported only by the tests of that package (tests/a/b/ and below).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = ("tests", "verification", "bench", "examples")


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def imported_paths(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted path) of everything imported from ``compiler``: ``from compiler.a
    import b`` gives ``compiler.a.b``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return [(line, path) for line, path in out if path.split(".")[0] == "compiler"]


def violations(file: Path, root: Path = ROOT) -> list[str]:
    """Imports in ``file`` of a private module or name of a package it does not test."""
    rel = file.relative_to(root)
    tested = rel.parts[1:-1] if rel.parts[0] == "tests" else None  # tests/a/b/x.py -> (a, b)
    found = []
    for line, path in imported_paths(ast.parse(file.read_text(encoding="utf-8"))):
        parts = path.split(".")[1:]
        for i, part in enumerate(parts):
            if not _private(part):
                continue
            owner = tuple(parts[:i])  # the package the private module or name belongs to
            if tested is None or tested[:len(owner)] != owner:
                found.append(f"{rel}:{line}: imports {path}, private to compiler."
                             + ".".join(owner))
            break
    return found


def test_outside_code_imports_no_private_module_of_another_package():
    files = sorted(f for d in OUTSIDE for f in (ROOT / d).rglob("*.py"))
    assert files
    problems = [v for f in files for v in violations(f)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("where,source,ok", [
    ("verification/scoreboard.py", "from compiler.backends.verilog._expr import type_bits", False),
    ("bench/bench_prove.py", "from compiler.prove.explore import _inputs", False),
    ("tests/test_cli.py", "import compiler.backends.verilog._plan", False),
    ("tests/prove/test_x.py", "from compiler.backends.verilog import _expr", False),
    ("tests/backends/verilog/test_x.py", "from compiler.backends.verilog._expr import sbits", True),
    ("tests/backends/test_x.py", "from compiler.backends.verilog._expr import sbits", False),
    ("tests/prove/test_x.py", "from compiler import __version__", True),
])
def test_the_rule_tells_a_package_own_tests_from_other_code(tmp_path, where, source, ok):
    file = tmp_path / where
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(source + "\n")
    assert (violations(file, tmp_path) == []) == ok
