"""Lark's parse exceptions turned into `RegoParseError`s that say, in words,
what was found and what was expected."""

from __future__ import annotations

from lark.exceptions import UnexpectedToken

from regolite.errors import RegoParseError

# How each terminal reads in a message.
TOKEN_WORDS = {
    "NAME": "identifier", "NUMBER": "number", "STRING": "string", "RAWSTRING": "raw string",
    "TEMPLATE": "template string", "NL": "newline", "$END": "end of file",
    "LBRACE": "{", "LBODY": "{", "RBRACE": "}", "LBRACK": "[", "REFBRACK": "[", "RBRACK": "]",
    "LPAREN": "(", "CALLPAREN": "(", "RPAREN": ")", "COMMA": ",", "SEMI": ";", "COLON": ":",
    "DOT": ".", "ASSIGN": ":=", "UNIFY": "=", "EQ": "==", "NEQ": "!=", "LT": "<", "LTE": "<=",
    "GT": ">", "GTE": ">=", "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/", "PERCENT": "%",
    "AMP": "&", "BAR": "|",
}
KEYWORDS = {"PACKAGE", "IMPORT", "AS", "DEFAULT", "ELSE", "NOT", "SOME", "WITH", "TRUE", "FALSE",
            "NULL", "IF", "CONTAINS", "IN", "EVERY"}
# Terminals that can start a term; when most are expected we just say "a term".
TERM_STARTS = {"NAME", "NUMBER", "STRING", "RAWSTRING", "LBRACK", "LBRACE", "LPAREN", "TRUE",
               "FALSE", "NULL", "MINUS", "TEMPLATE"}


OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "PLUS", "MINUS", "STAR", "SLASH", "PERCENT", "AMP",
             "BAR", "IN"}
TERM_CONTINUATIONS = {"DOT", "REFBRACK", "CALLPAREN"}


def word(kind: str) -> str:
    if kind in KEYWORDS:
        return kind.lower()
    return TOKEN_WORDS.get(kind, kind)


def found(token) -> str:
    kind = token.type
    if kind == "$END":
        return "end of file"
    if kind == "NL":
        return "newline"
    if kind == "NAME":
        return f"identifier {str(token)!r}"
    if kind in ("STRING", "RAWSTRING", "NUMBER", "TEMPLATE"):
        return f"{word(kind)} {str(token)}"
    if kind in KEYWORDS:
        return f"keyword {str(token)!r}"
    return f"{str(token)!r}"


def expected(kinds) -> str:
    kinds = {k for k in kinds if k.isupper() or k == "$END"}
    parts = []
    if len(kinds & TERM_STARTS) >= 6:
        parts.append("a term")
        kinds -= TERM_STARTS
    if len(kinds & OPERATORS) >= 6:
        parts.append("an operator")
        kinds -= OPERATORS | TERM_CONTINUATIONS
    words = sorted({word(k) for k in kinds})
    parts.extend(w if w in ("a term", "an operator", "newline", "end of file", "identifier", "number", "string",
                            "raw string", "template string") or w.isalpha() else repr(w) for w in words)
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return "one of " + ", ".join(parts)


def describe_unexpected(error: UnexpectedToken, source) -> RegoParseError:
    token = error.token
    offset = token.start_pos if token.type != "$END" else len(source.text)
    message = f"unexpected {found(token)}"
    wanted = expected(error.expected)
    if wanted:
        message += f", expected {wanted}"
    return RegoParseError(message, source.location(offset))
