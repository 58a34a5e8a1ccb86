"""Diagnostics are values: collected, never thrown; rendered rustc-style, or as JSON
(``to_dict``, inside the document of compiler/commands/machine.py).

Every code is in ``CODES`` with a one-line meaning (docs/diagnostics.md lists them).
Messages are lowercase without a trailing period; ``help`` suggests the fix.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .source import Span

CODES: dict[str, str] = {
    # syntax
    "E0001": "syntax error: unexpected token",
    "E0002": "syntax error: unexpected character",
    "E0003": "syntax error: unexpected end of file",
    "E0004": "file cannot be read",
    "E0005": "expression nested too deeply",
    "E0006": "number literal too long",
    # names
    "E0101": "duplicate declaration",
    "E0102": "unknown name",
    "E0103": "unknown state",
    "E0104": "unknown event",
    "E0105": "unknown enum member",
    "E0106": "reserved name",
    "E0107": "not exactly one initial state",
    "E0108": "unknown parameter or setting",
    "E0109": "unknown unit",
    "E0110": "a name the generated Python or Verilog cannot use",
    "E0111": "two declarations become one identifier in the generated code",
    # types
    "E0201": "type mismatch",
    "E0202": "operator needs a constant operand",
    "E0203": "not allowed in this context",
    "E0204": "not a type",
    "E0205": "value outside the declared range",
    "E0206": "variable assigned twice in one step",
    "E0207": "not a variable",
    "E0208": "not a constant",
    "E0209": "table index may fall outside the table",
    # units
    "E0301": "unit mismatch",
    "E0302": "inexact conversion to base units",
    "E0303": "base unit not declared",
    "E0304": "negative range",
    # motor, windows, structure
    "E0401": "pulse timing does not fit in a tick",
    "E0402": "motor rate above the mechanism maximum",
    "E0403": "motor source outside the moving states",
    "E0404": "motor section incomplete",
    "E0405": "invalid dose window",
    "E0406": "missing declaration",
    "E0407": "the step limiter could trip on legal delivery",
    "E0408": "invalid hardware step limiter or watchdog",
    "E0409": "the motor may step in the first tick after reset",
    "W0401": "coarse window buckets hold back a rate the window's limit allows",
    "W0402": "no hardware watchdog declared",
    "W0403": "events before the first tick after reset may reach a state that steps",
    # hazard analysis (docs/language.md, "Hazard analysis")
    "E0501": "unknown hazard severity",
    "W0501": "a hazard or a cause no requirement controls",
    "W0502": "a requirement nothing in the spec captures",
    "W0503": "a cited requirement id the spec does not declare",
    "W0504": "a requirement that controls no hazard",
    # traces the lockstep cannot replay on the block (pumpspec lockstep; docs/traces.md)
    "E0601": "a trace parameter value the block's event port cannot carry",
    "E0602": "a trace that starts from a configuration recorded by the prover",
    # prover results (pumpspec prove; docs/prover.md)
    "P0100": "a variable or the control state leaves its declared type",
    "P0101": "invariant violated",
    "P0102": "transition assertion violated",
    "P0103": "bounded response violated",
    "P0104": "recovery sequence does not reach its target",
    "P0105": "an update leaves the variable's declared range",
    "P0106": "a tick value leaves its computed range",
    "P0107": "a tick commands more motor steps than declared",
    "P0108": "two transitions of one event are enabled at once",
    "P0201": "an event is rejected without a reason from the spec",
    "P0202": "a state or transition is unreachable",
    "P0203": "a property holds vacuously",
    "P0300": "a property could not be decided (unknown)",
}


@dataclass(frozen=True)
class Label:
    span: Span
    text: str = ""


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    label: str = ""  # text under the primary caret
    labels: tuple[Label, ...] = ()  # secondary spans
    notes: tuple[str, ...] = ()
    help: str | None = None
    severity: str = "error"  # error | warning

    def __post_init__(self) -> None:
        assert self.code in CODES, f"unregistered diagnostic code {self.code}"

    def to_dict(self) -> dict:
        def span_dict(s: Span | None):
            if s is None:
                return None
            return {"file": s.file, "line": s.line, "col": s.col,
                    "end_line": s.end_line, "end_col": s.end_col}

        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "span": span_dict(self.span),
            "label": self.label,
            "labels": [{"span": span_dict(lab.span), "text": lab.text} for lab in self.labels],
            "notes": list(self.notes),
            "help": self.help,
        }


def sort_key(d: Diagnostic):
    s = d.span
    return (s.file, s.start, s.end) if s else ("", -1, -1)


MAX_SHOWN = 100  # source characters shown per line; longer lines are cut around the caret


def _caret_line(text: str, span: Span, mark: str) -> tuple[int, str, str]:
    lines = text.splitlines() or [""]
    line_no = min(span.line, len(lines))
    line = lines[line_no - 1] if lines else ""
    start = max(span.col - 1, 0)
    end = span.end_col - 1 if span.end_line == span.line else len(line)
    width = max(end - start, 1)
    if len(line) > MAX_SHOWN:
        cut = max(0, min(start - MAX_SHOWN // 3, len(line) - MAX_SHOWN))
        shown = line[cut:cut + MAX_SHOWN]
        prefix = "..." if cut else ""
        line = prefix + shown + ("..." if cut + MAX_SHOWN < len(line) else "")
        start = start - cut + len(prefix)
        width = min(width, MAX_SHOWN - (start - len(prefix)))
    return line_no, line, " " * start + mark * max(width, 1)


def render_one(d: Diagnostic, sources: Mapping[str, str]) -> str:
    out = [f"{d.severity}[{d.code}]: {d.message}"]
    spans = ([d.span] if d.span else []) + [lab.span for lab in d.labels]
    gutter = max((len(str(s.line)) for s in spans), default=1)
    pad = " " * gutter
    if d.span is not None:
        out.append(f"{pad}--> {d.span.file}:{d.span.line}:{d.span.col}")
        text = sources.get(d.span.file)
        if text is not None:
            out.append(f"{pad} |")
            parts = [(d.span, "^", d.label)] + [(lab.span, "-", lab.text) for lab in d.labels
                                                 if lab.span.file == d.span.file]
            for span, mark, label in parts:
                line_no, line, carets = _caret_line(text, span, mark)
                out.append(f"{str(line_no).rjust(gutter)} | {line}")
                out.append(f"{pad} | {carets}{(' ' + label) if label else ''}")
            out.append(f"{pad} |")
    for note in d.notes:
        out.append(f"{pad} = note: {note}")
    if d.help:
        out.append(f"{pad} = help: {d.help}")
    return "\n".join(out)


def render_text(diags: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    diags = list(diags)
    body = "\n\n".join(render_one(d, sources) for d in diags)
    errors = sum(d.severity == "error" for d in diags)
    if errors:
        body += f"\n\nerror: {errors} error{'s' if errors != 1 else ''} found"
    return body


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)
