"""Parser corners where OPA reads a program regolite did not (found by conformance.differential)."""

from __future__ import annotations

import pytest

import regolite


@pytest.mark.parametrize("value, expected", [
    ("[-1 | true]", [-1]),
    ("[-x | x := 1]", [-1]),
    ("{-x | x := 1}", [-1]),
    ("{1: -x | x := 1}", {"1": -1}),
    ("{1: -1 | x := 1; true}", {"1": -1}),
    ("{-1: 1 | true}", {"-1": 1}),
])
def test_a_comprehension_head_may_be_negated(value, expected):
    result = regolite.compile({"t.rego": f"package test\np := {value}\n"}).query("data.test.p")
    assert result[0]["expressions"][0] == expected


def test_an_operator_after_a_comprehension_head_is_still_the_body():
    """`[1 | 2 | s]` is the comprehension of 1 over the body `2 | s`, as in OPA (a type error)."""
    with pytest.raises(regolite.RegoCompileError, match="or: invalid argument"):
        regolite.compile({"t.rego": "package test\ns := {1}\np := [1 | 2 | s]\n"})
