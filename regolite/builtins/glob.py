"""Glob builtins: glob.match and glob.quote_meta, with the semantics of gobwas/glob (which OPA uses).

Syntax: `*` is any run of characters that are not delimiters, `**` any run
of characters, `?` one character that is not a delimiter, `[abc]`/`[a-z]`
one of the characters (`[!abc]`/`[!a-z]` one character not among them,
delimiters included), `{a,b}` one of the alternatives (which may nest), and
`\\` makes the next character literal. A pattern matches the whole string.

A glob is parsed as gobwas parses it (the same tokens, errors and
leniencies) and compiled to an RE2 regex, so matching is linear. Compiled
globs sit in `PROGRAMS` (see `regex.ProgramCache`), keyed by (pattern, delimiters).
"""

from __future__ import annotations

import re2

from regolite.builtins import BuiltinError, OperandError, builtin
from regolite.builtins.regex import MAX_PATTERN_LENGTH, OPTIONS, ProgramCache, subject
from regolite.builtins.signature import BOOLEAN, NULL, STRING, array_of, one_of
from regolite.values import type_name

GLOB = ("glob",)

CACHE_SIZE = 1024

PROGRAMS = ProgramCache(CACHE_SIZE)

# gobwas/glob's special characters, which quote_meta escapes.
_SPECIAL = frozenset("*?\\[]{}")


@builtin("glob.match", args=(STRING, one_of(array_of(STRING), NULL), STRING), result=BOOLEAN, categories=GLOB)
def glob_match(pattern, delimiters, value):
    """Whether `value` matches `pattern`; delimiters [] mean ["."], null means none."""
    if delimiters is None:
        seps: tuple[str, ...] = ()
    else:
        seps = _delimiters(delimiters)
    rx = PROGRAMS.get((pattern, seps), _compile, pattern, seps)
    return rx.search(subject(rx, value)) is not None


@builtin("glob.quote_meta", args=(STRING,), result=STRING, categories=GLOB)
def glob_quote_meta(pattern):
    """`pattern` with a backslash before each of gobwas's special characters `*?\\[]{}`."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in pattern)


def _delimiters(delimiters: list) -> tuple[str, ...]:
    if not delimiters:
        return (".",)
    for item in delimiters:
        if type(item) is not str:
            raise OperandError(2, f"must be array of string but got array containing {type_name(item)}")
        if len(item) != 1:
            raise OperandError(2, "must be array of rune but got array containing string")
    return tuple(delimiters)


# --- compiling --------------------------------------------------------------------------


def _compile(pattern: str, delimiters: tuple[str, ...]):
    """The RE2 program for the glob `pattern` with these delimiters; BuiltinError if invalid."""
    if len(pattern) > MAX_PATTERN_LENGTH // 2:  # parsed here, then as a regex several times longer
        raise BuiltinError("pattern too large - compile failed")
    tree = _parse(pattern)
    if delimiters:
        not_delimiter = "[^" + "".join(_class_char(d) for d in dict.fromkeys(delimiters)) + "]"
        regex = _to_regex(tree, not_delimiter + "*", not_delimiter)
    else:
        regex = _to_regex(tree, ".*", ".")
    try:
        return re2.compile(r"(?s)\A" + regex + r"\z", OPTIONS)
    except re2.error as exc:  # only for globs too large for RE2's memory budget
        message = exc.args[0] if exc.args else b""
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        raise BuiltinError(message) from None


# The tree: a pattern is a list of nodes; a node is ("text", str), ("any",),
# ("super",), ("single",), ("list", chars, negated), ("range", lo, hi,
# negated) or ("anyof", [pattern, ...]).


def _to_regex(pattern: list, any_run: str, single: str) -> str:
    parts = []
    for node in pattern:
        kind = node[0]
        if kind == "text":
            parts.append("".join(_literal(ch) for ch in node[1]))
        elif kind == "any":
            parts.append(any_run)
        elif kind == "super":
            parts.append(".*")
        elif kind == "single":
            parts.append(single)
        elif kind == "list":
            parts.append(("[^" if node[2] else "[") + "".join(_class_char(ch) for ch in node[1]) + "]")
        elif kind == "range":
            parts.append(("[^" if node[3] else "[") + _class_char(node[1]) + "-" + _class_char(node[2]) + "]")
        else:
            parts.append("(?:" + "|".join(_to_regex(alt, any_run, single) for alt in node[1]) + ")")
    return "".join(parts)


def _literal(ch: str) -> str:
    return ch if ch.isalnum() and ch.isascii() else _class_char(ch)


def _class_char(ch: str) -> str:
    return "\\x{%x}" % ord(ch)


# --- gobwas/glob's lexer and parser ------------------------------------------------------
#
# Ported to keep gobwas's behaviour at the edges: `]`, `}` and `,` are
# literal outside the places they close or separate, a trailing `\` is
# dropped, an unclosed `{` is closed at the end, and errors read as gobwas's.


def _lex(pattern: str):
    """gobwas's lexer: yields tokens (kind, text) batch by batch; a batch with an error raises."""
    i, n = 0, len(pattern)
    terms = 0
    while True:
        if i >= n:
            yield ("eof", "")
            return
        ch = pattern[i]
        i += 1
        if ch == "{":
            terms += 1
            yield ("terms_open", ch)
        elif ch == "," and terms > 0:
            yield ("separator", ch)
        elif ch == "}" and terms > 0:
            terms -= 1
            yield ("terms_close", ch)
        elif ch == "[":
            batch, i = _lex_range(pattern, i)
            yield ("range_open", ch)
            yield from batch
        elif ch == "?":
            yield ("single", ch)
        elif ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                yield ("super", "**")
            else:
                yield ("any", ch)
        else:
            text, i = _lex_text(pattern, i - 1, "?*[{,}" if terms > 0 else "?*[{")
            if text:
                yield ("text", text)


