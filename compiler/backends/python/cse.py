"""Common subexpressions of the tick: computed once into locals instead of many times.

The lowered windows and sources repeat large expressions on every tick (a window's
total is a sum over all its buckets, and appears in several caps; "no alarm latched"
appears in every source). IR expressions are pure and total (floor division and modulo
only by positive literals, tables indexed by enum values), so computing one eagerly,
even where only a conditional branch uses it, changes no result.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

from ...ir import nodes as ir
from ...ir.visitor import children


def size(e: ir.Expr) -> int:
    return 1 + sum(size(c) for c in children(e))


def shared(roots: Iterable[ir.Expr], eligible: Callable[[ir.Expr], bool],
           min_size: int = 3) -> list[ir.Expr]:
    """Expressions worth one local each, in an order where each is defined after the
    shared expressions it contains (smallest first).

    Greedy, largest first: an expression occurring at least twice (counting a chosen
    one as a single opaque use, plus once for its own definition) is chosen, then the
    counts are redone. Deterministic: ties go to the first occurrence.
    """
    roots = list(roots)
    chosen: list[ir.Expr] = []
    chosen_set: set[ir.Expr] = set()
    sizes: dict[ir.Expr, int] = {}
    while True:
        counts: Counter[ir.Expr] = Counter()

        def walk(e: ir.Expr, top: bool, counts: Counter[ir.Expr] = counts) -> None:
            counts[e] += 1
            if e in chosen_set and not top:
                return
            for c in children(e):
                walk(c, False)

        for r in roots:
            walk(r, False)
        for c in chosen:
            walk(c, True)
        best = None
        for e, n in counts.items():
            if n < 2 or e in chosen_set or not children(e) or not eligible(e):
                continue
            s = sizes.setdefault(e, size(e))
            if s >= min_size and (best is None or s > sizes[best]):
                best = e
        if best is None:
            break
        chosen.append(best)
        chosen_set.add(best)
    return sorted(chosen, key=lambda e: sizes[e])
