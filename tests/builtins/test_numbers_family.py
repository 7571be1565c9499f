"""numbers.py: arithmetic operators, rounding, ranges, rand.intn, bits.*, and the set operators.

Expected values are transcribed from OPA's fixtures (arithmetic, bitsand,
numbersrange, sets) where they exist.
"""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, BuiltinError, OperandError, OperandTypeError
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR
from regolite.values import RegoSet
from tests.builtin_helpers import call, fails, same


# --- arithmetic ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, a, b, want",
    [
        # arithmetic/bignum exact
        ("plus", 18446744073709551617, 1, 18446744073709551618),
        ("minus", 18446744073709551617, 1, 18446744073709551616),
        ("mul", 18446744073709551617, 2, 36893488147419103234),
        ("plus", 123456789012345678901234567890, 1, 123456789012345678901234567891),
        ("minus", -18446744073709551617, 1, -18446744073709551618),
        ("plus", 2, 3, 5),
        ("plus", 1.5, 2.5, 4),
        ("plus", 1, 2.5, 3.5),
        ("mul", 2.5, 2, 5),
        ("mul", 1.5, 2, 3),
        # arithmetic/int32 window edges
        ("plus", 2147483647, 1, 2147483648),
        ("minus", -2147483648, 1, -2147483649),
        ("mul", 2147483647, 2147483647, 4611686014132420609),
        ("mul", -2147483648, -2147483648, 4611686018427387904),
        ("plus", 9223372036854775807, 1, 9223372036854775808),
        ("plus", 10.0, 5, 15),
        ("plus", 10**30, 1, 1000000000000000000000000000001),
        # division
        ("div", 6, 3, 2),
        ("div", -6, 3, -2),
        ("div", 1, 4, 0.25),
        ("div", 0, 5, 0),
        ("div", 4, 2, 2),
        ("div", 3.0, 1.5, 2),
        ("div", 1, 3, Fraction("0.33333333333333333334")),  # OPA divides at 64 bits
        ("div", 7, -2, -3.5),
        # remainder: sign of the dividend, integral floats accepted
        ("rem", -17, 5, -2),
        ("rem", 17, -5, 2),
        ("rem", 4.0, 3, 1),
        ("rem", 10, 18446744073709551616, 10),
        ("rem", 5, 55340232221128654848, 5),
        ("rem", 7, 340282366920938463463374607431768211456, 7),
        ("rem", 100, -18446744073709551616, 100),
        ("rem", 18446744073709551617, 18446744073709551616, 1),
        ("rem", 10, 18446744073709551617, 10),
    ],
)
def test_binary_arithmetic(name, a, b, want):
    assert same(call(name, a, b), want)


def test_float_results_that_are_not_integral_stay_floats():
    assert same(call("plus", 0.1, 0.2), 0.3)  # 64 bits of mantissa, then the shortest decimal
    assert same(call("minus", 1, 0.25), 0.75)


def test_no_overflow_to_infinity():
    got = call("mul", 1e308, 10)
    assert type(got) is int and got == int(1e308) * 10
    assert same(call("plus", 10**400, 0.5), 10**400)  # shortest decimal at 64 bits: 1e+400
    assert same(call("mul", 10**300, 1.5), 15 * 10**299)
    assert same(call("plus", 2**60 + 1, 0.5), Fraction(2**61 + 3, 2))  # exact within 64 bits
    assert same(call("div", 10**400, 10**399), 10)
    got = call("div", 10**400 + 1, 10)
    assert type(got) is int and got == 10**399


@pytest.mark.parametrize("a, b", [(1, 0), (1, 0.0), (1.5, 0), (0, 0)])
def test_divide_by_zero(a, b):
    with pytest.raises(BuiltinError) as info:
        call("div", a, b)
    assert (info.value.code, info.value.message) == (EVAL_BUILTIN_ERROR, "divide by zero")


def test_remainder_errors():
    fails(BuiltinError, "modulo on floating-point number", "rem", 1.1, 1)
    fails(BuiltinError, "modulo on floating-point number", "rem", 4, 1.5)
    fails(BuiltinError, "modulo by zero", "rem", 4, 0)
    fails(BuiltinError, "modulo by zero", "rem", 4, 0.0)


