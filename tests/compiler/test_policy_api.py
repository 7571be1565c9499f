"""The embedding API: regolite.compile, Policy.query, Policy.eval_rule, errors."""

from __future__ import annotations

import threading

import pytest

import regolite
from regolite import RegoCompileError, RegoEvalError, RegoParseError, UNDEFINED

POLICY = """package app

import rego.v1

default allow := false

allow if {
	input.user.role == "admin"
}

allow if {
	some grant in data.grants[input.user.name]
	grant == input.action
}

denied contains msg if {
	not allow
	msg := sprintf("%s may not %s", [input.user.name, input.action])
}

double(x) := x * 2
"""


@pytest.fixture(scope="module")
def policy():
    return regolite.compile({"app.rego": POLICY}, data={"grants": {"bob": ["read"]}})


def test_eval_rule(policy):
    assert policy.eval_rule("data.app.allow", input={"user": {"name": "bob"}, "action": "read"}) is True
    assert policy.eval_rule("data.app.allow", input={"user": {"name": "bob"}, "action": "write"}) is False
    assert policy.eval_rule("data.app.denied", input={"user": {"name": "eve"}, "action": "x"}) == ["eve may not x"]
    assert policy.eval_rule("data.app.nothing") is UNDEFINED


def test_query_result_shape(policy):
    result = policy.query("x := data.app.double(21); y := [1, 2][_]")
    assert result == [
        {"expressions": [True, True], "bindings": {"x": 42, "y": 1}},
        {"expressions": [True, True], "bindings": {"x": 42, "y": 2}},
    ]
    assert policy.query("data.app.double(1)") == [{"expressions": [2], "bindings": {}}]
    assert policy.query("1 == 2") == []
    assert policy.query("data.app.allow") == [{"expressions": [False], "bindings": {}}]


def test_sets_keep_true_and_one_apart():
    p = regolite.compile({})
    assert p.query("x := count({1, true, 1.0})")[0]["bindings"]["x"] == 2
    assert p.query("x := {true, 1}")[0]["bindings"]["x"] == [True, 1]  # OPA order: boolean < number
    assert p.query("1 == true") == []


def test_compile_errors_name_file_line_and_code():
    with pytest.raises(RegoCompileError) as info:
        regolite.compile({"bad.rego": "package x\np if { y > 1 }\n"})
    assert "bad.rego:2:8: rego_unsafe_var_error: var y is unsafe" in str(info.value)
    with pytest.raises(RegoCompileError, match="rego_recursion_error"):
        regolite.compile({"r.rego": "package x\np if q\nq if p\n"})
    with pytest.raises(RegoCompileError, match="undefined function nope"):
        regolite.compile({"f.rego": "package x\np if nope(1)\n"})
    with pytest.raises(RegoCompileError, match="arity mismatch"):
        regolite.compile({"f.rego": 'package x\np if startswith("a")\n'})
    with pytest.raises(RegoCompileError, match="var x assigned above"):
        regolite.compile({"f.rego": "package x\np if { x := 1; x := 2 }\n"})
    with pytest.raises(RegoParseError):
        regolite.compile({"p.rego": "package x\np := [\n"})


def test_all_compile_errors_are_reported_together():
    with pytest.raises(RegoCompileError) as info:
        regolite.compile({"a.rego": "package x\np if { a > 1 }\nq if { b > 1 }\n"})
    assert len(info.value.errors) == 2


def test_builtin_errors_are_undefined_unless_strict():
    p = regolite.compile({"a.rego": 'package x\np := to_number("nope")\n'})
    assert p.eval_rule("data.x.p") is UNDEFINED
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.x.p", strict_builtin_errors=True)
    assert info.value.code == "eval_builtin_error"


def test_conflicts_are_eval_errors():
    p = regolite.compile({"a.rego": "package x\np := 1\np := 2\n"})
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.x.p")
    assert info.value.code == "eval_conflict_error"


def test_with_replaces_input_and_functions():
    p = regolite.compile({"a.rego": "package x\nf(a) := a\np := f(input.v)\nq := y if y := p with input.v as 7\nr := y if y := p with f as 9\n"})
    assert p.eval_rule("data.x.q", input={"v": 1}) == 7
    assert p.eval_rule("data.x.r", input={"v": 1}) == 9
    assert p.eval_rule("data.x.p", input={"v": 1}) == 1


def test_print_goes_to_the_given_sink():
    lines = []
    p = regolite.compile({"a.rego": 'package x\np if { print("hello", input.who, input.missing) }\n'})
    p.query("data.x.p", input={"who": "you"}, print_to=lines.append)
    assert lines == ["hello you <undefined>"]


