"""Replay a trace on the generated Python controller and print a step table.

TRACE is a pumpspec-trace/1 JSON file (what `prove --trace-out` writes) or a text trace
(docs/traces.md: one event per line, e.g. `bolus amount=1 U`, `tick 3600`), told apart
by content (or --trace-format). The controller is generated from FILE in memory, so
the replay runs the spec as it is now. With --monitor every property of the spec and
every check of the prover that a run can break (declared ranges, tick values,
max_steps_per_tick, determinism, completeness) is checked after each step; violations
are reported with the property or check id, the 0-based step and the value found (the
first one first; then every violating step of every property, a run of consecutive
steps with the same line as one range, "steps 6-10: ..."), and the replay goes on. A
trace that records a violation (a prover counterexample) is checked to reproduce it:
same property or check, same step.

The table is the one `prove` prints (compiler.tracetable): values in the spec's units,
rejections with their reason's code, requirement and text. --format json prints one
document of the schema pumpspec/1 (docs/schema/pumpspec-result-1.json).

Exit status: 0 replayed cleanly, 1 a property was violated, an expectation (`=>`)
failed or a recorded violation was not reproduced, 3 spec errors, 4 unreadable or
ill-formed trace.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .. import tracetable as tt
from ..ir import nodes as ir
from .common import report
from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, EXIT_VIOLATED


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="spec file (.pump)")
    parser.add_argument("trace", metavar="TRACE", help="trace file (JSON or text)")
    parser.add_argument("--monitor", action="store_true",
                        help="check every property, declared range and prover check a run can "
                             "break after each step; report every violation, the first first")
    parser.add_argument("--trace-format", choices=("auto", "json", "text"), default="auto",
                        help="format of TRACE (default: by content)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output: a step table, or one JSON document of the schema "
                             "pumpspec/1 (docs/schema/pumpspec-result-1.json)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also show window and accumulator variables in the changes")
    parser.add_argument("--save-json", metavar="PATH",
                        help="also write the trace as pumpspec-trace/1 JSON (e.g. for the "
                             "cocotb bench)")


def run(args) -> int:
    from ..pipeline import load
    from ..simulate import TraceError, read_trace, replay, trace_json
    from ..trace import other_pump
    from .machine import document, dumps, file_result

    text_mode = args.format == "text"
    analysis = load(args.file)
    if not analysis.ok:
        if text_mode:
            report([analysis])
        else:
            print(dumps(document("simulate", [file_result(analysis, EXIT_SPEC_ERROR)],
                                 EXIT_SPEC_ERROR)), end="")
        return EXIT_SPEC_ERROR
    module = analysis.module

    def usage_error(message: str) -> int:
        if text_mode:
            print(f"error: {message}", file=sys.stderr)
        else:
            print(dumps(document("simulate", [], EXIT_USAGE, message)), end="")
        return EXIT_USAGE

    try:
        trace = read_trace(args.trace, module, args.trace_format)
    except TraceError as exc:
        return usage_error(str(exc))
    warnings = []
    start = dict(trace.extra).get("start")
    if start is not None:  # the replay starts there: say so, it is not a run from reset
        values = ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                           for k, v in start["values"].items())
        reachable = dict(trace.extra).get("start_reachable")
        warnings.append(f"the trace starts from the configuration it records, not from the "
                        f"initial state: {start['state']}: {values}"
                        + (f" (reachable: {reachable})" if reachable else ""))
    if trace.pump and trace.pump != module.name:
        warnings.append(other_pump(trace.pump, module))
    if trace.spec_hash and trace.spec_hash != module.source_hash:
        warnings.append(f"the trace was recorded against another version of the spec "
                        f"(sha256 {trace.spec_hash[:12]}..., now {module.source_hash[:12]}...)")
    if text_mode:
        for w in warnings:
            print(f"warning: {w}", file=sys.stderr)
    if args.save_json:
        try:
            Path(args.save_json).write_text(trace_json(trace, module), encoding="utf-8")
        except OSError as exc:
            return usage_error(f"cannot write {args.save_json}: {exc.strerror or exc}")
    try:
        result = replay(module, trace, monitor=args.monitor)
    except TraceError as exc:  # a recorded start configuration that breaks an invariant
        return usage_error(f"{args.trace}: {exc}")
    status = EXIT_VIOLATED if result.violations or result.expect_failures else EXIT_OK
    recorded = None
    if trace.violation and args.monitor:
        want_property, want_step = trace.violation
        reproduced = result.violated_at(want_property, want_step)
        recorded = {"property": want_property, "step": want_step, "reproduced": reproduced}
        if not reproduced:
            status = EXIT_VIOLATED
    elif trace.violation:
        recorded = {"property": trace.violation[0], "step": trace.violation[1],
                    "reproduced": None}
    if text_mode:
        print_text(module, trace, result, recorded, args.monitor, args.verbose)
    else:
        print(dumps(document("simulate", [file_result(analysis, status) | simulation_json(
            module, args.trace, trace, result, recorded, args.monitor, warnings)], status)),
            end="")
    return status


def print_text(module: ir.Module, trace, result, recorded: dict | None, monitor: bool,
               verbose: bool) -> None:
    from ..simulate import step_row, violation_runs

    hidden = frozenset() if verbose else frozenset(
        v.name for v in module.variables if v.role in (ir.Role.WINDOW, ir.Role.ACCUMULATOR))
    print(tt.render(module, [step_row(module, r) for r in result.rows], hidden))
    total = sum(s.repeat for s in trace.steps)
    print(f"\nreplayed {result.steps} of {total} steps", end="")
    if result.violations:
        first = result.violation
        print(f"; first violation: {first.properties[0]} at step {first.step}")
        # every violating step of every property (the JSON's ``violations``), a run of
        # consecutive steps with the same line as one line: "steps 6-10: ..."
        for a, b, line in violation_runs(result.violations):
            print(f"  step {a}: {line}" if a == b else f"  steps {a}-{b}: {line}")
    else:
        print("; every property held" if monitor else "")
    for failure in result.expect_failures:
        print(f"expectation failed: {failure}")
    if recorded is None:
        return
    if recorded["reproduced"]:
        print(f"reproduces the recorded violation: {recorded['property']} at step "
              f"{recorded['step']}")
    elif recorded["reproduced"] is None:
        print(f"note: the trace records {recorded['property']} violated at step "
              f"{recorded['step']}; run with --monitor to check it", file=sys.stderr)
    else:
        found = ", ".join(f"{'/'.join(v.properties)} at step {v.step}"
                          for v in result.violations) or "no violation"
        print(f"error: the trace records {recorded['property']} violated at step "
              f"{recorded['step']}; the controller found {found}", file=sys.stderr)


def simulation_json(module: ir.Module, path: str, trace, result, recorded: dict | None,
                    monitor: bool, warnings: list[str]) -> dict:
    """The simulate part of a file's result in the schema."""
    from ..simulate import step_row

    return {
        "trace": path, "monitor": monitor, "warnings": warnings,
        "steps_total": sum(s.repeat for s in trace.steps), "steps_replayed": result.steps,
        "steps": [tt.step_json(module, step_row(module, r)) for r in result.rows],
        "violations": [{"step": v.step, "properties": list(v.properties), "message": v.message}
                       for v in result.violations],
        "expectation_failures": result.expect_failures,
        "recorded_violation": recorded,
    }
