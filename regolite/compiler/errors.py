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


def first_stage(*stages: list[RegoError]) -> list[RegoError]:
    """The errors of the first compile stage that has any, as OPA reports them: its
    compiler stops after a stage with errors (names and local vars, undefined
    functions, safety, recursion, types), so one program's errors all come from one stage."""
    for errors in stages:
        if errors:
            return sorted_errors(errors)
    return []


UNDEFINED_FUNCTIONS = "undefined_functions"  # RegoError.stage of OPA's CheckUndefinedFuncs errors


def by_stage(errors: list[RegoError]) -> tuple[list[RegoError], list[RegoError], list[RegoError]]:
    """Errors found while writing code, by OPA's stage: calls of functions that do not
    exist (before its safety check), unsafe variables, and the rest (its type checks)."""
    early = [e for e in errors if getattr(e, "stage", None) == UNDEFINED_FUNCTIONS]
    unsafe = [e for e in errors if e.code == UNSAFE_VAR_ERROR]
    rest = [e for e in errors if e.code != UNSAFE_VAR_ERROR and getattr(e, "stage", None) != UNDEFINED_FUNCTIONS]
    return early, unsafe, rest


def sorted_errors(errors: list[RegoError]) -> list[RegoError]:
    """Errors in the order of their locations (file, row, column)."""
    def key(e: RegoError) -> tuple:
        loc: Optional[object] = e.location
        return (loc.file, loc.row, loc.col) if loc is not None else ("", 0, 0)

    return sorted(errors, key=key)
