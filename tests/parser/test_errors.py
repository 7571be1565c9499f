"""Malformed Rego only ever raises RegoParseError, with file:line:col and words."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regolite import RegoError, RegoParseError, parse_module, parse_query

VALID = """package example

import rego.v1

default allow := false

allow if {
	some c in input.containers
	startswith(c.image, "registry.example.com/")
	count({x | some x in c.ports; x > 1024}) == 0
}

deny contains msg if {
	c := input.containers[_]
	not c.securityContext.runAsNonRoot
	msg := sprintf("%v must not run as root", [c.name])
}

f(x) := y if y := x * 2 else := 0
"""


def parse_or_error(text: str, version: str = "v1") -> None:
    try:
        parse_module(text, "fuzz.rego", rego_version=version)
    except RegoParseError as e:
        assert e.location is not None
        assert str(e).startswith("fuzz.rego:")
        assert "rego_parse_error" in str(e)


@pytest.mark.parametrize(
    "text, where, words",
    [
        ("package p\np := [1, 2\n", "3:1", "unexpected end of file"),
        ("package p\np := {\"a\": }\n", "2:12", "unexpected '}', expected a term"),
        ('package p\np := "a\\qb"\n', "2:6", "illegal string literal"),
        ('package p\np := "abc\n', "2:6", "non-terminated string"),
        ("package p\np := @\n", "2:6", "illegal token"),
        # Digits of other scripts are no digits to OPA: `x := \u0661\u0662\u0663` is an illegal token, not 123.
        ("package p\np := \u0661\u0662\u0663\n", "2:6", "illegal token"),
        ("package p\np := [\u0661]\n", "2:7", "illegal token"),
        ("package p\np := 1\u0661\n", "2:6", "invalid number"),
        ("package p\np := 1.\u0665\n", "2:6", "invalid number"),
        ("package p\np := 1e\u0665\n", "2:6", "invalid number"),
        ("p := 1\n", "1:1", "expected one of newline, package"),
        ("package p\np if { x := }\n", "2:13", "expected a term"),
        ("package p\np if { some 1 }\n", "2:13", "expected var in some declaration"),
    ],
)
def test_error_messages(text, where, words):
    with pytest.raises(RegoParseError) as info:
        parse_module(text, "policy.rego")
    message = str(info.value)
    assert message.startswith(f"policy.rego:{where}: rego_parse_error: "), message
    assert words in message


def test_several_errors_are_reported_together():
    text = "package p\n\na := [1,\n\nb := 2\n\nc if { x := }\n\nd := 3 3\n"
    with pytest.raises(RegoParseError) as info:
        parse_module(text, "multi.rego")
    rows = [e.location.row for e in info.value.errors]
    assert len(rows) >= 2 and rows == sorted(rows)
    assert str(info.value).count("rego_parse_error") == len(rows)


def test_empty_inputs():
    with pytest.raises(RegoParseError):
        parse_module("")
    with pytest.raises(RegoParseError):
        parse_module("   \n# only a comment\n")
    with pytest.raises(RegoParseError):
        parse_query("")


def test_error_is_a_rego_error():
    assert issubclass(RegoParseError, RegoError)


def test_bad_rego_version_is_a_usage_error():
    with pytest.raises(ValueError):
        parse_module("package p", rego_version="v2")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes(data):
    try:
        parse_module(data, "fuzz.rego")
    except RegoParseError as e:
        assert e.location is not None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("package p\n{}[]()|:=.,;\"`\\ifxinsome not every 1-_#$")), max_size=120))
def test_random_rego_like_text(text):
    parse_or_error(text)
    parse_or_error(text, "v0")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID)))
def test_truncated_modules(cut):
    parse_or_error(VALID[:cut])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.sampled_from(list("{}[]()\"`\\\n:=|,;$")))
def test_mutated_modules(at, char):
    parse_or_error(VALID[:at] + char + VALID[at:])
    parse_or_error(VALID[:at] + VALID[at + 1:])


@pytest.mark.parametrize("escape", ["\\x41", "\\a", "\\u12", "\\U0001F600", "\\'"])
def test_invalid_escapes(escape):
    with pytest.raises(RegoParseError, match="illegal string literal"):
        parse_module(f'package p\np := "{escape}"\n')


def test_lone_surrogate_becomes_replacement_character():
    (p,) = parse_module('package p\np := "\\ud800"\n').rules
    assert p.head.value.value == "\ufffd"


# Found by fuzz/compiler_fuzz.py: a number whose exponent Decimal cannot hold
# raised decimal.InvalidOperation out of the parser (here during error recovery).
FUZZ_CRASH_HUGE_EXPONENT = b'\x01paltiple("Ti") = 10995 * 2 ** 50\nstorage_multiple("Pi") = 1125e99906842624000 { true }\n#\n# 1000 * 2 e_multiple(TEi") = 1152921504606846\xbf\xc86000 { true }\n\nget_suffi:s_string(storage)\n  count(age) >\xff\xff\xff\xff suffi# 1000 *4000 { true }\n\n# 1000 *Z2\nstorage_multiple("Pi") = 1125e99906842906842624000 { true }\n\n# 1099511627776000ters.exemptImage00 { true }\n\n'


@pytest.mark.parametrize("literal", ["1125e99906842906842624000", "1e-99999999999999999999999", "1e999999999999999999"])
def test_numbers_beyond_decimals_exponent_range_are_parse_errors(literal):
    with pytest.raises(RegoParseError, match=f"number {literal} is out of range"):
        parse_module(f"package p\nx := {literal}\n")


# The same bug, found independently by fuzz/parser_fuzz.py after 514,356 inputs.
FUZZ_CRASH_HUGE_EXPONENT_2 = b'\x01pultipl4606846\xbf\xc86suffi# 1000 * 2 ** \x14\xd6st.buz\n\nquz := 125e999068426241111111111111111111111111111111111111111111111111000 { true }\n\n# 1000 * 2 e_multiple("Ei") = 1152921504606846\xbf\xc86suffi# 1000 * 2 ** BAR\x14\xd650\x00\x00torage_multi0le("Pi") = 1125e99906842624000 { true }\n\n# 1th input.parameters.exemptImages\xff\xff\xff\xff\xff\xff\x00\xfd"]\n '


@pytest.mark.parametrize("data", [FUZZ_CRASH_HUGE_EXPONENT, FUZZ_CRASH_HUGE_EXPONENT_2])
def test_fuzz_crash_huge_exponent_in_error_recovery(data):
    text = data[1:].decode("utf-8", "replace")
    for version in ("v1", "v0"):
        with pytest.raises(RegoParseError):
            parse_module(text, "fuzz.rego", rego_version=version)


# Found by fuzz/parser_fuzz.py (a timeout): 1e-999999999 took forever, turning the
# decimal into an exact fraction with a billion-digit denominator.
@pytest.mark.parametrize("literal", ["1e-999999999", "0.5e-1000", "12.5e-99999"])
def test_numbers_far_below_float_range_are_parse_errors_at_once(literal):
    import time

    started = time.perf_counter()
    with pytest.raises(RegoParseError, match="is out of range"):
        parse_module(f"package p\nx := {literal}\n")
    assert time.perf_counter() - started < 1


def test_tiny_numbers_within_range_and_zeros_with_any_exponent():
    from fractions import Fraction

    (rule,) = parse_module("package p\nx := 1e-999\n").rules
    assert rule.head.value.value == Fraction(1, 10 ** 999)
    for zero in ("0e-999999999", "0.0e999999999", "0.000"):
        (rule,) = parse_module(f"package p\nx := {zero}\n").rules
        assert rule.head.value.value == 0
