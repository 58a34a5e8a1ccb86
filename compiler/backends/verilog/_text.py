"""Spec text in generated Verilog: comments only, through :func:`verilog_comment`."""
from __future__ import annotations


def verilog_comment(text: str) -> str:
    """``text`` for a ``//`` comment: printable ASCII only, so one line whatever the text.

    Every other character, and the backslash, is written as its escape (``\\x5c``,
    ``\\u00b5``), so no newline, NUL or trailing backslash reaches the file; ``*/`` and
    ``/*`` are split the same way, so the text could sit in a block comment too.
    """
    out = []
    for c in text:
        code = ord(c)
        if 0x20 <= code <= 0x7E and c != "\\":
            out.append(c)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out).replace("*/", "*\\x2f").replace("/*", "\\x2f*")
