"""The report's counterexample traces (compiler/report/evidence.py): the rows `prove`
prints, a run of plain ticks as one row, the first violating step marked."""
from __future__ import annotations

import re
from pathlib import Path

from compiler.cli import main

LONG_RUN = (Path(__file__).resolve().parents[2] / "spec" / "examples" / "prove"
            / "long_counterexample.pump").read_text()


def test_a_long_counterexample_is_three_rows_with_its_violating_step_marked(tmp_path):
    spec = tmp_path / "long.pump"
    spec.write_text(LONG_RUN)
    assert main(["report", str(spec), "-o", str(tmp_path / "out"), "-q"]) == 0
    html = (tmp_path / "out" / "index.html").read_text()
    table = html[html.index('<table class="trace">'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr( class=\"marked\")?><td>([^<]*)</td><td>([^<]*)</td>", table)
    assert rows == [("", "0", "go"), ("", "1–1499", "tick ×1,499 (24 min 59 s)"),
                    (' class="marked"', "1500", "tick")]
