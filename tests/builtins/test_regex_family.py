"""regex.* and re_match: Go regexp semantics on RE2 (cases from OPA's regex* fixtures and Go's docs)."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import BuiltinError, OperandError, OperandTypeError
from regolite.builtins import regex as regex_family
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR
from tests.builtin_helpers import call


# --- regex.match / re_match ------------------------------------------------------------

MATCH_CASES = [
    # v1/regexmatch
    ("^[a-z]+\\[[0-9]+\\]$", "foo[1]", True),
    ("^$", "", True),
    ("", "", True),
    ("", "x", True),
    ("^$", "something", False),
    # unanchored search, Go's defaults
    ("b", "abc", True),
    ("a$", "a\n", False),  # $ is end of text unless (?m)
    ("(?m)a$", "a\n", True),
    ("a.c", "a\nc", False),
    ("(?s)a.c", "a\nc", True),
    ("(?i)HELLO", "hello", True),
    ("^\\p{Greek}+$", "αβγ", True),
    ("^.$", "é", True),  # one rune, not one byte
    ("^[[:alpha:]]+$", "abc", True),
    ("\\bfoo\\b", "a foo b", True),
    ("(?P<year>\\d{4})", "in 2024", True),
    ("(?<year>\\d{4})", "in 2024", True),
    ("\\Qa.b\\E", "a.b", True),
    ("\\Qa.b\\E", "axb", False),
    ("^registry\\.k8s\\.io/", "registry.k8s.io/pause:3.9", True),
]


@pytest.mark.parametrize("name", ["regex.match", "re_match"])
@pytest.mark.parametrize("pattern, value, want", MATCH_CASES)
def test_match(name, pattern, value, want):
    assert call(name, pattern, value) is want


BAD_PATTERNS = [
    ("$^[[[", "error parsing regexp: missing closing ]: `[[[`"),
    ("[", "error parsing regexp: missing closing ]: `[`"),
    ("(", "error parsing regexp: missing closing ): `(`"),
    ("a)", "error parsing regexp: unexpected ): `a)`"),
    ("++", "error parsing regexp: missing argument to repetition operator: `+`"),
    ("*", "error parsing regexp: missing argument to repetition operator: `*`"),
    ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
    ("x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
    ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
    ("\\8", "error parsing regexp: invalid escape sequence: `\\8`"),
    ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
    ("a\\C", "error parsing regexp: invalid escape sequence: `\\C`"),  # RE2 has \C, Go does not
    ("(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("(?P<n", "error parsing regexp: invalid named capture: `(?P<n`"),
    ("\\", "error parsing regexp: trailing backslash at end of expression: ``"),
]


@pytest.mark.parametrize("pattern, message", BAD_PATTERNS)
def test_bad_pattern_is_a_builtin_error_with_gos_text(pattern, message):
    with pytest.raises(BuiltinError) as info:
        call("regex.match", pattern, "something")
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message == message
    assert info.value.at("regex.match").message == f"regex.match: {message}"


def test_large_unicode_repetition_within_re2s_memory_budget_compiles():
    assert call("regex.is_valid", "\\pL{400}") is True
    assert call("regex.match", "^\\pL{3}$", "日本語") is True


def test_patterns_too_large_to_compile_quickly_are_refused_as_go_refuses_huge_ones():
    # OPA (Go) compiles `\pL{1000}`; RE2 would spend 0.7 s and 60 MiB on it,
    # inside one C call no deadline can stop. Refused as Go refuses huge patterns.
    start = time.perf_counter()
    assert call("regex.is_valid", "\\pL{1000}") is False
    with pytest.raises(BuiltinError, match="error parsing regexp: expression too large"):
        call("regex.match", "\\pL{1000}", "x")
    assert time.perf_counter() - start < 0.5


def test_lone_surrogate_in_pattern_is_invalid_utf8():
    with pytest.raises(BuiltinError, match="error parsing regexp: invalid UTF-8"):
        call("regex.match", "a\ud800", "a")
    assert call("regex.is_valid", "a\ud800") is False


def test_any_byte_escape_is_literal_inside_quote():
    assert call("regex.match", "\\Q\\C\\E", "\\C") is True


def test_operand_types():
    with pytest.raises(OperandTypeError) as info:
        call("regex.match", 1, "a")
    assert info.value.message == "operand 1 must be string but got number"
    with pytest.raises(OperandTypeError, match="operand 2 must be string but got null"):
        call("regex.match", "a", None)


def test_matching_is_linear():
    """RE2, not backtracking: a catastrophic pattern for Python's re returns at once."""
    text = "a" * 10000 + "b"
    start = time.perf_counter()
    assert call("regex.match", "(a+)+$", text) is False
    assert call("regex.find_n", "(a|aa)+c", text, -1) == []
    assert call("regex.replace", text, "(a*)*$", "x") == "a" * 10000 + "bx"
    assert time.perf_counter() - start < 0.5


