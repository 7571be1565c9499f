import copy
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regolite.values import (
    UNDEFINED,
    RegoSet,
    compare,
    equal,
    freeze,
    from_json,
    is_value,
    key_to_text,
    make_object,
    object_get,
    object_items,
    object_keys,
    sort_key,
    thaw,
    to_json,
    to_text,
    type_name,
)

# --- strategies ----------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1.0, -1.0, 2.5]),
    st.text(max_size=4),
)


def _composites(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=3), children, max_size=4),
        st.lists(st.tuples(children, children), max_size=4).map(make_object),
        st.lists(children, max_size=4).map(RegoSet),
    )


values = st.recursive(scalars, _composites, max_leaves=12)
small_sets = st.lists(st.one_of(st.integers(-3, 3), st.booleans(), st.sampled_from(["a", 1.0, None])), max_size=6).map(
    RegoSet
)


def sign(x):
    return (x > 0) - (x < 0)


# --- order ---------------------------------------------------------------------


@given(values, values)
def test_compare_is_antisymmetric(a, b):
    assert compare(a, b) == -compare(b, a)


@settings(max_examples=300)
@given(values, values, values)
def test_compare_is_transitive(a, b, c):
    a, b, c = sorted([a, b, c], key=sort_key)
    assert compare(a, b) <= 0 and compare(b, c) <= 0 and compare(a, c) <= 0
    if compare(a, b) == 0 and compare(b, c) == 0:
        assert compare(a, c) == 0


@given(values, values)
def test_compare_agrees_with_sort_key_and_equal(a, b):
    ka, kb = sort_key(a), sort_key(b)
    assert compare(a, b) == (ka > kb) - (ka < kb)
    assert (compare(a, b) == 0) == equal(a, b)


@given(values)
def test_compare_is_reflexive(a):
    assert compare(a, a) == 0
    assert equal(a, a)


def test_type_order():
    ordered = [None, False, True, -1, 0, 0.5, 1, "", "a", "b", [], [0], {}, {"a": 1}, RegoSet(), RegoSet([0])]
    for i, x in enumerate(ordered):
        for j, y in enumerate(ordered):
            assert compare(x, y) == sign(i - j), (x, y)


def test_arrays_lexicographic_then_length():
    assert compare([1, 2], [1, 3]) == -1
    assert compare([2], [1, 3]) == 1
    assert compare([1], [1, 0]) == -1


def test_objects_compare_key_then_value_then_length():
    assert compare({"a": 2}, {"a": 1, "b": 0}) == 1  # same first key, larger value
    assert compare({"a": 1}, {"a": 1, "b": 0}) == -1  # prefix, shorter
    assert compare({"b": 0}, {"a": 5}) == 1  # first key larger
    assert compare(make_object([(1, "x")]), {"a": "x"}) == -1  # number key before string key


def test_sets_compare_sorted_elements():
    assert compare(RegoSet([3, 1]), RegoSet([1, 2])) == 1
    assert compare(RegoSet([1, 2]), RegoSet([2, 1])) == 0
    assert compare(RegoSet([1]), RegoSet([1, 2])) == -1


def test_numbers_compare_exactly():
    assert compare(2**53 + 1, float(2**53)) == 1
    assert compare(1, 1.0) == 0
    assert compare(10**400, 1e300) == 1


# --- equality and frozen keys --------------------------------------------------


def test_true_is_not_one():
    assert not equal(True, 1)
    assert not equal(False, 0)
    assert not equal([True], [1])
    assert not equal({"a": False}, {"a": 0})
    assert equal(1, 1.0)
    assert equal([1, {"a": 2}], [1.0, {"a": 2.0}])
    assert freeze(True) != freeze(1)
    assert freeze(False) != freeze(0)


def test_set_keeps_true_and_one_apart():
    s = RegoSet([1, True, 1.0, False, 0])
    assert len(s) == 4
    assert True in s and 1 in s and 1.0 in s
    assert 2 not in s


def test_object_lookup_by_true_is_undefined():
    assert object_get({1: "a"}, True) is UNDEFINED
    assert object_get({1: "a"}, 1.0) == "a"
    obj = make_object([(True, "t"), (1, "one"), ([1, "x"], "arr")])
    assert len(obj) == 3
    assert object_get(obj, True) == "t"
    assert object_get(obj, 1) == "one"
    assert object_get(obj, [1.0, "x"]) == "arr"
    assert object_get(obj, False, None) is None


@given(values)
def test_freeze_thaw_round_trip(v):
    key = freeze(v)
    hash(key)
    assert equal(thaw(key), v)
    assert freeze(thaw(key)) == key


@given(values, values)
def test_freeze_matches_equal(a, b):
    assert (freeze(a) == freeze(b)) == equal(a, b)
    if equal(a, b):
        assert hash(freeze(a)) == hash(freeze(b))


