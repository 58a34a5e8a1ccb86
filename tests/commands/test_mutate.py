"""compiler/commands/mutate.py: the original is proved as `pumpspec prove` proves it."""
from __future__ import annotations

from compiler.cli import main

SPEC = """pump Trickle
units { step = 0.1 U  tick = 1 s  clock = 1 MHz }
var tank : 0 .. 10 U = 0 U
var due : 0 .. 10 U = 0 U
state Boot initial ignore others
state Idle reject others "stop first"
state Run reject others "stop first"
state Slow reject others "stop first"
event fill(v: 0 .. 10 U)
event program(v: 0 .. 10 U)
event start
event stop
on tick from Boot -> Idle
on fill from Idle when v >= due else reject "less than programmed" do tank := v
on program from Idle when v <= tank else reject "more than the tank" do due := v
on start from Idle -> Run
on stop from Run, Slow -> Idle
motor {
    step_high = 1 us  step_low = 1 us  max_rate = 6 U/min  max_steps_per_tick = 1
    moves in Run, Slow
    budget tank
    source main rate 6 U/min during Run limit due
    source trickle rate 1 U/h during Slow
    watchdog T-9 = 5 s
}
every tick do tank := tank - steps; due := due - main.steps
on tick from Run -> Slow when due - main.steps == 0 U
invariant T-1 "never more due than in the tank": due <= tank
"""



def test_an_invariant_only_pdr_proves_still_lets_the_campaign_run(tmp_path, capsys):
    # T-1 holds but is not k-inductive (an unreachable `Slow` with `due` > 0 keeps it
    # false on every path): `prove` closes it by PDR, and so must the campaign, instead of
    # refusing with "the spec itself does not prove (T-1)"
    path = tmp_path / "trickle.pump"
    path.write_text(SPEC)
    assert main(["prove", "-q", str(path)]) == 0
    capsys.readouterr()
    assert main(["mutate", str(path), "--limit", "0", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "with PDR" in out and "does not prove" not in out
