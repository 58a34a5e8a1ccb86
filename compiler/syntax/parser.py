"""Text -> surface AST. Syntax errors become diagnostics; several per run.

Recovery: after an error, the item that holds it (from the last line that starts with an
item keyword up to the next such line) is blanked out, keeping every offset, and the
text is parsed again. Semantic analysis runs only on a spec without syntax errors.
"""
from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..diagnostics import Diagnostic
from ..source import Span
from ..units import KNOWN_UNITS, MAX_NUMBER_DIGITS
from . import ast

ITEM_KEYWORDS = ("pump", "units", "enum", "const", "persistent", "var", "alarm", "alert", "motor",
                 "window", "state", "event", "on", "every", "invariant", "assert", "accepts", "respond",
                 "recover", "requirement", "hazard")
_ITEM_START = re.compile(r"^[ \t]*(%s)\b" % "|".join(ITEM_KEYWORDS), re.M)
MAX_SYNTAX_ERRORS = 20
_UNIT_LOOKBACK = 64  # characters before a failed token searched for `NUMBER word`
MAX_TREE_DEPTH = 400  # parse-tree levels; deeper input would exhaust Python's recursion

_FRIENDLY = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a quoted string",
    "REQ": "a requirement id like PS-01", "COMPARE": "a comparison", "ADD_OP": "`+` or `-`",
    "TIMES": "`*`, `div` or `mod`", "DIV": "`*`, `div` or `mod`", "MOD": "`*`, `div` or `mod`",
    "UNIT": "a unit", "FUNC": "min, max, floor or ceil",
    "FLAG": "`alarm` or `alert`", "PERSISTENT": "`persistent`", "INITIAL": "`initial`",
    "HOLD": "`hold`", "_DO": "`do`", "$END": "end of file",
}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text()
    # cache=True: Lark stores the built LALR tables in the temp directory, keyed by the
    # grammar's hash and Lark's version, so only the first run pays for building them.
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True, cache=True)


