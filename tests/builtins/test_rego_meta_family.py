"""rego.parse_module: a module's AST as OPA's JSON, parse errors as OPA words them."""

from __future__ import annotations

import pytest

import regolite
import regolite.builtins.rego_meta  # noqa: F401  (registers the family)
from regolite.builtins import REGISTRY, BuiltinError, OperandTypeError
from regolite.errors import RegoEvalError
from tests.builtin_helpers import call, opa_builtins


def test_declarations_match_opa():
    opa = opa_builtins()
    assert REGISTRY["rego.parse_module"].to_json() == opa["rego.parse_module"]
    # not implemented: they need METADATA annotations, which the parser does not keep
    assert "rego.metadata.chain" not in REGISTRY
    assert "rego.metadata.rule" not in REGISTRY


def test_parse_module_returns_the_ast_json():
    source = "package x.y\n\nimport rego.v1\n\nallow if input.user == \"admin\"\n"
    got = call("rego.parse_module", "policy.rego", source)
    assert got == regolite.parse_module(source, "policy.rego").to_json()
    assert got["package"] == {
        "path": [{"type": "var", "value": "data"}, {"type": "string", "value": "x"}, {"type": "string", "value": "y"}]
    }
    assert got["imports"] == [
        {"path": {"type": "ref", "value": [{"type": "var", "value": "rego"}, {"type": "string", "value": "v1"}]}}
    ]
    assert [r["head"]["name"] for r in got["rules"]] == ["allow"]


def test_parse_error_is_a_builtin_error_in_opa_format():
    with pytest.raises(BuiltinError) as err:
        call("rego.parse_module", "a.rego", "package x\np := }\n")
    lines = err.value.message.split("\n")
    assert lines[0].startswith("1 error occurred: a.rego:2: rego_parse_error: ")
    assert lines[1:] == ["\tp := }", "\t     ^"]


def test_several_parse_errors():
    with pytest.raises(BuiltinError) as err:
        call("rego.parse_module", "a.rego", "package x\np := [\nq := 1\nr := )\n")
    message = err.value.message
    assert message.startswith("2 errors occurred:\na.rego:3: rego_parse_error: ")
    assert "\na.rego:4: rego_parse_error: " in message


def test_caret_skips_back_over_trailing_space():
    with pytest.raises(BuiltinError) as err:
        call("rego.parse_module", "a.rego", "package x\n\tp := \n")
    assert err.value.message.split("\n")[1:] == ["\tp := ", "\t   ^"]  # leading tabs are dropped, as OPA does


def test_operands_must_be_strings():
    with pytest.raises(OperandTypeError):
        call("rego.parse_module", 1, "package x")
    with pytest.raises(OperandTypeError):
        call("rego.parse_module", "a.rego", ["package x"])


def test_end_to_end():
    policy = regolite.compile(
        {
            "p.rego": "package x\n"
            "m := rego.parse_module(input.file, input.src)\n"
            "names := {r.head.name | some r in m.rules}\n"
        }
    )
    inp = {"file": "y.rego", "src": "package y\na := 1\nb contains 2 if true\n"}
    assert policy.eval_rule("data.x.names", input=inp) == regolite.compile(
        {"q.rego": 'package q\nv := {"a", "b"}'}
    ).eval_rule("data.q.v")
    bad = {"file": "y.rego", "src": "package"}
    assert policy.eval_rule("data.x.m", input=bad) is regolite.UNDEFINED
    with pytest.raises(RegoEvalError) as err:
        policy.eval_rule("data.x.m", input=bad, strict_builtin_errors=True)
    assert err.value.code == "eval_builtin_error"
    assert err.value.message.startswith("rego.parse_module: 1 error occurred: y.rego:1: rego_parse_error: ")
