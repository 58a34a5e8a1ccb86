"""IR module -> the generated Python reference controller (one file, stdlib only).

Everything the template needs is computed here, as strings: identifiers (checked for
collisions), every expression (printed by :class:`PythonPrinter` in the right scope),
which variables a step reads and writes. ``controller.py.j2`` only loops over the
result. The output depends on the IR alone, in declaration order: byte-identical on
every run.

Shape of the generated code (see docs/controller.md for the API):
- the model state lives in ``__slots__`` attributes ``_<var>`` and ``_state`` (ints
  and bools; enum values as member indices, exactly the IR's representation);
- each user event has ``handle_<event>(**params)``: parameter check (reason 2), then an
  if-chain over the current state, guards in order, updates assigned simultaneously; the
  reason a false guard gives is decided here (:meth:`_Generator.block_view`);
- ``tick()`` loads the pre-state into locals, computes shared subexpressions and the
  lets it needs, the tick updates, then the tick transitions in declaration order
  (first enabled fires, its updates override), stores, and returns the steps per source;
- ``Monitored<Pump>`` (what ``<Pump>(monitor=True)`` returns) wraps each step: a copy of
  the pre-state, the step, then the assertions of that event, the invariants, the
  response deadlines, the recovery sequences and the prover's checks a run can break
  (``CHECKS``, planned by :meth:`_Generator.plan_checks`). The plain class has no
  monitoring cost at all.

What does not depend on the spec (result and error types, dispatch by name and code,
the monitor's step and response deadlines) is :mod:`.runtime`, a module of its own that
the template copies in. Spec text (comments, requirement texts, reasons, file names)
reaches the generated source only through :func:`python_literal` (string literals and
docstrings) and :func:`python_comment` (``#`` comments), both ``repr``-based.
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources

from ... import __version__
from ...ir import nodes as ir
from ...reserved import (ENUM_MEMBERS_RESERVED, EVENT_METHOD_PREFIX, LOCALS, PYTHON_BUILTINS_READ,
                         PYTHON_CLASS_RESERVED, PYTHON_KEYWORDS, PYTHON_MODULE_RESERVED,
                         SPEC_PART_IMPORTS, TICK_STEPS_FIELDS, TUPLE_MEMBERS, python_enum_const,
                         python_enum_members_tuple, python_module_stem)
from ...units import (BASE_ALIASES, KNOWN_UNITS, NONE, RATE, VOLUME, BaseUnits, display_unit,
                      format_quantity, scale_name)
from ..common import (BackendError, Namer, banner_lines, display_path, identifier, reads_state,
                      subexpressions, template_env, variables_read)
from .cse import shared
from .printer import AND, NOT, PythonPrinter, Scope

# The public names of the built-in reasons, in the order of ir.BUILTIN_REASONS.
BUILTIN_REASON_NAMES = ("REASON_UNKNOWN_EVENT", "REASON_PARAM_RANGE", "REASON_NO_TRANSITION")


@dataclass
class GuardView:
    cond_not: str  # the condition as the operand of ``not``
    cond_and: str  # the condition as an operand of ``and``
    reason: str | None  # name of the guard's own Reason constant, or None
    # When the guard is false: the Reason constant the event is rejected with (a state
    # with one transition) or recorded with unless an earlier one was (several); None:
    # nothing recorded. Set by _Generator.block_view.
    on_false: str | None = None


@dataclass
class AssignView:
    target: str  # attribute or local to assign
    value: str


@dataclass
class TransitionView:
    index: int
    label: str
    guards: list[GuardView]
    temps: list[AssignView]  # computed first when an update reads a variable also updated
    assigns: list[AssignView]
    target_state: str | None  # constant name


@dataclass
class StateBlockView:
    test: str  # e.g. "state == STATE_IDLE" or "state in _FROM_3"
    comment: str
    transitions: list[TransitionView] = field(default_factory=list)
    policy: str = ""  # "reject" | "ignore" when there is no transition
    reason: str | None = None  # the policy's Reason constant
    no_transition: str = BUILTIN_REASON_NAMES[2]  # the reason when no guard gives one


@dataclass
class ParamView:
    name: str
    annotation: str
    invalid: str  # Python expression, true when the value is outside the wire domain
    domain: str  # "an integer in 0..4000 (steps: 0 U .. 100 U)"


@dataclass
class EventView:
    name: str
    code: int
    kind: str
    method: str  # public method: tick / reset / handle_<event>
    check: str  # _check_<event>
    params: list[ParamView]
    doc: str  # docstring text: Event ``bolus(amount: 0..4000 steps)`` (code 15).
    blocks: list[StateBlockView]
    assertions: list["CheckView"]
    triggers: list["TriggerView"]
    uses_lets: bool
    determinism: list["CheckView"]  # expr: both transitions enabled (a violation)
    ranges: list["CheckView"]  # written variables in range, when the step was accepted
    tick_checks: list["CheckView"]  # tick values in range, steps within the motor's limit

    @property
    def is_tick(self) -> bool:
        return self.kind == "tick"

    @property
    def result(self) -> str:
        """The class the event's method returns."""
        return "TickSteps" if self.is_tick else "Outcome"


