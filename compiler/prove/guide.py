"""How far a configuration is from an exploration target: the search's guide.

The search expands the configuration closest to an open target first (then the
shallowest), so a target behind a counter that must climb step by step (18 boluses of a
daily allowance, a response monitor counting ticks) is approached directly instead of
breadth-first. Only an ordering: a trace is reported only once its target holds, checked
exactly (``Compiled.compile``) and re-judged on the evaluator.

The distance of a condition is built over its boolean structure, per atom:
- a comparison of integers ``L op R`` that fails, with gap ``g >= 1`` (how much ``L - R``
  must move), costs ``2 - 1/(1 + g)``: in [1.5, 2), so the number of failing atoms
  dominates and the gap orders configurations within one count;
- any other atom (a bool, an enum or state comparison) costs 1 when it fails;
- the tick lets are those of the next tick from the configuration (a tick target's
  guard reads them); an atom that reads what a configuration does not give (an event
  parameter, ``accepted``, a post-state value) costs 0: the step may well satisfy it;
- ``and`` adds, ``or`` takes the least, ``not`` swaps the wanted truth value,
  ``a implies b`` is ``not a or b``; an atom that holds costs 0.
"""
from __future__ import annotations

from typing import Callable

from ..eval.stepper import FastStepper, Names
from ..ir import nodes as ir
from ..ir.visitor import subexpressions
from .probes import Probe

# op -> how far ``d = L - R`` is from making ``L op R`` hold (<= 0: it holds)
_GAP = {"<=": "{d}", "<": "{d} + 1", ">=": "-{d}", ">": "1 - {d}", "==": "abs({d})", "!=": None}
_NEGATE = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!=", "!=": "=="}


def _cost(g: int) -> float:
    return 0.0 if g <= 0 else 2.0 - 1.0 / (1 + g)


def _unknown_here(e: ir.Expr) -> bool:
    """``e`` reads something a configuration alone does not give."""
    return any(isinstance(x, (ir.Param, ir.Accepted)) or
               (isinstance(x, (ir.Var, ir.StateRef)) and x.post) for x in subexpressions(e))


class GuideCompiler:
    """Distance functions ``f(config) -> float`` (0: the configuration-level part of the
    target holds) for probes, over configuration tuples (``index``: variable -> slot)."""

    def __init__(self, stepper: FastStepper, index: dict[str, int], state_index: dict[str, int],
                 transitions: list[ir.Transition], lets: list[str]):
        self.stepper = stepper
        self.state_index = state_index
        self.transitions = transitions
        position = {name: i for i, name in enumerate(lets)}
        self.names = Names(var=lambda name, post: f"t[{index[name]}]", state=lambda post: "t[0]",
                           let=lambda name: f"lets[{position[name]}]")
        self.index = index

    def text(self, e: ir.Expr) -> str:
        return self.stepper.expression(e, self.names)

    def cond(self, e: ir.Expr, want: bool) -> str:
        """Python source of the distance of ``e`` from evaluating to ``want``."""
        if isinstance(e, ir.Unary) and e.op == "not":
            return self.cond(e.operand, not want)
        if isinstance(e, ir.Binary) and e.op in ("and", "or", "implies"):
            # a implies b == (not a) or b
            left = self.cond(e.left, want if e.op != "implies" else not want)
            right = self.cond(e.right, want)
            every = (e.op == "and") == want  # both sides must reach their wanted value
            return f"({left} + {right})" if every else f"min({left}, {right})"
        if _unknown_here(e):
            return "0.0"
        if isinstance(e, ir.Binary) and e.op in _GAP and isinstance(e.left.type, ir.IntType) \
                and isinstance(e.right.type, ir.IntType):
            op = e.op if want else _NEGATE[e.op]
            d = f"(({self.text(e.left)}) - ({self.text(e.right)}))"
            if op == "!=":
                return f"(1.0 if {d} == 0 else 0.0)"
            return f"_cost({_GAP[op].format(d=d)})"
        return f"(0.0 if bool({self.text(e)}) == {want} else 1.0)"

    def probe(self, p: Probe) -> str:
        parts = []
        if p.kind == "step":
            if p.states:
                parts.append(self._in_states(p.states))
            if p.transition is not None:
                t = self.transitions[p.transition]
                parts.append(self._in_states(t.sources))
                parts += [self.cond(g.cond, True) for g in t.guards]
        if p.state is not None:
            parts.append(self._in_states((p.state,)))
        if p.var is not None and isinstance(p.type, ir.IntType):
            v = f"t[{self.index[p.var]}]"
            parts.append(f"_cost(min({v} - {p.type.lo} + 1, {p.type.hi} - {v} + 1))")
        elif p.expr is not None and p.mode in ("true", "false"):
            parts.append(self.cond(p.expr, p.mode == "true"))
        return " + ".join(parts) or "0.0"

    def _in_states(self, names) -> str:
        return f"(0.0 if t[0] in {tuple(self.state_index[s] for s in names)!r} else 1.0)"

    def compile(self, p: Probe) -> Callable[[tuple, tuple], float]:
        """``guide(config, lets)``: ``lets`` those of the next tick from ``config``."""
        src = ("def guide(t, lets):\n"
               "    try:\n"
               f"        return {self.probe(p)}\n"
               "    except (KeyError, TypeError, IndexError, ZeroDivisionError):\n"
               "        return 0.0\n")
        env: dict = {"_cost": _cost}
        exec(src, env)
        return env["guide"]
