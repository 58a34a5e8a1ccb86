"""Table variables in block RAM (area).

A table variable is one register per element (``ir.Array``). When the design reads its
elements only through serial folds (_serial.py: its ``max``, its reads at run-time
indices), one walk takes them in turn through an n-way multiplexer into the walk's
operand register, and a write ``t[i] := v`` loads ``v`` into every element through a
shared bus, so each element bit takes an iCE40 logic cell of its own. Here the table is a
RAM of ``n`` words, word ``k`` holding element ``lo + k``:

    written         one flag per word: written since reset (a reset clears the flags,
                    so a word not written since reads the table's initial value
                    without a walk over the addresses)
    element k       written[k] ? word k : init      (the wires v_<table>_<i>)
    q, q_ok         a registered read of word ``k`` of the walk (its counter) and of
                    its flag, in every cycle that writes none: the walk's operand
                    register is ``q_ok ? q : init``

and when an event that writes the table commits (``ev_commit``, the decision
``fire_q`` naming the transition)

    word (index - lo) <= value,   written[index - lo] <= 1.

A write cycle is a commit, after which the walk's operand is not claimed for a cycle
(``f_settle`` restarts at a commit: _serial.py's invariants), so the read it skips is
one no fold uses, and the RAM needs no logic for a read of the word being written. A
reset event clears the flags of a table that is not persistent.

The formal section reads the elements from ghost registers ``f_v_<table>_<i>`` that
take the write as the spec says (from the same address and value), so the spec's checks
reason about registers; ``f_pipeline_<ram>_words`` ties each word (with its flag) to its
ghost, and the walk's operand invariant compares its operand with the ghosts.

A table qualifies when it has at least :data:`~._serial.SERIAL_TERMS` integer elements
with one initial value, only event transitions write it (at least one; each write
``t[i] := v`` at a run-time index, which sets every element), and no guard, update, tick value or window
expression reads an element outside a ``max``/``min`` of the whole table or a read of it
at a run-time index (the folds that walk its elements in order).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...ir import nodes as ir
from ...ir.visitor import children
from ..common import Namer, identifier
from ._expr import Operand, VerilogPrinter, lit_signed, sbits, type_bits, ubits
from ._formal import Check
from ._serial import SERIAL_TERMS

# the prefix of a table RAM's registers and wires (a variable's is "v_")
TABLE_PREFIX = "m_"


@dataclass
class TableRam:
    """The RAM of one table variable and the registers around it."""

    table: str  # spec name
    stem: str  # m_<table>: the RAM <stem>_ram, its registers and wires <stem>_<part>
    words: int
    lo: int  # the first index: element lo + k is word k
    width: int  # an element's bits
    init: int  # every element's initial value
    persistent: bool
    elements: list[str]  # the elements' wires, by index
    spec_elements: list[str]  # their spec names
    element_type: ir.Type
    walk_k: str = ""  # the counter of the walk that reads the words (_serial.py), if any
    # (fire code, address, data) of each transition that writes the table (printed)
    writers: list[tuple[int, str, str]] = field(default_factory=list)

    def part(self, name: str) -> str:
        return f"{self.stem}_{name}"

    @property
    def name(self) -> str:
        return self.part("ram")

    @property
    def addr_width(self) -> int:
        return ubits(self.words - 1)

    @property
    def read(self) -> Operand:
        """The walk's operand: word ``k - 1`` of its counter (once settled)."""
        return Operand(self.part("read"), self.width, "unsigned")

    @property
    def ghosts(self) -> list[str]:
        """The formal section's registers for the elements."""
        return [f"f_{wire}" for wire in self.elements]

    def init_lit(self) -> str:
        return f"{self.width}'d{self.init}"

    @property
    def clear(self) -> str:
        """When the flags (and the ghosts) go back to the initial value: a reset, and a
        reset event for a table that is not persistent."""
        return "rst" if self.persistent else "rst || (ev_commit && (fire_q == FIRE_RESET))"

    def declarations(self) -> list[str]:
        w, n = self.width, self.words
        out = [f"(* ram_style = \"block\" *) reg [{w - 1}:0] {self.name} [0:{n - 1}];  "
               f"// {self.table}: element lo + k in word k ({n} words)",
               f"reg [{n - 1}:0] {self.part('written')};  // word k written since reset"]
        if self.walk_k:
            out += [f"reg [{w - 1}:0] {self.part('q')};  // word {self.walk_k} - 1, read",
                    f"reg {self.part('q_ok')};  // ... and its flag",
                    f"wire [{w - 1}:0] {self.read.text} = {self.part('q_ok')} ? "
                    f"{self.part('q')} : {self.init_lit()};"]
        for k, wire in enumerate(self.elements):
            out.append(f"wire [{w - 1}:0] {wire} = {self.part('written')}[{k}] ? "
                       f"{self.name}[{k}] : {self.init_lit()};")
        return out

    def add_writer(self, code: int, index: Operand, data: str, printer: VerilogPrinter) -> None:
        """Transition ``code - 1`` writes ``data`` at ``index`` (in lo .. lo + words - 1)."""
        if self.lo:
            iw = max(index.sbits, sbits(self.lo, self.lo)) + 1
            index = printer.wire(iw, f"{index.fit(iw)} - {lit_signed(self.lo, iw)}",
                                 f"{self.table}: the word written")
        self.writers.append((code, index.unsigned(self.addr_width), data))

    def roots(self) -> list[str]:
        """The printed addresses and values: read by the commit (pipeline roots)."""
        return [x for _, a, d in self.writers for x in (a, d)]

    def ports(self, fire_width: int) -> list[str]:
        """The write port (the commit of a writing transition) and the walk's registered
        read in every other cycle; the flags."""
        aw, w = self.addr_width, self.width
        fire = [f"(fire_q == {fire_width}'d{code})" for code, _, _ in self.writers]
        we, addr, data = self.part("we"), self.part("addr"), self.part("data")

        def chain(values: list[str]) -> str:
            return "".join(f"{f} ? {v} : " for f, v in zip(fire[:-1], values[:-1], strict=True)) + values[-1]

        out = [f"wire {we} = ev_commit && ({' || '.join(fire)});",
               f"wire [{aw - 1}:0] {addr} = {chain([a for _, a, _ in self.writers])};",
               f"wire [{w - 1}:0] {data} = {chain([d for _, _, d in self.writers])};",
               "always @(posedge clk) begin"]
        if self.walk_k:
            out += [f"    if ({we}) {self.name}[{addr}] <= {data};",
                    "    else begin",
                    f"        {self.part('q')} <= {self.name}[{self.walk_k}];",
                    f"        {self.part('q_ok')} <= {self.part('written')}[{self.walk_k}];",
                    "    end"]
        else:
            out.append(f"    if ({we}) {self.name}[{addr}] <= {data};")
        out += [f"    if ({self.clear}) {self.part('written')} <= {self.words}'d0;",
                f"    else if ({we}) {self.part('written')}[{addr}] <= 1'b1;",
                "end"]
        return out

    def ghost_lines(self) -> list[str]:
        """The elements as the spec writes them, from the write port's address and value."""
        aw = self.addr_width
        return [f"reg [{self.width - 1}:0] {', '.join(self.ghosts)};  "
                f"// `{self.table}`'s elements as the spec writes them",
                "always @(posedge clk)",
                f"    if ({self.clear}) begin",
                *[f"        {g} <= {self.init_lit()};" for g in self.ghosts],
                f"    end else if ({self.part('we')}) begin",
                *[f"        if ({self.part('addr')} == {aw}'d{k}) {g} <= {self.part('data')};"
                  for k, g in enumerate(self.ghosts)],
                "    end"]

    def checks(self) -> list[Check]:
        words = " && ".join(f"({g} == {wire})" for g, wire in zip(self.ghosts, self.elements,
                                                                   strict=True))
        return [Check(f"f_pipeline_{self.stem}_words", f"pipeline.{self.stem}.words", "pipeline",
                      f"the {self.words} words of table `{self.table}`'s RAM (a word not "
                      "written since reset reads the initial value) hold its elements",
                      "fsm", "", f"f_ok_pipeline_{self.stem}_words", words)]


