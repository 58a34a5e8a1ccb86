"""Exit codes, shared by every subcommand and the command line.

0 success / all proved, 1 something violated, 2 something unknown or timed out (nothing
violated), 3 spec errors, 4 usage or I/O errors, 70 internal error (a bug in pumpspec),
130 interrupted.
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_VIOLATED = 1
EXIT_UNKNOWN = 2
EXIT_SPEC_ERROR = 3
EXIT_USAGE = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# over several files, the worst outcome decides: spec errors, then violated, then unknown
_SEVERITY = {EXIT_OK: 0, EXIT_UNKNOWN: 1, EXIT_VIOLATED: 2, EXIT_SPEC_ERROR: 3}


def worse(a: int, b: int) -> int:
    """The more severe of two per-file results (``EXIT_OK``, ``EXIT_UNKNOWN``,
    ``EXIT_VIOLATED`` or ``EXIT_SPEC_ERROR``)."""
    return a if _SEVERITY[a] >= _SEVERITY[b] else b
