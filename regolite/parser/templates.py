"""Template strings: `$"Hello {input.name}!"` and the raw form with backticks.

The lexer hands over the whole literal; here it is split into text and the
embedded expressions, each parsed as a Rego expression in place (so errors
and locations point into the original file) by the `parse_expression` that the
AST builder passes in: this module never calls the parser itself.
"""

from __future__ import annotations

import json
from typing import Callable

from regolite.ast import TemplateString, Term
from regolite.errors import RegoParseError
from regolite.parser.lexer import Source, matching_brace


def parse_template(tok, source: Source, parse_expression: Callable[[int, int], Term]) -> TemplateString:
    """The template string of token `tok` in `source`.

    `parse_expression(start, stop)` parses `source.text[start:stop]` as one
    expression of the parse in progress.
    """
    text = str(tok)
    raw = text[1] == "`"
    body = text[2:-1]
    base = tok.start_pos + 2
    parts: list = []
    literal: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c == "\\" and not raw:
            nxt = body[i + 1:i + 2]
            if nxt in ("{", "}"):
                literal.append(nxt)
                i += 2
                continue
            j = i + 2 if nxt != "u" else i + 6
            literal.append(_unescape(body[i:j], source, base + i))
            i = j
            continue
        if c == "{":
            end = matching_brace(body, i)
            if end < 0:
                raise RegoParseError("unterminated expression in template string", source.location(base + i))
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(parse_expression(base + i + 1, base + end))
            i = end + 1
            continue
        if c == "}":
            raise RegoParseError("unexpected '}' in template string (escape it as \\})", source.location(base + i))
        literal.append(c)
        i += 1
    if literal:
        parts.append("".join(literal))
    return TemplateString(tuple(parts), raw, source.location(tok.start_pos))


def _unescape(escape: str, source: Source, offset: int) -> str:
    try:
        return json.loads('"' + escape + '"')
    except ValueError:
        raise RegoParseError(f"invalid escape {escape!r} in template string", source.location(offset)) from None
