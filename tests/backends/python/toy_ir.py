"""A small hand-built IR module for the Python backend tests.

Independent of the front end: it exercises what the reference spec may not — several
transitions for one (state, event) with reasons on different guards (first false
guard of each, first reason in order), ignore policies, per-event policies, negative
intermediates with floor ``//`` and ``%``, ``neg``, ``implies``, ``or``, tables, enum
and bool parameters, a state read in an update, simultaneous updates that swap two
variables, tick transitions overriding tick updates, motor sources, and properties of
every monitored kind (one of them deliberately violable).
"""
from __future__ import annotations

from fractions import Fraction

from compiler.ir.build import add, cond, implies, neg, sub
from compiler.ir.build import and_ as land
from compiler.ir.build import compare as cmp
from compiler.ir.build import div_const as fdiv
from compiler.ir.build import maximum, minimum
from compiler.ir.build import mod_const as fmod
from compiler.ir.build import mul_const as mul
from compiler.ir.build import not_ as lnot
from compiler.ir.build import or_ as lor
from compiler.ir import nodes as ir

B = ir.BOOL


def I(lo, hi):  # noqa: E743 - an interval type
    return ir.IntType(lo, hi)


def lit(v, t=None):
    if t is not None:
        return ir.Lit(v, t)
    if isinstance(v, bool):
        return ir.Lit(v, B)
    return ir.Lit(v, I(v, v))


def vmin(*xs):
    return minimum(xs)


def vmax(*xs):
    return maximum(xs)


