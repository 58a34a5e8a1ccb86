from pathlib import Path

import pytest

from compiler.diagnostics import CODES
from diagnostic_cases import check_case

CASES = sorted((Path(__file__).parent / "errors").glob("*.pump"))
SYNTAX_CASES = sorted((Path(__file__).parent.parent / "syntax" / "errors").glob("*.pump"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_semantic_error_case(path, update_golden):
    check_case(path, update_golden)


def test_every_front_end_code_has_a_case():
    covered = {p.stem.split("_")[0] for p in CASES + SYNTAX_CASES}
    front_end = {code for code in CODES if code[0] in "EW" and not code.startswith("E06")}
    # E0004 (unreadable file) is covered by tests/commands/test_cli.py; P codes by tests/prove;
    # E06xx (traces the lockstep refuses) by verification/test_lockstep_command.py.
    assert front_end - covered == {"E0004"}
