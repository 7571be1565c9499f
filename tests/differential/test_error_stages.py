"""Which compile errors OPA reports, and how many: its stages in order (undefined
functions before safety, safety before recursion), every error of the stage,
and at most ten of them, then "error limit reached".

Each case is a small program and OPA's answer (asked of ../shared/opa-oracle).
"""

from __future__ import annotations

import pytest

import regolite


def _errors(source: str) -> list:
    with pytest.raises(regolite.RegoError) as info:
        regolite.compile({"t.rego": source}).query("data.test")
    return [(e.code, e.message) for e in getattr(info.value, "errors", [info.value])]


def test_more_than_ten_errors_stop_at_the_error_limit():
    # OPA: t.rego:2 ... t.rego:11 undefined function nf0 ... nf9, then
    # "rego_compile_error: error limit reached"
    source = "package test\n" + "".join(f"p{i} if {{ nf{i}(1) }}\n" for i in range(12))
    errors = _errors(source)
    assert errors == [("rego_type_error", f"undefined function nf{i}") for i in range(10)] + [
        ("rego_compile_error", "error limit reached")]


def test_ten_errors_are_all_reported_without_the_limit():
    source = "package test\n" + "".join(f"p{i} if {{ x{i} }}\n" for i in range(10))
    errors = _errors(source)
    assert len(errors) == 10 and all(code == "rego_unsafe_var_error" for code, _ in errors)


def test_every_undefined_function_of_every_definition_is_reported():
    # OPA: undefined function nf, ng (line 2) and nh (line 3)
    errors = _errors("package test\np := 1 if { nf(1); ng(2) }\np := 2 if { nh(1) }\n")
    assert errors == [("rego_type_error", "undefined function nf"), ("rego_type_error", "undefined function ng"),
                      ("rego_type_error", "undefined function nh")]


def test_an_imported_function_that_is_missing_is_undefined_in_each_rule():
    source = ("package test\nimport data.lib.is_exempt\n"
              + "".join(f"violation contains {i} if {{ not is_exempt({i}) }}\n" for i in range(11)))
    errors = _errors(source)
    assert errors[:10] == [("rego_type_error", "undefined function data.lib.is_exempt")] * 10
    assert errors[10] == ("rego_compile_error", "error limit reached")


@pytest.mark.parametrize("source, code", [
    # undefined functions and arity come before safety
    ("package test\np if { nf(1) }\nq if { p }\nq if { x }\n", "rego_type_error"),
    ("package test\np if { count(1, 2, 3) }\nq if { x }\n", "rego_type_error"),
    ("package test\np if { f(1, 2, 3) }\nf(x) := x\nq if { x }\n", "rego_type_error"),
    # safety comes before recursion
    ("package test\np if { p }\nq if { x }\n", "rego_unsafe_var_error"),
])
def test_the_first_stage_with_errors_is_the_one_reported(source, code):
    assert {c for c, _ in _errors(source)} == {code}


def test_a_builtin_called_with_too_many_arguments_names_their_types():
    (code, message), = _errors("package test\np if { count(1, 2, 3) }\nq if { x }\n")
    assert message.startswith("count: arity mismatch\n\thave: (number, number, number)")
