"""Type builtins: is_* predicates, type_name, the deprecated cast_* and to_number.

The is_* predicates answer false, not undefined, for other types (OPA's
fixtures expect `is_string(false, x)` to give x = false).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from regolite.builtins import BuiltinError, OperandTypeError, builtin
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    NULL,
    NUMBER,
    STRING,
    array_of,
    object_of,
    one_of,
    set_of,
)
from regolite.values import RegoSet
from regolite.values import type_name as value_type_name

TYPES = ("types",)
CONVERSIONS = ("conversions",)


@builtin("is_array", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_array(x):
    return type(x) is list


@builtin("is_boolean", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_boolean(x):
    return type(x) is bool


@builtin("is_null", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_null(x):
    return x is None


@builtin("is_number", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_number(x):
    t = type(x)
    return t is int or t is float or t is Fraction  # Fraction: exact decimals such as 1e-400


@builtin("is_object", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_object(x):
    return type(x) is dict


@builtin("is_set", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_set(x):
    return type(x) is RegoSet


@builtin("is_string", args=(ANY,), result=BOOLEAN, categories=TYPES)
def is_string(x):
    return type(x) is str


@builtin("type_name", args=(ANY,), result=STRING, categories=TYPES)
def type_name(x):
    return value_type_name(x)


# The cast_* builtins are declared with `any` operands; each checks its own
# operand so the error lists the types it accepts, as OPA's does.


@builtin("cast_array", args=(ANY,), result=array_of(ANY), categories=CONVERSIONS, deprecated=True)
def cast_array(x):
    if type(x) is list:
        return x
    if type(x) is RegoSet:
        return x.sorted()
    raise OperandTypeError(1, ("array", "set"), x)


@builtin("cast_set", args=(ANY,), result=set_of(ANY), categories=CONVERSIONS, deprecated=True)
def cast_set(x):
    if type(x) is RegoSet:
        return x
    if type(x) is list:
        return RegoSet(x)
    raise OperandTypeError(1, ("array", "set"), x)


@builtin("cast_boolean", args=(ANY,), result=BOOLEAN, categories=CONVERSIONS, deprecated=True)
def cast_boolean(x):
    if type(x) is bool:
        return x
    raise OperandTypeError(1, "boolean", x)


@builtin("cast_null", args=(ANY,), result=NULL, categories=CONVERSIONS, deprecated=True)
def cast_null(x):
    if x is None:
        return x
    raise OperandTypeError(1, "null", x)


@builtin("cast_object", args=(ANY,), result=object_of(ANY, ANY), categories=CONVERSIONS, deprecated=True)
def cast_object(x):
    if type(x) is dict:
        return x
    raise OperandTypeError(1, "object", x)


@builtin("cast_string", args=(ANY,), result=STRING, categories=CONVERSIONS, deprecated=True)
def cast_string(x):
    if type(x) is str:
        return x
    raise OperandTypeError(1, "string", x)


@builtin("to_number", args=(one_of(NULL, BOOLEAN, NUMBER, STRING),), result=NUMBER, categories=CONVERSIONS)
def to_number(x):
    t = type(x)
    if t is int or t is float or t is Fraction:
        return x
    if t is bool:
        return 1 if x else 0
    if x is None:
        return 0
    return _parse_number(x)


# Go's strconv.ParseFloat syntax, which OPA uses: decimal, or hexadecimal
# with a mandatory p exponent. Python's float() is looser (spaces, "_").
# Written so that no two ways match the same digits: `[0-9]+\.?[0-9]*` split
# a run of digits every way on a bad tail, quadratic (a 60 KB string: 55 s).
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_NOT_FINITE = ("inf", "infinity", "nan")


def _parse_number(text: str) -> int | float:
    if text.lstrip("+-").lower() in _NOT_FINITE:
        raise OperandTypeError(1, "valid number string", text)
    try:
        if _DECIMAL.fullmatch(text):
            value = float(text)
            if math.isinf(value):
                raise OverflowError
            return int(text) if _INTEGER.fullmatch(text) else value
        if _HEX.fullmatch(text):
            return float.fromhex(text)
    except OverflowError:
        raise BuiltinError(f"strconv.ParseFloat: parsing {_go_quote(text)}: value out of range") from None
    raise BuiltinError(f"strconv.ParseFloat: parsing {_go_quote(text)}: invalid syntax")


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
