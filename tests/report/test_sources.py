"""What the report reads: requirement documents, generated-code markers, benches, the
diagram's dot source."""
from __future__ import annotations

from pathlib import Path

from compiler.report import benches, diagram, locate, requirements

ROOT = Path(__file__).resolve().parents[2]

DOC = """\
| id | requirement (short) | captured by |
| --- | --- | --- |
| PS-01 | short one | invariant |
| PS-02 | short two | assertion |

- **PS-01** The long text of one,
  continued on the next line with `code` and *emphasis*.

### Hazards

| hazard | typical causes | controlled by |
| --- | --- | --- |
| over-delivery | free flow | PS-01, PS-03..05, CL-01..02 |
| set misuse | reuse | PS-02 |
"""


def test_requirement_texts_prefer_the_list_item_over_the_table():
    doc = requirements.parse(DOC, "doc.md")
    assert doc.texts == {"PS-01": "The long text of one, continued on the next line with code "
                                  "and emphasis.", "PS-02": "short two"}


def test_hazard_ranges_expand_over_known_ids_or_every_number():
    doc = requirements.parse(DOC)
    assert [h.name for h in doc.hazards] == ["over-delivery", "set misuse"]
    # PS-03..05: no known id in range, so nothing from PS (known PS ids are 01 and 02)
    assert doc.hazards[0].requirements == ("PS-01", "CL-01", "CL-02")
    assert requirements.expand_ids("PS-01..03", ["PS-01", "PS-03"]) == ("PS-01", "PS-03")


def test_a_missing_document_reads_as_empty(tmp_path):
    assert requirements.read(tmp_path / "absent.md") == requirements.NONE


def test_the_projects_hazard_table_parses():
    doc = requirements.read(ROOT / "docs" / "requirements.md")
    names = [h.name for h in doc.hazards]
    assert "over-delivery" in names and "alarm failure" in names
    over = doc.hazards[names.index("over-delivery")]
    assert {"PS-22", "PS-25", "PS-27"} <= set(over.requirements)
    assert all(rid in doc.texts for h in doc.hazards for rid in h.requirements)


def test_every_property_of_the_reference_has_its_generated_lines(reference):
    code = locate.code_map(reference)
    py, v = (text.splitlines() for text in code.files.values())
    for i, p in enumerate(reference.properties):
        loc = code.monitor[i]
        assert p.id in py[loc.line - 1], (p.id, loc)
    assert all(a.location is not None and a.label in v[a.location.line - 1]
               for a in code.assertions)
    bolus = code.python_rejects["PS-22"]
    assert bolus and all("Rejected('bolus'" in py[loc.line - 1] for loc in bolus)
    guard = code.verilog_guards["PS-22"]
    assert guard and all(v[loc.line - 1].lstrip().startswith("wire g") for loc in guard)


def test_benches_citing_an_id(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "def test_a():\n    # PS-22: the guard\n    pass\n\n"
        "@cocotb.test()\nasync def scenario(dut):\n    '''PS-30 and PS-22'''\n\n"
        "def helper():\n    return 'PS-30'\n")
    found = benches.citing(tmp_path)
    assert [(b.name, b.is_test) for b in found["PS-22"]] == [("test_a", True), ("scenario", True)]
    assert [(b.name, b.is_test) for b in found["PS-30"]] == [("scenario", True), ("helper", False)]


def test_the_dot_source_is_deterministic_and_marks_alarms(reference):
    dot = diagram.dot_source(reference)
    assert dot == diagram.dot_source(reference)
    assert diagram.alarm_states(reference) == ("Alarm",)
    assert '"__initial" -> "SelfTest";' in dot
    assert "#15 bolus [PS-22, PS-25, PS-24]" in dot
