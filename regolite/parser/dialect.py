"""Which keywords and rules a module has: decided from its Rego version and imports.

This is the one place that knows what `import rego.v1`, `import rego.v2` and
`import future.keywords[.NAME]` turn on. A ParseContext asks it for the imports
a parse starts with (none, or for error recovery those the failed parse read)
and again after each import the driver (lalr.py) reads, so a parse and the
recovery after it type tokens and check rules the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

# Keywords of every Rego version, and those v0 has only when imported.
BASE_KEYWORDS = {
    "package": "PACKAGE", "import": "IMPORT", "as": "AS", "default": "DEFAULT", "else": "ELSE",
    "not": "NOT", "some": "SOME", "with": "WITH", "true": "TRUE", "false": "FALSE", "null": "NULL",
}
FUTURE_KEYWORDS = {"if": "IF", "contains": "CONTAINS", "in": "IN", "every": "EVERY"}

# Import paths that change the dialect, as name tuples (`rego["v1"]` too is ("rego", "v1")).
REGO_V1_IMPORT = ("rego", "v1")
REGO_V2_IMPORT = ("rego", "v2")
FUTURE_KEYWORDS_IMPORT = ("future", "keywords")
# OPA's one future keyword of v1.19: `not` negating a body (`not { a; b }`), and `not expr`
# negating the expression as a body, nothing of it evaluated before the negation.
NOT_KEYWORD_IMPORT = ("future", "keywords", "not")


@dataclass(frozen=True, slots=True)
class Dialect:
    """What the Rego version and the imports read so far turn on."""

    keywords: Mapping[str, str]  # word -> terminal, for the words that are keywords (never mutated)
    v1_rules: bool  # v1's rules for rule heads (`if`, `contains` required): v1, or `import rego.v1`/`rego.v2`
    not_body: bool  # `not` negates a body: `import rego.v2`, `future.keywords`, `future.keywords.not`


def dialect_of(rego_version: str, imports: Iterable[tuple[str, ...]] = ()) -> Dialect:
    """The dialect of a module of `rego_version` after `imports` (import paths as name tuples)."""
    v1 = rego_version == "v1"
    keywords = {**BASE_KEYWORDS, **FUTURE_KEYWORDS} if v1 else dict(BASE_KEYWORDS)
    dialect = Dialect(keywords, v1_rules=v1, not_body=False)
    for path in imports:
        dialect = with_import(dialect, path)
    return dialect


def with_import(dialect: Dialect, path: tuple[str, ...]) -> Dialect:
    """`dialect` after one more import of `path` (itself when the import changes nothing)."""
    rego_import = path == REGO_V1_IMPORT or path == REGO_V2_IMPORT
    not_body = path == REGO_V2_IMPORT or path == FUTURE_KEYWORDS_IMPORT or path == NOT_KEYWORD_IMPORT
    if rego_import or path == FUTURE_KEYWORDS_IMPORT:
        added = FUTURE_KEYWORDS
    elif path == NOT_KEYWORD_IMPORT:
        added = {}
    elif len(path) == 3 and path[:2] == FUTURE_KEYWORDS_IMPORT and path[2] in FUTURE_KEYWORDS:
        word = path[2]
        added = {word: FUTURE_KEYWORDS[word]}
        if word == "every":  # `every x in xs` needs `in` too
            added["in"] = "IN"
    else:
        return dialect
    return Dialect(
        {**dialect.keywords, **added},
        v1_rules=dialect.v1_rules or rego_import,
        not_body=dialect.not_body or not_body,
    )
