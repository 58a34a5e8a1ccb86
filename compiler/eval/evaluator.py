"""Executable semantics of the IR: the oracle for the generated code and the prover.

One step handles one event (see docs/semantics.md):
- ``reset``: accepted in every state; persistent variables keep their value, all others
  return to their initial value; the state becomes the initial state.
- ``tick``: never rejected. Lets are computed from the pre-state; every tick update is
  applied; then at most one enabled tick transition fires and its updates replace the
  tick updates of the same variables.
- any other event: out-of-domain parameters are rejected (reason 2). If the state has
  no transition for the event, its policy applies (reject with its reason, or ignore).
  Otherwise the first enabled transition fires (the prover checks there is at most
  one); if none is enabled the event is rejected with the first reason found by
  scanning the transitions in order and, in each, its guards in order for the first
  false one that carries a reason, else reason 3.
All reads see the pre-state; all updates of a step are simultaneous.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping

from ..ir import nodes as ir


@dataclass(frozen=True)
class Config:
    """A configuration: the control state and every variable's value."""

    state: str
    values: tuple[tuple[str, ir.Value], ...]  # in declaration order
    _index: dict = field(default=None, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(self.values))

    def __getitem__(self, name: str) -> ir.Value:
        return self._index[name]

    def as_dict(self) -> dict[str, ir.Value]:
        return dict(self.values)


@dataclass(frozen=True)
class Outcome:
    status: str  # "accepted" | "rejected" | "ignored"
    reason: ir.Reason | None = None
    transition: int | None = None  # index of the fired transition
    lets: tuple[tuple[str, ir.Value], ...] = ()  # tick only: every TickLet's value

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def let(self, name: str) -> ir.Value:
        return dict(self.lets)[name]


@dataclass
class Env:
    pre: Config
    post: Config | None = None
    params: Mapping[str, ir.Value] | None = None
    lets: Mapping[str, ir.Value] | None = None
    accepted: bool | None = None


class Evaluator:
    def __init__(self, module: ir.Module):
        self.module = module
        self._events = {e.name: e for e in module.events}

    # -- configurations

    def initial(self) -> Config:
        return Config(self.module.initial, tuple((v.name, v.init) for v in self.module.variables))

    # -- steps

    def step(self, config: Config, event: str, params: Mapping[str, ir.Value] | None = None
             ) -> tuple[Config, Outcome]:
        params = dict(params or {})
        decl = self._events.get(event) if isinstance(event, str) else None
        if decl is None:
            return config, Outcome("rejected", ir.REASON_UNKNOWN_EVENT)
        if set(params) != {p.name for p in decl.params} or not all(
            in_domain(params[p.name], p.type) for p in decl.params
        ):
            return config, Outcome("rejected", ir.REASON_PARAM_RANGE)
        match decl.kind:
            case ir.EventKind.RESET:
                return self._reset(config), Outcome("accepted")
            case ir.EventKind.TICK:
                return self._tick(config)
            case ir.EventKind.USER:
                return self._user_event(config, event, params)
            case _:
                raise TypeError(f"internal error: unknown event kind {decl.kind!r}")

    def _reset(self, config: Config) -> Config:
        values = tuple(
            (v.name, config[v.name] if v.persistent else v.init) for v in self.module.variables
        )
        return Config(self.module.initial, values)

    def _tick(self, config: Config) -> tuple[Config, Outcome]:
        lets: dict[str, ir.Value] = {}
        for let in self.module.tick_lets:
            lets[let.name] = self.eval(let.value, Env(config, lets=lets))
        env = Env(config, lets=lets)
        updates = {u.var: u for u in self.module.tick_updates}
        target = None
        fired = None
        for t in self.module.transitions_for(config.state, "tick"):
            if all(self.eval(g.cond, env) for g in t.guards):
                fired, target = t, t.target
                updates.update({u.var: u for u in t.updates})
                break
        new = self._apply(config, target, updates.values(), env)
        return new, Outcome("accepted", None, fired.index if fired else None,
                            tuple(lets.items()))

    def _user_event(self, config: Config, event: str, params: Mapping[str, ir.Value]
                    ) -> tuple[Config, Outcome]:
        candidates = self.module.transitions_for(config.state, event)
        if not candidates:
            policy = self.module.state(config.state).policy_for(event)
            match policy.kind:
                case ir.PolicyKind.IGNORE:
                    return config, Outcome("ignored")
                case ir.PolicyKind.REJECT:
                    return config, Outcome("rejected", policy.reason)
                case _:
                    raise TypeError(f"internal error: unknown policy {policy.kind!r}")
        env = Env(config, params=params)
        reason = None
        for t in candidates:
            failed = next((g for g in t.guards if not self.eval(g.cond, env)), None)
            if failed is None:
                return self._apply(config, t.target, t.updates, env), Outcome("accepted", None, t.index)
            if reason is None and failed.reason is not None:
                reason = failed.reason
        return config, Outcome("rejected", reason or ir.REASON_NO_TRANSITION)

    def _apply(self, config: Config, target: str | None, updates, env: Env) -> Config:
        assigned = {u.var: self.eval(u.value, env) for u in updates}
        values = tuple((name, assigned.get(name, value)) for name, value in config.values)
        return Config(target or config.state, values)

    # -- expressions

    def eval(self, e: ir.Expr, env: Env) -> ir.Value:
        match e:
            case ir.Lit(value=value):
                return value
            case ir.Var(name=name, post=post):
                return (env.post if post else env.pre)[name]
            case ir.StateRef(type=t, post=post):
                return t.members.index((env.post if post else env.pre).state)
            case ir.Param(name=name):
                return env.params[name]
            case ir.LetRef(name=name):
                return env.lets[name]
            case ir.Accepted():
                return bool(env.accepted)
            case ir.Unary(op=op, operand=x):
                return UNARY[op](self.eval(x, env))
            case ir.Binary(op=op, left=left, right=right):
                # and, or, implies short-circuit: the right operand is evaluated lazily
                return BINARY[op](self.eval(left, env), lambda: self.eval(right, env))
            case ir.Cond(cond=c, then=a, orelse=b):
                return self.eval(a, env) if self.eval(c, env) else self.eval(b, env)
            case ir.MinMax(op=op, args=args):
                return MINMAX[op](self.eval(a, env) for a in args)
            case ir.Table(values=values, index=index):
                return values[self.eval(index, env)]
            case ir.Select(elements=elements, index=index, lo=lo):
                return self.eval(elements[self.eval(index, env) - lo], env)
        raise TypeError(f"internal error: unknown IR expression {e!r}")

    def eval_state_pred(self, e: ir.Expr, config: Config) -> ir.Value:
        return self.eval(e, Env(config))

    def eval_assertion(self, e: ir.Expr, pre: Config, post: Config, params, outcome: Outcome):
        return self.eval(e, Env(pre, post, params, dict(outcome.lets), outcome.accepted))


