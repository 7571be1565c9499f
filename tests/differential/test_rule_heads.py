"""Rules with neither value nor body, as OPA reads them (found by conformance.differential).

`f(1, _)` is a function that is true for those arguments, in v1 as in v0; the
other heads without value or body are OPA's parse errors, with its messages.
"""

from __future__ import annotations

import pytest

import regolite


def test_a_function_head_without_body_is_true_for_its_arguments():
    policy = regolite.compile({"t.rego": "package test\nf(1)\nf(2) := 3\nh(\"a\", _)\ng := [f(1), f(2)]\n"})
    assert policy.eval_rule("data.test.g") == [True, 3]
    assert policy.query('x := data.test.h("a", [1])')[0]["bindings"]["x"] is True
    assert policy.query('x := data.test.h("b", 1)') == []


def test_a_function_head_with_vars_binds_nothing_and_is_safe():
    policy = regolite.compile({"t.rego": "package test\nf(x)\ng := f(input)\n"})
    assert policy.eval_rule("data.test.g", input=5) is True
    assert policy.eval_rule("data.test.g") is regolite.UNDEFINED


def test_a_head_without_body_conflicts_with_another_value_for_the_same_arguments():
    policy = regolite.compile({"t.rego": "package test\nf(x) := 1\nf(1)\ng := f(1)\n"})
    with pytest.raises(regolite.RegoEvalError, match="functions must not produce multiple outputs"):
        policy.eval_rule("data.test.g")


@pytest.mark.parametrize("head, message", [
    ("f()", "rule argument list must take at least one argument"),
    ("p", "var cannot be used for rule name"),
    ("p.q", "`contains` keyword is required for partial set rules"),
    ('p["a"]', "`contains` keyword is required for partial set rules"),
    ("p[x]", "`contains` keyword is required for partial set rules"),
    ("a.b.c", "rule must have value assignment and/or body declaration"),
])
def test_other_heads_without_value_or_body_are_opas_parse_errors(head, message):
    with pytest.raises(regolite.RegoParseError, match=message):
        regolite.compile({"t.rego": f"package test\n{head}\n"})


@pytest.mark.parametrize("rules, want", [
    # shrunk from generated programs: f0[0] contains 11 if { ... } whose body fails
    ("f0[0] contains 11 if { false }", {"f0": {0: []}}),
    ("p[1][x] := 5 if { x := 1; false }", {"p": {1: {}}}),
    ("p[1].c := 5 if false", {"p": {1: {}}}),
    ("p[1][2] contains 5 if false", {"p": {1: {2: []}}}),
    ("p[null] contains 1 if false", {"p": {None: []}}),
    ("p[true] contains 1 if false\np[1] contains 1 if false", {"p": {"1": [], "true": []}}),
    ("p[x][1] := 5 if { x := 1; false }", {"p": {}}),
    ("p[[1]] contains 1 if false", {"p": {}}),
    ("p[1] := 5 if false", {"p": {}}),
    ("p[1] contains 1 if false\np[1] contains 2", {"p": {1: [2]}}),
    ("p[1] contains 1 if false\nq := p[1]", {"p": {1: []}, "q": []}),
])
def test_ground_keys_of_a_ref_head_name_nodes_whose_bodies_fail(rules, want):
    """OPA's rule tree holds every node a head's leading scalar keys name, so the
    package document has them (an empty set, or an object) when no body holds."""
    policy = regolite.compile({"t.rego": f"package test\n{rules}\n"})
    got = policy.query("data.test")[0]["expressions"][0]
    assert got == _json_keys(want)


def _json_keys(value):
    """`want` as the query answers it: object keys as their JSON text."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else regolite.values.key_to_text(k): _json_keys(v) for k, v in value.items()}
    return value
