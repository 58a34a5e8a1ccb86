"""Where the generated code implements and checks each requirement: file:line locations
derived from the generated text and the IR, deterministically.

The markers read here are the ones the backends print for every property and guard:

- Python controller: a property's monitor check carries the comment
  ``# <id> (<kind>): <text>``; a guard or state policy that rejects with a reason of
  requirement R raises ``Rejected(<event>, _R<code>, ...)`` where ``Reason(<code>, ...,
  'R')`` is the reason table entry;
- Verilog block: a formal assertion is the line ``<label>: assert`` (labels and their
  requirement ids from ``backends.verilog.formal``); a transition guard is the wire whose
  comment is the guard's spec location (``// <spec>:<line>:<col>``).

tests/report/test_locate.py fails when a backend stops printing one of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..backends import python as python_backend
from ..backends import verilog
from ..backends.common import display_path
from ..ir import nodes as ir

_MONITOR_COMMENT = re.compile(r"#\s(?P<id>\S+) \((?P<kind>[\w-]+)\): (?P<text>.*?)\s*$")
_REJECT = re.compile(r"raise Rejected\([^,]+, _R(?P<code>\d+)\b")


@dataclass(frozen=True)
class Location:
    file: str  # relative to the build's output folder (generated/ for `pumpspec build`)
    line: int  # 1-based
    what: str  # what the line does, for a reader

    @property
    def anchor(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Assertion:
    """An RTL assertion of the generated block (``prove-rtl`` proves it)."""

    label: str
    req: str
    kind: str
    text: str
    location: Location | None


@dataclass(frozen=True)
class CodeMap:
    files: dict[str, str]  # generated file -> text
    monitor: dict[int, Location]  # property index in module.properties -> its Python check
    python_rejects: dict[str, tuple[Location, ...]]  # requirement -> rejections raising it
    verilog_guards: dict[str, tuple[Location, ...]]  # requirement -> guard wires
    assertions: tuple[Assertion, ...]  # every RTL assertion, in the file's order


def code_map(module: ir.Module) -> CodeMap:
    py_file, py_text = next(iter(python_backend.emit(module).items()))
    v_file, v_text = next(iter(verilog.emit(module).items()))
    return CodeMap(
        files={py_file: py_text, v_file: v_text},
        monitor=_monitor_checks(module, py_file, py_text),
        python_rejects=_python_rejects(module, py_file, py_text),
        verilog_guards=_verilog_guards(module, v_file, v_text),
        assertions=_assertions(module, v_file, v_text))


def _lines(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.splitlines(), start=1))


def _kind(p: ir.Property) -> str:
    return type(p).__name__.lower()


def _monitor_checks(module: ir.Module, file: str, text: str) -> dict[int, Location]:
    """Property index -> the line of its monitor check: the comment with its id, kind and
    text; properties sharing an id and kind whose texts do not match exactly pair up in
    order."""
    found: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for n, line in _lines(text):
        m = _MONITOR_COMMENT.search(line)
        if m and "Property(" not in line:
            found.setdefault((m["id"], m["kind"]), []).append((m["text"], n))
    out: dict[int, Location] = {}
    for i, p in enumerate(module.properties):
        candidates = found.get((p.id, _kind(p)), [])
        if not candidates:
            continue
        exact = [c for c in candidates if c[0] == p.text]
        text_, n = (exact or candidates)[0]
        candidates.remove((text_, n))
        out[i] = Location(file, n, f"monitor check of {p.id} ({_kind(p)})")
    return out


def _python_rejects(module: ir.Module, file: str, text: str) -> dict[str, tuple[Location, ...]]:
    out: dict[str, list[Location]] = {}
    for n, line in _lines(text):
        m = _REJECT.search(line)
        if not m:
            continue
        reason = next((r for r in module.reasons if r.code == int(m["code"])), None)
        if reason is not None and reason.requirement:
            out.setdefault(reason.requirement, []).append(
                Location(file, n, f"rejects with reason {reason.code} \"{reason.text}\""))
    return {k: tuple(v) for k, v in out.items()}


def _verilog_guards(module: ir.Module, file: str, text: str) -> dict[str, tuple[Location, ...]]:
    """Requirement -> the guard wires of the transitions whose guard rejects with it."""
    where: dict[str, list[tuple[ir.Transition, ir.Guard]]] = {}
    for t in module.transitions:
        for g in t.guards:
            if g.reason is not None and g.reason.requirement and g.cond.span is not None:
                s = g.cond.span
                where.setdefault(f"// {display_path(s.file)}:{s.line}:{s.col}", []).append((t, g))
    out: dict[str, list[Location]] = {}
    for n, line in _lines(text):
        if not line.lstrip().startswith("wire g"):
            continue
        for marker, guards in where.items():
            if line.rstrip().endswith(marker):
                for t, g in guards:
                    out.setdefault(g.reason.requirement, []).append(
                        Location(file, n, f"guard of {t.label}"))
    return {k: tuple(v) for k, v in out.items()}


def _assertions(module: ir.Module, file: str, text: str) -> tuple[Assertion, ...]:
    lines = {}
    for n, line in _lines(text):
        m = re.search(r"\b(f_\w+): assert\b", line)
        if m:
            lines.setdefault(m.group(1), n)
    return tuple(Assertion(c.label, c.req, c.kind, c.text,
                           Location(file, lines[c.label], f"assertion {c.label}")
                           if c.label in lines else None)
                 for c in verilog.formal(module).checks)