def _walked(e: ir.Expr, elements: tuple[str, ...]) -> bool:
    """Whether ``e`` is a fold _serial.py walks over ``elements`` in order."""
    if isinstance(e, ir.MinMax):
        args = e.args
    elif isinstance(e, ir.Select) and isinstance(e.type, ir.IntType):
        args = e.elements
    else:
        return False
    return tuple(x.name if isinstance(x, ir.Var) else None for x in args) == elements


def _reads(e: ir.Expr, elements: tuple[str, ...]) -> bool:
    """Whether ``e`` reads an element outside the folds over all of them."""
    if _walked(e, elements):
        return isinstance(e, ir.Select) and _reads(e.index, elements)
    if isinstance(e, ir.Var) and e.name in elements:
        return True
    return any(_reads(x, elements) for x in children(e))


def ram_tables(m: ir.Module) -> list[ir.Array]:
    """The table variables kept in a RAM (the module docstring's rule)."""
    # every expression the design prints, but the tables' own writes (added per table)
    common = [g.cond for t in m.transitions for g in t.guards]
    common += [x.value for x in m.tick_lets] + [u.value for u in m.tick_updates]
    common += [x for w in m.windows for x in (w.wrap, w.counted)]
    out = []
    for a in m.arrays:
        elements = tuple(v.name for v in a.elements)
        if (len(elements) < SERIAL_TERMS or not isinstance(a.element_type, ir.IntType)
                or len({int(v.init) for v in a.elements}) != 1
                or any(u.var in elements for u in m.tick_updates)):
            continue
        exprs = list(common)
        writes_ok, writers = True, 0
        for t in m.transitions:
            mine = [u for u in t.updates if u.var in elements]
            exprs += [u.value for u in t.updates if u.var not in elements]
            if not mine:
                continue
            write = mine[0].write
            if (t.event == "tick" or write is None or write.array != a.name
                    or len(mine) != len(elements) or any(u.write != write for u in mine)):
                writes_ok = False
                break
            exprs += [write.index, write.value]
            writers += 1
        if writes_ok and writers and not any(_reads(e, elements) for e in exprs):
            out.append(a)
    return out


def build(a: ir.Array, namer: Namer, var_reg: dict[str, str]) -> TableRam:
    stem = f"{TABLE_PREFIX}{identifier(a.name)}"
    for part in ("ram", "written", "q", "q_ok", "read", "we", "addr", "data"):
        namer.add(f"{a.name}.{part}", f"{stem}_{part}", "table RAM", a.span)
    return TableRam(a.name, stem, len(a.elements), a.lo, type_bits(a.element_type),
                    int(a.elements[0].init), a.persistent,
                    [var_reg[v.name] for v in a.elements], [v.name for v in a.elements],
                    a.element_type)
