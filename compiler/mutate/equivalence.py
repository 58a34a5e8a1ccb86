"""Is a mutant equivalent to its original? One Z3 query over the two step relations.

Both systems start in the same initial configuration (no operator changes an initial
value). If, from every configuration satisfying the original's proved invariants (its
invariant properties and every variable's declared range), every input gives both
systems the same observable step, then by induction both reach exactly the same
configurations and take the same steps: no property can tell them apart. Observable is:
the next configuration, accepted / ignored, the rejection reason, the steps each motor
source and the motor command on a tick, and the motor enable.

The query: lemmas(pre) and T_original(pre, in, post) and T_mutant(pre, in, post')
and (some observable differs). unsat: equivalent; sat: not; unknown (the work bound
``rlimit`` ran out): not shown either way.
"""
from __future__ import annotations

import z3

from ..ir import nodes as ir
from ..prove.system import System

EQUIVALENT, DIFFERENT, UNDECIDED = "equivalent", "different", "undecided"


def observables(system: System, step, module: ir.Module) -> list[z3.ExprRef]:
    """The terms of one step an observer sees, in a fixed order."""
    tick = z3.Or([step.is_event(e.name) for e in module.events if e.kind == ir.EventKind.TICK])
    lets = [module.motor.steps_let] + [s.steps.name for s in module.motor.sources]
    terms = [step.post.state] + [step.post.vars[v.name] for v in module.variables]
    terms += [step.accepted, step.ignored, step.reason]
    terms += [z3.If(tick, step.lets[n], z3.IntVal(0, system.ctx)) for n in lets if n in step.lets]
    terms.append(system.pred(module.motor.enabled, step.pre))
    return terms


def compare(original: ir.Module, mutant: ir.Module, rlimit: int) -> str:
    """``EQUIVALENT``, ``DIFFERENT`` or ``UNDECIDED`` (see the module docstring)."""
    ctx = z3.Context()
    a, b = System(original, ctx), System(mutant, ctx)
    pre, inp = a.frame("pre"), a.input("in")
    step_a = a.step(pre, inp, a.frame("post_a"))
    step_b = b.step(pre, inp, b.frame("post_b"))
    lemmas = list(a.types_ok(pre).values())
    lemmas += [a.pred(p.expr, pre) for p in original.properties if isinstance(p, ir.Invariant)]
    seen_a, seen_b = observables(a, step_a, original), observables(b, step_b, mutant)
    s = z3.Solver(ctx=ctx)
    if rlimit > 0:
        s.set("rlimit", rlimit)
    s.add(*lemmas, step_a.trans, step_b.trans)
    s.add(z3.Or([x != y for x, y in zip(seen_a, seen_b, strict=True)]))
    try:
        r = s.check()
    except z3.Z3Exception:
        r = z3.unknown
    return EQUIVALENT if r == z3.unsat else DIFFERENT if r == z3.sat else UNDECIDED
