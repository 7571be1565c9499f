"""The Rego parser: text to `regolite.ast`, for v1 and v0 syntax.

`parse_module` and `parse_query` are the only doors into lark. After a syntax
error the parser resumes at the next rule that starts a line, so one run
reports every independent error in a file (up to MAX_ERRORS).

The modules, one job each; each imports only those listed above it:

    lexer.py          text -> raw tokens (keywords are decided later, in context)
    syntax_errors.py  lark's UnexpectedToken -> RegoParseError in words
    dialect.py        Rego version + imports -> the keywords and rules in force
    context.py        ParseContext: the facts of one parse (source, version,
                      imports read, dialect, wildcard counter)
    templates.py      a template string -> its text and expressions; the
                      expressions are parsed by a function it is handed
    to_ast.py         ToAst: a parse's reductions (grammar rules -> AST nodes)
    lalr.py           lark's LALR tables, and the Driver that types each token
                      in context, feeds it in and records the imports it reads
    __init__.py       the entry points and error recovery

Nothing is global to a parse but the lark tables (built once, then only read):
every parse gets its own ParseContext and ToAst, so threads may parse at once.
"""

from __future__ import annotations

import re
from typing import Optional

from regolite.ast import Module, Query
from regolite.errors import RegoParseError
from regolite.parser.context import ParseContext
from regolite.parser.lalr import parse, read_import
from regolite.parser.lexer import Source

REGO_VERSIONS = ("v1", "v0")
MAX_ERRORS = 10
# A line that starts (at column 1) with a name: where a new rule may begin.
_RULE_START = re.compile(r"^[A-Za-z_]", re.MULTILINE)


def parse_module(source: str, filename: str = "<string>", *, rego_version: str = "v1") -> Module:
    """Parse a Rego module.

    `rego_version` is "v1" (the default) or "v0" (Gatekeeper's templates);
    a v0 module may opt into v1 keywords with `import rego.v1` or
    `import future.keywords...`. Raises RegoParseError listing every error.
    """
    _check_version(rego_version)
    src = _source(source, filename)
    if not src.text.strip():
        raise RegoParseError("empty module", src.location(0))
    context = ParseContext(src, rego_version)
    try:
        return parse(context, "module")
    except RegoParseError as first:
        errors = [first]
    _recover(src, rego_version, context.imports, errors)
    raise RegoParseError(errors[0].message, errors[0].location, errors)


def parse_query(query: str, filename: str = "<query>", *, rego_version: str = "v1") -> Query:
    """Parse a query (the text `opa eval` takes): one or more expressions."""
    _check_version(rego_version)
    src = _source(query, filename)
    if not src.text.strip():
        raise RegoParseError("empty query", src.location(0))
    body = parse(ParseContext(src, rego_version), "query_start")
    return Query(body, body[0].loc)


def _check_version(rego_version: str) -> None:
    if rego_version not in REGO_VERSIONS:
        raise ValueError(f"rego_version must be one of {REGO_VERSIONS}, not {rego_version!r}")


def _source(text, filename: str) -> Source:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RegoParseError(f"invalid UTF-8 at byte {e.start}", Source("", filename).location(0)) from None
    if not isinstance(text, str):
        raise TypeError(f"Rego source must be str, not {type(text).__name__}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(text, filename)


def _recover(src: Source, rego_version: str, imports: list[tuple[str, ...]], errors: list) -> None:
    """Parse the rules after each error, appending the errors they hold.

    The rules are parsed as in the module: with the imports that the parse
    read before its first error, and those on lines where recovery resumed
    (an import after an error is reported, and still counts).
    """
    imports = list(imports)
    while len(errors) < MAX_ERRORS:
        resume = _next_rule_start(src, errors[-1].location.row)
        if resume is None:
            return
        context = ParseContext(src, rego_version, imports)
        read_import(context, resume)
        try:
            parse(context, "rules_tail", resume)
            return
        except RegoParseError as e:
            if e.location.row < src.location(resume).row:
                return
            errors.append(e)


def _next_rule_start(src: Source, row: int) -> Optional[int]:
    offset = 0
    for _ in range(row):
        offset = src.text.find("\n", offset) + 1
        if offset == 0:
            return None
    m = _RULE_START.search(src.text, offset)
    return m.start() if m else None
