"""glob.match and glob.quote_meta: gobwas/glob semantics (cases from OPA's globmatch fixtures)."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import BuiltinError, OperandError, OperandTypeError
from regolite.builtins import glob as glob_family
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR
from tests.builtin_helpers import call


FIXTURE_CASES = [
    # v1/globmatch
    ("*:github:com", [":"], "api:github:com", True),
    ("*.github.com", ["."], "api.not-github.com", False),
    ("[abc]at", [], "fat", False),
    ("[!abc]at", [], "fat", True),
    ("[!abc]at", [], "cat", False),
    ("[a-c]at", [], "bat", True),
    ("[!a-c]at", [], "bat", False),
    ("?at", ["f"], "fat", False),
    ("{cat,bat,[fr]at}", [], "cat", True),
    ("{cat,bat,[fr]at}", [], "bat", True),
    ("{cat,bat,[fr]at}", [], "fat", True),
    ("{cat,bat,[fr]at}", [], "rat", True),
    ("{cat,bat,[fr]at}", [], "at", False),
    ("*", [], "foo.bar", False),
    ("*", None, "foo.bar", True),
    ("foo*", None, "foo.bar", True),
    ("?", None, "", False),
    ("[!0-9]", None, "", False),
    ("a/*/b", None, "a/b", False),
    ("a/*/b", None, "a/x/b", True),
    ("a/**/b", None, "a/b", False),
    ("a/**/b", None, "a//b", True),
    ("**/x", None, "x", False),
    ("{**/,}x", None, "x", True),
    ("***", ["."], "", True),
    ("*?*", [".", "/"], "api.github.com", False),
    ("*?*", [".", "/"], "abc", True),
    ("*", [".", "/"], "a/b", False),
    ("\\*", None, "*", True),
    ("\\*", None, "a", False),
]

MORE_CASES = [
    # OPA's docs
    ("*.github.com", [], "api.github.com", True),
    ("*.github.com", [], "api.cdn.github.com", False),
    ("*hub.com", None, "api.cdn.github.com", True),
    ("*:github:com", [":"], "api:cdn:github:com", False),
    ("api.**.com", [], "api.github.com", True),
    ("api.**.com", [], "api.cdn.github.com", True),
    ("?at", [], "cat", True),
    ("?at", [], "at", False),
    ("[abc]at", [], "bat", True),
    ("[a-c]at", [], "cat", True),
    ("[a-c]at", [], "lat", False),
    ("[!a-c]at", [], "lat", True),
    ("{cat,bat,[fr]at}", [], "mat", False),
    # more
    ("**.example.com", ["."], "a.b.example.com", True),
    ("*.example.com", ["."], ".example.com", True),  # * may be empty
    ("a?c", ["."], "a.c", False),  # ? never matches a delimiter
    ("a[!b]c", ["."], "a.c", True),  # a negated list does
    ("a[.]c", ["."], "a.c", True),
    ("a*", None, "a\nb", True),  # * crosses newlines
    ("{a,{b,c}d}", None, "cd", True),  # nested alternatives
    ("{a,{b,c}d}", None, "c", False),
    ("{a,b", None, "b", True),  # an unclosed { closes at the end, as in gobwas
    ("a}b,c", None, "a}b,c", True),  # } and , are literal outside {}
    ("a]", None, "a]", True),
    ("a\\", None, "a", True),  # a trailing backslash is dropped
    ("[\\]]", None, "]", True),
    ("[a-]", None, "a", "error"),
    ("日本*", [], "日本語", True),
    ("??", [], "日本", True),  # ? is one character, not one byte
    ("*", ["日"], "a日b", False),
    ("a.b", [], "axb", False),  # . is literal
    ("a+b(c)|d^$", [], "a+b(c)|d^$", True),  # regex metacharacters are literal
]


@pytest.mark.parametrize("pattern, delimiters, value, want", FIXTURE_CASES + MORE_CASES)
def test_match(pattern, delimiters, value, want):
    if want == "error":
        with pytest.raises(BuiltinError):
            call("glob.match", pattern, delimiters, value)
    else:
        assert call("glob.match", pattern, delimiters, value) is want


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("[]", "could not parse range"),
        ("[!]", "could not parse range"),
        ("[a", "unexpected end of input"),
        ("[a-", "unexpected end of input"),
        ("[a-cx]", "expected close range character"),
        ("[z-a]", "hi character 'a' should be greater than lo 'z'"),
        ("[]x[a", "could not parse range"),  # the first error met, as gobwas's lazy lexer meets it
    ],
)
def test_invalid_patterns(pattern, message):
    with pytest.raises(BuiltinError) as info:
        call("glob.match", pattern, None, "a")
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message == message


def test_delimiter_operand_errors():
    with pytest.raises(OperandError) as info:
        call("glob.match", "a", [1], "a")
    assert info.value.code == EVAL_TYPE_ERROR
    assert info.value.message == "operand 2 must be array of string but got array containing number"
    with pytest.raises(OperandError) as info:
        call("glob.match", "a", ["ab"], "a")
    assert info.value.message == "operand 2 must be array of rune but got array containing string"
    with pytest.raises(OperandTypeError) as info:
        call("glob.match", "a", "a", "a")
    assert info.value.message == "operand 2 must be one of {array, null} but got string"
    with pytest.raises(OperandTypeError, match="operand 3 must be string but got number"):
        call("glob.match", "a", None, 1)


def test_cache_is_keyed_by_delimiters():
    glob_family.PROGRAMS.clear()
    assert call("glob.match", "*", ["."], "a.b") is False
    assert call("glob.match", "*", ["/"], "a.b") is True
    assert call("glob.match", "*", ["/"], "a/b") is False
    assert glob_family.PROGRAMS.misses == 2
    assert glob_family.PROGRAMS.entries == glob_family.CACHE_SIZE


def test_matching_is_linear():
    start = time.perf_counter()
    assert call("glob.match", "*a*a*a*a*a*a*a*a*b", None, "a" * 20000) is False
    assert call("glob.match", "{*a,a*}{*a,a*}{*a,a*}b", ["."], "a" * 20000) is False
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    "pattern, want",
    [
        ("*.github.com", "\\*.github.com"),  # OPA's docs
        ("{a,b}[c]?\\", "\\{a,b\\}\\[c\\]\\?\\\\"),
        ("plain-text.!,", "plain-text.!,"),
    ],
)
def test_quote_meta(pattern, want):
    assert call("glob.quote_meta", pattern) == want


@given(st.text(alphabet="ab*?[]{},!-\\.é", max_size=12), st.sampled_from([None, [], ["."], [".", "b"]]))
def test_quoted_text_matches_exactly_itself(text, delimiters):
    quoted = call("glob.quote_meta", text)
    assert call("glob.match", quoted, delimiters, text) is True
    assert call("glob.match", quoted, delimiters, text + "x") is False
