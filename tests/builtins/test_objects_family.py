"""objects.py: object.*, json.filter, json.remove, json.patch and walk.

Cases are transcribed from OPA's objectget, objectkeys, objectremove,
objectfilter, objectunion, objectunionn, subset, jsonfilter, jsonremove,
jsonpatch and walkbuiltin fixtures; the JSON-patch suite is read from the
fixture file itself.
"""

import json
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, BuiltinError, OperandError, OperandTypeError
from regolite.values import UNDEFINED, equal, from_json, make_object
from tests.builtin_helpers import S, call, fails
from tests.conftest import require_shared


# --- object.get ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, key, default, want",
    [
        ({"a": {"b": "c"}}, "a", True, {"b": "c"}),
        ({"a": {"b": "c"}}, "b", True, True),
        ({"a": None}, "a", 1, None),  # a present null is not the default
        ({"a": [{"b": True}]}, ["a", 0, "b"], False, True),
        ({"a": [{"b": True}]}, ["a", 1, "b"], False, False),
        ({"a": [{"b": True}]}, ["a", "0"], False, False),  # arrays take number indexes
        ({"a": [{"b": True}]}, ["a", -1], False, False),
        ({"a": {"b": S("x")}}, ["a", "b", "x"], 0, "x"),  # sets: the element itself
        ({"a": {"b": S("x")}}, ["a", "b", "y"], 0, 0),
        ({"a": 1}, [], 0, 0),  # OPA returns the default for an empty path
        ({"a": 1}, ["a", "b"], 0, 0),
        (make_object([(1, "one"), (True, "yes")]), 1, 0, "one"),
        (make_object([(1, "one"), (True, "yes")]), True, 0, "yes"),
        (make_object([([1], "arr")]), [[1]], 0, "arr"),
    ],
)
def test_object_get(obj, key, default, want):
    assert equal(call("object.get", obj, key, default), want)


def test_object_get_error():
    fails(OperandTypeError, "operand 1 must be object but got array", "object.get", [], "a", 1)


# --- object.keys, remove, filter ------------------------------------------------------


def test_object_keys():
    assert call("object.keys", {"a": 1, "b": 2}) == S("a", "b")
    assert call("object.keys", make_object([(1, 1), (2, 2)])) == S(1, 2)
    assert call("object.keys", make_object([({"a": 1}, 1), ({"b": 2}, 2)])) == S({"a": 1}, {"b": 2})
    assert call("object.keys", make_object([(S("a"), 1), (S("b"), 2)])) == S(S("a"), S("b"))
    assert call("object.keys", make_object([(["a"], 1), (["b"], 2)])) == S(["a"], ["b"])
    assert call("object.keys", {}) == S()
    fails(OperandTypeError, "operand 1 must be object but got string", "object.keys", "object")


@pytest.mark.parametrize(
    "obj, keys, want",
    [
        ({"a": 1, "b": {"c": 3}}, S("a"), {"b": {"c": 3}}),
        ({"a": 1, "b": {"c": 3}, "d": 4}, S("b", "d"), {"a": 1}),
        ({"a": 1, "b": {"c": 3}, "d": 4}, {"b": 1, "d": ""}, {"a": 1}),
        ({"a": 1, "b": {"c": 3}, "d": 4}, ["b", "d"], {"a": 1}),
        ({}, S("a", "b"), {}),
        ({"a": 1, "b": {"c": 3}}, S("z"), {"a": 1, "b": {"c": 3}}),
        (make_object([(1, "a"), (True, "b")]), [True], make_object([(1, "a")])),
    ],
)
def test_object_remove(obj, keys, want):
    assert equal(call("object.remove", obj, keys), want)


