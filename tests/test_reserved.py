"""Names: every name a spec can declare either goes through the whole pipeline (check ->
build -> Icarus -> Verilator -lint -> Python import and one event, plain and monitored) or
is refused by `check` with E0110/E0111 (compiler/reserved.py; docs/language.md, "Names").
"""
from __future__ import annotations

import ast
import builtins
import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

from compiler import pipeline, reserved
from compiler.backends.python.emit import emit as emit_python
from compiler.commands.build import generate
from compiler.semantics.names import declared_names
from compiler.syntax.parser import parse
from hdltools import iverilog, verilator_lint

ROOT = Path(__file__).resolve().parents[1]

# One spec using every kind of name once; NAME_<KIND> is replaced by the name under test.
BASE = """\
pump NAME_PUMP
units { step = 0.05 U  tick = 1 s  clock = 1 MHz }
enum NAME_ENUM { NAME_MEMBER, other }
const NAME_CONST = 56 U
const NAME_TABLE = table NAME_ENUM { NAME_MEMBER: 1 U, other: 2 U }
var NAME_VAR : 0 .. NAME_CONST = 0 U
var mode : NAME_ENUM = NAME_MEMBER
alarm NAME_ALARM
alert NAME_ALERT
motor {
    step_high = 10 us  step_low = 10 us  max_rate = 2 U/min  max_steps_per_tick = 2
    moves in NAME_STATE
    budget NAME_VAR
    source NAME_SOURCE rate 20 U/d during NAME_STATE
    watchdog WD-1 = 10 s
}
window NAME_WINDOW : 3 buckets of 1 h, limit 10 U, counts NAME_SOURCE
state Empty initial reject others "fill first"
state NAME_STATE reject others "running"
event NAME_EVENT(NAME_PARAM: 0 .. 100 U)
event stop
on NAME_EVENT from Empty -> NAME_STATE
    when NAME_PARAM <= NAME_CONST else reject "too much"
    do NAME_VAR := NAME_PARAM + NAME_TABLE[mode]
on stop from NAME_STATE -> Empty do NAME_ALARM := false; NAME_ALERT := false
every tick do NAME_VAR := NAME_VAR - steps
invariant MIN-01 "bounded": NAME_VAR <= NAME_CONST
"""
DEFAULTS = {"PUMP": "Probe", "ENUM": "Kind", "MEMBER": "first", "CONST": "CAP", "TABLE": "TAB",
            "VAR": "reservoir", "ALARM": "occluded", "ALERT": "low", "STATE": "Running",
            "EVENT": "fill", "PARAM": "amount", "SOURCE": "basal", "WINDOW": "daily"}
SAMPLES = {
    "python keyword": "class",
    "python soft keyword": "match",
    "python builtin the controller reads": "isinstance",
    "python builtin it does not read": "input",
    "runtime class": "Recovery",
    "runtime function": "is_member",
    "runtime base-class member": "pending",
    "generated table": "CHECKS",
    "generated enum": "State",
    "generated local": "self",
    "controller method": "snapshot",
    "enum attribute": "name",
    "int method": "bit_length",
    "verilog keyword": "wire",
    "verilog keyword, other case": "Wire",
    "systemverilog keyword": "logic",
    "double underscore": "a__b",
    "trailing underscore": "x_",
    "leading underscore": "_x",
    "long": "n" + "x" * 299,
}


def spec_with(kind: str, name: str) -> str:
    names = dict(DEFAULTS, **{kind: name})
    return re.sub(r"NAME_([A-Z]+)", lambda m: names[m.group(1)], BASE)


def through_the_pipeline(text: str, tmp_path: Path, names: dict[str, str]) -> None:
    """check passed: build, compile, lint, import, and handle one event and a tick."""
    spec = tmp_path / "spec.pump"
    spec.write_text(text)
    analysis = pipeline.load(str(spec))
    files = generate(analysis.module)
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    (verilog,) = tmp_path.glob("*.v")
    (python,) = tmp_path.glob("*.py")
    icarus = subprocess.run([iverilog(), "-g2005", "-o", str(tmp_path / "a.vvp"), str(verilog)],
                            capture_output=True, text=True)
    assert icarus.returncode == 0 and not icarus.stderr, icarus.stderr
    lint = verilator_lint(verilog, cwd=tmp_path)
    assert lint.returncode == 0, lint.stderr
    module_spec = importlib.util.spec_from_file_location(f"names_{python.stem}", python)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    pump_class = getattr(module, names["PUMP"])
    for monitor in (False, True):
        pump = pump_class(monitor=monitor)
        with pytest.raises(module.Rejected):  # the guard's reject path reads module names
            pump.handle(names["EVENT"], **{names["PARAM"]: 2000})
        assert pump.handle(names["EVENT"], **{names["PARAM"]: 10}).accepted
        pump.tick()
        assert getattr(pump, names["VAR"]) == pump.snapshot().value(names["VAR"])
        assert pump.state.name == names["STATE"]
        pump.handle("stop")
        pump.reset()


