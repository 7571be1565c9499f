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
