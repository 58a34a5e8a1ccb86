"""Machine output shared by the commands: the versioned JSON document, SARIF and JUnit.

Every ``--format json`` prints one document of the schema ``pumpspec/1``
(docs/schema/pumpspec-result-1.json): the same shape for one file or many, the spec's
diagnostics inside it, and the command's results per file::

    {"schema": "pumpspec/1", "tool": {"name": "pumpspec", "version": ...},
     "command": "prove", "exit_code": 0, "error": null,
     "files": [{"file": ..., "pump": ..., "spec_hash": ..., "exit_code": 0,
                "diagnostics": [...], ...the command's fields...}]}

SARIF 2.1.0 (``--sarif``) carries the diagnostics as results with their locations; JUnit
XML (``--junit``) one test case per prover check.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .. import __version__
from ..diagnostics import CODES, Diagnostic
from ..pipeline import Analysis

if TYPE_CHECKING:
    from ..prove import Report

SCHEMA = "pumpspec/1"
SCHEMA_FILE = "docs/schema/pumpspec-result-1.json"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def document(command: str, files: list[dict[str, Any]], exit_code: int,
             error: str | None = None) -> dict[str, Any]:
    """The one JSON document a command prints with ``--format json``."""
    return {"schema": SCHEMA, "tool": {"name": "pumpspec", "version": __version__},
            "command": command, "exit_code": exit_code, "error": error, "files": files}


def file_result(analysis: Analysis, exit_code: int,
                diagnostics: Iterable[Diagnostic] = ()) -> dict[str, Any]:
    """The fields every command reports for one file: the spec's diagnostics (and the
    command's own findings, ``diagnostics``) and the file's exit code."""
    m = analysis.module
    return {"file": analysis.file, "pump": m.name if m else None,
            "spec_hash": m.source_hash if m else None, "exit_code": exit_code,
            "diagnostics": [d.to_dict() for d in (*analysis.diagnostics, *diagnostics)]}


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2) + "\n"


# ---------------------------------------------------------------- SARIF


def sarif(diagnostics: Iterable[tuple[str, Diagnostic]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of (file, diagnostic) pairs: one result per diagnostic, located
    at its span (or at the file, for a diagnostic without one)."""
    results, rules = [], {}
    for file, d in diagnostics:
        rules.setdefault(d.code, {"id": d.code, "shortDescription": {"text": CODES[d.code]}})
        physical: dict[str, Any] = {"artifactLocation": {"uri": d.span.file if d.span else file}}
        if d.span is not None:
            physical["region"] = {"startLine": d.span.line, "startColumn": d.span.col,
                                  "endLine": d.span.end_line, "endColumn": d.span.end_col}
        text = "\n".join([d.message, *d.notes] + ([f"help: {d.help}"] if d.help else []))
        results.append({"ruleId": d.code, "level": "error" if d.severity == "error"
                        else "warning", "message": {"text": text},
                        "locations": [{"physicalLocation": physical}]})
    driver = {"name": "pumpspec", "version": __version__,
              "rules": [rules[k] for k in sorted(rules)]}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "results": results}]}


# ---------------------------------------------------------------- JUnit


def junit(failed_specs: list[Analysis], reports: list[tuple[str, Report]],
          deny_warnings: bool) -> ET.ElementTree:
    """JUnit XML: a test suite per spec, a test case per selected check (class name: the
    requirement id, or the kind of a check pumpspec adds). A violated error-level check
    is a failure, an undecided one an error; a warning finding (dead, vacuous, a
    rejection without a reason) a failure only with ``deny_warnings``. A spec with
    errors is a suite with one erroneous case."""
    from ..prove import requirement

    root = ET.Element("testsuites", name="pumpspec prove")
    for analysis in failed_specs:
        suite = ET.SubElement(root, "testsuite", name=analysis.file, tests="1", failures="0",
                              errors="1", skipped="0", time="0")
        case = ET.SubElement(suite, "testcase", classname=analysis.file, name="spec")
        errors = [d for d in analysis.diagnostics if d.severity == "error"]
        ET.SubElement(case, "error", message=f"{len(errors)} spec error(s)",
                      type="spec").text = "\n".join(f"{d.code}: {d.message}" for d in errors)
    for file, report in reports:
        suite = ET.SubElement(root, "testsuite", name=f"{report.module.name} ({file})",
                              time=f"{report.seconds:.3f}")
        totals = {"tests": 0, "failures": 0, "errors": 0}
        for c in report.selected():
            v = c.verdict
            case = ET.SubElement(suite, "testcase", classname=requirement(c) or c.kind,
                                 name=c.key, time=f"{v.seconds:.3f}" if v else "0")
            totals["tests"] += 1
            warning_found = c.failed and c.severity == "warning"
            if c.outcome == "violated" and c.severity == "error" or (
                    warning_found and deny_warnings):
                ET.SubElement(case, "failure", message=f"{c.outcome}: {c.title}",
                              type=c.code).text = v.detail
                totals["failures"] += 1
            elif c.outcome == "unknown":
                ET.SubElement(case, "error", message=f"unknown: {c.title}",
                              type="P0300").text = v.detail if v else ""
                totals["errors"] += 1
            elif warning_found:
                ET.SubElement(case, "system-out").text = f"warning ({c.outcome}): {v.detail}"
        for k, n in totals.items():
            suite.set(k, str(n))
        suite.set("skipped", "0")
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(tree: ET.ElementTree, path: Path) -> None:
    tree.write(path, encoding="utf-8", xml_declaration=True)


__all__ = ["SCHEMA", "document", "dumps", "file_result", "junit", "sarif", "write_junit"]
