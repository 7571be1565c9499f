"""The LALR parser: lark builds the tables once per process; we drive them.

Lark gives us the parse table (cached on disk by lark between processes) and
the reduction callbacks of `to_ast.ToAst`. The token loop is ours, because
Rego's tokens depend on where the parser is (see grammar/rego.lark): before a
token goes in, `_Driver` asks the tables whether the parser can take it.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path
from typing import Optional

from lark import Lark, Token
from lark.lexer import Lexer
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser_state import ParseConf, ParserState

from regolite.errors import RegoParseError
from regolite.parser.lexer import RawToken, Source, scan
from regolite.parser.syntax_errors import describe_unexpected
from regolite.parser import to_ast

GRAMMAR_FILE = "rego.lark"
START_SYMBOLS = ("module", "rules_tail", "query_start", "expr_start")

# Keywords of every Rego version, and those v0 has only when imported.
BASE_KEYWORDS = {
    "package": "PACKAGE", "import": "IMPORT", "as": "AS", "default": "DEFAULT", "else": "ELSE",
    "not": "NOT", "some": "SOME", "with": "WITH", "true": "TRUE", "false": "FALSE", "null": "NULL",
}
FUTURE_KEYWORDS = {"if": "IF", "contains": "CONTAINS", "in": "IN", "every": "EVERY"}

# Tokens after which `[` indexes and `(` calls when nothing separates them.
_TERM_ENDS = frozenset({"NAME", "STRING", "RAWSTRING", "TEMPLATE", "RBRACK", "RPAREN", "RBRACE"})


def grammar_text() -> str:
    """The grammar: from the installed package, else from a source checkout's grammar/."""
    try:
        return resources.files("regolite.grammar").joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        here = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_FILE
        return here.read_text(encoding="utf-8")


class _Tables:
    """The parse table and callbacks, built on first use and then shared."""

    _lock = threading.Lock()
    _built: Optional["_Tables"] = None

    def __init__(self) -> None:
        lark = Lark(
            grammar_text(),
            parser="lalr",
            lexer=_NoLexer,
            start=list(START_SYMBOLS),
            transformer=to_ast.ToAst(),
            maybe_placeholders=False,
            cache=_cache_path(),
        )
        parser = lark.parser.parser.parser  # frontend -> LALR_Parser -> _Parser
        self.parse_table = parser.parse_table
        self.callbacks = parser.callbacks
        self.states = parser.parse_table.states
        self.confs = {s: ParseConf(parser.parse_table, parser.callbacks, s) for s in START_SYMBOLS}
        self.terminals = sorted({k for row in self.states.values() for k in row if k.isupper()})

    @classmethod
    def get(cls) -> "_Tables":
        if cls._built is None:
            with cls._lock:
                if cls._built is None:
                    cls._built = cls()
        return cls._built


class _NoLexer(Lexer):
    """Placeholder lexer class: tokens come from `_Driver`, never from lark."""

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
    import hashlib
    import os
    import stat

    import regolite

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


def _accepts(states, stack: list, kind: str, end_state) -> bool:
    """Would the parser, in the state `stack`, shift a token of type `kind`?

    For "$END" the question is whether the reductions reach `end_state`.
    """
    action = states[stack[-1]].get(kind)
    if action is None:
        return False
    if action[0] is Shift:
        return True
    stack = list(stack)
    while True:
        rule = action[1]
        size = len(rule.expansion)
        if size:
            del stack[-size:]
        stack.append(states[stack[-1]][rule.origin.name][1])
        if stack[-1] == end_state:
            return True
        action = states[stack[-1]].get(kind)
        if action is None:
            return False
        if action[0] is Shift:
            return True


class _Diagnosis(Exception):
    """Stops a diagnostic run just before the token that failed."""

    def __init__(self, driver: "_Driver") -> None:
        self.driver = driver


