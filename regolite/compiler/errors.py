"""How compilation fails: the exceptions emitters raise, turned into OPA's errors."""

from __future__ import annotations

from typing import Optional

from regolite.errors import COMPILE_ERROR, UNSAFE_VAR_ERROR, RegoError


class CompileErrors(Exception):
    """OPA compile errors found while writing code (type errors of calls, ...)."""

    def __init__(self, errors: list[RegoError]) -> None:
        super().__init__(errors)
        self.errors = errors


class Unsupported(Exception):
    """A construct this compiler cannot write yet (reported as a compile error)."""


class UnboundVar(Exception):
    """A var used where nothing binds it (a rule head's var the body never binds)."""

    def __init__(self, var) -> None:
        super().__init__(var.name)
        self.var = var


EMIT_ERRORS = (CompileErrors, Unsupported, UnboundVar)


def as_rego_errors(error: Exception, loc=None) -> list[RegoError]:
    """The OPA errors an exception of EMIT_ERRORS stands for; `loc` locates an
    unsupported construct."""
    if isinstance(error, CompileErrors):
        return list(error.errors)
    if isinstance(error, UnboundVar):
        name = error.var.name.split("#")[0]
        return [RegoError(UNSAFE_VAR_ERROR, f"var {'_' if name.startswith('$') else name} is unsafe", error.var.loc)]
    return [RegoError(COMPILE_ERROR, f"not supported yet: {error}", loc)]


MAX_ERRORS = 10  # OPA's compiler stops at its 11th error


def first_stage(*stages: list[RegoError]) -> list[RegoError]:
    """The errors of the first compile stage that has any, as OPA reports them: its
    compiler stops after a stage with errors (names and local vars, then undefined
    functions, then safety, then recursion, then types), so one program's errors
    all come from one stage; past MAX_ERRORS, the first ten and OPA's "error limit
    reached"."""
    for errors in stages:
        if errors:
            return limited(sorted_errors(errors))
    return []


def limited(errors: list[RegoError]) -> list[RegoError]:
    """At most MAX_ERRORS errors; more end with OPA's `error limit reached`."""
    if len(errors) <= MAX_ERRORS:
        return errors
    return errors[:MAX_ERRORS] + [RegoError(COMPILE_ERROR, "error limit reached")]


def by_safety(errors: list[RegoError]) -> tuple[list[RegoError], list[RegoError]]:
    """Unsafe-variable errors (OPA's safety stage), and the rest (its type checks)."""
    unsafe = [e for e in errors if e.code == UNSAFE_VAR_ERROR]
    return unsafe, [e for e in errors if e.code != UNSAFE_VAR_ERROR]


def sorted_errors(errors: list[RegoError]) -> list[RegoError]:
    """Errors in the order of their locations (file, row, column)."""
    def key(e: RegoError) -> tuple:
        loc: Optional[object] = e.location
        return (loc.file, loc.row, loc.col) if loc is not None else ("", 0, 0)

    return sorted(errors, key=key)
