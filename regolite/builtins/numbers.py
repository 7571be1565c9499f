"""Number builtins: arithmetic operators, rounding, ranges, rand.intn, bits.*, and the set operators.

Numbers are Python ints (exact, any size) and floats. Every result that is
mathematically integral is returned as an int, as OPA prints such results
as integers (`1.5 * 2` is 3, `4 / 2` is 2, `abs(-2.0)` is 2). Integral
operands (ints, and floats such as 2.0) stay exact: `+ - *` on them, `/`
when the divisor divides the dividend, and `%` are computed on Python ints.
A float result that would overflow (OPA uses arbitrary-precision floats, so
it never overflows) is recomputed exactly with `Fraction`, and returned as
an int.

`minus` is also set difference, and `and`/`or` (`&`, `|`) are set
intersection and union: OPA declares them here, in its number-operator table.
"""

from __future__ import annotations

import math
import operator
import random
from fractions import Fraction

from regolite.builtins import BuiltinError, OperandError, OperandTypeError, bigfloat, builtin
from regolite.builtins.signature import ANY, NUMBER, STRING, array_of, one_of, set_of
from regolite.values import NUMBER_TYPES, RegoSet

NUMBERS = ("numbers",)
SETS = ("sets",)
BITS = ("bits",)

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_BITS64 = 2**64  # ints below this magnitude are exact at OPA's float precision
_MAX_SHIFT = 1 << 24
_NOT_INTEGER = "must be integer number but got floating-point number"


# --- operand helpers (also used by other families) ----------------------------------


def normalize_number(x: int | float) -> int | float:
    """`x` as an int when it is an integral float, else `x` (OPA prints integral results as integers)."""
    if type(x) is float and x.is_integer():
        return int(x)
    return x


def int_operand(x, position: int) -> int:
    """OPA's IntOperand: an int that fits in int64; a float (even 1.0) is rejected."""
    t = type(x)
    if t is not int and t is not float and t is not Fraction:
        raise OperandTypeError(position, "number", x)
    if t is not int or not _INT64_MIN <= x <= _INT64_MAX:
        raise OperandError(position, _NOT_INTEGER)
    return x


def big_int_operand(x, position: int) -> int:
    """OPA's BigIntOperand: any integral number (integral floats included), as an int."""
    t = type(x)
    if t is int:
        return x
    if t is float:
        if x.is_integer():
            return int(x)
        raise OperandError(position, _NOT_INTEGER)
    if t is Fraction:
        raise OperandError(position, _NOT_INTEGER)
    raise OperandTypeError(position, "integer", x)


# --- arithmetic ---------------------------------------------------------------


@builtin("plus", args=(NUMBER, NUMBER), result=NUMBER, categories=NUMBERS, infix="+")
def plus(a, b):
    if type(a) is int and type(b) is int:
        return a + b
    return _arithmetic(operator.add, a, b)


_NUMBER_OR_SET = one_of(NUMBER, set_of(ANY))


@builtin(
    "minus",
    args=(_NUMBER_OR_SET, _NUMBER_OR_SET),
    result=_NUMBER_OR_SET,
    categories=NUMBERS,
    infix="-",
    check_args=False,
)
def minus(a, b):
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        return a - b
    if ta is RegoSet:
        if tb is not RegoSet:
            raise OperandTypeError(2, "set", b)
        return a.difference(b)
    if ta not in NUMBER_TYPES:
        raise OperandTypeError(1, ("number", "set"), a)
    if tb not in NUMBER_TYPES:
        raise OperandTypeError(2, "number", b)
    return _arithmetic(operator.sub, a, b)


@builtin("mul", args=(NUMBER, NUMBER), result=NUMBER, categories=NUMBERS, infix="*")
def mul(a, b):
    if type(a) is int and type(b) is int:
        return a * b
    return _arithmetic(operator.mul, a, b)


