"""The FSM's pipeline stages (compiler/backends/verilog/_pipeline.py): where the cuts fall
and the latencies the design and its proof rely on, for every corpus spec."""
from __future__ import annotations

from pathlib import Path

import pytest

from compiler import pipeline
from compiler.backends import verilog
from compiler.backends.verilog import _pipeline

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted((ROOT / "spec").glob("*.pump")) + [ROOT / "spec" / "examples" / "patch_pump.pump"]


@pytest.fixture(scope="module", params=CORPUS, ids=lambda p: p.stem)
def plan(request):
    return verilog.plan(pipeline.load_module(request.param))


def test_every_segment_is_within_the_budget(plan):
    for n in plan.pipe.nets.values():
        # a wire whose own operators pass the budget cannot be split: its operands are
        # registers then
        assert n.arrival <= max(_pipeline.STAGE_BUDGET, n.cost) + 1e-9, (n.name, n.arrival, n.value)


def test_depths_count_the_stages_on_the_longest_path(plan):
    nets = plan.pipe.nets
    for n in nets.values():
        below = max((nets[d].depth for d in n.deps), default=0)
        own = n.serial.latency if n.serial is not None else 1 if n.staged else 0
        assert n.depth == below + own, n.name
    assert sorted(x for level in plan.pipe.levels for x in level) == sorted(plan.pipe_stages)


def test_latencies_cover_every_stage_read(plan):
    pipe = plan.pipe
    params = {w for e in plan.events for w, *_ in e.params}
    reads_params = {n.name for n in pipe.nets.values()
                    if params & set(_pipeline._IDENT.findall(n.value))}
    changed = True
    while changed:
        changed = False
        for n in pipe.nets.values():
            if n.name not in reads_params and reads_params & set(n.deps):
                reads_params.add(n.name)
                changed = True
    # a tick reads every parameter-free stage settled; an event commits after all of its own
    assert all(n.depth <= pipe.tick_depth for n in pipe.nets.values() if n.name not in reads_params)
    assert all(n.depth < pipe.event_cycles for n in pipe.nets.values() if n.name in reads_params)
    assert pipe.decision_depth < pipe.event_cycles
    assert pipe.hold_cycles == pipe.tick_depth + pipe.event_cycles < plan.tick_cycles


def test_the_step_request_is_a_stage(plan):
    """The motor's limiter adds the request to its sum before loading a burst: the request
    must leave a register, not a chain of logic."""
    (root,) = _pipeline.reads(plan.steps_expr, plan.pipe.nets)
    assert plan.pipe.nets[root].staged or plan.pipe.nets[root].arrival == 0


def test_each_stage_is_a_register_of_its_wire(plan):
    wires = "\n".join(plan.decls + plan.guards + plan.lets)
    regs = {r.rstrip(";").split()[-1] for r in plan.pipe_regs}
    for n in plan.pipe_stages:
        assert f" nx_{n} = " in wires and n in regs, n
        assert f" {n} = " not in wires, n  # declared once: as the register
