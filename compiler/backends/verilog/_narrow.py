"""Narrowing: an expression rewritten so that its wide intermediates are clamped to the
few values its result can tell apart (area and timing of the synthesised block).

A source's step count ``max(0, min(raw, reservoir - used, 1600 - hourly_total - used,
...))`` takes 0..3 steps, but printed as written it subtracts and compares 15- to 19-bit
quantities: the reservoir's 12,000 steps, a day's room of -144,000..6,000 steps. Only
whether such a quantity lies below 0, at 0 .. 9, or above decides the result, so the
rewrite clamps it once, ``max(0, min(reservoir, 9))``, and everything after it works on
a few bits.

**Demand.** For a node ``n`` of a root expression ``r``, its demand ``D(n) = [L, H]`` is
an interval within ``range(n)`` (the IR type's exact interval) such that replacing ``n``'s
value ``v`` by ``clamp(v, L, H)`` leaves ``r``'s value unchanged. The root's demand is its
whole range. A node passes demands to its operands, every value within its range:

    max(a_1 .. a_k) in [L, H]:  a_i in [max(L, a_j.lo for j != i), H]     (min: dually)
    a + b in [L, H]:            a in [L - b.hi, H - b.lo]                 (b: dually)
    a - b in [L, H]:            a in [L + b.lo, H + b.hi],  b in [a.lo - H, a.hi - L]
    -a in [L, H]:               a in [-H, -L]
    a * k, k > 0:               a in [floor(L / k), ceil(H / k)]          (k < 0: via -a)
    a // k, k > 0:              a in [L * k, H * k + k - 1]
    c ? a : b:                  a, b in [L, H]
    anything else:              every operand its whole range

(A comparison decides on fewer bits too, ``a < b`` on ``a`` in ``[b.lo - 1, b.hi + 1]``,
but clamping its operand costs a comparison as wide as the one it narrows.)

Each is projected onto the operand's range (both ends clamped into it: for ``x`` in
range, ``clamp(x, D) == clamp(clamp(x, proj(D)), D)``); a node read twice takes the
hull of its demands.

**Rewrite**, operands first: each node is rebuilt from its rewritten operands with the
IR builder, whose intervals shrink with their operands' (so ``range(n') ⊆ range(n)``,
which the sibling bounds above rely on), then clamped to ``D(n)`` where that saves at
least :data:`NARROW_BITS` bits and the clamped values lie near 0 (``1600 - total`` is
clamped to 0 .. 1, not ``total`` to 1599 .. 1600). By induction ``clamp(n', D(n)) == clamp(n, D(n))``; at the
root ``D`` is the range and ``n'`` lies in it, so ``n' == n``.

Nodes the printer computes in a form of its own are kept whole (``opaque``): a running
total held in a register, a serial fold (_serial.py), a table read.
"""
from __future__ import annotations

from typing import Callable, Sequence

from ...ir import build as b
from ...ir import nodes as ir
from ...ir.visitor import children
from ._expr import sbits

# a node is clamped when its demand takes at least this many fewer bits than its range:
# two comparisons with constants and a narrow multiplexer buy narrower logic downstream
NARROW_BITS = 3

Interval = tuple[int, int]


def narrowed(roots: Sequence[ir.Expr], opaque: Callable[[ir.Expr], bool] = lambda e: False
             ) -> list[ir.Expr]:
    """``roots`` rewritten with their intermediates clamped to their demand: each the same
    value as before in every environment (module docstring). A node several roots read
    takes the hull of their demands, so it is clamped once for all of them."""
    order = _post_order(roots, opaque)
    demand: dict[ir.Expr, Interval] = {}
    for root in roots:
        if isinstance(root.type, ir.IntType):
            demand[root] = (root.type.lo, root.type.hi)
    for node in reversed(order):  # every reader of a node before the node
        if opaque(node):
            continue
        for operand, wanted in _operand_demands(node, demand.get(node)):
            if wanted is None:
                continue
            wanted = _project(wanted, operand.type)
            seen = demand.get(operand)
            demand[operand] = wanted if seen is None else (min(seen[0], wanted[0]), max(seen[1], wanted[1]))
    out: dict[ir.Expr, ir.Expr] = {}
    for node in order:
        new = node if opaque(node) else _rebuild(node, out)
        out[node] = _clamp(new, demand.get(node))
    return [out[root] for root in roots]


