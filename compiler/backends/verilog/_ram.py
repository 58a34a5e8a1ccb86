"""Dose-window buckets in block RAM (area).

A window of ``n`` buckets shifts them on a wrap tick (``ir.Window``): ``b1' = b0 +
counted``, ``bi' = b(i-1)``, the oldest dropped. As registers, every bucket bit loaded
straight from another register takes an iCE40 logic cell of its own. Here the middle
buckets ``b1 .. b(n-2)`` are the ``W = n - 2`` words of a RAM used as a ring; ``b0`` (read
and written on every tick) and ``b(n-1)`` (read by the running total when it drops)
stay registers:

    head            the word holding b(n-2), the oldest in the RAM
    bi  (1<=i<=W)   word (head + W - i) mod W, when i <= filled; else 0
    filled          words written since reset, saturating at W (reset clears the
                    buckets: a word not written since reads 0)
    next            a registered read of word head in every cycle that writes none:
                    b(n-2) unless the cycle before was a tick or a reset

and on a wrap tick

    word head <= b0 + counted        (the new b1)
    b(n-1)    <= next                (the old b(n-2))
    head      <= head + 1 mod W,  filled <= min(filled + 1, W).

A tick follows at least one cycle of hold (no tick, no reset: HOLD_CYCLES >= 1), so
``next`` is settled at every tick. Only the registered read is logic: the buckets' wires
(``v_<window>_b<i>``, asynchronous reads) are for the formal section and the lockstep
bench, and synthesis drops them, so the RAM maps to block RAM (one read port, one write
port).

The formal section reads the middle buckets from ghost registers ``f_v_<window>_b<i>``
that shift as the spec says (on a wrap tick the first loads the written word, each other
its predecessor), so the spec's checks over the buckets reason about registers, not
about a RAM's ring; three pipeline checks tie the ring to them: ``head`` and ``filled``
stay in range (``f_pipeline_<ram>_ring``), each word's wire equals its ghost
(``f_pipeline_<ram>_words``) and ``next`` holds bucket ``W`` after a cycle of hold
(``f_pipeline_<ram>_next``).

A window qualifies when nothing but its own tick updates reads its middle buckets (the
guards read its running total) and it has at least :data:`RAM_WORDS` of them; an
insulin-on-board curve that weighs each bucket keeps them as registers.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...ir import nodes as ir
from ...ir.visitor import children
from ...reserved import VERILOG_PREFIXES
from ..common import Namer, identifier
from ._expr import Operand, VerilogPrinter, type_bits, ubits
from ._formal import Check

# A window with at least this many middle buckets keeps them in a RAM.
RAM_WORDS = 4


@dataclass
class WindowRam:
    """The RAM of one window's middle buckets and the registers around it."""

    window: str  # spec name
    name: str  # the RAM: w_<window>_ram; its registers w_<window>_{head,filled,next_q,next_ok}
    words: int  # W = buckets - 2
    width: int  # a bucket's bits
    buckets: list[str]  # b1 .. b(n-2): the wires of the words, in bucket order
    spec_words: list[str]  # their spec names
    first: str  # b0's register
    last: str  # b(n-1)'s register
    spec_last: str  # b(n-1)'s spec name
    wrap: str = ""  # the window wraps on this tick (printed)
    data: str = ""  # b0 + counted, the word written on a wrap tick (printed)

    @property
    def stem(self) -> str:
        return self.name.removesuffix("_ram")

    @property
    def spec_updated(self) -> frozenset[str]:
        """The buckets whose tick updates the RAM's logic prints (the IR's are not)."""
        return frozenset([*self.spec_words, self.spec_last])

    @property
    def head(self) -> str:
        return f"{self.stem}_head"

    @property
    def filled(self) -> str:
        return f"{self.stem}_filled"

    @property
    def next(self) -> str:
        return f"{self.stem}_next"

    @property
    def head_width(self) -> int:
        return ubits(self.words - 1)

    @property
    def filled_width(self) -> int:
        return ubits(self.words)

    def index(self, i: int) -> str:
        """The word of bucket ``i`` (1 <= i <= W): (head + W - i) mod W."""
        hw, h = self.head_width, self.head
        if i == self.words:
            return h
        return f"(({h} >= {hw}'d{i}) ? {h} - {hw}'d{i} : {h} + {hw}'d{self.words - i})"

    def declarations(self) -> list[str]:
        """The RAM, its registers and the buckets' wires."""
        w, hw, fw = self.width, self.head_width, self.filled_width
        # block RAM even when yosys would build a few words from flip-flops (its cost
        # model does below about 6 words): those are the flip-flops the ring saves
        out = [f"(* ram_style = \"block\" *) reg [{w - 1}:0] {self.name} [0:{self.words - 1}];  "
               f"// {self.window}: buckets 1..{self.words} ({self.words} words)",
               f"reg [{hw - 1}:0] {self.head};  // the word holding bucket {self.words}",
               f"reg [{fw - 1}:0] {self.filled};  // words written since reset (at most {self.words})",
               f"reg [{w - 1}:0] {self.stem}_next_q;",
               f"reg {self.stem}_next_ok;",
               f"wire [{w - 1}:0] {self.next} = {self.stem}_next_ok ? {self.stem}_next_q : {w}'d0;"
               f"  // bucket {self.words}, settled a cycle after a tick or reset"]
        for i, wire in enumerate(self.buckets, start=1):
            out.append(f"wire [{w - 1}:0] {wire} = ({self.filled} >= {fw}'d{i}) ? "
                       f"{self.name}[{self.index(i)}] : {w}'d0;")
        return out

    def ports(self) -> list[str]:
        """The write of a wrap tick and the registered read of word ``head`` in every
        other cycle: never both at once, so the block RAM needs no logic for a read of
        the word being written (yosys adds a register of the written word and a bypass
        multiplexer when both may happen in one cycle)."""
        we = f"{self.stem}_we"
        return [f"wire {we} = !rst && tick && {self.wrap};",
                "always @(posedge clk) begin",
                f"    if ({we}) {self.name}[{self.head}] <= {self.data};",
                f"    else {self.stem}_next_q <= {self.name}[{self.head}];",
                f"    {self.stem}_next_ok <= ({self.filled} == {self.filled_width}'d{self.words});",
                "end"]

    @property
    def ghosts(self) -> list[str]:
        """The formal section's registers for b1 .. b(n-2)."""
        return [f"f_{wire}" for wire in self.buckets]

    def ghost_lines(self) -> list[str]:
        w = self.width
        shift = [f"        {g} <= {prev};" for g, prev in
                 zip(self.ghosts, [self.data, *self.ghosts[:-1]], strict=True)]
        return [f"reg [{w - 1}:0] {', '.join(self.ghosts)};  "
                f"// `{self.window}`'s buckets 1..{self.words} as the spec shifts them",
                "always @(posedge clk)",
                "    if (rst) begin",
                *[f"        {g} <= {w}'d0;" for g in self.ghosts],
                f"    end else if (tick && {self.wrap}) begin",
                *shift,
                "    end"]

    def tick_updates(self) -> list[tuple[str, str]]:
        """(register, value on a tick): the oldest bucket, the head and the fill count."""
        hw, fw = self.head_width, self.filled_width
        step = f"(({self.head} == {hw}'d{self.words - 1}) ? {hw}'d0 : {self.head} + {hw}'d1)"
        fill = (f"(({self.filled} == {fw}'d{self.words}) ? {self.filled} : "
                f"{self.filled} + {fw}'d1)")
        return [(self.last, f"{self.wrap} ? {self.next} : {self.last}"),
                (self.head, f"{self.wrap} ? {step} : {self.head}"),
                (self.filled, f"{self.wrap} ? {fill} : {self.filled}")]

    def resets(self) -> list[tuple[str, str]]:
        return [(self.head, f"{self.head_width}'d0"), (self.filled, f"{self.filled_width}'d0")]

    def checks(self) -> list[Check]:
        """The ring's ranges and the registered read, which holds the oldest word once a
        cycle of hold went by (``f_hold_run != 0``: no tick and no reset in the cycle
        before; the template's formal section counts it)."""
        hw, fw = self.head_width, self.filled_width
        ring = f"({self.head} <= {hw}'d{self.words - 1}) && ({self.filled} <= {fw}'d{self.words})"
        nxt = f"(f_hold_run == 0) || ({self.next} == {self.ghosts[-1]})"
        words = " && ".join(f"({g} == {wire})" for g, wire in zip(self.ghosts, self.buckets,
                                                                   strict=True))
        return [
            Check(f"f_pipeline_{self.stem}_ring", f"pipeline.{self.stem}.ring", "pipeline",
                  f"the ring of window `{self.window}` points inside its {self.words} words",
                  "fsm", "", f"f_ok_pipeline_{self.stem}_ring", ring),
            Check(f"f_pipeline_{self.stem}_words", f"pipeline.{self.stem}.words", "pipeline",
                  f"the {self.words} words of window `{self.window}`'s ring hold its buckets "
                  f"1..{self.words} as the spec shifts them", "fsm", "",
                  f"f_ok_pipeline_{self.stem}_words", words),
            Check(f"f_pipeline_{self.stem}_next", f"pipeline.{self.stem}.next", "pipeline",
                  f"the registered read of window `{self.window}` holds its bucket "
                  f"{self.words} after a cycle of hold (no tick, no reset)",
                  "fsm", "", f"f_ok_pipeline_{self.stem}_next", nxt)]


