"""Serial folds: a long sum over a window's buckets, the largest or smallest of many
registers, or one of them read at a run-time index, computed one term a cycle (area).

``x0 * c0 + x1 * c1 + ... + x{n-1} * c{n-1}`` (constants ``c``, each ``x`` reading only
buckets of dose windows, e.g. an insulin-on-board curve) printed in parallel costs n
constant products and n - 1 wide adders; ``max(x0, ..., x{n-1})`` over registers (a
basal programme's highest rate) n - 1 comparators and multiplexers; ``x[i]`` (the
programme's rate at the hour ``i``) an n-way multiplexer per bit. Here one multiplier or
comparator and one adder or multiplexer take the terms in turn, a counter ``k``
selecting them. The counter, operand and product registers form a *walk* over the
terms, shared by every fold over the same terms (the programme's ``max`` and its reads
at three different hours walk its entries once, through one multiplexer):

    cycle t:      x_q <= x[k], c_q <= c[k]               (j1 = k - 1 mod n is in x_q)
    cycle t + 1:  p_q <= x_q * c_q  (otherwise: x_q)     (j2 = k - 2 mod n)
    cycle t + 2:  acc <= j2 == 0 ? p_q : acc (+) p_q      (acc = term 0 (+) ... (+) term
                                                           j3, j3 = k - 3 mod n)
                  result <= acc (+) p_q when j2 == n - 1

where ``(+)`` is the fold's operation: ``a + b``; ``b > a ? b : a`` for max; for a read
``hit(j2) ? b : a``, ``hit(j)`` being whether the index reads term ``j`` (registered
alongside ``x_q`` and ``p_q``), so the fold keeps the term the index reads. The result
is a stage of the pipeline (_pipeline.py) whose latency is ``2n + 1`` cycles instead of 1:
with its operands' depth ``d`` (the terms' and the index's; the walk's own is the
terms'), once the registers and the latched event have been stable for ``s`` cycles,

    s >= d + 1             =>  x_q (and c_q) hold term j1's operand (and constant)
    s >= d + 2             =>  p_q holds term j2
    s >= d + 3 + j3        =>  acc holds term 0 (+) ... (+) term j3
    s >= d + n + 2 + (j3 + 1 mod n)  =>  the result holds the whole fold (at most d + 2n + 1)

each by induction on time from the one before (the last: the result was loaded
``(j3 + 1 mod n) + 1`` cycles ago from an ``acc`` and a ``p_q`` that were settled then).
The formal section asserts these, case by case of ``k``: the walk's
(``f_pipeline_<walk>_{k,operand,product}``) and each fold's
(``f_pipeline_<name>_{hit,partial,result}``).

A walk over the elements of a table kept in a RAM (_table_ram.py) has no multiplexer:
its operand register is the RAM's registered read of word ``k`` (with the word's
written flag), the same timing as ``x_q <= x[k]``; its formal invariants read the
table's ghost elements.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ...ir import nodes as ir
from ..common import subexpressions
from ._expr import Operand, Printed, VerilogPrinter, lit_signed, sbits, select_index, ubits

if TYPE_CHECKING:
    from ._table_ram import TableRam

# A sum over window buckets, a min/max of registers, or a read of registers at a run-time
# index, of at least this many terms is printed serially.
SERIAL_TERMS = 8


def sum_terms(e: ir.Expr) -> list[ir.Expr]:
    """The terms of the left-nested sum ``e`` (``ir.build.total``'s chains), first first;
    ``[e]`` when ``e`` is no sum."""
    terms: list[ir.Expr] = []
    while isinstance(e, ir.Binary) and e.op == ir.BinaryOp.ADD:
        terms.append(e.right)
        e = e.left
    terms.append(e)
    return terms[::-1]


def may_fold(e: ir.Expr) -> bool:
    """Whether :class:`SerialPrinter` may print ``e`` as a serial fold, by its shape alone
    (a sum of SERIAL_TERMS terms or more, a max/min of as many, a table read): what the
    narrowing (_narrow.py) keeps whole."""
    if isinstance(e, (ir.Select, ir.Table)):
        return True
    if isinstance(e, ir.MinMax):
        return len(e.args) >= SERIAL_TERMS
    return len(sum_terms(e)) >= SERIAL_TERMS


@dataclass(frozen=True)
class Walk:
    """The registers that take a fold's terms in turn, shared by every fold over the same
    terms (a programme's ``max`` and its reads at run-time hours): the counter ``k``, the
    operand ``x`` (and, for a weighted sum, the constant ``c``) of term k - 1, and ``p``,
    term k - 2 (``x * c``, or a copy of ``x``). ``ranges[i]`` is term ``i``'s IR range.
    ``name`` is the first fold's: its registers are ``<name>_k`` .. ``<name>_p``."""

    name: str
    xs: tuple[Operand, ...]
    cs: tuple[int, ...]  # a weighted sum's constants; empty: p is a copy of x
    ranges: tuple[tuple[int, int], ...]
    # the terms are the words of a table's RAM (_table_ram.py): ``x`` is its registered
    # read of word k - 1 (``ram``, a wire), and the formal section reads the elements'
    # ghost registers (``formal_xs``) instead of the words
    ram: Operand | None = None
    formal_xs: tuple[Operand, ...] = ()

    @property
    def terms(self) -> int:
        return len(self.xs)

    @property
    def k_width(self) -> int:
        return ubits(self.terms - 1)

    @property
    def x_width(self) -> int:
        return max(x.sbits for x in self.xs)

    @property
    def c_width(self) -> int:
        return max((sbits(c, c) for c in self.cs), default=1)

    @property
    def p_width(self) -> int:
        """Holds every term (every product of the multiplier)."""
        return max([sbits(lo, hi) for lo, hi in self.ranges] + [self.x_width, self.c_width])

    def reg(self, part: str) -> str:
        return f"{self.name}_{part}"

    def k_is(self, v: int) -> str:
        return f"({self.reg('k')} == {self.k_width}'d{v % self.terms})"

    def by_k(self, arm) -> str:
        """A chain over the counter's values, ``arm(v)`` for ``k == v``; out of range: false."""
        return "(" + "".join(f"{self.k_is(v)} ? {arm(v)} : " for v in range(self.terms)) + "1'b0)"

    @property
    def formal_terms(self) -> tuple[Operand, ...]:
        """The terms' operands as the formal section reads them."""
        return self.formal_xs or self.xs

    def term(self, i: int, w: int) -> str:
        """Term ``i`` as the formal section computes it, signed ``w`` bits."""
        x = self.formal_terms[i]
        if self.cs:
            return f"({x.fit(w)} * {lit_signed(self.cs[i], w)})"
        return x.fit(w)

    def lines(self) -> list[str]:
        n, kw, xw, cw, pw = self.terms, self.k_width, self.x_width, self.c_width, self.p_width
        k, x, c, p = (self.reg(s) for s in ("k", "x", "c", "p"))
        pad = 1 << kw  # the selects index a power of two of entries: the last one repeats
        xs = [op.fit(xw) for op in self.xs] + [self.xs[-1].fit(xw)] * (pad - n)
        sx, sc = Operand(x, xw, "signed"), Operand(c, cw, "signed")
        out = [
            f"// the terms of {self.name}, one a cycle",
            f"reg [{kw - 1}:0] {k};  // the term selected in this cycle",
        ]
        if self.ram is not None:
            out.append(f"wire signed [{xw - 1}:0] {x} = {self.ram.fit(xw)};  "
                       "// term k - 1: its operand, read from the RAM")
        else:
            out.append(f"reg signed [{xw - 1}:0] {x};  // term k - 1: its operand")
        if self.cs:
            out.append(f"reg signed [{cw - 1}:0] {c};  // term k - 1: its constant")
        out.append(f"reg signed [{pw - 1}:0] {p};  // term k - 2")
        if self.ram is None:
            out.append(f"wire [{pad * xw - 1}:0] {self.reg('xs')} = {{{', '.join(reversed(xs))}}};")
        if self.cs:
            cs = [lit_signed(v, cw) for v in self.cs] + [lit_signed(self.cs[-1], cw)] * (pad - n)
            out.append(f"wire [{pad * cw - 1}:0] {self.reg('cs')} = {{{', '.join(reversed(cs))}}};")
        out += [
            "always @(posedge clk) begin",
            f"    {k} <= (rst || {self.k_is(n - 1)}) ? {kw}'d0 : {k} + {kw}'d1;",
        ]
        if self.ram is None:
            out.append(f"    {x} <= $signed({self.reg('xs')}[{k} * {xw} +: {xw}]);")
        if self.cs:
            out += [f"    {c} <= $signed({self.reg('cs')}[{k} * {cw} +: {cw}]);",
                    f"    {p} <= {sx.fit(pw)} * {sc.fit(pw)};"]
        else:
            out.append(f"    {p} <= {sx.fit(pw) if pw > xw else x};")
        out.append("end")
        return out

    def conditions(self, depth: int) -> list[tuple[str, str, str]]:
        """(part, text, condition) of the walk's invariants, its terms' depth ``depth``."""
        n, x, c, p = self.terms, self.reg("x"), self.reg("c"), self.reg("p")

        def operand(v: int) -> str:
            j = (v - 1) % n
            same = f"({x} == {self.formal_terms[j].fit(self.x_width)})"
            return (f"({same} && ({c} == {lit_signed(self.cs[j], self.c_width)}))"
                    if self.cs else same)

        return [
            ("k", "its counter stays below the number of terms",
             f"({self.reg('k')} <= {self.k_width}'d{n - 1})"),
            ("operand", "its operand register holds term k - 1's once settled for "
             f"{depth + 1} cycles", f"((f_settle < {depth + 1}) || {self.by_k(operand)})"),
            ("product", f"its product register holds term k - 2 once settled for {depth + 2} "
             "cycles", f"((f_settle < {depth + 2}) || "
             f"{self.by_k(lambda v: f'({p} == {self.term((v - 2) % n, self.p_width)})')})"),
        ]


@dataclass(frozen=True)
class Serial:
    """One serial fold over the terms of ``walk``: ``name`` is its result register (a
    signed ``width``-bit stage); ``op`` is ``+``, ``max``, ``min`` or ``select`` (the term
    at ``index - lo``: a table variable read at a run-time index)."""

    name: str
    op: str
    width: int
    walk: Walk
    comment: str
    index: Operand | None = None  # select only
    lo: int = 0

    @property
    def terms(self) -> int:
        return self.walk.terms

    @property
    def latency(self) -> int:
        """Cycles from settled operands to a settled fold (the stage's own depth)."""
        return 2 * self.terms + 1

    @property
    def is_sum(self) -> bool:
        return self.op == "+"

    @property
    def acc_width(self) -> int:
        """Holds every term and every partial fold."""
        ranges = self.walk.ranges
        if self.is_sum:
            lo = sum(min(a, 0) for a, _ in ranges)
            hi = sum(max(b, 0) for _, b in ranges)
        else:
            lo, hi = min(a for a, _ in ranges), max(b for _, b in ranges)
        return max(sbits(lo, hi), self.walk.p_width, self.width)

    @property
    def what(self) -> str:
        return "sum" if self.is_sum else self.op

    def reg(self, part: str) -> str:
        return f"{self.name}_{part}"

    def hit(self, j: int | str) -> str:
        """Whether a select's index reads term ``j`` (a number, or the counter's register),
        by the rule of every table read (:func:`select_index`): term ``n - 1`` where no
        other term's matches."""
        assert self.index is not None
        n, lo, kw = self.terms, self.lo, self.walk.k_width
        sel, iw = select_index(self.index, lo, n)
        last = f"({sel} > {iw}'d{lo + n - 2})"
        if lo:
            last = f"(({sel} < {iw}'d{lo}) || {last})"
        if isinstance(j, int):
            return last if j == n - 1 else f"({sel} == {iw}'d{lo + j})"
        return f"(({j} == {kw}'d{n - 1}) ? {last} : ({sel} == {iw}'d{lo} + {j}))"

    def fold(self, acc: str, term: str, hit: str = "") -> str:
        """``acc (+) term``: the fold's operation on two signed texts of one width (a
        select's keeps ``term`` where ``hit``, the index reading it, holds)."""
        if self.is_sum:
            return f"{acc} + {term}"
        if self.op == "select":
            return f"({hit} ? {term} : {acc})"
        cmp = ">" if self.op == "max" else "<"
        return f"(({term} {cmp} {acc}) ? {term} : {acc})"

    # -- the design

    def lines(self) -> list[str]:
        n, aw, walk = self.terms, self.acc_width, self.walk
        acc, nxt, h, ph = (self.reg(s) for s in ("acc", "next", "h", "ph"))
        out = [f"// serial {self.what} {self.name} = {self.comment}: {n} terms, one a cycle "
               f"({walk.name}'s); it settles {self.latency} cycles after its operands"]
        if self.op == "select":
            out += [f"reg {h};  // the index reads term k - 1", f"reg {ph};  // ... term k - 2"]
        term = Operand(walk.reg("p"), walk.p_width, "signed").fit(aw)
        out += [
            f"reg signed [{aw - 1}:0] {acc};  // terms 0 .. k - 3",
            f"reg signed [{self.width - 1}:0] {self.name};",
            # term 0 starts the fold; every later term is folded into the accumulator
            f"wire signed [{aw - 1}:0] {nxt} = {walk.k_is(2)} ? {term} : "
            f"{self.fold(acc, term, ph)};",
            "always @(posedge clk) begin",
        ]
        if self.op == "select":
            k = walk.reg("k")
            out += [f"    {h} <= {self.hit(k)};", f"    {ph} <= {h};"]
        out += [
            f"    {acc} <= {nxt};",
            f"    if ({walk.k_is(1)}) {self.name} <= {nxt}"
            + (f"[{self.width - 1}:0];" if self.width < aw else ";"),
            "end",
        ]
        return out

    # -- the formal section

    def partial(self, j: int) -> str:
        """The formal wire holding terms 0 .. j folded from the left (:meth:`folds`)."""
        return f"f_{self.name}_fold{j}"

    def folds(self) -> list[str]:
        """The formal section's wires of the partial folds, each from the one before."""
        aw, walk = self.acc_width, self.walk
        out = [f"wire signed [{aw - 1}:0] {self.partial(0)} = {walk.term(0, aw)};"]
        for j in range(1, self.terms):
            hit = self.hit(j) if self.op == "select" else ""
            out.append(f"wire signed [{aw - 1}:0] {self.partial(j)} = "
                       f"{self.fold(self.partial(j - 1), walk.term(j, aw), hit)};")
        return out

    def conditions(self, depth: int) -> list[tuple[str, str, str]]:
        """(part, text, condition) of the fold's invariants, its operands' depth ``depth``
        (its walk's invariants: :meth:`Walk.conditions`)."""
        n, aw, walk = self.terms, self.acc_width, self.walk
        acc, h, ph = self.reg("acc"), self.reg("h"), self.reg("ph")

        def partial(v: int) -> str:
            j = (v - 3) % n
            return f"((f_settle < {depth + 3 + j}) || ({acc} == {self.partial(j)}))"

        def total(v: int) -> str:
            wait = depth + n + 2 + ((v - 3 + 1) % n)
            mine = Operand(self.name, self.width, "signed").fit(aw)
            return f"((f_settle < {wait}) || ({mine} == {self.partial(n - 1)}))"

        def hits(v: int) -> str:
            now, before = (self.hit((v - d) % n) for d in (1, 2))
            return (f"(((f_settle < {depth + 1}) || ({h} == {now})) && "
                    f"((f_settle < {depth + 2}) || ({ph} == {before})))")

        out = []
        if self.op == "select":
            out.append(("hit", f"its hit registers hold whether the index reads term k - 1 "
                        f"(k - 2) once settled for {depth + 1} ({depth + 2}) cycles",
                        walk.by_k(hits)))
        return out + [
            ("partial", "its accumulator holds terms 0 .. k - 3 once settled for "
             f"{depth} + 3 + (k - 3 mod {n}) cycles", walk.by_k(partial)),
            ("result", f"the result holds every term once settled for {depth} + {n} + 2 + "
             f"(k - 2 mod {n}) cycles (at most {depth + self.latency})", walk.by_k(total)),
        ]


class SerialPrinter(VerilogPrinter):
    """The design's printer, with serial folds (``serials``):

    * a sum of at least :data:`SERIAL_TERMS` terms, each a constant times an expression
      reading only the buckets of dose windows (``buckets``), instead of a chain of
      adders. A sum that continues past such terms (``IOB + amount * 100``) reads the
      serial sum of its first terms: the IR's sums are left-associative, so that sum is
      a node of its own, shared by every reader;
    * a ``max`` or ``min`` of at least :data:`SERIAL_TERMS` variables (a table's entries)
      instead of a tree of comparators;
    * a read of at least :data:`SERIAL_TERMS` variables at a run-time index (a table's
      entries) instead of a multiplexer.

    Folds over the same terms share one :class:`Walk` (a programme's ``max`` and its
    reads at several hours walk its entries once); each keeps its own accumulator.
    """

    def __init__(self, var, state: str, buckets: frozenset[str]):
        super().__init__(var, state)
        self.for_synthesis = True
        self.buckets = buckets
        # tables in a RAM (_table_ram.py), by their elements' registers: a walk over
        # them reads the RAM
        self.tables: dict[tuple[str, ...], TableRam] = {}
        self.serials: list[Serial] = []
        self._walks: dict[tuple, Walk] = {}  # (operands, constants) -> their walk

    def serial(self, e: ir.Binary) -> Operand | None:
        terms = sum_terms(e)
        if len(terms) < SERIAL_TERMS:
            return None
        scaled = [self._scaled(t) for t in terms]
        if any(s is None for s in scaled):
            return None
        return self._add(e, "+", [x for x, _, _ in scaled], [c for _, c, _ in scaled],
                         [r for _, _, r in scaled], f"{len(terms)} weighted bucket terms")

    def visit_MinMax(self, e: ir.MinMax) -> Operand:
        if len(e.args) < SERIAL_TERMS or not all(isinstance(x, ir.Var) for x in e.args):
            return super().visit_MinMax(e)
        return self._add(e, str(e.op), list(e.args), [], [(x.type.lo, x.type.hi) for x in e.args],
                         f"{e.op} of {len(e.args)} registers")

    def visit_Select(self, e: ir.Select) -> Printed:
        if (len(e.elements) < SERIAL_TERMS or not isinstance(e.type, ir.IntType)
                or not all(isinstance(x, ir.Var) for x in e.elements)):
            return super().visit_Select(e)
        return self._add(e, "select", list(e.elements), [],
                         [(x.type.lo, x.type.hi) for x in e.elements],
                         f"{e.array}[...] of {len(e.elements)} registers",
                         index=self.operand(e.index), lo=e.lo)

    def _add(self, e: ir.Expr, op: str, xs: list[ir.Expr], cs: list[int],
             ranges: list[tuple[int, int]], what: str, index: Operand | None = None,
             lo: int = 0) -> Operand:
        name = f"ser{len(self.serials)}"
        operands = tuple(self.operand(x) for x in xs)
        key = (operands, tuple(cs))
        if key not in self._walks:
            table = None if cs else self.tables.get(tuple(op.text for op in operands))
            if table is None:
                self._walks[key] = Walk(name, operands, tuple(cs), tuple(ranges))
            else:
                table.walk_k = f"{name}_k"
                self._walks[key] = Walk(name, operands, (), tuple(ranges), table.read,
                                        tuple(replace(op, text=g) for op, g in
                                              zip(operands, table.ghosts, strict=True)))
        walk = self._walks[key]
        out = Serial(name, op, sbits(e.type.lo, e.type.hi), walk,
                     f"{what}, {e.type.lo}..{e.type.hi}", index, lo)
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