@pytest.mark.parametrize(
    "obj, keys, want",
    [
        ({"a": {"b": {"c": 7, "d": 8}}, "e": 9}, S("a"), {"a": {"b": {"c": 7, "d": 8}}}),
        ({"a": 1, "b": 2, "c": 3, "e": 9}, S("a", "e"), {"a": 1, "e": 9}),
        ({"a": 7}, [], {}),
        ({"a": 7}, {}, {}),
        ({"a": 7, "b": 8}, {"b": None}, {"b": 8}),
        (make_object([(1, "a"), (True, "b")]), S(1), make_object([(1, "a")])),
    ],
)
def test_object_filter(obj, keys, want):
    assert equal(call("object.filter", obj, keys), want)


@pytest.mark.parametrize("name", ["object.remove", "object.filter"])
def test_remove_and_filter_errors(name):
    fails(OperandTypeError, "operand 1 must be object but got number", name, 123, S("a"))
    fails(OperandTypeError, "operand 1 must be object but got string", name, "foo", S("a"))
    fails(OperandTypeError, "operand 1 must be object but got null", name, None, S("a"))
    fails(OperandTypeError, "operand 1 must be object but got array", name, ["a"], S("a"))
    fails(OperandTypeError, "operand 2 must be one of {object, set, array} but got string", name, {"a": 1}, "foo")
    fails(OperandTypeError, "operand 2 must be one of {object, set, array} but got null", name, {"a": 1}, None)
    fails(OperandTypeError, "operand 2 must be one of {object, set, array} but got boolean", name, {"a": 1}, True)


