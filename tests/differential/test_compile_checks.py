"""OPA's compile-time checks that the differential tester found regolite without.

Each case is the shrunk program and OPA's answer (asked of ../shared/opa-oracle).
"""

from __future__ import annotations

import pytest

import regolite


def _error(source: str) -> str:
    with pytest.raises(regolite.RegoError) as info:
        regolite.compile({"t.rego": source}).query("data.test")
    return str(info.value)


@pytest.mark.parametrize("body, unused", [
    ("some x", ["x"]),
    ("every x in [1] { true }", ["x"]),
    ("every k, v in [1] { v > 0 }", ["k"]),
])
def test_a_declared_var_nothing_mentions_is_a_compile_error(body, unused):
    message = _error(f"package test\np if {{ {body} }}\n")
    assert message.count("rego_compile_error: declared var") == len(unused)
    for name in unused:
        assert f"declared var {name} unused" in message


def test_each_branch_of_an_else_chain_is_checked():
    message = _error("package test\nf(a) := 1 if { some x } else := 2 if { some y }\n")
    assert "declared var x unused" in message and "declared var y unused" in message


@pytest.mark.parametrize("body", ["some x in [1]", "x := 1", "some x; x = 1", "every x in [1] { x > 0 }"])
def test_declarations_that_are_used_or_bound_are_fine(body):
    assert regolite.compile({"t.rego": f"package test\np if {{ {body} }}\n"}).eval_rule("data.test.p") is True


def test_queries_are_checked_too():
    with pytest.raises(regolite.RegoCompileError, match="declared var x unused"):
        regolite.compile({}).query("some x")


def _codes(source: str) -> list:
    with pytest.raises(regolite.RegoError) as info:
        regolite.compile({"t.rego": source})
    return [(e.code, e.message) for e in getattr(info.value, "errors", [info.value])]


@pytest.mark.parametrize("body, messages", [
    ('x = 1; x := 2', ["var x referenced above"]),
    ('y := x; x := 1; y', ["var x referenced above"]),
    ('x = 1; some x', ["var x referenced above"]),
    ('x := 1; some x; x = 1', ["var x assigned above"]),
    ('some x; some x; x = 1', ["var x declared above"]),
    ('"a" := 2', ["cannot assign to string"]),
    ('[a, 1, "s"] := [1, 1, "s"]; a', ["cannot assign to number", "cannot assign to string"]),
    ('{"k": a, "j": 1} := {"k": 1, "j": 1}; a', ["cannot assign to number"]),
    ('count([1]) := 1', ["cannot assign to call"]),
    ('{1, a} := {1, 2}; a', ["cannot assign to set"]),
    ('null := 2', ["cannot assign to null"]),
    ('true := 2', ["cannot assign to boolean"]),
    ('input.x := 1', ["cannot assign to ref"]),
    ('input := 1', ["variables must not shadow input (use a different variable name)"]),
])
def test_local_variable_errors(body, messages):
    """OPA's messages (rego_compile_error) for declaring what cannot be declared."""
    assert _codes(f"package test\np if {{ {body} }}\n") == [("rego_compile_error", m) for m in messages]


def test_a_function_argument_cannot_be_declared_again():
    assert _codes("package test\nf(x) := 1 if { x := 2 }\n") == [("rego_compile_error", "arg x redeclared")]


@pytest.mark.parametrize("body, unsafe", [
    ('[a, b] = {"k": 1}; a > 0; b > 0', ["a", "b"]),
    ('[a, b] = [1, 2, 3]; a > 0; b > 0', ["a", "b"]),
    ('[a, b] := [1]; a > 0', ["a", "b"]),
    ('{"k": a} = [1]; a > 0', ["a"]),
    ('[a, b] = "str"; a > 0', ["a", "b"]),
])
def test_a_unification_that_cannot_match_binds_nothing(body, unsafe):
    """OPA's safety analysis: arrays of other lengths, an array and an object or a
    string never unify, so the pattern's vars stay unsafe (each reported once)."""
    assert _codes(f"package test\np if {{ {body} }}\n") == [("rego_unsafe_var_error", f"var {v} is unsafe") for v in unsafe]