@dataclass
class CheckView:
    position: int  # index in PROPERTIES (declaration order of module.properties)
    label: str
    states_test: str | None  # pre-state filter, e.g. "pre._state in _IN_4"; None = all
    expr: str  # as the operand of ``not``


@dataclass(frozen=True)
class MonitorCheck:
    """A check of the prover (compiler/prove/goals.py: same id, kind and title) that a
    run can break; the monitor evaluates it on every step that can break it."""

    id: str
    kind: str  # "range" | "let-range" | "motor" | "determinism" | "completeness"
    text: str

    @property
    def label(self) -> str:
        return f"{self.id} ({self.kind}): {self.text}"


@dataclass
class TriggerView:
    slot: int  # index in the pending list
    label: str
    expr: str


@dataclass
class ResponseView:
    slot: int
    position: int
    label: str
    within: int
    expr: str


class _Generator:
    def __init__(self, module: ir.Module):
        self.m = module
        self.names = Namer(PYTHON_MODULE_RESERVED | set(LOCALS), "the generated Python module")
        self.members = Namer(PYTHON_CLASS_RESERVED, "the controller class")
        self.frozensets: dict[tuple[int, ...], str] = {}
        self._name_everything()
        self.plan_checks()

    # ------------------------------------------------------------ names

    def _name_everything(self) -> None:
        """Identifiers by compiler.reserved's scheme; `check` (E0110, E0111) has refused
        every name these Namers would refuse."""
        m = self.m
        self.class_name = self.names.add(m.name, m.name, "pump")
        self.names.add(m.name, "Monitored" + m.name, "pump (monitored)")
        self.enum_class: dict[str, str] = {}
        self.enum_consts: dict[tuple[str, int], str] = {}
        state_names = tuple(s.name for s in sorted(m.states, key=lambda s: s.index))
        if m.state_type.members != state_names:
            raise BackendError("internal error: State enum members differ from the states "
                               "ordered by index")
        for t in (*m.enums, m.state_type):
            is_state = t is m.state_type
            cls = "State" if is_state else self.names.add(t.name, identifier(t.name), "enum")
            self.enum_class[t.name] = cls
            if not is_state:
                self.names.add(t.name, python_enum_members_tuple(cls), "enum members")
            members = Namer(ENUM_MEMBERS_RESERVED | PYTHON_KEYWORDS, f"the enum `{cls}`")
            for i, member in enumerate(t.members):
                members.add(member, identifier(member), "member")
                self.enum_consts[(t.name, i)] = self.names.add(
                    f"{t.name}.{member}", python_enum_const(cls, member), "enum member")
        self.var_attr: dict[str, str] = {}
        self.var_prop: dict[str, str] = {}
        for v in m.variables:
            prop = self.members.add(v.name, identifier(v.name), "variable", v.span)
            self.var_prop[v.name] = prop
            self.var_attr[v.name] = self.members.add(v.name, "_" + prop, "variable slot", v.span)
        self.let_id: dict[str, str] = {}
        lets = Namer(PYTHON_KEYWORDS | set(TUPLE_MEMBERS), "the Lets tuple")
        for let in m.tick_lets:
            self.let_id[let.name] = lets.add(let.name, identifier(let.name), "tick let", let.span)
        self.source_field: dict[str, str] = {}
        fields = Namer(PYTHON_KEYWORDS | set(TUPLE_MEMBERS) | set(TICK_STEPS_FIELDS),
                       "the TickSteps tuple")
        for s in m.motor.sources:
            self.source_field[s.name] = fields.add(s.name, identifier(s.name), "motor source",
                                                   s.span)
        self.event_method: dict[str, str] = {}
        event_members = Namer(ENUM_MEMBERS_RESERVED | PYTHON_KEYWORDS, "the enum `Event`")
        for e in m.events:
            event_members.add(e.name, e.name, "event", e.span)
            if e.kind == "tick":
                method = "tick"
            elif e.kind == "reset":
                method = "reset"
            else:
                method = self.members.add(e.name, EVENT_METHOD_PREFIX + identifier(e.name),
                                          "event", e.span)
            self.event_method[e.name] = method
            params = Namer(PYTHON_MODULE_RESERVED | PYTHON_BUILTINS_READ | set(LOCALS),
                           f"the method for event `{e.name}`")
            for p in e.params:
                params.add(p.name, p.name, "parameter", p.span)
        reason_codes = [r.code for r in m.reasons]
        if len(set(reason_codes)) != len(reason_codes):
            raise BackendError("internal error: duplicate reason codes in the IR")

    def plan_checks(self) -> None:
        """The prover's checks a run can break, numbered after the properties (a check's
        position in the monitor's table is ``len(properties) + its index in CHECKS``).

        - range: an integer variable is in its declared range after each accepted step of
          an event that may write it (a variable no step writes keeps a checked value;
          bool and enum values cannot leave their type: parameters are type-checked);
        - let-range, motor: each integer tick value in its range, and the total steps at
          most ``max_steps_per_tick``, from the pre-state of every tick (the prover's
          "motor" goal; the per-source caps are the sources' own tick values);
        - determinism: for each pair of transitions of a user event that share a source
          state, not both enabled in the pre-state with the event's parameters;
        - completeness: a user event is never rejected with the built-in "no transition".
        """
        m = self.m
        self.checks: list[MonitorCheck] = []

        def add(id_: str, kind: str, text: str) -> int:
            self.checks.append(MonitorCheck(id_, kind, text))
            return len(m.properties) + len(self.checks) - 1

        self.range_checks = {
            v.name: add(f"range.{v.name}", "range",
                        f"`{v.name}` stays in its declared range ({v.type})")
            for v in m.variables if isinstance(v.type, ir.IntType)}
        self.let_checks = {
            let.name: add(f"let.{let.name}", "let-range",
                          f"tick value `{let.name}` stays in {let.value.type}")
            for let in m.tick_lets if isinstance(let.value.type, ir.IntType)}
        self.motor_check = add(
            "motor.steps", "motor",
            f"a tick commands at most max_steps_per_tick = {m.motor.max_steps_per_tick} steps"
        ) if any(let.name == m.motor.steps_let for let in m.tick_lets) else None
        self.determinism_checks: dict[str, list[tuple[int, ir.Transition, ir.Transition]]] = {}
        self.completeness_checks: dict[str, int] = {}
        for e in m.events:
            ts = [t for t in m.transitions if t.event == e.name]
            if e.kind != "user" or not ts:
                continue
            pairs = self.determinism_checks.setdefault(e.name, [])
            for i, a in enumerate(ts):
                for b in ts[i + 1:]:
                    if set(a.sources) & set(b.sources):
                        pairs.append((add(f"determinism.{e.name}", "determinism",
                                          f"`{e.name}`: transitions #{a.index} and #{b.index} "
                                          "are never both enabled"), a, b))
        for e in m.events:
            if e.kind == "user" and any(t.event == e.name for t in m.transitions):
                self.completeness_checks[e.name] = add(
                    f"completeness.{e.name}", "completeness",
                    f"every rejection of `{e.name}` gives a reason from the spec")

    def range_views(self, written: list[str]) -> list[CheckView]:
        """The range checks of the variables in ``written``, in declaration order."""
        views = []
        for v in self.m.variables:
            if v.name in written and v.name in self.range_checks:
                position = self.range_checks[v.name]
                views.append(CheckView(position, self.check_label(position), None,
                                       f"{v.type.lo} <= self.{self.var_attr[v.name]} <= "
                                       f"{v.type.hi}"))
        return views

    def check_label(self, position: int) -> str:
        return self.checks[position - len(self.m.properties)].label

    def quantity(self, q: ir.Quantity | None) -> str:
        """The runtime ``Quantity`` of an integer measuring ``q`` (compiler.units: the
        unit and factor the spec's units show it in, and its base unit) as Python
        source; "None" for a plain number or a value that is not an integer."""
        if q is None or q.dim == NONE:
            return "None"
        m = self.m
        unit, factor = display_unit(q.dim, m.step_units, m.tick_seconds, q.scale)
        base = scale_name(q.dim, q.scale, BaseUnits(m.step_units, m.tick_seconds, None))
        return f"Quantity({python_literal(unit)}, {fraction_text(factor)}, {python_literal(base)})"

    def enum_const(self, t: ir.EnumType, index: int) -> str:
        return self.enum_consts[(t.name, index)]

    def state_const(self, name: str) -> str:
        return self.enum_consts[(self.m.state_type.name, self.m.state(name).index)]

    def reason_const(self, reason: ir.Reason | None) -> str | None:
        return None if reason is None else f"_R{reason.code}"

    def block_view(self, block: StateBlockView) -> StateBlockView:
        """Decide the rejection reason of a state's transitions (docs/semantics.md): the
        reason of the first false guard that has one, scanning the transitions in order
        and, within one, only its first false guard; REASON_NO_TRANSITION if none has.
        With one transition its first false guard decides at once."""
        single = len(block.transitions) == 1
        for t in block.transitions:
            for g in t.guards:
                g.on_false = (g.reason or block.no_transition) if single else g.reason
        return block

    def state_test(self, subject: str, states: tuple[str, ...] | list[str]) -> str:
        """``subject`` is one of ``states``: an equality, or membership in a frozenset."""
        if len(states) == 1:
            return f"{subject} == {self.state_const(states[0])}"
        key = tuple(sorted(self.m.state(s).index for s in states))
        name = self.frozensets.setdefault(key, f"_IN_{'_'.join(map(str, key))}")
        return f"{subject} in {name}"

    # ------------------------------------------------------------ printers

    def printer(self, scope: Scope) -> PythonPrinter:
        return PythonPrinter(scope, self.enum_const)

    def self_scope(self, params: bool = False) -> Scope:
        """Reads of the current state through ``self`` (user events, invariants)."""
        return Scope(var=lambda name, post: "self." + self.var_attr[name],
                     state=lambda post: "self._state",
                     param=(lambda name: name) if params else Scope.param)

    def tick_scope(self) -> Scope:
        """Reads of the pre-state loaded into locals ``v_<var>``, lets in ``l_<let>``."""
        return Scope(var=lambda name, post: "v_" + self.var_prop[name],
                     state=lambda post: "state",
                     let=lambda name: "l_" + self.let_id[name])

    def check_scope(self) -> Scope:
        """Assertions: pre-state in ``pre``, post-state in ``self``, lets in ``lets``."""
        return Scope(var=lambda name, post: ("self." if post else "pre.") + self.var_attr[name],
                     state=lambda post: "self._state" if post else "pre._state",
                     param=lambda name: name,
                     let=lambda name: "lets." + self.let_id[name],
                     accepted=lambda: "accepted")

    # ------------------------------------------------------------ views

    def transition_view(self, t: ir.Transition, printer: PythonPrinter, target_of) -> TransitionView:
        guards = [GuardView(printer.print_at(g.cond, NOT), printer.print_at(g.cond, AND),
                            self.reason_const(g.reason)) for g in t.guards]
        updated = {u.var for u in t.updates}
        hazard = len(t.updates) > 1 and bool(
            updated & set(variables_read(u.value for u in t.updates)))
        temps, assigns = [], []
        for u in t.updates:
            value = printer.print(u.value)
            if hazard:
                temps.append(AssignView("n_" + self.var_prop[u.var], value))
                value = "n_" + self.var_prop[u.var]
            assigns.append(AssignView(target_of(u.var), value))
        return TransitionView(t.index, t.label, guards, temps, assigns,
                              self.state_const(t.target) if t.target else None)

    def event_view(self, e: ir.Event) -> EventView:
        m = self.m
        method = self.event_method[e.name]
        ident = identifier(e.name)
        params = [self.param_view(e, p) for p in e.params]
        signature = f"{e.name}({', '.join(f'{p.name}: {describe_type(p.type)}' for p in e.params)})"
        blocks: list[StateBlockView] = []
        if e.kind == "user":
            printer = self.printer(self.self_scope(params=True))
            for s in sorted(m.states, key=lambda s: s.index):
                ts = m.transitions_for(s.name, e.name)
                block = StateBlockView(self.state_test("state", [s.name]), s.name)
                if ts:
                    block.transitions = [
                        self.transition_view(t, printer, lambda v: "self." + self.var_attr[v])
                        for t in ts]
                    self.block_view(block)
                else:
                    policy = s.policy_for(e.name)
                    block.policy = policy.kind
                    block.reason = self.reason_const(policy.reason)
                    if policy.kind == "reject" and policy.reason is None:
                        raise BackendError(f"internal error: state {s.name} rejects `{e.name}` "
                                           "without a reason")
                blocks.append(block)
        cprinter = self.printer(self.check_scope())
        assertions, triggers, uses_lets = [], [], False
        for position, p in enumerate(m.properties):
            if isinstance(p, ir.Assertion) and (not p.events or e.name in p.events):
                states_test = self.state_test("pre._state", p.states) if p.states else None
                uses_lets |= any(isinstance(x, ir.LetRef) for x in subexpressions(p.expr))
                assertions.append(CheckView(position, prop_label(p), states_test,
                                            cprinter.print_at(p.expr, NOT)))
        for slot, (_, r) in enumerate(self.responses()):
            if r.trigger_event == e.name:
                triggers.append(TriggerView(slot, prop_label(r), cprinter.print(r.trigger)))
        if uses_lets and e.kind != "tick":
            raise BackendError(f"internal error: an assertion on `{e.name}` reads tick lets")
        determinism = []
        for position, a, b in self.determinism_checks.get(e.name, []):
            shared_sources = [s for s in a.sources if s in b.sources]
            test = [self.state_test("pre._state", shared_sources)]
            test += [cprinter.print_at(g.cond, AND) for g in (*a.guards, *b.guards)]
            determinism.append(CheckView(position, self.check_label(position), None,
                                         " and ".join(test)))
        tick_checks = []
        if e.kind == "tick":
            written = [u.var for u in m.tick_updates]
            written += [u.var for t in m.transitions if t.event == e.name for u in t.updates]
            for let in m.tick_lets:
                if let.name in self.let_checks:
                    position, t = self.let_checks[let.name], let.value.type
                    tick_checks.append(CheckView(
                        position, self.check_label(position), None,
                        f"{t.lo} <= lets.{self.let_id[let.name]} <= {t.hi}"))
            if self.motor_check is not None:
                tick_checks.append(CheckView(
                    self.motor_check, self.check_label(self.motor_check), None,
                    f"lets.{self.let_id[m.motor.steps_let]} <= {m.motor.max_steps_per_tick}"))
            uses_lets |= bool(tick_checks)
        else:
            written = [u.var for t in m.transitions if t.event == e.name for u in t.updates]
        return EventView(e.name, e.code, e.kind, method, f"_check_{ident}", params,
                         f"Event ``{signature}`` (code {e.code}).", blocks, assertions,
                         triggers, uses_lets, determinism, self.range_views(written),
                         tick_checks)

    def param_view(self, e: ir.Event, p: ir.EventParam) -> ParamView:
        """The parameter's type check (docs/controller.md, "Events"): a bool parameter
        takes a ``bool``; an integer one an ``int`` in range, exactly (not a bool, not an
        enum member); an enum one a member of that enum (:func:`runtime.is_member`) or its
        index as an ``int``. The IR evaluator's ``in_domain`` states the same rule."""
        n, t = p.name, p.type
        if isinstance(t, ir.BoolType):
            return ParamView(n, "bool", f"{n}.__class__ is not bool", "true or false")
        if isinstance(t, ir.EnumType):
            hi = len(t.members) - 1
            members = python_enum_members_tuple(self.enum_class[t.name])
            return ParamView(n, "int", f"not ({n}.__class__ is int and 0 <= {n} <= {hi} "
                                       f"or is_member({n}, {members}))",
                             f"a {t.name} member (0..{hi}: {', '.join(t.members)})")
        q = t.quantity
        if q is not None and q.dim != NONE:
            lo, hi = (format_quantity(x, q.dim, self.m.step_units, self.m.tick_seconds, q.scale)
                      for x in (t.lo, t.hi))
            unit = f" ({t.unit}: {lo} .. {hi})"
        else:
            unit = f" ({t.unit})" if t.unit else ""
        return ParamView(n, "int", f"{n}.__class__ is not int or {n} < {t.lo} or {n} > {t.hi}",
                         f"an integer in {t.lo}..{t.hi}{unit}")

    def responses(self) -> list[tuple[int, ir.Response]]:
        return [(i, p) for i, p in enumerate(self.m.properties) if isinstance(p, ir.Response)]

    def recovery_views(self, printer: PythonPrinter) -> list[dict]:
        """Each recovery: its position, its sequence as a Python literal (event name and
        the (parameter index, value) pairs each call fixes) and its target expression."""
        views = []
        for position, p in enumerate(self.m.properties):
            if not isinstance(p, ir.Recovery):
                continue
            calls = []
            for call in p.sequence:
                order = [q.name for q in self.m.event(call.event).params]
                fixed = "".join(f"({order.index(name)}, {python_literal(value)}), "
                                for name, value in call.args)
                calls.append(f"({python_literal(call.event)}, ({fixed})), ")
            views.append({"position": position, "label": prop_label(p),
                          "sequence": f"({''.join(calls)})",
                          "expr": printer.print(p.target)})
        return views

    def tick_view(self) -> dict:
        """The tick step: pre-state locals, shared subexpressions, needed lets, tick
        updates, tick transitions.

        A variable only tick updates write is stored at once (``self._x = ...``; when the
        update is ``c ? e : x`` only if ``c``); one a tick transition may also write goes
        through a local ``n_x`` that the transition overrides, stored at the end. Every
        read is of the locals loaded first, so the order of stores does not matter.
        """
        m = self.m
        tick_event = next(e for e in m.events if e.kind == "tick")
        tick_ts = [t for t in m.transitions if t.event == tick_event.name]
        step_lets = [m.motor.steps_let, *(s.steps.name for s in m.motor.sources)]
        # lets needed: those the updates, transitions and the result read, transitively
        roots = [u.value for u in m.tick_updates]
        for t in tick_ts:
            roots += [g.cond for g in t.guards] + [u.value for u in t.updates]
        needed = set(step_lets) | {x.name for e in roots for x in subexpressions(e)
                                   if isinstance(x, ir.LetRef)}
        lets = []
        for let in reversed(m.tick_lets):
            if let.name in needed:
                lets.append(let)
                needed |= {x.name for x in subexpressions(let.value) if isinstance(x, ir.LetRef)}
        lets.reverse()
        everything = roots + [let.value for let in lets]
        tick_updated = [u.var for u in m.tick_updates]
        if len(set(tick_updated)) != len(tick_updated):
            raise BackendError("internal error: a variable has two tick updates")
        overridden = {u.var for t in tick_ts for u in t.updates}

        def pre_state_only(e: ir.Expr) -> bool:
            return not any(isinstance(x, (ir.LetRef, ir.Param, ir.Accepted))
                           or (isinstance(x, (ir.Var, ir.StateRef)) and x.post)
                           for x in subexpressions(e))

        common = shared(everything, pre_state_only)
        temps = {e: f"c_{i}" for i, e in enumerate(common)}
        printer = self.printer(self.tick_scope())
        printer.shared = temps
        plain = self.printer(self.tick_scope())

        def target_of(var: str) -> str:
            return ("n_" + self.var_prop[var]) if var in tick_updated else "self." + self.var_attr[var]

        updates, stores = [], []
        for u in m.tick_updates:
            if u.var in overridden:
                updates.append({"cond": None, "target": "n_" + self.var_prop[u.var],
                                "value": printer.print(u.value)})
                stores.append(("self." + self.var_attr[u.var], "n_" + self.var_prop[u.var]))
                continue
            target = "self." + self.var_attr[u.var]
            same = ir.Var(u.var, m.variable(u.var).type)
            e = u.value
            if isinstance(e, ir.Cond) and e.orelse == same:
                updates.append({"cond": printer.print(e.cond), "target": target,
                                "value": printer.print(e.then)})
            elif isinstance(e, ir.Cond) and e.then == same:
                updates.append({"cond": "not " + printer.print_at(e.cond, NOT), "target": target,
                                "value": printer.print(e.orelse)})
            else:
                updates.append({"cond": None, "target": target, "value": printer.print(e)})

        groups: list[dict] = []  # consecutive updates under the same condition share an `if`
        for u in updates:
            if u["cond"] is not None and groups and groups[-1]["cond"] == u["cond"]:
                groups[-1]["assigns"].append(AssignView(u["target"], u["value"]))
            else:
                groups.append({"cond": u["cond"], "assigns": [AssignView(u["target"], u["value"])]})

        transitions = []
        for t in tick_ts:
            view = self.transition_view(t, printer, target_of)
            view.temps, view.assigns = [], [AssignView(target_of(u.var), printer.print(u.value))
                                            for u in t.updates]  # reads are locals: no hazard
            transitions.append((self.state_test("state", t.sources), view))
        read = set(variables_read(everything))
        read_by_lets = set(variables_read(let.value for let in m.tick_lets))
        return {
            "loads": [(self.var_prop[v.name], self.var_attr[v.name]) for v in m.variables
                      if v.name in read],
            "shared": [(name, printer.print_definition(e)) for e, name in temps.items()],
            "lets": [("l_" + self.let_id[let.name], printer.print(let.value),
                      ir_comment(let.name, let.value)) for let in lets],
            "all_lets": [(self.let_id[let.name], "l_" + self.let_id[let.name],
                          plain.print(let.value), let.name) for let in m.tick_lets],
            "all_loads": [(self.var_prop[v.name], self.var_attr[v.name]) for v in m.variables
                          if v.name in read_by_lets],
            "reads_state": reads_state(everything) or bool(tick_ts),
            "all_reads_state": reads_state(let.value for let in m.tick_lets),
            "updates": groups,
            "stores": stores,
            "transitions": transitions,
            "result": ["l_" + self.let_id[name] for name in step_lets],
        }

    # ------------------------------------------------------------ render

    def render(self) -> str:
        m = self.m
        events = [self.event_view(e) for e in m.events]
        self_printer = self.printer(self.self_scope())
        post_printer = self.printer(Scope(var=lambda name, post: "self." + self.var_attr[name],
                                          state=lambda post: "self._state"))
        properties = []
        for p in m.properties:
            kind = {ir.Invariant: "invariant", ir.Assertion: "assertion",
                    ir.Response: "response", ir.Recovery: "recovery"}[type(p)]
            properties.append((p.id, kind, p.text))
        invariants = [CheckView(i, prop_label(p), None, self_printer.print_at(p.expr, NOT))
                      for i, p in enumerate(m.properties) if isinstance(p, ir.Invariant)]
        responses = [ResponseView(slot, position, prop_label(r), r.within,
                                  post_printer.print(r.response))
                     for slot, (position, r) in enumerate(self.responses())]
        enums = []
        for t in (*m.enums, m.state_type):
            enums.append({
                "cls": self.enum_class[t.name],
                "doc": "The control states (encoding shared with the Verilog block)."
                if t is m.state_type else f"Encoding of the spec's enum {self.enum_class[t.name]}.",
                "members": [(identifier(mem), i, self.enum_consts[(t.name, i)])
                            for i, mem in enumerate(t.members)],
                "is_state": t is m.state_type,
            })
        variables = []
        for v in m.variables:
            t = v.type
            if isinstance(t, ir.EnumType):
                cls = self.enum_class[t.name]
                annotation, getter = cls, f"{python_enum_members_tuple(cls)}[self.{self.var_attr[v.name]}]"
            elif isinstance(t, ir.BoolType):
                annotation, getter = "bool", f"self.{self.var_attr[v.name]}"
            else:
                annotation, getter = "int", f"self.{self.var_attr[v.name]}"
            variables.append({
                "name": v.name, "prop": self.var_prop[v.name], "attr": self.var_attr[v.name],
                "quantity": self.quantity(t.quantity if isinstance(t, ir.IntType) else None),
                "annotation": annotation, "getter": getter,
                "init": self_printer.literal(v.init, t)[0],
                "persistent": v.persistent,
                "doc": describe_variable(v),
            })
        tick = self.tick_view()
        reasons = [(r.code, r.text, r.requirement) for r in m.reasons]
        step_fields = ["total", *(self.source_field[s.name] for s in m.motor.sources)]
        imports, runtime = runtime_parts()
        env = template_env(__package__)
        env.filters["py"] = python_literal
        env.filters["comment"] = python_comment
        text = env.get_template("controller.py.j2").render(
            imports=import_lines(imports, SPEC_PART_IMPORTS),
            runtime=runtime,
            banner=banner_lines(m),
            pump=m.name,
            cls=self.class_name,
            spec_file=display_path(m.source_file),
            spec_hash=m.source_hash,
            version=__version__,
            units_per_step=fraction_text(m.step_units),
            seconds_per_tick=fraction_text(m.tick_seconds),
            enums=enums,
            initial=self.state_const(m.initial),
            initial_member=identifier(m.initial),
            variables=variables,
            events=events,
            user_events=[e for e in events if e.kind == "user"],
            reasons=reasons,
            builtin_reasons=list(zip(BUILTIN_REASON_NAMES,
                                     (r.code for r in ir.BUILTIN_REASONS), strict=True)),
            properties=properties,
            checks=[(c.id, c.kind, c.text) for c in self.checks],
            check_base=len(m.properties),
            observed_vars=[(position, self.var_prop[name])
                           for name, position in self.range_checks.items()],
            observed_lets=[(position, self.let_id[name])
                           for name, position in self.let_checks.items()]
            + ([(self.motor_check, self.let_id[m.motor.steps_let])]
               if self.motor_check is not None else []),
            completeness=list(self.completeness_checks.items()),
            recoveries=self.recovery_views(post_printer),
            invariants=invariants,
            responses=responses,
            transitions=[(t.index, t.label) for t in m.transitions],
            tick=tick,
            step_fields=step_fields,
            # every TickSteps field counts motor steps; then `transition`, an index
            step_quantities=[self.quantity(ir.Quantity(VOLUME, Fraction(1)))] * len(step_fields)
            + ["None"],
            lets=[self.let_id[let.name] for let in m.tick_lets],
            let_quantities=[self.quantity(let.quantity) for let in m.tick_lets],
            motor_enabled=self_printer.print(m.motor.enabled),
            any_alarm=self_printer.print(m.any_alarm),
            frozensets=[(name, [self.enum_consts[(m.state_type.name, i)] for i in key])
                        for key, name in sorted(self.frozensets.items(), key=lambda kv: kv[1])],
            api_units=self.api_units_view(),
        )
        # the frozensets are named while rendering views above; they are rendered last
        return text


    # ------------------------------------------------------------ units at the API

    def api_units_view(self) -> dict:
        """The machine-readable tables of runtime.py's "units at the API" section, as
        Python source: the spec's unit table, each event's parameters and each variable
        as a ``Domain``, each motor source as a ``SourceInfo``."""
        m = self.m
        base = BaseUnits(m.step_units or None, m.tick_seconds, None)
        units = []
        for name in KNOWN_UNITS:  # the language's unit table (compiler/units.py)
            got = base.unit_in_base(name)
            if not isinstance(got, str):  # not a unit this spec lacks (cycles, steps)
                units.append((name, f"({got[0]!r}, {fraction_text(got[1])})"))
        events = [(e.name, e.code, str(e.kind), [(p.name, domain_source(p.name, p.type, base))
                                            for p in e.params]) for e in m.events]
        variables = [(v.name, domain_source(v.name, v.type, base)) for v in m.variables]
        sources = []
        for s in m.motor.sources:
            limit = self.var_prop[s.limit.name] if isinstance(s.limit, ir.Var) else None
            sources.append((s.name, f"SourceInfo({python_literal(s.name)}, "
                                    f"{python_literal(self.source_field[s.name])}, "
                                    f"{python_literal(self.let_id[s.raw.name])}, "
                                    f"{python_literal(self.let_id[s.steps.name])}, "
                                    f"{python_literal(limit)})"))
        return {"units": units, "events": events, "variables": variables, "sources": sources}


