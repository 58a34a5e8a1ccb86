"""`pumpspec prove-rtl` as a command, without a solver run (the outcomes are given, or
``prove_file`` is replaced by one that returns them): the line per requirement id and
where the block built from a spec is written."""
from __future__ import annotations

import tempfile
from pathlib import Path

import compiler.rtlproof as rtlproof
from compiler.cli import main
from compiler.commands.prove_rtl import print_text
from compiler.rtlproof import Prop, Report

SPEC = """pump TitleMix
units { step = 0.05 U   tick = 1 s   clock = 1 MHz }
var level : 0 .. 10 = 0
event up
state Idle initial ignore others
on up from Idle when level < 10 else reject X-1 "full" do level := level + 1
assert X-1 "a tick never changes the level" on tick:
    next(level) == level
invariant X-1 "the level stays below three":
    level < 3
"""


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


def test_the_block_built_from_a_spec_is_kept_in_its_work_folder(tmp_path, monkeypatch, capsys):
    # every run left a /tmp/pumpspec-rtl-XXXX/ folder behind, and the lines named the block
    # there; now it is written to <work>/<block>/<block>.v, the path the output names
    spec = tmp_path / "title_mix.pump"
    spec.write_text(SPEC)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen = []

    def prove_file(vpath, block, workroot, *args, **kwargs):
        seen.append((vpath, workroot))
        assert vpath.is_file()
        return Report(str(vpath), [Prop("f_inv_x_1_1", "X-1", "inv", "t", "fsm",
                                        outcome="proved")], [], 0.1)

    monkeypatch.setattr(rtlproof, "toolchain_missing", lambda: None)
    monkeypatch.setattr(rtlproof, "prove_file", prove_file)
    work = tmp_path / "work"
    assert main(["prove-rtl", str(spec), "--work", str(work), "-q"]) == 0
    out = capsys.readouterr().out
    (vpath, workroot), = seen
    assert vpath == work / "title_mix" / "title_mix.v" and workroot == work / "title_mix"
    assert f"{vpath}: 1 assertions" in out
    assert vpath.is_file()
    assert not [p for p in temp.iterdir() if p.name.startswith("pumpspec")]
