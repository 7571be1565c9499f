"""The LALR parser: lark builds the tables once per process; we run them.

Lark gives us the parse table (cached on disk by lark between processes) and,
for each grammar rule, which children its reduction keeps. We turn those into
our own table (`_Tables`), where a reduction calls its `to_ast.ToAst` method
with the parse's builder passed in, so one table serves every parse and
thread. The token loop is ours too, because Rego's tokens depend on where the
parser is (see grammar/rego.lark): before a token goes in, `Driver` asks the
table whether the parser can take it. The driver also reads the import
statements as they go by and records them in the parse's context, whose
dialect then decides which words are keywords.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

from lark import Lark, Token, Tree
from lark.lexer import Lexer
from lark.exceptions import UnexpectedToken
from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders, ExpandSingleChild, ParseTreeBuilder
from lark.parsers.lalr_analysis import Shift

import regolite
from regolite.errors import RegoParseError
from regolite.parser.context import ParseContext
from regolite.parser.lexer import RawToken, Source, scan
from regolite.parser.syntax_errors import describe_unexpected
from regolite.parser.to_ast import ToAst

GRAMMAR_FILE = "rego.lark"
START_SYMBOLS = ("module", "rules_tail", "query_start", "expr_start")

# Tokens after which `[` indexes and `(` calls when nothing separates them.
_TERM_ENDS = frozenset({"NAME", "STRING", "RAWSTRING", "TEMPLATE", "RBRACK", "RPAREN", "RBRACE"})
# Tokens that continue the path of an import statement (`future.keywords["in"]`).
_IMPORT_PATH_TOKENS = frozenset({"NAME", "DOT", "REFBRACK", "STRING", "RAWSTRING", "RBRACK"})


def grammar_text() -> str:
    """The grammar: from the installed package, else from a source checkout's grammar/."""
    try:
        return resources.files("regolite.grammar").joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        here = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_FILE
        return here.read_text(encoding="utf-8")


class Reduction(NamedTuple):
    """What the parser does when it reduces a grammar rule."""

    size: int  # how many symbols it takes off the stack
    origin: str  # the nonterminal it pushes
    build: Callable[[Optional[ToAst], list], Any]  # (builder, children) -> the value pushed


class _Tables:
    """The LALR table, built on first use and then only read.

    `actions[state][symbol]` is the next state (an int) for a shift or a goto,
    or the Reduction to make.
    """

    _lock = threading.Lock()
    _built: Optional["_Tables"] = None

    def __init__(self) -> None:
        lark = Lark(
            grammar_text(),
            parser="lalr",
            lexer=_NoLexer,
            start=list(START_SYMBOLS),
            maybe_placeholders=False,
            cache=_cache_path(),
        )
        parse_table = lark.parser.parser.parser.parse_table  # frontend -> LALR_Parser -> _Parser
        tree_builder = ParseTreeBuilder(lark.rules, Tree, propagate_positions=False, ambiguous=False)
        reductions = {
            rule: Reduction(len(rule.expansion), rule.origin.name, _reduction_builder(rule, wrappers))
            for rule, wrappers in tree_builder.rule_builders
        }
        self.actions: dict[int, dict[str, Any]] = {
            state: {symbol: arg if action is Shift else reductions[arg] for symbol, (action, arg) in row.items()}
            for state, row in parse_table.states.items()
        }
        self.start_states: dict[str, int] = dict(parse_table.start_states)
        self.end_states: dict[str, int] = dict(parse_table.end_states)
        self.terminals = sorted({k for row in self.actions.values() for k in row if k.isupper()})

    @classmethod
    def get(cls) -> "_Tables":
        if cls._built is None:
            with cls._lock:
                if cls._built is None:
                    cls._built = cls()
        return cls._built


