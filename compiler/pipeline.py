"""The pipeline, composed in one place: text -> AST -> IR (-> prove | backends).

``load`` and ``analyze`` run the front end, ``prove`` the prover, ``generate`` every backend;
the commands and the public API (``pumpspec``, compiler/api/) are thin layers over them.

The consumers of the IR do not know each other; what one needs of another is handed
over here (the prover's fast stepper is the Python backend's controller).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .diagnostics import Diagnostic, has_errors, sort_key
from .ir.nodes import Module
from .semantics.lower import lower
from .syntax.parser import parse

if TYPE_CHECKING:
    from .prove import Check, Options, Report
    from .trace import Trace


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


def prove(module: Module, options: Options | None = None,
          progress: Callable[[Check], None] | None = None) -> Report:
    """Every check of ``module`` (``compiler.prove``), its witness search running the
    Python backend's generated controller. Imported here, not at the top: loading a spec
    does not pay for Z3 and Jinja."""
    from . import prove as prover
    from .backends.python import STEPPER

    return prover.prove(module, options, progress, stepper=STEPPER)


def generate(module: Module) -> dict[str, str]:
    """Every backend's files for ``module``: ``{relative path: text}``, sorted by path.

    Raises BackendError when a backend cannot express the spec, ValueError when two
    backends claim the same file.
    """
    from .backends import BACKENDS

    files: dict[str, str] = {}
    owner: dict[str, str] = {}
    for backend in BACKENDS:
        for name, text in backend.emit(module).items():
            if name in files:
                raise ValueError(f"backends {owner[name]} and {backend.name} both write {name}")
            files[name], owner[name] = text, backend.name
    return dict(sorted(files.items()))


# A folder where ``reachability_witnesses`` keeps its results (test runs set it: the
# lockstep benches of one spec ask for the same witnesses many times, each in a process of
# its own). The search is bounded by work, so the same IR and prover give the same traces.
WITNESS_CACHE_ENV = "PUMPSPEC_WITNESS_CACHE"


def reachability_witnesses(module: Module, max_steps: int) -> list[Trace]:
    """The prover's reachability witnesses (a state or transition reached) that run from
    the initial state in at most ``max_steps`` steps: stimulus prefixes for the lockstep.
    With ``$PUMPSPEC_WITNESS_CACHE`` set, read from and written to that folder, keyed by
    the IR, ``max_steps`` and the compiler's own source."""
    from . import trace as tr

    folder = os.environ.get(WITNESS_CACHE_ENV)
    cached = Path(folder) / f"{_witness_key(module, max_steps)}.json" if folder else None
    if cached is not None and cached.is_file():
        return [tr.from_json(json.dumps(t), module, str(cached))
                for t in json.loads(cached.read_text())]
    out = _search_witnesses(module, max_steps)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps([json.loads(tr.to_json(t, module)) for t in out]))
        os.replace(partial, cached)  # whole or absent: another process may read it now
    return out


def _search_witnesses(module: Module, max_steps: int) -> list[Trace]:
    from . import prove as prover

    report = prove(module, prover.Options(only=("reachability",)))
    out = []
    for c in report.selected():
        if not (c.witness and c.verdict is not None and c.verdict.cex is not None):
            continue
        trace = prover.to_trace(report, c)
        if dict(trace.extra).get("start") is None and \
                sum(s.repeat for s in trace.steps) <= max_steps:
            out.append(trace)
    return out


def _witness_key(module: Module, max_steps: int) -> str:
    from .ir.printer import dump_module

    h = hashlib.sha256(f"{max_steps}\n{dump_module(module)}".encode())
    for source in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(source.read_bytes())
    return h.hexdigest()[:32]
