"""`pumpspec prove-rtl` as a command, without a solver run (the outcomes are given): the
line per requirement id."""
from __future__ import annotations

from pathlib import Path

from compiler.commands.prove_rtl import print_text
from compiler.rtlproof import Prop, Report


def test_a_requirement_line_shows_the_title_of_the_assertion_whose_outcome_it_reports(capsys):
    # X-1's first assertion is unknown, its second violated: the line says violated, with
    # the violated one's title (it showed the first one's, an assertion not violated)
    props = [Prop("f_assert_x_1_1", "X-1", "assert", "a tick never changes the level (on tick)",
                  "fsm", outcome="unknown"),
             Prop("f_inv_x_1_1", "X-1", "inv", "the level stays below three", "fsm",
                  outcome="violated"),
             Prop("f_inv_x_2_1", "X-2", "inv", "first", "fsm", outcome="unknown"),
             Prop("f_inv_x_2_2", "X-2", "inv", "second", "fsm", outcome="unknown")]
    print_text(Path("b.v"), Report("b.v", props, [], 1.0), props, verbose=False)
    lines = capsys.readouterr().out.splitlines()
    x1 = next(line for line in lines if line.startswith("  X-1"))
    assert x1.split()[1] == "violated"
    assert x1.endswith("2 assertions  the level stays below three (+1 more)"), x1
    # among equal outcomes the first in the file's order, as `prove` does
    x2 = next(line for line in lines if line.startswith("  X-2"))
    assert x2.endswith("2 assertions  first (+1 more)"), x2
