"""Machine output: every command's --format json validates against the published schema
(docs/schema/pumpspec-result-1.json), the same shape for one file or many; SARIF, JUnit;
witnesses exported by --trace-out; the readable prove (by requirement, --only, colour,
--deny-warnings)."""
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from compiler.cli import main
from compiler.commands.prove import use_colour
from compiler.prove import paint

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/schema/pumpspec-result-1.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
PROVE = ROOT / "spec/examples/prove"
REFERENCE = str(ROOT / "spec/infusion_pump.pump")
BROKEN = str(ROOT / "tests/semantics/errors/E0102_unknown_name.pump")
VIOLATED = str(PROVE / "invariant_violated.pump")
FAST = ["--timeout", "5"]


def run_json(capsys, *argv) -> tuple[int, dict, str]:
    """Run a command with --format json; its document, validated against the schema."""
    code = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    VALIDATOR.validate(doc)
    assert doc["schema"] == "pumpspec/1" and doc["exit_code"] == code
    return code, doc, err


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_check_json_has_one_shape_for_one_file_or_many(capsys):
    code, one, err = run_json(capsys, "check", REFERENCE)
    assert code == 0 and not err and len(one["files"]) == 1
    assert one["files"][0]["summary"]["states"] == 8
    code, two, err = run_json(capsys, "check", REFERENCE, BROKEN)
    assert code == 3 and not err
    assert [f["exit_code"] for f in two["files"]] == [0, 3]
    assert two["files"][1]["summary"] is None
    assert two["files"][1]["diagnostics"][0]["code"] == "E0102"


def test_check_json_lists_the_causes_controlled_outside_the_spec(capsys):
    """What the text of `check` lists beyond the proofs is in the document too."""
    assert main(["check", REFERENCE]) == 0
    text = capsys.readouterr().out
    code, doc, _ = run_json(capsys, "check", REFERENCE, BROKEN)
    analysis = doc["files"][0]["hazard_analysis"]
    outside = analysis["controlled_outside"]
    assert (analysis["hazards"], analysis["causes"], len(outside)) == (5, 36, 5)
    assert f"{analysis['requirements']} requirements, 5 hazards, 36 causes, 5 controlled " \
           "outside the spec" in text
    for cause in outside:
        assert f"{cause['span']['line']}: {cause['hazard']} \"{cause['cause']}\": controlled " \
               f"outside the spec" in text and cause["where"] in text
    (replayed,) = [c for c in outside if c["cause"] == "a duplicated or replayed command"]
    assert replayed["hazard"] == "H-01" and replayed["by"] == ["PS-58"]
    assert replayed["where"].startswith("hdl/host_link.v")
    assert doc["files"][1]["hazard_analysis"] is None  # the spec with errors


def test_prove_json_spec_errors_are_inside_the_document(capsys):
    code, doc, err = run_json(capsys, "prove", BROKEN)
    assert code == 3 and err == ""
    (f,) = doc["files"]
    assert f["diagnostics"][0]["code"] == "E0102" and "checks" not in f


def test_prove_json_structured_counterexample_and_witnesses(capsys):
    code, doc, _ = run_json(capsys, "prove", VIOLATED, *FAST)
    assert code == 1
    (f,) = doc["files"]
    checks = {c["key"]: c for c in f["checks"]}
    cex = checks["M-20"]["counterexample"]
    assert cex["violation_step"] == 1 and cex["steps"][-1]["violations"] == ["M-20"]
    (amount,) = cex["steps"][0]["parameters"]
    # a quantity in base units beside its spec-unit text
    assert amount == {"name": "amount", "value": 1, "unit": "steps", "text": "0.025 U"}
    assert {"name": "reservoir", "before": {"value": 0, "unit": "steps", "text": "0 U"},
            "after": {"value": 1, "unit": "steps", "text": "0.025 U"}} in cex["steps"][0]["changes"]
    witnesses = [c for c in f["checks"] if c["kind"] in ("reachability", "vacuity")]
    assert witnesses and all(c["outcome"] in ("reached", "non-vacuous") for c in witnesses)
    assert all(c["witness"] is not None and c["counterexample"] is None for c in witnesses)
    assert any(c["witness"]["steps"] for c in witnesses)
    (m20,) = [r for r in f["requirements"] if r["id"] == "M-20"]
    assert m20["verdict"] == "violated" and m20["checks"] == 2
    assert "P0101" in [d["code"] for d in f["diagnostics"]]


def test_only_that_matches_nothing_is_a_usage_error(capsys):
    assert main(["prove", VIOLATED, "--only", "M-2O"]) == 4
    err = capsys.readouterr().err
    assert "--only M-2O matches no check" in err and "M-20" in err
    code, doc, _ = run_json(capsys, "prove", VIOLATED, "--only", "M-2O")
    assert code == 4 and doc["files"] == [] and "M-20" in doc["error"]


