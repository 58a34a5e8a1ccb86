"""The requirement texts and the hazard analysis: the spec's own (its ``requirement`` and
``hazard`` declarations, in the IR) and a requirements document's, which adds to them.

:func:`of_module` reads the spec's, :func:`read` / :func:`parse` a document's and
:func:`combine` joins them: the spec's texts and hazards are kept as declared, the
document adds the texts of ids the spec does not declare and its own hazard rows.

The document is Markdown in the shape of the project's docs/requirements.md:

- a requirement text is a list item that starts with its bold id, continued on the
  indented lines that follow: ``- **PS-22** Bolus: a single bolus never above ...``;
- a short text per id comes from any table row whose first cell is an id
  (``| PS-22 | bolus never above the maximum | ... |``); the list item wins;
- the hazard analysis is the table whose header's first cell is ``hazard``: one row per
  hazard, the next cell its causes, the last cell the ids that control it. Ids are
  listed separated by commas; ``PS-22..27`` is every known id from PS-22 to PS-27.

Reading is lenient: a missing document, or one without a hazard table, yields empty
results that the report shows as such.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..ir import nodes as ir

REQUIREMENT_ID = re.compile(r"\b([A-Z]{2,4})-(\d{2,3})\b")
_ITEM = re.compile(r"^\s*[-*] \*\*([A-Z]{2,4}-\d{2,3})\*\*\s*(.*)$")
_RANGE = re.compile(r"\b([A-Z]{2,4})-(\d{2,3})\s*(?:\.\.|–)\s*(?:\1-)?(\d{2,3})\b")


@dataclass(frozen=True)
class Cause:
    text: str
    requirements: tuple[str, ...]  # the ids that control it, in declaration order
    outside: str = ""  # where it is controlled beyond the spec ("" when it is not)


@dataclass(frozen=True)
class Hazard:
    name: str  # the spec's ``H-01 over-delivery``; the document's first cell
    causes: tuple[Cause, ...]  # a document row's causes are one cause, its cell's text
    severity: str = ""  # the spec's severity; "" for a document's row
    source: str = ""  # the spec file or the document it is declared in

    @property
    def requirements(self) -> tuple[str, ...]:
        """Every id that controls one of its causes, each once, in order."""
        return tuple(dict.fromkeys(rid for c in self.causes for rid in c.requirements))


@dataclass(frozen=True)
class Requirements:
    source: str  # the document's path as given, "" when there is none
    texts: dict[str, str]  # id -> text, in the spec's then the document's order
    hazards: tuple[Hazard, ...]  # the spec's, then the document's
    declared: frozenset[str] = frozenset()  # the ids whose text the spec declares

    def text(self, rid: str) -> str:
        return self.texts.get(rid, "")


NONE = Requirements("", {}, ())


def of_module(module: ir.Module) -> Requirements:
    """The spec's own requirement texts and hazard analysis (its source is empty: it is
    no document)."""
    hazards = tuple(
        Hazard(f"{h.id} {h.harm}",
               tuple(Cause(c.text, tuple(dict.fromkeys((*c.controlled_by, *c.outside_by))),
                           c.outside_where) for c in h.causes),
               str(h.severity), module.source_file)
        for h in module.hazards)
    return Requirements("", {r.id: r.text for r in module.requirements}, hazards,
                        frozenset(r.id for r in module.requirements))


def combine(spec: Requirements, doc: Requirements) -> Requirements:
    """The spec's texts and hazards, to which the document adds: the texts of the ids the
    spec does not declare, and its hazard rows after the spec's hazards."""
    texts = spec.texts | {rid: t for rid, t in doc.texts.items() if rid not in spec.texts}
    return Requirements(doc.source, texts, spec.hazards + doc.hazards, spec.declared)


def read(path: Path) -> Requirements:
    """The requirements of the document at ``path`` (empty when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return NONE
    return parse(text, str(path))


def parse(text: str, source: str = "") -> Requirements:
    lines = text.splitlines()
    short: dict[str, str] = {}
    full: dict[str, str] = {}
    current: str | None = None
    for line in lines:
        item = _ITEM.match(line)
        if item:
            current = item.group(1)
            full[current] = _plain(item.group(2))
            continue
        if current and line.startswith("  ") and line.strip() and not line.lstrip().startswith(
                ("-", "*", "|", "#")):
            full[current] = f"{full[current]} {_plain(line)}".strip()
            continue
        current = None
        cells = _cells(line)
        if len(cells) >= 2 and re.fullmatch(REQUIREMENT_ID, cells[0]):
            short.setdefault(cells[0], _plain(cells[1]))
    texts = {rid: full.get(rid) or short[rid] for rid in short} | {
        rid: t for rid, t in full.items() if rid not in short}
    return Requirements(source, texts, tuple(_hazards(lines, list(texts), source)))


def _cells(line: str) -> list[str]:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return []
    return [c.strip() for c in line[1:-1].split("|")]


def _plain(text: str) -> str:
    """Markdown emphasis and code marks removed, whitespace collapsed."""
    text = re.sub(r"\*\*|`", "", text)
    text = re.sub(r"(?<![\w*])\*(\S(?:[^*]*\S)?)\*(?![\w*])", r"\1", text)  # *emphasis*
    return " ".join(text.split())


def _hazards(lines: list[str], known: list[str], source: str) -> list[Hazard]:
    out: list[Hazard] = []
    in_table = False
    for line in lines:
        cells = _cells(line)
        if not cells:
            in_table = False
            continue
        if cells[0].lower() == "hazard":
            in_table = True
            continue
        if not in_table or set("".join(cells)) <= set("-: "):
            continue
        if len(cells) >= 2:
            causes = cells[1] if len(cells) >= 3 else ""
            out.append(Hazard(_plain(cells[0]),
                              (Cause(_plain(causes), expand_ids(cells[-1], known)),),
                              source=source))
    return out


def expand_ids(text: str, known: list[str]) -> tuple[str, ...]:
    """The ids a cell lists, ranges expanded over ``known`` (every number when ``known``
    has none of that prefix), each once, in order."""
    out: dict[str, None] = {}
    pos = 0
    for m in sorted([*_RANGE.finditer(text)], key=lambda m: m.start()):
        for single in REQUIREMENT_ID.finditer(text[pos:m.start()]):
            out[single.group(0)] = None
        prefix, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
        width = len(m.group(2))
        same_prefix = [k for k in known if k.startswith(prefix + "-")]
        for n in range(lo, hi + 1):
            rid = f"{prefix}-{n:0{width}d}"
            if rid in same_prefix or not same_prefix:
                out[rid] = None
        pos = m.end()
    for single in REQUIREMENT_ID.finditer(text[pos:]):
        out[single.group(0)] = None
    return tuple(out)
