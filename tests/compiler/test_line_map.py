"""The line map of generated code: a Python error inside it is reported at the Rego expression."""

from __future__ import annotations

import pytest

import regolite
from regolite.ast import Location
from regolite.cache import CompileCache

SOURCE = """package t
import rego.v1

names contains n if {
	some n in input.xs
}

first := x if {
	x := input.xs[0]
	count(x) > 0
}
"""


@pytest.mark.parametrize("value", [{1, 2}, (1, 2), object()])
def test_a_value_that_is_not_json_is_reported_where_the_policy_met_it(value):
    policy = regolite.compile({"p.rego": SOURCE})
    with pytest.raises(regolite.RegoEvalError) as info:
        policy.eval_rule("data.t.names", input={"xs": [value]})
    assert info.value.code == "eval_internal_error"
    assert info.value.location == Location("p.rego", 5, 2)
    assert str(info.value).startswith("p.rego:5: eval_internal_error: evaluation met a value that is not JSON data")


def test_queries_map_their_own_lines():
    policy = regolite.compile({"p.rego": SOURCE})
    with pytest.raises(regolite.RegoEvalError) as info:
        policy.query("x := 1\ny := {v | some v in input.xs}", input={"xs": [{1}]})
    assert info.value.location.file == "<query>" and info.value.location.row == 2


def test_every_expression_and_definition_is_mapped():
    artifact = regolite.compile({"p.rego": SOURCE}).artifact
    rows = {(loc.row, loc.col) for loc in artifact.line_map.values()}
    assert {(5, 2), (9, 2), (10, 2), (8, 1)} <= rows
    lines = artifact.source.splitlines()
    for line, loc in artifact.line_map.items():
        text = lines[line - 1].strip()
        assert text == f"# {loc}" or text.startswith(("def ", "for _ in ONCE:"))
    assert artifact.location_at(1) is None


def test_a_cached_artifact_keeps_its_line_map(tmp_path):
    cache = CompileCache(str(tmp_path / "cache"))
    first = regolite.compile({"p.rego": SOURCE}, cache=cache).artifact
    second = regolite.compile({"p.rego": SOURCE}, cache=cache).artifact
    assert second.tree is None  # from the cache: nothing was parsed
    assert second.line_map == first.line_map and second.constants == first.constants