def test_simulate_json_steps_with_units_and_reason_text(capsys, tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("tick\nload_set kind=teflon\nbolus amount=30 U\nrefill amount=300 U\n")
    code, doc, _ = run_json(capsys, "simulate", REFERENCE, str(trace))
    assert code == 0
    (f,) = doc["files"]
    assert f["steps_replayed"] == f["steps_total"] == 4
    bolus = f["steps"][2]
    assert bolus["status"] == "rejected" and bolus["reasons"][0]["text"]
    assert bolus["parameters"][0] == {"name": "amount", "value": 1200, "unit": "steps",
                                      "text": "30 U"}
    refill = f["steps"][3]["changes"][0]
    assert refill["after"] == {"value": 12000, "unit": "steps", "text": "300 U"}


def test_simulate_json_usage_error(capsys, tmp_path):
    code, doc, err = run_json(capsys, "simulate", REFERENCE, str(tmp_path / "missing.trace"))
    assert code == 4 and "cannot read" in doc["error"] and err == ""


def test_prove_rtl_json_usage_error(capsys):
    code, doc, _ = run_json(capsys, "prove-rtl", "--task", "no-such-task")
    assert code == 4 and doc["command"] == "prove-rtl" and doc["error"]


def test_mutate_section_of_the_schema():
    """A mutate file result as docs/mutate.md defines it validates, and a mutant without
    its fields does not (tests/mutate/test_command.py validates real runs)."""
    mutant = {"id": "m1", "operator": "drop-guard", "where": "spec.pump:12:5",
              "before": "when a", "after": "", "diff": "-when a", "requirements": ["PS-22"],
              "outcome": "killed", "checks": ["PS-22"], "detail": "", "seconds": 0.4}
    doc = {"schema": "pumpspec/1", "tool": {"name": "pumpspec", "version": "0"},
           "command": "mutate", "exit_code": 0, "error": None,
           "files": [{"file": "spec.pump", "pump": "P", "spec_hash": "0" * 64, "exit_code": 0,
                      "diagnostics": [], "seconds": 1.0, "mutants_per_minute": 60.0,
                      "workers": "2 local worker(s)", "operators": {"drop-guard": {"killed": 1}},
                      "mutants": [mutant], "stale_explanations": []}]}
    VALIDATOR.validate(doc)
    del doc["files"][0]["mutants"][0]["operator"]
    assert not VALIDATOR.is_valid(doc)


def test_sarif_for_prove_and_check(capsys, tmp_path):
    for argv in (["prove", VIOLATED, *FAST], ["check", BROKEN]):
        out = tmp_path / "result.sarif"
        main([*argv, "--sarif", str(out)])
        capsys.readouterr()
        log = json.loads(out.read_text())
        assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
        (sarif_run,) = log["runs"]
        assert sarif_run["tool"]["driver"]["name"] == "pumpspec"
        rules = {r["id"] for r in sarif_run["tool"]["driver"]["rules"]}
        assert sarif_run["results"]
        for result in sarif_run["results"]:
            assert result["ruleId"] in rules and result["level"] in ("error", "warning")
            (location,) = result["locations"]
            physical = location["physicalLocation"]
            assert physical["artifactLocation"]["uri"].endswith(".pump")
            assert physical["region"]["startLine"] >= 1


def test_junit_one_case_per_check(capsys, tmp_path):
    out = tmp_path / "junit.xml"
    assert main(["prove", VIOLATED, *FAST, "--junit", str(out)]) == 1
    capsys.readouterr()
    (suite,) = ET.parse(out).getroot()
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) > 1 and suite.get("failures") == "1"
    (failed,) = [c for c in cases if c.find("failure") is not None]
    assert failed.get("name") == "M-20" and failed.find("failure").get("type") == "P0101"


def test_trace_out_exports_witnesses_that_replay(capsys, tmp_path):
    main(["prove", VIOLATED, *FAST, "--trace-out", str(tmp_path)])
    capsys.readouterr()
    witness = json.loads((tmp_path / "reach.Running.json").read_text())
    assert "reached" in witness["origin"] and "violation" not in witness
    assert main(["simulate", VIOLATED, str(tmp_path / "reach.Running.json")]) == 0
    assert "Running" in capsys.readouterr().out


@pytest.mark.parametrize("spec", ["dead_code", "vacuous", "completeness_warning"])
def test_deny_warnings_fails_on_dead_code_vacuity_and_completeness(capsys, spec):
    # a dead transition's witness search runs to the end of its budget: a small one
    path = [str(PROVE / f"{spec}.pump"), *FAST, "--explore-steps", "20000"]
    assert main(["prove", *path]) == 0
    assert main(["prove", *path, "--deny-warnings"]) == 1
    assert "(warnings denied)" in capsys.readouterr().out


def test_a_vacuous_property_is_not_counted_proved(capsys):
    vacuous = str(PROVE / "vacuous.pump")
    assert main(["prove", vacuous, *FAST]) == 0
    assert "(spec properties: 4/5 proved, 1 vacuous)" in capsys.readouterr().out
    _, doc, _ = run_json(capsys, "prove", vacuous, *FAST)
    summary = doc["files"][0]["summary"]
    assert (summary["properties"], summary["properties_proved"],
            summary["properties_vacuous"]) == (5, 4, 1)


def test_prove_text_is_one_line_per_requirement(capsys):
    assert main(["prove", VIOLATED, *FAST]) == 1
    out = capsys.readouterr().out.splitlines()
    (m20,) = [line for line in out if line.split()[:1] == ["M-20"]]
    assert m20.split()[1:4] == ["violated", "2", "checks"]
    assert any(line.split()[:2] == ["reachability", "reached"] for line in out)
    assert not any(line.strip().startswith("proved ") for line in out)  # no per-check lines
    assert main(["prove", VIOLATED, *FAST, "-v"]) == 1
    assert any(line.strip().startswith("proved ") for line in capsys.readouterr().out.splitlines())


class FakeTerminal:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty,no_color,want", [(True, None, True), (True, "1", False),
                                               (False, None, False)])
def test_colour_only_on_a_terminal_without_no_color(monkeypatch, tty, no_color, want):
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert use_colour(FakeTerminal(tty)) is want


def test_paint_keeps_the_column_width():
    assert paint("proved", 9) == "proved   "
    assert paint("violated", 9, colour=True) == "\x1b[31;1mviolated\x1b[0m "
