"""Comparison and unification operators as builtins: `==`, `!=`, `<`, `=`, `:=`, `in`...

The compiler emits these inline (see compiler/emit_body.py); the declarations
here make them callable by name and list them in the capabilities.
"""

from __future__ import annotations

from regolite.builtins import builtin
from regolite.builtins.signature import ANY, BOOLEAN
from regolite.runtime import ops
from regolite.values import equal as values_equal

COMPARISON = ("comparison",)


@builtin("equal", args=(ANY, ANY), result=BOOLEAN, categories=COMPARISON, infix="==")
def equal(a, b):
    return values_equal(a, b)


@builtin("neq", args=(ANY, ANY), result=BOOLEAN, categories=COMPARISON, infix="!=")
def neq(a, b):
    return not values_equal(a, b)


@builtin("lt", args=(ANY, ANY), result=BOOLEAN, categories=COMPARISON, infix="<")
def lt(a, b):
    return ops.lt(a, b)


@builtin("lte", args=(ANY, ANY), result=BOOLEAN, categories=COMPARISON, infix="<=")
def lte(a, b):
    return ops.lte(a, b)


@builtin("gt", args=(ANY, ANY), result=BOOLEAN, categories=COMPARISON, infix=">")
def gt(a, b):
    return ops.gt(a, b)


@builtin("gte", args=(ANY, ANY), result=BOOLEAN, categories=COMPARISON, infix=">=")
def gte(a, b):
    return ops.gte(a, b)


@builtin("eq", args=(ANY, ANY), result=BOOLEAN, categories=("assignment",), infix="=")
def eq(a, b):
    """Unification of two known values is equality."""
    return values_equal(a, b)


@builtin("assign", args=(ANY, ANY), result=BOOLEAN, categories=("assignment",), infix=":=")
def assign(a, b):
    return values_equal(a, b)


@builtin("internal.member_2", args=(ANY, ANY), result=BOOLEAN, categories=("internal",), infix="in")
def member_2(x, collection):
    return ops.member(x, collection)


@builtin("internal.member_3", args=(ANY, ANY, ANY), result=BOOLEAN, categories=("internal",), infix="in")
def member_3(key, value, collection):
    return ops.member_kv(key, value, collection)
