"""CodeWriter: layout, manufactured names and safe constants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.ast import Location
from regolite.compiler.writer import CodeWriter, has_safe_repr


def test_layout_and_line_map():
    w = CodeWriter()
    loc = Location("policy.rego", 3, 1)
    with w.block("def f(x):", loc):
        w.line("return x")
    w.line("y = 1")
    assert w.source() == "def f(x):\n    return x\ny = 1\n"
    assert w.line_map == {1: loc}


def test_open_loops_stay_open_until_closed():
    w = CodeWriter()
    start = w.level
    w.open("for a in x:")
    w.open("for b in a:")
    w.line("yield b")
    w.close_to(start)
    w.line("done = True")
    assert w.source() == "for a in x:\n    for b in a:\n        yield b\ndone = True\n"
    with pytest.raises(ValueError):
        w.close_to(1)


def test_location_comments_name_the_file_on_one_line():
    w = CodeWriter()
    w.location(Location("dir/p.rego", 4, 2))
    w.location(Location("evil\nimport os.rego", 1, 1))
    w.comment("a\rb")
    assert w.lines == ["# dir/p.rego:4:2", "# evil\\nimport os.rego:1:1", "# a\\rb"]
    assert sorted(w.line_map) == [1, 2]


def test_builtins_are_named_after_themselves():
    w = CodeWriter()
    assert [w.builtin("count"), w.builtin("object.get"), w.builtin("count")] == ["b_count", "b_object_get", "b_count"]
    assert w.builtin("object_get") == "b_object_get_2"
    assert w.builtins == {"b_count": "count", "b_object_get": "object.get", "b_object_get_2": "object_get"}


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
    assert w.constant(Location("p.rego", 1, 2)) == "L0"
    assert w.constants == {"K0": value, "K1": float("inf"), "L0": Location("p.rego", 1, 2)}
    assert CodeWriter(pool_prefix="Q").constant(value) == "QK0"


def test_str_subclass_is_not_trusted():
    class Sneaky(str):
        def __repr__(self):
            return "__import__('os').system('true')"

    assert not has_safe_repr(Sneaky("x"))
    w = CodeWriter()
    assert w.constant(Sneaky("x")) == "K0"
