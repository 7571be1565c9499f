"""sets.py (intersection, union, set_diff) and the set operators &, |, - (cases from OPA's
intersection, union and sets fixtures), with the algebra laws as properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, OperandTypeError
from regolite.values import RegoSet
from tests.builtin_helpers import S, call


@pytest.mark.parametrize(
    "sets, want",
    [
        (S(), S()),
        (S(S(), S(1, 2)), S()),
        (S(S(1, 2, 3), S(2, 3, 4), S(4, 5, 6)), S()),
        (S(S("a", "b", "c", "d"), S("b", "c", "d"), S("c", "d"), S("d")), S("d")),
        (S(S(1, 2, 3), S(2, 3, 4)), S(2, 3)),
        (S(S(1, True)), S(1, True)),
    ],
)
def test_intersection(sets, want):
    assert call("intersection", sets) == want


@pytest.mark.parametrize(
    "sets, want",
    [
        (S(), S()),
        (S(S(), S(1, 2)), S(1, 2)),
        (S(S(1, 2, 3), S(2)), S(1, 2, 3)),
        (S(S(1, 2, 3), S(2, 3, 4), S(4, 5, 6)), S(1, 2, 3, 4, 5, 6)),
        (S(S("a", "b", "c", "d"), S("b", "c", "d"), S("c", "d"), S("d")), S("a", "b", "c", "d")),
        (S(S(1), S(True), S(1.0)), S(1, True)),
    ],
)
def test_union(sets, want):
    assert call("union", sets) == want


def test_errors():
    for name in ("intersection", "union"):
        with pytest.raises(OperandTypeError) as info:
            call(name, [S()])
        assert info.value.message == "operand 1 must be set but got array"
        with pytest.raises(OperandTypeError) as info:
            call(name, S(S(1), 2))
        assert info.value.message == "operand 1 must be set but got number"


def test_set_diff():
    assert REGISTRY["set_diff"].deprecated
    assert call("set_diff", S(1, 2, "c"), S("c", 1)) == S(2)
    with pytest.raises(OperandTypeError) as info:
        call("set_diff", S(), [])
    assert info.value.message == "operand 2 must be set but got array"


# --- algebra laws ---------------------------------------------------------------------

elements = st.one_of(
    st.integers(-5, 5), st.booleans(), st.sampled_from(["a", "b", 1.0, 2.5]), st.lists(st.integers(0, 2), max_size=2)
)
sets = st.lists(elements, max_size=6).map(RegoSet)


def union(a, b):
    return call("or", a, b)


def inter(a, b):
    return call("and", a, b)


def diff(a, b):
    return call("minus", a, b)


@given(sets, sets, sets)
def test_union_and_intersection_laws(a, b, c):
    assert union(a, b) == union(b, a)
    assert inter(a, b) == inter(b, a)
    assert union(union(a, b), c) == union(a, union(b, c))
    assert inter(inter(a, b), c) == inter(a, inter(b, c))
    assert inter(a, union(b, c)) == union(inter(a, b), inter(a, c))
    assert union(a, inter(b, c)) == inter(union(a, b), union(a, c))
    assert union(a, a) == a and inter(a, a) == a


@given(sets, sets, sets)
def test_difference_laws(a, b, c):
    d = diff(a, b)
    assert inter(d, b) == RegoSet()
    assert union(d, inter(a, b)) == a
    assert diff(a, union(b, c)) == inter(diff(a, b), diff(a, c))
    assert call("set_diff", a, b) == d


@given(st.lists(sets, max_size=4))
def test_n_ary_forms_agree_with_the_operators(members):
    family = RegoSet(members)
    distinct = list(family)
    want_union = RegoSet()
    for s in distinct:
        want_union = union(want_union, s)
    assert call("union", family) == want_union
    if distinct:
        want_inter = distinct[0]
        for s in distinct[1:]:
            want_inter = inter(want_inter, s)
        assert call("intersection", family) == want_inter
    else:
        assert call("intersection", family) == RegoSet()