@pytest.mark.parametrize("body", ['[a, b] = [b, 1]; a > 0', '[a, b, c] = [b, c, 1]; a > 0',
                                  '{"x": a, "y": b} = {"x": b, "y": 1}; a > 0', '[a] = input.x; a > 0'])
def test_a_unification_binds_its_elements_in_the_order_they_can_be(body):
    policy = regolite.compile({"t.rego": f"package test\np if {{ {body} }}\n"})
    assert policy.eval_rule("data.test.p", input={"x": [1]}) is True


def test_errors_come_from_the_first_compile_stage_that_fails():
    """OPA's compiler stops after a stage with errors: local vars, undefined functions,
    safety, recursion, types."""
    assert _codes("package a\np := y\nq := count(1)\n") == [("rego_unsafe_var_error", "var y is unsafe")]
    assert [c for c, _ in _codes("package a\np := q\nq := p\nr := count(1)\n")] == ["rego_recursion_error"] * 2
    assert _codes("package a\nr := count(1)\np if { some x }\n") == [("rego_compile_error", "declared var x unused")]


def test_a_rule_calling_itself_as_a_zero_argument_function_is_recursive():
    """`f() := f()`: OPA's recursion check counts the call before its type checker rejects it."""
    assert _codes("package test\nf() := f()\n") == [
        ("rego_recursion_error", "rule data.test.f is recursive: data.test.f -> data.test.f")]
    assert [c for c, _ in _codes("package test\nf() := 1\nx := f()\n")] == ["rego_type_error"]


@pytest.mark.parametrize("source", [
    "package test\nf(x) := 1 if { true with f as 2 }\n",
    "package test\np := 1 if { true with data.test.p as 2 }\n",
    "package test\np := 1 if { true with data.test as {} }\n",
])
def test_a_with_target_naming_the_rule_itself_is_recursion(source):
    """OPA's dependency graph has an edge to every rule a `with` target names."""
    assert [c for c, _ in _codes(source)] == ["rego_recursion_error"]


def test_a_with_target_naming_another_rule_is_fine():
    policy = regolite.compile({"t.rego": "package test\nq := 3\np := 1 if { true with data.test.q as 2 }\n"
                                         "q2 := 1 if { p with data.test.p as 1 }\n"})
    assert policy.eval_rule("data.test.q2") == 1


@pytest.mark.parametrize("source, codes", [
    ("package test\np := q\nq := p\nr if { x }\n", ["rego_unsafe_var_error"]),  # safety before recursion
    ("package test\nf(a) := f(a) if { [v1, v2] = 12 }\n", ["rego_unsafe_var_error"] * 2),
    ("package test\np if { x; nope(1) }\n", ["rego_type_error"]),  # undefined functions before safety
    ("package test\np if { x; data.test.zz(1) }\n", ["rego_type_error"]),
    ("package test\np if { x; count(1) }\n", ["rego_unsafe_var_error"]),  # safety before types
    # the recursion is found past the type error that stopped writing the rule's code
    ("package test\nr0() := 1 if { null <= (1 & {\"b\"}); v1 := r0() }\n", ["rego_recursion_error"]),
])
def test_compile_stages_in_opas_order(source, codes):
    assert [c for c, _ in _codes(source)] == codes


@pytest.mark.parametrize("body, safe", [
    ('[x] := [1 | true]; x', True),
    ('[1 | true] = [x]; x', True),
    ('{"a": 1 | true} = {"a": x}; x', True),
    ('{"a": x} := {"a": 1 | true}; x', False),  # an object pattern gets nothing from a comprehension
    ('{"a": x} = {1 | true}; x', False),
    ('{"a": 1 | true} = [x]; x', False),
    ('{1 | true} = [x]; x', False),
    ('[1 | true] = {"a": x}; x', False),
])
def test_a_pattern_against_a_comprehension_as_opas_unifier_binds_it(body, safe):
    source = f"package test\np if {{ {body} }}\n"
    if safe:
        assert regolite.compile({"t.rego": source}).eval_rule("data.test.p") is True
    else:
        assert [c for c, _ in _codes(source)] == ["rego_unsafe_var_error"]
