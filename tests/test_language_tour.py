"""spec/examples/language_tour.pump uses every construct docs/language.md names.

The vocabulary of the language is read from the grammar (every keyword and operator
literal, every unit and function the UNIT and FUNC terminals accept) and from the front
end (the reserved built-in names, the fields of sources and windows). A construct the docs
name is a word of that vocabulary found in a code block of docs/language.md (comments
stripped) or in an inline code span. The tour's constructs are the tokens the project's
parser reads from it (every token kept, in context), and `.name` after a source or window
for fields. The corpus tests (tests/backends/test_check_implies_build.py, the prover and
lockstep tiers) run the tour through the pipeline like every spec.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from lark import Lark, Token

from compiler.semantics.symbols import RESERVED, SOURCE_FIELDS, WINDOW_FIELDS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "language.md"
TOUR = ROOT / "spec" / "examples" / "language_tour.pump"
GRAMMAR = resources.files("compiler.syntax").joinpath("grammar.lark").read_text()

WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _alternatives(terminal: str) -> set[str]:
    """The words a terminal like ``UNIT.2: /(U|mU|steps?|...)\\b/`` accepts."""
    body = re.search(rf"^{terminal}(\.\d+)?:\s*/\((.*?)\)\\b/", GRAMMAR, re.M).group(2)
    words = set()
    for alt in body.replace("\\/", "/").split("|"):
        if alt.endswith("?"):  # `steps?`: step and steps
            words |= {alt[:-2], alt[:-1]}
        else:
            words.add(alt)
    return words


def grammar_literals() -> set[str]:
    """Every quoted literal of the grammar (keywords and punctuation), outside comments
    and regular-expression terminals."""
    found = set()
    for line in GRAMMAR.splitlines():
        code = line.split("//")[0]
        if re.match(r"\s*[A-Z_]+(\.\d+)?:\s*/", code):
            continue
        found |= set(re.findall(r'"([^"]+)"', code))
    return found


LITERALS = grammar_literals()
KEYWORDS = {x for x in LITERALS if WORD.fullmatch(x)} | _alternatives("UNIT") | _alternatives("FUNC")
OPERATORS = sorted((x for x in LITERALS if not WORD.fullmatch(x)), key=len, reverse=True)
NAMES = set(RESERVED)
FIELDS = {"." + f for f in SOURCE_FIELDS + WINDOW_FIELDS}
SLASHED_UNITS = sorted(k for k in KEYWORDS if not WORD.fullmatch(k))  # `mg/dL`: one unit


def constructs(code: str) -> set[str]:
    """The constructs a piece of spec-like text names: vocabulary words, operators, and
    `.field` reads (a field read is `.` then a field name)."""
    found = set()
    i = 0
    while i < len(code):
        if code[i].isspace():
            i += 1
            continue
        slashed = next((u for u in SLASHED_UNITS if code.startswith(u, i)), None)
        if slashed:
            found.add(slashed)
            i += len(slashed)
            continue
        word = WORD.match(code, i)
        if word:
            w = word.group()
            if w in KEYWORDS or w in NAMES:
                found.add(w)
            if code[i - 1:i] == "." and "." + w in FIELDS:
                found.add("." + w)
            i = word.end()
            continue
        op = next((o for o in OPERATORS if code.startswith(o, i)), None)
        if op:
            found.add(op)
        i += len(op) if op else 1
    return found


def doc_constructs() -> set[str]:
    text = DOC.read_text()
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S)
    found = set()
    for block in blocks:
        found |= constructs("\n".join(line.split("//")[0] for line in block.splitlines()))
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for span in re.findall(r"`([^`]+)`", prose):
        if span in ("//", "/* */"):
            found.add(span)  # the comment forms, checked on the tour's text
        else:
            found |= constructs(span)
    return found


def tour_constructs() -> set[str]:
    text = TOUR.read_text()
    parser = Lark(GRAMMAR, parser="lalr", lexer="contextual", keep_all_tokens=True)
    tree = parser.parse(text)
    tokens = list(tree.scan_values(lambda v: isinstance(v, Token)))
    found = set()
    for before, token in zip([None, *tokens[:-1]], tokens, strict=True):
        if token.type == "NAME":
            if token in NAMES:
                found.add(str(token))
            if before is not None and before == "." and "." + token in FIELDS:
                found.add("." + token)
        elif token.type in ("STRING", "NUMBER", "REQ"):
            continue
        else:
            found.add(str(token))
    if re.search(r"//[^\n]*", text):
        found.add("//")
    if re.search(r"/\*.*?\*/", text, re.S):
        found.add("/* */")
    return found


def test_the_docs_name_constructs():
    """The extraction finds the documented constructs (so the next test can fail)."""
    named = doc_constructs()
    for construct in ("div", "mod", "not", "in", "implies", "hold", "limiter", "watchdog", "->",
                      "..", "next", "alarm_latched", ".acc", ".room", "kHz", "//", "/* */"):
        assert construct in named, construct


def test_the_tour_uses_every_construct_the_docs_name():
    missing = doc_constructs() - tour_constructs()
    assert not missing, f"docs/language.md names constructs the tour does not use: {sorted(missing)}"


def test_the_docs_name_every_construct_of_the_grammar():
    """Every keyword, operator, unit, function, built-in name and field of the language is
    named in docs/language.md."""
    vocabulary = KEYWORDS | set(OPERATORS) | NAMES | FIELDS
    undocumented = vocabulary - doc_constructs()
    assert not undocumented, f"not named in docs/language.md: {sorted(undocumented)}"
