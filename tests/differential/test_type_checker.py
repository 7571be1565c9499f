"""OPA's type checker (compile/typecheck.py): programs OPA rejects with
rego_type_error, and programs it accepts although a checker could doubt them.

Each program (after `package test`) and OPA's answer were asked of
../shared/opa-oracle (OPA v1.19).
"""

from __future__ import annotations

import pytest

import regolite
from regolite.compiler.types import ANY, NUMBER, STRING, AnyOf, Array, Object, SetOf, or_, sprint, unifies

REJECTED = [
    'p if { x := 1; x == "a" }',
    'p if { not 1 == "a" }',
    'p if { x = 1; y := x; y == "s" }',
    'p if { [1] = [1, 2] }',
    'p if { {"a": 1} = {"a": "b"} }',
    'p if { some x in 0 }',
    'p if { some x in "abc" }',
    'p if { some x, y in 0 }',
    'p if { some x in [1, 2]; x == "a" }',
    'p if { some k, x in [1]; k == "a" }',
    'p if { some x in {"a": 1}; x == "a" }',
    'p if { y := 1; some x in y }',
    'p if { y := {1}; y[_] == "a" }',
    'p if { x := {1: 2}[_]; x == "a" }',
    'p if { x := {"a": 1}; x.b }',
    'p if { x := {"a": 1}; x.a.b }',
    'p if { x := {"a": 1}; x[_] == "s" }',
    'p if { x := [y | y := 1]; x[0] == "a" }',
    'p if { x := {y | y := 1}; x[_] == "a" }',
    'p if { x := {y: 1 | y := "k"}; x[_] == "a" }',
    'p if { x := [y | y := 1 + 1; y == "a"] }',
    'p if { x := {"a": 1}; y := [x.b | true] }',
    'p if { x := {"a": 1}; y := [1 | x.b] }',
    'p := x.b if { x := {"a": 1} }',
    'p contains x.b if { x := {"a": 1} }',
    'p if { y := {"a": 1}; every x in [1] { x; y.b } }',
    'p if { x := 1; count(x) }',
    'p if { x := "a"; x + 1 > 0 }',
    'p if { x := concat(",", ["a"]); x + 1 }',
    'p if { sum(["a"]) }',
    'p if { x := {1} | {2}; x + 1 }',
    'f(x) := y if { y := x + 1 }\np if { f("a") }',
    'f(x) := 1\nq if { f(1) == "a" }',
    'f(1) := "a"\nq if { f("b") }',
    'q := {"a": 1}\np if { q.b }',
    'q[x] := 1 if { x := "a" }\np if { q[1] }',
    'q contains 1\np if { q["a"] }',
    'q := 1 if { false } else := "a"\np if { q == true }',
    'q := 1\nq := 2 if { false }\np if { q == "a" }',
    'q := 1 if { false } else := 2 if { x := 1; x == "a" }',
    'q.r := 1\np if { data.test.q.r == "a" }',
    'p if { x := [1, "a"]; x[0] == "a" }',
    'p if { x := sprintf("%v", [1]); x.a }',
    'p if { walk(input, [path, value]); path == "a" }',
]

ACCEPTED = [
    'p if { x := 1; x == 2 }',
    'p if { [1, x] = [y, "a"]; x == "a" }',
    'p if { x := input.a; x == 1; x == "a" }',
    'p if { some x in input.xs; x == "a"; x == 1 }',
    'p if { some x in input.xs; x == "a" }',
    'p if { x := {"a": 1}; x.a }',
    'p if { every x in [1] { x; 1 == "a" } }',
    'p if { every x in [1] { x; count(1) } }',
    'p if { x := input.a; x + 1 > 0; count(x) > 0 }',
    'p if { x := concat(",", ["a"]); x > 1 }',
    'f(x) := y if { y := x + 1 }\np if { f(1) }',
    'f(x) := y if { y := x }\np if { f(1) == "a" }',
    'q := {"a": 1}\np if { q.a }',
    'q[x] := 1 if { x := "a" }\np if { q.b }',
    'q contains 1\np if { q[1] }',
    'q := 1 if { false } else := "a"\np if { q == "a" }',
    'q := input.x\np if { q == 1; q == "a" }',
    'p if { data.foo.bar[x]; x == 1 }',
    'q.r := 1\np if { data.test.q.s == "a" }',
    'p if { x := [1, "a"]; x[_] == "a" }',
    'p if { x := input; x.a.b == 1 }',
    'p if { walk(input, [path, value]); path[0] == "a" }',
]


