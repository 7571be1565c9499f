"""aggregates.py: count, sum, product, max, min, sort, all, any (cases from OPA's aggregates, all, any fixtures)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, OperandError, OperandTypeError
from regolite.values import UNDEFINED, RegoSet, compare, equal, sort_key
from tests.builtin_helpers import call, fails, same


@pytest.mark.parametrize(
    "x, want",
    [
        ([1, 2, 3, 4], 4),
        (RegoSet([1, 2, 2]), 2),
        ({"v1": "hello", "v2": "goodbye"}, 2),
        ("", 0),
        ("héllo", 5),
        ("🙂a", 2),  # code points, not bytes or UTF-16 units
        ([], 0),
    ],
)
def test_count(x, want):
    assert same(call("count", x), want)


def test_count_type_error():
    fails(OperandTypeError, "operand 1 must be one of {array, object, set, string} but got number", "count", 1)
    fails(OperandTypeError, "operand 1 must be one of {array, object, set, string} but got null", "count", None)


@pytest.mark.parametrize(
    "name, x, want",
    [
        ("sum", RegoSet([1, 2, 3, 4]), 10),
        ("sum", [1, 2, 3, 4], 10),
        ("sum", [], 0),
        ("sum", [18446744073709551617, 1], 18446744073709551618),
        ("sum", RegoSet([18446744073709551617, 1]), 18446744073709551618),
        ("sum", [9223372036854775807, 1], 9223372036854775808),
        ("sum", RegoSet([9223372036854775807, 1, 2]), 9223372036854775810),
        ("sum", [-9223372036854775808, -1], -9223372036854775809),
        ("sum", [1.5, 2.5], 4),
        ("sum", [1, 2.5], 3.5),
        ("sum", [0.1, 0.2, -0.3], 0),  # OPA adds at 64 bits: 0.1 + 0.2 is 0.3 there
        ("product", RegoSet([1, 2, 3, 4]), 24),
        ("product", [18446744073709551617, 2], 36893488147419103234),
        ("product", [2, 3, 4], 24),
        ("product", [1.5, 2], 3),
        ("product", [], 1),
        ("product", [0.5, 3], 1.5),
    ],
)
def test_sum_and_product(name, x, want):
    assert same(call(name, x), want)


def test_sum_and_product_errors():
    fails(OperandTypeError, "operand 1 must be one of {set, array} but got string", "sum", "abc")
    fails(OperandTypeError, "operand 1 must be one of {set, array} but got object", "product", {})
    fails(OperandError, "operand 1 must be array of numbers but got array containing string", "sum", [1, "2"])
    fails(OperandError, "operand 1 must be set of numbers but got set containing boolean", "product", RegoSet([True]))


@pytest.mark.parametrize(
    "name, x, want",
    [
        ("max", RegoSet([1, 2, 3, 4]), 4),
        ("max", [1, 2, 3, 4], 4),
        ("min", [3, 2, 1, 4, 6, -7, 10], -7),
        ("min", RegoSet([1, 2, 3, 4]), 1),
        ("max", [1, "a", None, [0]], [0]),  # OPA's order across types
        ("min", [1, "a", False, [0]], False),
        ("max", [1, 1.5], 1.5),
        ("max", [], UNDEFINED),
        ("min", RegoSet(), UNDEFINED),
    ],
)
def test_max_and_min(name, x, want):
    got = call(name, x)
    assert got is want if want is UNDEFINED else equal(got, want)


def test_max_min_sort_errors():
    for name in ("max", "min", "sort"):
        fails(OperandTypeError, "operand 1 must be one of {set, array} but got string", name, "abc")


def test_sort():
    assert call("sort", [4, 3, 2, 1]) == [1, 2, 3, 4]
    assert call("sort", RegoSet(["b", "a", 3])) == [3, "a", "b"]
    assert call("sort", [[1, 2], [1], None, {"a": 1}, True, "x", 0.5]) == [None, True, 0.5, "x", [1], [1, 2], {"a": 1}]
    xs = [2, 1]
    call("sort", xs)
    assert xs == [2, 1]  # operands are not modified


@pytest.mark.parametrize(
    "x, want_all, want_any",
    [
        (RegoSet(), True, False),
        ([], True, False),
        (RegoSet([True]), True, True),
        ([True, True, True], True, True),
        (RegoSet([False, True]), False, True),
        ([False, True, True], False, True),
        ([{}, "", True, True, 123], False, True),
        ([True, {}, "false"], False, True),
        ([False], False, False),
        ([1], False, False),  # 1 is not true
    ],
)
def test_all_and_any(x, want_all, want_any):
    assert call("all", x) is want_all
    assert call("any", x) is want_any


def test_all_any_are_deprecated():
    assert REGISTRY["all"].deprecated and REGISTRY["any"].deprecated
    fails(OperandTypeError, "operand 1 must be one of {array, set} but got object", "all", {})


# --- properties ---------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=3),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=2), inner, max_size=3),
        st.lists(inner, max_size=3).map(RegoSet),
    ),
    max_leaves=8,
)


@given(st.lists(values, max_size=8))
def test_sort_is_idempotent_and_ordered(xs):
    once = call("sort", xs)
    assert call("sort", once) == once
    assert len(once) == len(xs)
    for a, b in zip(once, once[1:]):
        assert compare(a, b) <= 0


@given(st.lists(values, min_size=1, max_size=8))
def test_max_and_min_agree_with_sort(xs):
    ordered = call("sort", xs)
    assert compare(call("max", xs), ordered[-1]) == 0
    assert compare(call("min", xs), ordered[0]) == 0
    assert call("sort", RegoSet(xs)) == sorted(RegoSet(xs), key=sort_key)


@given(st.lists(st.integers(-(2**70), 2**70), max_size=10))
def test_sum_and_product_of_ints_are_exact(xs):
    assert same(call("sum", xs), sum(xs))
    product = 1
    for x in xs:
        product *= x
    assert same(call("product", xs), product)
