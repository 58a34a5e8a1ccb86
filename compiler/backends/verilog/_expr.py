"""The Verilog expression printer: a visitor over IR expressions.

Every integer intermediate becomes a named ``wire signed [W-1:0]`` whose width ``W`` is
the smallest two's-complement width holding the node's IR interval (``IntType.lo/hi``
is the exact range, so nothing can wrap). An operation is computed at the widest width
among its operands and its result — modular arithmetic at a width that holds every
true value is exact — and then narrowed to the node's own width. Operands are widened
by explicit sign or zero extension, so every Verilog operator sees operands of one
width and signedness (clean under ``verilator -Wall``; no context-dependent sizing).

Booleans print inline (``&&``, ``||``, ``!``, comparisons); enum values are unsigned
member indices of ``ubits(members - 1)`` bits. Floor division and floor modulo by a
positive constant are exact for negative dividends too: a comparison chain when the
quotient takes few values, an arithmetic shift / mask for powers of two, else restoring
long division unrolled into one subtraction and one multiplexer wire per quotient bit
(no Verilog ``/`` or ``%``: the pipeline stages the unrolled steps like any other wires).

Identical subexpressions share one wire (IR nodes are hashable; spans do not compare).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...ir import nodes as ir
from ..common import BackendError, ExprVisitor, subexpressions

# A quotient with at most this many distinct values is printed as a comparison chain.
SMALL_QUOTIENT = 8
# A table read with more elements than this is an indexed part-select of the elements'
# concatenation (yosys builds a balanced multiplexer tree: log2 n levels) instead of a
# chain of n - 1 equality tests and multiplexers.
INDEXED_SELECT = 4



def negate(x: str) -> str:
    """The Verilog negation of the boolean text ``x``. A unary operator takes a primary,
    and Icarus refuses `!!c`: a text that starts with `!` is parenthesised, `!(!c)`."""
    return f"!({x})" if x.startswith("!") else f"!{x}"

def ubits(hi: int) -> int:
    """Bits of an unsigned register holding 0..hi."""
    return max(1, int(hi).bit_length())


def sbits(lo: int, hi: int) -> int:
    """Bits of a two's-complement value holding lo..hi."""
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


def select_index(index: "Operand", lo: int, n: int) -> tuple[str, int]:
    """How a read of ``n`` table elements from index ``lo`` reads its index: as an unsigned
    number of ``iw`` bits, those of the last index ``lo + n - 1``; element ``k`` where it
    equals ``lo + k``, the last element where no other matches. Returns (that text, iw).
    The front end proves the index lies in range; the rule also fixes the value read for
    an index out of range (a parameter's bits while another event is latched), which
    every printer of a read must agree on."""
    iw = ubits(lo + n - 1)
    return index.unsigned(iw), iw


def clamped(e: ir.MinMax) -> tuple[ir.Expr, int, int] | None:
    """``(x, lo, hi)`` when ``e`` is ``max(min(x, hi), lo)`` or ``min(max(x, lo), hi)``
    for constants ``lo < hi``, else None."""
    def split(m: ir.Expr, op: ir.MinMaxOp) -> tuple[ir.Expr, int] | None:
        if not isinstance(m, ir.MinMax) or m.op != op or len(m.args) != 2:
            return None
        x, c = m.args
        if isinstance(x, ir.Lit):
            x, c = c, x
        return (x, c.value) if isinstance(c, ir.Lit) and not isinstance(x, ir.Lit) else None
    inner_op = ir.MinMaxOp.MIN if e.op == ir.MinMaxOp.MAX else ir.MinMaxOp.MAX
    outer = split(e, e.op)
    inner = split(outer[0], inner_op) if outer is not None else None
    if inner is None:
        return None
    (x, c_in), c_out = inner, outer[1]
    lo, hi = (c_out, c_in) if e.op == ir.MinMaxOp.MAX else (c_in, c_out)
    return (x, lo, hi) if lo < hi else None


def type_bits(t: ir.Type) -> int:
    """Register width of a declared (non-negative) variable or parameter type."""
    if isinstance(t, ir.BoolType):
        return 1
    if isinstance(t, ir.EnumType):
        return ubits(len(t.members) - 1)
    if t.lo < 0:
        raise BackendError(f"internal error: declared range {t} is negative")
    return ubits(t.hi)


