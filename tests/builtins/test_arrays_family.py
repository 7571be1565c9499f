"""arrays.py: array.concat, array.slice, array.reverse, array.flatten (cases from OPA's array fixtures)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import OperandError, OperandTypeError
from regolite.values import RegoSet
from tests.builtin_helpers import call, fails


def test_concat():
    assert call("array.concat", [1, 2], [3, 4]) == [1, 2, 3, 4]
    assert call("array.concat", [], []) == []
    a = [1]
    call("array.concat", a, [2])
    assert a == [1]
    fails(OperandTypeError, "operand 1 must be array but got object", "array.concat", {"v1": "hello"}, [3, 4])
    fails(OperandTypeError, "operand 2 must be array but got object", "array.concat", [1, 2], {"v1": "hello"})


@pytest.mark.parametrize(
    "arr, start, stop, want",
    [
        ([1, 2, 3, 4, 5], 1, 3, [2, 3]),
        ([1, 2, 3], 0, 0, []),
        ([1, 2, 3, 4, 5], -4, -1, []),  # negative indexes clamp to 0, not Python-style
        ([1, 2, 3], -1, 2, [1, 2]),
        ([1, 2, 3], 1, 10, [2, 3]),
        ([1, 2, 3], 2, 1, []),
        ([1, 2, 3], 5, 9, []),
        ([], 0, 1, []),
    ],
)
def test_slice(arr, start, stop, want):
    assert call("array.slice", arr, start, stop) == want


def test_slice_errors():
    fails(OperandTypeError, "operand 1 must be array but got string", "array.slice", "abc", 0, 1)
    fails(OperandTypeError, "operand 2 must be number but got string", "array.slice", [1], "0", 1)
    fails(OperandError, "operand 3 must be integer number but got floating-point number", "array.slice", [1], 0, 1.5)


def test_reverse():
    assert call("array.reverse", [1, [2], "3"]) == ["3", [2], 1]
    assert call("array.reverse", []) == []
    fails(OperandTypeError, "operand 1 must be array but got set", "array.reverse", RegoSet())


@pytest.mark.parametrize(
    "arr, want",
    [
        ([], []),
        ([[1, 2], [3, 4], [5]], [1, 2, 3, 4, 5]),
        ([[[1], [2, 3, []]], [[4, 5]]], [[1], [2, 3, []], [4, 5]]),
        ([[1, 2], "string", [3, {"a": "b"}], 4.5, [6, [7, 8]]], [1, 2, "string", 3, {"a": "b"}, 4.5, 6, [7, 8]]),
    ],
)
def test_flatten(arr, want):
    assert call("array.flatten", arr) == want


def test_flatten_error():
    fails(OperandTypeError, "operand 1 must be array but got number", "array.flatten", 42)


lists = st.lists(st.integers(), max_size=10)


@given(lists, st.integers(-12, 12), st.integers(-12, 12))
def test_slice_is_a_clamped_python_slice(xs, start, stop):
    lo = max(0, start)
    hi = max(0, stop)
    assert call("array.slice", xs, start, stop) == (xs[lo:hi] if lo <= hi else [])


@given(lists, lists)
def test_concat_reverse_laws(a, b):
    assert call("array.reverse", call("array.reverse", a)) == a
    assert call("array.reverse", call("array.concat", a, b)) == call(
        "array.concat", call("array.reverse", b), call("array.reverse", a)
    )
    assert call("array.flatten", [a, b]) == a + b