def _reduction_builder(rule, wrappers) -> Callable[[Optional[ToAst], list], Any]:
    """How a reduction of `rule` builds its value, as lark would with ToAst as the transformer.

    The ToAst method named after the rule (or its alias) gets the builder and
    the children; a rule without one makes a lark Tree (only `_`/`__` rules,
    whose children their parent's filter inlines). Lark's wrappers decide the
    children: a child filter keeps some and inlines those `_` rules, and a
    `?rule` with one child is that child.
    """
    name = rule.alias or rule.options.template_source or rule.origin.name
    method = getattr(ToAst, name, None)
    if method is None:
        def node(builder, children):
            return Tree(name, children)
    else:
        node = method
    if not wrappers:
        return node
    (wrapper,) = wrappers
    if wrapper is ExpandSingleChild:
        def single_child_or_node(builder, children):
            return children[0] if len(children) == 1 else node(builder, children)
        return single_child_or_node
    if getattr(wrapper, "func", None) is ChildFilterLALR_NoPlaceholders:
        (to_include,) = wrapper.args

        def filtered_node(builder, children):
            filtered: list = []
            for i, to_expand in to_include:
                if not to_expand:
                    filtered.append(children[i])
                elif filtered:
                    filtered += children[i].children
                else:
                    filtered = children[i].children
            return node(builder, filtered)
        return filtered_node
    raise TypeError(f"regolite does not know lark's wrapper {wrapper!r} (rule {rule})")


class _NoLexer(Lexer):
    """Placeholder lexer class: tokens come from `Driver`, never from lark."""

    def __init__(self, conf):
        pass

    def lex(self, *args):  # pragma: no cover - never called
        raise NotImplementedError


def _cache_path():
    """Where lark may cache the parse tables between processes, or False.

    Lark's cache is a pickle, and loading a pickle runs code, so it lives
    only in a directory that this user owns and nobody else can write:
    $REGOLITE_CACHE_DIR, else $XDG_CACHE_HOME/regolite or ~/.cache/regolite.
    The file name carries a hash of the grammar and regolite's version.
    """
    base = os.environ.get("REGOLITE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "regolite"
    )
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        info = os.stat(base)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return False
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    except OSError:
        return False
    digest = hashlib.sha256((grammar_text() + regolite.__version__).encode()).hexdigest()[:16]
    return os.path.join(base, f"grammar-{digest}.lark.cache")


def _accepts(actions: dict, stack: list, kind: str, end_state: int) -> bool:
    """Would the parser, in the state `stack`, shift a token of type `kind`?

    For "$END" the question is whether the reductions reach `end_state`.
    """
    action = actions[stack[-1]].get(kind)
    if action is None:
        return False
    if action.__class__ is int:
        return True
    stack = list(stack)
    while True:
        size = action.size
        if size:
            del stack[-size:]
        stack.append(actions[stack[-1]][action.origin])
        if stack[-1] == end_state:
            return True
        action = actions[stack[-1]].get(kind)
        if action is None:
            return False
        if action.__class__ is int:
            return True


class _Diagnosis(Exception):
    """Stops a diagnostic run just before the token that failed."""