def csd_digits(c: int) -> list[tuple[int, int]]:
    """The canonical signed-digit form of ``c``: ``(sign, k)`` pairs, lowest ``k`` first,
    with ``c == sum(sign * 2**k)`` and no two adjacent nonzero digits (the fewest
    nonzero digits of any signed-binary form)."""
    digits = []
    k = 0
    while c:
        if c & 1:
            sign = 2 - (c & 3)  # c = ...01 -> +1, c = ...11 -> -1 (then c + 1 ends in 00)
            digits.append((sign, k))
            c -= sign
        c >>= 1
        k += 1
    return digits


def shift_add(x: str, c: int, w: int) -> str:
    """``x * c`` for the signed ``w``-bit expression ``x`` and the constant ``c``, as shifts
    and adds of the canonical signed digits of ``c`` (a 99 is 128 - 32 + 4 - 1: three
    adders instead of a multiplier array). Every step is exact modulo ``2**w`` and the
    product fits ``w`` bits, so the result is the product even where a partial sum
    wraps."""
    digits = csd_digits(c)
    if not digits:
        return lit_signed(0, w)
    terms = []
    for i, (sign, k) in enumerate(reversed(digits)):
        term = x if k == 0 else f"({x} <<< {k})"
        if i == 0:
            terms.append(term if sign > 0 else f"-{term}")
        else:
            terms.append(f"{'+' if sign > 0 else '-'} {term}")
    return " ".join(terms)


def lit_signed(v: int, w: int) -> str:
    if v >= 0:
        return f"{w}'sd{v}"
    if -v < (1 << (w - 1)):
        return f"-{w}'sd{-v}"
    return f"$signed({w}'h{v & ((1 << w) - 1):x})"


@dataclass(frozen=True)
class Operand:
    """A printed integer: ``text`` is a Verilog primary (identifier or literal).

    kind: "lit" (``value`` set), "unsigned" (a non-negative register or port of
    ``width`` bits), "signed" (a signed wire of ``width`` bits).
    """

    text: str
    width: int
    kind: str
    value: int | None = None

    def fit(self, w: int) -> str:
        """This value as a signed expression of exactly ``w`` bits (widening only)."""
        if self.kind == "lit":
            return lit_signed(self.value, w)
        if self.kind == "unsigned":
            if w < self.width + 1:
                raise BackendError(f"internal error: {self.text} does not fit {w} bits")
            pad = w - self.width
            zeros = "1'b0" if pad == 1 else f"{{{pad}{{1'b0}}}}"
            return f"$signed({{{zeros}, {self.text}}})"
        if w < self.width:
            raise BackendError(f"internal error: {self.text} does not fit {w} bits")
        if w == self.width:
            return self.text
        pad = w - self.width
        sign = f"{self.text}[{self.width - 1}]"
        ext = sign if pad == 1 else f"{{{pad}{{{sign}}}}}"
        return f"$signed({{{ext}, {self.text}}})"

    @property
    def sbits(self) -> int:
        """Signed width needed to hold this operand."""
        if self.kind == "lit":
            return sbits(self.value, self.value)
        return self.width + 1 if self.kind == "unsigned" else self.width

    def unsigned(self, w: int) -> str:
        """This (non-negative by contract) value as an unsigned ``w``-bit expression, for
        a register of ``w`` bits: truncation keeps it exact because the value fits."""
        if self.kind == "lit":
            if not 0 <= self.value < (1 << w):
                raise BackendError(f"internal error: {self.value} does not fit {w} unsigned bits")
            return f"{w}'d{self.value}"
        if self.width == w:
            return self.text if self.kind == "unsigned" else f"$unsigned({self.text})"
        if self.width > w:
            return f"{self.text}[{w - 1}:0]"
        pad = w - self.width
        if self.kind == "unsigned":
            fill = "1'b0" if pad == 1 else f"{{{pad}{{1'b0}}}}"
        else:
            sign = f"{self.text}[{self.width - 1}]"
            fill = sign if pad == 1 else f"{{{pad}{{{sign}}}}}"
        return f"{{{fill}, {self.text}}}"


