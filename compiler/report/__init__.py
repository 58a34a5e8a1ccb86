"""The evidence report: a self-contained HTML report of a spec for a safety engineer.

``generate(module, spec_text, proof, ...) -> {relative path: text}`` builds it from the
IR, a proof run (``compiler.pipeline.prove``), the generated code, the requirement
texts and hazard analysis the spec declares (a requirements document may add texts and a
hazard table), the verification benches and,
optionally, a lockstep coverage file: a state diagram (Graphviz SVG, inline), the
hazard -> requirement -> property matrix with verdicts, engines, times and inductive
invariants, each property's generated-code locations, RTL assertions, benches and
trace in spec units, coverage of states and transitions, and how to reproduce it.
Nothing in it loads from the network. ``pumpspec report`` writes it (README, "The
evidence report").
"""
from __future__ import annotations

from pathlib import Path

from .. import __version__
from .. import prove as prover
from ..ir import nodes as ir
from . import benches as bench_scan
from . import requirements as reqdoc
from .diagram import DiagramError, dot_source, find_dot, render_svg
from .evidence import CoverageError, Evidence, LockstepCoverage, collect, read_lockstep
from .html import render
from .locate import code_map


def generate(module: ir.Module, spec_text: str, proof: prover.Report, *,
             requirements: Path | None = None, benches: Path | None = None,
             lockstep: LockstepCoverage | None = None,
             commands: tuple[str, ...] = ()) -> dict[str, str]:
    """The report's files, ``{relative path: text}``. ``requirements`` is a Markdown
    requirements document that adds to the spec's own requirement texts and hazards,
    ``benches`` a folder of verification benches (both optional: the report says what is
    missing). Raises DiagramError when Graphviz fails."""
    code = code_map(module)
    dot = dot_source(module)
    docs = reqdoc.combine(reqdoc.of_module(module),
                          reqdoc.read(requirements) if requirements is not None else reqdoc.NONE)
    cited = bench_scan.citing(benches) if benches is not None else {}
    evidence = collect(module, proof, code, docs, cited, str(benches or ""), lockstep,
                       __version__, commands, dot, render_svg(dot))
    spec_name = Path(module.source_file).name
    return render(evidence, {spec_name: spec_text, **code.files})


__all__ = ["CoverageError", "DiagramError", "Evidence", "LockstepCoverage", "find_dot",
           "generate", "read_lockstep"]
