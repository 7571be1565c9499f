"""`every x in input[k] { ... }`: OPA enumerates the domain first, so it binds k and
holds when the body holds for *some* k (found by conformance.differential; answers are OPA's)."""

from __future__ import annotations

import regolite

INPUT = {"a": [1, 2], "b": [3, "x"]}


def test_a_wildcard_in_the_domain_is_enumerated():
    policy = regolite.compile({"t.rego": "package test\np if { every v in input[_] { is_number(v) } }\n"})
    assert policy.eval_rule("data.test.p", input=INPUT) is True
    assert policy.eval_rule("data.test.p", input={"b": [3, "x"]}) is regolite.UNDEFINED


def test_a_var_in_the_domain_is_bound_by_it():
    policy = regolite.compile({"t.rego": "package test\np contains k if { every v in input[k] { is_number(v) } }\n"})
    assert policy.query("x := data.test.p", input=INPUT)[0]["bindings"]["x"] == ["a"]
