"""Rego's tokens, before context: what one regex pass over the text can tell.

`scan()` yields raw tokens: names (keywords are decided later, in context),
numbers, strings, punctuation, and NL for each run of line breaks. Whitespace
and comments are dropped, but every token records whether whitespace came
before it, because `a[x]` and `a [x]` mean different things in Rego.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from lark import Token

from regolite.errors import RegoParseError
from regolite.ast import Location

PUNCTUATION = {
    "{": "LBRACE", "}": "RBRACE", "[": "LBRACK", "]": "RBRACK", "(": "LPAREN", ")": "RPAREN",
    ",": "COMMA", ";": "SEMI", ":": "COLON", ".": "DOT", ":=": "ASSIGN", "=": "UNIFY",
    "==": "EQ", "!=": "NEQ", "<": "LT", "<=": "LTE", ">": "GT", ">=": "GTE",
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "%": "PERCENT", "&": "AMP", "|": "BAR",
}

_TOKEN = re.compile(
    r"""
    (?P<SPACE>[ \t\r\f\v]+)
  | (?P<NL>\n(?:[ \t\r\f\v\n]|\#[^\n]*)*)
  | (?P<COMMENT>\#[^\n]*)
  | (?P<NUMBER>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<STRING>"(?:[^"\\\n]|\\.)*")
  | (?P<RAWSTRING>`[^`]*`)
  | (?P<TEMPLATE>\$["`])
  | (?P<NAME>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<PUNCT>:=|==|!=|<=|>=|[{}\[\]().,;:=<>+\-*/%&|])
    """,
    re.VERBOSE,
)


@dataclass(slots=True)
class Source:
    """A Rego text and its file name, with a line table for positions."""

    text: str
    file: str

    def location(self, offset: int) -> Location:
        row = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Location(self.file, row, col)


class RawToken(Token):
    """A lark Token that also knows whether whitespace came before it."""

    __slots__ = ("spaced",)


def _token(kind: str, value: str, start: int, end: int, line: int, col: int, end_line: int, end_col: int, spaced: bool):
    tok = RawToken(kind, value, start, line, col, end_line, end_col, end)
    tok.spaced = spaced
    return tok


def scan(source: Source, start: int = 0, stop: "int | None" = None) -> Iterator[Token]:
    """Yield the raw tokens of `source.text` from offset `start` to `stop`."""
    text = source.text
    match = _TOKEN.match
    pos = start
    line = text.count("\n", 0, start) + 1
    line_start = text.rfind("\n", 0, start) + 1
    spaced = True
    end = len(text) if stop is None else stop
    while pos < end:
        m = match(text, pos, end)
        if m is None:
            if text[pos] == '"':
                raise RegoParseError("non-terminated string", source.location(pos))
            if text[pos] == "`":
                raise RegoParseError("non-terminated raw string", source.location(pos))
            raise RegoParseError(f"illegal token {text[pos]!r}", source.location(pos))
        kind = m.lastgroup
        value = m.group()
        new_pos = m.end()
        col = pos - line_start + 1
        if kind == "SPACE" or kind == "COMMENT":
            spaced = True
        elif kind == "NL":
            newlines = value.count("\n")
            last = value.rfind("\n")
            yield _token("NL", "\n", pos, new_pos, line, col, line + newlines, new_pos - (pos + last), True)
            line += newlines
            line_start = pos + last + 1
            spaced = True
        elif kind == "TEMPLATE":
            new_pos = _template_end(source, pos)
            value = text[pos:new_pos]
            newlines = value.count("\n")
            yield _token("TEMPLATE", value, pos, new_pos, line, col, line + newlines, 0, spaced)
            if newlines:
                line += newlines
                line_start = pos + value.rfind("\n") + 1
            spaced = False
        else:
            if kind == "PUNCT":
                kind = PUNCTUATION[value]
            elif kind == "RAWSTRING" and "\n" in value:
                newlines = value.count("\n")
                yield _token(kind, value, pos, new_pos, line, col, line + newlines, 0, spaced)
                line += newlines
                line_start = pos + value.rfind("\n") + 1
                pos = new_pos
                spaced = False
                continue
            elif kind == "NUMBER" and new_pos < end and (text[new_pos].isalnum() or text[new_pos] in "_."):
                raise RegoParseError(f"invalid number {text[pos:new_pos + 1]!r}", source.location(pos))
            yield _token(kind, value, pos, new_pos, line, col, line, col + (new_pos - pos), spaced)
            spaced = False
        pos = new_pos


def _template_end(source: Source, pos: int) -> int:
    """End offset of the template string that starts at `pos`.

    Embedded expressions sit in braces and may hold strings and nested
    braces; `\\{` escapes a literal brace in the double-quoted form.
    """
    text = source.text
    quote = text[pos + 1]
    i = pos + 2
    n = len(text)
    while i < n:
        c = text[i]
        if c == quote:
            return i + 1
        if c == "\\" and quote == '"':
            i += 2
            continue
        if c == "\n" and quote == '"':
            break
        if c == "{":
            end = matching_brace(text, i)
            i = end + 1 if end >= 0 else n
            continue
        i += 1
    raise RegoParseError("non-terminated template string", source.location(pos))


def matching_brace(text: str, start: int) -> int:
    """The index of the `}` closing the `{` at `start` (strings and raw strings
    inside skipped), or -1 when it is not closed."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "`":
            i = text.find("`", i + 1)
            if i < 0:
                return -1
        i += 1
    return -1