def _name_grid() -> list:
    """Every kind of declaration x every sample name (260 cases, each a build, Icarus and
    Verilator when check passes). The default run takes the diagonal, sample i as kind
    i mod 13, which gives every sample and every kind; the rest is the long tier."""
    kinds = list(DEFAULTS)
    diagonal = {(kinds[i % len(kinds)], sample) for i, sample in enumerate(SAMPLES)}
    return [pytest.param(kind, sample, id=f"{sample}-{kind.lower()}",
                         marks=[] if (kind, sample) in diagonal else [pytest.mark.long])
            for sample in SAMPLES for kind in kinds]


@pytest.mark.parametrize(("kind", "sample"), _name_grid())
def test_a_name_goes_end_to_end_or_check_refuses_it(kind, sample, tmp_path):
    name = SAMPLES[sample]
    text = spec_with(kind, name)
    analysis = pipeline.analyze(text, "spec.pump")
    errors = [d for d in analysis.diagnostics if d.severity == "error"]
    if errors:
        assert {d.code for d in errors} <= {"E0110", "E0111"}, [d.message for d in errors]
        assert all(d.span is not None and d.help for d in errors)
        return
    through_the_pipeline(text, tmp_path, dict(DEFAULTS, **{kind: name}))


@pytest.mark.parametrize(("kind", "name", "code"), [
    ("VAR", "class", "E0110"), ("PARAM", "Rejected", "E0110"), ("EVENT", "code", "E0110"),
    ("ENUM", "State", "E0110"), ("ENUM", "STATE", "E0110"), ("PUMP", "Enum", "E0110"),
    ("PUMP", "Logic", "E0110"), ("MEMBER", "mro", "E0110"), ("SOURCE", "total", "E0110"),
    ("VAR", "handle_fill", "E0111"), ("VAR", "check_stop", "E0111"),
    ("PARAM", "FIRST_KIND", None), ("PARAM", "KIND_FIRST", "E0111"), ("PUMP", "n" * 260, "E0110"),
    ("PUMP", "TbLockstep", "E0110"), ("PUMP", "TbPump", "E0110"), ("PUMP", "HostLink", "E0110"),
    ("PUMP", "HostFrame", "E0110"), ("PUMP", "PumpBoardTop", "E0110"),
    ("PUMP", "Testbench", "E0110"), ("PUMP", "TbPumps", None),
])
def test_refused_names(kind, name, code):
    analysis = pipeline.analyze(spec_with(kind, name), "spec.pump")
    codes = {d.code for d in analysis.diagnostics if d.severity == "error"}
    assert codes == ({code} if code else set())


@pytest.mark.parametrize(("first", "second", "ident"), [
    ("state Idle reject others \"a\"", "state IDLE reject others \"b\"", "STATE_IDLE"),
    ("enum Site { hip, arm }", "enum SITE { leg }", "_SITE_MEMBERS"),
    ("enum Site { hip, arm }", "enum S { ite_hip }", None),
    ("enum FooBar { x }", "enum Foo { bar_x }", "FOO_BAR_X"),
    ("event a_b(c: 0 .. 1)", "event a(b_c: 0 .. 1)", "p_a_b_c"),
    ("event go", "var handle_go : bool = false", "handle_go"),
])
def test_declarations_that_become_one_identifier(first, second, ident):
    text = spec_with("PUMP", "Probe") + first + "\n" + second + "\n"
    analysis = pipeline.analyze(text, "spec.pump")
    clashes = [d for d in analysis.diagnostics if d.code == "E0111"]
    if ident is None:
        assert analysis.ok, [d.message for d in analysis.diagnostics]
    else:
        assert len(clashes) == 1 and f"`{ident}`" in clashes[0].message
        assert clashes[0].labels, "the other declaration is shown"


def test_every_kind_of_declaration_is_named():
    kinds = {d.kind for d in _declared(ROOT / "spec" / "examples" / "language_tour.pump")[1]}
    assert kinds == {"pump", "enum", "member", "state", "variable", "event", "parameter",
                     "source", "let", "window"}


