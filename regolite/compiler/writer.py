"""CodeWriter: the only way generated Python source is produced.

The writer owns layout (indentation, blank lines), names (every identifier in
generated code is manufactured from a prefix and a counter, never taken from
policy text), constants (scalars as `repr()` of decoded values, the rest in a
pool handed to the module when it runs), the builtins the code calls, and the
line map from generated lines back to Rego locations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from regolite.ast import Location

INDENT = "    "
_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]")


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


def comment_text(text: str) -> str:
    """`text` as it may stand in a comment: one line, non-printable characters escaped."""
    return text if text.isprintable() else repr(text)[1:-1]


@dataclass
class CodeWriter:
    """Accumulates lines of Python with managed indentation and names.

    `pool_prefix` starts the names of pooled constants (`K0`, locations `L0`),
    so code compiled later against a module (a query) has names of its own.
    """

    pool_prefix: str = ""
    lines: list[str] = field(default_factory=list)
    line_map: dict[int, Location] = field(default_factory=dict)  # 1-based line -> Rego location
    constants: dict[str, Any] = field(default_factory=dict)      # pooled name -> value
    builtins: dict[str, str] = field(default_factory=dict)       # global -> builtin name
    _level: int = 0
    _counters: dict[str, int] = field(default_factory=dict)
    _constant_ids: dict[Any, str] = field(default_factory=dict)
    _builtin_idents: dict[str, str] = field(default_factory=dict)
    _last_location: Optional[tuple] = None  # (location, level) of the location comment just written

    # --- layout ---------------------------------------------------------------

    def line(self, text: str, loc: Optional[Location] = None) -> None:
        """Write one line at the current indentation; remember its Rego location."""
        if "\n" in text or "\r" in text:
            raise ValueError("a generated line cannot hold a newline")
        self.lines.append(INDENT * self._level + text)
        if loc is not None:
            self.line_map[len(self.lines)] = loc
            self._last_location = None

    def blank(self) -> None:
        self.lines.append("")

    def comment(self, text: str) -> None:
        self.line("# " + comment_text(text))

    def location(self, loc: Location) -> None:
        """A comment naming where the code that follows comes from (file:row:col);
        not repeated when the code before, at this level, came from there too."""
        if self._last_location == (loc, self._level):
            return
        self.line("# " + comment_text(str(loc)), loc)
        self._last_location = (loc, self._level)

    def block(self, header: str, loc: Optional[Location] = None) -> "_Block":
        """`with w.block(header):` writes `header` (a `def`, `if`, `for`... line),
        then what the `with` body writes, one level in."""
        self.line(header, loc)
        self._level += 1
        return _Block(self)

    def open(self, header: str, loc: Optional[Location] = None) -> None:
        """`header`, then one level in until `close_to` a level before it: for
        the loops of a body, which stay open around the rest of the body."""
        self.line(header, loc)
        self._level += 1

    def close_to(self, level: int) -> None:
        """Back to indentation `level` (closing what `open` opened since)."""
        if level > self._level or level < 0:
            raise ValueError(f"cannot close to level {level} from {self._level}")
        self._level = level

    @property
    def level(self) -> int:
        return self._level

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"

    def line_rows(self) -> list:
        """The line map as rows [line, file, row, col], by line (what an Artifact keeps)."""
        return [[line, loc.file, loc.row, loc.col] for line, loc in sorted(self.line_map.items())]

    # --- names ------------------------------------------------------------------

    def name(self, prefix: str) -> str:
        """A fresh identifier `<prefix><n>`; prefixes are fixed strings of the compiler."""
        if not prefix.isidentifier() or not prefix.isascii():
            raise ValueError(f"bad name prefix {prefix!r}")
        n = self._counters.get(prefix, 0)
        self._counters[prefix] = n + 1
        return f"{prefix}{n}"

    def builtin(self, name: str) -> str:
        """The global a builtin is called through: `b_<its name>` (`object.get`
        is `b_object_get`), numbered should two names spell the same."""
        ident = self._builtin_idents.get(name)
        if ident is None:
            base = "b_" + _NOT_IDENT.sub("_", name)
            ident, n = base, 1
            while ident in self.builtins:
                n += 1
                ident = f"{base}_{n}"
            self._builtin_idents[name] = ident
            self.builtins[ident] = name
        return ident

    # --- constants ----------------------------------------------------------------

    def constant(self, value: Any) -> str:
        """Source text for a constant: a literal for safe scalars, else a name
        from the pool (`L<n>` for a location, `K<n>` for other values).

        Pooled values are handed to the generated module's namespace at exec
        time, so no composite value is ever rendered into source.
        """
        if has_safe_repr(value):
            return repr(value)
        key = (type(value), id(value))
        name = self._constant_ids.get(key)
        if name is None:
            name = self.name(self.pool_prefix + ("L" if type(value) is Location else "K"))
            self.constants[name] = value
            self._constant_ids[key] = name
        return name


class _Block:
    """The `with` of CodeWriter.block: back one level at its end (a plain class:
    the compiler opens tens of thousands of blocks)."""

    __slots__ = ("writer",)

    def __init__(self, writer: CodeWriter) -> None:
        self.writer = writer

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> None:
        self.writer._level -= 1
