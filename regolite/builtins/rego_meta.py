"""Rego-about-Rego builtins: rego.parse_module.

OPA parses the module (v1 syntax), encodes its AST as JSON and returns that
JSON as a value; here the AST's own `to_json` gives the same shape. A syntax
error fails the call with OPA's text for `ast.Errors`: "1 error occurred:
policy.rego:2: rego_parse_error: <message>", then the offending line and a
caret under the error, each on its own line after a tab (the wording of
the message itself is regolite's parser's, not always OPA's).

rego.metadata.chain and rego.metadata.rule are not here: they need the
METADATA annotations of the calling rule, which regolite's parser drops.
"""

from __future__ import annotations

from typing import Any

from regolite.builtins import BuiltinError, builtin
from regolite.builtins.signature import ANY, STRING, object_of
from regolite.errors import RegoParseError

REGO = ("rego",)


@builtin("rego.parse_module", args=(STRING, STRING), result=object_of(STRING, ANY), categories=REGO)
def rego_parse_module(filename: str, source: str) -> dict:
    from regolite.parser import parse_module  # builtins are imported by the parser's users, not the reverse

    try:
        module = parse_module(source, filename)
    except RegoParseError as e:
        raise BuiltinError(_errors_text(e.errors, source)) from None
    return module.to_json()


def _errors_text(errors: list[RegoParseError], source: str) -> str:
    """Go's ast.Errors.Error() for parse errors."""
    lines = [_error_text(e, source) for e in errors]
    if len(lines) == 1:
        return "1 error occurred: " + lines[0]
    return f"{len(lines)} errors occurred:\n" + "\n".join(lines)


def _error_text(e: RegoParseError, source: str) -> str:
    """Go's ast.Error.Error(): `file:row: code: message`, then the offending line and a caret."""
    loc = e.location
    if loc is None:
        return f"{e.code}: {e.message}"
    prefix = f"{loc.file}:{loc.row}" if loc.file else f"{loc.row}:{loc.col}"
    text = f"{prefix}: {e.code}: {e.message}"
    detail = _detail_lines(source, loc)
    if detail:
        text += "".join("\n\t" + line for line in detail)
    return text


def _detail_lines(source: str, loc: Any) -> list[str]:
    """OPA's ParserErrorDetail: the line at the error (back over trailing space) and a caret under it."""
    if not source:
        return []
    lines = source.split("\n")
    offset = sum(len(line) + 1 for line in lines[: loc.row - 1]) + loc.col - 1
    offset = max(0, min(offset, len(source) - 1))
    while offset > 0 and source[offset].isspace():
        offset -= 1
    begin = offset
    while begin > 0 and source[begin] not in "\r\n":
        begin -= 1
    if source[begin] in "\r\n":
        begin += 1
    end = offset
    while end < len(source) and source[end] not in "\r\n":
        end += 1
    begin = min(begin, end)
    line = source[begin:end]
    index = offset - begin
    stripped = line.lstrip("\t")
    indent = max(0, index - (len(line) - len(stripped)))
    return [stripped, " " * indent + "^"]
