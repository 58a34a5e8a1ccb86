"""Which spec names the generated code can use, and what each becomes: the one place.

A spec name is used verbatim wherever a user meets it in the generated code (the
controller's class, properties, ``handle_<event>`` methods and keyword parameters, the
members of ``State``, ``Event`` and the spec's enums, the fields of ``TickSteps`` and
``Lets``, the Verilog module); internal identifiers add a fixed prefix to it (``_<var>``
slots, ``STATE_<X>`` constants, Verilog ``v_<var>``, ``S_<state>``, ...). No name is
renamed: a name its target cannot use, or two declarations that become one identifier,
is a coded error of ``check`` (E0110, E0111), computed by :func:`name_problems` from the
same tables and the same :func:`python_identifiers` / :func:`verilog_identifiers` the
backends name with, so ``check`` and ``build`` cannot disagree.

The tables are derived where they can be: the runtime's names from the source of
``backends/python/runtime.py`` (parsed, not imported: this module is a leaf), Python's
keywords and builtins from the interpreter. What the controller template adds is listed
here, and ``tests/test_reserved.py`` checks those lists against generated controllers.
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import keyword
import re
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Iterable

# ---------------------------------------------------------------- naming schemes


def snake_case(name: str) -> str:
    """``InfusionPump`` -> ``infusion_pump``, ``PS41Limiter`` -> ``ps41_limiter``."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return re.sub(r"[^0-9A-Za-z_]+", "_", s).strip("_").lower()


def identifier(name: str) -> str:
    """A spec name (possibly dotted, e.g. ``basal.steps``) as an identifier: ``basal_steps``."""
    s = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return "_" + s if s[:1].isdigit() else s


def python_enum_const(enum: str, member: str) -> str:
    """The module-level constant of an enum member: ``Site.abdomen_l`` -> ``SITE_ABDOMEN_L``
    (the control states are the enum ``State``: ``STATE_IDLE``)."""
    return f"{snake_case(enum).upper()}_{snake_case(member).upper()}"


def python_enum_members_tuple(enum: str) -> str:
    """The module-level tuple of an enum's members, by index: ``_SITE_MEMBERS``."""
    return f"_{identifier(enum).upper()}_MEMBERS"


def python_module_stem(pump: str) -> str:
    """The generated files' name without suffix: ``<stem>.py`` and ``<stem>.v``; also the
    Verilog top module."""
    return snake_case(pump)


def file_stem(name: str, longest_suffix: str = "") -> str:
    """``name`` as the stem of a file name that holds it followed by suffixes up to
    ``longest_suffix``: itself when that fits in :data:`NAME_MAX` bytes, else cut and
    ended with ``-`` and 12 hex digits of its SHA-256, so distinct names stay distinct
    and the same name always gives the same file (a long requirement id's
    counterexample, a long pump's work folder)."""
    room = NAME_MAX - len(longest_suffix.encode())
    if len(name.encode()) <= room:
        return name
    digest = "-" + hashlib.sha256(name.encode()).hexdigest()[:12]
    head = name.encode()[:room - len(digest)].decode("utf-8", "ignore")
    return head + digest


# ---------------------------------------------------------------- Python: the interpreter

# hard keywords only: a soft keyword (``match``, ``case``, ``type``, ``_``) is a valid name
PYTHON_KEYWORDS = frozenset(keyword.kwlist)

# ---------------------------------------------------------------- Python: the runtime

RUNTIME_SOURCE = Path(__file__).parent / "backends" / "python" / "runtime.py"
# the runtime's classes a generated controller subclasses (their members are its members)
RUNTIME_BASES = ("Controller", "Monitor")


