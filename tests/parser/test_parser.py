"""The parser builds OPA's AST for each construct of the language."""

from __future__ import annotations

import pytest

from regolite import RegoParseError, parse_module, parse_query
from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Object, ObjectComprehension, Ref, Scalar,
    Set, SetComprehension, SomeDecl, TemplateString, Var,
)


def rules(text: str, version: str = "v1"):
    return parse_module(text, "t.rego", rego_version=version).rules


def expr(text: str):
    (e,) = parse_query(text).body
    return e


def call_name(e) -> str:
    return e.term.name


def test_package_path_is_a_data_ref():
    m = parse_module('package a.b["c-d"]\n')
    assert [t.to_json() for t in m.package.path.terms] == [
        {"type": "var", "value": "data"},
        {"type": "string", "value": "a"},
        {"type": "string", "value": "b"},
        {"type": "string", "value": "c-d"},
    ]
    assert m.package.name == "a.b.c-d"


def test_imports_with_alias():
    m = parse_module("package p\nimport data.x.y as z\nimport input.a\nimport rego.v1\n")
    assert [(i.path.dotted(), i.alias) for i in m.imports] == [("data.x.y", "z"), ("input.a", None), ("rego.v1", None)]


@pytest.mark.parametrize("bad", ["import foo.bar", "import future.keywords as f", "import rego.v9"])
def test_invalid_imports(bad):
    with pytest.raises(RegoParseError):
        parse_module(f"package p\n{bad}\n")


def test_complete_rules():
    r1, r2, r3 = rules("package p\np := 1\nq = 2\nr if input.x > 1\n")
    assert r1.head.value == Scalar(1) and r1.head.assign
    assert r2.head.value == Scalar(2) and not r2.head.assign
    assert r3.head.value == Scalar(True)
    assert len(r3.body) == 1 and call_name(r3.body[0]) == "gt"


def test_multi_value_and_partial_object_rules():
    s, o = rules('package p\ns contains x if { some x in input }\no[k] := v if { some k, v in input }\n')
    assert s.head.key == Var("x") and s.head.value is None
    assert o.head.ref == Ref((Var("o"), Var("k"))) and o.head.value == Var("v")


def test_ref_head_rules():
    (r,) = rules('package p\na.b["c"].d contains x if x := 1\n')
    assert r.head.ref == Ref((Var("a"), Scalar("b"), Scalar("c"), Scalar("d")))
    assert r.head.name == "a.b.c.d"


def test_functions_and_else():
    (f,) = rules("package p\nf(x) := 1 if x > 0 else := 2 if x < 0 else := 3\n")
    assert f.head.args == (Var("x"),)
    assert f.else_.head.value == Scalar(2)
    assert f.else_.else_.head.value == Scalar(3)
    assert f.else_.else_.body == (Expr(Scalar(True)),)


def test_default_rules():
    (d,) = rules("package p\ndefault allow := false\n")
    assert d.default and d.head.value == Scalar(False)


def test_v0_syntax():
    text = "package p\np { true }\nq[x] { x := 1 }\nr[k] = v { k := 1; v := 2 }\nf(x) = y { y := x }\ns { 1 } { 2 }\n"
    p, q, r, f, s1, s2 = rules(text, "v0")
    assert q.head.key == Var("x")
    assert r.head.ref.terms[1] == Var("k")
    assert f.head.args == (Var("x"),)
    assert s1.head == s2.head and s1.body != s2.body


def test_v0_future_keywords_enable_keywords():
    text = "package p\nimport future.keywords.in\nimport future.keywords.if\np if { 1 in [1] }\n"
    (p,) = rules(text, "v0")
    assert call_name(p.body[0]) == "internal.member_2"


def test_v0_without_imports_contains_and_in_are_names():
    (p,) = rules('package p\np { contains("abc", "b"); in := 1 }\n', "v0")
    assert call_name(p.body[0]) == "contains"


def test_contains_builtin_call_in_v1():
    (p,) = rules('package p\np if contains("abc", "b")\n')
    assert call_name(p.body[0]) == "contains"


@pytest.mark.parametrize(
    "text, message",
    [
        ("package p\np { true }\n", "`if` keyword is required before rule body"),
        ("package p\np[x] if { x := 1 }\n", "`contains` keyword is required for partial set rules"),
        ("package p\np[x] { x := 1 }\n", "`if` keyword is required"),
    ],
)
def test_v1_rules(text, message):
    with pytest.raises(RegoParseError, match=message.replace("`", ".")):
        parse_module(text)


def test_rego_v1_import_applies_v1_rules_to_v0_modules():
    with pytest.raises(RegoParseError, match="keyword is required"):
        parse_module("package p\nimport rego.v1\np { true }\n", rego_version="v0")


def test_operator_precedence():
    e = expr("x := 1 + 2 * 3 == 7 | y")
    assert call_name(e) == "assign"
    rhs = e.term.args[1]
    assert rhs.name == "equal"
    lhs, right = rhs.args
    assert lhs.name == "plus" and lhs.args[1].name == "mul"
    assert right.name == "or"


def test_left_associativity():
    e = expr("1 - 2 - 3").term
    assert e.name == "minus" and e.args[0].name == "minus"