def _lex_text(pattern: str, i: int, breakers: str) -> tuple[str, int]:
    data = []
    escaped = False
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if not escaped:
            if ch == "\\":
                escaped = True
                continue
            if ch in breakers:
                i -= 1
                break
        escaped = False
        data.append(ch)
    return "".join(data), i


def _lex_range(pattern: str, i: int) -> tuple[list, int]:
    batch: list = []
    want_hi = want_close = seen_not = False
    n = len(pattern)
    while True:
        if i >= n:
            raise BuiltinError("unexpected end of input")
        ch = pattern[i]
        i += 1
        if want_close:
            if ch != "]":
                raise BuiltinError("expected close range character")
            batch.append(("range_close", ch))
            return batch, i
        if want_hi:
            batch.append(("range_hi", ch))
            want_close = True
            continue
        if not seen_not and ch == "!":
            batch.append(("not", ch))
            seen_not = True
            continue
        if i < n and pattern[i] == "-":
            i += 1
            batch.append(("range_lo", ch))
            batch.append(("range_between", "-"))
            want_hi = True
            continue
        text, i = _lex_text(pattern, i - 1, "]")
        if text:
            batch.append(("text", text))
        want_close = True


def _parse(pattern: str) -> list:
    """gobwas's parser: the pattern's tree (see above)."""
    root: list = []
    # The stack of open alternatives: (anyof node, the alternative being filled).
    stack: list[tuple[list, list]] = []
    current = root
    tokens = _lex(pattern)
    for kind, text in tokens:
        if kind == "eof":
            return root
        if kind == "text":
            current.append(("text", text))
        elif kind in ("any", "super", "single"):
            current.append((kind,))
        elif kind == "range_open":
            current.append(_parse_range(tokens))
        elif kind == "terms_open":
            alternatives: list = [[]]
            current.append(("anyof", alternatives))
            stack.append((alternatives, current))
            current = alternatives[0]
        elif kind == "separator":
            alternatives = stack[-1][0]
            alternatives.append([])
            current = alternatives[-1]
        elif kind == "terms_close":
            current = stack.pop()[1]
        else:
            raise BuiltinError(f"unexpected token: {text}")
    return root


def _parse_range(tokens) -> tuple:
    negated = False
    lo = hi = ""
    chars = ""
    for kind, text in tokens:
        if kind == "eof":
            raise BuiltinError("unexpected end")
        if kind == "not":
            negated = True
        elif kind == "range_lo":
            lo = text
        elif kind == "range_hi":
            hi = text
            if hi < lo:
                raise BuiltinError(f"hi character '{hi}' should be greater than lo '{lo}'")
        elif kind == "text":
            chars = text
        elif kind == "range_close":
            is_range = lo not in ("", "\0") and hi not in ("", "\0")
            if is_range == (chars != ""):
                raise BuiltinError("could not parse range")
            if is_range:
                return ("range", lo, hi, negated)
            return ("list", chars, negated)
    raise BuiltinError("unexpected end")