B = ir.BinaryOp
UNARY = ir.every_member(ir.UnaryOp, {ir.UnaryOp.NOT: lambda a: not a, ir.UnaryOp.NEG: lambda a: -a})
# (left value, thunk of the right value) -> value
BINARY = ir.every_member(B, {
    B.ADD: lambda a, b: a + b(),
    B.SUB: lambda a, b: a - b(),
    B.MUL: lambda a, b: a * b(),
    B.FLOORDIV: lambda a, b: a // b(),
    B.MOD: lambda a, b: a % b(),
    B.EQ: lambda a, b: a == b(),
    B.NE: lambda a, b: a != b(),
    B.LT: lambda a, b: a < b(),
    B.LE: lambda a, b: a <= b(),
    B.GT: lambda a, b: a > b(),
    B.GE: lambda a, b: a >= b(),
    B.AND: lambda a, b: bool(a) and bool(b()),
    B.OR: lambda a, b: bool(a) or bool(b()),
    B.IMPLIES: lambda a, b: (not a) or bool(b()),
})
MINMAX = ir.every_member(ir.MinMaxOp, {ir.MinMaxOp.MIN: min, ir.MinMaxOp.MAX: max})


def in_domain(value: object, t: ir.Type) -> bool:
    """Whether ``value`` is a well-typed value of ``t`` — the parameter rule of
    docs/controller.md, which the generated controller applies too: a bool is a ``bool``;
    an integer an ``int`` in range, exactly (not a bool, not an enum member); an enum
    value its member's index as an ``int``, or a member of an enum named like ``t``
    whose member at that index has the same name (the generated controller's enums)."""
    if isinstance(t, ir.BoolType):
        return value.__class__ is bool
    if isinstance(t, ir.EnumType):
        if isinstance(value, Enum):
            index = value.value
            return (value.__class__.__name__ == t.name and index.__class__ is int
                    and 0 <= index < len(t.members) and value.name == t.members[index])
        return value.__class__ is int and 0 <= value < len(t.members)
    return value.__class__ is int and t.lo <= value <= t.hi
