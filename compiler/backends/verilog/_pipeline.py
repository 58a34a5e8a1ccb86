"""Pipeline stages of the FSM's combinational logic (timing closure).

The FSM's tick values, guards and updates are functions of its registers (the pre-state:
control state, variables, window totals) and of the latched event (``q_code``,
``q_params``). Printed as one combinational cloud they chain dozens of adders and
comparators (a tick's step caps are computed source after source). Here some of the
printed wires become *stage registers* that recompute their value in every cycle:

    wire ... nx_t7 = <the printed expression>;     reg ... t7;     t7 <= nx_t7;

Every reader keeps reading ``t7``. No stage has an enable or a reset, and nothing
balances their latencies: a stage register holds the value of the combinational logic
once its inputs have been stable long enough. If the registers and the latched event
have not changed for ``s`` cycles, every stage of depth ``d <= s`` (``d`` = the most
stage registers on a path from those inputs to it, itself included) equals its input
``nx_``: by induction on ``d``, its operands have equalled theirs for a cycle, so its
input has not moved for a cycle. The design only uses the logic when that holds:

* a **tick** comes after ``hold_cycles = tick_depth + event_cycles`` cycles in which
  the motor's ``hold`` keeps the event port not ready; an event taken before them has
  committed ``tick_depth`` cycles before the tick, so the tick reads every stage
  (depth <= ``tick_depth``) settled;
* an **event** is latched at the handshake and committed ``event_cycles`` cycles later
  (``event_cycles - 1 >=`` every depth; the decision ``fire``/``status``/``reason`` is a
  stage too); the port stays not ready meanwhile and no tick can fall in between.

The ``ifdef FORMAL`` section proves exactly this (``f_pipeline_*``): a ghost counts the
cycles since the inputs last changed, and each stage level is asserted equal to its
input once that count reaches the level.

A serial fold (_serial.py: a long weighted sum over window buckets, a max or min of many
registers, one of them read at a run-time index) is a stage too, computed over several
cycles: its own depth is its latency, ``2n + 1`` for ``n`` terms, instead of 1, and the
latencies above count it so.

Where to cut: a greedy pass in declaration order (the printer declares operands before
their users) estimates each wire's delay from its own operators (a carry chain or a
comparison 1, a multiplexer 0.5, a gate 0.2) plus its slowest unregistered operand; when
a wire or a consumer (tick update, event decision, event update) would pass
:data:`STAGE_BUDGET`, its slowest operands become stage registers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._formal import Check
from ._serial import Serial, Walk

# estimated delay budget of one stage, in units of one carry chain / comparator. With the
# consumers' costs below it keeps every corpus spec's board top on the UP5K above twice
# the 12 MHz clock with the fewest stage registers measured (bench/bench_synth.py; the
# closed loop: budget 3 with decision 2 took 4,613 logic cells at 28 MHz, this 4,221 at
# 25.6 MHz, budget 6 with decision 5 4,207 at 23.5 MHz)
STAGE_BUDGET = 5.25
# consumers of the logic: the tick's next state (state decode, priority of the enabled
# transitions, the register's input multiplexer); the event decision (event and state
# decode, the priority of the enables into fire/status/reason: the deepest, so a guard
# has one unit left before it is staged); an event's commit (fire decode, input
# multiplexer)
TICK_COST = 1.0
DECISION_COST = 4.25
COMMIT_COST = 1.0
# the motor adds a tick's steps to the limiter's running sum and compares it with the
# limit before loading the burst: its step request comes straight from a stage register
# (its cost is the whole stage budget)
# a serial fold (_serial.py) selects its operands through a multiplexer into a register;
# a serial read at a run-time index also compares the index with the term's
SERIAL_COST = 0.5
SELECT_COST = 1.0

_DECL = re.compile(r"^wire(?P<head>(?: signed)?(?: \[\d+:0\])?) (?P<name>\w+) = (?P<value>.*?);"
                   r"(?P<tail>  // .*)?$")
_IDENT = re.compile(r"(?<!['\w$])[A-Za-z_]\w*")
_CARRY = re.compile(r" (?:\+|-|\*|/|%|<|>|<=|>=|==|!=) ")
_MUX = re.compile(r" \? ")
_GATE = re.compile(r"&&|\|\||!(?!=)")


@dataclass
class Net:
    """One printed ``wire`` declaration of the FSM's logic."""

    name: str
    head: str  # " signed [13:0]", " [2:0]" or ""
    value: str
    tail: str  # "  // comment" or ""
    deps: list[str]  # the nets its value reads
    cost: float
    staged: bool = False
    arrival: float = 0.0  # estimated delay from a register to this wire's value
    depth: int = 0  # stage registers on the longest path from the inputs, itself included
    serial: Serial | None = None  # a serial fold's result: its depth adds its latency

    def declaration(self) -> str:
        if self.staged:
            return f"wire{self.head} nx_{self.name} = {self.value};{self.tail}"
        return f"wire{self.head} {self.name} = {self.value};{self.tail}"