def _declared(path: Path):
    analysis = pipeline.load(str(path))
    spec, _ = parse(path.read_text(), str(path))
    return analysis.module, declared_names(analysis.module, spec, {})


CORPUS = sorted((ROOT / "spec").glob("**/*.pump"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.relative_to(ROOT / "spec").as_posix())
def test_the_reserved_tables_cover_what_a_generated_controller_defines(path):
    """Every top-level name and controller member of a generated controller is either
    made from a spec name by the scheme, private (a spec name cannot start with `_`), or
    in the reserved tables; every builtin it reads is in PYTHON_BUILTINS_READ."""
    module, declared = _declared(path)
    ((_, text),) = emit_python(module).items()
    tree = ast.parse(text)
    derived = {(ns, ident) for d in declared for ns, ident in reserved.python_identifiers(d)}
    spec_module = {ident for ns, ident in derived if ns == "module"}
    spec_class = {ident for ns, ident in derived if ns == "class"}
    top = {name for node in tree.body for name in reserved._defined(node)}
    top |= {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom)
            for a in node.names}
    assert top - spec_module - reserved.PYTHON_MODULE_RESERVED - {n for n in top if n[0] == "_"} \
        == set()
    for cls in (module.name, "Monitored" + module.name):
        (node,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
        members = {name for item in node.body for name in reserved._defined(item)}
        assert members - spec_class - reserved.PYTHON_CLASS_RESERVED - {"__slots__", "__init__"} \
            == set()
    reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Load) and n.id in set(dir(builtins))}
    assert reads <= reserved.PYTHON_BUILTINS_READ


def test_the_runtime_tables_come_from_runtime_py():
    assert {"Controller", "Monitor", "Recovery", "Rejected", "EventTable", "is_member",
            "IntEnum", "NamedTuple"} <= reserved.RUNTIME_NAMES
    assert {"handle", "handle_code", "monitor", "_pending", "_step", "_events"} \
        <= reserved.RUNTIME_MEMBERS
    assert not reserved.VERILOG_KEYWORDS & reserved.SYSTEMVERILOG_KEYWORDS
    assert not any(k.startswith(tuple(reserved.VERILOG_PREFIXES.values()))
                   for k in reserved.VERILOG_RESERVED)


def test_every_module_the_tool_compiles_beside_the_block_is_reserved():
    """A pump whose module is named like one of the tool's own Verilog modules (the
    lockstep wrapper, the board's host link and top level) breaks the simulators that
    compile both: every module a .v or .v.j2 file of the repository declares, except the
    generated block's own (named after the pump: `{{ ... }}` in a template, generated/),
    is in TOOL_VERILOG_MODULES."""
    files = subprocess.run(["git", "ls-files", "*.v", "*.v.j2"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    declared = {}
    for name in files:
        if name.startswith("generated/"):
            continue
        for m in re.finditer(r"^\s*module\s+([A-Za-z_][A-Za-z0-9_$]*)",
                             (ROOT / name).read_text(), re.M):
            declared[m.group(1)] = name
    assert {"tb_pump", "tb_lockstep", "host_link", "pump_board_top"} <= set(declared)
    missing = {m: f for m, f in declared.items() if m not in reserved.TOOL_VERILOG_MODULES}
    assert not missing, f"modules the tool compiles that a pump may still be named: {missing}"
    # prove-rtl's replay compiles SymbiYosys' testbench (top `testbench`) with the block
    assert '"-s", "testbench"' in (ROOT / "compiler" / "rtlproof" / "__init__.py").read_text()


def test_file_stem_keeps_a_name_that_fits_and_cuts_and_hashes_one_that_does_not():
    assert reserved.file_stem("M-20", ".json") == "M-20"
    fits = "a" * (reserved.NAME_MAX - len(".json"))
    assert reserved.file_stem(fits, ".json") == fits
    long_a, long_b = "LONG-" + "1" * 300, "LONG-" + "1" * 299 + "2"
    cut = reserved.file_stem(long_a, "_tb.vvp")
    assert len((cut + "_tb.vvp").encode()) == reserved.NAME_MAX
    assert cut.startswith("LONG-111") and cut == reserved.file_stem(long_a, "_tb.vvp")
    assert cut != reserved.file_stem(long_b, "_tb.vvp")  # distinct names, distinct files
    wide = reserved.file_stem("é" * 200, ".html")  # cut on a character, not inside one
    assert len((wide + ".html").encode()) <= reserved.NAME_MAX and wide.encode().decode() == wide