@pytest.mark.parametrize("name", ["plus", "mul", "div", "rem"])
def test_number_operand_errors(name):
    with pytest.raises(OperandTypeError) as info:
        call(name, "1", 2)
    assert (info.value.code, info.value.message) == (EVAL_TYPE_ERROR, "operand 1 must be number but got string")
    fails(OperandTypeError, "operand 2 must be number but got boolean", name, 1, True)


def test_minus_on_sets_and_its_errors():
    assert call("minus", RegoSet([1, 2, "c"]), RegoSet(["c", 1])) == RegoSet([2])  # sets/set_diff
    fails(OperandTypeError, "operand 2 must be set but got number", "minus", RegoSet([1]), 1)
    fails(OperandTypeError, "operand 2 must be number but got set", "minus", 1, RegoSet([1]))
    fails(OperandTypeError, "operand 1 must be one of {number, set} but got string", "minus", "a", 1)
    assert same(call("minus", 5, 2), 3)
    assert same(call("minus", 2.5, 0.5), 2)


# --- rounding -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, x, want",
    [
        ("abs", -5, 5),
        ("abs", -2147483648, 2147483648),
        ("abs", -9223372036854775808, 9223372036854775808),
        ("abs", -2.5, 2.5),
        ("abs", -2.0, 2),
        ("round", 2.5, 3),
        ("round", -2.5, -3),
        ("round", 2.4, 2),
        ("round", -5, -5),
        ("round", 10.0, 10),
        ("round", 0.49999999999999994, 0),
        ("round", -0.5, -1),
        ("round", 1e300, int(1e300)),
        ("floor", 1.01, 1),
        ("floor", 1.5, 1),
        ("floor", 99.99999, 99),
        ("floor", 1, 1),
        ("floor", -1.001, -2),
        ("floor", -0.5, 0),  # OPA truncates, then steps down only from a negative truncation
        ("ceil", 1.01, 2),
        ("ceil", -1.5, -1),
        ("ceil", -0.5, 1),  # OPA truncates, then steps up unless the truncation is negative
        ("ceil", 3, 3),
        ("ceil", 4.0, 4),
    ],
)
def test_unary_arithmetic(name, x, want):
    assert same(call(name, x), want)


def test_divide_and_round_fixture():
    # arithmetic/divide+round: {round(i / x) | x = [1, 2, 3, 4][i]} == {0, 1}
    results = {call("round", call("div", i, x)) for i, x in enumerate([1, 2, 3, 4])}
    assert results == {0, 1}


# --- ranges -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, want",
    [
        (0, 0, [0]),
        (-2, 3, [-2, -1, 0, 1, 2, 3]),
        (2, -3, [2, 1, 0, -1, -2, -3]),
        (5, 2, [5, 4, 3, 2]),
        (0, 1, [0, 1]),
        (1.0, 3, [1, 2, 3]),
        (2**70, 2**70 + 1, [2**70, 2**70 + 1]),
    ],
)
def test_numbers_range(a, b, want):
    got = call("numbers.range", a, b)
    assert got == want and all(type(x) is int for x in got)


@pytest.mark.parametrize(
    "a, b, step, want",
    [
        (0, 10, 3, [0, 3, 6, 9]),
        (0, 9, 3, [0, 3, 6, 9]),
        (10, 0, 3, [10, 7, 4, 1]),
        (2, 2, 5, [2]),
        (0, 1, 10, [0]),
    ],
)
def test_numbers_range_step(a, b, step, want):
    assert call("numbers.range_step", a, b, step) == want


def test_range_errors():
    fails(OperandError, "operand 2 must be integer number but got floating-point number", "numbers.range", 1, 2.5)
    fails(OperandTypeError, "operand 1 must be integer but got string", "numbers.range", "1", 2)
    fails(BuiltinError, "step must be a positive number above zero", "numbers.range_step", 1, 5, 0)
    fails(BuiltinError, "step must be a positive number above zero", "numbers.range_step", 1, 5, -1)


@given(st.integers(min_value=0, max_value=300))
def test_sum_of_range_is_triangular(n):
    xs = call("numbers.range", 0, n - 1) if n else []
    assert call("sum", xs) == n * (n - 1) // 2


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 7))
def test_range_step_agrees_with_range(a, b, step):
    stepped = call("numbers.range_step", a, b, step)
    assert stepped == call("numbers.range", a, b)[::step]


# --- rand.intn ------------------------------------------------------------------------


