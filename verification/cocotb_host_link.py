"""cocotb tests of the host link (hdl/host_link.v): SPI frames driven from Python into the
link and the generated block, in lockstep with the generated Python controller.

Run through verification/test_host_link.py (pytest), not directly. ``tb_host_link``
(verification/hostlink.py) holds the link and the block with a shrunk tick; ``pump_board_top``
is the board itself at the spec's timing (no tick comes in a test that short).

Every event the block takes is recorded with the tick count at that moment and applied to
the controller in that order, its ticks before it; each response the link returns must be
the controller's status and reason for that event, and after each step every register of
the block and the STEP pulses since reset must be the controller's.
"""
from __future__ import annotations

import copy
import random
from dataclasses import replace

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, Timer

from compiler import pipeline
from compiler.backends import verilog
from compiler.ir import nodes as ir
from compiler.lockstep import MAX_PREFIX_STEPS, Model, RandomGen, snapshot_layout
from compiler.trace import TraceStep
from harness import load_ir
from hostlink import (ACCEPTED, BAD_CRC, BAD_FIELD, BAD_LENGTH, BUSY, DUPLICATE, REJECTED,
                      REPLAY, RESET, WINDOW, Layout, Response)

# SPI half period: 6.13 cycles of the 10 ns clock (SCLK at clk / 12.26, the link's rating
# is clk / 12); not a multiple of the clock, so the edges drift across its phase
HALF_PS = 61_300
SETTLE_CYCLES = 20_000  # the longest a fresh frame may wait for ev_ready
TICK_LIMIT = 1_000  # the most ticks reach() lets pass for the controller to run into a state


