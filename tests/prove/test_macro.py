"""compiler/prove/macro.py: tick macro-steps stop where a target of the search can hold."""
from __future__ import annotations

from compiler.cli import main

SPEC = """pump Coincide
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
persistent var reservoir : 0 .. 200 U = 0 U
var bolus_left : 0 .. 10 U = 0 U
state Boot initial ignore others
state Basal reject others "busy"
state Bolus reject others "busy"
event fill(amount: 0 .. 200 U)
event bolus(amount: 0 .. 10 U)
on tick from Boot -> Basal
on fill from Basal do reservoir := amount
on bolus from Basal -> Bolus when amount > 0 U else reject "empty" do bolus_left := amount
motor {
    step_high = 1 us  step_low = 1 us  max_rate = 2 U/min  max_steps_per_tick = 1
    moves in Basal, Bolus
    budget reservoir
    source basal rate 0.8 U/h during Basal, Bolus
    source quick rate 1.5 U/min during Bolus limit bolus_left
    watchdog C-9 = 5 s
}
every tick do reservoir := reservoir - steps; bolus_left := bolus_left - quick.steps
on tick from Bolus -> Basal when bolus_left - quick.steps == 0 U
"""



def test_two_sources_stepping_in_the_same_tick_deep_in_a_macro_step_are_found(tmp_path, capsys):
    # basal steps every 225 ticks, the bolus every other tick: the first tick where both
    # step sits ~200 ticks into a bolus, inside one macro-step (nothing the search's view
    # sees changes in between); the default run reports the violation, not "unknown"
    path = tmp_path / "coincide.pump"
    path.write_text(SPEC)
    assert main(["prove", "-q", str(path), "--only", "motor", "--trace-out", str(tmp_path)]) == 1
    assert "error[P0107]" in capsys.readouterr().out
    trace = tmp_path / "motor.steps.json"
    assert main(["simulate", str(path), str(trace), "--monitor"]) == 1
    assert "reproduces the recorded violation: motor.steps" in capsys.readouterr().out