def reference_unit(dim: tuple[int, ...]) -> str:
    """The unit people read a dimension in: a rate in U/h (the pumps' convention, as
    units.format_quantity prints it), else the unit of the language's table whose size
    is 1 in reference units (U, s, ...); "" for a plain number."""
    if dim == NONE:
        return ""
    if dim == RATE:
        return "U/h"
    reference = BaseUnits(Fraction(1), Fraction(1), None)  # base units = reference units
    for name in KNOWN_UNITS:
        got = reference.unit_in_base(name)
        if name not in BASE_ALIASES and not isinstance(got, str) and got == (dim, 1):
            return name
    raise BackendError(f"internal error: no reference unit for the dimension {dim}")


def reference_size(dim: tuple[int, ...], base: BaseUnits) -> Fraction:
    """The size of one reference unit of ``dim`` in this spec's base units."""
    if dim == NONE:
        return Fraction(1)
    name = reference_unit(dim)
    parts = [base.unit_in_base(part) for part in ([name] if name in KNOWN_UNITS else name.split("/"))]
    if any(isinstance(part, str) for part in parts):
        raise BackendError(f"internal error: {reference_unit(dim)} has no size in this spec's "
                           "base units")
    size = parts[0][1]
    return size / parts[1][1] if len(parts) == 2 else size


