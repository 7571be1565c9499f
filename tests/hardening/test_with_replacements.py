"""`with f as data...`: a function replaced by a function, a rule's value or base data, as OPA does.

The expected values are OPA v1.20's answers (asked of ../shared/opa-oracle): a rule
or a path of data that is not a function replaces the function by its value, and an
undefined one makes the call undefined; no compile error. Before these tests, a rule
replacing a function of one or more arguments failed with an internal error ("not
JSON data") and a path with no rule behind it crashed the compiler (AttributeError).
"""

from __future__ import annotations

import pytest

import regolite

CASES = [
    # a complete rule replaces a builtin of arity 1: its value, whatever the arguments
    ('package test\nr := 5\np := y if { y := count([1]) with count as data.test.r }\n', 5),
    # the rule's value is taken where the call is: it sees the `with input` of the same expression
    ('package test\nr := input.x\np := y if { y := time.now_ns() with input as {"x": 7} with time.now_ns as data.test.r }\n', 7),
    # base data replaces a builtin
    ('package test\np := y if { y := count([1]) with count as data.foo.bar }\n', 9),
    # a rule replaces a function
    ('package test\nf(x) := x\nr := 3\np := y if { y := f(1) with f as data.test.r }\n', 3),
    # a function replaces a function, with its arguments
    ('package test\nf(x) := x\ng(x) := x + 1\np := y if { y := f(1) with f as data.test.g }\n', 2),
    # nothing at the path (no rule, no base data), or a rule that is undefined: the call is undefined
    ('package test\nf(x) := x\np := y if { y := f(1) with f as data.test.nonexistent }\n', regolite.UNDEFINED),
    ('package test\np := y if { y := count([1]) with count as data.other.nonexistent }\n', regolite.UNDEFINED),
    ('package test\nf(x) := x\np := y if { y := f(1) with f as data.test.q }\nq := 1 if false\n', regolite.UNDEFINED),
]


@pytest.mark.parametrize("source, want", CASES)
def test_with_replacement_by_data_ref(source, want):
    policy = regolite.compile({"p.rego": source}, data={"foo": {"bar": 9}})
    assert policy.eval_rule("data.test.p") == want