Printed = Operand | str  # ints/enums print to an Operand, booleans to an inline string


class VerilogPrinter(ExprVisitor[Printed]):
    """Prints IR expressions; collects the wire declarations they need (in order).

    ``names`` maps a Var name to its register identifier, ``param`` maps a Param name
    (of the event being printed) to its port slice identifier, ``let`` a LetRef name
    to its wire, ``state`` is the state register. The printer is reused across scopes:
    ``scope`` (e.g. the event name) keys the sharing of expressions that read params.
    """

    def __init__(self, var: Callable[[str], str], state: str, prefix: str = "t"):
        self._var = var
        self._state = state
        self._prefix = prefix
        self.param: Callable[[str], str] = lambda name: _no(f"parameter `{name}`")
        self.let: Callable[[str], str] = lambda name: _no(f"tick value `{name}`")
        self.scope = ""
        self.decls: list[str] = []
        self._cache: dict[tuple, Printed] = {}
        self._local: dict[ir.Expr, bool] = {}
        self._divisions: dict[tuple, LongDivision] = {}
        # expressions held in a register of the design (a dose window's running total):
        # printed as that register instead of being recomputed
        self.subst: dict[ir.Expr, Printed] = {}
        # printing the synthesised design: products by a constant as shifts and adds of
        # its canonical signed digits (fewer logic cells than yosys' multiplier), long
        # table reads as indexed part-selects. Off (the formal section, which a solver
        # reads and nothing synthesises): a Verilog `*` and a chain of equality tests.
        self.for_synthesis = False

    # -- entry points

    def boolean(self, e: ir.Expr) -> str:
        out = self.visit(e)
        if not isinstance(out, str):
            raise BackendError(f"internal error: expected a boolean, got {e!r}")
        return out

    def operand(self, e: ir.Expr) -> Operand:
        out = self.visit(e)
        if isinstance(out, str):
            raise BackendError(f"internal error: expected a number, got {e!r}")
        return out

    def assign(self, e: ir.Expr, t: ir.Type) -> str:
        """``e`` as the next value of a register of type ``t``."""
        if isinstance(t, ir.BoolType):
            return self.boolean(e)
        return self.operand(e).unsigned(type_bits(t))

    def visit(self, e: ir.Expr) -> Printed:
        if e in self.subst:
            return self.subst[e]
        held = self.held(e)
        if held is not None:
            return held
        key = self.scope_key(e)
        if key not in self._cache:
            self._cache[key] = super().visit(e)
        return self._cache[key]

    def held(self, e: ir.Expr) -> Printed | None:
        """A register that holds ``e``'s value, printed instead of ``e`` (a hook: none
        here). A hook rather than an override of :meth:`visit`, so that a nested
        expression costs a subclass no more stack than this printer."""
        return None

    def printed(self) -> list[tuple[tuple[ir.Expr, str], Operand]]:
        """Every integer expression printed so far: ((expression, scope), its operand);
        the scope is "" unless the expression reads a parameter or a tick value."""
        return [(key, op) for key, op in self._cache.items() if isinstance(op, Operand)]

    def scope_key(self, e: ir.Expr) -> tuple[ir.Expr, str]:
        """The key ``e`` is shared under in the current scope."""
        return (e, self.scope if self._reads_scope(e) else "")

    def _reads_scope(self, e: ir.Expr) -> bool:
        if e not in self._local:
            self._local[e] = any(isinstance(x, (ir.Param, ir.LetRef)) for x in subexpressions(e))
        return self._local[e]

    # -- wires

    def wire(self, w: int, value: str, comment: str = "") -> Operand:
        """Declare a signed wire of ``w`` bits holding ``value`` (one of this printer's)."""
        return self._wire(w, value, comment)

    def _wire(self, w: int, value: str, comment: str = "") -> Operand:
        name = f"{self._prefix}{len(self.decls)}"
        tail = f"  // {comment}" if comment else ""
        self.decls.append(f"wire signed [{w - 1}:0] {name} = {value};{tail}")
        return Operand(name, w, "signed")

    def _node(self, e: ir.Expr, compute_width: int, value: str) -> Operand:
        """Declare ``value`` (signed, ``compute_width`` bits) and narrow it to ``e``'s width."""
        t = e.type
        w = sbits(t.lo, t.hi)
        wide = self._wire(compute_width, value, f"{t.lo}..{t.hi}" if compute_width == w else "")
        if compute_width == w:
            return wide
        return self._wire(w, f"{wide.text}[{w - 1}:0]", f"{t.lo}..{t.hi}")

    # -- leaves

    def visit_Lit(self, e: ir.Lit) -> Printed:
        if isinstance(e.type, ir.BoolType):
            return "1'b1" if e.value else "1'b0"
        if isinstance(e.type, ir.EnumType):
            return Operand(f"{type_bits(e.type)}'d{e.value}", type_bits(e.type), "unsigned")
        return Operand(lit_signed(e.value, sbits(e.value, e.value)), sbits(e.value, e.value),
                       "lit", e.value)

    def _leaf(self, name: str, t: ir.Type) -> Printed:
        if isinstance(t, ir.BoolType):
            return name
        return Operand(name, type_bits(t), "unsigned")

    def visit_Var(self, e: ir.Var) -> Printed:
        if e.post:
            raise BackendError("internal error: a post-state read reached the RTL printer", e.span)
        return self._leaf(self._var(e.name), e.type)

    def visit_StateRef(self, e: ir.StateRef) -> Printed:
        if e.post:
            raise BackendError("internal error: a post-state read reached the RTL printer", e.span)
        return Operand(self._state, type_bits(e.type), "unsigned")

    def visit_Param(self, e: ir.Param) -> Printed:
        return self._leaf(self.param(e.name), e.type)

    def visit_LetRef(self, e: ir.LetRef) -> Printed:
        name = self.let(e.name)
        if isinstance(e.type, (ir.BoolType, ir.EnumType)):
            return self._leaf(name, e.type)
        return Operand(name, sbits(e.type.lo, e.type.hi), "signed")

    def visit_Accepted(self, e: ir.Accepted) -> Printed:
        raise BackendError("internal error: `accepted` reached the RTL printer", e.span)

    # -- operators

    def visit_Unary(self, e: ir.Unary) -> Printed:
        match e.op:
            case ir.UnaryOp.NOT:
                return self.negation(self.boolean(e.operand))
            case ir.UnaryOp.NEG:
                x = self.operand(e.operand)
                w = max(x.sbits, sbits(e.type.lo, e.type.hi))
                return self._node(e, w, f"-{x.fit(w)}")
            case _:
                raise BackendError(f"internal error: unknown operator `{e.op}`", e.span)

    def serial(self, e: ir.Binary) -> Operand | None:
        """``e`` (a sum) computed over several cycles, its result register (a hook: none
        here; _serial.SerialPrinter, the design's printer)."""
        return None

    def negation(self, text: str) -> str:
        """``not`` of a printed boolean."""
        return negate(text)

    def visit_Binary(self, e: ir.Binary) -> Printed:
        B = ir.BinaryOp
        match e.op:
            case B.AND | B.OR | B.IMPLIES:
                a, b = self.boolean(e.left), self.boolean(e.right)
                if e.op == B.IMPLIES:
                    return f"({negate(a)} || {b})"
                return f"({a} {'&&' if e.op == B.AND else '||'} {b})"
            case B.EQ | B.NE | B.LT | B.LE | B.GT | B.GE:
                return self._compare(e)
            case B.ADD | B.SUB | B.MUL:
                if e.op == B.ADD and self.for_synthesis:
                    serial = self.serial(e)
                    if serial is not None:
                        return serial
                a, b = self.operand(e.left), self.operand(e.right)
                w = max(a.sbits, b.sbits, sbits(e.type.lo, e.type.hi))
                if self.for_synthesis and e.op == B.MUL and (a.kind == "lit") != (b.kind == "lit"):
                    x, c = (b, a.value) if a.kind == "lit" else (a, b.value)
                    return self._node(e, w, shift_add(x.fit(w), c, w))
                return self._node(e, w, f"{a.fit(w)} {e.op} {b.fit(w)}")
            case B.FLOORDIV | B.MOD:
                a = self.operand(e.left)
                if not (isinstance(e.right, ir.Lit) and e.right.value > 0):
                    raise BackendError("internal error: `//` and `%` need a positive literal divisor",
                                       e.span)
                return self._divmod(e, a, e.right.value)
            case _:
                raise BackendError(f"internal error: unknown operator `{e.op}`", e.span)

    def _compare(self, e: ir.Binary) -> str:
        vop = str(e.op)  # Verilog spells the comparisons as the IR does
        if isinstance(e.left.type, ir.BoolType):
            return f"({self.boolean(e.left)} {vop} {self.boolean(e.right)})"
        a, b = self.operand(e.left), self.operand(e.right)
        if isinstance(e.left.type, ir.EnumType):
            w = max(a.width, b.width)
            return f"({a.unsigned(w)} {vop} {b.unsigned(w)})"
        w = max(a.sbits, b.sbits)
        return f"({a.fit(w)} {vop} {b.fit(w)})"

    def _divmod(self, e: ir.Binary, a: Operand, d: int) -> Operand:
        """Floor ``a // d`` or floor ``a % d`` (Python semantics) for a positive constant."""
        lo, hi = e.left.type.lo, e.left.type.hi
        qlo, qhi = lo // d, hi // d
        is_div = e.op == ir.BinaryOp.FLOORDIV
        wa = a.sbits
        if qhi - qlo + 1 <= SMALL_QUOTIENT:
            # q = the largest k with a >= k*d: a chain of comparisons, no divider.
            w = max(wa, sbits(qlo * d, qhi * d), sbits(lo - qhi * d, hi - qlo * d),
                    sbits(e.type.lo, e.type.hi))
            arms = []
            for k in range(qhi, qlo, -1):
                value = lit_signed(k, w) if is_div else f"{a.fit(w)} - {lit_signed(k * d, w)}"
                arms.append(f"({a.fit(w)} >= {lit_signed(k * d, w)}) ? {value} : ")
            last = lit_signed(qlo, w) if is_div else f"{a.fit(w)} - {lit_signed(qlo * d, w)}"
            return self._node(e, w, "".join(arms) + last)
        if d & (d - 1) == 0:
            shift = d.bit_length() - 1
            w = max(wa, sbits(e.type.lo, e.type.hi))
            if is_div:
                return self._node(e, w, f"{a.fit(w)} >>> {shift}")
            # floor modulo by 2**k is the low k bits, whatever the sign
            if not shift:
                return self._node(e, w, lit_signed(0, w))
            x = self._wire(w, a.fit(w))
            return self._node(e, w, f"$signed({{{w - shift}'d0, {x.text}[{shift - 1}:0]}})")
        division = self._division(a, d, lo, hi)
        out = division.quotient(self) if is_div else division.remainder(self)
        if out.width == sbits(e.type.lo, e.type.hi):
            return out
        w = max(out.sbits, sbits(e.type.lo, e.type.hi))
        return self._node(e, w, out.fit(w))

    def _division(self, a: Operand, d: int, lo: int, hi: int) -> LongDivision:
        """The long division of ``a`` (IR interval ``lo..hi``) by ``d``, shared by the
        floor quotient and the floor remainder of the same operand."""
        key = (a, d, lo, hi)
        if key not in self._divisions:
            self._divisions[key] = LongDivision.start(self, a, d, lo, hi)
        return self._divisions[key]

    def visit_Cond(self, e: ir.Cond) -> Printed:
        c = self.boolean(e.cond)
        if isinstance(e.type, ir.BoolType):
            return f"({c} ? {self.boolean(e.then)} : {self.boolean(e.orelse)})"
        a, b = self.operand(e.then), self.operand(e.orelse)
        if isinstance(e.type, ir.EnumType):
            w = type_bits(e.type)
            return self._enum_wire(w, f"{c} ? {a.unsigned(w)} : {b.unsigned(w)}")
        w = max(a.sbits, b.sbits, sbits(e.type.lo, e.type.hi))
        return self._node(e, w, f"{c} ? {a.fit(w)} : {b.fit(w)}")

    def _enum_wire(self, w: int, value: str) -> Operand:
        name = f"{self._prefix}{len(self.decls)}"
        self.decls.append(f"wire [{w - 1}:0] {name} = {value};")
        return Operand(name, w, "unsigned")

    def visit_MinMax(self, e: ir.MinMax) -> Printed:
        """A balanced tree of two-way selections, ceil(log2 n) deep (n - 1 of them, as a
        chain would use): a shorter path for timing, and a shallow argument for the RTL
        proofs (``max(xs) <= y`` implies every ``x <= y`` through a few comparisons
        instead of a chain of n - 1, which the SMT solvers do not close)."""
        clamp = clamped(e)
        if clamp is not None:
            return self._clamp(e, *clamp)
        args = [self.operand(x) for x in e.args]
        w = max([x.sbits for x in args] + [sbits(e.type.lo, e.type.hi)])
        match e.op:
            case ir.MinMaxOp.MIN:
                cmp = "<"
            case ir.MinMaxOp.MAX:
                cmp = ">"
            case _:
                raise BackendError(f"internal error: unknown function `{e.op}`", e.span)
        level = args
        while len(level) > 1:
            paired = []
            for a, x in zip(level[::2], level[1::2], strict=False):
                value = f"({x.fit(w)} {cmp} {a.fit(w)}) ? {x.fit(w)} : {a.fit(w)}"
                paired.append(self._node(e, w, value) if len(level) == 2 else self._wire(w, value))
            level = paired + level[len(paired) * 2:]
        return level[0]

    def _clamp(self, e: ir.MinMax, x: ir.Expr, lo: int, hi: int) -> Operand:
        """``max(min(x, hi), lo)`` as one selection: both comparisons read ``x``, and the
        multiplexer is only as wide as ``lo .. hi`` (the narrowing's clamps, _narrow.py)."""
        a = self.operand(x)
        w = max(a.sbits, sbits(lo, hi))
        value = (f"({a.fit(w)} < {lit_signed(lo, w)}) ? {lit_signed(lo, w)} : "
                 f"({a.fit(w)} > {lit_signed(hi, w)}) ? {lit_signed(hi, w)} : {a.fit(w)}")
        return self._node(e, w, value)

    def visit_Table(self, e: ir.Table) -> Printed:
        ix = self.operand(e.index)
        iw = ix.width
        n = len(e.values)

        def arm(v: ir.Value, w: int = 0) -> str:
            if isinstance(e.type, ir.BoolType):
                return "1'b1" if v else "1'b0"
            if isinstance(e.type, ir.EnumType):
                return f"{w}'d{v}"
            return lit_signed(v, w)

        def chain(w: int = 0) -> str:
            parts = [f"({ix.unsigned(iw)} == {iw}'d{i}) ? {arm(v, w)} : "
                     for i, v in enumerate(e.values[:-1])]
            return "".join(parts) + arm(e.values[n - 1], w)

        if isinstance(e.type, ir.BoolType):
            return f"({chain()})"
        if isinstance(e.type, ir.EnumType):
            return self._enum_wire(type_bits(e.type), chain(type_bits(e.type)))
        w = sbits(e.type.lo, e.type.hi)
        w = max([w] + [sbits(v, v) for v in e.values])
        return self._node(e, w, chain(w))

    def visit_Select(self, e: ir.Select) -> Printed:
        """A multiplexer over the table's registers: ``(sel == k) ? element_k : ...``, the
        last element in the final arm (:func:`select_index`)."""
        sel, iw = select_index(self.operand(e.index), e.lo, len(e.elements))
        tests = [f"({sel} == {iw}'d{e.lo + k}) ? " for k in range(len(e.elements) - 1)]

        def mux(arms: list[str]) -> str:
            return "".join(t + a + " : " for t, a in zip(tests, arms[:-1], strict=True)) + arms[-1]

        if isinstance(e.type, ir.BoolType):
            return f"({mux([self.boolean(x) for x in e.elements])})"
        operands = [self.operand(x) for x in e.elements]
        if isinstance(e.type, ir.EnumType):
            w = type_bits(e.type)
            return self._enum_wire(w, mux([x.unsigned(w) for x in operands]))
        w = max([x.sbits for x in operands] + [sbits(e.type.lo, e.type.hi)])
        if self.for_synthesis and len(operands) > INDEXED_SELECT and (1 << iw) <= 2 * len(operands):
            # one entry per value of the iw-bit selector, so every bit pattern reads what
            # the chain above reads: element k at lo + k, the last element elsewhere
            n = len(operands)
            entries = [operands[j - e.lo] if e.lo <= j < e.lo + n - 1 else operands[-1]
                       for j in range(1 << iw)]
            flat = self._wire(w * len(entries),
                              "{" + ", ".join(x.fit(w) for x in reversed(entries)) + "}")
            return self._node(e, w, f"$signed({flat.text}[{sel} * {w} +: {w}])")
        return self._node(e, w, mux([x.fit(w) for x in operands]))

