"""What the compiler makes: generated source with everything it names.

An `Artifact` is self-contained: the source, Python's compiled form of it,
the constant pool and builtins it names (bound into its namespace when it
runs, see `regolite.runtime.load`), the function computing each rule path
and the line map back to Rego. The compile cache stores it; `RuleTree`, what
ad-hoc queries compile against, is kept only in memory.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Optional

from regolite.ast import Location
from regolite.compiler.writer import comment_text

POLICY_FILE = "<regolite policy>"  # the file name tracebacks show for generated modules
QUERY_FILE = "<regolite query>"

_CONSTANT_TEXT = 100  # how much of a pooled constant's repr a listing shows


@dataclass
class Artifact:
    """A compiled set of modules (or, with `order`, a query)."""

    source: str
    constants: dict[str, Any] = field(default_factory=dict)  # pooled name -> value
    builtins: dict[str, str] = field(default_factory=dict)   # global -> builtin name
    functions: dict[str, str] = field(default_factory=dict)  # "data.a.b" -> the function computing it
    layout: list = field(default_factory=list)               # [function, path] of every rule and document
    line_rows: list = field(default_factory=list)  # [generated line (1-based), file, row, col], by line
    code: Any = None  # the source compiled by Python
    tree: Any = None  # the RuleTree compiled (not cached: rebuilt from the modules when a query needs it)
    order: Optional[list[int]] = None  # a query's expressions: position in written order of each value

    @property
    def line_map(self) -> dict[int, Location]:
        """Generated line -> the Rego location of the code there (read on errors only)."""
        return {row[0]: Location(*row[1:]) for row in self.line_rows}

    def location_at(self, line: int) -> Optional[Location]:
        """The Rego location of the code at generated `line`: the nearest mapped line at or before it."""
        i = bisect.bisect_right([row[0] for row in self.line_rows], line)
        return Location(*self.line_rows[i - 1][1:]) if i else None

    def listing(self) -> str:
        """The source, then the builtins and pooled constants it names: what `--show-python` prints."""
        out = [self.source.rstrip("\n"), ""]
        if self.builtins:
            out.append("# --- builtins: global = the builtin it calls ---")
            out.extend(f"# {ident} = {name}" for ident, name in sorted(self.builtins.items()))
        if self.constants:
            out.append("# --- constant pool: bound into the module's namespace when it runs ---")
            for name, value in sorted(self.constants.items(), key=lambda kv: _pool_order(kv[0])):
                text = str(value) if type(value) is Location else repr(value)
                if len(text) > _CONSTANT_TEXT:
                    text = text[:_CONSTANT_TEXT] + "..."
                out.append(f"# {name} = {comment_text(text)}")
        return "\n".join(out) + "\n"


def _pool_order(name: str) -> tuple:
    prefix = name.rstrip("0123456789")
    return (prefix, int(name[len(prefix):]))
