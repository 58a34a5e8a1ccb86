"""Run the generated Verilog in lockstep with the generated Python controller.

Compiles the spec's Verilog block with a test wrapper on Icarus Verilog (default) or
Verilator, drives it with stimulus and compares, after every event and every tick, the
status and reason code, the control state and every variable, the STEP pulses each tick
emits, motor_en, no fault and the STEP timing, against the Python controller generated
from the same spec. Stimulus: each --trace (text or JSON, e.g. what `prove --trace-out`
writes; replayed from a power-on reset, its `=>` expectations checked), then
--sequences random sequences of --events port events, guided by the spec: its events,
parameter boundaries (lo - 1, lo, hi, hi + 1, the values its guards compare with), unknown event
codes, values outside the declared domain, resets, and the prover's reachability witnesses as
prefixes. A mismatch that a finding of the spec explains (a variable left its declared
range, P0100; a source stepped in the first tick after reset, W0403) is printed with
that finding at its span. Exit status: 0 the block and the controller agreed, 1 a
mismatch (the first is printed and its trace written) or a failed trace expectation, 3 spec errors, 4 usage
errors, an unreadable trace, a trace the block cannot be given (a parameter value its port
cannot carry, E0601: never sent wrapped; a start configuration the prover recorded, E0602)
or a missing simulator.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..diagnostics import render_text
from .status import EXIT_INTERNAL, EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, EXIT_VIOLATED

DEFAULT_SEQUENCES = 20
DEFAULT_EVENTS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="SPEC", help="spec file (.pump)")
    parser.add_argument("--sequences", type=int, metavar="N",
                        help=f"random sequences (default {DEFAULT_SEQUENCES}; 0 with --trace)")
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, metavar="M",
                        help="port events per random sequence (default %(default)s)")
    parser.add_argument("--seed", type=int, default=1, metavar="S",
                        help="seed of the first sequence; sequence i uses S + i (default 1)")
    parser.add_argument("--trace", action="append", default=[], metavar="FILE",
                        help="replay this trace (text or JSON) first; repeatable")
    parser.add_argument("--sim", choices=("icarus", "verilator"), default="icarus",
                        help="simulator (default %(default)s)")
    parser.add_argument("--waves", type=Path, metavar="OUT.vcd",
                        help="write a VCD of the whole run (one simulator run)")
    parser.add_argument("--no-witnesses", action="store_true",
                        help="do not ask the prover for reachability witnesses as prefixes")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="work folder (default build/lockstep/<spec>-<sim>)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from .. import lockstep, pipeline
    from ..backends import BackendError
    from ..simulate import TraceError, read_trace
    from ..trace import to_json
    from .common import load_or_report, report

    sequences = args.sequences if args.sequences is not None else \
        (0 if args.trace else DEFAULT_SEQUENCES)
    if sequences < 0 or args.events < 1:
        print("error: --sequences must be >= 0 and --events >= 1", file=sys.stderr)
        return EXIT_USAGE
    analysis = load_or_report(args.file, args.format)
    if not analysis.ok:
        if args.format == "json":
            report([analysis], "json")
        return EXIT_SPEC_ERROR
    module = analysis.module
    traces = []
    for path in args.trace:
        try:
            trace = read_trace(path, module)
        except TraceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        content = Path(path).read_text(encoding="utf-8")
        refused = lockstep.refusals(module, trace, path, content)
        if refused:  # a start the block cannot be put in, a value its port cannot carry
            print(render_text(refused, {path: content}), file=sys.stderr)
            return EXIT_USAGE
        if trace.pump and trace.pump != module.name:
            print(f"warning: {path} is for pump `{trace.pump}`, the spec defines "
                  f"`{module.name}`", file=sys.stderr)
        traces.append((path, trace))
    why = lockstep.missing(args.sim)
    if why:
        print(f"error: {why}", file=sys.stderr)
        return EXIT_USAGE
    text = args.format == "text"
    work = args.work or Path("build") / "lockstep" / f"{Path(args.file).stem}-{args.sim}"
    try:
        room = max([lockstep.EVENTS_PER_TICK, *(lockstep.longest_event_run(t) for _, t in traces)])
        bench = lockstep.build(module, sim=args.sim, workdir=work, waves=args.waves is not None,
                               params=lockstep.sim_params(module, events_per_tick=room))
        prefixes = [] if args.no_witnesses or not sequences else \
            pipeline.reachability_witnesses(module, lockstep.MAX_PREFIX_STEPS)
        if text:
            print(f"lockstep {module.name} ({args.file}) on {args.sim.capitalize()}: "
                  f"{len(traces)} trace(s), {sequences} random sequence(s) x {args.events} "
                  f"events from seed {args.seed}, {len(prefixes)} witness prefixes", flush=True)
        result = lockstep.run(bench, sequences=sequences, events=args.events, seed=args.seed,
                              traces=traces, prefixes=prefixes, vcd=args.waves)
    except BackendError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    except lockstep.SimulatorError as exc:
        print(f"error: {exc}\n  = note: `check` accepted this spec, so this is a bug in "
              "pumpspec; please report it", file=sys.stderr)
        return EXIT_INTERNAL
    mismatch_file = None
    if result.mismatch is not None:
        mismatch_file = work / "mismatch.json"
        mismatch_file.write_text(to_json(result.mismatch.trace, module))
    if text:
        _print_text(module, result, mismatch_file, args.waves, analysis.sources)
    else:
        print(json.dumps(_json(module, result, mismatch_file, args.waves), indent=2))
    return EXIT_OK if result.ok else EXIT_VIOLATED


def _print_text(module, r, mismatch_file, vcd, sources) -> None:
    print(f"compared: status + reason of {r.port_events:,} port events, all {r.registers} "
          f"registers (state and every variable) after each of them and after each of "
          f"{r.ticks:,} ticks, STEP pulses and motor_en per tick, fault, STEP timing")
    print(r.coverage.line(module))
    for failure in r.expectation_failures:
        print(f"expectation failed: {failure}")
    if r.mismatch is not None:
        print()
        print(r.mismatch.table())
        if r.cause is not None:
            print(f"\nthe spec explains it:\n{render_text([r.cause], sources)}")
        print(f"trace: {mismatch_file} (replay: pumpspec lockstep SPEC --trace {mismatch_file})")
    verdict = "0 mismatches" if r.mismatch is None else "MISMATCH"
    print(f"result: {r.compares:,} comparisons, {verdict}; {r.sequences} sequences, "
          f"{len(r.traces)} traces, {r.events:,} events in {r.wall_seconds:.1f} s "
          f"(simulator {r.sim_seconds:.1f} s, checker {r.check_seconds:.1f} s)"
          + (f"; waves: {vcd}" if vcd else ""))


def _json(module, r, mismatch_file, vcd) -> dict:
    return {
        "pump": r.pump, "simulator": r.simulator, "ok": r.ok, "sequences": r.sequences,
        "traces": r.traces, "witness_prefixes": r.prefixes, "port_events": r.port_events,
        "ticks": r.ticks, "events": r.events, "comparisons": r.compares,
        "registers": r.registers, "parameters": r.params.as_dict(),
        "transitions": len(module.transitions), "fired": sorted(r.coverage.fired),
        "never_fired": r.coverage.never_fired(module), "reasons_seen": sorted(r.coverage.reasons),
        "mismatch": None if r.mismatch is None else {
            **r.mismatch.to_dict(), "trace": str(mismatch_file),
            "cause": r.cause.to_dict() if r.cause else None},
        "expectation_failures": r.expectation_failures,
        "wall_seconds": round(r.wall_seconds, 2), "sim_seconds": round(r.sim_seconds, 2),
        "check_seconds": round(r.check_seconds, 2), "waves": str(vcd) if vcd else None,
    }