def parse(text: str, file: str) -> tuple[ast.Spec | None, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    work = text
    for _ in range(MAX_SYNTAX_ERRORS):
        try:
            tree = _lark().parse(work)
        except UnexpectedInput as exc:
            diag, offset = _syntax_diagnostic(exc, work, file)
            diagnostics.append(diag)
            blanked = _blank_item(work, offset)
            if blanked == work:
                break
            work = blanked
            continue
        if diagnostics:
            return None, sorted(diagnostics, key=lambda d: d.span.start)
        too_deep = _deeper_than(tree, MAX_TREE_DEPTH)
        if too_deep is not None:
            span = Span.at(text, file, too_deep.meta.start_pos, too_deep.meta.end_pos - too_deep.meta.start_pos)
            return None, [Diagnostic("E0005", "expression nested too deeply to read", span,
                                     help="split it with constants or intermediate variables")]
        try:
            spec = _ToAst(text, file).transform(tree)
        except VisitError as exc:  # number/unit forms the grammar lets through
            if isinstance(exc.orig_exc, _AstError):
                return None, [exc.orig_exc.diagnostic]
            raise
        return spec, []
    return None, diagnostics


def _deeper_than(tree, limit: int):
    """The first subtree found deeper than ``limit`` levels (iteratively), or None."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        stack.extend((child, depth + 1) for child in getattr(node, "children", ())
                     if hasattr(child, "children"))
    return None


def _blank_item(text: str, offset: int) -> str:
    """Replace the item around ``offset`` with spaces (newlines kept)."""
    starts = [m.start(1) for m in _ITEM_START.finditer(text)]
    begin = max((s for s in starts if s <= offset), default=0)
    end = min((s for s in starts if s > offset), default=len(text))
    if begin == end:
        return text
    chunk = re.sub(r"[^\n]", " ", text[begin:end])
    return text[:begin] + chunk + text[end:]


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    """The grammar's words (`else`, `tick`, `during`, ...): a word after a number that is
    one of these is no misspelt unit."""
    return frozenset(t.pattern.value for t in _lark().terminals
                     if t.pattern.type == "str" and t.pattern.value.isidentifier()) | set(KNOWN_UNITS)


def _describe_expected(names) -> str:
    lark = _lark()
    words = []
    for name in sorted(set(names)):
        if name in _FRIENDLY:
            words.append(_FRIENDLY[name])
            continue
        try:
            pattern = lark.get_terminal(name).pattern
        except KeyError:
            words.append(name.lower())
            continue
        words.append(f"`{pattern.value}`" if pattern.type == "str" else name.lower())
    words = sorted(set(words))
    if len(words) > 8:
        return ", ".join(words[:8]) + f" or one of {len(words) - 8} more"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _unterminated_comment(exc: UnexpectedInput, text: str) -> int | None:
    """Where the block comment starts that the error is in, if it is one: a `/*` the
    lexer could not end (no `*/` follows) reaches the parser as `/` and `*`, and the
    error is at either of them."""
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream
    elif isinstance(exc, UnexpectedToken) and exc.token.start_pos is not None:
        offset = exc.token.start_pos
    else:
        return None
    for start in (offset, offset - 1):
        if start >= 0 and text.startswith("/*", start):
            return start
    return None


def _parses(text: str) -> bool:
    try:
        _lark().parse(text)
    except UnexpectedInput:
        return False
    return True


def _syntax_diagnostic(exc: UnexpectedInput, text: str, file: str) -> tuple[Diagnostic, int]:
    comment = _unterminated_comment(exc, text)
    if comment is not None:
        return Diagnostic("E0003", "unexpected end of file inside a block comment",
                          Span.at(text, file, comment, 2), label="this comment is never closed",
                          help="end a block comment with `*/`"), comment
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        exc = UnexpectedEOF(exc.expected)
    if isinstance(exc, UnexpectedEOF):
        stripped = len(text.rstrip())
        if stripped == 0:
            return Diagnostic("E0003", "the spec is empty", Span.at(text, file, 0, 0),
                              help="a spec starts with `pump NAME`"), len(text)
        span = Span.at(text, file, max(stripped - 1, 0), 1)
        expected = _describe_expected(exc.expected)
        return Diagnostic("E0003", "unexpected end of file", span, label=f"expected {expected} after this",
                          help="the last item is incomplete"), len(text)
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream
        char = text[offset]
        span = Span.at(text, file, offset, 1)
        allowed = exc.allowed or set()
        label = f"expected {_describe_expected(allowed)}" if allowed else "not part of the language"
        help_text = None
        if char == '"':
            help_text = "strings end on the same line with a closing `\"`"
        elif char == "/":
            help_text = "division is written `div` (floor division); `//` starts a comment"
        elif not char.isascii():
            help_text = ("names are ASCII letters, digits and `_`, starting with a letter "
                         "(comments and strings may hold any text)")
        return Diagnostic("E0002", f"unexpected character `{char}`", span, label=label, help=help_text), offset
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    offset = tok.start_pos if tok.start_pos is not None else 0
    previous = re.search(r"(\w+)[ \t]*$", text[:offset])
    if (previous is not None and previous.group(1) in ITEM_KEYWORDS
            and _ITEM_START.match(text, text.rfind("\n", 0, previous.start(1)) + 1)
            and not _parses(text[:previous.start(1)])):
        # An incomplete item swallowed the next item's keyword as a name. (When the items
        # before the keyword parse, its own item is the broken one: reported below.)
        span = Span.at(text, file, previous.start(1), len(previous.group(1)))
        return Diagnostic("E0001", f"unexpected `{previous.group(1)}`", span,
                          label="a new item starts here, but the one before it is incomplete",
                          help="finish the previous item"), max(previous.start(1) - 1, 0)
    offset = tok.start_pos if tok.start_pos is not None else 0
    span = Span.at(text, file, offset, max(len(str(tok)), 1))
    expected = _describe_expected(exc.accepts or exc.expected)
    before = re.search(r"[0-9][ \t]*$", text[:offset])
    if tok.type == "NAME" and before is not None:
        return Diagnostic("E0109", f"unknown unit `{tok}`", span, label="not a unit",
                          help=f"units: {', '.join(KNOWN_UNITS)}"), offset
    # `N word` where `word` is no unit: in a `key = value` block (units, motor) the word
    # was taken for the next key, and the token after it failed. Only the last
    # _UNIT_LOOKBACK characters are searched (a regex anchored at the end of a long text
    # would try every start: quadratic)
    tail_start = max(0, offset - _UNIT_LOOKBACK)
    after_number = re.search(r"[0-9][ \t]*([A-Za-z_]\w*)\s*$", text[tail_start:offset])
    if after_number is not None and after_number.group(1) not in _keywords():
        word, start = after_number.group(1), tail_start + after_number.start(1)
        return Diagnostic("E0109", f"unknown unit `{word}`", Span.at(text, file, start, len(word)),
                          label="not a unit", help=f"units: {', '.join(KNOWN_UNITS)}"), start
    if _ITEM_START.match(text, text.rfind("\n", 0, offset) + 1) and \
            not text[text.rfind("\n", 0, offset) + 1:offset].strip():
        # the token starts the next item: the item before it is the incomplete one, and
        # recovery drops that one (not the well-formed item the token starts)
        return Diagnostic("E0001", f"unexpected `{tok}`", span, label=f"expected {expected}",
                          help="the item before this one is incomplete"), max(offset - 1, 0)
    help_text = None
    if str(tok) == "->":
        help_text = "the target follows the source states: `on EVENT from STATE -> TARGET when ...`"
    if tok.type == "NAME" and str(tok) in ("in",):
        help_text = "a motor source lists its states after `during`"
    if str(tok) == "/":
        help_text = "division is written `div` (floor division); `/` only appears in units like U/h"
    line_before = text[text.rfind("\n", 0, offset) + 1:offset]
    if str(tok) == ")" and re.match(r"\s*event\s+\w+\s*\($", line_before):
        help_text = "an event without parameters is declared without parentheses: `event start`"
    if str(tok) == "=" and "COMPARE" in (exc.accepts or exc.expected):
        help_text = "compare with `==`; assign with `:=` after `do`"
    return Diagnostic("E0001", f"unexpected `{tok}`", span, label=f"expected {expected}",
                      help=help_text), offset


class _AstError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def _strip(s: Token) -> str:
    return str(s)[1:-1]


@v_args(meta=True)
class _ToAst(Transformer):
    """Lark tree -> ast nodes. Positions: Lark lines/cols are 1-based, offsets 0-based."""

    def __init__(self, text: str, file: str):
        super().__init__()
        self.text = text
        self.file = file

    # -- positions

    def _span(self, meta) -> Span:
        return Span(self.file, meta.start_pos, meta.end_pos, meta.line, meta.column,
                    meta.end_line, meta.end_column)

    def _tok_span(self, tok: Token) -> Span:
        return Span(self.file, tok.start_pos, tok.end_pos, tok.line, tok.column,
                    tok.end_line, tok.end_column)

    def _ident(self, tok: Token) -> ast.Ident:
        return ast.Ident(str(tok), self._tok_span(tok))

    def _trailing_comment(self, meta) -> str:
        end = self.text.find("\n", meta.end_pos)
        rest = self.text[meta.end_pos:end if end >= 0 else len(self.text)]
        at = rest.find("//")
        return rest[at + 2:].strip() if at >= 0 else ""

    # -- top level

    def start(self, meta, children):
        name, *items = children
        return ast.Spec(name, tuple(items), self.file, self.text)

    def pump_decl(self, meta, children):
        return self._ident(children[0])

    def name_list(self, meta, children):
        return tuple(self._ident(t) for t in children)

    # -- declarations

    def units_block(self, meta, children):
        return ast.UnitsBlock(tuple(children), self._span(meta))

    def unit_def(self, meta, children):
        return (self._ident(children[0]), children[1])

    def enum_decl(self, meta, children):
        name, *members = children
        return ast.EnumDecl(self._ident(name), tuple(self._ident(m) for m in members), self._span(meta))

    def const_decl(self, meta, children):
        return ast.ConstDecl(self._ident(children[0]), children[1], self._span(meta))

    def table_decl(self, meta, children):
        name, enum, *entries = children
        return ast.TableDecl(self._ident(name), self._ident(enum), tuple(entries), self._span(meta))

    def table_entry(self, meta, children):
        return (self._ident(children[0]), children[1])

    def var_decl(self, meta, children):
        persistent, name, type_, init = children
        return ast.VarDecl(self._ident(name), type_, init, persistent is not None,
                           self._trailing_comment(meta), self._span(meta))

    def flag_decl(self, meta, children):
        persistent, kind, name = children
        return ast.FlagDecl(str(kind), self._ident(name), persistent is not None,
                            self._trailing_comment(meta), self._span(meta))

    def range_type(self, meta, children):
        return ast.RangeType(children[0], children[1], self._span(meta))

    def named_type(self, meta, children):
        return ast.NamedType(self._ident(children[0]), self._span(meta))

    def table_type(self, meta, children):
        return ast.TableType(children[0], children[1], children[2], self._span(meta))

    def motor_block(self, meta, children):
        pick = lambda tag: tuple(c[1] for c in children if c[0] == tag)  # noqa: E731
        return ast.MotorBlock(pick("setting"), pick("moves"), pick("budget"), pick("source"),
                              pick("limiter"), pick("watchdog"), self._span(meta))

    def motor_setting(self, meta, children):
        return ("setting", (self._ident(children[0]), children[1]))

    def motor_moves(self, meta, children):
        return ("moves", children[0])

    def motor_budget(self, meta, children):
        return ("budget", self._ident(children[0]))

    def motor_source(self, meta, children):
        name, rate, states, limit, hold = children
        return ("source", ast.MotorSource(self._ident(name), rate, states, limit, hold is not None,
                                          self._span(meta)))

    def motor_limiter(self, meta, children):
        return ("limiter", (self._ident(children[0]), children[1], children[2]))

    def motor_watchdog(self, meta, children):
        return ("watchdog", (self._ident(children[0]), children[1]))

    def window_decl(self, meta, children):
        name, buckets, length, limit, counts = children
        return ast.WindowDecl(self._ident(name), buckets, length, limit, counts, self._span(meta))

    def state_decl(self, meta, children):
        name, initial, policy = children
        return ast.StateDecl(self._ident(name), initial is not None, policy, self._span(meta))

    def reject_policy(self, meta, children):
        req, text = children
        return ast.PolicyDecl("reject", self._ident(req) if req else None, _strip(text), self._span(meta))

    def ignore_policy(self, meta, children):
        return ast.PolicyDecl("ignore", None, "", self._span(meta))

    def event_decl(self, meta, children):
        name, *params = children
        return ast.EventDecl(self._ident(name), tuple(p for p in params if p is not None), self._span(meta))

    def param(self, meta, children):
        return ast.ParamDecl(self._ident(children[0]), children[1], self._span(meta))

    # -- behaviour

    def transition(self, meta, children):
        event, sources, target, *rest = children
        guards = tuple(c for c in rest if isinstance(c, ast.GuardDecl))
        updates = next((c for c in rest if isinstance(c, tuple)), ())
        return ast.TransitionDecl(self._ident(event), sources, self._ident(target) if target else None,
                                  guards, updates, self._span(meta))

    def guard(self, meta, children):
        cond, req, text = children
        return ast.GuardDecl(cond, self._ident(req) if req else None,
                             _strip(text) if text is not None else None, self._span(meta))

    def event_reject(self, meta, children):
        event, sources, req, text = children
        policy = ast.PolicyDecl("reject", self._ident(req) if req else None, _strip(text), self._span(meta))
        return ast.EventPolicyDecl(self._ident(event), sources, policy, self._span(meta))

    def event_ignore(self, meta, children):
        event, sources = children
        policy = ast.PolicyDecl("ignore", None, "", self._span(meta))
        return ast.EventPolicyDecl(self._ident(event), sources, policy, self._span(meta))

    def every_tick(self, meta, children):
        return ast.EveryTick(self._ident(children[0]), children[1], self._span(meta))

    def updates(self, meta, children):
        return tuple(children)

    def update(self, meta, children):
        return ast.Assign(self._ident(children[0]), children[1], self._span(meta))

    def element_update(self, meta, children):
        return ast.Assign(self._ident(children[0]), children[2], self._span(meta), index=children[1])

    # -- properties

    def invariant(self, meta, children):
        req, text, expr = children
        return ast.InvariantDecl(self._ident(req), _strip(text), expr, self._span(meta))

    def assertion(self, meta, children):
        req, text, events, states, expr = children
        return ast.AssertionDecl(self._ident(req), _strip(text), events, states or (), expr,
                                 self._span(meta))

    def acceptance(self, meta, children):
        req, text, events, states = children
        return ast.AcceptsDecl(self._ident(req), _strip(text), events, states, self._span(meta))

    def response(self, meta, children):
        req, text, event, trigger, resp, within = children
        return ast.ResponseDecl(self._ident(req), _strip(text), self._ident(event), trigger, resp,
                                within, self._span(meta))

    def recovery(self, meta, children):
        req, text, target, *calls = children
        return ast.RecoveryDecl(self._ident(req), _strip(text), target, tuple(calls), self._span(meta))

    # -- hazard analysis

    def requirement_decl(self, meta, children):
        req, *texts = children
        return ast.RequirementDecl(self._ident(req), " ".join(_strip(t) for t in texts), self._span(meta))

    def hazard_decl(self, meta, children):
        ident, harm, severity, *causes = children
        return ast.HazardDecl(self._ident(ident), _strip(harm), self._ident(severity), tuple(causes),
                              self._span(meta))

    def cause(self, meta, children):
        text, controls, outside = children
        return ast.CauseDecl(_strip(text), controls or (), outside, self._span(meta))

    def outside_control(self, meta, children):
        requirements, where = children
        return ast.OutsideControl(requirements or (), _strip(where), self._span(meta))

    def req_list(self, meta, children):
        return tuple(self._ident(t) for t in children)

    def call(self, meta, children):
        name, *args = children
        return ast.CallDecl(self._ident(name), tuple(a for a in args if a is not None), self._span(meta))

    def call_arg(self, meta, children):
        return (self._ident(children[0]), children[1])

    # -- expressions

    def name(self, meta, children):
        return ast.Name(str(children[0]), self._span(meta))

    def number(self, meta, children):
        tok, unit = children
        digits = sum(c.isdigit() for c in tok)
        if digits > MAX_NUMBER_DIGITS:
            raise _AstError(Diagnostic(
                "E0006", f"a number of {digits} digits, more than {MAX_NUMBER_DIGITS}", self._tok_span(tok),
                label="too long", help="write the quantity in a larger or smaller unit"))
        return ast.Number(Fraction(str(tok)), str(tok), unit, self._span(meta))

    def unit(self, meta, children):
        num, den = children
        return ast.Unit(str(num), str(den) if den is not None else None, self._span(meta))

    def true(self, meta, children):
        return ast.BoolLit(True, self._span(meta))

    def false(self, meta, children):
        return ast.BoolLit(False, self._span(meta))

    def call_fn(self, meta, children):
        fn, *args = children
        return ast.FnCall(str(fn), tuple(args), self._span(meta))

    def next_(self, meta, children):
        return ast.Next(children[0], self._span(meta))

    def if_(self, meta, children):
        return ast.IfThen(children[0], children[1], children[2], self._span(meta))

    def index(self, meta, children):
        return ast.IndexOf(children[0], children[1], self._span(meta))

    def field(self, meta, children):
        return ast.FieldOf(children[0], self._ident(children[1]), self._span(meta))

    def neg(self, meta, children):
        return ast.UnaryOp("neg", children[0], self._span(meta))

    def not_(self, meta, children):
        return ast.UnaryOp("not", children[0], self._span(meta))

    def _binary(self, meta, op: str, left, right, op_tok=None):
        op_span = self._tok_span(op_tok) if op_tok is not None else self._span(meta)
        return ast.BinaryOp(op, left, right, op_span, self._span(meta))

    def arith(self, meta, children):
        left, op, right = children
        return self._binary(meta, str(op), left, right, op)

    def compare(self, meta, children):
        left, op, right = children
        return self._binary(meta, str(op), left, right, op)

    def and_(self, meta, children):
        return self._binary(meta, "and", *children)

    def or_(self, meta, children):
        return self._binary(meta, "or", *children)

    def implies(self, meta, children):
        return self._binary(meta, "implies", *children)

    def member_of(self, meta, children):
        return ast.MemberOf(children[0], children[1], self._span(meta))

    def not_member_of(self, meta, children):
        """``x not in {A, B}`` is ``not (x in {A, B})``."""
        return ast.UnaryOp("not", self.member_of(meta, children), self._span(meta))
