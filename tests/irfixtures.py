"""Hand-built IR modules for the tests, and the loader of the committed specs.

The hand-built modules are independent of the front end on purpose: they exercise what
the specs in spec/ may not, and keep each consumer of the IR testable on its own. Motor
sources are lowered the way ``ir.Source`` documents.

- ``mini_pump()``: the Verilog backend's fixture, also a target of the cocotb bench
  (``PUMPSPEC_IR=py:tests/irfixtures.py:mini_pump``): negative intermediates, floor
  division and modulo of negative values, enum tables, bool and enum parameters,
  per-event policies, ignore policies.
- ``toy_pump()``: the Python backend's fixture: several transitions for one (state, event)
  with reasons on different guards (first false guard of each, first reason in order),
  ignore policies, per-event policies, negative intermediates with floor ``//`` and ``%``,
  ``neg``, ``implies``, ``or``, tables, enum and bool parameters, a state read in an
  update, simultaneous updates that swap two variables, tick transitions overriding tick
  updates, motor sources, and properties of every monitored kind (two of them violable).
- ``tiny_module()``: the prover's encoder fixture, three states and three variables.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from compiler import pipeline
from compiler.diagnostics import render_text
from compiler.ir import nodes as ir
from compiler.ir.build import add, cond, implies, maximum, minimum, neg, state_in, sub
from compiler.ir.build import and_ as land
from compiler.ir.build import compare as cmp
from compiler.ir.build import div_const as fdiv
from compiler.ir.build import mod_const as fmod
from compiler.ir.build import mul_const as mul
from compiler.ir.build import not_ as lnot
from compiler.ir.build import or_ as lor

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "spec" / "infusion_pump.pump"

B = ir.BOOL


def load_spec(path: Path) -> ir.Module:
    """The IR of a spec file; the test fails with the rendered diagnostics if it has errors."""
    analysis = pipeline.load(str(path))
    if not analysis.ok:
        pytest.fail(render_text(analysis.diagnostics, analysis.sources))
    return analysis.module


def I(lo, hi):  # noqa: E743 - an interval type
    return ir.IntType(lo, hi)


def lit(v, t=None):
    if t is not None:
        return ir.Lit(v, t)
    if isinstance(v, bool):
        return ir.Lit(v, B)
    return ir.Lit(v, I(v, v))


def var(name, t, post=False):
    return ir.Var(name, t, post)


def vmin(*xs):
    return minimum(xs)


def vmax(*xs):
    return maximum(xs)


def mini_pump() -> ir.Module:
    Site = ir.EnumType("Site", ("none", "left", "right"))
    S = ir.EnumType("State", ("SelfTest", "Idle", "Delivering", "Bolusing", "Alarm"))

    def in_states(*names):
        return state_in(S, names)

    T = {
        "reservoir": I(0, 400), "basal_rate": I(0, 100), "bolus_left": I(0, 40),
        "basal_acc": I(0, 35), "bolus_acc": I(0, 1), "occl": B, "acked": B,
        "site": Site, "trend": I(0, 20), "phase": I(0, 4), "hour_b0": I(0, 60),
        "hour_b1": I(0, 60),
    }
    v = {n: var(n, t) for n, t in T.items()}
    variables = (
        ir.Variable("reservoir", T["reservoir"], 0, persistent=True),
        ir.Variable("basal_rate", T["basal_rate"], 0, persistent=True),
        ir.Variable("bolus_left", T["bolus_left"], 0),
        ir.Variable("basal_acc", T["basal_acc"], 0, role="accumulator"),
        ir.Variable("bolus_acc", T["bolus_acc"], 0, role="accumulator"),
        ir.Variable("occl", B, False, persistent=True, role="alarm"),
        ir.Variable("acked", B, False),
        ir.Variable("site", Site, 0, persistent=True),
        ir.Variable("trend", T["trend"], 3),
        ir.Variable("phase", T["phase"], 0, role="window"),
        ir.Variable("hour_b0", T["hour_b0"], 0, role="window"),
        ir.Variable("hour_b1", T["hour_b1"], 0, role="window"),
    )
    any_alarm = v["occl"]
    enabled = land(in_states("Delivering", "Bolusing"), lnot(any_alarm))

    # basal: basal_rate / 36 steps per tick; bolus: 1/2 step per tick, limit bolus_left
    basal_active = enabled
    basal_raw = cond(basal_active, fdiv(add(v["basal_acc"], v["basal_rate"]), 36), lit(0))
    L = lambda name, e: ir.TickLet(name, e)  # noqa: E731
    lets = [L("basal.raw", basal_raw)]
    basal_raw_ref = ir.LetRef("basal.raw", basal_raw.type)
    basal_steps = vmin(basal_raw_ref, v["reservoir"])
    lets.append(L("basal.steps", basal_steps))
    bs = ir.LetRef("basal.steps", basal_steps.type)
    bolus_active = land(in_states("Bolusing"), lnot(any_alarm))
    bolus_raw = cond(bolus_active, fdiv(add(v["bolus_acc"], lit(1)), 2), lit(0))
    lets.append(L("bolus.raw", bolus_raw))
    bolus_steps = vmin(ir.LetRef("bolus.raw", bolus_raw.type), v["bolus_left"],
                       sub(v["reservoir"], bs))
    lets.append(L("bolus.steps", bolus_steps))
    bos = ir.LetRef("bolus.steps", bolus_steps.type)
    total = add(bs, bos)
    lets.append(L("steps", total))
    steps = ir.LetRef("steps", total.type)
    # an odd intermediate: negative floor division and modulo
    wobble = fmod(sub(mul(v["trend"], 3), lit(31)), 7)  # (3t - 31) mod 7
    lets.append(L("wobble", wobble))

    tick_updates = (
        ir.Update("reservoir", sub(v["reservoir"], steps)),
        ir.Update("bolus_left", sub(v["bolus_left"], bos)),
        ir.Update("basal_acc", cond(basal_active, fmod(add(v["basal_acc"], v["basal_rate"]), 36),
                                    v["basal_acc"])),
        ir.Update("bolus_acc", cond(bolus_active, fmod(add(v["bolus_acc"], lit(1)), 2),
                                    lit(0))),
        ir.Update("trend", add(fdiv(sub(v["trend"], lit(7)), 3), lit(7))),
        ir.Update("phase", fmod(add(v["phase"], lit(1)), 5)),
        ir.Update("hour_b0", cond(cmp("==", v["phase"], lit(4)), lit(0),
                                  vmin(add(v["hour_b0"], total), lit(60)))),
        ir.Update("hour_b1", cond(cmp("==", v["phase"], lit(4)),
                                  vmin(add(v["hour_b0"], total), lit(60)), v["hour_b1"])),
    )

    R = lambda code, text, req=None: ir.Reason(code, text, req)  # noqa: E731
    r_busy = R(4, "busy")
    r_res = R(5, "reservoir empty", "PS-06")
    r_max = R(6, "above max", "PS-22")
    r_alarm = R(7, "ack first", "PS-31")
    r_site = R(8, "same site", "PS-10")
    r_bol = R(9, "bolus running", "PS-23")
    reasons = ir.BUILTIN_REASONS + (r_busy, r_res, r_max, r_alarm, r_site, r_bol)

    def P(kind, reason=None):
        return ir.Policy(kind, reason)

    states = (
        ir.State("SelfTest", 0, P("reject", r_busy)),
        ir.State("Idle", 1, P("reject", r_busy)),
        ir.State("Delivering", 2, P("reject", r_busy)),
        ir.State("Bolusing", 3, P("reject", r_busy), (("bolus", P("reject", r_bol)),)),
        ir.State("Alarm", 4, P("reject", r_alarm), (("occlusion", P("ignore", None)),)),
    )
    EP = ir.EventParam
    events = (
        ir.Event("tick", 0, (), "tick"),
        ir.Event("reset", 1, (), "reset"),
        ir.Event("refill", 2, (EP("amount", I(0, 500)),)),
        ir.Event("set_basal", 3, (EP("rate", I(0, 200)),)),
        ir.Event("start", 4, ()),
        ir.Event("bolus", 5, (EP("amount", I(0, 63)), EP("fast", B))),
        ir.Event("suspend", 6, ()),
        ir.Event("occlusion", 7, ()),
        ir.Event("acknowledge", 8, ()),
        ir.Event("pick", 9, (EP("at", Site),)),
    )
    p = lambda n, t: ir.Param(n, t)  # noqa: E731
    G = ir.Guard
    U = ir.Update
    amount = p("amount", I(0, 500))
    tr = (
        ir.Transition(0, "refill", ("Idle",), None,
                      (G(cmp(">", amount, lit(0)), r_res), G(cmp("<=", amount, lit(400)), r_max)),
                      (U("reservoir", amount),)),
        ir.Transition(1, "set_basal", ("Idle", "Delivering"), None,
                      (G(cmp("<=", p("rate", I(0, 200)), lit(100)), r_max),),
                      (U("basal_rate", p("rate", I(0, 200))),)),
        ir.Transition(2, "start", ("Idle",), "Delivering",
                      (G(cmp(">", v["reservoir"], lit(0)), r_res),), ()),
        ir.Transition(3, "bolus", ("Delivering",), "Bolusing",
                      (G(cmp(">", p("amount", I(0, 63)), lit(0))),
                       G(cmp("<=", p("amount", I(0, 63)), lit(40)), r_max),
                       G(cmp("<=", p("amount", I(0, 63)), v["reservoir"]), r_res),
                       G(lnot(p("fast", B)))),
                      (U("bolus_left", p("amount", I(0, 63))),)),
        ir.Transition(4, "suspend", ("Delivering", "Bolusing"), "Idle", (),
                      (U("bolus_left", lit(0)),)),
        ir.Transition(5, "occlusion", ("Delivering", "Bolusing"), "Alarm", (),
                      (U("occl", lit(True)), U("acked", lit(False)), U("bolus_left", lit(0)))),
        ir.Transition(6, "occlusion", ("Idle",), None, (), ()),
        ir.Transition(7, "acknowledge", ("Alarm",), None, (), (U("acked", lit(True)),)),
        ir.Transition(8, "pick", ("Idle",), None,
                      (G(cmp("!=", p("at", Site), v["site"]), r_site),
                       G(cmp("!=", p("at", Site), ir.Lit(0, Site)))),
                      (U("site", p("at", Site)),)),
        ir.Transition(9, "tick", ("SelfTest",), "Idle", (G(lnot(any_alarm)),), ()),
        ir.Transition(10, "tick", ("SelfTest",), "Alarm", (), ()),
        ir.Transition(11, "tick", ("Bolusing",), "Delivering",
                      (G(cmp("==", sub(v["bolus_left"], bos), lit(0))),), ()),
        ir.Transition(12, "tick", ("Alarm",), "Idle", (G(v["acked"]),),
                      (U("occl", lit(False)), U("acked", lit(False)))),
        ir.Transition(13, "tick", ("Delivering", "Bolusing"), "Alarm",
                      (G(cmp("==", sub(v["reservoir"], steps), lit(0))),),
                      (U("bolus_left", lit(0)),)),
    )
    motor = ir.Motor(
        clock_hz=1_000_000, cycles_per_tick=1_000_000, step_high_cycles=4, step_low_cycles=4,
        max_steps_per_tick=4, moving_states=("Delivering", "Bolusing"), sources=(),
        steps_let="steps", enabled=enabled, max_rate=Fraction(4),
        limiter_steps=60, limiter_ticks=10, limiter_buckets=10, limiter_bucket_ticks=1,
        watchdog_ticks=10, max_step_request=4,
        burst_cycles=ir.burst_cycles(4, 4, 4), burst_fits=True,
    )
    return ir.Module(
        name="MiniPump", source_file="tests/irfixtures.py", source_hash="0" * 64,
        tick_seconds=Fraction(1), step_units=Fraction(1, 40), enums=(Site,), constants=(),
        variables=variables, events=events, states=states, state_type=S, initial="SelfTest",
        transitions=tr, tick_lets=tuple(lets), tick_updates=tick_updates, reasons=reasons,
        properties=(), motor=motor, windows=(), any_alarm=any_alarm,
    )


def toy_pump() -> ir.Module:
    Mode = ir.EnumType("Mode", ("none", "slow", "fast"))
    S = ir.EnumType("State", ("Boot", "Idle", "Running", "Boost", "Halted"))

    def is_state(*names, post=False):
        return state_in(S, names, post)

    T = {"tank": I(0, 200), "rate": I(0, 30), "left": I(0, 20), "acc": I(0, 9),
         "bacc": I(0, 2), "jam": B, "ack": B, "mode": Mode, "a": I(0, 7), "b": I(0, 7),
         "drift": I(0, 12), "count": I(0, 50), "low": B}
    v = {n: var(n, t) for n, t in T.items()}
    post = {n: var(n, t, post=True) for n, t in T.items()}
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
                     implies(ir.Accepted(), is_state("Running", post=True))),
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
    declared, let_named = {x.name: x for x in variables}, {x.name: x for x in lets}
    sources = (
        ir.Source("base", v["rate"], 10, ("Running", "Boost"), None, "hold", declared["acc"],
                  let_named["base.active"], let_named["base.raw"], let_named["base.steps"], Fraction(3)),
        ir.Source("boost", lit(1), 3, ("Boost",), v["left"], "reset", declared["bacc"],
                  let_named["boost.active"], let_named["boost.raw"], let_named["boost.steps"],
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
        name="ToyPump", source_file="tests/irfixtures.py", source_hash="0" * 64,
        tick_seconds=Fraction(1), step_units=Fraction(1, 40), enums=(Mode,), constants=(),
        variables=variables, events=events, states=states, state_type=S, initial="Boot",
        transitions=tr, tick_lets=tuple(lets), tick_updates=tick_updates, reasons=reasons,
        properties=properties, motor=motor, windows=(), any_alarm=any_alarm,
    )


def tiny_module(extra_props=()) -> ir.Module:
    """States A (initial), B, C; x: 0..5, flag: bool, color: Color, steps let."""
    STATES = ir.EnumType("State", ("A", "B", "C"))
    COLOR = ir.EnumType("Color", ("red", "green", "blue"))
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
    steps = ir.LetRef("steps", I(0, 1))
    half = ir.TickLet("half", ir.Binary("//", ir.Binary("+", x, steps, I(0, 6)), lit(2), I(0, 3)))
    transitions = (
        ir.Transition(0, "go", ("A",), "B",
                      (ir.Guard(cmp("<=", n, lit(5)), r4), ir.Guard(cmp(">", n, lit(0)))),
                      (ir.Update("x", n),)),
        ir.Transition(1, "go", ("A", "C"), "C", (ir.Guard(cmp("==", n, lit(6)), None),),
                      (ir.Update("flag", lit(True)),)),
        ir.Transition(2, "paint", ("A", "C"), None, (ir.Guard(cmp("!=", c, color), r4),),
                      (ir.Update("color", c),)),
        ir.Transition(3, "toggle", ("B", "C"), None, (),
                      (ir.Update("flag", lnot(flag)),)),
        ir.Transition(4, "tick", ("B",), "A", (ir.Guard(cmp("==", x, lit(0))),),
                      (ir.Update("flag", lit(False)),)),
        ir.Transition(5, "tick", ("B", "C"), "C", (ir.Guard(flag),),
                      (ir.Update("x", lit(0, X)),)),
    )
    tick_updates = (
        ir.Update("x", ir.MinMax("max", (ir.Binary("-", x, steps, I(-100, 100)), lit(0)), X)),
        ir.Update("color", ir.Table((1, 2, 0), color, COLOR)),
    )
    variables = (
        ir.Variable("x", X, 0, persistent=True),
        ir.Variable("flag", B, False),
        ir.Variable("color", COLOR, 0),
    )
    motor = ir.Motor(1000, 1000, 1, 1, 1, ("B",), (), "steps", state_in(STATES, ("B",)),
                     Fraction(1), 10, 10, 10, 1, 10, 1, ir.burst_cycles(1, 1, 1), True)
    props = (ir.Invariant("INV-1", "x in range", cmp("<=", x, lit(5))),) + tuple(extra_props)
    return ir.Module(
        name="Toy", source_file="<toy>", source_hash="0" * 64, tick_seconds=Fraction(1),
        step_units=Fraction(1, 40), enums=(COLOR,), constants=(), variables=variables,
        events=events, states=states, state_type=STATES, initial="A",
        transitions=transitions, tick_lets=(step_let, half), tick_updates=tick_updates,
        reasons=reasons, properties=props, motor=motor, windows=(), any_alarm=lit(False))
