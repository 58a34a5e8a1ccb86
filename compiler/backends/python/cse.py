"""Common subexpressions of the tick: computed once into locals instead of many times.

The lowered windows and sources repeat large expressions on every tick (a window's
total is a sum over all its buckets, and appears in several caps; "no alarm latched"
appears in every source). IR expressions are pure and total (floor division and modulo
only by positive literals, tables indexed by enum values), so computing one eagerly,
even where only a conditional branch uses it, changes no result.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import fields
from typing import Callable, Iterable, get_args

from ...ir import nodes as ir
from ...ir.visitor import children


class _Shapes:
    """Each distinct expression (distinct by ``==``) as a small int, its shape, computed
    bottom-up once per node object: O(size) for a whole tree. (Hashing a frozen IR node
    hashes its whole subtree on every call, which made counting occurrences quadratic in
    the length of a window's sum.)"""

    def __init__(self) -> None:
        self._of: dict[int, int] = {}  # id(node) -> shape; _nodes keeps every node alive
        self._nodes: list[ir.Expr] = []
        self._keys: dict[tuple, int] = {}
        self.first: list[ir.Expr] = []  # shape -> the first node seen with it
        self.kids: list[tuple[int, ...]] = []  # shape -> the shapes of its children
        self.size: list[int] = []  # shape -> nodes in its tree

    def __call__(self, e: ir.Expr) -> int:
        known = self._of.get(id(e))
        if known is not None:
            return known
        kids = tuple(self(c) for c in children(e))
        own = tuple(getattr(e, f.name) for f in fields(e) if f.compare
                    and not isinstance(getattr(e, f.name), _EXPRESSIONS)
                    and not (isinstance(getattr(e, f.name), tuple)
                             and any(isinstance(x, _EXPRESSIONS) for x in getattr(e, f.name))))
        key = (type(e), own, kids)
        shape = self._keys.get(key)
        if shape is None:
            shape = self._keys[key] = len(self.first)
            self.first.append(e)
            self.kids.append(kids)
            self.size.append(1 + sum(self.size[k] for k in kids))
        self._of[id(e)] = shape
        self._nodes.append(e)
        return shape


_EXPRESSIONS = get_args(ir.Expr)


def shared(roots: Iterable[ir.Expr], eligible: Callable[[ir.Expr], bool],
           min_size: int = 3) -> list[ir.Expr]:
    """Expressions worth one local each, in an order where each is defined after the
    shared expressions it contains (smallest first).

    Greedy, largest first: an expression occurring at least twice (counting a chosen
    one as a single opaque use, plus once for its own definition) is chosen, then the
    counts are redone. Deterministic: ties go to the first occurrence.
    """
    shapes = _Shapes()
    tops = [shapes(r) for r in roots]
    chosen: list[int] = []
    chosen_set: set[int] = set()
    worth: dict[int, bool] = {}  # shape -> eligible with children and min_size, asked once
    while True:
        counts: Counter[int] = Counter()

        def walk(s: int, top: bool, counts: Counter[int] = counts) -> None:
            counts[s] += 1
            if s in chosen_set and not top:
                return
            for c in shapes.kids[s]:
                walk(c, False)

        for t in tops:
            walk(t, False)
        for c in chosen:
            walk(c, True)
        best = None
        for s, n in counts.items():
            if n < 2 or s in chosen_set:
                continue
            if s not in worth:
                worth[s] = (bool(shapes.kids[s]) and shapes.size[s] >= min_size
                            and eligible(shapes.first[s]))
            if worth[s] and (best is None or shapes.size[s] > shapes.size[best]):
                best = s
        if best is None:
            break
        chosen.append(best)
        chosen_set.add(best)
    return [shapes.first[s] for s in sorted(chosen, key=lambda s: shapes.size[s])]