@dataclass
class LongDivision:
    """Floor ``a // d`` and ``a % d`` for ``a`` in ``lo..hi`` and ``d > 0``: restoring long
    division unrolled into wires, so the pipeline can stage it (a Verilog ``/`` would be
    one deep wire it cannot cut).

    With ``q0 = lo // d`` the offset dividend ``x = a - q0*d`` lies in ``0..hi - q0*d``,
    ``x // d = a // d - q0 < 2**n`` for ``n = ubits(hi // d - q0)`` and ``x % d = a % d``
    (floor semantics). Step ``k = n-1 .. 0`` starts from ``r < d * 2**(k+1)`` (``r = x``
    for the first) and subtracts ``D = d * 2**k``: ``diff = r - D``; quotient bit ``k``
    is ``diff >= 0`` (its sign bit clear) and the next ``r`` is ``diff`` if so, else
    ``r``, hence ``r < D``. After step 0, ``r = x % d``. Only what is read is printed:
    the last step's multiplexer only for the remainder, the bits only for the quotient.
    """

    q0: int
    steps: list[tuple[Operand, Operand, int]]  # (r before the step, diff, D) for k = n-1 .. 0
    top: int  # r <= top before the last step
    _quotient: Operand | None = None
    _remainder: Operand | None = None

    @staticmethod
    def start(p: VerilogPrinter, a: Operand, d: int, lo: int, hi: int) -> LongDivision:
        q0 = lo // d
        n = ubits(hi // d - q0)
        top = hi - q0 * d
        r = a
        if q0:
            w = max(a.sbits, sbits(abs(q0) * d, abs(q0) * d), sbits(lo - q0 * d, top))
            op = "-" if q0 > 0 else "+"
            r = p.wire(w, f"{a.fit(w)} {op} {lit_signed(abs(q0) * d, w)}")
            if w > sbits(0, top):
                r = p.wire(sbits(0, top), f"{r.text}[{sbits(0, top) - 1}:0]", f"0..{top}")
        steps: list[tuple[Operand, Operand, int]] = []
        for k in range(n - 1, -1, -1):
            if steps:
                r = _restore(p, steps[-1], top)
                top = min(top, steps[-1][2] - 1)
            big = d << k
            w = max(r.sbits, sbits(-big, top - big))
            steps.append((r, p.wire(w, f"{r.fit(w)} - {lit_signed(big, w)}"), big))
        return LongDivision(q0, steps, top)

    def quotient(self, p: VerilogPrinter) -> Operand:
        if self._quotient is None:
            n = len(self.steps)
            bits = ", ".join(f"~{diff.text}[{diff.width - 1}]" for _, diff, _ in self.steps)
            q = p.wire(n + 1, f"{{1'b0, {bits}}}")
            if self.q0:
                w = max(n + 1, sbits(self.q0, self.q0 + (1 << n) - 1))
                q = p.wire(w, f"{q.fit(w)} + {lit_signed(self.q0, w)}")
            self._quotient = q
        return self._quotient

    def remainder(self, p: VerilogPrinter) -> Operand:
        if self._remainder is None:
            self._remainder = _restore(p, self.steps[-1], self.top)
        return self._remainder


def _restore(p: VerilogPrinter, step: tuple[Operand, Operand, int], top: int) -> Operand:
    """The remainder after a long-division step: ``diff`` unless negative, else ``r``;
    in ``0..min(top, D - 1)``."""
    r, diff, big = step
    top = min(top, big - 1)
    w = sbits(0, top)
    sign = f"{diff.text}[{diff.width - 1}]"
    return p.wire(w, f"{sign} ? {r.unsigned(w)} : {diff.text}[{w - 1}:0]", f"0..{top}")


def _no(what: str):
    raise BackendError(f"internal error: {what} is not readable here")
