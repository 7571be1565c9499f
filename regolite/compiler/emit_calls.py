"""Calls of deterministic builtins: the call with OPA's error handling, and
inline forms of the builtins templates call most.

A builtin error makes the call undefined (or, in strict mode, an evaluation
error): `c.builtin_error` decides. An inline form runs when its operands have
the types it is written for (`count` of a list is `len`); any other operands
take the call.
"""

from __future__ import annotations

import re
from typing import Optional

from regolite.builtins import Builtin
from regolite.compiler.writer import CodeWriter

# Per builtin: a type test per argument (None: any) and the expression; with
# no test left the expression is the whole builtin.
FAST_PATHS = {
    "count": (("type({}) in COUNTABLE",), "len({0})"),
    "object.get": (("type({}) is dict", "type({}) is str", None), "{0}.get({1}, {2})"),
    "startswith": (("type({}) is str", "type({}) is str"), "{0}.startswith({1})"),
    "endswith": (("type({}) is str", "type({}) is str"), "{0}.endswith({1})"),
    "is_string": ((None,), "type({0}) is str"),
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_LITERAL = re.compile(r"'[^'\\]*'")


def write_builtin_call(w: CodeWriter, result: str, builtin: Builtin, fn: str, args: list[str], loc: str) -> None:
    """`result = fn(*args)` for `builtin`, through its inline form where it has one."""
    fast = fast_path(builtin, args)
    if fast is not None:
        guard, expr = fast
        if guard is None:  # nothing to test: no call, no error handling
            w.line(f"{result} = {expr}")
            return
        with w.block(f"if {guard}:"):
            w.line(f"{result} = {expr}")
        with w.block("else:"):
            _write_call(w, result, builtin.name, fn, args, loc)
        return
    _write_call(w, result, builtin.name, fn, args, loc)


def _write_call(w: CodeWriter, result: str, name: str, fn: str, args: list[str], loc: str) -> None:
    with w.block("try:"):
        w.line(f"{result} = {fn}({', '.join(args)})")
    with w.block("except BuiltinError as e:"):
        w.line(f"{result} = c.builtin_error(e, {w.constant(name)}, {loc})")
    with w.block("except BUILTIN_FAILURES as e:"):
        w.line(f"{result} = c.builtin_error(unexpected(e), {w.constant(name)}, {loc})")


def fast_path(builtin: Builtin, args: list[str]) -> Optional[tuple]:
    """(guard or None, expression): the inline form of a call of a shipped
    builtin, when it has one and every argument it tests is a name or a plain
    string literal (known to be a string)."""
    if builtin.name not in FAST_PATHS:
        return None
    if not builtin.unchecked.__module__.startswith("regolite.builtins."):
        return None  # an embedder's replacement
    tests, expr = FAST_PATHS[builtin.name]
    guard = []
    for test, arg in zip(tests, args):
        if test is None:
            continue  # used once, by whichever branch runs: any expression will do
        if _NAME.fullmatch(arg):
            guard.append(test.format(arg))
        elif not (_STRING_LITERAL.fullmatch(arg) and test == "type({}) is str"):
            return None
    return (" and ".join(guard) or None), expr.format(*args)
