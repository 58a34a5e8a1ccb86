"""Random specs (tests/specgen/specgen.py) through the whole pipeline.

- every generated spec passes `check`, and together they use every rule and named
  terminal of the grammar;
- on random traces the IR evaluator, the generated Python controller and the Z3 step
  function agree on every step (tests/specgen/fourway.py);
- every generated spec builds, its Verilog compiles in Icarus and lints clean in
  Verilator;
- a spec and its twin with each constant table-write index written as a run-time one
  (specgen.runtime_indices) behave the same in the IR evaluator: the check of the
  lowering itself, which all four semantics share.

Default tier: about 400 specs (derandomized: the same specs on every run): 150 checked
(the grammar's coverage), 15 in four-way agreement with Z3, 30 on long traces, 12 built
and compiled, 200 against their twins; the long tier (--long) draws thousands of fresh
ones. Failures found so far are listed in /work/notes/specgen_findings.md; a test one
breaks is a strict xfail naming it (none today).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import fourway
from compiler import pipeline
from compiler.commands.build import generate
from compiler.eval.evaluator import Evaluator
from grammar_coverage import table
from specgen import runtime_indices, specs

# no shrinking: a failure's message carries the whole spec and the step, and shrinking
# specs that take a second each would take minutes
DEFAULT = dict(deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
               suppress_health_check=list(HealthCheck))
LONG = dict(DEFAULT, derandomize=False)


def test_generated_specs_pass_check_and_cover_the_grammar():
    texts = []

    @settings(max_examples=150, **DEFAULT)  # 60 already use every grammar symbol
    @given(specs())
    def check(text):
        fourway.module_of(text)
        texts.append(text)

    check()
    report, share, unused = table(texts)
    assert not unused, f"grammar symbols no generated spec uses: {unused}\n{report}"
    assert share == 1.0


@settings(max_examples=15, **DEFAULT)  # a second of Z3 per spec: 1,000 in the long tier
@given(specs(), st.integers(0, 2**32))
def test_evaluator_python_and_z3_agree(text, seed):
    module = fourway.module_of(text)
    ls = fourway.run_trace(module, fourway.random_trace(module, seed, 50), symbolic=True)
    assert ls.z3_steps > 0


def test_corpus_specs_agree_with_z3(corpus_spec):
    """Every corpus spec (conftest.py) in the same agreement, on a random trace."""
    module = pipeline.load_module(corpus_spec)
    ls = fourway.run_trace(module, fourway.random_trace(module, 1, 40), symbolic=True)
    assert ls.z3_steps > 0


@settings(max_examples=30, **DEFAULT)
@given(specs(), st.integers(0, 2**32))
def test_evaluator_and_python_agree_on_long_traces(text, seed):
    module = fourway.module_of(text)
    fourway.run_trace(module, fourway.random_trace(module, seed, 200), symbolic=False)


def same_behaviour(text: str, seed: int, length: int) -> bool:
    """The spec and its twin with run-time table indices (specgen.runtime_indices) step
    alike in the IR evaluator on a random trace: every outcome and configuration. All four
    semantics read the IR, so four-way agreement cannot see a wrong lowering; this checks
    the lowering of a write at a run-time index against the one at a constant index, as
    the per-element rule of docs/language.md ("Behaviour") has them mean the same. False
    when the spec writes no table element at a constant index."""
    twin = runtime_indices(text)
    if twin == text:
        return False
    a, b = fourway.module_of(text), fourway.module_of(twin)
    ea, eb = Evaluator(a), Evaluator(b)
    ca, cb = ea.initial(), eb.initial()
    for step, (event, params) in enumerate(fourway.random_trace(a, seed, length)):
        (ca, oa), (cb, ob) = ea.step(ca, event, params), eb.step(cb, event, params)
        where = f"step {step}: {event}({params})"
        assert (oa.status, oa.reason and oa.reason.code, oa.transition, oa.lets) == \
            (ob.status, ob.reason and ob.reason.code, ob.transition, ob.lets), f"{where}\n{text}\n{twin}"
        assert ca == cb, f"{where}: constant indices {ca}, run-time indices {cb}\n{text}\n{twin}"
    return True


def test_constant_and_runtime_table_indices_agree():
    twins = []

    # 200: the lowering that dropped a tick's `every tick` table write when a tick
    # transition wrote another element at a run-time index disagrees within these 200
    # examples (not within the first 100)
    @settings(max_examples=200, **DEFAULT)
    @given(specs(), st.integers(0, 2**32))
    def check(text, seed):
        twins.append(same_behaviour(text, seed, 200))

    check()
    assert sum(twins) >= 10, f"only {sum(twins)} of {len(twins)} specs write a table at a constant index"


def builds_and_compiles(text: str, tmp_path_factory) -> None:
    module = fourway.module_of(text)
    files = generate(module)
    (name, verilog), = ((n, t) for n, t in files.items() if n.endswith(".v"))
    problems = fourway.compile_verilog(name, verilog, tmp_path_factory.mktemp("v"))
    assert not problems, "\n".join(problems) + "\n" + text


@settings(max_examples=12, **DEFAULT)
@given(text=specs())  # by name: a positional strategy binds the last argument
def test_generated_specs_build_and_compile(text, tmp_path_factory):
    builds_and_compiles(text, tmp_path_factory)


# ---------------------------------------------------------------- long tier


@pytest.mark.long
@settings(max_examples=3000, **LONG)
@given(specs())
def test_long_generated_specs_pass_check(text):
    fourway.module_of(text)


@pytest.mark.long
@settings(max_examples=1000, **LONG)
@given(specs(), st.integers(0, 2**32))
def test_long_evaluator_python_and_z3_agree(text, seed):
    module = fourway.module_of(text)
    fourway.run_trace(module, fourway.random_trace(module, seed, 80), symbolic=True)


@pytest.mark.long
@settings(max_examples=2000, **LONG)
@given(specs(), st.integers(0, 2**32))
def test_long_evaluator_and_python_agree(text, seed):
    module = fourway.module_of(text)
    fourway.run_trace(module, fourway.random_trace(module, seed, 400), symbolic=False)


@pytest.mark.long
@settings(max_examples=2000, **LONG)
@given(specs(), st.integers(0, 2**32))
def test_long_constant_and_runtime_table_indices_agree(text, seed):
    same_behaviour(text, seed, 400)


@pytest.mark.long
@settings(max_examples=300, **LONG)
@given(text=specs())  # by name: a positional strategy binds the last argument
def test_long_generated_specs_build_and_compile(text, tmp_path_factory):
    builds_and_compiles(text, tmp_path_factory)
