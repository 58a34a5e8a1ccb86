"""`pumpspec mutate`: the JSON shape, explanations and exit codes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "docs/schema/pumpspec-result-1.json").read_text()))
TINY = "tests/mutate/tiny.pump"
# persistent:reservoir survives (no property reads the reservoir after a reset);
# persistent:bolus_left is killed (a bolus would outlive a reset)
PERSISTENT = ("--operators", "persistent", "--jobs", "1")


def pumpspec(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "compiler", "mutate", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


def explain(tmp_path, text):
    path = tmp_path / "tiny.mutants.toml"
    path.write_text(text)
    return ("--explanations", str(path))


def document(r: subprocess.CompletedProcess) -> dict:
    """The pumpspec/1 document of a --format json run, validated against the schema."""
    doc = json.loads(r.stdout)
    SCHEMA.validate(doc)
    assert doc["command"] == "mutate" and doc["exit_code"] == r.returncode
    return doc


def test_json_shape_and_exit_1_for_an_unexplained_survivor(tmp_path):
    r = pumpspec(TINY, *PERSISTENT, "--format", "json", *explain(tmp_path, ""))
    assert r.returncode == 1, r.stderr
    (doc,) = document(r)["files"]
    assert set(doc) == {"pump", "file", "spec_hash", "exit_code", "diagnostics", "seconds",
                        "mutants_per_minute", "workers", "operators", "mutants",
                        "stale_explanations"}
    assert doc["exit_code"] == 1 and doc["pump"] == "Tiny"
    assert doc["operators"]["persistent"] == {
        "generated": 2, "discarded": 0, "killed": 1, "survived": 1, "explained": 0,
        "equivalent": 0, "unknown": 0}
    by_id = {m["id"]: m for m in doc["mutants"]}
    survivor = by_id["persistent:reservoir"]
    assert survivor["outcome"] == "survived"
    assert survivor["diff"] == ("tests/mutate/tiny.pump:14: persistent var reservoir : 0 .. 10 U "
                                "= 10 U  =>  var reservoir : 0 .. 10 U = 10 U")
    assert by_id["persistent:bolus_left"]["outcome"] == "killed"
    assert by_id["persistent:bolus_left"]["checks"]


def test_an_explained_survivor_exits_0_and_shows_its_reason(tmp_path):
    r = pumpspec(TINY, *PERSISTENT, *explain(tmp_path, (
        '[[allow]]\nmutant = "persistent:reservoir"\n'
        'reason = "the tiny spec models no power loss of the reservoir"\n')))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "explained: the tiny spec models no power loss of the reservoir" in r.stdout


def test_a_stale_explanation_is_reported(tmp_path):
    r = pumpspec(TINY, *PERSISTENT, "--format", "json", *explain(tmp_path, (
        '[[allow]]\nmutant = "persistent:reservoir"\nreason = "reviewed"\n'
        '[[allow]]\nmutant = "persistent:bolus_left"\nreason = "it is killed: stale"\n')))
    assert document(r)["files"][0]["stale_explanations"] == ["persistent:bolus_left"]


def test_usage_and_spec_errors():
    assert pumpspec(TINY, "--operators", "no-such-operator").returncode == 4
    assert pumpspec("tests/semantics/errors/E0102_unknown_name.pump").returncode == 3


def test_usage_and_spec_errors_are_inside_the_json_document():
    r = pumpspec(TINY, "--operators", "no-such-operator", "--format", "json")
    doc = document(r)
    assert r.returncode == 4 and doc["files"] == [] and "no-such-operator" in doc["error"]
    assert r.stderr == ""
    r = pumpspec("tests/semantics/errors/E0102_unknown_name.pump", "--format", "json")
    (spec,) = document(r)["files"]
    assert r.returncode == 3 and spec["diagnostics"][0]["code"] == "E0102" and r.stderr == ""


def test_an_explanation_without_a_reason_is_a_usage_error(tmp_path):
    r = pumpspec(TINY, *PERSISTENT, *explain(tmp_path, '[[allow]]\nmutant = "persistent:reservoir"\n'))
    assert r.returncode == 4 and "non-empty `reason`" in r.stderr