# --- object.union, union_n --------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, want",
    [
        ({}, {}, {}),
        ({}, {"a": 1}, {"a": 1}),
        ({"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
        ({"b": 2}, {"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 1}}, "b": 2}),
        ({"a": 1}, {"a": 2}, {"a": 2}),
        ({"a": 1}, {"a": {"b": {"c": 1}}, "d": 7}, {"a": {"b": {"c": 1}}, "d": 7}),
        ({"a": {"b": 1, "c": 2}}, {"a": {"c": 3, "d": 4}}, {"a": {"b": 1, "c": 3, "d": 4}}),
        ({"a": {"b": 1}}, {"a": [1]}, {"a": [1]}),
    ],
)
def test_object_union(a, b, want):
    assert equal(call("object.union", a, b), want)


def test_object_union_does_not_modify_operands():
    a = {"a": {"b": 1}}
    call("object.union", a, {"a": {"c": 2}})
    assert a == {"a": {"b": 1}}
    fails(OperandTypeError, "operand 2 must be object but got array", "object.union", {"a": 1}, [1, 2, 3])


def test_object_union_n():
    assert call("object.union_n", [{}]) == {}
    assert call("object.union_n", []) == {}
    assert call("object.union_n", [{"foo": "bar"}]) == {"foo": "bar"}
    assert call("object.union_n", [{"foo": "bar"}, {"x": "y"}]) == {"foo": "bar", "x": "y"}
    assert call("object.union_n", [{"foo": "bar"}, {"foo": "baz"}]) == {"foo": "baz"}
    got = call(
        "object.union_n",
        [{"a": 1, "b": 2, "c": 3}, {"foo": "baz", "a": "a", "b": 2, "d": 4}, {"a": "final A!", "e": 5.0}],
    )
    assert equal(got, {"a": "final A!", "b": 2, "c": 3, "d": 4, "e": 5, "foo": "baz"})
    # 5073 regression test: a non-object element is a type error
    with pytest.raises(OperandError) as info:
        call("object.union_n", [{"foo": 1}, {"bar": 2}, "baz"])
    assert info.value.code == "eval_type_error"
    fails(OperandTypeError, "operand 1 must be array but got object", "object.union_n", {})


# --- object.subset ---------------------------------------------------------------------

NESTED_A = {
    "a": 5,
    "b": 7,
    "c": 15,
    "nested": {"x": 10, "y": 15, "z": 20, "set1": S(1, 2, 3, 4), "arr1": [6, 7, 8, 9]},
}


@pytest.mark.parametrize(
    "sup, sub, want",
    [
        ({"a": 5, "b": 7, "c": 15}, {"a": 5}, True),
        ({"a": 5}, {"a": 5, "b": 7, "c": 15}, False),
        ({"a": 5, "b": 7, "c": 15}, {"a": 5, "b": 10}, False),
        (NESTED_A, {"a": 5, "nested": {"x": 10, "y": 15, "z": 20}}, True),
        (NESTED_A, {"a": 5, "nested": {"x": 10, "y": 15}}, True),
        (NESTED_A, {"a": 5, "nested": {"x": 10, "y": 15, "set1": S(4, 1), "arr1": [6, 7]}}, True),
        ({"a": 5, "nested": {"x": 10}}, NESTED_A, False),
        ({"a": [1, 2, 3]}, {"a": [2, 3]}, True),
        ({"a": [1, 2, 3]}, {"a": [1, 3]}, False),
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": 1}, {"a": True}, False),
        (S(1, 2, 3), S(3, 2), True),
        (S(3, 2), S(1, 2, 3), False),
        (S(1, 2, 3, S("a", "b", "c")), S(3, 2, S("a", "b", "c")), True),
        (S(1, 2, 3, S("a", "b", "c")), S(3, 2, S("a", "b")), False),
        ([1, 2, 3, 4, 5, 6], [3, 4, 5], True),
        ([1, 2, 3, 4, 5, 6], [1, 2, 3], True),
        ([1, 2, 3, 4, 5, 6], [4, 5, 6], True),
        ([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], True),
        ([1, 2, 3, 4, 5, 6], [4, 5, 6, 8], False),
        ([1, 2, 3, 4, 5, 6], [8, 9, 10], False),
        ([3, 4, 5], [1, 2, 3, 4, 5, 6], False),
        ([1, 1, 2], [1, 2], True),
        ([1, 2], [], True),
        ([1, 2, 3, 4, 5, 6], S(4, 3, 2), True),
        ([1, 2, 3, 4, 5, 6], S(9, 8, 7), False),
    ],
)
def test_object_subset(sup, sub, want):
    assert call("object.subset", sup, sub) is want


def test_object_subset_mismatched_operands():
    # OPA fails here; without strict builtin errors that makes the call undefined,
    # which the fixtures observe as `not object.subset(...)`.
    for sup, sub in [(S(4, 3, 2), [1, 2, 3]), ({"a": 1}, [1]), ([1], {"a": 1})]:
        fails(OperandError, "operand 1 both arguments object.subset must be of the same type or array and set",
              "object.subset", sup, sub)
    fails(OperandTypeError, "operand 1 must be one of {array, object, set} but got string", "object.subset", "a", [])


# --- json.filter, json.remove ----------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, paths, want",
    [
        ({}, S("a/b"), {}),
        ({"a": [{"b": 7, "c": 8}, {"d": 9}]}, S("a/0/b", "a/1"), {"a": [{"b": 7}, {"d": 9}]}),
        (
            {"a": {"b": {"c": 7, "d": 8, "x": 0}}, "e": 9},
            S("a/b/d", ["a", "b", "c"]),
            {"a": {"b": {"c": 7, "d": 8}}},
        ),
        ({"a": {"b": {"c": 7, "d": 8}}, "e": 9}, ["a/b/c"], {"a": {"b": {"c": 7}}}),
        ({"a": {"b": 1, "c": 2}}, S("a", "a/b"), {"a": {"b": 1, "c": 2}}),  # a prefix covers longer paths
        ({"a": {"b": 1, "c": 2}}, S("a/b", "a"), {"a": {"b": 1, "c": 2}}),
        ({"a/b": 1, "c": 2}, S("a~1b"), {"a/b": 1}),
        ({"a": S("x", "y")}, S("a/x"), {"a": S("x")}),
        ({"a": 1}, S("/a"), {"a": 1}),
        ({"a": 1}, S("b"), {}),
    ],
)
def test_json_filter(obj, paths, want):
    assert equal(call("json.filter", obj, paths), want)


@pytest.mark.parametrize(
    "obj, paths, want",
    [
        ({"a": {"b": {"c": 7, "d": 8}}, "e": 9}, S("a/b/c"), {"a": {"b": {"d": 8}}, "e": 9}),
        ({"a": {"b": {"c": 7, "d": 8}}, "e": 9}, S("a/b/c", "e"), {"a": {"b": {"d": 8}}}),
        ({"a": {"b": {"c": 7, "d": 8}, "e": 9}}, S("a/b/c", "a/e"), {"a": {"b": {"d": 8}}}),
        ({"a": {"b": 7}, "c": 1}, S("a", "a/b"), {"c": 1}),
        ({"a": 7}, S(), {"a": 7}),
        ({"a": {"b": 7}, "c": 1}, S("a", "c"), {}),
        ({"a": [{"b": 7, "c": 8}, {"d": 9}]}, S("a/0/b", "a/1"), {"a": [{"c": 8}]}),
        ({"a": {"b": {"c": 7, "d": 8}}, "e": 9}, S(["a", "b", "c"], ["e"]), {"a": {"b": {"d": 8}}}),
        ({"a": {"b": {"c": 7, "d": 8, "x": 0}}, "e": 9}, S("a/b/d", ["a", "b", "c"]), {"a": {"b": {"x": 0}}, "e": 9}),
        ({"a": 7}, ["a"], {}),
        ({"a": S(1, 2)}, [["a", 1]], {"a": S(2)}),
        ({"a": 1}, S("a/b/c"), {"a": 1}),
    ],
)
def test_json_remove(obj, paths, want):
    assert equal(call("json.remove", obj, paths), want)


@pytest.mark.parametrize("name", ["json.filter", "json.remove"])
def test_json_filter_and_remove_errors(name):
    fails(OperandTypeError, "operand 1 must be object but got string", name, "foo", S("a/b/c"))
    fails(OperandTypeError, "operand 1 must be object but got number", name, 22, S("a/b/c"))
    fails(OperandTypeError, "operand 1 must be object but got array", name, ["a"], S("a/b/c"))
    fails(OperandTypeError, "operand 2 must be one of {set, array} but got number", name, {"a": 1}, 22)
    message = (
        "operand 2 must be one of {set, array} containing string paths or array of path segments but got object"
    )
    fails(OperandError, message, name, {"a": 1}, S("a", {"x": 1}, {"y": 2}))
    fails(OperandError, message, name, {"a": 1}, ["a", {"x": 1}, {"y": 2}])


# --- json.patch -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc, patch, want",
    [
        ({"a": S(1, 2)}, [{"op": "add", "path": ["a", 3], "value": 3}], {"a": S(1, 2, 3)}),
        ({"a": S(1, 2)}, [{"op": "remove", "path": ["a", 1]}], {"a": S(2)}),
        ({"a": S(1, 2)}, [{"op": "test", "path": ["a", 2], "value": 2}], {"a": S(1, 2)}),
        ({"a": [1, 2]}, [{"op": "replace", "path": ["a", 1], "value": 5}], {"a": [1, 5]}),
        ([1, 2], [{"op": "remove", "path": "/+1"}], [1]),  # Go's ParseInt reads the sign
        ([1, 2], [{"op": "test", "path": [1.0], "value": 2}], [1, 2]),  # an integral number indexes
        ({"a": 1}, [{"op": "remove", "path": "/a"}, {"op": "add", "path": "", "value": 5}], 5),
        ({"a": 1}, [{"op": "remove", "path": ""}], UNDEFINED),
        ("x", [], "x"),
    ],
)
def test_json_patch(doc, patch, want):
    got = call("json.patch", doc, patch)
    assert got is want if want is UNDEFINED else equal(got, want)


@pytest.mark.parametrize(
    "doc, patch, message",
    [  # OPA's messages (v1.20's evaluator): a patch that cannot be applied is a builtin error
        ([1, 2, 3], [{"op": "add", "path": "1.2", "value": "foo"}], "invalid string for indexing"),
        ([1], [{"op": "add", "path": "/01", "value": 1}], "leading zeros are not allowed in JSON paths"),
        ([1], [{"op": "add", "path": [0.5], "value": 1}], "invalid number type for indexing"),
        ([1], [{"op": "add", "path": [True], "value": 1}], "invalid type for indexing"),
        ([1], [{"op": "add", "path": "/5", "value": 2}], "index for array insertion out of bounds"),
        ([1, 2], [{"op": "remove", "path": "/-1"}], "index for array delete out of bounds"),
        ({"a": S(1, 2)}, [{"op": "add", "path": "/a/3", "value": 3}],
         'set key "3" does not equal value to be inserted 3'),
        ({"a": S(1, 2)}, [{"op": "remove", "path": ["a", 3]}], "cannot delete child key 3 that does not exist"),
        ({"a": 1}, [{"op": "remove", "path": "/b"}], 'cannot delete child key "b" that does not exist'),
        ({"q": {"bar": 2}}, [{"op": "add", "path": "/a/b", "value": 1}],
         'path "a" does not exist in object term {"q": {"bar": 2}}'),
        ({"a": [1]}, [{"op": "test", "path": "/a/3", "value": 1}], "path 3 does not exist in array term [1]"),
        ({"a": 1}, [{"op": "add", "path": "/a/b", "value": 1}], "expected composite type, found value: 1 (type: ast.Number)"),
        (True, [{"op": "test", "path": "/a", "value": 3}],
         'expected composite type for path "a", found value: true (type: ast.Boolean)'),
        ({"a": 1}, [{"op": "test", "path": "/a", "value": 2}], "value from EditTree != patch value.\n\nExpected: 2\n\nFound: 1"),
        ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/c"}], 'path "a" does not exist in object term {}'),
    ],
)
def test_json_patch_failures_are_builtin_errors(doc, patch, message):
    fails(BuiltinError, message, "json.patch", doc, patch)


def test_json_patch_does_not_modify_operands():
    doc = {"a": [1, {"b": 2}]}
    call("json.patch", doc, [{"op": "add", "path": "/a/1/c", "value": 3}, {"op": "remove", "path": "/a/0"}])
    assert doc == {"a": [1, {"b": 2}]}


def test_json_patch_errors():
    fails(OperandTypeError, "operand 2 must be array but got object", "json.patch", {}, {})
    fails(BuiltinError, "must be an array of JSON-Patch objects, but at least one element is not an object",
          "json.patch", {}, [1])
    fails(BuiltinError, "unrecognized op: 'x'", "json.patch", {}, [{"op": "x", "path": ""}])
    fails(BuiltinError, "missing required attribute 'path'", "json.patch", {}, [{"op": "add", "value": 1}])
    fails(BuiltinError, "missing required attribute 'op'", "json.patch", {}, [{"path": "/a"}])
    fails(BuiltinError, "missing required attribute 'value'", "json.patch", {}, [{"op": "add", "path": "/a"}])
    fails(BuiltinError, "missing required attribute 'from'", "json.patch", {}, [{"op": "move", "path": "/a"}])
    fails(BuiltinError, "attribute 'op' must be a string but found: number", "json.patch", {}, [{"op": 1, "path": ""}])


def _json_patch_suite():
    """The cases of OPA's jsonpatch/json_patch_tests fixture (Rego literals that are JSON but for trailing commas)."""
    with open(require_shared("opa-tests", "v1", "jsonpatch", "json-patch-tests.yaml")) as f:
        fixture = yaml.safe_load(f)
    cases = []
    for module in fixture["cases"][0]["modules"][1:]:
        package = re.search(r"package (\S+)", module).group(1)
        text = module[module.index("cases := ") + len("cases := ") :]
        text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
        text = re.sub(r",(\s*[}\]])", r"\1", text)
        for i, case in enumerate(json.loads(text)):
            cases.append(pytest.param(case, id=f"{package.split('.')[-1]}/{i}"))
    return cases


def pytest_generate_tests(metafunc):
    if "patch_case" in metafunc.fixturenames:
        try:
            cases = _json_patch_suite()
        except pytest.skip.Exception:
            cases = []
        metafunc.parametrize("patch_case", cases)


def test_json_patch_suite(patch_case):
    """The fixture's pass criteria: expected result, undefined (or a builtin error) for "error", else defined."""
    case = from_json(patch_case)
    if case.get("opa_disabled") is True:
        return
    try:
        got = call("json.patch", case["doc"], case["patch"])
    except BuiltinError:
        got = UNDEFINED
    if "expected" in case:
        assert got is not UNDEFINED and equal(got, case["expected"]), case.get("comment")
    elif "error" in case:
        assert got is UNDEFINED, case["error"]
    else:
        assert got is not UNDEFINED, case.get("comment")


def test_json_patch_suite_is_present():
    assert len(_json_patch_suite()) == 110


# --- walk ------------------------------------------------------------------------------------


def walk(x):
    return list(call("walk", x))


def test_walk_is_a_relation():
    assert REGISTRY["walk"].relation


def test_walk():
    assert walk(1) == [[[], 1]]
    assert walk([1, 2, 3, 4]) == [[[], [1, 2, 3, 4]], [[0], 1], [[1], 2], [[2], 3], [[3], 4]]
    obj = {"v2": "goodbye", "v1": "hello"}
    assert walk(obj) == [[[], obj], [["v1"], "hello"], [["v2"], "goodbye"]]
    inner = S(1, 2, 3)
    outer = S(inner)
    assert walk(outer) == [
        [[], outer],
        [[inner], inner],
        [[inner, 1], 1],
        [[inner, 2], 2],
        [[inner, 3], 3],
    ]
    # walkbuiltin/sets no path: values in pre-order
    assert [v for _, v in walk(outer)] == [outer, inner, 1, 2, 3]


def test_walk_match_and_filter():
    q = [{"foo": 1, "bar": 2, "bazoo": 3}]
    got = [[k, x] for k, x in walk(q) if len(k) > 1 and type(k[1]) is str and "oo" in k[1]]
    assert got == [[[0, "bazoo"], 3], [[0, "foo"], 1]]


def test_walk_paths_are_not_shared():
    x = {"a": [{"b": [{"c": [{"aa": "AA"}, {"bb": "BB"}, {"cc": "CC"}, {"dd": "DDD"}]}]}]}
    got = {json.dumps(path): value for path, value in walk(x) if type(value) is str and len(value) == 2}
    assert got == {
        '["a", 0, "b", 0, "c", 0, "aa"]': "AA",
        '["a", 0, "b", 0, "c", 1, "bb"]': "BB",
        '["a", 0, "b", 0, "c", 2, "cc"]': "CC",
    }


def test_walk_non_string_keys_in_order():
    obj = make_object([("b", 1), (2, 2), (True, 3)])
    assert [p for p, _ in walk(obj)] == [[], [True], [2], ["b"]]


# --- properties ------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text("ab", max_size=2)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text("abc", max_size=2), inner, max_size=3)
    ),
    max_leaves=10,
)
objects = st.dictionaries(st.text("abc", max_size=2), json_values, max_size=4)


def _get(doc, path):
    for segment in path:
        doc = doc[segment]
    return doc


@given(objects)
def test_walk_visits_every_value_at_its_path(obj):
    pairs = walk(obj)
    assert pairs[0] == [[], obj]
    for path, value in pairs:
        assert equal(_get(obj, path), value)
        if path:
            assert equal(call("object.get", obj, path, UNDEFINED), value)


@given(objects, objects)
def test_union_subset_and_filter_laws(a, b):
    u = call("object.union", a, b)
    assert call("object.subset", u, b) is True
    assert call("object.subset", a, a) is True
    assert equal(call("object.filter", a, call("object.keys", a)), a)
    assert call("object.remove", a, call("object.keys", a)) == {}
    assert equal(call("json.filter", a, [[k] for k in a]), a)
    assert call("json.remove", a, [[k] for k in a]) == {}
