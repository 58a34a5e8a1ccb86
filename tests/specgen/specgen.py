"""Random well-formed pumpspec specs, as text: the hypothesis strategy ``specs()``.

Every generated spec is type- and unit-correct by construction (expressions are drawn
for a wanted type: bool, an enum, or a number of one dimension), so it passes `check`;
it is not meant to be provable. The generator covers the whole surface language of
docs/language.md: units, enums, constants and tables, variables of every type (with
units, persistent), alarms and alerts, states with reject/ignore policies, events with
parameters, transitions (multi-source, targets, guards with and without reject reasons
and requirement ids, updates), event policies, tick transitions, `every tick`, a motor
section (sources with rates, limits and `hold`, budget, limiter and watchdog) with
windows, every property kind, and the hazard analysis (requirements, hazards, causes).

Quantities are drawn as whole numbers of base units (steps, ticks, steps per hour) and
written in a unit that represents them exactly (`0.05 U`, `250 mU`, `3 min`, `1.2 U/h`,
`90 mg/dL`).

Beyond typing, the spec keeps the rules `check` adds for the backends: `clock` declared
and a tick a whole number of cycles, bursts that fit in a tick, a limiter spanning 2
ticks or more whose budget allows two ticks' largest request and every legal delivery,
a watchdog of 1 tick or more, and no source that can step in its first tick (1 step per
tick or more) running in the initial state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import ceil

from hypothesis import strategies as st

BOOL, ENUM, NUM = "bool", "enum", "num"
PLAIN, VOLUME, TIME, RATE, GLUCOSE = "plain", "volume", "time", "rate", "glucose"


@dataclass(frozen=True)
class Ty:
    kind: str  # BOOL | ENUM | NUM
    name: str = ""  # the enum's name, or the number's dimension

    def __str__(self) -> str:
        return self.name or self.kind


T_BOOL = Ty(BOOL)


def num(dim: str) -> Ty:
    return Ty(NUM, dim)


@dataclass(frozen=True)
class Units:
    step_mu: int  # one motor step in mU
    tick_ms: int
    clock_mhz: int

    @property
    def step_u(self) -> Fraction:
        return Fraction(self.step_mu, 1000)

    @property
    def ticks_per_hour(self) -> Fraction:
        return Fraction(3_600_000, self.tick_ms)


@dataclass(frozen=True)
class Named:
    name: str
    ty: Ty
    lo: int = 0  # numbers: the range in base units (steps, ticks, steps per hour)
    hi: int = 0
    persistent: bool = False
    flag: str = ""  # "alarm" | "alert" for flags


@dataclass(frozen=True)
class Source:
    name: str
    peak: int  # highest rate, steps per hour
    states: tuple[str, ...]
    has_acc: bool  # its rate is not a whole number of steps per tick: it has `.acc`


@dataclass(frozen=True)
class Ctx:
    """What an expression may read."""

    params: tuple[Named, ...] = ()
    tick: bool = False  # steps, <source>.steps/.raw/.active
    assertion: bool = False  # accepted, rejected, next(...)
    constant: bool = False  # constants and literals only


# precedence levels of the printed expressions (higher binds tighter)
IF, IMPLIES, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, ATOM = range(10)


def decimal(q: Fraction) -> str:
    """An exact decimal for a fraction whose denominator divides a power of ten."""
    if q.denominator == 1:
        return str(q.numerator)
    for digits in range(1, 12):
        scaled = q * 10 ** digits
        if scaled.denominator == 1:
            text = f"{scaled.numerator:0{digits + 1}d}"
            return f"{text[:-digits]}.{text[-digits:]}".rstrip("0").rstrip(".")
    raise ValueError(f"{q} has no short decimal")


@dataclass
class Spec:
    """The declarations drawn so far: what later items and expressions may use."""

    units: Units
    enums: dict[str, list[str]] = field(default_factory=dict)
    consts: list[Named] = field(default_factory=list)  # lo == hi == the value
    tables: list[tuple[str, str, Ty]] = field(default_factory=list)  # name, enum, entry type
    vars: list[Named] = field(default_factory=list)  # variables, alarms and alerts
    # table variables: (the table's name, element type and range, persistence; first index, last)
    arrays: list[tuple[Named, int, int]] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    events: dict[str, tuple[Named, ...]] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    windows: list[str] = field(default_factory=list)
    initial: str = ""
    reqs: list[str] = field(default_factory=list)  # requirement ids carried so far


class Writer:
    """Draws the text of one spec."""

    def __init__(self, draw, programmes: bool = False):
        self.draw = draw
        self.programmes = programmes
        self.items: list[str] = []
        self.counter = 0

    def programme(self, table: Named, first: int, last: int) -> bool:
        """With ``programmes`` every table is drawn as a basal programme: numbers, at least
        8 of them, persistent, read and written only at run-time indices (a plain variable
        or parameter where there is one) and written only by events, so the Verilog design
        keeps it in block RAM (compiler/backends/verilog/_table_ram.py)."""
        return self.programmes and last - first + 1 >= 8 and table.persistent

    # -- small draws

    def pick(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def chance(self, p: float) -> bool:
        return self.draw(st.floats(0, 1)) < p

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def subset(self, seq, min_size: int = 1) -> list:
        seq = list(seq)
        chosen = self.draw(st.lists(st.sampled_from(seq), min_size=min_size, max_size=len(seq),
                                    unique=True))
        return sorted(chosen, key=seq.index)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def req(self) -> str:
        """A fresh requirement id, in one of the shapes REQ allows."""
        n = len(self.spec.reqs) + 1
        ident = self.pick([f"R-{n}", f"PS-{n:02d}", f"X9-{n}a"])
        self.spec.reqs.append(ident)
        return ident

    def text(self) -> str:
        words = ["the", "pump", "must", "dose", "stop", "a", "bolus", "\\", "{x}", "%s", "µ", "é",
                 "'", "''' ", "→", "//", "/*", "*/", "#", "$", "\t"]
        return '"' + " ".join(self.draw(st.lists(st.sampled_from(words), max_size=6))) + '"'

    def comment(self) -> str:
        if not self.chance(0.2):
            return ""
        body = self.pick(["note", "µ-step", "x \\ y", "a 'quote'", "tab\there", "{braces}"])
        return f"   // {body}" if self.chance(0.7) else f"   /* {body} */"

    # -- quantities

    def quantity(self, dim: str, n: int) -> str:
        """``n`` base units of ``dim`` (steps, ticks, steps per hour) as exact text."""
        u = self.spec.units
        sign, n = ("-", -n) if n < 0 else ("", n)
        if dim == PLAIN:
            return f"{sign}{n}"
        if dim == GLUCOSE:
            return f"{sign}{n} mg/dL"
        if dim == VOLUME:
            forms = [f"{n} steps", f"{decimal(n * u.step_u)} U", f"{n * u.step_mu} mU"]
            if n == 1:
                forms.append("1 step")
        elif dim == TIME:
            ms = n * u.tick_ms
            forms = [f"{n} ticks", f"{ms} ms", f"{ms * 1000} us"]
            if n == 1:
                forms.append("1 tick")
            if ms % 1000 == 0:
                forms.append(f"{ms // 1000} s")
            if ms % 60_000 == 0:
                forms.append(f"{ms // 60_000} min")
            if ms % 3_600_000 == 0:
                forms.append(f"{ms // 3_600_000} h")
        else:
            forms = [f"{decimal(n * u.step_u)} U/h", f"{n} steps/h"]
            if n % 60 == 0:
                forms.append(f"{decimal(n // 60 * u.step_u)} U/min")
        return sign + self.pick(forms)

    def literal(self, ty: Ty, lo: int = 0, hi: int = 40) -> str:
        if ty.kind == BOOL:
            return self.pick(["true", "false"])
        if ty.kind == ENUM:
            return self.member(ty.name)
        return self.quantity(ty.name, self.int(lo, hi))

    def argument(self, p: Named) -> str:
        """A value of the event parameter ``p`` as a spec writes it in a scenario: a rate
        whose range type_text may have written per minute is whole steps per minute."""
        if p.ty.kind == NUM and p.ty.name == RATE and p.lo % 60 == 0 and p.hi % 60 == 0:
            return self.quantity(RATE, 60 * self.int(p.lo // 60, p.hi // 60))
        return self.literal(p.ty, p.lo, p.hi)

    def member(self, enum: str) -> str:
        m = self.pick(self.spec.enums[enum])
        return f"{enum}.{m}" if self.chance(0.4) else m

    # -- expressions: (text, precedence)

    def expr(self, ty: Ty, ctx: Ctx, depth: int = 2) -> str:
        return self.typed(ty, ctx, depth)[0]

    def operand(self, ty: Ty, ctx: Ctx, depth: int, level: int) -> str:
        text, prec = self.typed(ty, ctx, depth)
        return text if prec >= level else f"({text})"

    def typed(self, ty: Ty, ctx: Ctx, depth: int) -> tuple[str, int]:
        if ty.kind == BOOL:
            return self.boolean(ctx, depth)
        if ty.kind == ENUM:
            return self.enum_value(ty, ctx, depth)
        return self.number(ty.name, ctx, depth)

    def readable(self, ctx: Ctx, ty: Ty) -> list[str]:
        """Names of type ``ty`` readable in ``ctx``."""
        names = [c.name for c in self.spec.consts if c.ty == ty]
        if not ctx.constant:
            names += [v.name for v in self.spec.vars if v.ty == ty]
            names += [p.name for p in ctx.params if p.ty == ty]
            for table, first, last in self.spec.arrays:
                if table.ty == ty and self.chance(0.5):
                    runtime = self.programme(table, first, last)
                    names.append(f"{table.name}[{self.index(first, last, ctx, runtime)}]")
                # a long table's min or max is a serial fold in the Verilog design
                folds = 0.5 if last - first + 1 >= 8 else 0.2
                if table.ty == ty and ty.kind == NUM and first < last and self.chance(folds):
                    names.append(f"{self.pick(['min', 'max'])}({table.name})")
        return names

    def index(self, first: int, last: int, ctx: Ctx, runtime: bool = False) -> str:
        """An index of a table variable that is in first..last by its interval alone:
        a constant (unless ``runtime``), a clamped or a wrapped plain number."""
        shape = self.pick(["clamp", "wrap"] if runtime else ["const", "clamp", "wrap"])
        if shape == "const":
            return str(self.int(first, last))
        # a programme's index reads a plain variable or parameter where there is one (an
        # expression of constants would be a write at a constant index)
        plain = [x.name for x in [*self.spec.vars, *ctx.params] if x.ty == num(PLAIN)] if runtime else []
        e = self.pick(plain) if plain else self.expr(num(PLAIN), replace(ctx, constant=False), 0)
        if shape == "clamp":
            return f"min(max({e}, {first}), {last})"
        return f"{first} + ({e}) mod {last - first + 1}" if first else f"({e}) mod {last + 1}"

    def number(self, dim: str, ctx: Ctx, depth: int) -> tuple[str, int]:
        ty = num(dim)
        leaves = self.readable(ctx, ty)
        if not ctx.constant:
            if dim == VOLUME:
                leaves += [f"{w}.{f}" for w in self.spec.windows for f in ("total", "room")]
                if ctx.tick:
                    leaves += ["steps"] + [f"{s.name}.{f}" for s in self.spec.sources
                                           for f in ("steps", "raw")]
        tables = [t for t in self.spec.tables if t[2] == ty]
        if depth <= 0 or self.chance(0.35):
            if tables and self.chance(0.15):
                name, enum, _ = self.pick(tables)
                return f"{name}[{self.expr(Ty(ENUM, enum), ctx, 0)}]", ATOM
            if leaves and self.chance(0.7):
                return self.pick(leaves), ATOM
            text = self.literal(ty)
            return text, UNARY if text.startswith("-") else ATOM
        shapes = ["add", "sub", "neg", "mul", "minmax", "if", "paren"]
        if dim == VOLUME and [c for c in self.spec.consts if c.ty == num(RATE)]:
            shapes.append("round")
        if dim != RATE:  # a rate's base unit is a step per tick, rates hold fractions of it
            shapes.append("divmod")
        if dim == PLAIN:
            shapes.append("quotient")
        if not ctx.constant and ctx.assertion:
            shapes.append("next")
        shape = self.pick(shapes)
        d = depth - 1
        if shape in ("add", "sub"):
            op = "+" if shape == "add" else "-"
            return f"{self.operand(ty, ctx, d, SUM)} {op} {self.operand(ty, ctx, d, PRODUCT)}", SUM
        if shape == "neg":
            return f"-{self.operand(ty, ctx, d, UNARY)}", UNARY
        if shape == "mul":
            factor = self.factor(ctx)
            a = self.operand(ty, ctx, d, PRODUCT)
            if self.chance(0.5):
                return f"{a} * {factor}", PRODUCT
            return f"{factor} * {self.operand(ty, ctx, d, UNARY)}", PRODUCT
        if shape == "divmod":
            a = self.operand(ty, ctx, d, PRODUCT)
            op = self.pick(["div", "mod"])
            if op == "mod":  # modulus of the same dimension, positive
                return f"{a} mod {self.literal(ty, 1, 30)}", PRODUCT
            return f"{a} div {self.int(1, 9)}", PRODUCT
        if shape == "quotient":  # a volume div a volume, a time div a time: a plain number
            unit = self.pick([VOLUME, TIME, GLUCOSE])
            return f"{self.operand(num(unit), ctx, d, PRODUCT)} div {self.literal(num(unit), 1, 30)}", PRODUCT
        if shape == "minmax":
            args = [self.expr(ty, ctx, d) for _ in range(self.int(2, 3))]
            return f"{self.pick(['min', 'max'])}({', '.join(args)})", ATOM
        if shape == "if":
            return (f"if {self.expr(T_BOOL, ctx, d)} then {self.expr(ty, ctx, d)} "
                    f"else {self.expr(ty, ctx, d)}", IF)
        if shape == "round":  # floor/ceil of a constant rational volume
            rate = self.pick([c.name for c in self.spec.consts if c.ty == num(RATE)])
            return f"{self.pick(['floor', 'ceil'])}({rate} * {self.quantity(TIME, self.int(1, 90))})", ATOM
        if shape == "next":
            return f"next({self.expr(ty, replace(ctx, assertion=False, params=(), tick=False), d)})", ATOM
        return f"({self.expr(ty, ctx, d)})", ATOM

    def factor(self, ctx: Ctx) -> str:
        """A non-zero constant factor (a run-time value times 0 is a constant 0)."""
        plain = [c.name for c in self.spec.consts if c.ty == num(PLAIN) and 0 < abs(c.lo) < 50]
        if plain and self.chance(0.3):
            return self.pick(plain)
        return str(self.int(1, 5))

    def rational(self, ctx: Ctx, depth: int) -> str:
        """A volume that may be a fraction of a step: a rate times a time, or an accumulator."""
        with_acc = [x.name for x in self.spec.sources if x.has_acc]
        if with_acc and not ctx.constant and self.chance(0.4):
            return f"{self.pick(with_acc)}.acc"
        rate = self.operand(num(RATE), ctx, depth, PRODUCT)
        return f"{rate} * {self.quantity(TIME, self.int(1, 90))}"

    def boolean(self, ctx: Ctx, depth: int) -> tuple[str, int]:
        leaves = ["true", "false"]
        if not ctx.constant:
            leaves += self.readable(ctx, T_BOOL) + ["motor_on", "alarm_latched"]
            if ctx.tick:
                leaves += [f"{s.name}.active" for s in self.spec.sources]
            if ctx.assertion:
                leaves += ["accepted", "rejected"]
        if depth <= 0 or self.chance(0.25):
            return self.pick(leaves), ATOM
        d = depth - 1
        shapes = ["and", "or", "implies", "not", "compare", "compare", "compare", "state", "if"]
        if self.spec.enums:
            shapes.append("enum")
        if ctx.assertion:
            shapes.append("next")
        shape = self.pick(shapes)
        if shape == "and":
            return f"{self.bool_operand(ctx, d, AND)} and {self.bool_operand(ctx, d, NOT)}", AND
        if shape == "or":
            return f"{self.bool_operand(ctx, d, OR)} or {self.bool_operand(ctx, d, AND)}", OR
        if shape == "implies":
            return f"{self.bool_operand(ctx, d, OR)} implies {self.bool_operand(ctx, d, IMPLIES)}", IMPLIES
        if shape == "not":
            return f"not {self.bool_operand(ctx, d, NOT)}", NOT
        if shape == "compare":
            if self.chance(0.15):  # bools compare with == and !=
                op = self.pick(["==", "!="])
                return f"{self.bool_operand(ctx, d, ATOM)} {op} {self.bool_operand(ctx, d, ATOM)}", COMPARE
            dim = self.pick([PLAIN, VOLUME, TIME, RATE, GLUCOSE])
            op = self.pick(["==", "!=", "<", "<=", ">", ">="])
            left = self.operand(num(dim), ctx, d, SUM)
            right = self.operand(num(dim), ctx, d, SUM)
            if self.chance(0.15):  # a plain 0 is zero in every unit
                right = "0"
            elif dim == VOLUME and self.chance(0.2):
                right = f"({self.rational(ctx, d)})"
            return f"{left} {op} {right}", COMPARE
        if shape == "state":
            if ctx.constant:
                return self.pick(["true", "false"]), ATOM
            if self.chance(0.5):
                return f"state {self.member_of()} {{{', '.join(self.subset(self.spec.states))}}}", COMPARE
            return f"state {self.pick(['==', '!='])} {self.pick(self.spec.states)}", COMPARE
        if shape == "enum":
            enum = self.pick(sorted(self.spec.enums))
            value = self.operand(Ty(ENUM, enum), ctx, d, SUM)
            if self.chance(0.5):
                members = self.subset(self.spec.enums[enum])
                return f"{value} {self.member_of()} {{{', '.join(members)}}}", COMPARE
            op = self.pick(["==", "!="])
            return f"{value} {op} {self.operand(Ty(ENUM, enum), ctx, d, SUM)}", COMPARE
        if shape == "next":
            return f"next({self.expr(T_BOOL, replace(ctx, assertion=False, params=(), tick=False), d)})", ATOM
        return (f"if {self.expr(T_BOOL, ctx, d)} then {self.expr(T_BOOL, ctx, d)} "
                f"else {self.expr(T_BOOL, ctx, d)}", IF)

    def member_of(self) -> str:
        return self.pick(["in", "not in"])

    def bool_operand(self, ctx: Ctx, depth: int, level: int) -> str:
        return self.operand(T_BOOL, ctx, depth, level)

    def enum_value(self, ty: Ty, ctx: Ctx, depth: int) -> tuple[str, int]:
        leaves = self.readable(ctx, ty)
        if depth <= 0 or self.chance(0.5) or ctx.constant:
            if leaves and self.chance(0.6):
                return self.pick(leaves), ATOM
            return self.member(ty.name), ATOM
        if ctx.assertion and self.chance(0.3):
            return f"next({self.expr(ty, replace(ctx, assertion=False, params=(), tick=False), depth - 1)})", ATOM
        return (f"if {self.expr(T_BOOL, ctx, depth - 1)} then {self.expr(ty, ctx, depth - 1)} "
                f"else {self.expr(ty, ctx, depth - 1)}", IF)

    # -- declarations

    def units_block(self) -> None:
        u = self.spec.units
        step = self.pick([f"{decimal(u.step_u)} U", f"{u.step_mu} mU"])
        tick = f"{u.tick_ms // 1000} s" if u.tick_ms % 1000 == 0 else f"{u.tick_ms} ms"
        clock = self.pick([f"{u.clock_mhz} MHz", f"{u.clock_mhz * 1000} kHz"])
        defs = [f"step = {step}", f"tick = {tick}", f"clock = {clock}"]
        if self.chance(0.5):
            self.items.append("units {\n    " + "\n    ".join(defs) + "\n}")
        else:
            self.items.append("units { " + "   ".join(defs) + " }")

    def enums(self) -> None:
        for _ in range(self.int(0, 2)):
            name = self.fresh("Kind")
            members = [self.fresh("k") for _ in range(self.int(1, 4))]
            self.spec.enums[name] = members
            self.items.append(f"enum {name} {{ {', '.join(members)} }}" + self.comment())

    def consts(self) -> None:
        for _ in range(self.int(0, 4)):
            dim = self.pick([PLAIN, VOLUME, TIME, RATE, GLUCOSE])
            name = self.fresh("C")
            value = self.int(0, 60)
            earlier = [c for c in self.spec.consts if c.ty == num(dim)]
            if earlier and self.chance(0.3):
                other = self.pick(earlier)
                text = f"{other.name} + {self.quantity(dim, value)}"
                value += other.lo
            else:
                text = self.quantity(dim, value)
            self.spec.consts.append(Named(name, num(dim), value, value))
            self.items.append(f"const {name} = {text}" + self.comment())
        for enum, members in self.spec.enums.items():
            if self.chance(0.5):
                name = self.fresh("TAB")
                dim = self.pick([PLAIN, VOLUME, TIME, RATE, GLUCOSE])
                entries = [f"{m}: {self.quantity(dim, self.int(0, 40))}" for m in members]
                self.spec.tables.append((name, enum, num(dim)))
                self.items.append(f"const {name} = table {enum} {{ {', '.join(entries)} }}")

    def type_text(self, ty: Ty, lo: int, hi: int, stored: bool = True) -> str:
        """A type; a rate range holds whole steps per the time unit it is written in, so
        ``stored`` ones (variables: every value assigned must fit) are per hour."""
        if ty.kind != NUM:
            return ty.name or "bool"
        if ty.name == RATE:
            u = self.spec.units.step_u
            if not stored and lo % 60 == 0 and hi % 60 == 0 and self.chance(0.5):
                return f"{decimal(lo // 60 * u)} U/min .. {decimal(hi // 60 * u)} U/min"
            return f"{decimal(lo * u)} U/h .. {self.pick([f'{hi} steps/h', f'{decimal(hi * u)} U/h'])}"
        fitting = [c.name for c in self.spec.consts if c.ty == ty and c.lo == hi]
        high = self.pick(fitting) if fitting and self.chance(0.5) else self.quantity(ty.name, hi)
        return f"{self.quantity(ty.name, lo)} .. {high}"

    def draw_type(self, number: bool = False) -> tuple[Ty, int, int]:
        kinds = [NUM] if number else [BOOL, NUM, NUM, NUM] + ([ENUM] if self.spec.enums else [])
        kind = self.pick(kinds)
        if kind == BOOL:
            return T_BOOL, 0, 1
        if kind == ENUM:
            enum = self.pick(sorted(self.spec.enums))
            return Ty(ENUM, enum), 0, len(self.spec.enums[enum]) - 1
        dim = self.pick([PLAIN, VOLUME, TIME, RATE, GLUCOSE])
        lo = self.int(0, 3) if self.chance(0.3) else 0
        return num(dim), lo, lo + self.int(0, 300)

    def variables(self) -> None:
        for _ in range(self.int(1, 6)):
            ty, lo, hi = self.draw_type()
            name = self.fresh("v")
            persistent = self.chance(0.4)
            self.spec.vars.append(Named(name, ty, lo, hi, persistent))
            init = self.literal(ty, lo, hi) if ty.kind != NUM else self.quantity(ty.name, self.int(lo, hi))
            prefix = "persistent " if persistent else ""
            self.items.append(f"{prefix}var {name} : {self.type_text(ty, lo, hi)} = {init}" + self.comment())
        if self.chance(0.35):  # a table variable
            ty, lo, hi = self.draw_type(number=self.programmes)
            # with ``programmes`` always numbers, long and persistent: a programme
            table = Named(self.fresh("arr"), ty, lo, hi, self.programmes or self.chance(0.5))
            first = self.int(0, 2)
            # often 8 entries or more: the Verilog design folds their min/max serially
            last = first + (self.int(7, 10) if self.programmes or self.chance(0.4)
                            else self.int(0, 5))
            self.spec.arrays.append((table, first, last))
            init = self.literal(ty, lo, hi) if ty.kind != NUM else self.quantity(ty.name, self.int(lo, hi))
            prefix = "persistent " if table.persistent else ""
            self.items.append(f"{prefix}var {table.name} : table {first} .. {last} of "
                              f"{self.type_text(ty, lo, hi)} = {init}")
        if self.chance(0.6):  # a volume variable: the motor budget
            name = self.fresh("vol")
            self.spec.vars.append(Named(name, num(VOLUME), 0, 500, True))
            self.items.append(f"persistent var {name} : 0 .. {self.quantity(VOLUME, 500)} = "
                              f"{self.quantity(VOLUME, self.int(0, 500))}")
        for _ in range(self.int(0, 3)):
            flag = self.pick(["alarm", "alert"])
            name = self.fresh(flag[:2])
            persistent = self.chance(0.4)
            self.spec.vars.append(Named(name, T_BOOL, 0, 1, persistent, flag))
            self.items.append(f"{'persistent ' if persistent else ''}{flag} {name}")

    def states_and_events(self) -> None:
        self.spec.states = [self.fresh("S") for _ in range(self.int(1, 5))]
        initial = self.spec.initial = self.pick(self.spec.states)
        for s in self.spec.states:
            init = " initial" if s == initial else ""
            if self.chance(0.7):
                req = f" {self.req()}" if self.chance(0.4) else ""
                policy = f"reject others{req} {self.text()}"
            else:
                policy = "ignore others"
            self.items.append(f"state {s}{init} {policy}" + self.comment())
        for _ in range(self.int(1, 5)):
            name = self.fresh("ev")
            params = []
            for _ in range(self.int(0, 3)):
                ty, lo, hi = self.draw_type()
                params.append(Named(self.fresh("p"), ty, lo, hi))
            self.spec.events[name] = tuple(params)
            if params:
                listed = ", ".join(f"{p.name}: {self.type_text(p.ty, p.lo, p.hi, stored=False)}" for p in params)
                self.items.append(f"event {name}({listed})")
            else:
                self.items.append(f"event {name}")

    def motor(self) -> None:
        s, u = self.spec, self.spec.units
        moving = self.subset(s.states)
        rates = [v for v in s.vars if v.ty == num(RATE) and v.lo >= 0]
        for _ in range(self.int(1, 3)):
            name = self.fresh("src")
            states = self.subset(moving)
            if rates and self.chance(0.6):
                var = self.pick(rates)
                rate, peak = var.name, var.hi
                if self.chance(0.3):
                    other = self.int(0, 200)
                    cond = self.expr(T_BOOL, Ctx(), 1)
                    rate = f"if {cond} then {var.name} else {self.quantity(RATE, other)}"
                    peak = max(peak, other)
                elif self.chance(0.3):
                    cap = self.int(0, 300)
                    rate, peak = f"min({var.name}, {self.quantity(RATE, cap)})", min(peak, cap)
            else:
                peak = self.int(0, 400) * self.pick([1, 60])
                if peak >= u.ticks_per_hour and states == [s.initial]:
                    peak = self.int(0, int(u.ticks_per_hour) - 1)
                rate = self.quantity(RATE, peak)
            # A source of 1 step per tick or more can step in its first tick: not in the initial
            # state (E0409). Rate variables hold at most 303 steps/h, below a step per tick.
            if peak >= u.ticks_per_hour:
                states = [x for x in states if x != s.initial]
            limit = ""
            if self.chance(0.5):
                limit = f" limit {self.expr(num(VOLUME), Ctx(), 1)}"
            hold = " hold" if self.chance(0.3) else ""
            variable = not rate[0].isdigit()
            has_acc = variable or Fraction(peak) / u.ticks_per_hour % 1 != 0
            s.sources.append(Source(name, peak, tuple(states), has_acc))
            self.items.append(f"    source {name} rate {rate} during {', '.join(states)}{limit}{hold}")
        sources = self.items[-len(s.sources):]
        del self.items[-len(s.sources):]
        peak = sum(x.peak for x in s.sources) + self.int(0, 100)
        per_tick = Fraction(sum(x.peak for x in s.sources), 1) / u.ticks_per_hour
        max_steps_per_tick = int(per_tick) + 1 + self.int(0, 2)
        # the most steps one tick may request: each source at most ceil(its rate per tick)
        request = max(max_steps_per_tick, sum(ceil(x.peak / u.ticks_per_hour) for x in s.sources))
        settings = [
            f"step_high = {self.int(1, 20)} us", f"step_low = {self.int(1, 20)} us",
            f"max_rate = {self.quantity(RATE, peak)}",
            f"max_steps_per_tick = {max_steps_per_tick}",
        ]
        body = [f"    {x}" for x in settings]
        body.append(f"    moves in {', '.join(moving)}")
        budgets = [v.name for v in s.vars if v.ty == num(VOLUME) and v.lo == 0 and not v.flag]
        if budgets and self.chance(0.7):
            body.append(f"    budget {self.pick(budgets)}")
        body += sources
        windows = []
        for _ in range(self.int(0, 2)):
            name = self.fresh("win")
            buckets, length = self.int(2, 8), self.int(1, 600)
            limit = self.int(0, 2000)
            counts = self.subset([x.name for x in s.sources])
            windows.append((name, buckets, length, limit, counts))
            s.windows.append(name)
        if self.chance(0.6):  # a window over every source, covering the limiter's span
            name = self.fresh("win")
            buckets, length = self.int(2, 8), self.int(1, 600)
            windows.append((name, buckets, length, self.int(0, 2000), [x.name for x in s.sources]))
            s.windows.append(name)
            span = (buckets - 1) * length  # the window's buckets cover this many ticks
            if span >= 2 and self.chance(0.8):  # a limiter spans 2 ticks or more (E0408)
                # legal delivery over the span is within the window's limit (E0407), and the
                # limiter allows two ticks' largest request (E0408)
                budget = max(sum(w[3] for w in windows) + self.int(0, 50), 2 * request)
                body.append(f"    limiter {self.req()} = {self.quantity(VOLUME, budget)} per "
                            f"{self.quantity(TIME, self.int(2, span))}")
        if self.chance(0.6):
            body.append(f"    watchdog {self.req()} = {self.quantity(TIME, self.int(1, 100))}")
        # the items in any order, but the sources in theirs: a rate reads only the sources
        # above it (their `.acc`), and sources are served in declaration order
        order = body[:4] + self.draw(st.permutations(body[4:]))
        in_order = iter(sources)
        order = [next(in_order) if line in sources else line for line in order]
        self.items.append("motor {\n" + "\n".join(order) + "\n}")
        for name, buckets, length, limit, counts in windows:
            self.items.append(f"window {name} : {buckets} buckets of {self.quantity(TIME, length)}, "
                              f"limit {self.quantity(VOLUME, limit)}, counts {', '.join(counts)}")

    # -- behaviour

    def updates(self, ctx: Ctx, exclude: set[str] = frozenset(), written: set[str] | None = None,
                often: set[str] = frozenset()) -> str:
        """``do ...``: the tables it writes are added to ``written``; those in ``often`` are
        written with a higher chance."""
        targets = [v for v in self.spec.vars if v.name not in exclude]
        if not targets:
            return ""
        chosen = self.subset(targets) if self.chance(0.8) else []
        chosen = chosen[:4]
        parts = [f"{v.name} := {self.stored(v, ctx)}" for v in chosen]
        for table, first, last in self.spec.arrays:  # one element of a table per step
            runtime = self.programme(table, first, last)
            if runtime and ctx.tick:
                continue
            if self.chance(0.8 if table.name in often or runtime else 0.4):
                if written is not None:
                    written.add(table.name)
                parts.append(f"{table.name}[{self.index(first, last, ctx, runtime)}] := "
                             f"{self.stored(table, ctx)}")
        if not parts:
            return ""
        sep = self.pick([";\n       ", "; "])
        return "\n    do " + sep.join(parts) + (";" if self.chance(0.1) else "")

    def stored(self, var: Named, ctx: Ctx) -> str:
        """A value for ``var``: a constant one lies in its range (`check` refuses a constant
        stored outside it, E0205). An expression reading no run-time name is constant."""
        text = self.expr(var.ty, ctx, self.int(0, 3))
        if var.ty.kind != NUM:
            return text
        runtime = {v.name for v in self.spec.vars} | {p.name for p in ctx.params} | set(self.spec.windows)
        runtime |= {table.name for table, _, _ in self.spec.arrays}
        runtime |= {x.name for x in self.spec.sources} | {"state", "motor_on", "alarm_latched"}
        if runtime.isdisjoint(re.findall(r"[A-Za-z_]\w*", text)):
            return self.quantity(var.ty.name, self.int(var.lo, var.hi))
        return text

    def behaviour(self) -> None:
        s = self.spec
        for event, params in s.events.items():
            ctx = Ctx(params=params)
            free = list(s.states)  # states a further transition on this event may leave
            covered: set[str] = set()
            for _ in range(self.int(0, 3)):
                if not free:
                    break
                sources = self.subset(free)
                covered.update(sources)
                if self.chance(0.6):  # the rest may get more transitions for this event
                    free = [x for x in free if x not in sources]
                target = f" -> {self.pick(s.states)}" if self.chance(0.6) else ""
                guards = []
                for _ in range(self.int(0, 3)):
                    guard = f"\n    when {self.expr(T_BOOL, ctx, self.int(0, 3))}"
                    if self.chance(0.6):
                        req = f"{self.req()} " if self.chance(0.5) else ""
                        guard += f" else reject {req}{self.text()}"
                    guards.append(guard)
                self.items.append(f"on {event} from {', '.join(sources)}{target}{''.join(guards)}"
                                  f"{self.updates(ctx)}" + self.comment())
            for state in s.states:
                if state in covered or not self.chance(0.4):
                    continue
                if self.chance(0.5):
                    req = f"{self.req()} " if self.chance(0.5) else ""
                    self.items.append(f"on {event} from {state} reject {req}{self.text()}")
                else:
                    self.items.append(f"on {event} from {state} ignore")
        tick = Ctx(tick=True)
        ticked: set[str] = set()  # tables `every tick` writes
        if self.chance(0.7):
            body = self.updates(tick, written=ticked)
            if body:
                self.items.append("every tick" + body)
        for _ in range(self.int(0, 3)):
            sources = self.subset(s.states)
            target = f" -> {self.pick(s.states)}" if self.chance(0.7) else ""
            guards = "".join(f"\n    when {self.expr(T_BOOL, tick, 2)}" for _ in range(self.int(0, 2)))
            # often the tables `every tick` writes: a transition replaces only the elements it writes
            self.items.append(f"on tick from {', '.join(sources)}{target}{guards}{self.updates(tick, often=ticked)}")

    # -- properties

    def properties(self) -> None:
        s = self.spec
        for _ in range(self.int(0, 2)):
            self.items.append(f"invariant {self.req()} {self.text()}:\n    {self.expr(T_BOOL, Ctx(), 3)}")
        user = list(s.events)
        for _ in range(self.int(0, 3)):
            events = self.subset(user + ["tick", "reset"])
            params = s.events.get(events[0], ()) if len(events) == 1 else ()
            ctx = Ctx(params=params, tick=events == ["tick"], assertion=True)
            where = f" from {', '.join(self.subset(s.states))}" if self.chance(0.4) else ""
            self.items.append(f"assert {self.req()} {self.text()} on {', '.join(events)}{where}:\n"
                              f"    {self.expr(T_BOOL, ctx, 3)}")
        if user and len(s.states) > 1 and self.chance(0.4):
            listed = self.subset(s.states)[:len(s.states) - 1]  # at least one state refuses
            self.items.append(f"accepts {self.req()} {self.text()}:\n    {', '.join(self.subset(user))} "
                              f"only from {', '.join(listed)}")
        if self.chance(0.5):
            event = self.pick(user + ["tick"])
            when = ""
            if self.chance(0.6):
                when = f" when {self.expr(T_BOOL, Ctx(params=s.events.get(event, ())), 2)}"
            within = self.quantity(TIME, self.int(0, 5))
            self.items.append(f"respond {self.req()} {self.text()}:\n    on {event}{when} -> "
                              f"{self.expr(T_BOOL, Ctx(), 2)} within {within}")
        if self.chance(0.5):
            calls = []
            for _ in range(self.int(1, 4)):
                event = self.pick(user + ["tick", "reset"])
                params = s.events.get(event, ())
                args = [f"{p.name} = {self.argument(p)}" for p in params]
                calls.append(f"{event}({', '.join(args)})" if args else event)
            self.items.append(f"recover {self.req()} {self.text()}:\n    to {self.expr(T_BOOL, Ctx(), 2)} "
                              f"by {', '.join(calls)}")

    # -- hazard analysis

    def hazard_analysis(self) -> None:
        """Requirements (some of the ids carried so far, some fresh) and hazards whose causes
        name declared requirements only (E0102 otherwise), each at any place in the spec."""
        carried = list(self.spec.reqs)
        declared = self.subset(carried, min_size=0) if carried else []
        declared += [self.req() for _ in range(self.int(0 if declared else 1, 2))]
        for ident in declared:
            texts = " ".join(self.text() for _ in range(self.int(1, 3)))
            self.items.insert(self.int(0, len(self.items)), f"requirement {ident} {texts}")
        for _ in range(self.int(0, 2)):
            causes = []
            for _ in range(self.int(0, 3)):
                cause = f"\n    cause {self.text()}"
                control = self.pick(["by", "outside", "both", "neither"])
                if control in ("by", "both"):
                    cause += f" controlled by {', '.join(self.subset(declared))}"
                if control in ("outside", "both"):
                    by = f"{', '.join(self.subset(declared))} " if self.chance(0.5) else ""
                    cause += f" outside {by}{self.text()}"
                causes.append(cause)
            severity = self.pick(["negligible", "minor", "serious", "critical", "catastrophic"])
            hazard = f"hazard {self.fresh('H-')} {self.text()} severity {severity} {{{''.join(causes)}\n}}"
            self.items.insert(self.int(0, len(self.items)), hazard)


def runtime_indices(text: str) -> str:
    """``text`` with every table write at a constant index, ``t[c] := ...``, written at
    a run-time index of the same value, ``t[if state == S then c else c] := ...`` (S the
    first state): the same spec, lowered the way a write at a run-time index is."""
    first_state = re.search(r"^state (\w+)", text, re.M)
    if first_state is None:
        return text
    tables = "|".join(re.findall(r"^(?:persistent )?var (\w+) : table ", text, re.M))
    if not tables:
        return text
    return re.sub(rf"\b({tables})\[(\d+)\] :=",
                  lambda m: f"{m[1]}[if state == {first_state[1]} then {m[2]} else {m[2]}] :=", text)


@st.composite
def specs(draw, programmes: bool = False) -> str:
    """The text of a random well-formed spec (``programmes``: :meth:`Writer.programme`)."""
    w = Writer(draw, programmes)
    units = Units(step_mu=w.pick([10, 25, 50, 100]), tick_ms=w.pick([1000, 1000, 500, 2000]),
                  clock_mhz=w.pick([1, 4, 12]))
    w.spec = Spec(units)
    w.units_block()
    w.enums()
    w.consts()
    w.variables()
    w.states_and_events()
    if w.chance(0.85):
        w.motor()
    w.behaviour()
    w.properties()
    if w.chance(0.5):
        w.hazard_analysis()
    header = f"// generated spec\npump {w.fresh('Pump')}\n"
    return header + "\n".join(w.items) + "\n"
