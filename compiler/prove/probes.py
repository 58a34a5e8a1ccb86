"""Concrete targets of the witness and counterexample search, judged on the evaluator.

A check that some real trace can settle (a reachability or vacuity witness, the
counterexample of a safety goal) carries a ``Probe``: what the trace's last step or
configuration must exhibit. The search compiles probes to fast predicates
(``compiled.Compiled.compile``); every trace it keeps is re-judged here, with the
evaluator's semantics (the oracle).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..eval.evaluator import Config, Env, Evaluator, Outcome, in_domain
from ..ir import nodes as ir


@dataclass(frozen=True)
class Probe:
    """A concrete target: a configuration (``kind="state"``, checked on the post-state) or
    a step (``kind="step"``) that a witness or counterexample must exhibit.

    ``events``/``states``/``transition`` filter the step (event name, pre-state name,
    fired transition index); ``state`` is "the configuration is in this control state".
    ``expr`` is read in the step's scope (pre, post, params, lets, accepted) or on the
    configuration; ``mode`` says what of it is wanted: "true", "false", or "outside" (its
    value leaves ``type``'s domain). ``var`` (with mode "outside"): the variable's value
    leaves ``type``'s domain."""

    kind: str
    expr: ir.Expr | None = None
    mode: str = "true"
    type: ir.Type | None = None
    var: str | None = None
    events: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    transition: int | None = None
    state: str | None = None

    # -- the evaluator's reading (the oracle: every witness is re-checked with it)

    def on_eval(self, ev: Evaluator, pre: Config, event: str | None, params, post: Config,
                outcome: Outcome | None) -> bool:
        try:
            if self.kind == "state":
                return self._judge_eval(ev, post, Env(post))
            if self.events and event not in self.events:
                return False
            if self.states and pre.state not in self.states:
                return False
            if self.transition is not None and outcome.transition != self.transition:
                return False
            env = Env(pre, post, params, dict(outcome.lets), outcome.accepted)
            return self._judge_eval(ev, post, env)
        except (KeyError, TypeError):
            return False

    def _judge_eval(self, ev: Evaluator, config: Config, env: Env) -> bool:
        if self.state is not None and config.state != self.state:
            return False
        if self.var is not None:
            return not in_domain(config[self.var], self.type)
        if self.expr is None:
            return True
        value = ev.eval(self.expr, env)
        if self.mode == "outside":
            return not in_domain(value, self.type)
        return bool(value) == (self.mode == "true")


def probes_of(checks) -> dict[str, Probe]:
    """The probe of each check that has one (see goals), by goal key."""
    return {c.goal.key: c.extra["probe"] for c in checks if "probe" in c.extra}
