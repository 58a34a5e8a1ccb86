"""Replay a trace on the generated Python controller and print a step table.

TRACE is a pumpspec-trace/1 JSON file (what `prove --trace-out` writes) or a text trace
(docs/traces.md): one event per line, e.g. `bolus amount=1 U`, `tick 3600`. The
controller is generated from FILE in memory, so the replay runs the spec as it is now.
With --monitor every property of the spec and every check of the prover that a run can
break (declared ranges, tick values, max_steps_per_tick, determinism, completeness) is
checked after each step; violations are reported with the property or check id, the
0-based step and the value found (the first one first), and the replay goes on. A trace
that records a violation (a prover counterexample) is checked to reproduce it: same
property or check, same step.

Exit status: 0 replayed cleanly, 1 a property was violated, an expectation (`=>`)
failed or a recorded violation was not reproduced, 3 spec errors, 4 unreadable or
ill-formed trace.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..ir import nodes as ir
from .status import EXIT_OK, EXIT_SPEC_ERROR, EXIT_USAGE, EXIT_VIOLATED


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="spec file (.pump)")
    parser.add_argument("trace", metavar="TRACE", help="trace file (JSON or text)")
    parser.add_argument("--monitor", action="store_true",
                        help="check every property, declared range and prover check a run can "
                             "break after each step; report the first violated")
    parser.add_argument("--format", choices=("auto", "json", "text"), default="auto",
                        help="trace format (default: by content)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also show window and accumulator variables in the changes")
    parser.add_argument("--save-json", metavar="PATH",
                        help="also write the trace as pumpspec-trace/1 JSON (e.g. for the "
                             "cocotb bench)")


def run(args) -> int:
    from ..simulate import TraceError, read_trace, replay, trace_json
    from .common import load_or_report

    analysis = load_or_report(args.file)
    if not analysis.ok:
        return EXIT_SPEC_ERROR
    module = analysis.module
    try:
        trace = read_trace(args.trace, module, args.format)
    except TraceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if trace.pump and trace.pump != module.name:
        print(f"warning: the trace is for pump `{trace.pump}`, the spec defines "
              f"`{module.name}`", file=sys.stderr)
    if trace.spec_hash and trace.spec_hash != module.source_hash:
        print(f"warning: the trace was recorded against another version of the spec "
              f"(sha256 {trace.spec_hash[:12]}..., now {module.source_hash[:12]}...)",
              file=sys.stderr)
    if args.save_json:
        try:
            Path(args.save_json).write_text(trace_json(trace, module), encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write {args.save_json}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
    result = replay(module, trace, monitor=args.monitor)
    print_table(module, result, args.verbose)
    status = EXIT_OK
    total = sum(s.repeat for s in trace.steps)
    print(f"\nreplayed {result.steps} of {total} steps", end="")
    if result.violations:
        first = result.violation
        print(f"; first violation: {first.properties[0]} at step {first.step}")
        # each property once per stretch of consecutive violating steps
        before: set[str] = set()
        last_step = None
        for v in result.violations:
            if last_step is None or v.step != last_step + 1:
                before = set()
            new = [p for p in v.properties if p not in before]
            lines = [line for line in v.message.splitlines()
                     if line.split(" ", 1)[0] in new]
            for line in lines:
                print(f"  step {v.step}: {line}")
            before, last_step = set(v.properties), v.step
        status = EXIT_VIOLATED
    else:
        print("; every property held" if args.monitor else "")
    for failure in result.expect_failures:
        print(f"expectation failed: {failure}")
        status = EXIT_VIOLATED
    if trace.violation and args.monitor:
        want_property, want_step = trace.violation
        if result.violated_at(want_property, want_step):
            print(f"reproduces the recorded violation: {want_property} at step {want_step}")
        else:
            found = ", ".join(f"{'/'.join(v.properties)} at step {v.step}"
                              for v in result.violations) or "no violation"
            print(f"error: the trace records {want_property} violated at step {want_step}; "
                  f"the controller found {found}", file=sys.stderr)
            status = EXIT_VIOLATED
    elif trace.violation:
        print(f"note: the trace records {trace.violation[0]} violated at step "
              f"{trace.violation[1]}; run with --monitor to check it", file=sys.stderr)
    return status


def print_table(module: ir.Module, result, verbose: bool) -> None:
    hidden = set() if verbose else {v.name for v in module.variables
                                    if v.role in ("window", "accumulator")}
    header = ("step", "event", "result", "state", "motor steps", "changes")
    lines = [header]
    for row in result.rows:
        last = row.index + max(row.count, 1) - 1
        step = str(row.index) if row.count <= 1 else f"{row.index}-{last}"
        lines.append((step, describe_event(module, row), describe_result(row),
                      row.before if row.before == row.after else f"{row.before} -> {row.after}",
                      describe_steps(row),
                      ", ".join(f"{n} {a}->{b}" for n, a, b in row.changes if n not in hidden)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        cells = [cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True)] + [line[-1]]
        print("  ".join(cells).rstrip())


def describe_event(module: ir.Module, row) -> str:
    decl = module.event(row.event)
    types = {p.name: p.type for p in decl.params}
    args = []
    for name, value in row.params:
        t = types[name]
        shown = t.members[value] if isinstance(t, ir.EnumType) and isinstance(value, int) \
            and 0 <= value < len(t.members) else value
        args.append(f"{name}={str(shown).lower() if isinstance(shown, bool) else shown}")
    text = f"{row.event}({', '.join(args)})" if args else row.event
    return text if row.count <= 1 else f"{text} x{row.count}"


def describe_result(row) -> str:
    if not row.statuses:
        return "-"
    parts = []
    for status, n in sorted(row.statuses.items()):
        parts.append(status if row.count <= 1 else f"{status} x{n}")
    text = ", ".join(parts)
    if row.transitions:
        text += " " + " ".join(f"#{t}" for t in row.transitions)
    if row.reasons:
        text += ": " + "; ".join(r.split(": ", 1)[-1] for r in row.reasons)
    if row.violations:
        ids = dict.fromkeys(p for v in row.violations for p in v.properties)
        text += f"  VIOLATES {', '.join(ids)}"
    return text


def describe_steps(row) -> str:
    if not row.steps:
        return ""
    total = row.steps.get("total", 0)
    parts = [f"{k} {v}" for k, v in row.steps.items() if k != "total" and v]
    return f"{total}" + (f" ({', '.join(parts)})" if parts else "")