def domain_source(name: str, t: ir.Type, base: BaseUnits) -> str:
    """``Domain(...)`` for a declared parameter or variable type (runtime.Domain)."""
    if isinstance(t, ir.BoolType):
        fields = ("bool", 0, 1, "", NONE, Fraction(1), "", Fraction(1), ())
    elif isinstance(t, ir.EnumType):
        fields = ("enum", 0, len(t.members) - 1, "", NONE, Fraction(1), "", Fraction(1),
                  t.members)
    else:
        dim, scale = (t.quantity.dim, t.quantity.scale) if t.quantity else (NONE, Fraction(1))
        fields = ("int", t.lo, t.hi, t.unit, dim, scale, reference_unit(dim),
                  scale / reference_size(dim, base), ())
    kind, lo, hi, unit, dim, scale, reference, resolution, members = fields
    members_text = "".join(f"{python_literal(x)}, " for x in members)
    return (f"Domain({python_literal(name)}, {python_literal(kind)}, {lo}, {hi}, "
            f"{python_literal(unit)}, {dim!r}, {fraction_text(scale)}, "
            f"{python_literal(reference)}, {fraction_text(resolution)}, ({members_text}), UNITS)")


def ir_comment(name: str, e: ir.Expr) -> str | None:
    """The IR form of an expression whose Python form is hard to read (inlined min/max)."""
    if not any(isinstance(x, ir.MinMax) and len(x.args) > 2 or
               isinstance(x, ir.MinMax) and any(isinstance(a, ir.MinMax) for a in x.args)
               for x in subexpressions(e)):
        return None
    from ...ir.printer import IrPrinter
    return f"{name} = {IrPrinter().expr(e)}"


