"""analysis.enumerates: whether a body can succeed more than once, decided before code is written.

A "no" decides that a definition returns its first value and that a `not` is
tested inline; the body emitter checks every "no" against the loops it writes
(an internal compile error otherwise), so these cases pin the answers.
"""

from __future__ import annotations

import pytest

import regolite
from regolite.compiler.analysis import enumerates
from regolite.compiler.safety import order_body
from regolite.compiler.tree import RuleTree


def _body(text: str):
    module = regolite.parse_module(f"package t\nimport rego.v1\nf(a) := 1\np if {{\n{text}\n}}\n", "t.rego")
    tree = RuleTree([module])
    (rule,) = tree.group_at(("t", "p")).defs
    return order_body(rule.body, set(), tree.arity), tree


@pytest.mark.parametrize("text, loops", [
    ("x := input.a", False),
    ("x := input.a[0]; y := x.b", False),
    ("x := input.a[_]", True),
    ("some x in input.a", True),
    ("some k, v in input.a", True),
    ("some i; input.a[i] == 1", True),
    ("x := input.k; input.a[x] == 1", False),
    ("walk(input, [p, v])", True),
    ("y := [z | z := input.a[_]]", False),
    ("every x in input.a { x > 1 }", False),
    ("not f(input.a)", False),
    ("x := count(input.a) with input as {}", True),
    ("[x, y] = input.pair", False),
    ("{\"k\": v} = input.obj", False),
])
def test_which_bodies_loop(text, loops):
    body, tree = _body(text)
    assert enumerates(body, set(), tree.arity) is loops


def test_a_head_that_iterates_loops_too():
    body, tree = _body("x := input.a")
    head = regolite.parse_query("input.b[_]").body[0].term
    assert enumerates(body, set(), tree.arity, (head,))
