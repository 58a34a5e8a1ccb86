"""The project's requirement texts, its traceability matrix, the reference spec's
requirement declarations and its hazard analysis agree.

Each requirement text lives once: in the reference spec when the spec declares it, else in
docs/requirements.md. The matrix's rows are read as captured (the spec declares the id and
something carrying it captures it), "outside the spec" (the spec's hazard analysis cites
it only in `outside` controls) or "open" (the spec captures nothing of it).
"""
import re
from pathlib import Path

from compiler.pipeline import load, load_module

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "requirements.md"
REFERENCE = ROOT / "spec" / "infusion_pump.pump"
SHARED = ROOT.parent / "shared" / "domain" / "requirements.md"
ID = r"\b(?:PS|CL)-\d\d\b"
MODULE = load_module(REFERENCE)
DECLARED = {r.id: r for r in MODULE.requirements}


def ids(text: str) -> set[str]:
    return set(re.findall(ID, text))


def matrix_rows() -> dict[str, str]:
    """id -> the matrix's "captured by" cell."""
    rows = {}
    for line in DOC.read_text().split("## Requirement texts")[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(ID, cells[0]):
            rows[cells[0]] = cells[2]
    return rows


def doc_texts() -> set[str]:
    """The ids whose text docs/requirements.md holds (a bold id opening a list item)."""
    texts = DOC.read_text().split("## Requirement texts")[1]
    return set(re.findall(rf"^\s*- \*\*({ID})\*\*", texts, re.M))


def test_every_requirement_text_lives_once():
    assert len(DECLARED) >= 37 and len(doc_texts()) >= 11
    assert doc_texts() & set(DECLARED) == set()
    assert all(len(r.text) > 20 for r in DECLARED.values())


def test_a_spec_citing_a_reference_requirement_declares_its_one_text():
    """Another spec may declare a requirement of the reference spec (to be checked on its
    own), with the reference's text, never a variant of it."""
    declaring = 0
    for path in sorted((ROOT / "spec").rglob("*.pump")):
        analysis = load(path)
        if path == REFERENCE or analysis.module is None:
            continue
        for req in analysis.module.requirements:
            if req.id in DECLARED:
                declaring += 1
                assert req.text == DECLARED[req.id].text, (path.name, req.id)
    assert declaring >= 17  # the patch pump


def test_matrix_lists_every_requirement_text():
    assert set(matrix_rows()) == doc_texts() | set(DECLARED)


def test_captured_rows_are_declared_and_captured_by_the_reference_spec():
    captured = {i for i, cell in matrix_rows().items() if not cell.startswith(("open", "outside"))}
    assert len(captured) >= 36
    assert captured - set(DECLARED) == set()
    assert [i for i in sorted(captured) if not DECLARED[i].captures] == []


def test_open_rows_are_not_captured_by_the_reference_spec():
    open_rows = {i for i, cell in matrix_rows().items() if cell.startswith("open")}
    assert open_rows and open_rows & set(DECLARED) == set()
    carried = {p.id for p in MODULE.properties} | {r.requirement for r in MODULE.reasons}
    assert open_rows & carried == set()


def test_outside_rows_are_controlled_outside_by_the_hazard_analysis():
    outside = {i for i, cell in matrix_rows().items() if cell.startswith("outside")}
    assert outside == {"PS-58"}
    causes = [c for h in MODULE.hazards for c in h.causes]
    for req in outside:
        assert DECLARED[req].captures == ()
        assert any(req in c.outside_by for c in causes)
        assert not any(req in c.controlled_by for c in causes)


def test_the_reference_spec_checks_without_a_warning():
    analysis = load(REFERENCE)
    assert analysis.ok and analysis.diagnostics == ()


def test_the_hazard_analysis_covers_the_known_hazards():
    """The hazards and causes issue 10 names, each with a cause whose text names it."""
    expected = {
        "over-delivery": ("prime", "occlusion released", "free flow", "catch-up", "duplicated",
                          "stale", "stalled", "runaway"),
        "under-delivery": ("occlusion", "air", "empty", "disconnected", "silent stop"),
        "wrong timing": ("reset", "power loss", "clock", "heartbeat"),
        "alarm failure": ("silenced", "priority", "cleared while", "never be cleared"),
        "set misuse": ("inserted again", "worn", "previous site", "never primed"),
    }
    hazards = {h.harm.split(":")[0]: h for h in MODULE.hazards}
    assert set(hazards) == set(expected)
    for harm, words in expected.items():
        texts = " | ".join(c.text for c in hazards[harm].causes)
        assert [w for w in words if w not in texts] == [], harm
    causes = [c for h in MODULE.hazards for c in h.causes]
    assert all(c.controlled for c in causes)
    named = {r for c in causes for r in c.controlled_by + c.outside_by}
    assert named == set(DECLARED)


def test_the_project_copy_holds_every_source_requirement():
    # the product's source documents sit beside a checkout on CI and dev machines only;
    # the project's copy must never fall behind them
    if SHARED.exists():
        assert ids(SHARED.read_text()) - doc_texts() - set(DECLARED) == set()
