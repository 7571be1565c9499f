"""Where iteration order shows, objects and sets are iterated in OPA's order
(objects by key, sets by element), whatever order they were built or given in:
the elements of an array comprehension, and the results of a query."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import regolite
from regolite.values import sort_key

POLICY = """
package x

import rego.v1

s contains c if { some c in input.xs; c > 2 }
s contains c if { some c in input.xs; c < 2 }
from_set_rule := [x | some x in s]
from_set_literal := [v | some v in {"b", "a", "c"}]
from_object_literal := [k | some k, _ in {"b": 1, "a": 2}]
input_keys := [k | some k, _ in input.o]
input_values := [v | v := input.o[_]]
nested := [[k, x] | some k, v in input.o; x := [y | some y in {z | some z in v}]]
mixed_keys := [k | some k, _ in {2: "n", "a": "s", [1]: "arr", true: "b", null: "z"}]
objects_in_a_set := [o.n | some o in {{"n": 2}, {"n": 1}, {"m": 0, "n": 3}}]
"""


def _policy():
    return regolite.compile({"a.rego": POLICY})


def test_array_comprehensions_iterate_objects_and_sets_in_opas_order():
    p = _policy()
    i = {"xs": [3, 1, 5, 0], "o": {"z": [2, 1], "a": [4, 3]}}
    assert p.eval_rule("data.x.from_set_rule", input=i) == [0, 1, 3, 5]
    assert p.eval_rule("data.x.from_set_literal") == ["a", "b", "c"]
    assert p.eval_rule("data.x.from_object_literal") == ["a", "b"]
    assert p.eval_rule("data.x.input_keys", input=i) == ["a", "z"]
    assert p.eval_rule("data.x.input_values", input=i) == [[4, 3], [2, 1]]
    assert p.eval_rule("data.x.nested", input=i) == [["a", [3, 4]], ["z", [1, 2]]]
    assert p.eval_rule("data.x.mixed_keys") == [None, True, 2, "a", [1]]
    assert p.eval_rule("data.x.objects_in_a_set") == [3, 1, 2]  # {"m": 0, ...} sorts first: key "m" < "n"


def test_query_results_come_in_opas_order():
    p = _policy()
    results = p.query("some k, v in input.o", input={"o": {"z": 1, "a": 2, "m": 3}})
    assert [r["bindings"]["k"] for r in results] == ["a", "m", "z"]
    results = p.query("data.x.s[x]", input={"xs": [3, 1, 5, 0]})
    assert [r["bindings"]["x"] for r in results] == [0, 1, 3, 5]


@settings(max_examples=100)
@given(st.dictionaries(st.text(max_size=3), st.integers(), max_size=6),
       st.lists(st.one_of(st.integers(), st.text(max_size=2), st.booleans()), max_size=6))
def test_keys_and_elements_come_sorted(obj, xs):
    p = regolite.compile({"a.rego": "package x\nimport rego.v1\nks := [k | some k, _ in input.o]\n"
                                    "es := [x | some x in {y | some y in input.xs}]\n"})
    assert p.eval_rule("data.x.ks", input={"o": obj}) == sorted(obj)
    distinct = {(type(x) is bool, x): x for x in xs}.values()
    assert p.eval_rule("data.x.es", input={"xs": xs}) == sorted(distinct, key=sort_key)
