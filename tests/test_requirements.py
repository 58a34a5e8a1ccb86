"""The project's requirement texts, its traceability matrix and its specs agree."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "requirements.md"
SHARED = ROOT.parent / "shared" / "domain" / "requirements.md"
ID = r"\b(?:PS|CL)-\d\d\b"


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


def test_matrix_lists_every_requirement_text():
    texts = DOC.read_text().split("## Requirement texts")[1]
    assert len(ids(texts)) >= 40
    assert ids(texts) - set(matrix_rows()) == set()


def test_captured_requirements_appear_in_a_spec():
    specs = "".join(p.read_text() for p in (ROOT / "spec").rglob("*.pump"))
    captured = {i for i, cell in matrix_rows().items() if not cell.startswith("open")}
    assert len(captured) >= 31
    assert captured - ids(specs) == set()


def test_the_project_copy_holds_every_source_requirement():
    # the product's source documents sit beside a checkout on CI and dev machines only;
    # the project's copy must never fall behind them
    if SHARED.exists():
        assert ids(SHARED.read_text()) - ids(DOC.read_text()) == set()
