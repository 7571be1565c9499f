"""The facts of one parse in progress, shared by the driver and the AST builder.

The driver (lalr.py) makes a `ParseContext` for each parse and records the
imports it reads; the AST builder (to_ast.py) reads the source, the version
and the dialect from it and numbers wildcards with it. Nothing here is global:
parses in different threads have different contexts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regolite.parser.dialect import Dialect, dialect_of, with_import
from regolite.parser.lexer import Source


@dataclass(slots=True)
class ParseContext:
    """One parse of one source (a template string's expressions share their module's)."""

    source: Source
    rego_version: str  # "v1" or "v0"
    imports: list[tuple[str, ...]] = field(default_factory=list)  # import paths read so far, as name tuples
    dialect: Dialect = field(init=False)  # keywords and rules in force after `imports`
    wildcards: int = 0  # `_` read so far: the next one is named `$<wildcards>`

    def __post_init__(self) -> None:
        self.dialect = dialect_of(self.rego_version, self.imports)

    def add_import(self, path: tuple[str, ...]) -> None:
        """Record an import the driver read; the keywords it enables apply from the next token on."""
        self.imports.append(path)
        self.dialect = with_import(self.dialect, path)
