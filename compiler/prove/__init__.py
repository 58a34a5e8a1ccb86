"""Z3 proofs over the IR: one transition-system encoding, several engines, many checks.

Public surface: ``prove(module, Options(...), progress=callback) -> Report``; the
report's ``checks`` carry a ``Verdict`` each. See docs/prover.md.
"""
from .goals import KINDS, Check
from .engines import PROVED, UNKNOWN, VIOLATED, Cex, Verdict
from .schedule import Options, Report, prove

__all__ = ["KINDS", "Check", "Cex", "Options", "PROVED", "Report", "UNKNOWN", "VIOLATED",
           "Verdict", "prove"]