def build() -> ir.Module:
    Mode = ir.EnumType("Mode", ("none", "slow", "fast"))
    S = ir.EnumType("State", ("Boot", "Idle", "Running", "Boost", "Halted"))
    st, st_post = ir.StateRef(S), ir.StateRef(S, post=True)

    def is_state(*names, ref=st):
        out = None
        for n in names:
            c = cmp("==", ref, ir.Lit(S.members.index(n), S))
            out = c if out is None else lor(out, c)
        return out

    T = {"tank": I(0, 200), "rate": I(0, 30), "left": I(0, 20), "acc": I(0, 9),
         "bacc": I(0, 2), "jam": B, "ack": B, "mode": Mode, "a": I(0, 7), "b": I(0, 7),
         "drift": I(0, 12), "count": I(0, 50), "low": B}
    v = {n: ir.Var(n, t) for n, t in T.items()}
    post = {n: ir.Var(n, t, post=True) for n, t in T.items()}
    variables = (
        ir.Variable("tank", T["tank"], 0, persistent=True),
        ir.Variable("rate", T["rate"], 0, persistent=True),
        ir.Variable("left", T["left"], 0),
        ir.Variable("acc", T["acc"], 0, role="accumulator"),
        ir.Variable("bacc", T["bacc"], 0, role="accumulator"),
        ir.Variable("jam", B, False, persistent=True, role="alarm"),
        ir.Variable("ack", B, False),
        ir.Variable("mode", Mode, 1, persistent=True),
        ir.Variable("a", T["a"], 1),
        ir.Variable("b", T["b"], 2),
        ir.Variable("drift", T["drift"], 5),
        ir.Variable("count", T["count"], 0, persistent=True, role="window"),
        ir.Variable("low", B, False, role="alert"),
    )
    any_alarm = v["jam"]
    enabled = land(is_state("Running", "Boost"), lnot(any_alarm))

    L = ir.TickLet
    lets = []

    def let(name, e):
        lets.append(L(name, e))
        return ir.LetRef(name, e.type)

    # basal-like source: rate/10 steps per tick, budget tank
    base_active = let("base.active", enabled)
    base_raw = let("base.raw", cond(base_active, fdiv(add(v["acc"], v["rate"]), 10), lit(0)))
    base_steps = let("base.steps", vmin(base_raw, v["tank"]))
    # boost source: 1/3 step per tick while Boost, limit left
    boost_active = let("boost.active", land(is_state("Boost"), lnot(any_alarm)))
    boost_raw = let("boost.raw", cond(boost_active, fdiv(add(v["bacc"], lit(1)), 3), lit(0)))
    boost_steps = let("boost.steps", vmin(boost_raw, v["left"], sub(v["tank"], base_steps)))
    steps = let("steps", add(base_steps, boost_steps))
    # odd arithmetic: negative floor division / modulo, neg, a table by enum
    wobble = let("wobble", add(fmod(sub(mul(v["drift"], 3), lit(20)), 7),
                               fdiv(neg(v["drift"]), 4)))
    let("unused", vmax(v["a"], v["b"], lit(3)))
    speed = ir.Table((0, 1, 2), v["mode"], I(0, 2))

    tick_updates = (
        ir.Update("tank", sub(v["tank"], steps)),
        ir.Update("left", sub(v["left"], boost_steps)),
        ir.Update("acc", cond(base_active, fmod(add(v["acc"], v["rate"]), 10), v["acc"])),
        ir.Update("bacc", cond(boost_active, fmod(add(v["bacc"], lit(1)), 3), lit(0))),
        ir.Update("drift", vmin(vmax(add(sub(v["drift"], lit(6)), add(wobble, speed)), lit(0)),
                                lit(12))),
        ir.Update("count", vmin(add(v["count"], steps), lit(50))),
        ir.Update("low", cmp("<", sub(v["tank"], steps), lit(10))),
    )

    R = ir.Reason
    r_busy = R(4, "busy")
    r_empty = R(5, "the tank is empty", "TP-01")
    r_big = R(6, "too big", "TP-02")
    r_mode = R(7, "wrong mode", "TP-03")
    r_ack = R(8, "acknowledge first", "TP-04")
    r_boost = R(9, "already boosting", "TP-05")
    r_small = R(10, "too small")
    reasons = ir.BUILTIN_REASONS + (r_busy, r_empty, r_big, r_mode, r_ack, r_boost, r_small)

    P = ir.Policy
    states = (
        ir.State("Boot", 0, P("reject", r_busy)),
        ir.State("Idle", 1, P("ignore", None), (("boost", P("reject", r_mode)),)),
        ir.State("Running", 2, P("reject", r_busy)),
        ir.State("Boost", 3, P("reject", r_busy), (("boost", P("reject", r_boost)),)),
        ir.State("Halted", 4, P("reject", r_ack), (("jam", P("ignore", None)),)),
    )
    EP = ir.EventParam
    amount_t, speed_t = I(0, 40), I(0, 31)
    events = (
        ir.Event("tick", 0, (), "tick"),
        ir.Event("reset", 1, (), "reset"),
        ir.Event("fill", 2, (EP("amount", I(0, 255)),)),
        ir.Event("set_rate", 3, (EP("rate", speed_t), EP("mode", Mode))),
        ir.Event("go", 4, ()),
        ir.Event("boost", 5, (EP("amount", amount_t), EP("force", B))),
        ir.Event("stop", 6, ()),
        ir.Event("jam", 7, ()),
        ir.Event("ack", 8, ()),
        ir.Event("swap", 9, ()),
    )
    p = ir.Param
    G, U = ir.Guard, ir.Update
    amount, force = p("amount", amount_t), p("force", B)
    fill_amount = p("amount", I(0, 255))
    tr = (
        # fill: two candidates from Idle; the first rejects with r_big on its 2nd guard,
        # the second has a reasonless first guard, then a reason.
        ir.Transition(0, "fill", ("Idle",), None,
                      (G(cmp(">", fill_amount, lit(0)), r_small),
                       G(cmp("<=", add(fill_amount, v["tank"]), lit(200)), r_big),
                       G(cmp("!=", v["mode"], lit(0, Mode)))),
                      (U("tank", add(v["tank"], fill_amount)),)),
        ir.Transition(1, "fill", ("Idle", "Halted"), None,
                      (G(cmp("==", v["mode"], lit(0, Mode))),
                       G(cmp("<=", fill_amount, lit(100)), r_mode)),
                      (U("tank", vmin(add(v["tank"], fill_amount), lit(200))),
                       U("mode", lit(1, Mode)))),
        ir.Transition(2, "set_rate", ("Idle", "Running", "Boost"), None,
                      (G(cmp("<=", p("rate", speed_t), lit(30)), r_big),
                       G(implies(cmp("==", p("mode", Mode), lit(2, Mode)),
                                 cmp(">=", p("rate", speed_t), lit(5))), r_mode)),
                      (U("rate", p("rate", speed_t)), U("mode", p("mode", Mode)))),
        ir.Transition(3, "go", ("Idle",), "Running",
                      (G(cmp(">", v["tank"], lit(0)), r_empty),), ()),
        ir.Transition(4, "boost", ("Running",), "Boost",
                      (G(cmp(">", amount, lit(0))),
                       G(lor(cmp("<=", amount, lit(20)), force), r_big),
                       G(cmp("<=", amount, v["tank"]), r_empty)),
                      (U("left", vmin(amount, lit(20))),)),
        ir.Transition(5, "stop", ("Running", "Boost"), "Idle", (), (U("left", lit(0)),)),
        ir.Transition(6, "jam", ("Running", "Boost"), "Halted", (),
                      (U("jam", lit(True)), U("ack", lit(False)), U("left", lit(0)))),
        ir.Transition(7, "jam", ("Boot",), None, (), (U("jam", lit(True)),)),
        ir.Transition(8, "ack", ("Halted",), None, (), (U("ack", lit(True)),)),
        # swap: simultaneous update reads the pre-state of both, and the state
        ir.Transition(9, "swap", ("Idle", "Running", "Boost"), None, (),
                      (U("a", v["b"]), U("b", v["a"]),
                       U("drift", cond(is_state("Boost"), lit(0), v["drift"])))),
        ir.Transition(10, "tick", ("Boot",), "Idle", (G(lnot(any_alarm)),), ()),
        ir.Transition(11, "tick", ("Boot",), "Halted", (), ()),
        ir.Transition(12, "tick", ("Boost",), "Running",
                      (G(cmp("==", sub(v["left"], boost_steps), lit(0))),), ()),
        ir.Transition(13, "tick", ("Halted",), "Idle", (G(v["ack"]),),
                      (U("jam", lit(False)), U("ack", lit(False)), U("count", lit(0)))),
        ir.Transition(14, "tick", ("Running", "Boost"), "Halted",
                      (G(cmp("==", sub(v["tank"], steps), lit(0))),),
                      (U("left", lit(0)), U("jam", lit(True)))),
    )
    properties = (
        ir.Invariant("TP-10", "boost pending only while boosting",
                     implies(lnot(is_state("Boost")), cmp("==", v["left"], lit(0)))),
        ir.Assertion("TP-11", "a boost is accepted only within the tank", ("boost",), (),
                     implies(ir.Accepted(), cmp("<=", amount, v["tank"]))),
        ir.Assertion("TP-12", "steps never exceed the tank", ("tick",), (),
                     land(cmp("<=", steps, v["tank"]),
                          cmp("==", post["tank"], sub(v["tank"], steps)))),
        ir.Assertion("TP-13", "go from Idle is accepted only with fluid", ("go",), ("Idle",),
                     implies(ir.Accepted(), is_state("Running", ref=st_post))),
        # violable: a forced boost may be above 20 (left is capped, but this claims not)
        ir.Assertion("TP-14", "a boost never asks more than 20", ("boost",), ("Running",),
                     implies(ir.Accepted(), cmp("<=", amount, lit(20)))),
        ir.Response("TP-15", "a jam halts the motor within one tick", "jam",
                    is_state("Running", "Boost"), lnot(is_state("Running", "Boost")), 1),
        # violable: the tank runs low within 30 ticks of going (only if the rate is high)
        ir.Response("TP-16", "going drains below 150 within 30 ticks", "go",
                    lit(True), cmp("<", v["tank"], lit(150)), 30),
        ir.Invariant("TP-17", "the drift stays in range",
                     land(cmp(">=", v["drift"], lit(0)), cmp("<=", v["drift"], lit(12)))),
        ir.Recovery("TP-18", "stop and ack recover", is_state("Idle"),
                    (ir.EventCall("stop", ()), ir.EventCall("ack", ()), ir.EventCall("tick", ()))),
    )
    var, tick_let = {x.name: x for x in variables}, {x.name: x for x in lets}
    sources = (
        ir.Source("base", v["rate"], 10, ("Running", "Boost"), None, "hold", var["acc"],
                  tick_let["base.active"], tick_let["base.raw"], tick_let["base.steps"], Fraction(3)),
        ir.Source("boost", lit(1), 3, ("Boost",), v["left"], "reset", var["bacc"],
                  tick_let["boost.active"], tick_let["boost.raw"], tick_let["boost.steps"],
                  Fraction(1, 3)),
    )
    motor = ir.Motor(
        clock_hz=1_000_000, cycles_per_tick=1_000_000, step_high_cycles=4, step_low_cycles=4,
        max_steps_per_tick=4, moving_states=("Running", "Boost"), sources=sources,
        steps_let="steps", enabled=enabled, max_rate=Fraction(4),
        limiter_steps=60, limiter_ticks=10, limiter_buckets=10, limiter_bucket_ticks=1,
        watchdog_ticks=10, max_step_request=4,
        burst_cycles=ir.burst_cycles(4, 4, 4), burst_fits=True,
    )
    return ir.Module(
        name="ToyPump", source_file="tests/backends/python/toy_ir.py", source_hash="0" * 64,
        tick_seconds=Fraction(1), step_units=Fraction(1, 40), enums=(Mode,), constants=(),
        variables=variables, events=events, states=states, state_type=S, initial="Boot",
        transitions=tr, tick_lets=tuple(lets), tick_updates=tick_updates, reasons=reasons,
        properties=properties, motor=motor, windows=(), any_alarm=any_alarm,
    )
