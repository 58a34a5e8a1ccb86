"""Names the generated code cannot use (E0110) or that two declarations share there (E0111).

The rule and the naming scheme are :mod:`compiler.reserved`'s, which the backends name
with: this pass only lists what the module declares, with its spans.
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..diagnostics import Diagnostic, Label
from ..ir import nodes as ir
from ..reserved import Declared, NameProblem, name_problems
from ..syntax import ast


def declared_names(module: ir.Module, spec: ast.Spec,
                   declared_at: Mapping[str, ir.Span]) -> list[Declared]:
    """Every name of ``module`` the backends make identifiers from, generated ones
    (window buckets, source tick values) included, in declaration order; spans on the
    name where ``declared_at`` has it (top-level names), else on the declaration."""
    enum_decls = {i.name.name: i for i in spec.items if isinstance(i, ast.EnumDecl)}
    out = [Declared("pump", module.name, span=spec.name.span)]
    for enum in module.enums:
        decl = enum_decls[enum.name]
        out.append(Declared("enum", enum.name, span=decl.name.span))
        member_spans = {m.name: m.span for m in decl.members}
        out += [Declared("member", m, enum.name, member_spans[m]) for m in enum.members]
    out += [Declared("state", s.name, span=declared_at.get(s.name, s.span))
            for s in module.states]
    out += [Declared("variable", v.name, span=declared_at.get(v.name, v.span))
            for v in module.variables]
    for e in module.events:
        user = e.kind == ir.EventKind.USER
        out.append(Declared("event", e.name, span=declared_at.get(e.name, e.span),
                            user_event=user))
        out += [Declared("parameter", p.name, e.name, p.span) for p in e.params]
    out += [Declared("source", s.name, span=s.span) for s in module.motor.sources]
    out += [Declared("let", let.name, span=let.span) for let in module.tick_lets]
    out += [Declared("window", w.name, span=w.span) for w in module.windows]
    return out


def check_names(module: ir.Module, spec: ast.Spec, declared_at: Mapping[str, ir.Span],
                report: Callable[[Diagnostic], None]) -> None:
    for problem in name_problems(declared_names(module, spec, declared_at)):
        report(_diagnostic(problem))


def _diagnostic(p: NameProblem) -> Diagnostic:
    d = p.declared
    becomes = (f"`{d.name}`" if p.ident == d.name
               else f"`{d.name}` becomes `{p.ident}` and")
    where = "the generated Python controller" if p.target == "Python" else "the generated Verilog"
    if p.other is None:
        return Diagnostic(
            "E0110", f"the {d.label} cannot be used in {where}: {becomes} {p.reason}", d.span,
            label=f"reserved in {p.target}",
            help=f"rename this {d.kind}; docs/language.md (\"Names\") lists the reserved names")
    o = p.other
    labels = (Label(o.span, f"the {o.label} becomes `{p.ident}` too"),) if o.span else ()
    return Diagnostic(
        "E0111", f"the {d.label} and the {o.label} both become `{p.ident}` in {where}",
        d.span, label=f"also `{p.ident}`", labels=labels,
        help="rename one of them")
