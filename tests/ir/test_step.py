"""The step function as IR expressions (compiler/ir/step.py) against the IR evaluator.

The Verilog's refinement checks print :func:`event_step` and the RTL proof transfers the
IR prover's verdicts through them, so it must be the evaluator's step exactly: on random
traces of every corpus spec and of random specs (tests/specgen), after every step with
in-domain parameters, each variable, the control state and the decision evaluate, over
the pre-state, to what the evaluator's step gives.
"""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from compiler import pipeline
from compiler.eval.evaluator import Env, Evaluator, in_domain
from compiler.ir import nodes as ir
from compiler.ir.step import event_step

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "specgen"))
import fourway  # noqa: E402
from specgen import specs  # noqa: E402


def agree(module: ir.Module, trace) -> int:
    """Step ``trace`` in the evaluator, comparing each step with :func:`event_step`;
    returns how many steps were compared."""
    ev = Evaluator(module)
    steps = {e.name: event_step(module, e.name) for e in module.events}
    decl = {e.name: e for e in module.events}
    config, compared = ev.initial(), 0
    for event, params in trace:
        post, outcome = ev.step(config, event, params)
        e = decl.get(event)
        if e is not None and set(params) == {p.name for p in e.params} and all(
                in_domain(params[p.name], p.type) for p in e.params):
            st_ = steps[event]
            env = Env(config, params=params, lets=dict(outcome.lets))
            where = f"{event} {params} from {config}"
            assert ev.eval(st_.accepted, env) == outcome.accepted, where
            assert ev.eval(st_.state, env) == module.state_type.members.index(post.state), where
            for v in module.variables:
                assert ev.eval(st_.values[v.name], env) == post[v.name], f"{v.name}: {where}"
                assert st_.changes(v.name) or post[v.name] == config[v.name], where
            compared += 1
        config = post
    return compared


def test_corpus_specs_step_as_the_evaluator(corpus_spec):
    module = pipeline.load_module(corpus_spec)
    for seed in range(2):
        assert agree(module, fourway.random_trace(module, seed, 250)) > 80


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
@given(specs(), st.integers(0, 2**32))
def test_random_specs_step_as_the_evaluator(text, seed):
    module = fourway.module_of(text)
    assert agree(module, fourway.random_trace(module, seed, 200)) > 0
