"""`div` and `mod` from surface syntax through the four semantics.

One spec stores floor quotients and remainders of a parameter shifted below zero, by
divisors that reach each way the Verilog printer divides (a comparison chain for few
quotients, a shift for a power of two, a divider otherwise). For every parameter value
the IR evaluator, the Z3 step function, the generated Python controller and the
generated Verilog expressions (simulated in Icarus) must give Python's floor `//` and `%`.
"""
from __future__ import annotations

import subprocess

import pytest
import z3

from compiler import pipeline
from compiler.backends import verilog
from compiler.backends.python import load
from compiler.diagnostics import render_text
from compiler.eval.evaluator import Evaluator
from compiler.ir import nodes as ir
from compiler.ir.visitor import subexpressions
from compiler.prove.system import System

SPEC = """\
pump DivMod
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
var q3  : 0 .. 10 U = 0 U       // (p - 5 U) div 3 + 5 U
var r7  : 0 .. 6 steps = 0 U    // (p - 5 U) mod 7
var q4  : 0 .. 10 U = 0 U       // (p - 5 U) div 4 + 5 U
var r8  : 0 .. 7 steps = 0 U    // (p - 5 U) mod 8
var q40 : 0 .. 10 U = 0 U       // (p - 5 U) div 40 + 5 U
var r40 : 0 .. 2 U = 0 U        // (p - 5 U) mod 2 U
var c   : 0 .. 10 U = 0 U       // constants fold with the same floor: 1 step
var n   : 0 .. 2 = 0            // (t - 30 s) div 1 min + 1: a time over a time is a number
var odd : bool = false
state S initial reject others "no"
event set(p: 0 .. 10 U, t: 0 .. 90 s)
on set from S do
    q3 := (p - 5 U) div 3 + 5 U;  r7 := (p - 5 U) mod 7;
    q4 := (p - 5 U) div 4 + 5 U;  r8 := (p - 5 U) mod 8;
    q40 := (p - 5 U) div 40 + 5 U; r40 := (p - 5 U) mod 2 U;
    c := (0 U - 3 steps) div 2 + 3 steps;
    n := (t - 30 s) div 1 min + 1;
    odd := p mod 2 != 0 U
"""

STEPS_PER_U = 20


def expected(p: int, t: int) -> dict[str, int | bool]:
    """Floor semantics in base units (steps, ticks), as Python's // and % define them."""
    x = p - 5 * STEPS_PER_U
    return {"q3": x // 3 + 100, "r7": x % 7, "q4": x // 4 + 100, "r8": x % 8,
            "q40": x // 40 + 100, "r40": x % 40, "c": -3 // 2 + 3, "n": (t - 30) // 60 + 1,
            "odd": p % 2 != 0}


SAMPLES = [(p, t) for p in range(0, 201) for t in (0, 29, 30, 89, 90)]


@pytest.fixture(scope="module")
def module(tmp_path_factory) -> ir.Module:
    path = tmp_path_factory.mktemp("divmod") / "div_mod.pump"
    path.write_text(SPEC)
    analysis = pipeline.load(str(path))
    assert analysis.ok, render_text(analysis.diagnostics, analysis.sources)
    return analysis.module


def test_the_operand_reaches_below_zero(module):
    """The shifted parameter really is negative for small p (floor differs from truncation)."""
    (transition,) = module.transitions
    q3 = next(u for u in transition.updates if u.var == "q3")
    floordiv = next(x for x in subexpressions(q3.value) if isinstance(x, ir.Binary) and x.op == ir.BinaryOp.FLOORDIV)
    assert floordiv.left.type.lo == -100


def test_evaluator(module):
    ev = Evaluator(module)
    for p, t in SAMPLES:
        post, outcome = ev.step(ev.initial(), "set", {"p": p, "t": t})
        assert outcome.status == "accepted"
        assert dict(post.values) == expected(p, t), (p, t)


def test_generated_python(module):
    generated = load(module)
    for p, t in SAMPLES:
        controller = getattr(generated, module.name)()
        controller.handle("set", p=p, t=t)
        got = {name: value for name, value in controller.snapshot().values}
        assert got == expected(p, t), (p, t)


def test_z3_step_function(module):
    system = System(module)
    pre, post, inp = system.frame("a"), system.frame("b"), system.input("i")
    step = system.step(pre, inp, post)
    solver = z3.Solver(ctx=system.ctx)
    solver.add(step.trans, pre.state == 0, inp.event == system.event_index["set"])
    for v in module.variables:
        solver.add(pre.vars[v.name] == v.init)
    for p, t in SAMPLES[::7] + [(0, 0), (1, 29), (99, 30), (100, 90), (200, 89)]:
        solver.push()
        solver.add(inp.params["set"]["p"] == p, inp.params["set"]["t"] == t)
        assert solver.check() == z3.sat
        model = solver.model()
        got = {}
        for v in module.variables:
            value = model.eval(post.vars[v.name], model_completion=True)
            got[v.name] = z3.is_true(value) if isinstance(v.type, ir.BoolType) else value.as_long()
        assert got == expected(p, t), (p, t)
        solver.pop()


def test_generated_verilog_in_icarus(module, tmp_path, iverilog):
    """The update expressions as the Verilog backend prints them, simulated for every sample."""
    (transition,) = module.transitions
    printer = verilog.VerilogPrinter(lambda name: name, "state")
    printer.param = lambda name: f"param_{name}"
    outputs = []
    for i, u in enumerate(transition.updates):
        if isinstance(u.value.type, ir.BoolType):
            outputs.append((u.var, f"wire o{i} = {printer.boolean(u.value)};"))
            continue
        op = printer.operand(u.value)
        w = verilog.sbits(u.value.type.lo, u.value.type.hi)
        outputs.append((u.var, f"wire signed [{w - 1}:0] o{i} = {op.fit(w)};"))
    (event,) = [e for e in module.events if e.name == "set"]
    params = {p.name: p.type for p in event.params}
    lines = ["module t;", "reg [3:0] state;"]
    lines += [f"reg [{verilog.type_bits(pt) - 1}:0] param_{name};" for name, pt in params.items()]
    lines += [f"    {d}" for d in printer.decls] + [decl for _, decl in outputs]
    lines.append("initial begin")
    for p, t in SAMPLES:
        lines += [f"  param_p = {p};", f"  param_t = {t};", "  #1;"]
        lines += [f'  $display("%0d", o{i});' for i in range(len(outputs))]
    lines += ["end", "endmodule"]
    src = tmp_path / "t.v"
    src.write_text("\n".join(lines))
    subprocess.run(["iverilog", "-g2005", "-o", str(tmp_path / "t.vvp"), str(src)], check=True)
    got = subprocess.run(["vvp", "-n", str(tmp_path / "t.vvp")], capture_output=True, text=True,
                         check=True).stdout.split()
    want = [str(int(expected(p, t)[var])) for p, t in SAMPLES for var, _ in outputs]
    assert got == want

