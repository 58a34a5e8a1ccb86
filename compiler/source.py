"""Source locations: a leaf module (no project imports) that the front end, the IR and
the diagnostics all point into spec text with."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A region of one source file; line and col are 1-based, offsets 0-based."""

    file: str
    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    @classmethod
    def at(cls, text: str, file: str, offset: int, length: int) -> "Span":
        """The span of ``length`` characters at ``offset`` of ``text`` (one line; cut at
        the end of the text)."""
        length = max(0, min(length, len(text) - offset))
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return cls(file, offset, offset + length, line, col, line, col + length)
