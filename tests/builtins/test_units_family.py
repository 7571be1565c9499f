"""units.parse and units.parse_bytes (cases from OPA's units fixtures)."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import BuiltinError, OperandTypeError
from regolite.errors import EVAL_BUILTIN_ERROR
from tests.builtin_helpers import call


# --- units.parse -------------------------------------------------------------------------

PARSE_CASES = [
    # v1/units/test-parse-units.yaml
    ('"100TI"', 109951162777600),
    ("0", 0),
    ("0.0", 0),
    (".0", 0),
    ("12345", 12345),
    ("10K", 10000),
    ("10KI", 10240),
    ("10k", 10000),
    ("10Ki", 10240),
    ("200M", 200000000),
    ("300Gi", 322122547200),
    ("1.1K", 1100),
    ("1.1Ki", 1126.4),
    (".5K", 500),
    ("100k", 100000),
    ("100K", 100000),
    ("100ki", 102400),
    ("100Ki", 102400),
    ("100m", 0.1),
    ("100M", 100000000),
    ("100mi", 104857600),
    ("100Mi", 104857600),
    ("100g", 100000000000),
    ("100gi", 107374182400),
    ("100t", 100000000000000),
    ("100T", 100000000000000),
    ("100ti", 109951162777600),
    ("100Ti", 109951162777600),
    ("100p", 100000000000000000),
    ("100P", 100000000000000000),
    ("100pi", 112589990684262400),
    ("100Pi", 112589990684262400),
    ("10e", 10000000000000000000),
    ("10E", 10000000000000000000),
    ("10ei", 11529215046068469760),
    ("10Ei", 11529215046068469760),
    ("1e10", 10000000000),
    ("3.2E4", 32000),
    ("2.5e3K", 2500000),
    ("1e3M", 1000000000),
    ("4E2G", 400000000000),
    ("5e1Gi", 53687091200),
    ("1e-2", 0.01),
    ("7.8E-1", 0.78),
    ("6e3Mi", 6291456000),
    ("5E", 5000000000000000000),  # E is exa here, not an exponent
    ("42", 42),
    ("-3.5E2m", -0.35),
    # v1/units/test-issue-4856.yaml: exact arithmetic
    ("500m", 0.5),
    ("0.0005K", 0.5),
    ("0.0000005M", 0.5),
    # v1/units/test-parse-units-comparisons.yaml
    ("1024", 1024),
    ("1Ki", 1024),
    ("2Mi", 2097152),
    ("128Gi", 137438953472),
    # more
    ("1m", 0.001),
    ("250m", 0.25),
    ("1500m", 1.5),
    ("3000m", 3),
    ("1e-13", 0.0),  # rounded to 10 decimal places, as OPA prints it
    ("+5k", 5000),
    ("5.", 5),
]


@pytest.mark.parametrize("text, want", PARSE_CASES)
def test_parse(text, want):
    got = call("units.parse", text)
    assert got == want
    assert type(got) is type(want)  # integral results are ints (OPA prints no decimal places)


def test_parse_comparisons():
    assert call("units.parse", "8k") > call("units.parse", "7k")
    assert call("units.parse", "8g") > call("units.parse", "8m")
    assert call("units.parse", "1234k") < call("units.parse", "1g")
    assert call("units.parse", "3Mi") > call("units.parse", "3M")
    assert call("units.parse", "4.1Mi") > call("units.parse", "4Mi")
    assert round(call("units.parse", "100m") * 1000) == 100


@pytest.mark.parametrize(
    "text, message",
    [
        # v1/units/test-parse-units-errors.yaml
        ("", "no amount provided"),
        ("G", "no amount provided"),
        ("foo", "no amount provided"),
        ("0.0.0", "could not parse amount to a number"),
        (".5.2", "could not parse amount to a number"),
        ("100 k", "spaces not allowed in resource strings"),
        (" 327Mi ", "spaces not allowed in resource strings"),
        ("10e10000000Ei", "exponent too large"),
        # more
        ("1KB", "unit Kb not recognized"),
        ("1q", "unit q not recognized"),
        ("-", "could not parse amount to a number"),
        ("1e-10000000", "exponent too large"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(BuiltinError) as info:
        call("units.parse", text)
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message == message
    assert info.value.at("units.parse").message == f"units.parse: {message}"


# --- units.parse_bytes -----------------------------------------------------------------------

PARSE_BYTES_CASES = [
    # v1/units/test-parse-bytes.yaml
    ('"100TIB"', 109951162777600),
    ("0", 0),
    ("0.0", 0),
    (".0", 0),
    ("12345", 12345),
    ("10KB", 10000),
    ("10KIB", 10240),
    ("10kb", 10000),
    ("10Kib", 10240),
    ("200mb", 200000000),
    ("300GiB", 322122547200),
    ("1.1KB", 1100),
    ("1.1KiB", 1126),  # truncated
    (".5KB", 500),
    ("100k", 100000),
    ("100kb", 100000),
    ("100ki", 102400),
    ("100kib", 102400),
    ("100m", 100000000),  # m is mega here
    ("100mb", 100000000),
    ("100mi", 104857600),
    ("100mib", 104857600),
    ("100g", 100000000000),
    ("100gb", 100000000000),
    ("100gi", 107374182400),
    ("100gib", 107374182400),
    ("100t", 100000000000000),
    ("100tb", 100000000000000),
    ("100ti", 109951162777600),
    ("100tib", 109951162777600),
    ("100p", 100000000000000000),
    ("100pb", 100000000000000000),
    ("100pi", 112589990684262400),
    ("100pib", 112589990684262400),
    ("10e", 10000000000000000000),
    ("10eb", 10000000000000000000),
    ("10ei", 11529215046068469760),
    ("10eib", 11529215046068469760),
    ("1e3KB", 1000000),
    ("3.2E2MiB", 335544320),
    ("4.5e1GiB", 48318382080),
    ("5e6", 5000000),
    ("1e-2KB", 10),
    ("6.4E1GB", 64000000000),
    ("7.5e1TiB", 82463372083200),
    ("5e2MiB", 524288000),
    ("5E", 5000000000000000000),
    ("2e2GiB", 214748364800),
    # v1/functionerrors
    ("1KB", 1000),
    # more
    ("1.9", 1),
    ("-1.5KB", -1500),
    ("-1.9", -1),  # toward zero
]


@pytest.mark.parametrize("text, want", PARSE_BYTES_CASES)
def test_parse_bytes(text, want):
    got = call("units.parse_bytes", text)
    assert got == want and type(got) is int


@pytest.mark.parametrize(
    "text, message",
    [
        # v1/units/test-parse-bytes-errors.yaml
        ("", "no byte amount provided"),
        ("GB", "no byte amount provided"),
        ("foo", "no byte amount provided"),
        ("0.0.0", "could not parse byte amount to a number"),
        (".5.2", "could not parse byte amount to a number"),
        ("100 kb", "spaces not allowed in resource strings"),
        (" 327MiB ", "spaces not allowed in resource strings"),
        ("10e10000000EiB", "exponent too large"),
        # more
        ("1xb", "byte unit xb not recognized"),
    ],
)
def test_parse_bytes_errors(text, message):
    with pytest.raises(BuiltinError) as info:
        call("units.parse_bytes", text)
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message == message


def test_operand_types():
    with pytest.raises(OperandTypeError, match="operand 1 must be string but got number"):
        call("units.parse", 1)
    with pytest.raises(OperandTypeError, match="operand 1 must be string but got null"):
        call("units.parse_bytes", None)


# --- round trips -------------------------------------------------------------------------------

_SI = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_UNITS = {"": 1, **_SI, **_BINARY}


@given(st.integers(-(10**12), 10**12), st.sampled_from(sorted(_UNITS)))
def test_parse_integer_round_trip(n, suffix):
    assert call("units.parse", f"{n}{suffix}") == n * _UNITS[suffix]


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False), st.sampled_from(sorted(_UNITS)))
def test_parse_decimal_round_trip(d, suffix):
    got = call("units.parse", f"{d}{suffix}")
    with localcontext(prec=100):
        exact = d * _UNITS[suffix]
    assert got == _expected(exact)


@given(st.integers(0, 10**6), st.sampled_from(["", "m"]))
def test_parse_milli_round_trip(n, suffix):
    got = call("units.parse", f"{n}{suffix}")
    assert got == (n / 1000 if suffix else n)


@given(st.integers(0, 10**12), st.sampled_from(sorted(_UNITS)), st.sampled_from(["", "b", "B"]))
def test_parse_bytes_round_trip(n, suffix, b):
    if suffix == "" and b:
        return
    assert call("units.parse_bytes", f"{n}{suffix}{b}") == n * _UNITS[suffix]
    assert call("units.parse_bytes", f"{n}{suffix.lower()}{b}") == n * _UNITS[suffix]


@given(st.integers(1, 10**9), st.integers(-6, 6), st.sampled_from(sorted(_UNITS)))
def test_scientific_notation_round_trip(mantissa, exponent, suffix):
    with localcontext(prec=100):
        exact = Decimal(mantissa).scaleb(exponent) * _UNITS[suffix]
    got = call("units.parse", f"{mantissa}e{exponent}{suffix}")
    assert got == _expected(exact)
    assert type(got) is type(_expected(exact))


def _expected(exact: Decimal):
    """An integral value as an int, any other rounded to 10 places (halves away from zero) as a float."""
    with localcontext(prec=100):
        exact = +exact
        if exact == exact.to_integral_value():
            return int(exact)
        return float(exact.quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP))


def test_rounding_is_half_away_from_zero():
    assert call("units.parse", "0.00000000005") == 0.0000000001
    assert call("units.parse", "-0.00000000005") == -0.0000000001
    assert call("units.parse", "0.00000000015") == 0.0000000002
    assert call("units.parse", "0.00000000025") == 0.0000000003