def test_compiled_patterns_are_cached():
    regex_family.PROGRAMS.clear()
    call("regex.match", "^cached$", "cached")
    call("regex.match", "^cached$", "other")
    assert regex_family.PROGRAMS.misses == 1
    assert regex_family.PROGRAMS.entries == regex_family.CACHE_SIZE


# --- regex.is_valid ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, want",
    [(".+", True), ("++", False), ("", True), ("[", False), (10, False), (None, False), ("a\\C", False)],
)
def test_is_valid(pattern, want):
    assert call("regex.is_valid", pattern) is want


# --- regex.find_n / regex.find_all_string_submatch_n ----------------------------------------


@pytest.mark.parametrize(
    "pattern, value, n, want",
    [
        ("a.", "paranormal", -1, ["ar", "an", "al"]),  # v1/regexfind
        ("a.", "paranormal", 2, ["ar", "an"]),
        ("a.", "paranormal", 0, []),
        ("a.", "paranormal", 2.0, ["ar", "an"]),
        ("x", "paranormal", -1, []),
        # Go drops an empty match right after a match: Python's re gives ['', 'aaa', '', '']
        ("a*", "baaac", -1, ["", "aaa", ""]),
        ("", "abc", -1, ["", "", "", ""]),
        ("", "é", -1, ["", ""]),  # empty matches step by rune, not byte
        (".", "éa", -1, ["é", "a"]),
    ],
)
def test_find_n(pattern, value, n, want):
    assert call("regex.find_n", pattern, value, n) == want


def test_find_n_rejects_fractional_count():
    with pytest.raises(OperandError) as info:
        call("regex.find_n", "a", "a", 1.5)
    assert info.value.code == EVAL_TYPE_ERROR
    assert info.value.message == "operand 3 must be integer number but got floating-point number"
    with pytest.raises(OperandTypeError, match="operand 3 must be number but got string"):
        call("regex.find_n", "a", "a", "1")


@pytest.mark.parametrize(
    "pattern, value, n, want",
    [
        # OPA's docs
        ("a(x*)b(y|z)c", "-axxxbyc-", -1, [["axxxbyc", "xxx", "y"]]),
        ("a(x*)b(y|z)c", "-abzc-", -1, [["abzc", "", "z"]]),
        ("(a)(x)?", "aba", -1, [["a", "a", ""], ["a", "a", ""]]),  # a group that took no part is ""
        ("(a)(x)?", "aba", 1, [["a", "a", ""]]),
        ("(?P<k>\\w+)=(?P<v>\\w+)", "a=1, b=2", -1, [["a=1", "a", "1"], ["b=2", "b", "2"]]),
        ("z", "aaa", -1, []),
    ],
)
def test_find_all_string_submatch_n(pattern, value, n, want):
    assert call("regex.find_all_string_submatch_n", pattern, value, n) == want


