"""The compiler's fast paths keep OPA's results: results of pure functions
kept across queries, and definitions that can give only one value compiled as
plain functions rather than generators."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import regolite
from regolite import UNDEFINED, RegoEvalError

PURE = """
package x

canonify(q) := n if { endswith(q, "m"); n := to_number(trim_suffix(q, "m")) }
canonify(q) := n if { not endswith(q, "m"); n := to_number(q) * 1000 }
show(v) := sprintf("%v", [v])
calls(v) := w if { w := g(v) }
g(v) := concat("", [v, "!"])
boxed(v) := [v]
with_input(v) := [v, input.k]
noisy(v) := v if print("called", v)
cpu := canonify(input.cpu)
shown := show(input.v)
called := calls(input.v)
mocked := y if { y := calls(input.v) with g as h }
h(v) := "mock"
of_input := with_input(input.v)
loud := noisy(input.v)
"""


@pytest.fixture(scope="module")
def pure():
    return regolite.compile({"pure.rego": PURE})


def _shared_tables(policy) -> dict:
    return {k: v for k, v in policy._namespace.items() if k.startswith("SHARED_") and k[7:].isdigit()}


def test_only_pure_functions_get_a_shared_table(pure):
    source = pure.source
    for name in ("canonify", "show", "calls", "g", "boxed", "h"):
        assert f"function 'data.x.{name}'\nSHARED_" in source, name
    for name in ("with_input", "noisy"):
        assert f"function 'data.x.{name}'\nSHARED_" not in source, name


def test_pure_results_are_reused_across_queries(pure):
    assert pure.eval_rule("data.x.cpu", input={"cpu": "250m"}) == 250
    assert pure.eval_rule("data.x.cpu", input={"cpu": "2"}) == 2000
    assert pure.eval_rule("data.x.cpu", input={"cpu": "250m"}) == 250
    assert any("250m" in table for table in _shared_tables(pure).values())


def test_true_and_one_are_different_arguments(pure):
    assert pure.eval_rule("data.x.shown", input={"v": 1}) == "1"
    assert pure.eval_rule("data.x.shown", input={"v": True}) == "true"
    assert pure.eval_rule("data.x.shown", input={"v": 1.5}) == "1.5"
    assert pure.eval_rule("data.x.shown", input={"v": 1}) == "1"


def test_strict_mode_is_not_answered_from_the_table():
    p = regolite.compile({"a.rego": 'package x\nnum(s) := to_number(s)\np := num(input.s)\n'})
    assert p.eval_rule("data.x.p", input={"s": "nope"}) is UNDEFINED  # undefined, remembered
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.x.p", input={"s": "nope"}, strict_builtin_errors=True)
    assert info.value.code == "eval_builtin_error"


def test_with_mocks_bypass_the_table(pure):
    assert pure.eval_rule("data.x.called", input={"v": "a"}) == "a!"
    assert pure.eval_rule("data.x.mocked", input={"v": "a"}) == "mock"
    assert pure.eval_rule("data.x.called", input={"v": "a"}) == "a!"


def test_composite_results_are_not_shared(pure):
    first = pure.eval_rule("data.x.of_input", input={"v": "a", "k": 1})
    assert first == ["a", 1]
    assert pure.eval_rule("data.x.of_input", input={"v": "a", "k": 2}) == ["a", 2]
    assert all(not isinstance(v, (list, dict)) for t in _shared_tables(pure).values() for v in t.values())


def test_functions_that_print_run_every_time(pure):
    lines = []
    pure.query("data.x.loud", input={"v": "a"}, print_to=lines.append)
    pure.query("data.x.loud", input={"v": "a"}, print_to=lines.append)
    assert lines == ["called a", "called a"]


def test_the_table_is_bounded():
    p = regolite.compile({"a.rego": "package x\nf(v) := v + 1\np := f(input.v)\n"})
    for i in range(5000):
        assert p.eval_rule("data.x.p", input={"v": i}) == i + 1
    (table,) = _shared_tables(p).values()
    assert 0 < len(table) <= p._namespace["SHARED_LIMIT"]


SINGLE = """
package x

import rego.v1

# one solution per branch: compiled as plain functions
size(q) := "big" if { q > 10 } else := "small" if { q >= 0 } else := "negative"
label := concat("-", [input.a, input.b])
first contains n if { n := input.a }
named[k] := v if { k := input.a; v := input.b }