def test_membership():
    assert call_name(expr("x in xs")) == "internal.member_2"
    e = expr("k, v in obj")
    assert call_name(e) == "internal.member_3" and len(e.term.args) == 3
    # in a list a comma separates items
    arr = expr("[1, 2 in xs]").term
    assert isinstance(arr, Array) and len(arr.items) == 2


def test_some_and_every():
    e = expr("some x, y")
    assert isinstance(e.term, SomeDecl) and e.term.symbols == (Var("x"), Var("y"))
    e = expr("some k, v in xs")
    assert e.term.symbols[0].name == "internal.member_3"
    e = expr("every k, v in xs { v > k }")
    assert isinstance(e.term, Every) and e.term.key == Var("k")


def test_not_and_with():
    e = expr("not p with input.x as 1 with data.y as {1}")
    assert e.negated and len(e.with_) == 2
    assert e.with_[0].target == Ref((Var("input"), Scalar("x")))


def test_not_body_with_rego_v2():
    (p,) = rules("package p\nimport rego.v2\np if { not { input.a; input.b } }\n")
    assert isinstance(p.body[0].term, Block) and p.body[0].negated


def test_terms():
    assert expr("null").term == Scalar(None)
    assert expr("12345678901234567890123").term == Scalar(12345678901234567890123)
    assert expr("1.5e3").term == Scalar(1500.0)
    assert expr("-3").term == Scalar(-3)
    assert expr(r'"a\tb\u00e9\ud83d\ude00"').term == Scalar("a\tb\u00e9\U0001F600")
    assert expr("`raw\\n`").term == Scalar("raw\\n")
    assert expr("set()").term == Set(())
    assert expr("{}").term == Object(())
    assert expr("{1, 2,}").term == Set((Scalar(1), Scalar(2)))
    assert isinstance(expr('{"a": 1, "b": [2]}').term, Object)


def test_comprehensions():
    assert isinstance(expr("[x | x := 1]").term, ArrayComprehension)
    assert isinstance(expr("{x | x := 1}").term, SetComprehension)
    assert isinstance(expr("{k: v | k := 1; v := 2}").term, ObjectComprehension)
    multi = expr("[x |\n  some x in xs\n  x > 1\n]").term
    assert len(multi.body) == 2


def test_refs_and_calls():
    e = expr('input.a["b"][_][x].c').term
    assert isinstance(e, Ref)
    assert [type(t).__name__ for t in e.terms] == ["Var", "Scalar", "Scalar", "Var", "Var", "Scalar"]
    assert e.terms[3].name == "$0"
    c = expr("strings.any_prefix_match(x, y)").term
    assert isinstance(c, Call) and c.name == "strings.any_prefix_match"


def test_whitespace_separates_ref_from_array():
    p, = rules("package p\np if {\n  x := input\n  [a, b] := [1, 2]\n}\n")
    assert len(p.body) == 2


def test_newlines_inside_brackets_are_whitespace():
    (p,) = rules('package p\np := f(\n  1,\n  2\n) if {\n  x := [\n    1,\n  ]\n  y := x[0] +\n    1\n}\n')
    assert len(p.body) == 2


def test_else_on_next_line():
    (p,) = rules("package p\np := 1 if {\n  false\n}\nelse := 2\n")
    assert p.else_ is not None


def test_if_brace_object_comprehension():
    (f,) = rules('package p\nf(x) := 1 if {x: i | x := ["a"][i]}\n')
    assert isinstance(f.body[0].term, ObjectComprehension)


def test_template_strings():
    t = expr('$"hello {input.name}, {1 + 2} \\{x\\}"').term
    assert isinstance(t, TemplateString)
    assert t.parts[0] == "hello " and t.parts[-1] == " {x}"
    assert t.parts[3].name == "plus"


def test_wildcards_are_numbered():
    (p,) = rules("package p\np if { input[_] == input[_] }\n")
    a, b = p.body[0].term.args
    assert a.terms[1].name != b.terms[1].name


def test_keywords_allowed_after_dot():
    e = expr("input.default.if.in.contains").term
    assert [t.value for t in e.terms[1:]] == ["default", "if", "in", "contains"]


def test_locations():
    m = parse_module("package p\n\np := 1 if {\n\tinput.x == 1\n}\n", "f.rego")
    (p,) = m.rules
    assert (p.loc.file, p.loc.row, p.loc.col) == ("f.rego", 3, 1)
    assert (p.body[0].loc.row, p.body[0].loc.col) == (4, 2)


def test_opa_json_shape():
    (p,) = rules("package p\np := 1 if input.x == 1\n")
    j = p.to_json()
    assert j["head"]["name"] == "p"
    assert j["body"][0]["terms"][0] == {"type": "ref", "value": [{"type": "var", "value": "equal"}]}


def test_empty_argument_list_declares_a_plain_rule():
    (f,) = rules("package p\nf() = 1 { true }\n", "v0")
    assert f.head.args is None and f.head.value == Scalar(1)


def test_template_string_braces_inside_embedded_strings():
    t = expr('$"a {input.x} {"}"} b"').term
    assert t.parts[0] == "a " and t.parts[3] == Scalar("}") and t.parts[-1] == " b"
    with pytest.raises(RegoParseError):
        expr('$"a {input.x"')