@builtin("div", args=(NUMBER, NUMBER), result=NUMBER, categories=NUMBERS, infix="/")
def div(a, b):
    """Always OPA's 64-bit float path (`1e20 / 3` is 33333333333333333334); exact when an
    int divides an int and both fit in 64 bits, as the float path then is too."""
    if b == 0:
        raise BuiltinError("divide by zero")
    if type(a) is int and type(b) is int and -_BITS64 < a < _BITS64 and -_BITS64 < b < _BITS64 and a % b == 0:
        return a // b
    return bigfloat.arithmetic(operator.truediv, a, b)


@builtin("rem", args=(NUMBER, NUMBER), result=NUMBER, categories=NUMBERS, infix="%")
def rem(a, b):
    """Go's truncated remainder on exact integers: the result takes the dividend's sign;
    integral floats are accepted."""
    if not (bigfloat.integral(a) and bigfloat.integral(b)):
        raise BuiltinError("modulo on floating-point number")
    a = int(a)
    b = int(b)
    if b == 0:
        raise BuiltinError("modulo by zero")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


@builtin("abs", args=(NUMBER,), result=NUMBER, categories=NUMBERS)
def abs_(x):
    """At OPA's 64-bit precision: exact for floats and ints below 2**64, rounded beyond."""
    t = type(x)
    if (t is int and -_BITS64 < x < _BITS64) or t is float:
        return normalize_number(abs(x))
    return bigfloat.shortest(bigfloat.rounded(abs(bigfloat.exact(x))))


@builtin("ceil", args=(NUMBER,), result=NUMBER, categories=NUMBERS)
def ceil(x):
    """As OPA: truncate, then add one unless the truncation is negative or exact; so
    ceil(-0.5) is 1 in OPA (and here), and ceil(-1.5) is -1."""
    if type(x) is int and -_BITS64 < x < _BITS64:
        return x
    q = x if type(x) is float else bigfloat.parsed(x)
    whole = math.trunc(q)
    return whole if whole < 0 or whole == q else whole + 1


@builtin("floor", args=(NUMBER,), result=NUMBER, categories=NUMBERS)
def floor(x):
    """As OPA: truncate, then subtract one unless the truncation is positive, zero or
    exact; so floor(-0.5) is 0 in OPA (and here), and floor(-1.5) is -2."""
    if type(x) is int and -_BITS64 < x < _BITS64:
        return x
    q = x if type(x) is float else bigfloat.parsed(x)
    whole = math.trunc(q)
    return whole if whole >= 0 or whole == q else whole - 1


@builtin("round", args=(NUMBER,), result=NUMBER, categories=NUMBERS)
def round_(x):
    """Go's math.Round on the 64-bit value: halves round away from zero."""
    t = type(x)
    if t is int and -_BITS64 < x < _BITS64:
        return x
    if t is float:
        magnitude = abs(x)
        whole = math.floor(magnitude)
        if magnitude - whole >= 0.5:  # exact: a float minus its floor is representable
            whole += 1
        return -whole if x < 0 else whole
    # OPA adds (or subtracts) one half at 64 bits and truncates
    q = bigfloat.parsed(x)
    half = Fraction(-1, 2) if q < 0 else Fraction(1, 2)
    return math.trunc(bigfloat.rounded(q + half).value())


# --- ranges and random ----------------------------------------------------------


def _range_size(a, b, c=1) -> int:
    """How many numbers numbers.range(_step) will make (0 for operands it refuses)."""
    try:
        start, stop, step = big_int_operand(a, 1), big_int_operand(b, 2), big_int_operand(c, 3)
    except BuiltinError:
        return 0
    return abs(stop - start) // step + 1 if step > 0 else 0


_CHUNK = 1 << 16


def _materialise(numbers: range) -> list:
    """The range as a list, built a chunk at a time: a deadline can stop a huge
    one between chunks (OPA checks for cancellation while generating too)."""
    if len(numbers) <= _CHUNK:
        return list(numbers)
    out: list = []
    for i in range(0, len(numbers), _CHUNK):
        out.extend(numbers[i : i + _CHUNK])
    return out