# loops around the solution: generators, conflicts still found
each contains v if { some v in input.xs }
clash := v if { some v in input.xs }
two := input.a
two := input.b
"""


@pytest.fixture(scope="module")
def single():
    return regolite.compile({"single.rego": SINGLE})


def test_single_solution_definitions_are_plain_functions(single):
    source = single.source
    for rule in ("size", "label"):
        block = source.split(f"definition of 'data.x.{rule}'")[1].split("\n\n")[0]
        assert "yield" not in block and "return U" in block, rule
    block = source.split("definition of 'data.x.clash'")[1].split("\n\n")[0]
    assert "yield" in block


def test_set_and_object_definitions_are_written_into_their_rule(single):
    for rule, kind in (("first", "set"), ("named", "object"), ("each", "set")):
        block = single.source.split(f"# {kind} 'data.x.{rule}'\n")[1].split("\n\n")[0]
        assert f"definition of 'data.x.{rule}'" in block and "yield" not in block, rule


def test_single_solution_definitions_keep_their_values(single):
    values = single.query("[data.x.size(11), data.x.size(3), data.x.size(-1)]")
    assert values[0]["expressions"][0] == ["big", "small", "negative"]
    assert single.eval_rule("data.x.label", input={"a": "p", "b": "q"}) == "p-q"
    assert single.eval_rule("data.x.first", input={"a": "p"}) == ["p"]
    assert single.eval_rule("data.x.first", input={}) == []
    assert single.eval_rule("data.x.named", input={"a": "p", "b": 2}) == {"p": 2}
    assert single.eval_rule("data.x.label", input={"a": "p"}) is UNDEFINED


def test_conflicts_are_still_found(single):
    assert single.eval_rule("data.x.each", input={"xs": [2, 1, 2]}) == [1, 2]
    assert single.eval_rule("data.x.clash", input={"xs": [3, 3]}) == 3
    with pytest.raises(RegoEvalError) as info:
        single.eval_rule("data.x.clash", input={"xs": [3, 4]})
    assert info.value.code == "eval_conflict_error"
    assert single.eval_rule("data.x.two", input={"a": 1, "b": 1}) == 1
    with pytest.raises(RegoEvalError):
        single.eval_rule("data.x.two", input={"a": 1, "b": 2})


HOISTED = """
package x

import rego.v1

found contains v if { v := input.spec.a }
found contains v if { v := input.spec.b }
found contains v if { v := inner with input as {"spec": {"a": "replaced"}} }
found contains v if { some v in input.spec.list }
inner := input.spec.a
"""


def test_input_paths_shared_by_a_rules_bodies_are_looked_up_once():
    p = regolite.compile({"h.rego": HOISTED})
    block = p.source.split("# set 'data.x.found'\n")[1].split("\n\n")[0]
    assert block.count(".get('spec'") == 1  # one lookup of input.spec for the bodies
    assert p.eval_rule("data.x.found", input={"spec": {"a": 1, "b": 2, "list": [3]}}) == [1, 2, 3, "replaced"]
    assert p.eval_rule("data.x.found", input={"spec": {"b": 2}}) == [2, "replaced"]
    assert p.eval_rule("data.x.found", input={"other": 1}) == ["replaced"]
    assert p.eval_rule("data.x.found", input="text") == ["replaced"]
    assert p.eval_rule("data.x.found") == ["replaced"]


INLINE_BUILTINS = """
package x

counts := [count(input.s), count(input.a), count(input.o), count({1, 2, 2})]
gets := [object.get(input.o, "k", "d"), object.get(input.o, "z", "d"), object.get(input.o, ["n", "m"], "d"),
         object.get({1: "one"}, 1, "d")]
prefix := [startswith(input.t, "ab"), endswith(input.t, "yz")]
bad_count := count(input.n)
bad_prefix := startswith(input.n, "a")
strings := [is_string(input.t), is_string(input.n)]
"""


def test_inline_builtins_keep_their_meaning():
    p = regolite.compile({"b.rego": INLINE_BUILTINS})
    doc = {"s": "héllo", "a": [1, 2], "o": {"k": "v", "n": {"m": 3}}, "t": "abxyz", "n": 5}
    assert p.eval_rule("data.x.counts", input=doc) == [5, 2, 2, 2]
    assert p.eval_rule("data.x.gets", input=doc) == ["v", "d", 3, "one"]
    assert p.eval_rule("data.x.prefix", input=doc) == [True, True]
    assert p.eval_rule("data.x.strings", input=doc) == [True, False]
    assert p.eval_rule("data.x.bad_count", input=doc) is UNDEFINED
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.x.bad_prefix", input=doc, strict_builtin_errors=True)
    assert info.value.code == "eval_type_error" and "operand 1 must be string but got number" in str(info.value)
    assert "len(" in p.source and ".startswith(" in p.source


def test_an_embedders_replacement_is_called_not_inlined():
    from regolite.builtins import REGISTRY, register

    original = REGISTRY["count"]
    try:
        register("count", lambda x: 42, args=original.args, result=original.result, replace=True)
        p = regolite.compile({"c.rego": "package x\nn := count(input)\n"})
        assert p.eval_rule("data.x.n", input=[1]) == 42
    finally:
        REGISTRY["count"] = original


SHARED_PREFIX = """
package x