def test_frozen_composites_never_equal_other_kinds():
    forms = [freeze(x) for x in ([], {}, RegoSet(), [1], RegoSet([1]), None, 0, "", True)]
    assert len(set(forms)) == len(forms)


def test_freeze_rejects_non_values():
    with pytest.raises(TypeError):
        freeze(b"x")
    with pytest.raises(TypeError):
        freeze((1, 2))


def test_object_items_and_keys_thaw():
    obj = make_object([("a", 1), (True, 2), ([1], 3), (RegoSet([2]), 4)])
    assert sorted(object_items(obj), key=lambda kv: sort_key(kv[0])) == [
        (True, 2),
        ("a", 1),
        ([1], 3),
        (RegoSet([2]), 4),
    ]
    assert list(object_keys({"x": 1})) == ["x"]


def test_make_object_later_duplicate_wins():
    assert make_object([(1, "a"), (1.0, "b")]) == {1: "b"}


# --- sets ----------------------------------------------------------------------


@given(small_sets, small_sets)
def test_union_is_commutative(a, b):
    assert a.union(b) == b.union(a)


@given(small_sets, small_sets, small_sets)
def test_union_is_associative(a, b, c):
    assert a.union(b).union(c) == a.union(b.union(c))


@given(small_sets, small_sets, small_sets)
def test_intersection_distributes_over_union(a, b, c):
    assert a.intersection(b.union(c)) == a.intersection(b).union(a.intersection(c))
    assert a.union(b.intersection(c)) == a.union(b).intersection(a.union(c))


@given(small_sets, small_sets)
def test_difference_laws(a, b):
    d = a.difference(b)
    assert len(d.intersection(b)) == 0
    assert d.union(a.intersection(b)) == a
    assert all(x in a and x not in b for x in d)


@given(small_sets)
def test_set_operations_do_not_mutate(a):
    before = a.copy()
    a.union(RegoSet([99])), a.intersection(RegoSet()), a.difference(a)
    assert a == before


def test_set_api():
    s = RegoSet()
    assert len(s) == 0 and repr(s) == "set()"
    s.add([1])
    s.add([1.0])
    s.add("a")
    assert len(s) == 2
    assert [1] in s and "a" in s
    assert repr(s) == '{"a", [1]}'
    assert s == RegoSet(["a", [1.0]])
    assert s != ["a", [1]]
    with pytest.raises(TypeError):
        hash(s)
    c = s.copy()
    c.add(3)
    assert len(s) == 2 and len(c) == 3


def test_set_iteration_yields_values_as_given():
    inner = {"k": [1, 2]}
    s = RegoSet([inner])
    assert next(iter(s)) is inner


# --- JSON out ------------------------------------------------------------------


@given(st.lists(values, max_size=6))
def test_to_json_of_sets_is_sorted(elements):
    s = RegoSet(elements)
    out = to_json(s)
    assert out == [to_json(v) for v in sorted(s, key=sort_key)]
    assert len(out) == len(s)


def test_to_json_converts_keys_and_sets():
    obj = make_object([("b", RegoSet([2, 1])), (1, "one"), (True, None), ([1, "a"], 0)])
    assert to_json(obj) == {"b": [1, 2], "1": "one", "true": None, '[1,"a"]': 0}
    assert list(to_json(obj)) == sorted(to_json(obj))


def test_to_json_does_not_copy_clean_values():
    doc = {"a": [1, {"b": "c"}], "d": None}
    assert to_json(doc) is doc
    mixed = {"a": [1, {"b": "c"}], "s": RegoSet([1])}
    out = to_json(mixed)
    assert out["a"] is mixed["a"]
    assert out["s"] == [1]


def test_key_to_text():
    assert key_to_text("x") == "x"
    assert key_to_text(1) == "1"
    assert key_to_text(freeze(True)) == "true"
    assert key_to_text(None) == "null"
    assert key_to_text(freeze([1, "a"])) == '[1,"a"]'
    assert key_to_text(freeze({"b": 1, "a": RegoSet([2, 1])})) == '{"a":[1,2],"b":1}'
    assert key_to_text(freeze(["<&>"])) == '["\\u003c\\u0026\\u003e"]'


def test_to_text():
    assert to_text([True, None, "a", 1]) == '[true, null, "a", 1]'
    assert to_text(make_object([(1, "a"), ("b", RegoSet())])) == '{1: "a", "b": set()}'


# --- JSON in -------------------------------------------------------------------


def test_from_json_returns_valid_input_as_is():
    doc = {"a": [1, 2.5, {"b": None, "c": True}], "s": RegoSet([1])}
    assert from_json(doc) is doc
    obj = make_object([([1], "x")])
    assert from_json(obj) is obj


def test_from_json_converts_what_it_must():
    data = {"t": (1, 2), 2: "two", True: "yes", (1, "a"): 0, "s": {3, 4}, "keep": [1]}
    out = from_json(data)
    assert out["t"] == [1, 2]
    assert object_get(out, 2) == "two"
    assert object_get(out, True) == "yes"
    assert object_get(out, 1) is UNDEFINED
    assert object_get(out, [1, "a"]) == 0
    assert out["s"] == RegoSet([3, 4])
    assert out["keep"] is data["keep"]


