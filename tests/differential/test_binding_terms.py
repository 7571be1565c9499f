"""Terms OPA evaluates before the expression they belong to, so that their
references bind their vars: an every's domain, a `with` value (hoisted out of
the expression, out of a negation too). Regolite reported those vars unsafe.

Each case is a small program and OPA's answer (asked of ../shared/opa-oracle).
"""

from __future__ import annotations

import pytest

import regolite

INPUT = {"names": ["a,b", "c", ""], "xs": [[1, 2], [3], []], "d": {"a": [1], "b": ["x"]},
         "ws": [{"b": 1}, {"b": 2}]}


def _value(source: str) -> dict:
    result = regolite.compile({"t.rego": source}).query("data.test", input=INPUT)
    value = result[0]["expressions"][0]
    return {k: sorted(v) if isinstance(v, list) else v for k, v in value.items() if k != "q"}


@pytest.mark.parametrize("source, expected", [
    # OPA evaluates an every's domain as any term: its refs bind their vars
    ('package test\np if { every x in split(input.names[_], ",") { x } }\n', {"p": True}),
    ('package test\np := 1 if { false } else := 2 if { every x in split(input.names[_], ",") { x } }\n', {"p": 2}),
    ("package test\np contains i if { every x in input.xs[i] { x > 1 } }\n", {"p": [1, 2]}),
    ("package test\np contains k if { every x in input.d[k] { is_number(x) } }\n", {"p": ["a"]}),
    ("package test\np := [i | every x in input.xs[i] { x > 0 }]\n", {"p": [0, 1, 2]}),
    ('package test\np contains j if { every x in split(input.names[j], ",") { x != "c" } }\n', {"p": [0, 2]}),
])
def test_vars_of_an_every_domain_are_bound_by_it(source, expected):
    assert _value(source) == expected


@pytest.mark.parametrize("source, expected", [
    ("package test\nq if { input == 2 }\np contains 1 if { not q with input as input.ws[_].b }\n", {"p": [1]}),
    ("package test\nq if { input == 2 }\np contains i if { not q with input as input.ws[i].b }\n", {"p": [0]}),
    ("package test\nq if { input == 2 }\np contains i if { q with input as input.ws[i].b }\n", {"p": [1]}),
    ("package test\nq if { input == 2 }\np contains x if { x := 1 with input as input.ws[_].b }\n", {"p": [1]}),
])
def test_vars_of_a_with_value_are_bound_by_it(source, expected):
    assert _value(source) == expected
