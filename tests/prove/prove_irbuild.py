"""A tiny hand-built IR module for encoder tests that do not need the front end."""
from __future__ import annotations

from fractions import Fraction

from compiler.ir import nodes as ir

B = ir.BOOL


def I(lo, hi):  # noqa: E743
    return ir.IntType(lo, hi)


def lit(v, t=None):
    if t is None:
        t = B if isinstance(v, bool) else I(v, v)
    return ir.Lit(v, t)


def var(name, t, post=False):
    return ir.Var(name, t, post)


def bin_(op, a, b, t=None):
    if t is None:
        t = B if op in ir.COMPARE_OPS + ir.LOGIC_OPS else I(-100, 100)
    return ir.Binary(op, a, b, t)


def not_(a):
    return ir.Unary("not", a, B)


STATES = ir.EnumType("State", ("A", "B", "C"))
COLOR = ir.EnumType("Color", ("red", "green", "blue"))


def state_is(name, post=False):
    return bin_("==", ir.StateRef(STATES, post), lit(STATES.members.index(name), STATES))


def toy_module(extra_props=()) -> ir.Module:
    """States A (initial), B, C; x: 0..5, flag: bool, color: Color, steps let."""
    X = I(0, 5)
    x, flag, color = var("x", X), var("flag", B), var("color", COLOR)
    reasons = ir.BUILTIN_REASONS + (ir.Reason(4, "x too big", "R-1"), ir.Reason(5, "not in A"),
                                     ir.Reason(6, "ignored here"))
    r4, r5 = reasons[3], reasons[4]
    n = ir.Param("n", I(0, 7))
    c = ir.Param("c", COLOR)
    events = (
        ir.Event("tick", 0, (), "tick"),
        ir.Event("reset", 1, (), "reset"),
        ir.Event("go", 2, (ir.EventParam("n", I(0, 7)),)),
        ir.Event("paint", 3, (ir.EventParam("c", COLOR),)),
        ir.Event("toggle", 4, ()),
    )
    reject = ir.Policy("reject", r5)
    states = (
        ir.State("A", 0, reject),
        ir.State("B", 1, ir.Policy("ignore", None), (("paint", reject),)),
        ir.State("C", 2, reject),
    )
    step_let = ir.TickLet("steps", ir.Cond(flag, lit(1, I(1, 1)), lit(0, I(0, 0)), I(0, 1)))
    half = ir.TickLet("half", bin_("//", bin_("+", x, ir.LetRef("steps", I(0, 1)), I(0, 6)),
                                   lit(2), I(0, 3)))
    transitions = (
        ir.Transition(0, "go", ("A",), "B",
                      (ir.Guard(bin_("<=", n, lit(5)), r4), ir.Guard(bin_(">", n, lit(0)))),
                      (ir.Update("x", n),)),
        ir.Transition(1, "go", ("A", "C"), "C", (ir.Guard(bin_("==", n, lit(6)), None),),
                      (ir.Update("flag", lit(True)),)),
        ir.Transition(2, "paint", ("A", "C"), None, (ir.Guard(bin_("!=", c, color), r4),),
                      (ir.Update("color", c),)),
        ir.Transition(3, "toggle", ("B", "C"), None, (),
                      (ir.Update("flag", not_(flag)),)),
        ir.Transition(4, "tick", ("B",), "A", (ir.Guard(bin_("==", x, lit(0))),),
                      (ir.Update("flag", lit(False)),)),
        ir.Transition(5, "tick", ("B", "C"), "C", (ir.Guard(flag),),
                      (ir.Update("x", lit(0, X)),)),
    )
    tick_updates = (
        ir.Update("x", ir.MinMax("max", (bin_("-", x, ir.LetRef("steps", I(0, 1))), lit(0)), X)),
        ir.Update("color", ir.Table((1, 2, 0), color, COLOR)),
    )
    variables = (
        ir.Variable("x", X, 0, persistent=True),
        ir.Variable("flag", B, False),
        ir.Variable("color", COLOR, 0),
    )
    motor = ir.Motor(1000, 1000, 1, 1, 1, ("B",), (), "steps", state_is("B"), Fraction(1),
                     10, 10, 10, 1, 10, 1, ir.burst_cycles(1, 1, 1), True)
    props = (ir.Invariant("INV-1", "x in range", bin_("<=", x, lit(5))),) + tuple(extra_props)
    return ir.Module(
        name="Toy", source_file="<toy>", source_hash="0" * 64, tick_seconds=Fraction(1),
        step_units=Fraction(1, 40), enums=(COLOR,), constants=(), variables=variables,
        events=events, states=states, state_type=STATES, initial="A",
        transitions=transitions, tick_lets=(step_let, half), tick_updates=tick_updates,
        reasons=reasons, properties=props, motor=motor, windows=(), any_alarm=lit(False))