def _post_order(roots: Sequence[ir.Expr], opaque) -> list[ir.Expr]:
    """Every node of ``roots`` (not inside an opaque one) once, operands first."""
    order: list[ir.Expr] = []
    seen: set[ir.Expr] = set()
    stack: list[tuple[ir.Expr, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if not opaque(node):
            stack.extend((x, False) for x in reversed(children(node)) if x not in seen)
    return order


def _is_int(e: ir.Expr) -> bool:
    return isinstance(e.type, ir.IntType)


def _whole(e: ir.Expr) -> Interval | None:
    return (e.type.lo, e.type.hi) if _is_int(e) else None


def _project(d: Interval, t: ir.IntType) -> Interval:
    lo, hi = t.lo, t.hi
    return (min(max(d[0], lo), hi), min(max(d[1], lo), hi))


def _operand_demands(e: ir.Expr, d: Interval | None) -> list[tuple[ir.Expr, Interval | None]]:
    """(operand, its demand before projection) for each operand of ``e`` given ``e``'s
    demand ``d`` (None: ``e`` is not an integer)."""
    B = ir.BinaryOp
    match e:
        case ir.MinMax(op=op, args=args) if d is not None:
            out = []
            for i, x in enumerate(args):
                others = args[:i] + args[i + 1:]
                if op == ir.MinMaxOp.MAX:
                    out.append((x, (max([d[0], *(y.type.lo for y in others)]), d[1])))
                else:
                    out.append((x, (d[0], min([d[1], *(y.type.hi for y in others)]))))
            return out
        case ir.Binary(op=B.ADD, left=x, right=y) if d is not None:
            return [(x, (d[0] - y.type.hi, d[1] - y.type.lo)), (y, (d[0] - x.type.hi, d[1] - x.type.lo))]
        case ir.Binary(op=B.SUB, left=x, right=y) if d is not None:
            return [(x, (d[0] + y.type.lo, d[1] + y.type.hi)), (y, (x.type.lo - d[1], x.type.hi - d[0]))]
        case ir.Unary(op=ir.UnaryOp.NEG, operand=x) if d is not None:
            return [(x, (-d[1], -d[0]))]
        case ir.Binary(op=B.MUL, left=x, right=ir.Lit(value=k)) if d is not None and k != 0:
            return [(x, _scaled(d, k)), (e.right, None)]
        case ir.Binary(op=B.MUL, left=ir.Lit(value=k), right=x) if d is not None and k != 0:
            return [(e.left, None), (x, _scaled(d, k))]
        case ir.Binary(op=B.FLOORDIV, left=x, right=ir.Lit(value=k)) if d is not None and k > 0:
            return [(x, (d[0] * k, d[1] * k + k - 1)), (e.right, None)]
        case ir.Cond(cond=c, then=x, orelse=y) if d is not None:
            return [(c, None), (x, d), (y, d)]
    return [(x, _whole(x)) for x in children(e)]


def _scaled(d: Interval, k: int) -> Interval:
    """The demand of ``a`` in ``a * k`` when ``a * k`` has demand ``d``."""
    if k < 0:
        d, k = (-d[1], -d[0]), -k
    return (d[0] // k, -(-d[1] // k))


def _rebuild(e: ir.Expr, out: dict[ir.Expr, ir.Expr]) -> ir.Expr:
    """``e`` over its rewritten operands, typed by the builder (or ``e`` itself if none
    changed)."""
    new = tuple(out[x] for x in children(e))
    if new == children(e):
        return e
    B = ir.BinaryOp
    match e:
        case ir.Binary(op=B.ADD):
            return b.add(*new, span=e.span)
        case ir.Binary(op=B.SUB):
            return b.sub(*new, span=e.span)
        case ir.Binary(op=B.MUL) if isinstance(new[1], ir.Lit):
            return b.mul_const(new[0], new[1].value, span=e.span)
        case ir.Binary(op=B.MUL) if isinstance(new[0], ir.Lit):
            return b.mul_const(new[1], new[0].value, span=e.span)
        case ir.Binary(op=B.FLOORDIV):
            return b.div_const(new[0], new[1].value, span=e.span, unit=e.type.unit)
        case ir.Binary(op=B.MOD):
            return b.mod_const(new[0], new[1].value, span=e.span)
        case ir.Binary(op=op) if op in ir.COMPARE_OPS or op in ir.LOGIC_OPS:
            return ir.Binary(op, new[0], new[1], e.type, e.span)
        case ir.Unary(op=ir.UnaryOp.NEG):
            return b.neg(new[0], span=e.span)
        case ir.Unary():
            return ir.Unary(e.op, new[0], e.type, e.span)
        case ir.MinMax(op=ir.MinMaxOp.MIN):
            return b.minimum(new, span=e.span)
        case ir.MinMax(op=ir.MinMaxOp.MAX):
            return b.maximum(new, span=e.span)
        case ir.Cond():
            return b.cond(*new, span=e.span)
    raise TypeError(f"internal error: narrowing cannot rebuild {type(e).__name__}")


def _clamp(e: ir.Expr, d: Interval | None) -> ir.Expr:
    """``e`` clamped to ``d`` where that saves :data:`NARROW_BITS` bits, else ``e``."""
    if d is None or isinstance(e, ir.Lit) or not _is_int(e):
        return e
    lo, hi = max(d[0], e.type.lo), min(d[1], e.type.hi)
    if lo > hi:  # e's rewritten range lies outside its demand: a constant end decides
        lo = hi = d[0] if e.type.hi < d[0] else d[1]
    if lo == hi:
        return b.lit_int(lo, e.type.unit)
    if sbits(lo, hi) + NARROW_BITS > sbits(e.type.lo, e.type.hi) or sbits(lo, hi) > sbits(0, hi - lo) + 1:
        return e  # too little saved, or most of the bits hold an offset (1599..1600)
    out = e
    if e.type.hi > hi:
        out = b.minimum((out, b.lit_int(hi, e.type.unit)))
    if e.type.lo < lo:
        out = b.maximum((out, b.lit_int(lo, e.type.unit)))
    return out

