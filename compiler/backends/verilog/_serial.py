"""Serial folds: a long sum over a window's buckets, or the largest or smallest of many
registers, computed one term a cycle (area).

``x0 * c0 + x1 * c1 + ... + x{n-1} * c{n-1}`` (constants ``c``, each ``x`` reading only
buckets of dose windows, e.g. an insulin-on-board curve) printed in parallel costs n
constant products and n - 1 wide adders; ``max(x0, ..., x{n-1})`` over registers (a
basal programme's highest rate) n - 1 comparators and multiplexers. Here one multiplier
or comparator and one adder or multiplexer take the terms in turn, a counter ``k``
selecting them:

    cycle t:      x_q <= x[k], c_q <= c[k]               (j1 = k - 1 mod n is in x_q)
    cycle t + 1:  p_q <= x_q * c_q  (a fold of max/min: x_q)   (j2 = k - 2 mod n)
    cycle t + 2:  acc <= j2 == 0 ? p_q : acc (+) p_q      (acc = term 0 (+) ... (+) term
                                                           j3, j3 = k - 3 mod n)
                  result <= acc (+) p_q when j2 == n - 1

where ``(+)`` is the fold's operation (``a + b``, or ``b > a ? b : a`` for max). The result
is a stage of the pipeline (_pipeline.py) whose latency is ``2n + 1`` cycles instead of 1:
with its operands' depth ``d``, once the registers and the latched event have been
stable for ``s`` cycles,

    s >= d + 1             =>  x_q (and c_q) hold term j1's operand (and constant)
    s >= d + 2             =>  p_q holds term j2
    s >= d + 3 + j3        =>  acc holds term 0 (+) ... (+) term j3
    s >= d + n + 2 + (j3 + 1 mod n)  =>  the result holds the whole fold (at most d + 2n + 1)

each by induction on time from the one before (the last: the result was loaded
``(j3 + 1 mod n) + 1`` cycles ago from an ``acc`` and a ``p_q`` that were settled then).
The formal section asserts these (``f_pipeline_<name>_*``), case by case of ``k``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...ir import nodes as ir
from ..common import subexpressions
from ._expr import Operand, VerilogPrinter, lit_signed, sbits, ubits

# A sum over window buckets, or a min/max of registers, of at least this many terms is
# printed serially.
SERIAL_TERMS = 8


@dataclass(frozen=True)
class Serial:
    """One serial fold: ``name`` is its result register (a signed ``width``-bit stage);
    ``op`` is ``+`` (term ``i`` is ``xs[i] * cs[i]``), ``max`` or ``min`` (term ``i`` is
    ``xs[i]``, ``cs`` empty); ``ranges[i]`` is term ``i``'s IR range."""

    name: str
    op: str
    width: int
    xs: tuple[Operand, ...]
    cs: tuple[int, ...]
    ranges: tuple[tuple[int, int], ...]
    comment: str

    @property
    def terms(self) -> int:
        return len(self.xs)

    @property
    def latency(self) -> int:
        """Cycles from settled operands to a settled sum (the stage's own depth)."""
        return 2 * self.terms + 1

    @property
    def k_width(self) -> int:
        return ubits(self.terms - 1)

    @property
    def x_width(self) -> int:
        return max(x.sbits for x in self.xs)

    @property
    def is_sum(self) -> bool:
        return self.op == "+"

    @property
    def c_width(self) -> int:
        return max((sbits(c, c) for c in self.cs), default=1)

    @property
    def acc_width(self) -> int:
        """Holds every term, every partial fold and every product of the multiplier."""
        if self.is_sum:
            lo = sum(min(a, 0) for a, _ in self.ranges)
            hi = sum(max(b, 0) for _, b in self.ranges)
        else:
            lo, hi = min(a for a, _ in self.ranges), max(b for _, b in self.ranges)
        return max(sbits(lo, hi), self.x_width, self.c_width, self.width)

    @property
    def what(self) -> str:
        return "sum" if self.is_sum else self.op

    def fold(self, acc: str, term: str) -> str:
        """``acc (+) term``: the fold's operation on two signed texts of one width."""
        if self.is_sum:
            return f"{acc} + {term}"
        cmp = ">" if self.op == "max" else "<"
        return f"(({term} {cmp} {acc}) ? {term} : {acc})"

    def reg(self, part: str) -> str:
        return f"{self.name}_{part}"

    def k_is(self, v: int) -> str:
        return f"({self.reg('k')} == {self.k_width}'d{v % self.terms})"

    # -- the design

    def lines(self) -> list[str]:
        n, kw, xw, cw, aw = self.terms, self.k_width, self.x_width, self.c_width, self.acc_width
        k, x, c, p, acc, nxt = (self.reg(s) for s in ("k", "x", "c", "p", "acc", "next"))
        pad = 1 << kw  # the selects index a power of two of entries: the last one repeats
        xs = [op.fit(xw) for op in self.xs] + [self.xs[-1].fit(xw)] * (pad - n)
        sx, sc = Operand(x, xw, "signed"), Operand(c, cw, "signed")
        out = [
            f"// serial {self.what} {self.name} = {self.comment}: {n} terms, one a cycle; it "
            f"settles {self.latency} cycles after its operands",
            f"reg [{kw - 1}:0] {k};  // the term selected in this cycle",
            f"reg signed [{xw - 1}:0] {x};  // term k - 1: its operand",
        ]
        if self.is_sum:
            out.append(f"reg signed [{cw - 1}:0] {c};  // term k - 1: its constant")
        out += [
            f"reg signed [{aw - 1}:0] {p};  // term k - 2",
            f"reg signed [{aw - 1}:0] {acc};  // terms 0 .. k - 3",
            f"reg signed [{self.width - 1}:0] {self.name};",
            f"wire [{pad * xw - 1}:0] {self.reg('xs')} = {{{', '.join(reversed(xs))}}};",
        ]
        if self.is_sum:
            cs = [lit_signed(v, cw) for v in self.cs] + [lit_signed(self.cs[-1], cw)] * (pad - n)
            out.append(f"wire [{pad * cw - 1}:0] {self.reg('cs')} = {{{', '.join(reversed(cs))}}};")
        # term 0 starts the fold; every later term is folded into the accumulator
        out.append(f"wire signed [{aw - 1}:0] {nxt} = {self.k_is(2)} ? {p} : {self.fold(acc, p)};")
        out += [
            "always @(posedge clk) begin",
            f"    {k} <= (rst || {self.k_is(n - 1)}) ? {kw}'d0 : {k} + {kw}'d1;",
            f"    {x} <= $signed({self.reg('xs')}[{k} * {xw} +: {xw}]);",
        ]
        if self.is_sum:
            out += [f"    {c} <= $signed({self.reg('cs')}[{k} * {cw} +: {cw}]);",
                    f"    {p} <= {sx.fit(aw)} * {sc.fit(aw)};"]
        else:
            out.append(f"    {p} <= {sx.fit(aw) if aw > xw else x};")
        out += [
            f"    {acc} <= {nxt};",
            f"    if ({self.k_is(1)}) {self.name} <= {nxt}"
            + (f"[{self.width - 1}:0];" if self.width < aw else ";"),
            "end",
        ]
        return out

    # -- the formal section

    def term(self, i: int) -> str:
        aw = self.acc_width
        if self.is_sum:
            return f"({self.xs[i].fit(aw)} * {lit_signed(self.cs[i], aw)})"
        return self.xs[i].fit(aw)

    def partial(self, j: int) -> str:
        """The formal wire holding terms 0 .. j folded from the left (:meth:`folds`)."""
        return f"f_{self.name}_fold{j}"

    def folds(self) -> list[str]:
        """The formal section's wires of the partial folds, each from the one before."""
        aw = self.acc_width
        out = [f"wire signed [{aw - 1}:0] {self.partial(0)} = {self.term(0)};"]
        for j in range(1, self.terms):
            out.append(f"wire signed [{aw - 1}:0] {self.partial(j)} = "
                       f"{self.fold(self.partial(j - 1), self.term(j))};")
        return out

    def by_k(self, arm) -> str:
        """A chain over the counter's values, ``arm(v)`` for ``k == v``; out of range: false."""
        return "(" + "".join(f"{self.k_is(v)} ? {arm(v)} : " for v in range(self.terms)) + "1'b0)"

    def conditions(self, depth: int) -> list[tuple[str, str, str]]:
        """(part, text, condition) of the four invariants, the operands' depth ``depth``."""
        n, aw = self.terms, self.acc_width
        x, c, p, acc = (self.reg(s) for s in ("x", "c", "p", "acc"))

        def operand(v: int) -> str:
            j = (v - 1) % n
            same = f"({x} == {self.xs[j].fit(self.x_width)})"
            return (f"({same} && ({c} == {lit_signed(self.cs[j], self.c_width)}))"
                    if self.is_sum else same)

        def partial(v: int) -> str:
            j = (v - 3) % n
            return f"((f_settle < {depth + 3 + j}) || ({acc} == {self.partial(j)}))"

        def total(v: int) -> str:
            wait = depth + n + 2 + ((v - 3 + 1) % n)
            mine = Operand(self.name, self.width, "signed").fit(aw)
            return f"((f_settle < {wait}) || ({mine} == {self.partial(n - 1)}))"

        return [
            ("k", "its counter stays below the number of terms",
             f"({self.reg('k')} <= {self.k_width}'d{n - 1})"),
            ("operand", "its operand register holds term k - 1's once settled for "
             f"{depth + 1} cycles", f"((f_settle < {depth + 1}) || {self.by_k(operand)})"),
            ("product", f"its product register holds term k - 2 once settled for {depth + 2} "
             "cycles", f"((f_settle < {depth + 2}) || "
             f"{self.by_k(lambda v: f'({p} == {self.term((v - 2) % n)})')})"),
            ("partial", "its accumulator holds terms 0 .. k - 3 once settled for "
             f"{depth} + 3 + (k - 3 mod {n}) cycles", self.by_k(partial)),
            ("result", f"the result holds every term once settled for {depth} + {n} + 2 + "
             f"(k - 2 mod {n}) cycles (at most {depth + self.latency})", self.by_k(total)),
        ]