class SpiHost:
    """SPI mode 0 master: MOSI changes after each falling edge, MISO is read at each rising
    edge; CS_N setup, hold and high time of one half period."""

    def __init__(self, sclk, cs_n, mosi, miso, half_ps: int = HALF_PS):
        self.sclk, self.cs_n, self.mosi, self.miso = sclk, cs_n, mosi, miso
        self.half = half_ps
        sclk.value = 0
        cs_n.value = 1
        mosi.value = 0

    async def transfer(self, data: bytes, bits: int | None = None) -> bytes:
        """Clock ``bits`` bits (default all of ``data``) out; returns the bits read in."""
        n = 8 * len(data) if bits is None else bits
        got = 0
        self.cs_n.value = 0
        for i in range(n):
            byte = data[i // 8] if i // 8 < len(data) else 0
            self.mosi.value = (byte >> (7 - i % 8)) & 1
            await Timer(self.half, "ps")
            got = (got << 1) | int(self.miso.value)
            self.sclk.value = 1
            await Timer(self.half, "ps")
            self.sclk.value = 0
        await Timer(self.half, "ps")
        self.cs_n.value = 1
        await Timer(self.half, "ps")
        nbytes = (n + 7) // 8
        return (got << (8 * nbytes - n)).to_bytes(nbytes, "big") if n else b""


class Bench:
    """The link and block under test with the controller following along."""

    def __init__(self, dut, host: SpiHost, log_events: bool = True):
        self.dut = dut
        self.host = host
        module = load_ir()
        self.model = Model(module)
        self.layout = Layout.of(self.model.plan)
        self.regs = [(r.name, r.width) for r in self.model.plan.regs] + \
                    [("state", self.model.plan.state_width)]
        assert [w for _, w in self.regs] == [w for _, w in snapshot_layout(self.model.plan)]
        self.gen = RandomGen(self.model)
        self.rng = random.Random(13)
        self.ctl = self.model.new()
        self.ticks = 0
        self.pulses = 0
        self.events: list[tuple[int, int, int]] = []  # (ticks before it, code, params)
        self.results: list[tuple[int, int]] = []      # the controller's (status, reason)
        self.seq = 0
        if log_events:
            cocotb.start_soon(self._log_events())

    async def _log_events(self):
        d = self.dut
        while True:
            await d.event_count.value_change
            await ReadOnly()
            if int(d.event_count.value) == len(self.events) + 1:
                self.events.append((int(d.event_ticks.value), int(d.u_pump.ev_code.value),
                                    int(d.u_pump.ev_params.value)))

    # ------------------------------------------------------------ the controller
    def advance(self, ticks: int):
        while self.ticks < ticks:
            self.pulses += self.ctl.tick().total
            self.ticks += 1

    def catch_up(self):
        """Apply the events the block took since the last call, each after its ticks."""
        m = self.model
        while len(self.results) < len(self.events):
            ticks, code, word = self.events[len(self.results)]
            self.advance(ticks)
            decl = m.events.get(code)
            status, reason, _ = m.apply(self.ctl, code, m.unpack_params(decl, word) if decl else [])
            self.results.append((status, reason))

    def registers(self) -> int:
        fsm = self.dut.u_pump.u_fsm
        word = 0
        for name, w in self.regs:
            word = (word << w) | int(getattr(fsm, name).value)
        return word

    async def check_state(self, what: str):
        """At a cycle where the block is ready (no tick, burst or reset): every register and
        the STEP pulses since reset are the controller's."""
        d = self.dut
        await FallingEdge(d.clk)
        while not int(d.ready.value):
            await FallingEdge(d.clk)
        self.catch_up()
        self.advance(int(d.tick_count.value))
        got, want = self.registers(), self.model.pack_snapshot(self.ctl)
        if got != want:
            g, w = self.model.unpack_snapshot(got), self.model.unpack_snapshot(want)
            raise AssertionError(f"{what}: registers differ (spec, rtl): "
                                 f"{ {k: (w[k], g[k]) for k in w if g[k] != w[k]} }")
        assert int(d.pulse_count.value) == self.pulses, \
            f"{what}: {int(d.pulse_count.value)} STEP pulses, the spec commanded {self.pulses}"

    # ------------------------------------------------------------ the link
    def next_seq(self) -> int:
        self.seq = (self.seq + 1) % 256
        return self.seq

    async def settle(self):
        frame = self.dut.u_link.u_frame
        for _ in range(SETTLE_CYCLES):
            if not int(frame.pending.value):
                return
            await FallingEdge(self.dut.clk)
        raise AssertionError("the link still holds a frame for the block")

    async def read(self) -> Response:
        """A transaction one byte too long: it executes nothing and shifts out the
        response to the transaction before it."""
        return self.layout.response(await self.host.transfer(bytes(self.layout.frame_bytes + 1)))

    async def send(self, frame: bytes, bits: int | None = None) -> Response:
        """One transaction and its response (read after the frame is done with)."""
        await self.host.transfer(frame, bits)
        await self.settle()
        return await self.read()

    async def execute(self, code: int, params: int, what: str) -> Response:
        """A fresh frame: the block takes exactly this event once and the link returns the
        controller's response to it."""
        before = len(self.events)
        seq = self.next_seq()
        resp = await self.send(self.layout.command(seq, code, params))
        assert len(self.events) == before + 1, f"{what}: {len(self.events) - before} events"
        self.catch_up()
        status, reason = self.results[-1]
        assert resp == Response(seq, status, reason), f"{what}: {resp}, spec ({status}, {reason})"
        return resp

    async def refused(self, frame: bytes, status: int, what: str, bits: int | None = None,
                      seq: int | None = None, reason: int = 0):
        """A frame the link refuses: that status and reason, no event, nothing changed."""
        before = len(self.events)
        resp = await self.send(frame, bits)
        assert resp.status == status and resp.reason == reason, f"{what}: {resp}"
        if seq is not None:
            assert resp.seq == seq, f"{what}: {resp}"
        assert len(self.events) == before, f"{what}: the block took an event"
        await self.check_state(what)

    # ------------------------------------------------------------ stimulus
    def accepted_event(self, names: list[str]) -> tuple[int, int] | None:
        """(code, params) of the first of ``names`` the controller accepts now (tried on a copy)."""
        return self._event_with(names, ACCEPTED)

    def rejected_event(self, names: list[str]) -> tuple[int, int] | None:
        """(code, params) of the first of ``names`` the controller rejects now with a reason."""
        return self._event_with(names, REJECTED)

    def _event_with(self, names: list[str], status: int) -> tuple[int, int] | None:
        m = self.model
        for name in names:
            e = m.by_name[name]
            for _ in range(50):
                word = m.pack_params(e, self.gen.params(self.rng, e))
                probe = copy.deepcopy(self.ctl)
                got, reason, _ = m.apply(probe, e.code, m.unpack_params(e, word))
                if got == status and (status != REJECTED or reason):
                    return e.code, word
        return None

    def ticks_into(self, state: str) -> int | None:
        """The ticks after which the controller (tried on a copy) is in ``state`` with no
        event, if at most TICK_LIMIT."""
        probe = copy.deepcopy(self.ctl)
        for n in range(TICK_LIMIT + 1):
            if probe.state.name == state:
                return n
            probe.tick()
        return None

    def witness_into(self, state: str) -> list[TraceStep]:
        """The fewest steps from a power-on reset into ``state`` along one of the prover's
        reachability witnesses: each replayed on a fresh controller up to the first step
        that leaves it in ``state``."""
        m = self.model
        best: list[TraceStep] | None = None
        for trace in pipeline.reachability_witnesses(m.m, MAX_PREFIX_STEPS):
            ctl, steps = m.new(), trace.expanded()
            for i, s in enumerate(steps):
                if best is not None and i >= len(best):
                    break
                self._apply(ctl, s)
                if ctl.state.name == state:
                    best = steps[:i + 1]
                    break
        if best is None:
            raise AssertionError(f"no reachability witness of the spec reaches {state}")
        return self.shorter(best, state)

    def _apply(self, ctl, step: TraceStep) -> int | None:
        """``step`` applied to controller ``ctl`` as the block would take it (parameters
        through the port's packing); an event's status, None for a tick."""
        m = self.model
        if step.event == "tick":
            ctl.tick()
            return None
        e = m.by_name[step.event]
        return m.apply(ctl, e.code, m.unpack_params(e, m.pack_params(e, dict(step.params))))[0]

    def _statuses(self, steps: list[TraceStep], state: str) -> list[int] | None:
        """Each event's status with ``steps`` replayed on a fresh controller, if it ends in
        ``state``; else None."""
        ctl = self.model.new()
        statuses = [self._apply(ctl, s) for s in steps]
        return ([x for x in statuses if x is not None] if ctl.state.name == state else None)

    def shorter(self, steps: list[TraceStep], state: str) -> list[TraceStep]:
        """``steps`` with smaller integer parameters and shorter runs of ticks wherever every
        event keeps its status and the controller still ends in ``state``. A witness's large
        values (a prime of the whole allowance) cost hundreds of ticks, each thousands of
        simulated cycles of the link's bench, on the way to the state under test."""
        want = self._statuses(steps, state)
        assert want is not None
        steps = list(steps)
        for i in range(len(steps)):
            decl = self.model.by_name[steps[i].event]
            for p in (p for p in decl.params if isinstance(p.type, ir.IntType)):
                value = dict(steps[i].params)[p.name]
                for smaller in sorted({p.type.lo, p.type.lo + 1, value // 16, value // 4,
                                       value // 2}):
                    if not p.type.lo <= smaller < value:
                        continue
                    params = tuple((n, smaller if n == p.name else v)
                                   for n, v in steps[i].params)
                    tried = [*steps[:i], replace(steps[i], params=params), *steps[i + 1:]]
                    if self._statuses(tried, state) == want:
                        steps = tried
                        break
        # each run of ticks as short as that allows (bisection on its length)
        i = 0
        while i < len(steps):
            if steps[i].event != "tick":
                i += 1
                continue
            end = i
            while end < len(steps) and steps[end].event == "tick":
                end += 1
            lo, hi = 0, end - i  # hi ticks keep the statuses; fewer than lo do not
            while lo < hi:
                mid = (lo + hi) // 2
                if self._statuses([*steps[:i], *steps[i:i + mid], *steps[end:]], state) == want:
                    hi = mid
                else:
                    lo = mid + 1
            steps = [*steps[:i], *steps[i:i + hi], *steps[end:]]
            i += hi + 1
        return steps

    async def until_tick(self, count: int):
        """Until the block's tick counter (ticks since reset) is at least ``count``."""
        while int(self.dut.tick_count.value) < count:
            await self.dut.tick_count.value_change

    async def reach(self, state: str):
        """Until the controller is in ``state``: by letting ticks pass if that gets it
        there, else (only before the first event since reset) along the prover's shortest
        witness into it, each event sent once the block has had at least the witness's
        ticks before it (the controller follows what the block took, so a later event
        is still checked)."""
        await self.check_state(f"on the way to {state}")
        ticks = self.ticks_into(state)
        if ticks is not None:
            await self.until_tick(self.ticks + ticks)
        else:
            assert not self.events, f"{state}: no witness runs from here (events were sent)"
            m = self.model
            count = 0
            for s in self.witness_into(state):
                if s.event == "tick":
                    count += 1
                    continue
                await self.until_tick(count)
                e = m.by_name[s.event]
                await self.execute(e.code, m.pack_params(e, dict(s.params)),
                                   f"witness step {s.event} on the way to {state}")
            await self.until_tick(count)
        await self.check_state(f"on the way to {state}")
        assert self.ctl.state.name == state, \
            f"{state} not reached; the controller is in {self.ctl.state.name}"

    def random_event(self) -> tuple[int, int]:
        m = self.model
        if self.rng.random() < 0.1:
            return self.rng.choice(m.unknown_codes), 0
        e = self.rng.choice(m.user_events)
        return e.code, m.pack_params(e, self.gen.params(self.rng, e))


async def start_tb(dut) -> Bench:
    host = SpiHost(dut.spi_sclk, dut.spi_cs_n, dut.spi_mosi, dut.spi_miso)
    dut.hold.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 4)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    bench = Bench(dut, host)
    # until the first transaction ends the response register reads reset
    assert await bench.read() == Response(0, RESET, 0)
    return bench


@cocotb.test()
async def frames_execute(dut):
    """Good frames, one at a time, to the pump's deep states and then at random: the block
    takes each event once and every response is the controller's."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    for i in range(40):
        await b.execute(*b.random_event(), what=f"random event {i}")
        await b.check_state(f"after random event {i}")


@cocotb.test()
async def back_to_back_responses(dut):
    """Back to back, each response checked against the controller (the nth transaction
    shifts out the answer to the (n-1)th)."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    first = len(b.events)
    seqs, got = [], []
    for _ in range(40):
        seqs.append(b.next_seq())
        got.append(await b.host.transfer(b.layout.command(seqs[-1], *b.random_event())))
    await b.settle()
    got.append(await b.host.transfer(bytes(b.layout.frame_bytes + 1)))
    assert len(b.events) == first + len(seqs)
    b.catch_up()
    for k, seq in enumerate(seqs):
        resp = b.layout.response(got[k + 1])
        assert resp == Response(seq, *b.results[first + k]), (k, resp, b.results[first + k])
    await b.check_state("after 40 back-to-back frames")


@cocotb.test()
async def bit_errors_are_refused(dut):
    """Every single-bit error of a bolus frame is refused as bad CRC and changes nothing;
    the frame itself then executes (its sequence number was not used up)."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    code, params = b.accepted_event(["bolus"])
    seq = b.next_seq()
    good = b.layout.command(seq, code, params)
    for bit in range(8 * len(good)):
        bad = bytearray(good)
        bad[bit // 8] ^= 0x80 >> (bit % 8)
        await b.refused(bytes(bad), BAD_CRC, f"bit {bit} flipped")
    before = len(b.events)
    resp = await b.send(good)
    assert len(b.events) == before + 1
    b.catch_up()
    assert resp == Response(seq, *b.results[-1]) and resp.status == ACCEPTED, resp
    await b.check_state("after the good bolus")


@cocotb.test()
async def wrong_lengths_are_refused(dut):
    """Truncated, over-long and ragged transactions, and set padding bits: refused,
    nothing changed."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    code, params = b.accepted_event(["bolus"])
    seq = b.next_seq()
    good = b.layout.command(seq, code, params)
    n = len(good)
    for k in range(n):
        await b.refused(good[:k], BAD_LENGTH, f"{k} of {n} bytes", seq=seq if k else 0)
    await b.refused(good + b"\x00", BAD_LENGTH, "one byte too many", seq=seq)
    await b.refused(good + good, BAD_LENGTH, "two frames in one transaction", seq=seq)
    await b.refused(good, BAD_LENGTH, "one bit short", bits=8 * n - 1, seq=seq)
    await b.refused(good + b"\x00", BAD_LENGTH, "one bit over", bits=8 * n + 1, seq=seq)
    lay = b.layout
    if lay.code_width < 8 * lay.code_bytes:
        await b.refused(lay.command(seq, code | (1 << lay.code_width), params), BAD_FIELD,
                        "a padding bit of the code set", seq=seq)
    if lay.param_width < 8 * lay.param_bytes:
        await b.refused(lay.command(seq, code, params | (1 << lay.param_width)), BAD_FIELD,
                        "a padding bit of the parameters set", seq=seq)
    await b.execute(code, params, "the whole frame")


@cocotb.test()
async def duplicate_bolus_doses_once(dut):
    """A bolus frame sent again after the bolus completed is not executed again: the
    response is the stored one with the duplicate flag, and the STEP pulses are one
    bolus's. The same bolus under a new sequence number is a new bolus."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    code, params = b.accepted_event(["bolus"])
    seq = b.next_seq()
    frame = b.layout.command(seq, code, params)
    before = len(b.events)
    resp = await b.send(frame)
    b.catch_up()
    assert resp == Response(seq, ACCEPTED, 0) and b.results[-1] == (ACCEPTED, 0), resp
    await b.reach("Delivering")  # the bolus ran to completion
    for attempt in range(3):
        dup = await b.send(frame)
        assert dup == Response(seq, DUPLICATE | ACCEPTED, 0), (attempt, dup)
        assert len(b.events) == before + 1, "the duplicate reached the block"
        await ClockCycles(dut.clk, 3 * int(dut.TICK_CYCLES.value))
        await b.check_state(f"after duplicate {attempt}")
        # a refused frame between does not clear the memory of the executed one
        await b.refused(frame[:-1], BAD_LENGTH, "a truncated copy", seq=seq)
    assert b.ctl.state.name == "Delivering" and len(b.events) == before + 1
    await b.execute(code, params, "the same bolus, a new sequence number")
    await b.reach("Delivering")  # the second bolus ran: pulses checked against the controller


@cocotb.test()
async def busy_while_the_block_waits(dut):
    """While a fresh frame waits for the block, every frame is refused as busy, its own
    copy included; afterwards it has executed once, and a refused frame executes when sent
    again."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    code_a, params_a = b.accepted_event(["bolus"])
    code_b, params_b = b.accepted_event(["suspend"])
    seq_a = b.next_seq()
    frame_a = b.layout.command(seq_a, code_a, params_a)
    before = len(b.events)
    dut.hold.value = 1
    await b.host.transfer(frame_a)
    assert await b.read() == Response(seq_a, BUSY, 0)  # in progress
    seq_b = b.next_seq()
    frame_b = b.layout.command(seq_b, code_b, params_b)
    await b.host.transfer(frame_b)
    assert await b.read() == Response(seq_b, BUSY, 0)
    await b.host.transfer(frame_a)
    assert await b.read() == Response(seq_a, BUSY, 0)
    assert len(b.events) == before
    dut.hold.value = 0
    await b.settle()
    assert len(b.events) == before + 1
    b.catch_up()
    assert await b.send(frame_a) == Response(seq_a, DUPLICATE | b.results[-1][0], b.results[-1][1])
    assert len(b.events) == before + 1
    resp = await b.send(frame_b)
    b.catch_up()
    assert len(b.events) == before + 2 and resp == Response(seq_b, *b.results[-1]), resp
    await b.check_state("after the busy frames")


@cocotb.test()
async def replay_is_refused(dut):
    """A, B, A: the replayed bolus A is refused as a replay naming B's seq, no event, no
    second dose; so is bolus A under any seq more than WINDOW ahead of B's (mod 256: from
    128 ahead to 1 behind), and under B's seq. B's exact retransmit gets B's stored
    response; bolus A WINDOW ahead of B executes."""
    b = await start_tb(dut)
    await b.reach("Delivering")
    code_a, params_a = b.accepted_event(["bolus"])
    seq_a = b.next_seq()
    frame_a = b.layout.command(seq_a, code_a, params_a)
    resp = await b.send(frame_a)
    b.catch_up()
    assert resp == Response(seq_a, ACCEPTED, 0) and b.results[-1] == (ACCEPTED, 0), resp
    await b.reach("Delivering")  # bolus A ran to completion
    unknown = b.model.unknown_codes[0]
    resp_b = await b.execute(unknown, 0, "B: an unknown event code")
    seq_b = resp_b.seq
    executed = len(b.events)
    await b.refused(frame_a, REPLAY, "A replayed after B", seq=seq_a, reason=seq_b)
    await ClockCycles(dut.clk, 3 * int(dut.TICK_CYCLES.value))
    await b.check_state("after the replay of A: one bolus's pulses")
    for ahead in (WINDOW + 1, 192, 255):
        seq = (seq_b + ahead) % 256
        await b.refused(b.layout.command(seq, code_a, params_a), REPLAY,
                        f"bolus A {ahead} ahead of B", seq=seq, reason=seq_b)
    await b.refused(b.layout.command(seq_b, code_a, params_a), REPLAY,
                    "bolus A with B's seq", seq=seq_b, reason=seq_b)
    assert len(b.events) == executed, "a refused frame reached the block"
    assert await b.send(b.layout.command(seq_b, unknown, 0)) == \
        Response(seq_b, DUPLICATE | resp_b.status, resp_b.reason)
    assert len(b.events) == executed, "B's retransmit reached the block"
    b.seq = (seq_b + WINDOW - 1) % 256  # the next seq: the window's far edge
    await b.execute(code_a, params_a, "bolus A again with a seq WINDOW ahead of B")
    await b.reach("Delivering")  # the second bolus: pulses checked against the controller


@cocotb.test()
async def sequence_wraps(dut):
    """The first frame after reset may carry any seq (here 246); seq counts through 255
    to 0 and on, each frame executing once; across the wrap, frames behind the last seq
    are replays. A frame the block rejected and its exact retransmit: the same status
    and reason, the retransmit flagged duplicate and not executed, also after a
    corrupted copy of it."""
    b = await start_tb(dut)
    first = 246
    b.seq = first - 1
    await b.reach("Delivering")
    unknown = b.model.unknown_codes[0]
    while not 3 <= b.seq < 100:  # through 255 and 0: every seq since `first` within the window
        await b.execute(unknown, 0, f"an unknown event code, seq {(b.seq + 1) % 256}")
    last = b.seq
    for seq in (first, 254, 255, 0, last - 1):
        await b.refused(b.layout.command(seq, unknown, 0), REPLAY,
                        f"seq {seq} after the wrap to {last}", seq=seq, reason=last)
    code, params = b.rejected_event(["bolus"])
    resp = await b.execute(code, params, "a bolus the spec rejects")
    assert resp.status == REJECTED and resp.reason != 0, resp
    frame = b.layout.command(resp.seq, code, params)
    executed = len(b.events)
    for attempt in range(2):
        again = await b.send(frame)
        assert again == Response(resp.seq, DUPLICATE | REJECTED, resp.reason), (attempt, again)
        bad = bytearray(frame)
        bad[-1] ^= 0x10
        await b.refused(bytes(bad), BAD_CRC, "a corrupted retransmit", seq=resp.seq)
    assert len(b.events) == executed, "a retransmit reached the block"
    await b.check_state("after the retransmits")


@cocotb.test()
async def board_top_link(dut):
    """pump_board_top at the spec's timing: SPI through its pins into the block (no tick
    comes this early, so the block stays in its self-test)."""
    cocotb.start_soon(Clock(dut.CLK_12M, 10, "ns").start())
    host = SpiHost(dut.SPI_SCLK, dut.SPI_CS_N, dut.SPI_MOSI, dut.SPI_MISO)
    dut.HEARTBEAT.value = 0
    dut.OCCLUSION_N.value = 1
    dut.RST_N.value = 0
    await ClockCycles(dut.CLK_12M, 4)
    dut.RST_N.value = 1
    await ClockCycles(dut.CLK_12M, 4)
    model = Model(load_ir())
    lay = Layout.of(verilog.plan(model.m))
    ctl = model.new()
    fsm = dut.u_pump.u_fsm
    regs = [(r.name, r.width) for r in model.plan.regs] + [("state", model.plan.state_width)]

    def registers() -> int:
        word = 0
        for name, w in regs:
            word = (word << w) | int(getattr(fsm, name).value)
        return word

    async def read() -> Response:
        return lay.response(await host.transfer(bytes(lay.frame_bytes + 1)))

    assert await read() == Response(0, RESET, 0)
    rng = random.Random(5)
    gen = RandomGen(model)
    for seq in range(1, 6):
        e = rng.choice(model.user_events)
        word = model.pack_params(e, gen.params(rng, e))
        frame = lay.command(seq, e.code, word)
        await host.transfer(frame)
        await ClockCycles(dut.CLK_12M, 20)
        status, reason, _ = model.apply(ctl, e.code, model.unpack_params(e, word))
        assert await read() == Response(seq, status, reason), e.name
        bad = bytearray(frame)
        bad[1] ^= 0x01
        await host.transfer(bytes(bad))
        assert await read() == Response(seq, BAD_CRC, 0)
        await host.transfer(frame)
        assert await read() == Response(seq, DUPLICATE | status, reason)
        assert registers() == model.pack_snapshot(ctl), e.name