@dataclass
class Pipeline:
    nets: dict[str, Net]
    tick_depth: int  # every stage a tick reads is settled after this many stable cycles
    event_cycles: int  # handshake to commit (the decision and updates are settled then)
    decision_depth: int  # depth of the registered decision (fire/status/reason)
    levels: list[list[str]] = field(default_factory=list)  # stage registers by depth 1..
    # the serial folds, each with its operands' depth (its own is that + its latency),
    # and their walks, each with its terms' depth
    serial_depths: list[tuple[Serial, int]] = field(default_factory=list)
    walk_depths: list[tuple[Walk, int]] = field(default_factory=list)

    @property
    def serials(self) -> list[Serial]:
        return [s for s, _ in self.serial_depths]

    @property
    def walks(self) -> list[Walk]:
        return [w for w, _ in self.walk_depths]

    @property
    def hold_cycles(self) -> int:
        """Cycles before a tick in which the event port is not ready."""
        return self.tick_depth + self.event_cycles

    def declarations(self, lines: list[str]) -> list[str]:
        """``lines`` (printed wire declarations) with each stage's wire renamed nx_<name>."""
        return [self.nets[n.name].declaration() for n in parse(lines)]

    def regs(self) -> list[str]:
        return [f"reg{n.head} {n.name};" for n in self.nets.values()
                if n.staged and n.serial is None]

    def stages(self) -> list[str]:
        return [n.name for n in self.nets.values() if n.staged and n.serial is None]


def parse(lines: list[str]) -> list[Net]:
    nets: list[Net] = []
    for line in lines:
        m = _DECL.match(line)
        if m is None:
            raise ValueError(f"internal error: not a wire declaration: {line!r}")
        value = m["value"]
        cost = (len(_CARRY.findall(value)) + 0.5 * len(_MUX.findall(value))
                + 0.2 * len(_GATE.findall(value)))
        nets.append(Net(m["name"], m["head"], value, m["tail"] or "", _IDENT.findall(value), cost))
    return nets


def reads(text: str, nets: dict[str, Net]) -> list[str]:
    return [x for x in dict.fromkeys(_IDENT.findall(text)) if x in nets]


def build(lines: list[str], tick_roots: list[str], decision_roots: list[str],
          commit_roots: list[str], motor_roots: list[str], params: set[str],
          max_hold_cycles: int, serials: list[Serial] = ()) -> Pipeline:
    """Choose the stage registers among the wire declarations ``lines`` and compute the
    latencies. Roots are the Verilog texts the consumers read.

    The hold must fit the tick (``max_hold_cycles``, ``ir.max_hold_cycles``): a tick too
    short for the pipeline cut at :data:`STAGE_BUDGET` gets one cut at twice the budget
    (fewer stages, a lower Fmax), and so on; with no stage at all the hold is
    ``ir.MIN_HOLD_CYCLES``, which the front end's E0401 guarantees fits."""
    budget = STAGE_BUDGET
    while True:
        pipe = _cut(lines, tick_roots, decision_roots, commit_roots, motor_roots, params,
                    serials, budget)
        if pipe.hold_cycles <= max_hold_cycles or not pipe.levels:
            return pipe
        budget *= 2


