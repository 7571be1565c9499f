"""Errors a user can cause, each with OPA's stable code, a message and a location.

The codes are API: conformance fixtures assert on them, so they are the
strings OPA uses. A location is any object with `file`, `row` and `col`.
"""

from __future__ import annotations

from typing import Any, Iterable

PARSE_ERROR = "rego_parse_error"
COMPILE_ERROR = "rego_compile_error"
TYPE_ERROR = "rego_type_error"
UNSAFE_VAR_ERROR = "rego_unsafe_var_error"
RECURSION_ERROR = "rego_recursion_error"
EVAL_TYPE_ERROR = "eval_type_error"
EVAL_BUILTIN_ERROR = "eval_builtin_error"
EVAL_CONFLICT_ERROR = "eval_conflict_error"
EVAL_WITH_MERGE_ERROR = "eval_with_merge_error"
EVAL_CANCEL_ERROR = "eval_cancel_error"
EVAL_STEP_LIMIT_ERROR = "eval_step_limit_error"  # regolite's own: OPA has no step budget
EVAL_INTERNAL_ERROR = "eval_internal_error"


class RegoError(Exception):
    """Base of all regolite errors: `file:row:col: code: message`."""

    def __init__(self, code: str, message: str, location: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.location = location

    def __str__(self) -> str:
        loc = self.location
        if loc is None:
            return f"{self.code}: {self.message}"
        return f"{loc.file}:{loc.row}:{loc.col}: {self.code}: {self.message}"


class RegoParseError(RegoError):
    """A syntax error in a module or query.

    When the parser recovers and finds more, `errors` holds them all (this one
    first) and `str()` prints one per line.
    """

    def __init__(self, message: str, location: Any = None, errors: "list[RegoParseError] | None" = None) -> None:
        super().__init__(PARSE_ERROR, message, location)
        self.errors = errors if errors else [self]

    def __str__(self) -> str:
        if len(self.errors) > 1:
            return "\n".join(RegoError.__str__(e) for e in self.errors)
        return RegoError.__str__(self)


class RegoCompileError(RegoError):
    """All errors found while compiling, sorted by the compiler; one per line."""

    def __init__(self, errors: Iterable[RegoError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        super().__init__(
            first.code if first else COMPILE_ERROR,
            "\n".join(str(e) for e in self.errors),
            first.location if first else None,
        )

    def __str__(self) -> str:
        return self.message


class RegoEvalError(RegoError):
    """An error raised while evaluating (type, builtin, conflict...).

    Printed as OPA prints evaluation errors: `file:row: code: message`.
    """

    def __str__(self) -> str:
        loc = self.location
        if loc is None:
            return f"{self.code}: {self.message}"
        return f"{loc.file}:{loc.row}: {self.code}: {self.message}"