def test_policy_is_safe_across_threads(policy):
    errors = []

    def work(i):
        name = "bob" if i % 2 else "eve"
        want = i % 2 == 1
        for _ in range(200):
            if policy.eval_rule("data.app.allow", input={"user": {"name": name}, "action": "read"}) is not want:
                errors.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_generated_source_is_inspectable_and_uses_no_builtins(policy):
    assert "def rule_" in policy.source
    assert "__import__" not in policy.source and "eval(" not in policy.source


def test_policy_text_cannot_reach_python():
    hostile = 'package x\np := "__import__(\'os\').system(\'echo hi\')"\nq := {"\\"); import os; (\\"": 1}\n'
    p = regolite.compile({"h.rego": hostile})
    assert p.eval_rule("data.x.p") == "__import__('os').system('echo hi')"
    assert p.eval_rule("data.x.q") == {'"); import os; ("': 1}


def test_decimal_literals_compare_as_the_numbers_they_denote():
    p = regolite.compile({})
    assert p.query("1e-400 > 0") != []
    assert p.query("0.1234567890123456789 > 0.1234567890123456788") != []
    assert p.query("0.1 == 0.10") != []
    assert p.query("x := 1e-400 * 1")[0]["bindings"]["x"] == 0.0  # output is the nearest float


def test_constant_arguments_of_the_wrong_type_fail_at_compile_time():
    with pytest.raises(RegoCompileError) as info:
        regolite.compile({"t.rego": 'package x\np if startswith(1, "a")\n'})
    assert info.value.errors[0].code == "rego_type_error"
    assert "have: (number, string)" in str(info.value) and "want: (string, string" in str(info.value)
    regolite.compile({"t.rego": "package x\np if startswith(input.x, \"a\")\n"})  # unknown types pass


def test_embedders_register_their_own_builtins():
    from regolite.builtins import REGISTRY, BuiltinError, register
    from regolite.builtins.signature import BOOLEAN, STRING

    def is_prod(namespace):
        if namespace == "":
            raise BuiltinError("empty namespace")
        return namespace.startswith("prod-")

    register("acme.is_prod", is_prod, args=(STRING,), result=BOOLEAN, replace=True)
    try:
        p = regolite.compile({"a.rego": "package x\np := acme.is_prod(input.ns)\n"})
        assert p.eval_rule("data.x.p", input={"ns": "prod-eu"}) is True
        assert p.eval_rule("data.x.p", input={"ns": 7}) is UNDEFINED  # operand checks come from the declaration
        with pytest.raises(RegoEvalError, match="acme.is_prod: operand 1 must be string but got number"):
            p.eval_rule("data.x.p", input={"ns": 7}, strict_builtin_errors=True)
        with pytest.raises(RegoEvalError, match="acme.is_prod: empty namespace"):
            p.eval_rule("data.x.p", input={"ns": ""}, strict_builtin_errors=True)
    finally:
        REGISTRY.pop("acme.is_prod", None)


def _nested(depth):
    root = cur = []
    for _ in range(depth):
        nxt = []
        cur.append(nxt)
        cur = nxt
    return root


def test_deeply_nested_values_are_a_clear_error_not_a_crash():
    p = regolite.compile({"a.rego": "package x\nq := count([x | walk(input, x)])\nr := input\n"})
    for rule in ("q", "r"):
        with pytest.raises(RegoEvalError) as info:
            p.eval_rule(f"data.x.{rule}", input=_nested(20000))
        assert info.value.code == "eval_internal_error" and "nested too deeply" in str(info.value)
    assert p.eval_rule("data.x.r", input={"a": 1}) == {"a": 1}  # the policy is still fine afterwards


def test_gatekeeper_reviews_of_deep_objects_fail_cleanly():
    from regolite.gatekeeper.engine import Gatekeeper
    from regolite.gatekeeper.review import ReviewError

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": _nested(20000)}
    with pytest.raises(ReviewError, match=r"nested more than 256 levels deep at \$\.object\.spec"):
        Gatekeeper().review(pod)
    with pytest.raises(ReviewError, match="nested more than 40 levels deep"):
        Gatekeeper().review(pod, max_depth=40)
    with pytest.raises(ReviewError, match="nested too deeply"):  # no limit: Python's recursion stops it
        Gatekeeper().review(pod, max_depth=None)


def test_timeout_stops_a_runaway_evaluation():
    import time

    slow = "slow := count([x | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); x := i * j])"
    p = regolite.compile({"a.rego": f"package x\n{slow}\nfast := 1\n"})
    started = time.perf_counter()
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.x.slow", timeout=0.2)
    assert info.value.code == "eval_cancel_error"
    assert time.perf_counter() - started < 3
    assert p.eval_rule("data.x.fast", timeout=0.2) == 1  # the policy and thread are fine afterwards
    assert p.query("data.x.fast", timeout=5) == [{"expressions": [1], "bindings": {}}]
