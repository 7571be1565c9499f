"""json.patch as OPA's evaluator runs it: a patch that cannot be applied is a
builtin error (undefined unless built-in errors are strict), with OPA's message.

Each case is a small program and OPA's answer (asked of ../shared/opa-oracle).
"""

from __future__ import annotations

import pytest

import regolite


def _strict(source: str, query: str = "data.test.p"):
    return regolite.compile({"t.rego": source}).query(query, strict_builtin_errors=True)


@pytest.mark.parametrize("patch, message", [
    ('{"op": "add", "path": "1.2", "value": "foo"}', "json.patch: invalid string for indexing"),
    ('{"op": "add", "value": 1}', "json.patch: missing required attribute 'path'"),
    ('{"op": "bogus", "path": "/b", "value": 1}', "json.patch: unrecognized op: 'bogus'"),
    ('{"op": "remove", "path": "/9"}', "json.patch: index for array delete out of bounds"),
    ('{"op": "test", "path": "/0", "value": 2}',
     "json.patch: value from EditTree != patch value.\n\nExpected: 2\n\nFound: 1"),
])
def test_a_patch_that_cannot_be_applied_is_a_builtin_error(patch, message):
    source = f"package test\ndoc := [1, 2, 3]\np := r if r = json.patch(doc, [{patch}])\n"
    with pytest.raises(regolite.RegoError) as info:
        _strict(source)
    assert info.value.code == "eval_builtin_error"
    assert info.value.message == message


def test_without_strict_errors_the_call_is_undefined():
    source = 'package test\np := json.patch({"q": 1}, [{"op": "add", "path": "/a/b", "value": 1}])\n'
    assert regolite.compile({"t.rego": source}).query("data.test.p") == []


@pytest.mark.parametrize("doc, patch, want", [
    ('[1, 2]', '{"op": "remove", "path": "/+1"}', [1]),
    ('[1]', '{"op": "add", "path": [1.0], "value": 2}', [1, 2]),
    ('{"a": {"x", "y"}}', '{"op": "add", "path": "/a/z", "value": "z"}', {"a": ["x", "y", "z"]}),
    ('{"a": 1}', '{"op": "remove", "path": "/a"}, {"op": "add", "path": "", "value": 5}', 5),
])
def test_patches_opa_applies(doc, patch, want):
    result = _strict(f"package test\np := json.patch({doc}, [{patch}])\n")
    assert result[0]["expressions"][0] == want
