"""The hazard analysis: requirements, hazards and their causes -> IR, and the checks that
tie them to the rest of the spec.

The chain `check` follows: every hazard has causes, every cause is controlled (by
requirements the spec captures, or outside the spec), every requirement a cause names is
captured by something carrying its id, every requirement controls a cause, and every id
the spec carries is declared. The checks run only on a spec that declares requirements
or hazards, so a spec without an analysis is not asked for one.
"""
from __future__ import annotations

from ..diagnostics import Diagnostic, Label
from ..ir import nodes as ir
from ..syntax import ast



def _capture_help(req: str) -> str:
    return (f"carry its id on what proves it (`invariant {req} \"...\": ...`, a guard's `else reject "
            f"{req} \"...\"`), or, when something beyond the spec enforces it, name it only in "
            f"`outside {req} \"where\"` of the causes it controls")


def captures(spec: ast.Spec) -> list[tuple[ast.Ident, ir.Capture]]:
    """Every requirement id the spec carries, with what carries it, in source order."""
    found: list[tuple[ast.Ident, ir.Capture]] = []

    def add(ident: ast.Ident | None, kind: ir.CaptureKind, text: str, span) -> None:
        if ident is not None:
            found.append((ident, ir.Capture(kind, text, span)))

    for item in spec.items:
        match item:
            case ast.InvariantDecl():
                add(item.requirement, ir.CaptureKind.INVARIANT, item.text, item.span)
            case ast.AssertionDecl() | ast.AcceptsDecl():
                add(item.requirement, ir.CaptureKind.ASSERTION, item.text, item.span)
            case ast.ResponseDecl():
                add(item.requirement, ir.CaptureKind.RESPONSE, item.text, item.span)
            case ast.RecoveryDecl():
                add(item.requirement, ir.CaptureKind.RECOVERY, item.text, item.span)
            case ast.TransitionDecl():
                for guard in item.guards:
                    add(guard.requirement, ir.CaptureKind.GUARD, guard.text or "", guard.span)
            case ast.StateDecl() | ast.EventPolicyDecl():
                add(item.policy.requirement, ir.CaptureKind.POLICY, item.policy.text, item.policy.span)
            case ast.MotorBlock():
                for ident, _steps, _per in item.limiters:
                    add(ident, ir.CaptureKind.LIMITER, "", ident.span)
                for ident, _timeout in item.watchdogs:
                    add(ident, ir.CaptureKind.WATCHDOG, "", ident.span)
    return found


def _warning(code: str, message: str, span, **details) -> Diagnostic:
    return Diagnostic(code, message, span, severity="warning", **details)


class HazardReader:
    def __init__(self, spec: ast.Spec, report):
        self.spec = spec
        self.report = report

    def run(self) -> tuple[tuple[ir.Requirement, ...], tuple[ir.Hazard, ...]]:
        items = self.spec.items
        declared = self._requirements([i for i in items if isinstance(i, ast.RequirementDecl)])
        hazard_decls = [i for i in items if isinstance(i, ast.HazardDecl)]
        if not declared and not hazard_decls:
            return (), ()
        carried = captures(self.spec)
        for ident, _capture in carried:
            if ident.name not in declared:
                self.report(_warning(
                    "W0503", f"`{ident.name}` is not a declared requirement", ident.span, label="cited here",
                    help=f"declare it: `requirement {ident.name} \"its text\"`, or cite a declared id"))
        hazards = self._hazards(hazard_decls, declared)
        requirements = tuple(
            ir.Requirement(decl.requirement.name, decl.text,
                           tuple(c for ident, c in carried if ident.name == decl.requirement.name),
                           decl.span)
            for decl in declared.values())
        self._check_requirements(requirements, declared, hazard_decls)
        return requirements, hazards

    def _requirements(self, decls: list[ast.RequirementDecl]) -> dict[str, ast.RequirementDecl]:
        declared: dict[str, ast.RequirementDecl] = {}
        for decl in decls:
            first = declared.get(decl.requirement.name)
            if first is not None:
                self.report(Diagnostic("E0101", f"requirement `{decl.requirement.name}` is declared twice",
                                       decl.requirement.span, label="second declaration",
                                       labels=(Label(first.requirement.span, "first declared here"),)))
                continue
            declared[decl.requirement.name] = decl
        return declared

    def _hazards(self, decls: list[ast.HazardDecl], declared: dict) -> tuple[ir.Hazard, ...]:
        hazards: list[ir.Hazard] = []
        seen: dict[str, ast.Ident] = {}
        for decl in decls:
            if decl.id.name in seen:
                self.report(Diagnostic("E0101", f"hazard `{decl.id.name}` is declared twice", decl.id.span,
                                       label="second declaration",
                                       labels=(Label(seen[decl.id.name].span, "first declared here"),)))
                continue
            seen[decl.id.name] = decl.id
            severity = self._severity(decl.severity)
            causes = tuple(self._cause(c, declared) for c in decl.causes)
            if not decl.causes:
                self.report(_warning("W0501", f"hazard `{decl.id.name}` has no cause", decl.id.span,
                                     help="list its causes: `cause \"...\" controlled by PS-xx`"))
            if severity is not None:
                hazards.append(ir.Hazard(decl.id.name, decl.harm, severity, causes, decl.span))
        return tuple(hazards)

    def _severity(self, ident: ast.Ident) -> ir.Severity | None:
        try:
            return ir.Severity(ident.name)
        except ValueError:
            self.report(Diagnostic("E0501", f"unknown severity `{ident.name}`", ident.span,
                                   help=f"severities, mildest first: {', '.join(ir.Severity)}"))
            return None

    def _cause(self, decl: ast.CauseDecl, declared: dict) -> ir.Cause:
        outside = decl.outside.requirements if decl.outside else ()
        for ident in decl.controls + outside:
            if ident.name not in declared:
                self.report(Diagnostic("E0102", f"unknown requirement `{ident.name}`", ident.span,
                                       help=f"declare it: `requirement {ident.name} \"its text\"`"))
        if not decl.controls and decl.outside is None:
            self.report(_warning(
                "W0501", f"no requirement controls the cause \"{decl.text}\"", decl.span,
                help="name what controls it: `controlled by PS-xx, ...`, or `outside \"where\"` when "
                     "only something beyond the spec does"))
        return ir.Cause(decl.text, tuple(i.name for i in decl.controls), tuple(i.name for i in outside),
                        decl.outside.where if decl.outside else "", decl.span)

    def _check_requirements(self, requirements: tuple[ir.Requirement, ...], declared: dict,
                            hazard_decls: list[ast.HazardDecl]) -> None:
        causes = [c for h in hazard_decls for c in h.causes]
        in_spec = {i.name for c in causes for i in c.controls}
        outside = {i.name for c in causes if c.outside for i in c.outside.requirements}
        for req in requirements:
            ident = declared[req.id].requirement
            # a requirement only enforced beyond the spec has nothing in the spec to carry it
            if not req.captures and (req.id in in_spec or req.id not in outside):
                self.report(_warning("W0502", f"no property captures requirement `{req.id}`", ident.span,
                                     help=_capture_help(req.id)))
            if hazard_decls and req.id not in in_spec | outside:
                self.report(_warning(
                    "W0504", f"requirement `{req.id}` controls no hazard", ident.span,
                    help=f"name it in the causes it controls: `cause \"...\" controlled by {req.id}`"))
