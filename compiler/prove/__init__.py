"""Z3 proofs over the IR: one transition-system encoding, several engines, many checks.

Public surface: ``prove(module, Options(...), progress=callback, stepper=...) -> Report``
(``compiler.pipeline.prove`` passes the stepper: the Python backend's controller); the
report's ``checks`` carry a ``Verdict`` each. Reading a report: ``progress_line``,
``diagnostic``, ``summary``, ``report_json`` and ``dumps``, ``write_traces`` and
``to_trace``, ``replay`` and ``step_table``. See docs/prover.md.
"""
from .engines import PROVED, UNKNOWN, VIOLATED, Cex, Verdict
from .goals import KINDS, Check
from .report import (PROVER_CODES, diagnostic, dumps, progress_line, replay, report_json,
                     step_table, summary, to_trace, write_traces)
from .schedule import Options, Report, prove

__all__ = ["KINDS", "PROVER_CODES", "PROVED", "UNKNOWN", "VIOLATED", "Cex", "Check", "Options",
           "Report", "Verdict", "diagnostic", "dumps", "progress_line", "prove", "replay",
           "report_json", "step_table", "summary", "to_trace", "write_traces"]