def python_literal(value: object) -> str:
    """A str/int/bool/None as Python source (``repr`` is deterministic for these): the one
    way spec text becomes a string literal or a docstring of the generated module. The
    literal is one line of printable characters whatever the text (quotes, backslashes,
    newlines and NUL are escaped), so it ends where it should and evaluates to the text."""
    if not isinstance(value, (str, int, bool, type(None))):
        raise TypeError(f"internal error: no literal for {value!r}")
    return repr(value)


def python_comment(text: str) -> str:
    """``text`` for a ``#`` comment: the inside of its :func:`python_literal`, so one line
    without NUL (a newline in the spec cannot end the comment and start code)."""
    return python_literal(text)[1:-1]


@functools.cache
def runtime_parts() -> tuple[dict[str, tuple[str, ...]], str]:
    """The runtime module as the template copies it: what it imports (module -> names)
    and its source after the imports."""
    source = resources.files(__package__).joinpath("runtime.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    imports: dict[str, tuple[str, ...]] = {}
    last = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports[node.module] = tuple(a.name for a in node.names)
            last = node.end_lineno or node.lineno
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            break  # the docstring, then only ``from X import ...`` lines
    if any(isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno > last
           for node in ast.walk(tree)):
        raise AssertionError("internal error: runtime.py imports below its import block")
    return imports, "\n".join(source.splitlines()[last:]).strip()


def import_lines(*imports: dict[str, tuple[str, ...]]) -> list[str]:
    """One ``from X import a, b`` line per module (sorted; ``__future__`` first)."""
    merged: dict[str, set[str]] = {}
    for table in imports:
        for module, names in table.items():
            merged.setdefault(module, set()).update(names)
    future = merged.pop("__future__", set())
    lines = [f"from __future__ import {', '.join(sorted(future))}", ""] if future else []
    return lines + [f"from {module} import {', '.join(sorted(merged[module]))}"
                    for module in sorted(merged)]


def fraction_text(f: Fraction) -> str:
    return f"Fraction({f.numerator}, {f.denominator})"


def describe_type(t: ir.Type) -> str:
    if isinstance(t, ir.IntType):
        return f"{t.lo}..{t.hi}" + (f" {t.unit}" if t.unit else "")
    return str(t)


def describe_variable(v: ir.Variable) -> str:
    parts = [describe_type(v.type)]
    if v.role != "var":
        parts.append(v.role)
    if v.persistent:
        parts.append("persistent")
    if v.doc:
        parts.append(v.doc)
    return "; ".join(parts)


def prop_label(p: ir.Property) -> str:
    return f"{p.id} ({type(p).__name__.lower()}): {p.text}"


def emit(module: ir.Module) -> dict[str, str]:
    """``{"<pump_snake>.py": source}`` for ``module``."""
    return {f"{python_module_stem(module.name)}.py": _Generator(module).render()}


def module_filename(module: ir.Module) -> str:
    return f"{python_module_stem(module.name)}.py"
