"""The report shows the requirement texts and the hazard analysis the spec declares (its
``requirement`` and ``hazard`` declarations, in the IR); a requirements document adds
texts and hazard rows to them, never replaces them."""
from __future__ import annotations

import html
import re

from compiler.cli import main

SPEC = """\
pump HazardReport
units { step = 0.05 U   tick = 1 s   clock = 1 MHz }
var level : 0 .. 10 = 0
event up
event down
state Idle initial ignore others
on up from Idle when level < 10 else reject XR-01 "full" do level := level + 1
on down from Idle when level > 0 else reject XR-02 "empty" do level := level - 1
invariant XR-01 "the level stays in range": level <= 10
requirement XR-01 "The level never passes ten"
hazard H-01 "overflow" severity serious {
    cause "too many ups" controlled by XR-01
}
"""

DOC = """\
- **XR-01** A document's other text for XR-01.
- **XR-02** The level never goes below zero.

| hazard | typical causes | controlled by |
| --- | --- | --- |
| underflow | too many downs | XR-02 |
"""


def page_text(tmp_path, *args: str) -> str:
    spec = tmp_path / "hazards.pump"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    assert main(["report", str(spec), "-o", str(out), "-q", *args]) == 0
    text = re.sub(r"<[^>]+>", " ", (out / "index.html").read_text())
    return " ".join(html.unescape(text).split())


def test_without_a_document_the_spec_declares_the_texts_and_hazards(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no docs/requirements.md to fall back on
    text = page_text(tmp_path)
    assert "No hazard analysis" not in text
    assert "H-01 overflow serious too many ups XR-01" in text
    assert "XR-01 The level never passes ten H-01 overflow" in text
    # XR-02 is cited by a reject reason only and declared nowhere: the one row without text
    assert "XR-02 (no text)" in text
    assert "1 of them has no text: the spec declares no such requirement and no requirements " \
           "document was given or found" in text


def test_a_document_adds_to_the_specs_texts_and_hazards(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = tmp_path / "reqs.md"
    doc.write_text(DOC)
    text = page_text(tmp_path, "--requirements", str(doc))
    assert "XR-01 The level never passes ten" in text
    assert "other text for XR-01" not in text
    assert "XR-02 The level never goes below zero" in text
    assert "H-01 overflow serious too many ups XR-01" in text
    assert "underflow – too many downs XR-02" in text
    assert "(no text)" not in text
