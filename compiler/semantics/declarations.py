"""Declarations -> symbols: units, enums, constants, tables, variables, states, events."""
from __future__ import annotations

from fractions import Fraction

from ..diagnostics import Diagnostic, Label
from ..ir import nodes as ir
from ..syntax import ast
from ..units import FREQUENCY, GLUCOSE, NONE, RATE, TIME, VOLUME, BaseUnits, dim_name, format_quantity, scale_name
from .exprs import ExprChecker, Fail
from .symbols import RESERVED, ArrayInfo, ConstInfo, Context, Symbols, TableInfo, Typed, VarInfo

BUILTIN_EVENTS = ("tick", "reset")
MAX_TABLE_ELEMENTS = 288  # elements of a table variable: 48 half hours with room to spare


class Reasons:
    """Reject reasons get codes in order of first use; one code per (requirement, text)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str | None, str], ir.Reason] = {}
        self._next = len(ir.BUILTIN_REASONS) + 1

    def get(self, requirement: ast.Ident | None, text: str, span) -> ir.Reason:
        req = requirement.name if requirement else None
        key = (req, text)
        if key not in self._by_key:
            self._by_key[key] = ir.Reason(self._next, text, req, span)
            self._next += 1
        return self._by_key[key]

    def all(self) -> tuple[ir.Reason, ...]:
        return ir.BUILTIN_REASONS + tuple(self._by_key.values())


def read_units(spec: ast.Spec, report) -> BaseUnits:
    blocks = [i for i in spec.items if isinstance(i, ast.UnitsBlock)]
    for extra in blocks[1:]:
        report(Diagnostic("E0101", "a second units block", extra.span, label="the units are set above"))
    # While reading the units block, volumes are in U and times in seconds.
    bootstrap = BaseUnits(Fraction(1), Fraction(1), None)
    checker = ExprChecker(Symbols(), bootstrap, report)
    wanted = {"step": VOLUME, "tick": TIME, "clock": FREQUENCY}
    values: dict[str, Fraction] = {}
    for block in blocks[:1]:
        for name, expr in block.defs:
            if name.name not in wanted:
                report(Diagnostic("E0108", f"unknown base unit `{name.name}`", name.span,
                                  help="the units block sets `step` (a volume), `tick` (a time) and "
                                       "`clock` (a frequency)"))
                continue
            if name.name in values:
                report(Diagnostic("E0101", f"`{name.name}` is set twice", name.span))
                continue
            try:
                t = checker.check_const(expr, f"`{name.name}`")
                checker.expect_dim(t, wanted[name.name], expr.span, f"`{name.name}`")
            except Fail:
                continue
            if t.const <= 0:
                report(Diagnostic("E0205", f"`{name.name}` must be positive", expr.span))
                continue
            values[name.name] = t.const
    return BaseUnits(values.get("step"), values.get("tick", Fraction(1)), values.get("clock"))


class DeclarationReader:
    def __init__(self, spec: ast.Spec, base: BaseUnits, report, reasons: Reasons):
        self.spec = spec
        self.base = base
        self.report = report
        self.reasons = reasons
        self.sym = Symbols()
        self.check = ExprChecker(self.sym, base, report)
        self.constants: list[ir.Constant] = []
        self.variables: list[ir.Variable] = []
        self.arrays: list[ir.Array] = []
        self.events: list[ir.Event] = []

    # ------------------------------------------------------------ names

    def declare(self, ident: ast.Ident, what: str) -> bool:
        if ident.name in RESERVED:
            self.report(Diagnostic("E0106", f"`{ident.name}` is a reserved name", ident.span,
                                   help=f"rename this {what}"))
            return False
        if ident.name in self.sym.declared_at:
            first = self.sym.declared_at[ident.name]
            self.report(Diagnostic("E0101", f"`{ident.name}` is declared twice", ident.span,
                                   label=f"second {what}",
                                   labels=(Label(first, "first declared here"),)))
            return False
        self.sym.declared_at[ident.name] = ident.span
        return True

    # ------------------------------------------------------------ items

    def read(self) -> None:
        items = self.spec.items
        for item in items:
            if isinstance(item, ast.EnumDecl):
                self.enum(item)
        self.state_decls = [i for i in items
                            if isinstance(i, ast.StateDecl) and self.declare(i.name, "state")]
        self.sym.state_type = ir.EnumType("State", tuple(s.name.name for s in self.state_decls))
        self.sym.runtime_names = {i.name.name for i in items if isinstance(i, (ast.VarDecl, ast.FlagDecl))}
        for item in items:
            if isinstance(item, ast.ConstDecl):
                self.const(item)
            elif isinstance(item, ast.TableDecl):
                self.table(item)
        for item in items:
            if isinstance(item, ast.VarDecl):
                self.var(item)
            elif isinstance(item, ast.FlagDecl):
                self.flag(item)
        self.read_states()
        self.read_events()

    def enum(self, item: ast.EnumDecl) -> None:
        if not self.declare(item.name, "enum"):
            return
        seen: dict[str, ast.Ident] = {}
        for m in item.members:
            if m.name in seen:
                self.report(Diagnostic("E0101", f"`{m.name}` is listed twice in `{item.name.name}`", m.span))
            seen[m.name] = m
        self.sym.enums[item.name.name] = ir.EnumType(item.name.name, tuple(seen))

    def const(self, item: ast.ConstDecl) -> None:
        if not self.declare(item.name, "constant"):
            return
        try:
            t = self.check.check_const(item.value, f"the constant `{item.name.name}`")
        except Fail:
            return
        written = self.spec.text[item.value.span.start:item.value.span.end]
        decl = ir.Constant(item.name.name, *self._const_value(t), written, item.span)
        self.constants.append(decl)
        self.sym.consts[item.name.name] = ConstInfo(item.name.name, t, decl)

    def _const_value(self, t: Typed) -> tuple[ir.Value, ir.Type]:
        if t.kind == "bool":
            return bool(t.const), ir.BOOL
        if t.kind == "enum":
            return t.const, t.enum
        scale = self._natural_scale(t)
        value = t.const / scale
        shown = value.numerator if value.denominator == 1 else round(value)
        return shown, ir.IntType(shown, shown, scale_name(t.dim, scale, self.base))

    def _natural_scale(self, t: Typed) -> Fraction:
        if t.dim == RATE and t.unit_hint:
            return 1 / self.base.ticks_per(t.unit_hint)
        return Fraction(1)

    def table(self, item: ast.TableDecl) -> None:
        if not self.declare(item.name, "table"):
            return
        enum = self.sym.enums.get(item.enum.name)
        if enum is None:
            self.report(Diagnostic("E0102", f"unknown enum `{item.enum.name}`", item.enum.span))
            return
        values: dict[str, Typed] = {}
        for key, expr in item.entries:
            if key.name not in enum.members:
                self.report(Diagnostic("E0105", f"`{key.name}` is not a member of `{enum.name}`", key.span,
                                       help=f"members: {', '.join(enum.members)}"))
                continue
            if key.name in values:
                self.report(Diagnostic("E0101", f"`{key.name}` has two entries", key.span))
                continue
            try:
                values[key.name] = self.check.check_const(expr, f"an entry of `{item.name.name}`")
            except Fail:
                continue
        missing = [m for m in enum.members if m not in values]
        if missing:
            self.report(Diagnostic("E0406", f"`{item.name.name}` has no entry for {', '.join(missing)}",
                                   item.name.span, help="a table gives a value for every member"))
            return
        ordered = [values[m] for m in enum.members]
        first = ordered[0]
        for m, t in zip(enum.members, ordered, strict=True):
            if t.kind != first.kind or t.dim != first.dim or t.enum != first.enum:
                self.report(Diagnostic("E0201", f"the entries of `{item.name.name}` differ in type",
                                       item.span, notes=(f"`{m}` is {self.check.describe(t)}, "
                                                         f"`{enum.members[0]}` is {self.check.describe(first)}",)))
                return
        written = self.spec.text[item.span.start:item.span.end]
        raw = tuple(t.const for t in ordered)
        if first.kind == "int":
            shown = tuple(int(v) if v.denominator == 1 else round(v) for v in raw)
            vtype: ir.Type = ir.IntType(min(shown), max(shown), scale_name(first.dim, Fraction(1), self.base))
        else:
            shown = raw
            vtype = ir.BOOL if first.kind == "bool" else first.enum
        decl = ir.Constant(item.name.name, shown, vtype, written, item.span)
        self.constants.append(decl)
        self.sym.tables[item.name.name] = TableInfo(item.name.name, enum, first.kind, first.dim, raw, decl)

    def read_type(self, t: ast.TypeExpr, what: str) -> tuple[ir.Type, tuple, Fraction] | None:
        """(type, dim, scale) of a declared variable or parameter type."""
        if isinstance(t, ast.TableType):
            self.report(Diagnostic("E0204", f"{what} cannot be a table", t.span,
                                   help="only a variable is a table, and its elements are "
                                        "`bool`, an enum or a range"))
            return None
        if isinstance(t, ast.NamedType):
            if t.name.name == "bool":
                return ir.BOOL, NONE, Fraction(1)
            if t.name.name in self.sym.enums:
                return self.sym.enums[t.name.name], NONE, Fraction(1)
            self.report(Diagnostic("E0204", f"`{t.name.name}` is not a type", t.name.span,
                                   help="a type is `bool`, an enum, or a range `LO .. HI` with units"))
            return None
        try:
            lo = self.check.check_const(t.lo, f"the lower bound of {what}")
            hi = self.check.check_const(t.hi, f"the upper bound of {what}")
            if lo.kind != "int" or hi.kind != "int":
                raise self.check.fail("E0204", f"the bounds of {what} must be numbers", t.span)
            dim = hi.dim if hi.const != 0 or lo.const == 0 and hi.dim != NONE else lo.dim
            if lo.dim != hi.dim and lo.const != 0:
                raise self.check.fail("E0301", f"the bounds of {what} have different units", t.span,
                                      notes=(f"{dim_name(lo.dim)} .. {dim_name(hi.dim)}",))
            if dim not in (NONE, VOLUME, TIME, RATE, GLUCOSE):
                raise self.check.fail("E0204", f"{what} cannot hold {dim_name(dim)}", t.span)
            scale = Fraction(1)
            if dim == RATE:
                hint = hi.unit_hint or lo.unit_hint or "h"
                scale = 1 / self.base.ticks_per(hint)
            lo_i = self.check.exact(lo.const, scale, t.lo.span, dim)
            hi_i = self.check.exact(hi.const, scale, t.hi.span, dim)
        except Fail:
            return None
        if lo_i < 0:
            self.report(Diagnostic("E0304", f"{what} has a negative lower bound", t.lo.span,
                                   help="ranges start at 0 or above"))
            return None
        if lo_i > hi_i:
            self.report(Diagnostic("E0304", f"{what} is empty: {lo_i} > {hi_i}", t.span))
            return None
        unit = scale_name(dim, scale, self.base)
        return ir.IntType(lo_i, hi_i, unit, ir.Quantity(dim, scale)), dim, scale

    def var(self, item: ast.VarDecl) -> None:
        if not self.declare(item.name, "variable"):
            return
        if isinstance(item.type, ast.TableType):
            self.array(item, item.type)
            return
        got = self.read_type(item.type, f"`{item.name.name}`")
        if got is None:
            return
        vtype, dim, scale = got
        init = self.initial_value(item, vtype, dim, scale)
        var = ir.Variable(item.name.name, vtype, init, item.persistent, ir.Role.VAR, item.doc, item.span)
        self.variables.append(var)
        self.sym.vars[var.name] = VarInfo(var, dim, scale)

    def array(self, item: ast.VarDecl, t: ast.TableType) -> None:
        """``var NAME : table LO .. HI of ELEMENT = INIT``: one element variable
        ``NAME_<i>`` per index i, each starting at INIT (lowering: :class:`ir.Array`)."""
        name = item.name.name
        try:
            lo = self.check.check_const_int(t.lo, f"the first index of `{name}`", NONE)
            hi = self.check.check_const_int(t.hi, f"the last index of `{name}`", NONE)
        except Fail:
            return
        if lo < 0 or lo > hi:
            self.report(Diagnostic("E0304", f"the index range of `{name}` is {'negative' if lo < 0 else 'empty'}: "
                                   f"{lo} .. {hi}", t.span, help="indices run from 0 or above, LO <= HI"))
            return
        if hi - lo + 1 > MAX_TABLE_ELEMENTS:
            self.report(Diagnostic("E0204", f"a table of {hi - lo + 1} elements, more than {MAX_TABLE_ELEMENTS}",
                                   t.span, label="too many elements",
                                   help="a table is a register per element in the hardware: use fewer, "
                                        "coarser elements"))
            return
        if isinstance(t.element, ast.TableType):
            self.report(Diagnostic("E0204", f"the elements of `{name}` cannot be tables", t.element.span,
                                   help="a table's elements are `bool`, an enum or a range"))
            return
        got = self.read_type(t.element, f"the elements of `{name}`")
        if got is None:
            return
        vtype, dim, scale = got
        init = self.initial_value(item, vtype, dim, scale)
        elements = []
        for i in range(lo, hi + 1):
            element = f"{name}_{i}"
            if element in self.sym.declared_at:
                self.report(Diagnostic("E0101", f"`{element}` is an element of the table `{name}` but also "
                                       "declared", item.name.span,
                                       labels=(Label(self.sym.declared_at[element], "declared here"),),
                                       help="rename the declaration or the table"))
                return
            elements.append(ir.Variable(element, vtype, init, item.persistent, ir.Role.VAR,
                                        f"{name}[{i}]", item.span))
        for v in elements:
            self.sym.declared_at[v.name] = item.name.span
            self.variables.append(v)
            self.sym.vars[v.name] = VarInfo(v, dim, scale)
        decl = ir.Array(name, lo, hi, vtype, tuple(elements), item.persistent, item.span)
        self.arrays.append(decl)
        self.sym.arrays[name] = ArrayInfo(decl, tuple(self.sym.vars[v.name] for v in elements))

    def initial_value(self, item: ast.VarDecl, vtype: ir.Type, dim, scale: Fraction) -> ir.Value:
        """The constant initial value of a variable (or of every element of a table). A
        wrong one is reported and replaced by the type's least value, so the variable is
        still declared and its uses are checked (not reported as undeclared)."""
        fallback = vtype.lo if isinstance(vtype, ir.IntType) else \
            False if isinstance(vtype, ir.BoolType) else 0
        carrier = VarInfo(ir.Variable(item.name.name, vtype, 0), dim, scale)
        try:
            t = self.check.check(item.init, _const_ctx("an initial value"),
                                 vtype if isinstance(vtype, ir.EnumType) else None)
            if not t.is_const:
                raise self.check.fail("E0208", "an initial value must be a constant", item.init.span)
            init = self.check.convert_for_store(t, carrier, vtype, item.init.span, f"`{item.name.name}`")
        except Fail:
            return fallback
        value = init.value
        if isinstance(vtype, ir.IntType) and not vtype.lo <= value <= vtype.hi:
            def spec_units(n: int) -> str:
                return format_quantity(n, dim, self.base.step_units, self.base.tick_seconds, scale)
            self.report(Diagnostic("E0205", f"the initial value {value} is outside {vtype}", item.init.span,
                                   label=f"{spec_units(value)}, outside {spec_units(vtype.lo)} .. "
                                         f"{spec_units(vtype.hi)}"))
            return fallback
        return value

    def flag(self, item: ast.FlagDecl) -> None:
        if not self.declare(item.name, item.kind):
            return
        var = ir.Variable(item.name.name, ir.BOOL, False, item.persistent, ir.Role(item.kind), item.doc,
                          item.span)
        self.variables.append(var)
        self.sym.vars[var.name] = VarInfo(var, NONE, Fraction(1))

    def read_states(self) -> None:
        initial = [s for s in self.state_decls if s.initial]
        if len(initial) != 1:
            span = initial[1].name.span if len(initial) > 1 else self.spec.name.span
            self.report(Diagnostic(
                "E0107", "no initial state" if not initial else "more than one initial state", span,
                help="mark exactly one state `initial`"))
        self.initial = initial[0].name.name if initial else (
            self.state_decls[0].name.name if self.state_decls else "")
        self.sym.states = {s.name.name: s.name.span for s in self.state_decls}
        self.policies = {s.name.name: self.policy(s.policy) for s in self.state_decls}

    def policy(self, p: ast.PolicyDecl) -> ir.Policy:
        if p.kind == "ignore":
            return ir.Policy(ir.PolicyKind.IGNORE, None)
        return ir.Policy(ir.PolicyKind.REJECT, self.reasons.get(p.requirement, p.text, p.span))

    def read_events(self) -> None:
        self.events = [ir.Event("tick", 0, (), ir.EventKind.TICK), ir.Event("reset", 1, (), ir.EventKind.RESET)]
        for item in self.spec.items:
            if not isinstance(item, ast.EventDecl) or not self.declare(item.name, "event"):
                continue
            params = []
            infos: dict[str, VarInfo] = {}
            for p in item.params:
                if p.name.name in infos:
                    self.report(Diagnostic("E0101", f"parameter `{p.name.name}` is declared twice", p.name.span))
                    continue
                got = self.read_type(p.type, f"the parameter `{p.name.name}`")
                if got is None:
                    continue
                ptype, dim, scale = got
                params.append(ir.EventParam(p.name.name, ptype, p.span))
                infos[p.name.name] = VarInfo(ir.Variable(p.name.name, ptype, 0), dim, scale)
            event = ir.Event(item.name.name, len(self.events), tuple(params), ir.EventKind.USER, item.span)
            self.events.append(event)
            self.sym.event_param_info[event.name] = infos
        for e in self.events:
            self.sym.events[e.name] = e


def _const_ctx(what: str) -> Context:
    return Context(what, constant=True)