class SerialPrinter(VerilogPrinter):
    """The design's printer, with serial folds (``serials``):

    * a sum of at least :data:`SERIAL_TERMS` terms, each a constant times an expression
      reading only the buckets of dose windows (``buckets``), instead of a chain of
      adders. A sum that continues past such terms (``IOB + amount * 100``) reads the
      serial sum of its first terms: the IR's sums are left-associative, so that sum is
      a node of its own, shared by every reader;
    * a ``max`` or ``min`` of at least :data:`SERIAL_TERMS` variables (a table's entries)
      instead of a tree of comparators.
    """

    def __init__(self, var, state: str, buckets: frozenset[str]):
        super().__init__(var, state)
        self.for_synthesis = True
        self.buckets = buckets
        self.serials: list[Serial] = []

    def serial(self, e: ir.Binary) -> Operand | None:
        terms: list[ir.Expr] = []
        node: ir.Expr = e
        while isinstance(node, ir.Binary) and node.op == ir.BinaryOp.ADD:
            terms.append(node.right)
            node = node.left
        terms.append(node)
        if len(terms) < SERIAL_TERMS:
            return None
        scaled = [self._scaled(t) for t in reversed(terms)]
        if any(s is None for s in scaled):
            return None
        return self._add(e, "+", [x for x, _, _ in scaled], [c for _, c, _ in scaled],
                         [r for _, _, r in scaled], f"{len(terms)} weighted bucket terms")

    def visit_MinMax(self, e: ir.MinMax) -> Operand:
        if len(e.args) < SERIAL_TERMS or not all(isinstance(x, ir.Var) for x in e.args):
            return super().visit_MinMax(e)
        return self._add(e, str(e.op), list(e.args), [], [(x.type.lo, x.type.hi) for x in e.args],
                         f"{e.op} of {len(e.args)} registers")

    def _add(self, e: ir.Expr, op: str, xs: list[ir.Expr], cs: list[int],
             ranges: list[tuple[int, int]], what: str) -> Operand:
        out = Serial(f"ser{len(self.serials)}", op, sbits(e.type.lo, e.type.hi),
                     tuple(self.operand(x) for x in xs), tuple(cs), tuple(ranges),
                     f"{what}, {e.type.lo}..{e.type.hi}")
        self.serials.append(out)
        return Operand(out.name, out.width, "signed")

    def _scaled(self, t: ir.Expr) -> tuple[ir.Expr, int, tuple[int, int]] | None:
        """``t`` as (x, c) with ``t == x * c``, x reading window buckets only; or None."""
        x, c = t, 1
        if isinstance(t, ir.Binary) and t.op == ir.BinaryOp.MUL:
            if isinstance(t.right, ir.Lit):
                x, c = t.left, t.right.value
            elif isinstance(t.left, ir.Lit):
                x, c = t.right, t.left.value
        leaves = [n for n in subexpressions(x) if not isinstance(n, (ir.Binary, ir.Unary))]
        if not leaves or not isinstance(x.type, ir.IntType) or not all(
                isinstance(n, ir.Lit) or (isinstance(n, ir.Var) and n.name in self.buckets)
                for n in leaves) or not any(isinstance(n, ir.Var) for n in leaves):
            return None
        return x, int(c), (t.type.lo, t.type.hi)
