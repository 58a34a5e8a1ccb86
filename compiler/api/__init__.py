"""pumpspec: the public Python API of the insulin-pump safety toolchain.

Installed as the ``pumpspec`` package (its sources are compiler/api/, mapped in
pyproject.toml); the command line and this API are thin layers over the same functions
of the ``compiler`` package, so ``pumpspec.prove`` and ``pumpspec prove`` agree. The
reference is docs/api.md; in short::

    import pumpspec

    analysis = pumpspec.check("spec/infusion_pump.pump")   # never raises for a bad spec
    module = pumpspec.load("spec/infusion_pump.pump")      # the IR; SpecError on errors
    result = pumpspec.prove(module, only=("PS-22",))       # a prover Report
    files = pumpspec.build(module)                         # {file name: generated text}
    pump = pumpspec.controller(module).InfusionPump()      # the generated controller
    replay = pumpspec.simulate(module, "trace.json")       # a trace on that controller
    index = pumpspec.report(module, "build/report")        # the HTML evidence report

Lockstep runs of the generated Verilog against the controller are the cocotb benches in
verification/ today (``pytest verification``; ``report(..., lockstep=...)`` reads their
coverage); their Python entry point joins this API beside ``simulate`` when it lands.
"""
from __future__ import annotations

import types
from pathlib import Path

from compiler import __version__, pipeline
from compiler import report as _report
from compiler import simulate as _simulate
from compiler.diagnostics import Diagnostic, render_text
from compiler.ir.nodes import Module
from compiler.pipeline import Analysis, SpecError
from compiler.prove import Check, Options, Report, Verdict
from compiler.trace import Trace, TraceError

__all__ = ["Analysis", "Check", "Diagnostic", "Module", "Options", "Report", "SpecError",
           "Trace", "TraceError", "Verdict", "__version__", "build", "check", "controller",
           "load", "prove", "render_diagnostics", "report", "simulate"]


def check(path: str | Path) -> Analysis:
    """Parse ``path`` and run every static check; the diagnostics are in the result
    (``.ok``, ``.diagnostics``, ``.module``), never raised."""
    return pipeline.load(path)


def load(path: str | Path) -> Module:
    """The IR of the spec at ``path``; raises :class:`SpecError` (``.analysis`` holds the
    diagnostics) when the spec has errors."""
    return pipeline.load_module(path)


def render_diagnostics(analysis: Analysis) -> str:
    """The analysis' diagnostics as ``pumpspec check`` prints them (rustc style)."""
    return render_text(list(analysis.diagnostics), analysis.sources)


def prove(module: Module, **options) -> Report:
    """Every check of ``module`` (``compiler.prove.Options`` fields as keywords, e.g.
    ``only=("PS-22",)``, ``witnesses=False``), as ``pumpspec prove`` runs them."""
    return pipeline.prove(module, Options(**options))


def build(module: Module, out: str | Path | None = None) -> dict[str, str]:
    """The generated files, ``{file name: text}`` (the Python controller, the Verilog
    block); with ``out``, also written there as ``pumpspec build --out`` does."""
    files = pipeline.generate(module)
    if out is not None:
        from compiler.commands.build import write_atomically

        for name, text in files.items():
            write_atomically(Path(out) / name, text)
    return files


def controller(module: Module) -> types.ModuleType:
    """The generated Python controller of ``module``, compiled in memory: its pump class
    is the attribute named after the pump (see docs/controller.md)."""
    from compiler.backends import python

    return python.load(module)


def simulate(module: Module, trace: str | Path | Trace, monitor: bool = False
             ) -> _simulate.Replay:
    """Replay ``trace`` (a trace file, JSON or text, or a :class:`Trace`) on the
    generated controller, as ``pumpspec simulate`` does; raises :class:`TraceError` for
    an unreadable or ill-formed trace."""
    if not isinstance(trace, Trace):
        trace = _simulate.read_trace(str(trace), module)
    return _simulate.replay(module, trace, monitor=monitor)


def report(module: Module, out: str | Path, *, proof: Report | None = None,
           requirements: str | Path | None = None, benches: str | Path | None = None,
           lockstep: str | Path | None = None) -> Path:
    """Write the HTML evidence report of ``module`` into ``out`` and return its
    index.html. ``proof`` defaults to a full :func:`prove`; ``requirements`` is a
    requirements document that adds to the spec's own requirement texts and hazards, ``benches`` a folder of
    verification benches, ``lockstep`` a lockstep coverage file (all optional)."""
    from compiler.commands.build import write_atomically

    out = Path(out)
    spec_text = Path(module.source_file).read_text(encoding="utf-8")
    files = _report.generate(
        module, spec_text, proof if proof is not None else prove(module),
        requirements=Path(requirements) if requirements is not None else None,
        benches=Path(benches) if benches is not None else None,
        lockstep=_report.read_lockstep(Path(lockstep)) if lockstep is not None else None,
        commands=(f"pumpspec report {module.source_file} -o {out}",))
    for name, text in files.items():
        write_atomically(out / name, text)
    return out / "index.html"
