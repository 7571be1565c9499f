"""print and trace. The compiler routes `print(...)` to the query's print sink
(`Policy.query(print_to=...)`); trace notes are not collected by regolite."""

from __future__ import annotations

from regolite.builtins import builtin
from regolite.builtins.signature import ANY, BOOLEAN, STRING, array_of, set_of


@builtin("print", args=(), result=None, categories=("tracing",), variadic=ANY)
def print_(*values):
    """Print outside a query has nowhere to go: it only succeeds."""
    return True


@builtin("internal.print", args=(array_of(set_of(ANY)),), result=None, categories=("internal",))
def internal_print(values):
    return True


@builtin("trace", args=(STRING,), result=BOOLEAN, categories=("tracing",))
def trace(note):
    """OPA records the note in the evaluation trace; regolite has no trace, so it only succeeds."""
    return True