def test_rand_intn():
    decl = REGISTRY["rand.intn"]
    assert decl.nondeterministic
    for n in (1, 5, -5, 100):
        x = call("rand.intn", "k", n)
        assert type(x) is int and 0 <= x < abs(n)
    assert same(call("rand.intn", "k", 0), 0)
    fails(OperandError, "operand 2 must be integer number but got floating-point number", "rand.intn", "k", 2.5)
    fails(OperandTypeError, "operand 1 must be string but got number", "rand.intn", 1, 2)


# --- bits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args, want",
    [
        ("bits.and", (50, 0), 0),
        ("bits.and", (12, 10), 8),
        ("bits.or", (12, 10), 14),
        ("bits.xor", (12, 10), 6),
        ("bits.negate", (42,), -43),
        ("bits.negate", (-1,), 0),
        ("bits.lsh", (1, 70), 2**70),
        ("bits.rsh", (2**70, 69), 2),
        ("bits.rsh", (-8, 1), -4),
        ("bits.and", (2**64 + 3, 2**64 + 1), 2**64 + 1),
        ("bits.or", (4.0, 1), 5),
    ],
)
def test_bits(name, args, want):
    assert same(call(name, *args), want)


def test_bits_errors():
    # bitsand/lhs (float) error
    with pytest.raises(OperandError) as info:
        call("bits.and", 7.2, 42)
    assert (info.value.code, info.value.message) == (
        EVAL_TYPE_ERROR,
        "operand 1 must be integer number but got floating-point number",
    )
    fails(OperandError, "operand 2 must be integer number but got floating-point number", "bits.xor", 1, 0.5)
    fails(OperandTypeError, "operand 1 must be integer but got string", "bits.negate", "1")
    fails(OperandError, "operand 2 must be an unsigned integer number but got a negative integer", "bits.lsh", 1, -1)


# --- set operators ------------------------------------------------------------------------


def test_set_operators():
    # sets/union: {3, 2, 3} | {3, 4, 3} == {2, 3, 4}
    assert call("or", RegoSet([3, 2, 3]), RegoSet([3, 4, 3])) == RegoSet([2, 3, 4])
    assert call("and", RegoSet([1, 2, 3]), RegoSet([2, 3, 4])) == RegoSet([2, 3])
    assert call("and", RegoSet([1, True]), RegoSet([True])) == RegoSet([True])
    fails(OperandTypeError, "operand 2 must be set but got array", "and", RegoSet(), [])
    fails(OperandTypeError, "operand 1 must be set but got number", "or", 1, RegoSet())


def test_operator_declarations():
    infix = {name: REGISTRY[name].infix for name in ("plus", "minus", "mul", "div", "rem", "and", "or")}
    assert infix == {"plus": "+", "minus": "-", "mul": "*", "div": "/", "rem": "%", "and": "&", "or": "|"}


# --- properties -------------------------------------------------------------------------

ints = st.integers(min_value=-(2**80), max_value=2**80)
floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
numbers = st.one_of(ints, floats)


@given(ints, ints)
def test_int_arithmetic_is_exact(a, b):
    assert same(call("plus", a, b), a + b)
    assert same(call("minus", a, b), a - b)
    assert same(call("mul", a, b), a * b)
    if b:
        r = call("rem", a, b)
        assert type(r) is int and abs(r) < abs(b) and (r == 0 or (r < 0) == (a < 0))
        assert (a - r) % b == 0


@given(numbers, numbers)
def test_results_are_ints_when_integral(a, b):
    for name in ("plus", "minus", "mul") + (("div",) if b else ()):
        r = call(name, a, b)
        assert type(r) is int or (type(r) is float and not r.is_integer()) or (type(r) is Fraction and r.denominator != 1)


@given(numbers)
def test_rounding_brackets_the_value(x):
    lo, hi, r = call("floor", x), call("ceil", x), call("round", x)
    assert type(lo) is int and type(hi) is int and type(r) is int
    if type(x) is int and abs(x) >= 2**64:  # OPA rounds to 64 bits of mantissa first: floor(2**64 + 1) is 2**64
        assert lo == hi == r == round(x / Fraction(2 ** (x.bit_length() - 64))) << (x.bit_length() - 64)
        return
    if -1 < x < 0:  # OPA's floor and ceil truncate first: floor(-0.5) is 0, ceil(-0.5) is 1
        assert (lo, hi) == (0, 1)
    else:
        assert lo <= x <= hi and hi - lo <= 1
    assert abs(r - x) <= 0.5