# --- regex.split -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, value, want",
    [
        # v1/regexsplit
        ("^[a-z]+\\[[0-9]+\\]$", "", [""]),
        ("^[a-z]+", "foobar baz", ["", " baz"]),
        ("[a-z]+$", "foobar baz", ["foobar ", ""]),
        ("^[a-z]+$", "foobar baz", ["foobar baz"]),
        ("^[a-z ]+$", "foobar baz", ["", ""]),
        ("a", "banana", ["b", "n", "n", ""]),
        ("z+", "pizza", ["pi", "a"]),
        # Go's Split quirks
        ("", "", []),
        ("", "abc", ["a", "b", "c"]),
        ("x*", "ab", ["a", "b"]),
        (",", "a,b,,c", ["a", "b", "", "c"]),
    ],
)
def test_split(pattern, value, want):
    assert call("regex.split", pattern, value) == want


# --- regex.replace ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, pattern, replacement, want",
    [
        # v1/regexreplace
        ("-wy-wxxy-", "w(x*)y", "0", "-0-0-"),
        ("foo", "(foo)", "$1$1", "foofoo"),
        # Go's Regexp.Expand
        ("-ab-axxb-", "a(x*)b", "${1}W", "-W-xxW-"),
        ("-ab-axxb-", "a(x*)b", "$1W", "---"),  # $1W names the group "1W", which does not exist
        ("-ab-axxb-", "a(?P<x>x*)b", "[$x]", "-[]-[xx]-"),
        ("-ab-axxb-", "a(?P<x>x*)b", "[${x}]", "-[]-[xx]-"),
        ("ab", "a", "$$", "$b"),
        ("ab", "a", "$", "$b"),  # a $ that starts no reference is literal
        ("ab", "a", "${1", "${1b"),  # unclosed brace: literal
        ("ab", "a", "$0$0", "aab"),
        ("ab", "a", "$01", "b"),  # leading zero: a name, and no group has it
        ("ab", "a", "$9", "b"),  # no such group
        ("ab", "a", "\\1", "\\1b"),  # Python's \1 means nothing to Go
        ("ab", "(?P<ü>a)", "<$ü>", "<a>b"),
        # empty matches as Go replaces them
        ("baaac", "a*", "-", "-b-c-"),
        ("abc", "", "-", "-a-b-c-"),
        ("héllo", "", ".", ".h.é.l.l.o."),
        ("abc", "x*$", "!", "abc!"),
        ("unchanged", "z", "y", "unchanged"),
    ],
)
def test_replace(value, pattern, replacement, want):
    assert call("regex.replace", value, pattern, replacement) == want


def test_replace_bad_pattern():
    with pytest.raises(BuiltinError, match="missing closing ]"):
        call("regex.replace", "foo", "[", "$1")


# --- regex.template_match --------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, value, start, end, want",
    [
        ("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}", True),  # v0/regexmatchtemplate
        ("urn:foo:<.*>", "urn:foo:bar:baz", "<", ">", True),
        ("urn:foo:{[a-z]+}", "urn:foo:bar:baz", "{", "}", False),
        ("urn:foo.{[a-z]+}:baz", "urn:fooXbar:baz", "{", "}", False),  # literal parts are quoted
        ("urn:{[a-z]+}:{\\d+}", "urn:x:12", "{", "}", True),
        ("urn:{a{2}}", "urn:aa", "{", "}", True),  # nested delimiters stay in the regex
        ("urn:{.*}", "xurn:abc", "{", "}", False),  # anchored
    ],
)
def test_template_match(template, value, start, end, want):
    assert call("regex.template_match", template, value, start, end) is want


def test_template_cache_is_keyed_by_delimiters():
    assert call("regex.template_match", "a{b}c", "abc", "{", "}") is True
    assert call("regex.template_match", "a{b}c", "a{b}c", "<", ">") is True  # no variables: all literal
    assert call("regex.template_match", "a{b}c", "abc", "<", ">") is False


