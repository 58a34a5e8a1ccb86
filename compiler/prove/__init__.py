"""Z3 proofs over the IR: one transition-system encoding, several engines, many checks.

Public surface: ``prove(module, Options(...), progress=callback, stepper=...) -> Report``
(``compiler.pipeline.prove`` passes the stepper: the Python backend's controller); the
report's ``checks`` carry a ``Verdict`` each; ``checks_of`` and ``matches`` tell what a
run would check and what ``--only`` selects. Reading a report: ``progress_line``,
``groups`` and ``group_lines`` (by requirement), ``diagnostic`` and ``findings``,
``summary``, ``report_json`` and ``dumps``, ``write_traces`` and ``to_trace``, ``replay``,
``trace_rows``, ``violation_step`` and ``step_table`` (the shared ``compiler.tracetable``). See docs/prover.md.
"""
from .engines import PROVED, UNKNOWN, VIOLATED, Cex, Verdict
from .goals import KINDS, Check
from .report import (PROVER_CODES, Group, diagnostic, dumps, findings, group_lines, groups,
                     has_trace, lead, lead_title, paint, progress_line, replay, report_json,
                     requirement, step_table, summary, to_trace, trace_rows, violation_step, write_traces)
from .schedule import Options, Report, checks_of, matches, prove

__all__ = ["KINDS", "PROVER_CODES", "PROVED", "UNKNOWN", "VIOLATED", "Cex", "Check", "Group",
           "Options", "Report", "Verdict", "checks_of", "diagnostic", "dumps", "findings",
           "group_lines", "groups", "has_trace", "lead", "lead_title", "matches", "paint", "progress_line", "prove",
           "replay", "report_json", "requirement", "step_table", "summary", "to_trace",
           "trace_rows", "violation_step", "write_traces"]
