from pathlib import Path

import pytest

from diagnostic_cases import check_case

CASES = sorted((Path(__file__).parent / "errors").glob("*.pump"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_syntax_error_case(path, update_golden):
    check_case(path, update_golden)


def test_recovery_reports_every_broken_item():
    text = (Path(__file__).parent / "errors" / "several_errors.pump").read_text()
    from compiler.pipeline import analyze

    codes = [d.code for d in analyze(text, "x.pump").diagnostics]
    assert codes == ["E0002", "E0001", "E0003"]


def test_flag_after_an_expression_is_a_keyword():
    # Regression: after `= false` the lexer took `alarm` for a name.
    from compiler.pipeline import analyze

    text = ('pump P\nunits { clock = 1 MHz }\nstate A initial reject others "no"\n'
            'var z : bool = false\nalarm w\nalert v\n')
    analysis = analyze(text, "x.pump")
    assert analysis.ok, analysis.diagnostics
    assert [v.role for v in analysis.module.variables] == ["var", "alarm", "alert"]