def test_template_match_errors():
    with pytest.raises(BuiltinError) as info:
        call("regex.template_match", "urn:{.*", "urn:x", "{", "}")
    assert info.value.message == 'unbalanced braces in "urn:{.*"'
    with pytest.raises(BuiltinError, match='unbalanced braces in "urn:}"'):
        call("regex.template_match", "urn:}", "urn:x", "{", "}")
    with pytest.raises(BuiltinError) as info:
        call("regex.template_match", "urn:{.*}", "urn:x", "{{", "}")
    assert info.value.message == "start delimiter has to be exactly one character long but is 2 long"
    with pytest.raises(BuiltinError) as info:
        call("regex.template_match", "urn:{.*}", "urn:x", "{", "")
    # OPA prints the start delimiter's length in this message too
    assert info.value.message == "end delimiter has to be exactly one character long but is 1 long"
    with pytest.raises(BuiltinError, match="missing closing \\)"):
        call("regex.template_match", "urn:{(}", "urn:x", "{", "}")


# --- regex.globs_match -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "glob1, glob2, want",
    [
        ("a.a.[0-9]+z", ".b.b2359825792*", False),
        ("a.a.[0-9]+z", "a.*z", True),
        ("[a-c]+", "[d-f]+", False),
        ("[a-c]+", "[c-f]+", True),
        ("abc", "abc", True),
        ("abc", "abd", False),
        ("a*", "b*", False),  # only the empty string matches both, and it does not count
        ("a*", "a*", True),
        ("a*b*", "b*", True),
        ("a+", "b*", False),
        ("a", "ab*", True),
        (".*", "anything", True),
        ("\\.", "a", False),
        ("\\.", ".", True),
        ("[\\-]", "-", True),
        ("[a\\-z]", "b", False),
        ("x.*y", "x[0-9]+y", True),
        ("", "", False),
        ("", "a", False),
        ("a.a[0-9]+z", "a.a[0-9]*z", True),
        # glob-intersection's README
        ("[a-z]+", "[0-9]*", False),
        ("a.a.", ".b.b", True),
    ],
)
def test_globs_match(glob1, glob2, want):
    assert call("regex.globs_match", glob1, glob2) is want
    assert call("regex.globs_match", glob2, glob1) is want


@pytest.mark.parametrize("bad", ["*", "a**", "+a", "[ab", "[]", "a\\", "[z-a]", "a]"])
def test_globs_match_invalid(bad):
    with pytest.raises(BuiltinError):
        call("regex.globs_match", bad, "a")


# --- properties ------------------------------------------------------------------------------

_TEXT = st.text(alphabet="ab.-é\n", max_size=12)


@given(_TEXT)
def test_quoted_text_matches_itself(text):
    assert call("regex.match", "^" + regex_family.quote_meta(text) + "$", text) is True


@given(_TEXT, st.sampled_from(["a", "b+", "a*", "", "[.-]", "é|a"]))
def test_split_then_join_with_matches_restores_the_text(text, pattern):
    pieces = call("regex.split", pattern, text)
    matches = call("regex.find_n", pattern, text, -1)
    if text and all(matches) and pieces:
        joined = pieces[0]
        for piece, match in zip(pieces[1:], matches):
            joined += match + piece
        assert joined == text


@given(_TEXT, st.sampled_from(["a", "b+", "[.-]", "é"]))
def test_replace_with_whole_match_is_identity(text, pattern):
    assert call("regex.replace", text, pattern, "$0") == text
    assert call("regex.replace", text, pattern, "${0}") == text


# Where Go and Python agree (patterns that never match the empty string, no
# `$` or `\` in the replacement), Python's re is a reference for the loops.
_NON_EMPTY_PATTERNS = ["a", "ab", "[ab]+", "b+a", "é+", ".", "a|ab", "(?i)A"]


@given(st.text(alphabet="abé.\n", max_size=16), st.sampled_from(_NON_EMPTY_PATTERNS))
def test_loops_agree_with_python_re_where_go_and_python_agree(text, pattern):
    import re  # the reference only: user patterns never reach Python's re

    assert call("regex.find_n", pattern, text, -1) == re.findall(pattern, text)
    assert call("regex.find_n", pattern, text, 2) == re.findall(pattern, text)[:2]
    assert call("regex.split", pattern, text) == re.split(pattern, text)
    assert call("regex.replace", text, pattern, "<x>") == re.sub(pattern, "<x>", text)
    assert call("regex.match", pattern, text) is (re.search(pattern, text) is not None)