class _Driver:
    """Feeds tokens of one source into one LALR parse, deciding their types."""

    def __init__(self, source: Source, rego_version: str, start: str, keywords: Optional[dict] = None):
        self.source = source
        self.start = start
        self.initial_keywords = keywords
        self.diagnose_at: Optional[int] = None
        self.tables = _Tables.get()
        self.state = ParserState(self.tables.confs[start], None)
        self.keywords = dict(keywords) if keywords is not None else _keywords_for(rego_version)
        self.rego_version = rego_version
        self.import_path: Optional[list[str]] = None
        self.rego_v2 = False
        self.future_imports: list[tuple[str, ...]] = []

    def accepts(self, kind: str) -> bool:
        return _accepts(self.tables.states, self.state.state_stack, kind, self.state.parse_conf.end_state)

    def feed(self, tok: Token) -> None:
        if tok.start_pos == self.diagnose_at and tok.type != "NL":
            raise _Diagnosis(self)
        try:
            self.state.feed_token(tok)
        except UnexpectedToken as e:
            raise self._error(e) from None

    def _error(self, e: UnexpectedToken) -> RegoParseError:
        """The error for `e`, with the terminals the parser could really take there.

        After a failed token the LALR state has been reduced with the wrong
        lookahead, so its table row over-promises; a second run stops just
        before the token and asks the tables about every terminal instead.
        """
        if self.diagnose_at is not None:
            return describe_unexpected(e, self.source)
        probe = _Driver(self.source, self.rego_version, self.start, self.initial_keywords)
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
        self.last_offset = start_offset
        for tok in scan(self.source, start_offset, stop):
            self.last_offset = tok.start_pos
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
                if prev is not None and (prev.type == "IF" or prev.type == "NOT" and self.rego_v2):
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
            if self.import_path is not None:
                if kind in ("NAME", "DOT", "REFBRACK", "RBRACK", "STRING"):
                    self.import_path.append(str(tok))
                else:
                    self._end_import()
            if kind == "IMPORT":
                self.import_path = []
            self.feed(tok)
            prev = tok
        self._end_import()
        if pending_nl is not None and self.accepts("NL") and not self.accepts("$END"):
            self.feed(pending_nl)
        end_offset = len(self.source.text) if stop is None else stop
        end = Token("$END", "", end_offset, *_position(self.source, end_offset))
        if self.diagnose_at == -1:
            raise _Diagnosis(self)
        try:
            return self.state.feed_token(end, True)
        except UnexpectedToken as e:
            raise self._error(e) from None

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
        kind = self.keywords.get(str(tok))
        if kind is None:
            return "NAME"
        if kind == "CONTAINS":
            # `contains` is also a builtin: a keyword only where a rule head can take it.
            if not self.accepts("CONTAINS"):
                return "NAME"
        return kind

    def _end_import(self) -> None:
        path = self.import_path
        if path is None:
            return
        self.import_path = None
        dotted = "".join(path)
        if dotted == "rego.v2":
            self.rego_v2 = True
        if dotted in ("rego.v1", "rego.v2", "future.keywords"):
            self.keywords.update(FUTURE_KEYWORDS)
        elif dotted.startswith("future.keywords."):
            word = dotted[len("future.keywords."):]
            if word in FUTURE_KEYWORDS:
                self.keywords[word] = FUTURE_KEYWORDS[word]
                if word == "every":  # `every x in xs` needs `in` too
                    self.keywords["in"] = "IN"


def _keywords_for(rego_version: str) -> dict:
    if rego_version == "v1":
        return {**BASE_KEYWORDS, **FUTURE_KEYWORDS}
    return dict(BASE_KEYWORDS)


def _position(source: Source, offset: int) -> tuple[int, int]:
    loc = source.location(offset)
    return loc.row, loc.col


def parse_tokens(source: Source, rego_version: str, start: str, start_offset: int = 0, keywords=None):
    """Parse `source` from `start_offset` as the grammar's `start` symbol.

    Returns (result, driver); the driver knows the keywords in force at the
    end (imports may add some) and how far it got.
    """
    context = to_ast.CONTEXT
    context.source = source
    context.rego_version = rego_version
    context.rego_v1_import = False
    context.wildcards = 0
    driver = _Driver(source, rego_version, start, keywords)
    context.keywords = driver.keywords
    return driver.run(start_offset), driver


def parse_fragment(source: Source, start: int, stop: int, context) -> object:
    """Parse `source.text[start:stop]` as one expression, inside a parse in progress."""
    saved = (context.source, context.rego_version, getattr(context, "keywords", None))
    driver = _Driver(source, context.rego_version, "expr_start", context.keywords)
    try:
        return driver.run(start, stop)
    finally:
        context.source, context.rego_version, context.keywords = saved