@builtin(
    "numbers.range",
    args=(NUMBER, NUMBER),
    result=array_of(NUMBER),
    categories=NUMBERS,
    check_args=False,
    cost=_range_size,
)
def numbers_range(a, b):
    start = big_int_operand(a, 1)
    stop = big_int_operand(b, 2)
    if start <= stop:
        return _materialise(range(start, stop + 1))
    return _materialise(range(start, stop - 1, -1))


@builtin(
    "numbers.range_step",
    args=(NUMBER, NUMBER, NUMBER),
    result=array_of(NUMBER),
    categories=NUMBERS,
    check_args=False,
    cost=_range_size,
)
def numbers_range_step(a, b, c):
    start = big_int_operand(a, 1)
    stop = big_int_operand(b, 2)
    step = big_int_operand(c, 3)
    if step <= 0:
        raise BuiltinError("step must be a positive number above zero")
    if start <= stop:
        return _materialise(range(start, stop + 1, step))
    return _materialise(range(start, stop - 1, -step))



@builtin(
    "rand.intn",
    args=(STRING, NUMBER),
    result=NUMBER,
    categories=NUMBERS,
    nondeterministic=True,
    check_args=False,
)
def rand_intn(name, n):
    """A random int in [0, |n|). The evaluator must cache the result per query, keyed by (name, n)."""
    if type(name) is not str:
        raise OperandTypeError(1, "string", name)
    n = int_operand(n, 2)
    if n == 0:
        return 0
    return random.randrange(abs(n))


# --- bits -----------------------------------------------------------------------


@builtin("bits.and", args=(NUMBER, NUMBER), result=NUMBER, categories=BITS, check_args=False)
def bits_and(a, b):
    return big_int_operand(a, 1) & big_int_operand(b, 2)


@builtin("bits.or", args=(NUMBER, NUMBER), result=NUMBER, categories=BITS, check_args=False)
def bits_or(a, b):
    return big_int_operand(a, 1) | big_int_operand(b, 2)


@builtin("bits.xor", args=(NUMBER, NUMBER), result=NUMBER, categories=BITS, check_args=False)
def bits_xor(a, b):
    return big_int_operand(a, 1) ^ big_int_operand(b, 2)


@builtin("bits.negate", args=(NUMBER,), result=NUMBER, categories=BITS, check_args=False)
def bits_negate(a):
    return ~big_int_operand(a, 1)


@builtin("bits.lsh", args=(NUMBER, NUMBER), result=NUMBER, categories=BITS, check_args=False)
def bits_lsh(a, b):
    x = big_int_operand(a, 1)
    n = _shift_operand(b)
    if x and n > _MAX_SHIFT:
        raise BuiltinError("shift amount too large")  # OPA would try to allocate it
    return x << n


@builtin("bits.rsh", args=(NUMBER, NUMBER), result=NUMBER, categories=BITS, check_args=False)
def bits_rsh(a, b):
    x = big_int_operand(a, 1)
    return x >> _shift_operand(b)


# --- set operators ----------------------------------------------------------------


@builtin("and", args=(set_of(ANY), set_of(ANY)), result=set_of(ANY), categories=SETS, infix="&")
def and_(a, b):
    return a.intersection(b)


@builtin("or", args=(set_of(ANY), set_of(ANY)), result=set_of(ANY), categories=SETS, infix="|")
def or_(a, b):
    return a.union(b)


# --- helpers ------------------------------------------------------------------------


def _arithmetic(op, a, b):
    """`op` with at least one operand that is not an int: exact when both are integral
    (2.0, 1e3), else OPA's 64-bit float path (`0.1 + 0.2` is 0.3)."""
    if bigfloat.integral(a) and bigfloat.integral(b):
        return op(int(a), int(b))
    return bigfloat.arithmetic(op, a, b)


def _shift_operand(b) -> int:
    n = big_int_operand(b, 2)
    if n < 0:
        raise OperandError(2, "must be an unsigned integer number but got a negative integer")
    return n