def _runtime_tables() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(top-level names, imported modules, members of the controller's base classes,
    builtins it reads) of runtime.py, from its source."""
    tree = ast.parse(RUNTIME_SOURCE.read_text(encoding="utf-8"))
    top: set[str] = set()
    modules: set[str] = set()
    members: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
            top.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            modules.update(a.name.split(".")[0] for a in node.names)
            top.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            top.update(_defined(node))
        if isinstance(node, ast.ClassDef) and node.name in RUNTIME_BASES:
            for item in node.body:
                members.update(_defined(item))
    builtin_names = set(dir(builtins))
    reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Load) and n.id in builtin_names}
    return frozenset(top), frozenset(modules), frozenset(members), frozenset(reads)


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


RUNTIME_NAMES, RUNTIME_IMPORTS, RUNTIME_MEMBERS, RUNTIME_BUILTINS = _runtime_tables()

# ---------------------------------------------------------------- Python: the template
# What controller.py.j2 and backends/python/emit.py add to the runtime's names.

# top-level names of the spec's part of the generated module (besides the spec's own)
MODULE_NAMES = (
    "TickSteps", "Lets", "Event", "State", "REASONS", "PROPERTIES", "CHECKS", "EVENT_PARAMS",
    "SPEC_FILE", "SPEC_SHA256", "PUMPSPEC_VERSION", "UNITS_PER_STEP", "SECONDS_PER_TICK",
    "REASON_UNKNOWN_EVENT", "REASON_PARAM_RANGE", "REASON_NO_TRANSITION",
    "UNITS", "EVENTS", "VARIABLES", "MOTOR_SOURCES",
)
# the names the spec's part imports besides the runtime's imports
SPEC_PART_IMPORTS = {"enum": ("IntEnum",), "fractions": ("Fraction",), "typing": ("NamedTuple",)}
# builtins the spec's part reads (the runtime's are found in its source)
TEMPLATE_BUILTINS = ("AssertionError", "bool", "frozenset", "int", "isinstance", "object",
                     "super", "tuple")
# public members the generated controller class defines besides one per variable and event
CLASS_MEMBERS = ("state", "tick", "reset", "snapshot", "tick_lets", "motor_enabled",
                 "alarm_latched")
# private members it defines besides one slot per variable and ``_check_<event>``
CLASS_PRIVATE = ("_state", "_copy", "_check_invariants", "_responses_hold", "_recovered")
# the method of a user event, and the monitor's check of an event
EVENT_METHOD_PREFIX = "handle_"
EVENT_CHECK_PREFIX = "_check_"
# locals of the generated methods, and prefixes of their temporaries: an event parameter
# must not take them, nor a module-level name the methods read (the pump's class)
LOCALS = ("self", "state", "reason", "pre", "lets", "accepted", "fired", "result", "violated",
          "armed", "copy")
LOCAL_PREFIXES = ("n_", "v_")
# fields the generated NamedTuples define besides the spec's: TickSteps (one per motor
# source) and Lets (one per tick value)
TICK_STEPS_FIELDS = ("total", "transition", "status", "accepted")
TUPLE_MEMBERS = tuple(sorted(n for n in dir(tuple) if not n.startswith("_")))
# names an IntEnum member cannot take (its own attributes; ``mro`` is refused by Enum)
ENUM_MEMBERS_RESERVED = frozenset(n for n in dir(IntEnum) if not n.startswith("_")) | {"mro"}

PYTHON_BUILTINS_READ = RUNTIME_BUILTINS | frozenset(TEMPLATE_BUILTINS)
PYTHON_MODULE_RESERVED = (PYTHON_KEYWORDS | PYTHON_BUILTINS_READ | RUNTIME_NAMES
                          | frozenset(MODULE_NAMES) | {python_enum_members_tuple("State")}
                          | frozenset(n for names in SPEC_PART_IMPORTS.values() for n in names))
# a member hides a builtin from the statements of the class body after it (``@property``)
PYTHON_CLASS_RESERVED = (PYTHON_KEYWORDS | PYTHON_BUILTINS_READ | RUNTIME_MEMBERS | frozenset(CLASS_MEMBERS)
                         | frozenset(CLASS_PRIVATE))
# modules a generated controller imports: its file must not shadow them
PYTHON_IMPORTED_MODULES = RUNTIME_IMPORTS | frozenset(SPEC_PART_IMPORTS) | {"__future__"}
# file systems limit a file name to NAME_MAX bytes; the longest suffix `build` writes after
# the pump's stem is ".py" (every other file named after a spec name: file_stem)
NAME_MAX = 255
MAX_FILE_STEM = NAME_MAX - len(".py")

# ---------------------------------------------------------------- Verilog

VERILOG_KEYWORDS = frozenset("""
always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign
default defparam design disable edge else end endcase endconfig endfunction endgenerate
endmodule endprimitive endspecify endtable endtask event for force forever fork function
generate genvar highz0 highz1 if ifnone incdir include initial inout input instance integer
join large liblist library localparam macromodule medium module nand negedge nmos nor
noshowcancelled not notif0 notif1 or output parameter pmos posedge primitive pull0 pull1
pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat
rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam
strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand
trior trireg unsigned use uwire vectored wait wand weak0 weak1 while wire wor xnor xor
""".split())
"""IEEE 1364-2005 keywords."""

SYSTEMVERILOG_KEYWORDS = frozenset("""
accept_on alias always_comb always_ff always_latch assert assume before bind bins binsof bit
break byte chandle checker class clocking const constraint context continue cover covergroup
coverpoint cross dist do endchecker endclass endclocking endgroup endinterface endpackage
endprogram endproperty endsequence enum eventually expect export extends extern final
first_match foreach forkjoin global iff ignore_bins illegal_bins implements implies import
inside int interconnect interface intersect join_any join_none let local logic longint
matches modport nettype new nexttime null package packed priority program property protected
pure rand randc randcase randsequence ref reject_on restrict return s_always s_eventually
s_nexttime s_until s_until_with sequence shortint shortreal soft solve static string strong
struct super sync_accept_on sync_reject_on tagged this throughout timeprecision timeunit type
typedef union unique unique0 until until_with untyped var virtual void wait_order weak
wildcard with within
""".split())
"""The keywords IEEE 1800-2017 adds to Verilog-2005: Verilator parses a ``.v`` file as
SystemVerilog, and the formal flow reads it so too."""

VERILOG_RESERVED = VERILOG_KEYWORDS | SYSTEMVERILOG_KEYWORDS
# Prefixes of the Verilog identifiers made from spec names; the generated block's own
# signals (ports, ``fsm_state``, ``lim_*``, ``g<i>_<j>``, ``en<i>``, ...) start with none of
# them, so a spec name never meets a keyword or an internal signal there.
VERILOG_PREFIXES = {"state": "S_", "variable": "v_", "let": "l_", "event": "EV_",
                    "parameter": "p_", "window": "w_"}
# the submodules of the generated block, after the top module's name
VERILOG_SUBMODULES = ("_fsm", "_motor")
# The Verilog modules the tool itself compiles beside the generated block: the lockstep
# wrapper (compiler/lockstep/wrapper.v.j2: the cocotb benches' top too), the board's host
# link and top level (hdl/*.v, built and linted with the block) and SymbiYosys' replay
# testbench (compiler/rtlproof). A pump whose module (or submodule) takes one of these
# names cannot be compiled with them; tests/test_reserved.py greps every module the
# repository's .v and .v.j2 files declare and fails when one is missing here.
TOOL_VERILOG_MODULES = {
    "tb_pump": "the lockstep wrapper (compiler/lockstep/wrapper.v.j2)",
    "tb_lockstep": "the lockstep wrapper (compiler/lockstep/wrapper.v.j2)",
    "host_link": "the host link (hdl/host_link.v)",
    "host_spi_slave": "the host link (hdl/host_link.v)",
    "host_frame": "the host link (hdl/host_link.v)",
    "pump_board_top": "the board's top level (hdl/pump_board_top.v)",
    "testbench": "the replay testbench of prove-rtl (SymbiYosys)",
}

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Declared:
    """A name the spec declares (or the front end generates from one), as the naming
    scheme sees it. ``owner``: the enum of a member, the event of a parameter."""

    kind: str  # "pump" | "enum" | "member" | "state" | "variable" | "event" | "parameter"
    #            "source" | "window" | "let"
    name: str
    owner: str = ""
    span: object = None
    user_event: bool = True  # event: not the built-in tick or reset

    @property
    def label(self) -> str:
        owner = f"{self.owner}." if self.owner else ""
        return f"{self.kind} `{owner}{self.name}`"


def python_identifiers(d: Declared) -> list[tuple[str, str]]:
    """(namespace, identifier) of every Python identifier made from ``d``. Namespaces:
    ``module``, ``class`` (the controller), ``enum <E>``, ``params <event>``, ``TickSteps``,
    ``Lets``, ``file``."""
    n = d.name
    match d.kind:
        case "pump":
            return [("module", n), ("module", "Monitored" + n), ("file", python_module_stem(n))]
        case "enum":
            return [("module", n), ("module", python_enum_members_tuple(n))]
        case "member":
            return [(f"enum {d.owner}", n), ("module", python_enum_const(d.owner, n))]
        case "state":
            return [("enum State", n), ("module", python_enum_const("State", n))]
        case "variable":
            return [("class", n), ("class", "_" + n)]
        case "event":
            out = [("enum Event", n), ("class", EVENT_CHECK_PREFIX + n)]
            return out + ([("class", EVENT_METHOD_PREFIX + n)] if d.user_event else [])
        case "parameter":
            return [(f"params {d.owner}", n)]
        case "source":
            return [("TickSteps", n)]
        case "let":
            return [("Lets", n)]
        case _:
            return []


def verilog_identifiers(d: Declared) -> list[tuple[str, str]]:
    """(namespace, identifier) of every Verilog identifier made from ``d``: ``module`` (the
    design's module names) or ``signal`` (the block's signals, parameters and labels)."""
    n = identifier(d.name)
    match d.kind:
        case "pump":
            stem = python_module_stem(d.name)
            return [("module", stem)] + [("module", stem + s) for s in VERILOG_SUBMODULES]
        case "state" | "variable" | "let":
            return [("signal", VERILOG_PREFIXES[d.kind] + n)]
        case "event":
            if not d.user_event and d.name == "tick":
                return []  # the tick is the motor's timer, not an event code
            return [("signal", VERILOG_PREFIXES["event"] + n), ("signal", "f_ev_" + n)]
        case "parameter":
            return [("signal", f"{VERILOG_PREFIXES['parameter']}{identifier(d.owner)}_{n}")]
        case "window":
            return [("signal", f"{VERILOG_PREFIXES['window']}{n}_total")]
        case _:
            return []


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class NameProblem:
    """``declared`` cannot be used: ``reason`` says why; ``other`` is the declaration it
    clashes with (E0111), None when the target reserves the identifier (E0110)."""

    declared: Declared
    target: str  # "Python" | "Verilog"
    ident: str
    reason: str
    other: Declared | None = None


def _reserved_python(d: Declared, namespace: str, ident: str) -> str | None:
    """Why the Python target reserves ``ident`` in ``namespace``, or None."""
    if ident in PYTHON_KEYWORDS:
        return "is a Python keyword"
    if ident.startswith("_") and ident == d.name:
        return "starts with an underscore, which Python keeps for private names"
    kind, _, owner = namespace.partition(" ")
    if kind == "module":
        if ident in PYTHON_BUILTINS_READ:
            return "would hide a Python builtin the controller uses"
        if ident in LOCALS or ident.startswith(LOCAL_PREFIXES):
            return "is a local name (or a prefix of one) of the controller's methods"
        if ident in PYTHON_MODULE_RESERVED:
            return "is a name the generated module defines or imports"
    elif kind == "class":
        if ident in PYTHON_BUILTINS_READ:
            return "would hide a Python builtin the controller class uses"
        if ident in PYTHON_CLASS_RESERVED:
            return "is already a member of the generated controller class"
    elif kind == "enum":
        if ident in ENUM_MEMBERS_RESERVED:
            return "is an attribute of every Python enum member"
    elif kind == "params":
        if ident in PYTHON_BUILTINS_READ:
            return "would hide a Python builtin the controller uses"
        if ident in LOCALS or ident.startswith(LOCAL_PREFIXES):
            return "is a local name (or a prefix of one) of the controller's methods"
        if ident in PYTHON_MODULE_RESERVED:
            return "would hide a name of the generated module the method reads"
    elif kind in ("TickSteps", "Lets"):
        if ident in TUPLE_MEMBERS or kind == "TickSteps" and ident in TICK_STEPS_FIELDS:
            return f"is a field or method of the generated `{kind}` tuple"
    elif kind == "file":
        if ident in PYTHON_IMPORTED_MODULES:
            return f"names the file `{ident}.py`, which would hide the module `{ident}` it imports"
        if len(ident.encode()) > MAX_FILE_STEM:
            return f"names a file longer than {MAX_FILE_STEM + 3} bytes"
        if not ident.isidentifier():
            return f"names the file `{ident}.py`, which is not an importable module name"
    return None


def name_problems(declared: Iterable[Declared]) -> list[NameProblem]:
    """Every declaration whose generated identifiers a target reserves or another
    declaration also takes, in declaration order, one problem per declaration."""
    decls = list(declared)
    problems: list[NameProblem] = []
    owners: dict[tuple[str, str, str], Declared] = {}
    flagged: set[int] = set()

    def flag(p: NameProblem) -> None:
        if id(p.declared) not in flagged:
            flagged.add(id(p.declared))
            problems.append(p)

    for d in decls:
        for target, idents in (("Python", python_identifiers(d)),
                               ("Verilog", verilog_identifiers(d))):
            for namespace, ident in idents:
                if target == "Python":
                    why = _reserved_python(d, namespace, ident)
                elif namespace == "module" and ident in VERILOG_RESERVED:
                    why = "is a Verilog or SystemVerilog keyword"
                elif namespace == "module" and ident in TOOL_VERILOG_MODULES:
                    why = (f"is already a module of {TOOL_VERILOG_MODULES[ident]},"
                           " compiled with the block")
                else:
                    why = None
                if why is not None:
                    flag(NameProblem(d, target, ident, why))
                    continue
                key = (target, namespace, ident)
                first = owners.setdefault(key, d)
                if first is not d:
                    flag(NameProblem(d, target, ident, "", first))
    # an event's parameters are read inside its methods, beside the module's names
    module_names = {ident: owners[("Python", "module", ident)]
                    for (target, namespace, ident) in owners
                    if target == "Python" and namespace == "module"}
    for d in decls:
        if d.kind == "parameter" and d.name in module_names:
            flag(NameProblem(d, "Python", d.name, "", module_names[d.name]))
    return problems