class Driver:
    """Feeds the tokens of one source range into one LALR parse, deciding their types.

    Reductions call the methods of `builder`; a driver without one (a
    diagnostic run) only moves through the states.
    """

    def __init__(self, context: ParseContext, start: str, builder: Optional[ToAst]) -> None:
        self.context = context
        self.source = context.source
        self.start = start
        self.builder = builder
        tables = _Tables.get()
        self.tables = tables
        self.actions = tables.actions
        self.end_state = tables.end_states[start]
        self.stack: list[int] = [tables.start_states[start]]  # LALR states
        self.values: list = []  # what each state on the stack stands for: a token or a built value
        self.imports_before = len(context.imports)  # for a diagnostic run, which starts where this one did
        self.dialect = context.dialect
        self.diagnose_at: Optional[int] = None  # a diagnostic run stops at the token there (-1: at the end)
        self.import_tokens: Optional[list[Token]] = None  # the path so far of the import being read
        self.start_offset = 0  # the range of the source that run() reads
        self.stop: Optional[int] = None

    def accepts(self, kind: str) -> bool:
        return _accepts(self.actions, self.stack, kind, self.end_state)

    def feed(self, tok: Token) -> None:
        if tok.start_pos == self.diagnose_at and tok.type != "NL":
            raise _Diagnosis()
        self._shift(tok)

    def _shift(self, tok: Token, at_end: bool = False):
        """Make the reductions `tok` calls for, then shift it; at the end, return the start symbol's value."""
        actions = self.actions
        stack = self.stack
        values = self.values
        builder = self.builder
        kind = tok.type
        while True:
            action = actions[stack[-1]].get(kind)
            if action is None:
                expected = {symbol for symbol in actions[stack[-1]] if symbol.isupper()}
                raise self._error(UnexpectedToken(tok, expected)) from None
            if action.__class__ is int:
                stack.append(action)
                values.append(tok)
                return None
            size, origin, build = action
            if size:
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            value = build(builder, children) if builder is not None else None
            stack.append(actions[stack[-1]][origin])
            values.append(value)
            if at_end and stack[-1] == self.end_state:
                return value

    def _error(self, e: UnexpectedToken) -> RegoParseError:
        """The error for `e`, with the terminals the parser could really take there.

        After a failed token the LALR state has been reduced with the wrong
        lookahead, so its table row over-promises; a second run stops just
        before the token and asks the table about every terminal instead.
        That run builds nothing and records its imports in a context of its
        own: it only needs the parser's states.
        """
        if self.diagnose_at is not None:
            return describe_unexpected(e, self.source)
        context = ParseContext(self.source, self.context.rego_version, self.context.imports[:self.imports_before])
        probe = Driver(context, self.start, None)
        probe.diagnose_at = e.token.start_pos if e.token.type != "$END" else -1
        try:
            probe.run(self.start_offset, self.stop)
        except _Diagnosis:
            terminals = [t for t in self.tables.terminals if probe.accepts(t)]
            if probe.accepts("$END"):
                terminals.append("$END")
            e.expected = set(terminals)
        except Exception:
            pass
        return describe_unexpected(e, self.source)

    def run(self, start_offset: int = 0, stop: Optional[int] = None):
        self.start_offset = start_offset
        self.stop = stop
        prev: Optional[RawToken] = None  # the previous token, NL excluded
        pending_nl: Optional[Token] = None
        for tok in scan(self.source, start_offset, stop):
            kind = tok.type
            if kind == "NL":
                pending_nl = tok
                self._end_import()
                continue
            if kind == "NAME":
                kind = self._name_kind(tok, prev)
            elif kind == "LBRACK":
                if not tok.spaced and prev is not None and prev.type in _TERM_ENDS:
                    kind = "REFBRACK"
            elif kind == "LPAREN":
                if not tok.spaced and prev is not None and prev.type in ("NAME", "RBRACK"):
                    kind = "CALLPAREN"
            elif kind == "LBRACE":
                if prev is not None and (prev.type == "IF" or prev.type == "NOT" and self.dialect.not_body):
                    if not self._object_follows(tok):
                        kind = "LBODY"
            elif kind == "DOT":
                if tok.spaced or prev is None or prev.type not in _TERM_ENDS:
                    raise RegoParseError('unexpected "." (a reference continues only straight after a term)',
                                         self.source.location(tok.start_pos))
            if kind != tok.type:
                tok = tok.update(type=kind)
            if pending_nl is not None:
                if self.accepts("NL") and not self.accepts(kind):
                    self.feed(pending_nl)
                pending_nl = None
            if self.import_tokens is not None:
                if kind in _IMPORT_PATH_TOKENS:
                    self.import_tokens.append(tok)
                else:
                    self._end_import()
            if kind == "IMPORT":
                self.import_tokens = []
            self.feed(tok)
            prev = tok
        self._end_import()
        if pending_nl is not None and self.accepts("NL") and not self.accepts("$END"):
            self.feed(pending_nl)
        end_offset = len(self.source.text) if stop is None else stop
        end = Token("$END", "", end_offset, *_position(self.source, end_offset))
        if self.diagnose_at == -1:
            raise _Diagnosis()
        return self._shift(end, at_end=True)

    def _object_follows(self, brace: RawToken) -> bool:
        """Does the `{` after `if` open an object (comprehension) rather than a body?

        OPA reads `if {` as a body unless that fails; a body's first
        statement never holds a `:` at its top level, and an object always does.
        """
        depth = 0
        seen = False
        for tok in scan(self.source, brace.start_pos):
            kind = tok.type
            if kind in ("LBRACE", "LBRACK", "LPAREN"):
                depth += 1
            elif kind in ("RBRACE", "RBRACK", "RPAREN"):
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1:
                if kind == "COLON":
                    return True
                if kind == "SEMI" or kind == "BAR" or kind == "NL" and seen:
                    return False
            if depth == 1 and kind != "NL" and kind != "LBRACE":
                seen = True
        return False

    def _name_kind(self, tok: RawToken, prev: Optional[RawToken]) -> str:
        if prev is not None and prev.type == "DOT":
            return "NAME"  # keywords are plain names in refs: input.default
        kind = self.dialect.keywords.get(str(tok))
        if kind is None:
            return "NAME"
        if kind == "CONTAINS":
            # `contains` is also a builtin: a keyword only where a rule head can take it.
            if not self.accepts("CONTAINS"):
                return "NAME"
        return kind

    def _end_import(self) -> None:
        """The import being read has ended: record its path, whose keywords apply from the next token."""
        tokens = self.import_tokens
        if tokens is None:
            return
        self.import_tokens = None
        path = import_path(tokens)
        if path is not None:
            self.context.add_import(path)
            self.dialect = self.context.dialect


