"""CodeWriter: the only way generated Python source is produced.

The writer owns layout (indentation, blank lines), names (every identifier in
generated code is manufactured from a prefix and a counter, never taken from
policy text), constants (scalars as `repr()` of decoded values, composites in
a pool) and the line map from generated lines back to Rego locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

INDENT = "    "


def has_safe_repr(value: Any) -> bool:
    """Does `repr(value)` give Python source that evaluates back to `value`?

    Only exact builtin types count (a str subclass could override __repr__).
    Floats must be finite: repr(inf) is `inf`, which is not a literal.
    """
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        return True
    if t is float:
        return value == value and value not in (float("inf"), float("-inf"))
    return False


@dataclass
class CodeWriter:
    """Accumulates lines of Python with managed indentation and names."""

    lines: list[str] = field(default_factory=list)
    line_map: dict[int, Any] = field(default_factory=dict)
    constants: list[Any] = field(default_factory=list)
    _level: int = 0
    _counters: dict[str, int] = field(default_factory=dict)
    _constant_ids: dict[Any, int] = field(default_factory=dict)

    # --- layout ---------------------------------------------------------------

    def line(self, text: str, loc: Optional[Any] = None) -> None:
        """Write one line at the current indentation; remember its Rego location."""
        if "\n" in text:
            raise ValueError("a generated line cannot hold a newline")
        self.lines.append(INDENT * self._level + text)
        if loc is not None:
            self.line_map[len(self.lines)] = loc

    def blank(self) -> None:
        self.lines.append("")

    def comment(self, text: str) -> None:
        """A comment; user text goes through repr() so it cannot end the comment."""
        self.line("# " + text)

    def indent(self) -> None:
        self._level += 1

    def outdent(self, levels: int = 1) -> None:
        if levels > self._level:
            raise ValueError("outdent below column 0")
        self._level -= levels

    @property
    def level(self) -> int:
        return self._level

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"

    # --- names ------------------------------------------------------------------

    def name(self, prefix: str) -> str:
        """A fresh identifier `<prefix><n>`; prefixes are fixed strings of the compiler."""
        if not prefix.isidentifier() or not prefix.isascii():
            raise ValueError(f"bad name prefix {prefix!r}")
        n = self._counters.get(prefix, 0)
        self._counters[prefix] = n + 1
        return f"{prefix}{n}"

    # --- constants ----------------------------------------------------------------

    def constant(self, value: Any) -> str:
        """Source text for a constant: a literal for safe scalars, else `K<n>` from the pool.

        Pooled values are handed to the generated module's namespace at exec
        time, so no composite value is ever rendered into source.
        """
        if has_safe_repr(value):
            return repr(value)
        key = (type(value), id(value))
        index = self._constant_ids.get(key)
        if index is None:
            index = len(self.constants)
            self.constants.append(value)
            self._constant_ids[key] = index
        return f"K{index}"

    def constant_names(self) -> dict[str, Any]:
        """The pool as the namespace entries the generated code expects."""
        return {f"K{i}": v for i, v in enumerate(self.constants)}