def _cut(lines: list[str], tick_roots: list[str], decision_roots: list[str],
         commit_roots: list[str], motor_roots: list[str], params: set[str],
         serials: list[Serial], budget: float) -> Pipeline:
    """The pipeline whose stages each take at most ``budget`` of estimated delay."""
    parsed = {n.name: n for n in parse(lines)}
    for s in serials:  # registered results; their operands pass a multiplexer first
        operands = [*s.walk.xs, *([s.index] if s.index is not None else [])]
        parsed[s.name] = Net(s.name, f" signed [{s.width - 1}:0]", "", "",
                             _IDENT.findall(" ".join(x.text for x in operands)),
                             SELECT_COST if s.index is not None else SERIAL_COST,
                             staged=True, serial=s)
    nets: dict[str, Net] = {}

    def visit(n: Net) -> None:  # operands first (a tick value may be declared after its user)
        if n.name in nets:
            return
        n.deps = [d for d in dict.fromkeys(n.deps) if d in parsed]
        for d in n.deps:
            visit(parsed[d])
        nets[n.name] = n

    for n in parsed.values():
        visit(n)

    def arrival(names: list[str]) -> float:
        return max((nets[d].arrival for d in names if not nets[d].staged), default=0.0)

    def fit(names: list[str], cost: float) -> float:
        """Stage the slowest unregistered operands until ``cost`` plus the slowest
        remaining one is within the budget; the resulting delay."""
        while names and cost + arrival(names) > budget + 1e-9:
            slow = max((d for d in names if not nets[d].staged), key=lambda d: nets[d].arrival,
                       default=None)
            if slow is None or nets[slow].arrival == 0:
                break
            nets[slow].staged = True
        return cost + arrival(names)

    for n in nets.values():
        n.arrival = fit(n.deps, n.cost)
    for texts, cost in ((tick_roots, TICK_COST), (decision_roots, DECISION_COST),
                        (commit_roots, COMMIT_COST), (motor_roots, budget)):
        for text in texts:
            fit(reads(text, nets), cost)

    param_reader: dict[str, bool] = {}
    for n in nets.values():
        n.depth = max((nets[d].depth for d in n.deps), default=0) + (
            n.serial.latency if n.serial is not None else 1 if n.staged else 0)
        param_reader[n.name] = (any(x in params for x in _IDENT.findall(n.value))
                                or any(param_reader[d] for d in n.deps))

    def depth(texts: list[str]) -> int:
        return max((nets[d].depth for t in texts for d in reads(t, nets)), default=0)

    tick_depth = max([depth(tick_roots + motor_roots)]
                     + [n.depth for n in nets.values() if not param_reader[n.name]])
    decision_depth = depth(decision_roots) + 1
    event_cycles = max(decision_depth, depth(commit_roots)) + 1
    top = max((n.depth for n in nets.values() if n.staged), default=0)
    levels = [[n.name for n in nets.values() if n.staged and n.serial is None and n.depth == d]
              for d in range(1, top + 1)]
    serial_depths = [(n.serial, n.depth - n.serial.latency) for n in nets.values()
                     if n.serial is not None]
    walks = dict.fromkeys(s.walk for s, _ in serial_depths)
    walk_depths = [(w, depth([x.text for x in w.xs])) for w in walks]
    return Pipeline(nets, tick_depth, event_cycles, decision_depth, levels, serial_depths,
                    walk_depths)


def checks(pipe: Pipeline) -> list[Check]:
    """The FSM's pipeline assertions over the ghosts f_settle and f_hold_run (the
    template's formal section): the event and hold counting, then each stage level."""
    p = pipe.event_cycles
    out = [Check(
        "f_pipeline_event", "pipeline.event", "pipeline",
        "an event in flight commits EVENT_CYCLES cycles after its handshake with nothing "
        "changed in between; after EVENT_CYCLES cycles of hold none is in flight and the "
        "registers have not changed since",
        "fsm", "", "f_ok_pipeline_event",
        f"(f_settle <= HOLD_CYCLES) && (f_hold_run <= HOLD_CYCLES) && (ev_left <= {p}) && "
        f"((ev_left == 0) || ((ev_left + f_hold_run <= {p}) && (f_settle + ev_left == {p}))) && "
        f"((f_hold_run <= {p}) || (f_settle + {p} >= f_hold_run))")]
    for d, names in enumerate(pipe.levels, start=1):
        same = [f"({n} == nx_{n})" for n in names]
        if d == pipe.decision_depth:
            same += ["(fire_q == fire)", "(status_q == status)", "(reason_q == reason)"]
        if not same:  # only serial folds end at this depth (their checks follow)
            continue
        out.append(Check(
            f"f_pipeline_{d}", f"pipeline.stage{d}", "pipeline",
            f"the {len(same)} stage registers of depth {d} hold their inputs once the "
            f"registers and the latched event have been stable for {d} cycles",
            "fsm", "", f"f_ok_pipeline_{d}", f"(f_settle < {d}) || ({' && '.join(same)})"))
    if pipe.decision_depth > len(pipe.levels):
        out.append(Check(
            f"f_pipeline_{pipe.decision_depth}", f"pipeline.stage{pipe.decision_depth}",
            "pipeline", "the registered decision holds the decision once the registers and "
            f"the latched event have been stable for {pipe.decision_depth} cycles",
            "fsm", "", f"f_ok_pipeline_{pipe.decision_depth}",
            f"(f_settle < {pipe.decision_depth}) || ((fire_q == fire) && (status_q == status) "
            "&& (reason_q == reason))"))
    # f_pipeline_*: proved with the other pipeline invariants, assumed by the FSM's
    # other proof tasks (the stage check of a fold's result among them)
    parts = [(walk.name, f"the terms of {walk.name}", walk.conditions(depth))
             for walk, depth in pipe.walk_depths]
    parts += [(s.name, f"serial {s.what} {s.name}", s.conditions(depth))
              for s, depth in pipe.serial_depths]
    for name, what, conditions in parts:
        for part, text, cond in conditions:
            out.append(Check(f"f_pipeline_{name}_{part}", f"pipeline.{name}.{part}", "pipeline",
                             f"{what}: {text}", "fsm", "", f"f_ok_pipeline_{name}_{part}", cond))
    return out