@given(values)
def test_from_json_accepts_rego_values(v):
    assert from_json(v) is v


def test_from_json_reports_path():
    with pytest.raises(TypeError, match=r"unsupported type bytes at \$\.spec\.items\[1\]"):
        from_json({"spec": {"items": [1, b"x"]}})
    with pytest.raises(TypeError, match=r'unsupported type object at \$\["a b"\]'):
        from_json({"a b": object()})
    with pytest.raises(ValueError, match=r"nan is not a valid Rego number at \$\[0\]"):
        from_json([float("nan")])


def test_from_json_plain_types_from_subclasses():
    class Tag(str):
        pass

    out = from_json({"a": Tag("x")})
    assert type(out["a"]) is str


# --- misc ----------------------------------------------------------------------


def test_undefined():
    assert not UNDEFINED
    assert repr(UNDEFINED) == "UNDEFINED"
    assert copy.deepcopy(UNDEFINED) is UNDEFINED
    assert pickle.loads(pickle.dumps(UNDEFINED)) is UNDEFINED


def test_frozen_keys_pickle():
    key = freeze([True, {"a": RegoSet([1])}])
    assert pickle.loads(pickle.dumps(key)) == key


def test_type_name_and_is_value():
    cases = [(None, "null"), (True, "boolean"), (1, "number"), (1.5, "number"), ("", "string"), ([], "array"),
             ({}, "object"), (RegoSet(), "set")]
    for value, name in cases:
        assert type_name(value) == name
        assert is_value(value)
    with pytest.raises(TypeError):
        type_name((1,))
    assert not is_value((1,))
    assert not is_value(UNDEFINED)


def test_add_known_freezes_an_object_once_per_cache():
    container = {"name": "c", "ports": [{"containerPort": 80}]}
    frozen: dict = {}
    a, b = RegoSet(), RegoSet()
    a.add_known(container, frozen)
    b.add_known(container, frozen)
    assert list(frozen) == [id(container)]
    assert frozen[id(container)] == (container, freeze(container))
    assert a == b == RegoSet([{"name": "c", "ports": [{"containerPort": 80.0}]}])


def test_add_known_checks_the_cached_value_is_the_same_object():
    # An entry for another object under the same id (as if the id were reused)
    # must not give its key to this one.
    other, value = {"a": 1}, {"b": 2}
    frozen = {id(value): (other, freeze(other))}
    s = RegoSet()
    s.add_known(value, frozen)
    assert s == RegoSet([value]) and {"a": 1} not in s
    assert frozen[id(value)] == (value, freeze(value))


def test_add_known_keeps_rego_equality_for_scalars_and_sets():
    s = RegoSet()
    for v in (True, 1, 1.0, "x", None, RegoSet([1])):
        s.add_known(v, {})
    assert len(s) == 5 and True in s and 1 in s and RegoSet([1.0]) in s


json_like = st.recursive(
    st.one_of(scalars, st.sampled_from([float("nan"), float("inf"), -float("inf")]), st.binary(max_size=2)),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=2), st.integers(-2, 2)), children, max_size=3),
    ),
    max_leaves=10,
)


def _slow_from_json(value, max_depth):
    """from_json without its check for plain input (the reference)."""
    import regolite.values as module

    plain_size = module.plain_size
    module.plain_size = lambda v, d: None
    try:
        return from_json(value, max_depth)
    finally:
        module.plain_size = plain_size


@settings(max_examples=400)
@given(json_like, st.one_of(st.none(), st.integers(0, 4)))
def test_from_json_fast_check_agrees_with_the_full_conversion(value, max_depth):
    try:
        expected = ("ok", _slow_from_json(value, max_depth))
    except (TypeError, ValueError) as e:
        expected = (type(e), str(e))
    try:
        got = from_json(value, max_depth)
    except (TypeError, ValueError) as e:
        assert (type(e), str(e)) == expected
    else:
        assert expected[0] == "ok" and equal(got, expected[1]) and type(got) is type(expected[1])


def _plain_elements(value):
    """The number of elements of a value made only of exact JSON types; None for any other."""
    import math

    if type(value) is dict:
        if any(type(k) is not str for k in value):
            return None
        parts = [_plain_elements(v) for v in value.values()]
    elif type(value) is list:
        parts = [_plain_elements(v) for v in value]
    elif type(value) is float:
        return 0 if math.isfinite(value) else None
    else:
        return 0 if value is None or type(value) in (str, int, bool) else None
    return None if None in parts else len(value) + sum(parts)


@settings(max_examples=200)
@given(json_like)
def test_plain_size_counts_elements_of_plain_json_only(value):
    from regolite.values import plain_size

    assert plain_size(value, 64) == _plain_elements(value)