import rego.v1

# three definitions start with the same two expressions (wildcards and all)
problems contains msg if {
  c := input.spec[kind][_]
  not exempt(c)
  not c.limits
  msg := sprintf("%s %s: no limits", [kind, c.name])
}
problems contains msg if {
  c := input.spec[kind][_]
  not exempt(c)
  c.limits.cpu == ""
  msg := sprintf("%s %s: empty cpu", [kind, c.name])
}
problems contains msg if {
  c := input.spec[kind][_]
  not exempt(c)
  c.privileged
  msg := sprintf("%s %s: privileged", [kind, c.name])
}
problems contains "no spec" if not input.spec

exempt(c) if c.name in input.exempt

by_name[c.name] := "limited" if { c := input.spec.containers[_]; c.limits }
by_name[c.name] := "privileged" if { c := input.spec.containers[_]; c.privileged }

noisy contains c.name if { c := input.spec.containers[_]; print("saw", c.name); c.limits }
noisy contains c.name if { c := input.spec.containers[_]; print("saw", c.name); c.privileged }
"""


@pytest.fixture(scope="module")
def shared_prefix():
    return regolite.compile({"a.rego": SHARED_PREFIX})


def _problems(spec, exempt=()):
    return {"spec": spec, "exempt": list(exempt)}


def test_definitions_with_a_common_prefix_loop_once(shared_prefix):
    source = shared_prefix.source
    header = "# definitions of 'data.x.problems' at 7:1, 13:1, 19:1 share their next expression"
    assert source.count(header) == 2  # the iteration, then `not exempt(c)`
    assert source.count("for k") == 1  # spec's keys are iterated once for the three definitions


def test_definitions_with_a_common_prefix_keep_their_own_results(shared_prefix):
    spec = {
        "containers": [{"name": "a"}, {"name": "b", "limits": {"cpu": ""}, "privileged": True},
                       {"name": "skip"}, {"name": "ok", "limits": {"cpu": "1"}}],
        "initContainers": [{"name": "i", "privileged": False}],
    }
    assert shared_prefix.eval_rule("data.x.problems", input=_problems(spec, ["skip"])) == [
        "containers a: no limits", "containers b: empty cpu", "containers b: privileged", "initContainers i: no limits",
    ]
    assert shared_prefix.eval_rule("data.x.problems", input={"exempt": []}) == ["no spec"]


def test_object_definitions_with_a_common_prefix_still_conflict(shared_prefix):
    spec = {"containers": [{"name": "a", "limits": {}}, {"name": "b", "privileged": True}]}
    assert shared_prefix.eval_rule("data.x.by_name", input=_problems(spec)) == {"a": "limited", "b": "privileged"}
    spec["containers"].append({"name": "c", "limits": {}, "privileged": True})
    with pytest.raises(RegoEvalError) as info:
        shared_prefix.eval_rule("data.x.by_name", input=_problems(spec))
    assert info.value.code == "eval_conflict_error"


def test_a_print_in_common_is_not_shared(shared_prefix):
    lines = []
    spec = {"containers": [{"name": "a", "limits": {}}]}
    result = shared_prefix.query("data.x.noisy", input=_problems(spec), print_to=lines.append)
    assert result[0]["expressions"] == [["a"]]
    assert lines == ["saw a", "saw a"]


# Definitions sharing a prefix give what the same bodies give as separate rules.
_LITERALS = st.sampled_from([
    "x > 1", "x < 3", "x != 2", "not x == 0", "y := x + 1", "some z in input.ys; z == x",
    "x in input.ys", "count(input.ys) > 1", "not x in {1, 4}", "[_, w] := [x, x * 2]",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(_LITERALS, min_size=1, max_size=2), st.lists(st.lists(_LITERALS, max_size=2), min_size=2, max_size=4),
       st.lists(st.integers(0, 5), max_size=5), st.lists(st.integers(0, 5), max_size=4))
def test_shared_prefixes_give_the_union_of_separate_rules(prefix, rests, xs, ys):
    heads = []
    for i, rest in enumerate(rests):
        assume(len(set(prefix + rest)) == len(prefix + rest))  # `y := ...` twice is a compile error
        body = "; ".join(["some x in input.xs", *prefix, *rest])
        heads.append(f"p contains [{i}, x] if {{ {body} }}\np{i} contains [{i}, x] if {{ {body} }}")
    union = " | ".join(f"p{i}" for i in range(len(rests)))
    source = "package x\nimport rego.v1\n" + "\n".join(heads) + f"\nq := {union}\n"
    policy = regolite.compile({"a.rego": source})
    assert "share their next expression" in policy.source
    data = {"xs": xs, "ys": ys}
    assert policy.eval_rule("data.x.p", input=data) == policy.eval_rule("data.x.q", input=data)
