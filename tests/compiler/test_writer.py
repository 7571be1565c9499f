"""CodeWriter: layout, manufactured names and safe constants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.compiler.writer import CodeWriter, has_safe_repr


def test_layout_and_line_map():
    w = CodeWriter()
    w.line("def f(x):", loc="policy.rego:3")
    w.indent()
    w.line("return x")
    w.outdent()
    assert w.source() == "def f(x):\n    return x\n"
    assert w.line_map == {1: "policy.rego:3"}


def test_lines_cannot_smuggle_newlines():
    with pytest.raises(ValueError):
        CodeWriter().line("x = 1\nimport os")


def test_names_are_manufactured():
    w = CodeWriter()
    assert [w.name("t"), w.name("t"), w.name("rule_")] == ["t0", "t1", "rule_0"]
    with pytest.raises(ValueError):
        w.name("__import__('os')")


@given(st.text())
def test_string_constants_round_trip_through_source(text):
    w = CodeWriter()
    src = w.constant(text)
    assert eval(src, {"__builtins__": {}}) == text


def test_composites_and_odd_floats_go_to_the_pool():
    w = CodeWriter()
    value = {"a": [1, 2]}
    assert w.constant(value) == "K0"
    assert w.constant(value) == "K0"
    assert w.constant(float("inf")) == "K1"
    assert w.constant_names() == {"K0": value, "K1": float("inf")}


def test_str_subclass_is_not_trusted():
    class Sneaky(str):
        def __repr__(self):
            return "__import__('os').system('true')"

    assert not has_safe_repr(Sneaky("x"))
    w = CodeWriter()
    assert w.constant(Sneaky("x")) == "K0"
