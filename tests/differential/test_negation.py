"""What OPA evaluates before a negation (found by conformance.differential).

OPA's compiler moves the calls nested in `not expr` and the references that are
operands of its call out of the negation (open-policy-agent/opa#1877), so
`not is_string(input.x)` is undefined, not true, when `input.x` is; a bare
reference and the sides of `=`/`==` stay inside. `import future.keywords[.not]`
makes `not` negate its expression as a body, with nothing moved. Each answer
below is OPA's (asked of ../shared/opa-oracle).
"""

from __future__ import annotations

import pytest

import regolite

PRELUDE = """package test
f(x) := true if x == 1
g(x) := true
q := 1 if false
"""

# (body, input or None for no input, does OPA's p hold?)
CASES = [
    ("not input.x", {}, True),
    ("not input.x == 1", {}, True),
    ("not input.x = 1", {}, True),
    ("not 1 == input.x", {}, True),
    ("not data.test.q", {}, True),
    ("not input.x != 1", {}, False),
    ("not is_string(input.x)", {}, False),
    ("not is_string(input.x)", {"x": 1}, True),
    ("not is_string(input.x)", {"x": "a"}, False),
    ("not startswith(input.x, \"a\")", {}, False),
    ("not count(input.x) > 0", {}, False),
    ("not count(input.x) > 0", {"x": []}, True),
    ("not input.x < 1", {}, False),
    ("not input.x in [1]", {}, False),
    ("not input.x + 1 == 2", {}, False),
    ("not [input.x]", {}, False),
    ("not [input.x] == [1]", {}, False),
    ("not {1: input.x} == {}", {}, False),
    ("not input.x[input.y]", {}, False),
    ("not input[input.x]", {}, False),
    ("not is_string({\"a\": input.x})", {}, False),
    ("not is_string(data.test.q)", {}, False),
    ("not is_string(input)", {}, True),
    ("not is_string(input)", None, False),
    ("not f(input)", {}, True),
    ("not g(input.x)", {}, False),
    ("not is_string(f(2))", {}, False),
    ("not f(2) == true", {}, False),
    ("not [f(2)]", {}, False),
    ("not input.x[f(2)]", {"x": {}}, False),
    ("not is_string(upper(input.x))", {}, False),
    ("x := input; not is_string(x.b)", {}, False),
    ("x := input.y; not startswith(x, \"a\")", {}, False),
    ("not count([y | y := input.x]) == 1", {}, True),
    ("not input.x.y == input.z", {"x": {}}, True),
    ("not is_string(input.x) with input as {}", {}, False),
    ("not is_string(input.x) with input as {\"x\": 1}", {}, True),
    ("not g(input.x) with g as f", {"x": 2}, True),
]


def _holds(source: str, inp) -> bool:
    policy = regolite.compile({"t.rego": source})
    kwargs = {} if inp is None else {"input": inp}
    return policy.eval_rule("data.test.p", **kwargs) is True


@pytest.mark.parametrize("body, inp, expected", CASES)
def test_what_a_negation_evaluates_first(body, inp, expected):
    assert _holds(PRELUDE + f"p if {{ {body} }}\n", inp) is expected


@pytest.mark.parametrize("imports", ["import future.keywords.not", "import future.keywords"])
@pytest.mark.parametrize("body, inp", [
    ("not is_string(input.x)", {}),
    ("not input.x != 1", {}),
    ("not count(input.x) > 0", {}),
    ("not is_string(input.x) with input as {}", {}),
])
def test_not_as_a_future_keyword_negates_the_whole_expression(imports, body, inp):
    assert _holds(f"package test\n{imports}\np if {{ {body} }}\n", inp) is True


def test_the_vars_of_a_negated_expression_must_still_be_bound():
    with pytest.raises(regolite.RegoCompileError, match="var _ is unsafe"):
        regolite.compile({"t.rego": "package test\nimport future.keywords.not\np if { not input.x[_] == 1 }\n"})


def test_a_query_moves_them_too():
    policy = regolite.compile({})
    assert policy.query("not is_string(input.x)", input={}) == []
    assert policy.query("not input.x", input={}) != []