def import_path(tokens: list[Token]) -> Optional[tuple[str, ...]]:
    """The names of the import path spelled by `tokens`: ("future", "keywords", "in") for
    `future.keywords.in` or `future.keywords["in"]`; None when they spell no path."""
    if not tokens or tokens[0].type != "NAME":
        return None
    names = [str(tokens[0])]
    i = 1
    n = len(tokens)
    while i < n:
        kind = tokens[i].type
        if kind == "DOT" and i + 1 < n and tokens[i + 1].type == "NAME":
            names.append(str(tokens[i + 1]))
            i += 2
        elif kind == "REFBRACK" and i + 2 < n and tokens[i + 2].type == "RBRACK":
            key = _string_value(tokens[i + 1])
            if key is None:
                return None
            names.append(key)
            i += 3
        else:
            return None
    return tuple(names)


def _string_value(tok: Token) -> Optional[str]:
    if tok.type == "RAWSTRING":
        return str(tok)[1:-1]
    if tok.type == "STRING":
        try:
            return json.loads(str(tok))
        except ValueError:
            return None
    return None


def _position(source: Source, offset: int) -> tuple[int, int]:
    loc = source.location(offset)
    return loc.row, loc.col


def parse(context: ParseContext, start: str, start_offset: int = 0):
    """Parse `context.source` from `start_offset` as the grammar's `start` symbol: the AST that to_ast builds.

    The imports the parse reads are recorded in `context`, also when it fails.
    """

    def parse_expression(offset: int, stop: int):
        """A template string's embedded expression: part of this parse, with its context and builder."""
        return Driver(context, "expr_start", builder).run(offset, stop)

    builder = ToAst(context, parse_expression)
    return Driver(context, start, builder).run(start_offset)


def read_import(context: ParseContext, offset: int) -> None:
    """Record in `context` the import statement on the line at `offset`, if that line is one.

    For error recovery, which resumes at the start of a line: an import after
    an error (in a broken module header) still enables its keywords for the
    rules below it. The line is read by the driver's own loop, typing the
    tokens and recording the import as a parse does, but parsing nothing.
    """
    source = context.source
    try:
        first = next(scan(source, offset), None)
        if first is None or first.type != "NAME" or str(first) != "import":
            return
        line_end = source.text.find("\n", offset)
        reader = _ImportReader(context, "rules_tail", None)
        reader.diagnose_at = -1  # stop at the end of the line
        reader.run(offset, line_end if line_end >= 0 else None)
    except (_Diagnosis, RegoParseError):
        pass


class _ImportReader(Driver):
    """A driver that types tokens and records imports, but feeds nothing to the parser."""

    def feed(self, tok: Token) -> None:
        pass

    def accepts(self, kind: str) -> bool:
        return False