def _reads(e: ir.Expr, names: frozenset[str], opaque: list[ir.Expr]) -> bool:
    """Whether ``e`` reads a variable of ``names`` outside the subexpressions ``opaque``
    (the windows' totals, which the design reads from their running-total registers)."""
    if any(e is o for o in opaque):
        return False
    if isinstance(e, ir.Var) and e.name in names:
        return True
    return any(_reads(x, names, opaque) for x in children(e))


def ram_windows(m: ir.Module) -> list[ir.Window]:
    """The windows whose middle buckets go to a RAM (the module docstring's rule)."""
    totals = [w.total for w in m.windows]
    own = {v.name for w in m.windows for v in (*w.bucket_vars, w.phase)}
    exprs = [g.cond for t in m.transitions for g in t.guards]
    exprs += [u.value for t in m.transitions for u in t.updates]
    exprs += [x.value for x in m.tick_lets]
    exprs += [u.value for u in m.tick_updates if u.var not in own]
    out = []
    for w in m.windows:
        middle = frozenset(v.name for v in w.bucket_vars[1:-1])
        if (len(middle) >= RAM_WORDS and all(int(v.init) == 0 for v in w.bucket_vars)
                and not any(_reads(e, middle, totals) for e in exprs)):
            out.append(w)
    return out


def build(w: ir.Window, namer: Namer, var_reg: dict[str, str]) -> WindowRam:
    stem = f"{VERILOG_PREFIXES['window']}{identifier(w.name)}"
    name = namer.add(f"{w.name}.ram", f"{stem}_ram", "window RAM", w.span)
    for part in ("head", "filled", "next_q", "next_ok", "next", "we"):
        namer.add(f"{w.name}.{part}", f"{stem}_{part}", "window RAM", w.span)
    first, *middle, last = w.bucket_vars
    return WindowRam(w.name, name, w.buckets - 2, type_bits(first.type),
                     [var_reg[v.name] for v in middle], [v.name for v in middle],
                     var_reg[first.name], var_reg[last.name], last.name)


def print_tick(ram: WindowRam, wrap: str, counted: Operand, printer: VerilogPrinter) -> None:
    """The wrap condition and the written word, b0 + counted, printed in the tick's scope."""
    first = Operand(ram.first, ram.width, "unsigned")
    cw = max(first.sbits, counted.sbits) + 1
    ram.wrap = wrap
    ram.data = printer.wire(cw, f"{first.fit(cw)} + {counted.fit(cw)}",
                            f"{ram.window}: bucket 1 after a wrap").unsigned(ram.width)
