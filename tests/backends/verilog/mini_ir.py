"""A small hand-built IR module for the Verilog backend tests.

Independent of the front end on purpose: it exercises what the reference spec may not
(negative intermediates, floor division and modulo of negative values, enum tables,
bool and enum parameters, per-event policies, ignore policies) and keeps the backend
testable on its own. Motor sources are lowered the way ``ir.Source`` documents.
"""
from __future__ import annotations

from fractions import Fraction

from compiler.ir.build import add, cond, sub
from compiler.ir.build import and_ as land
from compiler.ir.build import compare as cmp
from compiler.ir.build import div_const as fdiv
from compiler.ir.build import minimum
from compiler.ir.build import mod_const as fmod
from compiler.ir.build import mul_const as mul
from compiler.ir.build import not_ as lnot
from compiler.ir import nodes as ir

B = ir.BOOL


def I(lo, hi):  # noqa: E743 - an interval type
    return ir.IntType(lo, hi)


def lit(v):
    if isinstance(v, bool):
        return ir.Lit(v, B)
    return ir.Lit(v, I(v, v))


def var(name, t):
    return ir.Var(name, t)


def vmin(*xs):
    return minimum(xs)


def build() -> ir.Module:
    Site = ir.EnumType("Site", ("none", "left", "right"))
    S = ir.EnumType("State", ("SelfTest", "Idle", "Delivering", "Bolusing", "Alarm"))
    st = ir.StateRef(S)

    def in_states(*names):
        out = None
        for n in names:
            c = cmp("==", st, ir.Lit(S.members.index(n), S))
            out = c if out is None else ir.Binary("or", out, c, B)
        return out

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
    table_guard = ir.Table((True, False, True), p("at", Site), B)  # noqa: F841 (kept simple)
    motor = ir.Motor(
        clock_hz=1_000_000, cycles_per_tick=1_000_000, step_high_cycles=4, step_low_cycles=4,
        max_steps_per_tick=4, moving_states=("Delivering", "Bolusing"), sources=(),
        steps_let="steps", enabled=enabled, max_rate=Fraction(4),
        limiter_steps=60, limiter_ticks=10, limiter_buckets=10, limiter_bucket_ticks=1,
        watchdog_ticks=10, max_step_request=4,
        burst_cycles=ir.burst_cycles(4, 4, 4), burst_fits=True,
    )
    return ir.Module(
        name="MiniPump", source_file="tests/backends/verilog/mini_ir.py", source_hash="0" * 64,
        tick_seconds=Fraction(1), step_units=Fraction(1, 40), enums=(Site,), constants=(),
        variables=variables, events=events, states=states, state_type=S, initial="SelfTest",
        transitions=tr, tick_lets=tuple(lets), tick_updates=tick_updates, reasons=reasons,
        properties=(), motor=motor, windows=(), any_alarm=any_alarm,
    )
