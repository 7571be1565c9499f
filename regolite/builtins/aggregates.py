"""Aggregate builtins: count, sum, product, max, min, sort, and the deprecated all and any.

Collections are arrays and sets; max, min and sort use OPA's total order
(`regolite.values.compare`/`sort_key`), so they accept mixed types. Sets
are visited in OPA's order where it matters (sort). sum and product stay
exact on integers and round as OPA's big.Float does otherwise (`bigfloat`).
"""

from __future__ import annotations

import math
from fractions import Fraction

from regolite.builtins import OperandError, bigfloat, builtin
from regolite.builtins.signature import ANY, BOOLEAN, NUMBER, STRING, array_of, object_of, one_of, set_of
from regolite.values import UNDEFINED, RegoSet, compare, sort_key, type_name

AGGREGATES = ("aggregates",)

_COLLECTION = one_of(set_of(ANY), array_of(ANY))
_NUMBERS = one_of(set_of(NUMBER), array_of(NUMBER))


@builtin(
    "count",
    args=(one_of(array_of(ANY), object_of(ANY, ANY), set_of(ANY), STRING),),
    result=NUMBER,
    categories=AGGREGATES,
)
def count(x):
    """Elements of a collection, or code points of a string."""
    return len(x)


@builtin("sum", args=(_NUMBERS,), result=NUMBER, categories=AGGREGATES)
def sum_(xs):
    """Exact on integers; else OPA's running big.Float sum at 64 bits."""
    values = _numbers(xs)
    if all(type(v) is int for v in values):
        return sum(values)
    if all(bigfloat.integral(v) for v in values):
        return sum(int(v) for v in values)
    total = Fraction(0)
    for v in values:
        total = bigfloat.rounded(total + bigfloat.parsed(v)).value()
    return bigfloat.shortest(bigfloat.rounded(total))


@builtin("product", args=(_NUMBERS,), result=NUMBER, categories=AGGREGATES)
def product(xs):
    """Exact on integers; else as OPA, whose running product keeps big.NewFloat(1)'s
    precision of 53 bits (so `product([0.1, 3])` is 0.30000000000000004, `[3, 0.1]` 0.3)."""
    values = _numbers(xs)
    if all(type(v) is int for v in values):
        return math.prod(values)
    if all(bigfloat.integral(v) for v in values):
        return math.prod(int(v) for v in values)
    result = bigfloat.rounded(Fraction(1), bigfloat.FLOAT64_PRECISION)
    for v in values:
        result = bigfloat.rounded(result.value() * bigfloat.parsed(v), bigfloat.FLOAT64_PRECISION)
    return bigfloat.shortest(result)


@builtin("max", args=(_COLLECTION,), result=ANY, categories=AGGREGATES)
def max_(xs):
    """The greatest element in OPA's order; undefined for an empty collection."""
    best = UNDEFINED
    for x in xs:
        if best is UNDEFINED or compare(best, x) <= 0:  # the last of equals, as OPA
            best = x
    return best


@builtin("min", args=(_COLLECTION,), result=ANY, categories=AGGREGATES)
def min_(xs):
    """The least element in OPA's order; undefined for an empty collection."""
    best = UNDEFINED
    for x in xs:
        if best is UNDEFINED or compare(x, best) < 0:
            best = x
    return best


@builtin("sort", args=(_COLLECTION,), result=array_of(ANY), categories=AGGREGATES)
def sort(xs):
    """The elements as an array in OPA's order."""
    if type(xs) is RegoSet:
        return xs.sorted()
    return sorted(xs, key=sort_key)


_ARRAY_OR_SET = one_of(array_of(ANY), set_of(ANY))


@builtin("all", args=(_ARRAY_OR_SET,), result=BOOLEAN, categories=AGGREGATES, deprecated=True)
def all_(xs):
    """True when every element is `true` (not merely truthy)."""
    return all(x is True for x in xs)


@builtin("any", args=(_ARRAY_OR_SET,), result=BOOLEAN, categories=AGGREGATES, deprecated=True)
def any_(xs):
    """True when some element is `true`."""
    return any(x is True for x in xs)


def _numbers(xs) -> list:
    """The elements of an array or set, checked to be numbers (OPA's element error otherwise)."""
    values = list(xs)
    for v in values:
        t = type(v)
        if t is not int and t is not float:
            kind = "set" if type(xs) is RegoSet else "array"
            raise OperandError(1, f"must be {kind} of numbers but got {kind} containing {type_name(v)}")
    return values

