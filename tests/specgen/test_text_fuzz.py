"""Text-level fuzzing of the CLI: mutated corpus specs and traces through `check`,
`dump-ir`, `build` and `simulate` (``compiler.cli.main``, in process).

Mutations: token deletions, duplications, swaps, number changes, splices from another
corpus spec, deep nesting, long literals, and hostile text in identifiers and strings
(unicode, backslashes, `*/`, NUL). Every call must finish within a deadline, exit with a
user-facing status (never 70) and print no traceback; when `build` succeeds its Python
compiles. A separate test adds hostile text in comments and compiles the Verilog of every
build in Icarus and Verilator.
"""
from __future__ import annotations

import contextlib
import io
import re
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import fourway
from compiler.cli import main

ROOT = Path(__file__).resolve().parents[2]
CORPUS = {p.name: p.read_text() for p in sorted((ROOT / "spec").glob("**/*.pump"))}
TRACES = [p.read_text() for p in sorted((ROOT / "spec" / "examples" / "traces").glob("*.trace"))]
TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
DEADLINE_S = 30
HOSTILE = ["\\", "*/", "/*", "\x00", "é", "µ", "→", "\u202e", "\ufeff", "'''", "{", "}", "%s", "${x}",
           "\t", "\r", "𝔘", "ǅ"]
SETTINGS = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate])


class Deadline(BaseException):
    """Raised in the CLI call by the alarm signal: not an Exception, so main() cannot
    mistake it for an internal error."""


def _alarm(signum, frame):
    raise Deadline()


@st.composite
def mutated_spec(draw, hostile_comments: bool = False) -> str:
    name = draw(st.sampled_from(sorted(CORPUS)))
    parts = TOKEN.findall(CORPUS[name])
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(parts) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "number", "splice", "nest",
                                     "literal", "identifier", "string"]
                                    + (["comment"] * 3 if hostile_comments else [])))
        if kind == "delete":
            del parts[i:i + draw(st.integers(1, 5))]
        elif kind == "duplicate":
            parts[i:i] = parts[i:i + draw(st.integers(1, 8))]
        elif kind == "swap":
            j = draw(st.integers(0, len(parts) - 1))
            parts[i], parts[j] = parts[j], parts[i]
        elif kind == "number":
            numbers = [k for k, p in enumerate(parts) if p.isdigit()]
            if numbers:
                k = draw(st.sampled_from(numbers))
                parts[k] = str(draw(st.sampled_from([0, 1, 2, 3, 7, 59, 60, 61, 255, 256, 3600, 9999])))
        elif kind == "splice":
            other = TOKEN.findall(CORPUS[draw(st.sampled_from(sorted(CORPUS)))])
            j = draw(st.integers(0, len(other) - 1))
            parts[i:i] = other[j:j + draw(st.integers(1, 40))]
        elif kind == "nest":
            depth = draw(st.integers(1, 60))
            opener = draw(st.sampled_from(["(", "not ", "-", "min(1, ", "if true then "]))
            closer = {"(": ")", "min(1, ": ")", "if true then ": " else 0"}.get(opener, "")
            parts[i:i + 1] = [opener * depth, parts[i], closer * depth]
        elif kind == "literal":
            digits = draw(st.integers(1, 300))
            parts.insert(i, draw(st.sampled_from(["9" * digits, "0." + "0" * digits + "1", "1" + "0" * digits])))
        elif kind == "identifier":
            words = [k for k, p in enumerate(parts) if p.isidentifier()]
            if words:
                parts[draw(st.sampled_from(words))] += draw(st.sampled_from(HOSTILE))
        elif kind == "string":
            strings = [k for k, p in enumerate(parts) if p == '"']
            if strings:
                parts.insert(draw(st.sampled_from(strings)) + 1,
                             "".join(draw(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4))))
        else:
            text = "".join(draw(st.lists(st.sampled_from(HOSTILE + ['"""', "\\"]), min_size=1, max_size=5)))
            parts.insert(i, f"// {text}\n" if draw(st.booleans()) else f"/* {text} */")
    return "".join(parts)


@st.composite
def mutated_trace(draw) -> str:
    lines = draw(st.sampled_from(TRACES)).splitlines()
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        lines.insert(i, draw(st.sampled_from([
            "tick 3", "tick x2", "no_such_event", "tick 1 h", "bolus amount=-1", "stop * 2",
            "prime amount=1.0001 U", "reset", "tick => accepted", "start extra=1", "tick 0",
            "load_set kind=nothing", "refill amount=99999999999999999999 U", "x", "é=1"])))
    return "\n".join(lines) + "\n"


def cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE_S)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    except Deadline:
        pytest.fail(f"`pumpspec {' '.join(args)}` did not finish in {DEADLINE_S} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    text = out.getvalue() + err.getvalue()
    assert code != 70 and "internal compiler error" not in text and "Traceback" not in text, (
        f"`pumpspec {' '.join(args)}` exit {code}:\n{text[-3000:]}")
    return code, text


def run_everything(spec_text: str, trace_text: str, workdir: Path, verilog: bool) -> None:
    spec = workdir / "fuzz.pump"
    spec.write_text(spec_text, encoding="utf-8", errors="surrogatepass")
    trace = workdir / "fuzz.trace"
    trace.write_text(trace_text, encoding="utf-8")
    code, _ = cli("check", str(spec))
    cli("dump-ir", str(spec))
    out = workdir / "out"
    built, _ = cli("build", str(spec), "--out", str(out))
    if code == 0:
        cli("simulate", str(spec), str(trace))
    if built == 0:
        for py in out.glob("*.py"):
            compile(py.read_text(), str(py), "exec")
        if verilog:
            for v in out.glob("*.v"):
                problems = fourway.compile_verilog(v.name, v.read_text(), workdir)
                assert not problems, "\n".join(problems)


def test_mutated_specs_and_traces(tmp_path_factory):
    @settings(max_examples=60, derandomize=True, **SETTINGS)
    @given(mutated_spec(), mutated_trace())
    def fuzz(spec_text, trace_text):
        run_everything(spec_text, trace_text, tmp_path_factory.mktemp("fuzz"), verilog=False)

    fuzz()


def test_mutated_specs_with_hostile_comments_build_and_compile(tmp_path_factory):
    @settings(max_examples=25, derandomize=True, **SETTINGS)
    @given(mutated_spec(hostile_comments=True), mutated_trace())
    def fuzz(spec_text, trace_text):
        run_everything(spec_text, trace_text, tmp_path_factory.mktemp("fuzz"), verilog=True)

    fuzz()


@pytest.mark.long
def test_long_mutated_specs_and_traces(tmp_path_factory):
    @settings(max_examples=1500, **SETTINGS)
    @given(mutated_spec(), mutated_trace())
    def fuzz(spec_text, trace_text):
        run_everything(spec_text, trace_text, tmp_path_factory.mktemp("fuzz"), verilog=False)

    fuzz()
