"""The pipeline, composed in one place: text -> AST -> IR (-> checks | backends)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, has_errors, sort_key
from .ir.nodes import Module
from .semantics.lower import lower
from .syntax.parser import parse


@dataclass(frozen=True)
class Analysis:
    file: str
    text: str
    module: Module | None
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.module is not None and not has_errors(self.diagnostics)

    @property
    def sources(self) -> dict[str, str]:
        return {self.file: self.text}


class SpecError(Exception):
    """A spec with errors where a Module was required; carries the analysis."""

    def __init__(self, analysis: Analysis):
        super().__init__(f"{analysis.file}: {len(analysis.diagnostics)} diagnostic(s)")
        self.analysis = analysis


def analyze(text: str, file: str) -> Analysis:
    spec, diagnostics = parse(text, file)
    module = None
    if spec is not None:
        module, diagnostics = lower(spec)
    return Analysis(file, text, module, tuple(sorted(diagnostics, key=sort_key)))


def load(path: str | Path) -> Analysis:
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Analysis(path, "", None, (Diagnostic("E0004", f"cannot read `{path}`: {reason}"),))
    return analyze(text, path)


def load_module(path: str | Path) -> Module:
    analysis = load(path)
    if not analysis.ok:
        raise SpecError(analysis)
    return analysis.module