@pytest.mark.parametrize("source", REJECTED)
def test_opa_rejects_with_a_type_error(source):
    with pytest.raises(regolite.RegoCompileError) as info:
        regolite.compile({"t.rego": "package test\n" + source + "\n"})
    assert {e.code for e in info.value.errors} == {"rego_type_error"}


@pytest.mark.parametrize("source", ACCEPTED)
def test_opa_accepts(source):
    regolite.compile({"t.rego": "package test\n" + source + "\n"})


def test_messages_follow_opa():
    with pytest.raises(regolite.RegoCompileError) as info:
        regolite.compile({"t.rego": 'package test\np if { x := 1; x == "a" }\n'})
    assert "match error\n\tleft  : number\n\tright : string" in str(info.value)
    with pytest.raises(regolite.RegoCompileError) as info:
        regolite.compile({"t.rego": 'package test\nf(x) := y if { y := x + 1 }\np if { f("a") }\n'})
    assert "data.test.f: invalid argument(s)\n\thave: (string)\n\twant: (number, number)" in str(info.value)
    with pytest.raises(regolite.RegoCompileError) as info:
        regolite.compile({"t.rego": 'package test\np if { x := {"a": 1}; x.b }\n'})
    assert "undefined ref: x.b" in str(info.value)


def test_the_type_algebra():
    assert sprint(or_(NUMBER, STRING)) == "any<number, string>"
    assert or_(ANY, NUMBER) is ANY
    assert unifies(AnyOf([NUMBER, STRING]), STRING) and not unifies(NUMBER, STRING)
    assert unifies(Array([NUMBER], None), Array((), ANY))
    assert not unifies(Array([NUMBER], None), Array([NUMBER, NUMBER], None))
    assert sprint(Object([("a", NUMBER)], (STRING, ANY))) == "object<a: number>[string: any]"
    assert sprint(SetOf(None)) == "set[???]"


def test_queries_keep_the_constant_argument_check():
    with pytest.raises(regolite.RegoCompileError, match="rego_type_error"):
        regolite.compile({}).query('startswith(1, "a")')


@pytest.mark.parametrize("query", ['x := 1; x = "a"', 'x := {"a": 1}; x.b', "some x in 0",
                                   "x := data.test.f(\"a\")"])
def test_queries_are_type_checked(query):
    policy = regolite.compile({"t.rego": "package test\nf(x) := y if { y := x + 1 }\n"})
    with pytest.raises(regolite.RegoCompileError, match="rego_type_error"):
        policy.query(query)


@pytest.mark.parametrize("query", ['1 == true', 'x := 1; x == "a"', "x := data.test.f(1)"])
def test_a_querys_equality_is_a_call_not_a_unification(query):
    # OPA's query compiler does not rewrite == to =: 1 == true is false, not a type error
    regolite.compile({"t.rego": "package test\nf(x) := y if { y := x + 1 }\n"}).query(query)


@pytest.mark.parametrize("body", [
    "input[1] with input.a as 1",
    "input.a[1] with input.a.b as 1",
    'concat("", input) with input.a as 1',
    "data.d[true] with data.d.x as 1",
])
def test_with_on_a_path_types_the_document_as_an_object_with_that_key(body):
    """OPA types input (or base data) in an expression `with input.a as v` as
    object<a: any>[string: any]: a key that is not a string is an undefined ref."""
    with pytest.raises(regolite.RegoError) as info:
        regolite.compile({"t.rego": f"package test\ng if {{ {body} }}\n"})
    assert info.value.code == "rego_type_error"


@pytest.mark.parametrize("body", [
    'input.b with input as {"a": 1}',
    "input.a.b with input.a as 1",
    "input.q with input.a.b as 1",
    "input[x] with input.a as 1",
    "x := input; x[1] with input.a as 1",
    "data.d.y with data.d.x as 1",
    "data.e with data.d.x as 1",
])
def test_with_keeps_other_string_keys_open(body):
    regolite.compile({"t.rego": f"package test\ng if {{ {body} }}\n"})
