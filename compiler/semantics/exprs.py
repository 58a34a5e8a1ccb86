"""Expression checking: surface expressions -> typed IR, with units and scales.

Integer quantities carry a dimension and a scale (base units per integer step). Two
operands of + - min max comparison and if/then/else are brought to their common scale
(the largest r dividing both), which is always exact; a constant multiplier folds into
the scale. Only storing into a variable can be inexact, and then it is an error.
"""
from __future__ import annotations

import difflib
from fractions import Fraction
from math import ceil, floor
from typing import Callable

from ..diagnostics import Diagnostic
from ..ir import build as b
from ..ir import nodes as ir
from ..syntax import ast
from ..units import (GLUCOSE, NONE, RATE, TIME, VOLUME, BaseUnits, Dim, dim_name, div_dim, fraction_gcd, mul_dim,
                     scale_name, significant)
from .symbols import SOURCE_FIELDS, WINDOW_FIELDS, ArrayInfo, Context, Symbols, Typed, VarInfo

Report = Callable[[Diagnostic], None]


class Fail(Exception):
    """Raised inside the checker after reporting; the caller skips the construct."""


def _fmt(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else str(f)


MAX_DEPTH = 200  # deepest expression accepted; keeps every recursive consumer safe


class ExprChecker:
    def __init__(self, symbols: Symbols, base: BaseUnits, report: Report):
        self.sym = symbols
        self.base = base
        self.report = report
        self._depth = 0

    # ------------------------------------------------------------ errors

    def fail(self, code: str, message: str, span, label: str = "", help: str | None = None,
             notes: tuple[str, ...] = ()) -> Fail:
        self.report(Diagnostic(code, message, span, label=label, help=help, notes=notes))
        return Fail()

    # ------------------------------------------------------------ entry points

    def check(self, e: ast.Expr, ctx: Context, expect: ir.EnumType | None = None) -> Typed:
        if self._depth >= MAX_DEPTH:
            raise self.fail("E0005", f"expression nested more than {MAX_DEPTH} levels deep", e.span,
                            help="split it with constants or intermediate variables")
        self._depth += 1
        try:
            return getattr(self, "_" + type(e).__name__)(e, ctx, expect)
        finally:
            self._depth -= 1

    def check_bool(self, e: ast.Expr, ctx: Context) -> ir.Expr:
        t = self.check(e, ctx)
        if t.kind != "bool":
            raise self.fail("E0201", f"expected a condition, found {self.describe(t)}", e.span,
                            label="not true/false")
        return self.to_ir(t, e.span)

    def check_const(self, e: ast.Expr, what: str) -> Typed:
        t = self.check(e, Context(what, constant=True))
        if not t.is_const:
            raise self.fail("E0208", f"{what} must be a constant", e.span, label="not a constant")
        return t

    def check_const_int(self, e: ast.Expr, what: str, dim: Dim, scale: Fraction = Fraction(1)) -> int:
        """A constant of dimension ``dim`` as an exact integer multiple of ``scale``."""
        t = self.check_const(e, what)
        self.expect_dim(t, dim, e.span, what)
        return self.exact(t.const, scale, e.span, dim)

    def describe(self, t: Typed) -> str:
        if t.kind == "bool":
            return "a condition"
        if t.kind == "enum":
            return f"a `{t.enum.name}` value"
        return dim_name(t.dim)

    def expect_dim(self, t: Typed, dim: Dim, span, what: str) -> None:
        """``t`` is a number of dimension ``dim``; a plain constant 0 is zero in every unit."""
        if _is_plain_zero(t):
            return
        if t.kind != "int":
            raise self.fail("E0201", f"{what} must be {dim_name(dim)}, found {self.describe(t)}", span)
        if t.dim != dim:
            raise self.fail("E0301", f"{what} must be {dim_name(dim)}, found {dim_name(t.dim)}", span,
                            label=f"this is {dim_name(t.dim)}", help=_unit_help(dim))

    def exact(self, value: Fraction, scale: Fraction, span, dim: Dim) -> int:
        q = value / scale
        if q.denominator != 1:
            what = self.base.describe(value, dim) if dim != NONE else _fmt(value)
            unit = scale_name(dim, scale, self.base) or "1"
            raise self.fail("E0302", f"{what} is not a whole number of {unit}", span,
                            label=f"{significant(q)} {unit}",
                            help="round it explicitly with floor(...) or ceil(...)")
        return q.numerator

    # ------------------------------------------------------------ materializing

    def to_ir(self, t: Typed, span, scale: Fraction | None = None) -> ir.Expr:
        """The IR of ``t``; an int is expressed in multiples of ``scale`` (default its own)."""
        if t.kind == "bool":
            return b.lit_bool(bool(t.const), span) if t.is_const else t.expr
        if t.kind == "enum":
            return ir.Lit(t.const, t.enum, span) if t.is_const else t.expr
        target = scale if scale is not None else t.scale
        unit = scale_name(t.dim, target, self.base)
        if t.is_const:
            return b.lit_int(self.exact(t.const, target, span, t.dim), unit, span)
        ratio = t.scale / target
        assert ratio.denominator == 1, "to_ir: rescaling must be exact"
        return b.mul_const(t.expr, ratio.numerator, span)

    def align(self, ts: list[Typed], span) -> tuple[list[ir.Expr], Fraction]:
        scales = [t.scale for t in ts if not t.is_const]
        scales += [t.const for t in ts if t.is_const and t.const != 0]
        scales = [abs(s) for s in scales] or [Fraction(1)]
        common = scales[0]
        for s in scales[1:]:
            common = fraction_gcd(common, s)
        if all(t.is_const for t in ts):
            common = min(common, Fraction(1))
        return [self.to_ir(t, span, common) for t in ts], common

    def runtime_int(self, expr: ir.Expr, dim: Dim, scale: Fraction) -> Typed:
        return Typed("int", expr=expr, dim=dim, scale=scale)

    def convert_for_store(self, t: Typed, target: VarInfo | None, target_type: ir.Type, span,
                          what: str) -> ir.Expr:
        """``t`` as a value of ``target_type`` (a variable, parameter or argument)."""
        if isinstance(target_type, ir.BoolType):
            if t.kind != "bool":
                raise self.fail("E0201", f"{what} is a condition, found {self.describe(t)}", span)
            return self.to_ir(t, span)
        if isinstance(target_type, ir.EnumType):
            if t.kind != "enum" or t.enum != target_type:
                raise self.fail("E0201", f"{what} is a `{target_type.name}` value, found {self.describe(t)}",
                                span)
            return self.to_ir(t, span)
        self.expect_dim(t, target.dim, span, what)
        if _is_plain_zero(t):
            t = Typed("int", const=Fraction(0), dim=target.dim)
        if t.is_const:
            return b.lit_int(self.exact(t.const, target.scale, span, t.dim),
                             scale_name(t.dim, target.scale, self.base), span)
        ratio = t.scale / target.scale
        if ratio.denominator != 1:
            raise self.fail("E0302", f"the value has a finer resolution than {what} holds", span,
                            label=f"in multiples of {scale_name(t.dim, t.scale, self.base)}",
                            help=f"{what} holds multiples of {scale_name(t.dim, target.scale, self.base)}")
        return b.mul_const(t.expr, ratio.numerator, span)

    # ------------------------------------------------------------ leaves

    def _BoolLit(self, e: ast.BoolLit, ctx, expect) -> Typed:
        return Typed("bool", const=e.value)

    def _Number(self, e: ast.Number, ctx, expect) -> Typed:
        if e.unit is None:
            return Typed("int", const=e.value, dim=NONE)
        num = self._unit(e.unit.num, e.unit.span)
        dim, size = num
        hint = None
        if e.unit.den is not None:
            den_dim, den_size = self._unit(e.unit.den, e.unit.span)
            dim = div_dim(dim, den_dim)
            size = size / den_size
            hint = e.unit.den
        return Typed("int", const=e.value * size, dim=dim, unit_hint=hint)

    def _unit(self, name: str, span) -> tuple[Dim, Fraction]:
        got = self.base.unit_in_base(name)
        if isinstance(got, str):
            raise self.fail("E0303", f"cannot use `{name}` here: {got}", span,
                            help="declare it, e.g. `units { step = 0.025 U  tick = 1 s  clock = 12 MHz }`")
        return got

    def _Name(self, e: ast.Name, ctx: Context, expect) -> Typed:
        n = e.name
        sym = self.sym
        if n in ("true", "false"):
            return Typed("bool", const=n == "true")
        if not ctx.constant:
            builtin = self._builtin(e, ctx)
            if builtin is not None:
                return builtin
            if ctx.params is not None and n in ctx.params and not ctx.in_next:
                info = ctx.params[n]
                return self._typed_ref(ir.Param(n, info.var.type, e.span), info)
            if n in sym.vars:
                info = sym.vars[n]
                return self._typed_ref(ir.Var(n, info.var.type, False, e.span), info)
        if n in sym.consts:
            return sym.consts[n].value
        if expect is not None and n in expect.members:
            return Typed("enum", const=expect.members.index(n), enum=expect)
        owners = [en for en in sym.enums.values() if n in en.members]
        if len(owners) == 1:
            return Typed("enum", const=owners[0].members.index(n), enum=owners[0])
        if ctx.constant and (n in sym.runtime_names or n in sym.events or n in sym.states):
            raise self.fail("E0208", f"`{n}` is not a constant", e.span, label="only constants here")
        if n in sym.tables or n in sym.arrays:
            raise self.fail("E0201", f"`{n}` is a table", e.span,
                            help=f"index it: `{n}[...]`" + (f", or take `max({n})` / `min({n})`"
                                                             if n in sym.arrays else ""))
        if ctx.params is not None and ctx.in_next and n in ctx.params:
            raise self.fail("E0203", f"`next(...)` cannot read the parameter `{n}`", e.span)
        if n in sym.states:
            raise self.fail("E0201", f"`{n}` is a state", e.span, help=f"write `state == {n}`")
        if len(owners) > 1:
            raise self.fail("E0105", f"`{n}` is a member of several enums", e.span,
                            help=f"qualify it: {', '.join(f'{o.name}.{n}' for o in owners)}")
        known = list(sym.vars) + list(sym.consts) + list((ctx.params or {}).keys())
        close = difflib.get_close_matches(n, known, n=1)
        raise self.fail("E0102", f"unknown name `{n}`", e.span, label="not declared",
                        help=f"did you mean `{close[0]}`?" if close else None)

    def _typed_ref(self, ref: ir.Expr, info: VarInfo) -> Typed:
        t = info.var.type
        if isinstance(t, ir.BoolType):
            return Typed("bool", expr=ref)
        if isinstance(t, ir.EnumType):
            return Typed("enum", expr=ref, enum=t)
        return Typed("int", expr=ref, dim=info.dim, scale=info.scale)

    def _builtin(self, e: ast.Name, ctx: Context) -> Typed | None:
        n, sym = e.name, self.sym
        if n == "state":
            return Typed("enum", expr=ir.StateRef(sym.state_type, False, e.span), enum=sym.state_type)
        if n == "motor_on":
            return Typed("bool", expr=sym.motor_enabled)
        if n == "alarm_latched":
            return Typed("bool", expr=sym.any_alarm)
        if n in ("accepted", "rejected"):
            if not ctx.assertion or ctx.in_next:
                raise self.fail("E0203", f"`{n}` is only defined in a transition assertion", e.span,
                                help="write `assert ID \"text\" on EVENT: ...`")
            acc = ir.Accepted(span=e.span)
            return Typed("bool", expr=acc if n == "accepted" else b.not_(acc, e.span))
        if n == "steps":
            return self._let("steps", ctx, e.span)
        return None

    def _let(self, name: str, ctx: Context, span) -> Typed:
        if not ctx.tick or ctx.in_next:
            raise self.fail("E0203", f"the motor steps of a tick are not defined in {ctx.what}", span,
                            help="read them in a tick transition, `every tick`, or an assertion `on tick`")
        info = self.sym.lets[name]
        ref = ir.LetRef(name, info.let.value.type, span)
        if isinstance(info.let.value.type, ir.BoolType):
            return Typed("bool", expr=ref)
        return Typed("int", expr=ref, dim=info.dim, scale=info.scale)

    # ------------------------------------------------------------ compound

    def _FieldOf(self, e: ast.FieldOf, ctx: Context, expect) -> Typed:
        if not isinstance(e.base, ast.Name):
            raise self.fail("E0201", "only sources, windows and enums have fields", e.span)
        owner, field = e.base.name, e.field.name
        sym = self.sym
        if owner in sym.enums:
            enum = sym.enums[owner]
            if field not in enum.members:
                raise self.fail("E0105", f"`{field}` is not a member of `{owner}`", e.field.span,
                                help=f"members: {', '.join(enum.members)}")
            return Typed("enum", const=enum.members.index(field), enum=enum)
        if owner in sym.sources:
            src = sym.sources[owner]
            if field in ("steps", "raw", "active"):
                return self._let(getattr(src, field), ctx, e.span)
            if field == "denominator":
                return Typed("int", const=Fraction(src.denominator), dim=NONE)
            if field == "acc" and src.accumulator is not None:
                info = sym.vars[src.accumulator]
                ref = ir.Var(src.accumulator, info.var.type, False, e.span)
                return self._typed_ref(ref, info)
            fields = ", ".join(f for f in SOURCE_FIELDS if f != "acc" or src.accumulator)
            raise self.fail("E0102", f"motor source `{owner}` has no `{field}`", e.field.span,
                            help=f"its fields: {fields}")
        if owner in sym.windows:
            w = sym.windows[owner]
            total = self.runtime_int(w.total, VOLUME, Fraction(1))
            if field == "total":
                return total
            if field == "room":
                return self.runtime_int(b.sub(b.lit_int(w.limit, "steps"), w.total, e.span), VOLUME, Fraction(1))
            raise self.fail("E0102", f"window `{owner}` has no `{field}`", e.field.span,
                            help=f"its fields: {', '.join(WINDOW_FIELDS)}")
        if owner in sym.pending_sources:
            line = sym.pending_sources[owner].line
            raise self.fail("E0102", f"motor source `{owner}` is not declared above this source",
                            e.base.span, label=f"`source {owner}` is on line {line}",
                            help="a source's rate and limit read only the sources declared above "
                                 "it, which are served before it: move this source below it")
        raise self.fail("E0102", f"unknown name `{owner}`", e.base.span,
                        label="not a motor source, window or enum")

    def element_index(self, array: ArrayInfo, index: ast.Expr, ctx: Context) -> ir.Expr:
        """The index of an element of ``array``: a plain number whose whole interval lies in
        the table's index range (E0209 otherwise), so every read and write is in range."""
        t = self.check(index, ctx)
        if t.kind != "int" or t.dim != NONE:
            raise self.fail("E0201", f"`{array.decl.name}` is indexed by a plain number, found {self.describe(t)}",
                            index.span, help="a time of day becomes an hour with `time div 1 h`")
        if t.const.denominator != 1 if t.is_const else t.scale.denominator != 1:
            raise self.fail("E0201", "a table index must be a whole number", index.span,
                            help="round it with `div`")
        expr = self.to_ir(t, index.span, Fraction(1))
        lo, hi = expr.type.lo, expr.type.hi
        if lo < array.lo or hi > array.hi:
            raise self.fail("E0209", f"the index may be {lo if lo < array.lo else hi}, outside "
                            f"`{array.decl.name}`'s indices {array.lo} .. {array.hi}", index.span,
                            label=f"in {lo} .. {hi}",
                            help=f"clamp it, `min(max(i, {array.lo}), {array.hi})`, or wrap it with `mod`")
        return expr

    def _element(self, array: ArrayInfo, k: int, span) -> Typed:
        info = array.elements[k - array.lo]
        return self._typed_ref(ir.Var(info.var.name, info.var.type, False, span), info)

    def _IndexOf(self, e: ast.IndexOf, ctx: Context, expect) -> Typed:
        if isinstance(e.base, ast.Name) and e.base.name in self.sym.arrays and not ctx.constant:
            array = self.sym.arrays[e.base.name]
            index = self.element_index(array, e.index, ctx)
            if isinstance(index, ir.Lit):
                return self._element(array, index.value, e.span)
            refs = [self._element(array, k, e.span) for k in range(array.lo, array.hi + 1)]
            first = refs[0]
            expr = b.select(array.decl.name, (r.expr for r in refs), index, array.lo, e.span)
            return Typed(first.kind, expr=expr, dim=first.dim, scale=first.scale, enum=first.enum)
        if isinstance(e.base, ast.Name) and e.base.name in self.sym.arrays:
            raise self.fail("E0208", f"`{e.base.name}` is not a constant", e.base.span, label="only constants here")
        if not isinstance(e.base, ast.Name) or e.base.name not in self.sym.tables:
            raise self.fail("E0201", "only a table can be indexed", e.base.span)
        table = self.sym.tables[e.base.name]
        idx = self.check(e.index, ctx, table.enum)
        if idx.kind != "enum" or idx.enum != table.enum:
            raise self.fail("E0201", f"`{table.name}` is indexed by `{table.enum.name}`, found "
                            f"{self.describe(idx)}", e.index.span)
        if idx.is_const:
            value = table.values[idx.const]
            return Typed(table.kind, const=value, dim=table.dim, enum=None if table.kind != "enum" else None)
        if table.kind == "int":
            nonzero = [v for v in table.values if v != 0]
            scale = Fraction(1)
            for v in nonzero:
                scale = fraction_gcd(scale, abs(v))
            values = tuple(int(v / scale) for v in table.values)
            unit = scale_name(table.dim, scale, self.base)
            expr = b.table(values, idx.expr, ir.IntType(min(values), max(values), unit), e.span)
            return self.runtime_int(expr, table.dim, scale)
        value_type = ir.BOOL if table.kind == "bool" else table.decl.type
        return Typed(table.kind, expr=b.table(table.values, idx.expr, value_type, e.span),
                     enum=value_type if table.kind == "enum" else None)

    def _UnaryOp(self, e: ast.UnaryOp, ctx, expect) -> Typed:
        t = self.check(e.operand, ctx)
        if e.op == "not":
            if t.kind != "bool":
                raise self.fail("E0201", f"`not` needs a condition, found {self.describe(t)}", e.operand.span)
            if t.is_const:
                return Typed("bool", const=not t.const)
            return Typed("bool", expr=b.not_(t.expr, e.span))
        if t.kind != "int":
            raise self.fail("E0201", f"`-` needs a number, found {self.describe(t)}", e.operand.span)
        if t.is_const:
            return Typed("int", const=-t.const, dim=t.dim, unit_hint=t.unit_hint)
        return self.runtime_int(b.neg(t.expr, e.span), t.dim, t.scale)

    def _BinaryOp(self, e: ast.BinaryOp, ctx: Context, expect) -> Typed:
        op = e.op
        if op in ("and", "or", "implies"):
            left, right = self.check_bool(e.left, ctx), self.check_bool(e.right, ctx)
            build = {"and": b.and_, "or": b.or_}.get(op)
            expr = build(left, right, span=e.span) if build else b.implies(left, right, e.span)
            return Typed("bool", expr=expr)
        if op in ("==", "!="):
            return self._equality(e, ctx)
        left = self.check(e.left, ctx)
        right = self.check(e.right, ctx)
        for side, t in ((e.left, left), (e.right, right)):
            if t.kind != "int":
                raise self.fail("E0201", f"`{op}` needs numbers, found {self.describe(t)}", side.span)
        if op in ("+", "-", "<", "<=", ">", ">="):
            left, right = _zero_fits(left, right), _zero_fits(right, left)
            if left.dim != right.dim:
                raise self.fail("E0301", f"cannot {_verb(op)} {dim_name(left.dim)} and {dim_name(right.dim)}",
                                e.op_span, label="unit mismatch",
                                notes=(f"left: {dim_name(left.dim)}, right: {dim_name(right.dim)}",))
            if left.is_const and right.is_const:
                if op in ("+", "-"):
                    value = left.const + right.const if op == "+" else left.const - right.const
                    return Typed("int", const=value, dim=left.dim, unit_hint=left.unit_hint or right.unit_hint)
                return Typed("bool", const=_COMPARE[op](left.const, right.const))
            (lhs, rhs), scale = self.align([left, right], e.span)
            if op == "+":
                return self.runtime_int(b.add(lhs, rhs, e.span), left.dim, scale)
            if op == "-":
                return self.runtime_int(b.sub(lhs, rhs, e.span), left.dim, scale)
            return Typed("bool", expr=b.compare(op, lhs, rhs, e.span))
        if op == "*":
            return self._multiply(e, left, right)
        return self._divide(e, op, left, right)

    def _equality(self, e: ast.BinaryOp, ctx: Context) -> Typed:
        left = self.check(e.left, ctx)
        right = self.check(e.right, ctx, left.enum if left.kind == "enum" else None)
        if left.kind == "int" and isinstance(e.left, ast.Name) and right.kind == "enum":
            left = self.check(e.left, ctx, right.enum)
        if left.kind != right.kind or (left.kind == "enum" and left.enum != right.enum):
            raise self.fail("E0201", f"cannot compare {self.describe(left)} with {self.describe(right)}",
                            e.op_span, label="different types")
        if left.kind == "int":
            left, right = _zero_fits(left, right), _zero_fits(right, left)
        if left.kind == "int" and left.dim != right.dim:
            raise self.fail("E0301", f"cannot compare {dim_name(left.dim)} with {dim_name(right.dim)}",
                            e.op_span, label="unit mismatch")
        if left.is_const and right.is_const:
            same = left.const == right.const
            return Typed("bool", const=same if e.op == "==" else not same)
        if left.kind == "int":
            (lhs, rhs), _ = self.align([left, right], e.span)
        else:
            lhs, rhs = self.to_ir(left, e.left.span), self.to_ir(right, e.right.span)
        return Typed("bool", expr=b.compare(e.op, lhs, rhs, e.span))

    def _multiply(self, e: ast.BinaryOp, left: Typed, right: Typed) -> Typed:
        dim = mul_dim(left.dim, right.dim)
        if left.is_const and right.is_const:
            return Typed("int", const=left.const * right.const, dim=dim)
        if not left.is_const and not right.is_const:
            raise self.fail("E0202", "one side of `*` must be a constant", e.op_span,
                            label="both sides change at run time",
                            help="the language multiplies only by constants, so every width stays known")
        runtime, k = (left, right.const) if right.is_const else (right, left.const)
        if k == 0:
            return Typed("int", const=Fraction(0), dim=dim)
        expr = runtime.expr if k > 0 else b.neg(runtime.expr, e.span)
        return self.runtime_int(expr, dim, runtime.scale * abs(k))

    def _divide(self, e: ast.BinaryOp, op: str, left: Typed, right: Typed) -> Typed:
        if not right.is_const:
            raise self.fail("E0202", f"the right side of `{op}` must be a constant", e.right.span,
                            label="changes at run time")
        if left.is_const:
            if right.const == 0:
                raise self.fail("E0202", f"`{op}` by zero", e.right.span)
            q = left.const / right.const
            if op == "div":
                dim = div_dim(left.dim, right.dim)
                return Typed("int", const=Fraction(floor(q)), dim=dim)
            return Typed("int", const=left.const - floor(q) * right.const, dim=left.dim)
        if op == "mod" and right.dim not in (NONE, left.dim):
            raise self.fail("E0301", f"`mod` needs {dim_name(left.dim)} or a plain number on the right",
                            e.right.span)
        k = right.const
        if k.denominator != 1 or k <= 0:
            raise self.fail("E0202", f"`{op}` needs a positive whole number of base units on the right",
                            e.right.span, label=f"this is {_fmt(k)}")
        if left.scale.denominator != 1:
            raise self.fail("E0302", f"`{op}` needs a whole number of base units on the left", e.left.span,
                            label=f"in multiples of {scale_name(left.dim, left.scale, self.base)}")
        operand = b.mul_const(left.expr, left.scale.numerator)
        if op == "div":
            dim = div_dim(left.dim, right.dim)
            return self.runtime_int(b.div_const(operand, k.numerator, e.span), dim, Fraction(1))
        return self.runtime_int(b.mod_const(operand, k.numerator, e.span), left.dim, Fraction(1))

    def _MemberOf(self, e: ast.MemberOf, ctx: Context, expect) -> Typed:
        t = self.check(e.operand, ctx)
        if t.kind != "enum":
            raise self.fail("E0201", f"`in` needs a state or enum value, found {self.describe(t)}",
                            e.operand.span)
        indices = []
        for m in e.members:
            if m.name not in t.enum.members:
                what = "state" if t.enum is self.sym.state_type else f"member of `{t.enum.name}`"
                code = "E0103" if t.enum is self.sym.state_type else "E0105"
                raise self.fail(code, f"unknown {what} `{m.name}`", m.span)
            indices.append(t.enum.members.index(m.name))
        if t.is_const:
            return Typed("bool", const=t.const in indices)
        return Typed("bool", expr=b.or_(*(b.compare(ir.BinaryOp.EQ, t.expr, ir.Lit(i, t.enum)) for i in indices),
                                        span=e.span))

    def _FnCall(self, e: ast.FnCall, ctx: Context, expect) -> Typed:
        args = []
        for a in e.args:  # `max(program)`: a table variable stands for all its elements
            array = self.sym.arrays.get(a.name) if isinstance(a, ast.Name) and not ctx.constant else None
            if array is not None and e.fn in ("min", "max"):
                args += [self._element(array, k, a.span) for k in range(array.lo, array.hi + 1)]
            else:
                args.append(self.check(a, ctx))
        if e.fn in ("floor", "ceil"):
            if len(args) != 1:
                raise self.fail("E0201", f"`{e.fn}` takes one argument", e.span)
            (t,) = args
            if t.kind != "int" or not t.is_const:
                raise self.fail("E0202", f"`{e.fn}` rounds a constant quantity", e.args[0].span,
                                help="use `div` for run-time values")
            value = Fraction(floor(t.const) if e.fn == "floor" else ceil(t.const))
            return Typed("int", const=value, dim=t.dim, unit_hint=t.unit_hint)
        if len(args) < 2:
            raise self.fail("E0201", f"`{e.fn}` takes two or more arguments, or a table", e.span)
        spans = [a.span for a in e.args for _ in range(self._arity(a, ctx))]
        for a, t in zip(spans, args, strict=True):
            if t.kind != "int":
                raise self.fail("E0201", f"`{e.fn}` needs numbers, found {self.describe(t)}", a)
            if t.dim != args[0].dim:
                raise self.fail("E0301", f"`{e.fn}` of {dim_name(args[0].dim)} and {dim_name(t.dim)}", a)
        if all(t.is_const for t in args):
            pick = min if e.fn == "min" else max
            return Typed("int", const=pick(t.const for t in args), dim=args[0].dim)
        exprs, scale = self.align(args, e.span)
        build = b.minimum if e.fn == "min" else b.maximum
        return self.runtime_int(build(exprs, e.span), args[0].dim, scale)

    def _arity(self, a: ast.Expr, ctx: Context) -> int:
        """How many arguments of `min`/`max` one written argument stands for."""
        array = self.sym.arrays.get(a.name) if isinstance(a, ast.Name) and not ctx.constant else None
        return array.hi - array.lo + 1 if array is not None else 1

    def _IfThen(self, e: ast.IfThen, ctx: Context, expect) -> Typed:
        c = self.check_bool(e.cond, ctx)
        then = self.check(e.then, ctx, expect)
        orelse = self.check(e.orelse, ctx, then.enum if then.kind == "enum" else expect)
        if then.kind != orelse.kind or (then.kind == "enum" and then.enum != orelse.enum):
            raise self.fail("E0201", f"the branches differ: {self.describe(then)} and {self.describe(orelse)}",
                            e.span)
        if then.kind == "int":
            if then.dim != orelse.dim:
                raise self.fail("E0301", f"the branches differ: {dim_name(then.dim)} and {dim_name(orelse.dim)}",
                                e.span)
            (a, z), scale = self.align([then, orelse], e.span)
            return self.runtime_int(b.cond(c, a, z, e.span), then.dim, scale)
        a, z = self.to_ir(then, e.then.span), self.to_ir(orelse, e.orelse.span)
        return Typed(then.kind, expr=b.cond(c, a, z, e.span), enum=then.enum)

    def _Next(self, e: ast.Next, ctx: Context, expect) -> Typed:
        if not ctx.assertion:
            raise self.fail("E0203", f"`next(...)` is not defined in {ctx.what}", e.span,
                            help="`next` reads the state after a step, in a transition assertion")
        if ctx.in_next:
            raise self.fail("E0203", "`next(...)` cannot be nested", e.span)
        inner = Context(ctx.what, ctx.params, tick=False, assertion=True, in_next=True)
        t = self.check(e.operand, inner, expect)
        if t.is_const:
            return t
        return Typed(t.kind, expr=b.with_post(t.expr), dim=t.dim, scale=t.scale, enum=t.enum)


def _is_plain_zero(t: Typed) -> bool:
    return t.is_const and t.kind == "int" and t.dim == NONE and t.const == 0


def _zero_fits(t: Typed, other: Typed) -> Typed:
    """A plain constant 0 is zero in every unit."""
    if _is_plain_zero(t) and other.kind == "int":
        return Typed("int", const=Fraction(0), dim=other.dim)
    return t


_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _verb(op: str) -> str:
    return {"+": "add", "-": "subtract"}.get(op, "compare")


def _unit_help(dim: Dim) -> str | None:
    return {VOLUME: "write a volume such as `2 U`", TIME: "write a time such as `10 min`",
            RATE: "write a rate such as `1.5 U/min`", GLUCOSE: "write a glucose level such as `70 mg/dL`",
            NONE: "write a plain number"}.get(dim)
