"""The report's counterexample traces (compiler/report/evidence.py): the rows `prove`
prints, a run of plain ticks as one row, the first violating step marked."""
from __future__ import annotations

import re

from compiler.cli import main

LONG_RUN = """\
pump LongRun
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var x : 0 .. 2000 = 0
state Idle initial reject others "no"
state Run reject others "running"
event go
on go from Idle -> Run
every tick do x := if state == Run then min(x + 1, 2000) else x
assert R-1 "x never reaches exactly 1500" on tick: next(x) != 1500
"""


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
