"""compiler/prove/compiled.py: probes compiled to fast predicates mean what the evaluator's
reading (``Probe.on_eval``) means."""
from __future__ import annotations

from compiler.backends.python import STEPPER
from compiler.prove.compiled import Compiled
from compiler.prove.probes import Probe

from irfixtures import load_spec

SPEC = """pump Poker
units { step = 0.1 U  tick = 1 s  clock = 1 MHz }
var left : 0 .. 10 U = 10 U
state Idle initial reject others "no"
state Run reject others "no"
event go
event poke(p: 0 .. 10)
on go from Idle -> Run
on poke from Run -> Idle when p > 5 else reject "too gentle"
motor {
    step_high = 1 us  step_low = 1 us  max_rate = 1 U/s  max_steps_per_tick = 2
    moves in Run
    budget left
    source main rate 1 U/min during Run
}
every tick do left := left - steps
respond R-1 "a poke stops the motor": on poke when motor_on -> not motor_on within 1 tick
"""


def test_a_step_probe_holds_only_on_its_events(tmp_path):
    # the response search (Explorer.respond) calls the trigger's predicate on every input:
    # a trigger `on poke when motor_on` must not fire on a tick from a moving state
    path = tmp_path / "poker.pump"
    path.write_text(SPEC)
    module = load_spec(path)
    x = Compiled(module, STEPPER)
    running = x.step(x.initial(), "go", ())[0]
    trigger = Probe("step", expr=None, events=("poke",))
    on_poke = x.compile(trigger)
    post, accepted, fired, lets = x.step(running, x.tick, ())
    assert not on_poke(running, x.tick, {}, post, accepted, fired, lets)
    post, accepted, fired, lets = x.step(running, "poke", (3,))
    assert on_poke(running, "poke", {"p": 3}, post, accepted, fired, lets)


def test_a_spec_without_variables_has_tuple_configurations(tmp_path):
    # one slot (the state): attrgetter would give the bare state and `c._state = t`
    # would store the tuple, and the exploration indexed an int
    path = tmp_path / "bare.pump"
    path.write_text('pump Bare\nunits { clock = 1 MHz }\nstate A initial reject others "no"\n'
                    'state B ignore others\nevent go\non go from A -> B\n')
    x = Compiled(load_spec(path), STEPPER)
    post = x.step(x.initial(), "go", ())[0]
    assert post == (x.state_index["B"],)
    c = object.__new__(x.cls)
    x.put(c, post)
    assert x.get(c) == post
