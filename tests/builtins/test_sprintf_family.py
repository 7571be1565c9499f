"""sprintf: OPA's fixtures, a table of outputs produced by Go's fmt, and properties against a simple model.

GO_TABLE was produced by running fmt.Sprintf (Go 1.19) on the Go values OPA
builds from these Rego values (int for int64-sized integers, *big.Int for
larger ones, float64 for other numbers, string for strings, and the Rego
text of anything else); every row was checked against Go, none written by hand.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import OperandTypeError
from regolite.builtins.sprintf import display_text, format_float, go_quote, go_sprintf, go_value, rego_text
from regolite.errors import EVAL_TYPE_ERROR
from regolite.values import RegoSet, make_object
from tests.builtin_helpers import call


def sprintf(fmt, values):
    """The sprintf built-in applied to `fmt` and `values`."""
    return call("sprintf", fmt, values)


# --- OPA's fixtures (sprintf/, strings/test-strings-09xx) ----------------------------------------


@pytest.mark.parametrize(
    "fmt, values, want",
    [
        ("%s", [123456789123456789123], "123456789123456789123"),
        ("%s", [1208925819614629174706175], "1208925819614629174706175"),
        ("hi %s", ["there"], "hi there"),
        ("hi %02X.%02X", [127, 1], "hi 7F.01"),
        ("hi %.2f", [3.1415], "hi 3.14"),
        ("hi %s", [True], "hi true"),
        ("hi %v", [["there", 5, 3.14]], 'hi ["there", 5, 3.14]'),
    ],
)
def test_opa_fixtures(fmt, values, want):
    assert sprintf(fmt, values) == want


def test_operand_types():
    with pytest.raises(OperandTypeError) as info:
        sprintf("%v", RegoSet([1]))
    assert (info.value.code, info.value.message) == (EVAL_TYPE_ERROR, "operand 2 must be array but got set")
    with pytest.raises(OperandTypeError, match="operand 1 must be string but got number"):
        sprintf(1, [])


# --- how OPA hands values to fmt --------------------------------------------------------------------


def test_go_values():
    assert go_value(1) == ("int", 1)
    assert go_value(2**63 - 1) == ("int", 2**63 - 1)
    assert go_value(2**63) == ("*big.Int", 2**63)
    assert go_value(-(2**63)) == ("int", -(2**63))
    assert go_value(1.0) == ("float64", 1.0)
    assert go_value("s") == ("string", "s")
    assert go_value(True) == ("string", "true")
    assert go_value(None) == ("string", "null")
    assert go_value([1]) == ("string", "[1]")


@pytest.mark.parametrize(
    "value, text",
    [
        ("a", '"a"'),
        ('q"\\', '"q\\"\\\\"'),
        ("é\x01\x7f\u00a0\u2028\U0001F600\U000E0001\t\n", '"é\\x01\\x7f\\u00a0\\u2028\U0001F600\\U000e0001\\t\\n"'),
        (None, "null"),
        (False, "false"),
        (-3, "-3"),
        (2.5, "2.5"),
        ([], "[]"),
        (["there", 5, 3.14], '["there", 5, 3.14]'),
        ({"b": 1, "a": [None]}, '{"a": [null], "b": 1}'),
        (make_object([("a", 1), (1, "x"), (True, 2)]), '{true: 2, 1: "x", "a": 1}'),
        (RegoSet(), "set()"),
        (RegoSet(["b", 1, "a"]), '{1, "a", "b"}'),
        ([RegoSet([[2], [1]])], "[{[1], [2]}]"),
    ],
)
def test_rego_text(value, text):
    assert rego_text(value) == text


def test_display_text():
    assert display_text("plain") == "plain"
    assert display_text(["a"]) == '["a"]'


def test_go_quote_ascii():
    assert go_quote("é\U0001F600", ascii_only=True) == '"\\u00e9\\U0001f600"'


def test_go_quote_raw_bytes():
    # base64.decode("/w==") is the byte 0xff, carried as a surrogate escape; Go quotes invalid UTF-8 as \xNN
    assert sprintf("%q", [call("base64.decode", "/w==")]) == '"\\xff"'
    assert go_quote("a\udcffb\ud800") == '"a\\xffb\\ufffd"'


# --- outputs produced by Go -----------------------------------------------------------------------

GO_TABLE = [
    ('%v', [1], '1'),
    ('%v', [-7], '-7'),
    ('%v', [1.5], '1.5'),
    ('%v', [3.0], '3'),
    ('%v', [1e+21], '1e+21'),
    ('%v', [1e+20], '1e+20'),
    ('%v', [1000000.0], '1e+06'),
    ('%v', [123456.0], '123456'),
    ('%v', [0.0001], '0.0001'),
    ('%v', [1e-05], '1e-05'),
    ('%v', [1e-07], '1e-07'),
    ('%v', [0.30000000000000004], '0.30000000000000004'),
    ('%v', ['str'], 'str'),
    ('%v', [True], 'true'),
    ('%v', [None], 'null'),
    ('%v', [[1, 'a', None]], '[1, "a", null]'),
    ('%v', [{'b': 1, 'a': [True]}], '{"a": [true], "b": 1}'),
    ('%v', [RegoSet(['a', 'b'])], '{"a", "b"}'),
    ('%v', [RegoSet([])], 'set()'),
    ('%v', [[]], '[]'),
    ('%v', [{}], '{}'),
    ('%s', ['x'], 'x'),
    ('%s', [5], '%!s(int=5)'),
    ('%s', [1.5], '%!s(float64=1.5)'),
    ('%s', [True], 'true'),
    ('%s', [None], 'null'),
    ('%s', [123456789123456789123], '123456789123456789123'),
    ('%d', [42], '42'),
    ('%d', [-42], '-42'),
    ('%d', [1.5], '%!d(float64=1.5)'),
    ('%d', [3.0], '%!d(float64=3)'),
    ('%d', ['7'], '%!d(string=7)'),
    ('%d', [True], '%!d(string=true)'),
    ('%d', [9223372036854775808], '9223372036854775808'),
    ('%d', [-1180591620717411303424], '-1180591620717411303424'),
    ('%5d', [42], '   42'),
    ('%-5d|', [42], '42   |'),
    ('%05d', [-42], '-0042'),
    ('%+d', [5], '+5'),
    ('% d', [5], ' 5'),
    ('%.3d', [7], '007'),
    ('%8.3d', [-7], '    -007'),
    ('%.0d', [0], ''),
    ('%x', [255], 'ff'),
    ('%X', [255], 'FF'),
    ('%#x', [255], '0xff'),
    ('%#o', [8], '010'),
    ('%O', [8], '0o10'),
    ('%b', [5], '101'),
    ('%#b', [5], '0b101'),
    ('%x', [-255], '-ff'),
    ('%x', ['hello'], '68656c6c6f'),
    ('% x', ['hi'], '68 69'),
    ('%# X', ['hi'], '0X68 0X69'),
    ('%x', [1.5], '0x1.8p+00'),
    ('%X', [18446744073709551616], '10000000000000000'),
    ('%#x', [18446744073709551616], '0x10000000000000000'),
    ('%o', [18446744073709551616], '2000000000000000000000'),
    ('%q', ['a"b\n'], '"a\\"b\\n"'),
    ('%q', ['é\x01'], '"é\\x01"'),
    ('%+q', ['é'], '"\\u00e9"'),
    ('%#q', ['back'], '`back`'),
    ('%#q', ['a`b'], '"a`b"'),
    ('%q', [65], "'A'"),
    ('%q', [128512], "'😀'"),
    ('%c', [65], 'A'),
    ('%c', [128512], '😀'),
    ('%c', [-1], '�'),
    ('%U', [128512], 'U+1F600'),
    ('%#U', [65], "U+0041 'A'"),
    ('%U', [-1], 'U+FFFFFFFFFFFFFFFF'),
    ('%q', [True], '"true"'),
    ('%e', [1234.5678], '1.234568e+03'),
    ('%E', [0.000123], '1.230000E-04'),
    ('%.2e', [1.0], '1.00e+00'),
    ('%f', [3.14159], '3.141590'),
    ('%.2f', [3.14159], '3.14'),
    ('%8.3f|', [-3.14159], '  -3.142|'),
    ('%-8.2f|', [3.14159], '3.14    |'),
    ('%08.3f', [-3.14159], '-003.142'),
    ('%+.1f', [2.25], '+2.2'),
    ('%.0f', [2.5], '2'),
    ('%.0f', [3.5], '4'),
    ('%F', [1.0], '1.000000'),
    ('%g', [100000.0], '100000'),
    ('%g', [1000000.0], '1e+06'),
    ('%g', [1e-05], '1e-05'),
    ('%.3g', [3.14159], '3.14'),
    ('%.3g', [1234.0], '1.23e+03'),
    ('%G', [1e-10], '1E-10'),
    ('%#g', [1.0], '1.00000'),
    ('%#.3g', [1.0], '1.00'),
    ('%#f', [1.0], '1.000000'),
    ('%#.0f', [1.0], '1.'),
    ('%#.0e', [1.0], '1.e+00'),
    ('%x', [1.0], '0x1p+00'),
    ('%.3x', [3.14159], '0x1.922p+01'),
    ('%b', [1.0], '4503599627370496p-52'),
    ('%e', [5], '%!e(int=5)'),
    ('%f', [7], '%!f(int=7)'),
    ('%g', [1180591620717411303424], '%!g(big.Int=1180591620717411303424)'),
    ('%f', ['s'], '%!f(string=s)'),
    ('%t', [True], '%!t(string=true)'),
    ('%t', [1], '%!t(int=1)'),
    ('%T', [1], 'int'),
    ('%T', [1.5], 'float64'),
    ('%T', ['s'], 'string'),
    ('%T', [[1]], 'string'),
    ('%T', [18446744073709551616], '*big.Int'),
    ('%p', [1], '%!p(int=1)'),
    ('%z', [1], '%!z(int=1)'),
    ('%z', [18446744073709551616], '%!z(big.Int=18446744073709551616)'),
    ('%!', [1], '%!!(int=1)'),
    ('%5s|%-5s|%.2s|%5.1s|', ['abc', 'abc', 'abc', 'abc'], '  abc|abc  |ab|    a|'),
    ('%05s', ['ab'], '000ab'),
    ('%5s', ['日本'], '   日本'),
    ('%.1s', ['日本'], '日'),
    ('%10v|%-10v|', [[1, 2], {'a': 1}], '    [1, 2]|{"a": 1}  |'),
    ('%d %d', [1], '1 %!d(MISSING)'),
    ('%d', [1, 2], '1%!(EXTRA int=2)'),
    ('%d', [1, 'a', 1.5, True], '1%!(EXTRA string=a, float64=1.5, string=true)'),
    ('no verbs', ['x'], 'no verbs%!(EXTRA string=x)'),
    ('%%', [], '%'),
    ('%%d', [1], '%d%!(EXTRA int=1)'),
    ('%[2]d %[1]d', [1, 2], '2 1'),
    ('%[3]d', [1, 2], '%!d(BADINDEX)'),
    ('%[1]d %d', [1, 2], '1 2'),
    ('%[0]d', [1], '%!d(BADINDEX)'),
    ('%[x]d', [1], '%!d(BADINDEX)'),
    ('%[1]', [1], '%!(NOVERB)'),
    ('%*d', [5, 42], '   42'),
    ('%-*d|', [5, 42], '42   |'),
    ('%*d', [-5, 42], '42   '),
    ('%.*f', [2, 3.14159], '3.14'),
    ('%*d', ['x', 42], '%!(BADWIDTH)42'),
    ('%.*d', [-1, 42], '%!(BADPREC)42'),
    ('%*d', [1099511627776, 1], '%!(BADWIDTH)1'),
    ('%[2]*[1]d', [12, 5], '   12'),
    ('%', [], '%!(NOVERB)'),
    ('%5', [1], '%!(NOVERB)%!(EXTRA int=1)'),
    ('%.', [1], '%!.(int=1)'),
    ('%-', [], '%!(NOVERB)'),
    ('%é', [1], '%!é(int=1)'),
    ('é%dé', [1], 'é1é'),
    ('%v %v', [1], '1 %!v(MISSING)'),
    ('%3c|%-4c|', [65, 66], '  A|B   |'),
    ('%06.2f', [-1.5], '-01.50'),
    ('%+06d', [42], '+00042'),
    ('% 06d', [42], ' 00042'),
    ('%-06d|', [42], '42    |'),
    ('%6.2v', [3.14159], '   3.1'),
    ('%.3v', ['abcdef'], 'abc'),
    ('%.3v', [[1, 2]], '[1,'),
    ('%#v', ['s'], '"s"'),
    ('%#v', [1], '1'),
    ('%+v', [1], '1'),
    ('%v', [5e-324], '5e-324'),
    ('%v', [1.7976931348623157e+308], '1.7976931348623157e+308'),
    ('%.1f', [0.05], '0.1'),
    ('%.2f', [1.005], '1.00'),
    ('%.20f', [0.1], '0.10000000000000000555'),
]


@pytest.mark.parametrize("fmt, values, want", GO_TABLE)
def test_agrees_with_go(fmt, values, want):
    assert sprintf(fmt, values) == want


# --- properties against an independent model --------------------------------------------------------

FLAGS = st.sets(st.sampled_from("-+ 0#")).map("".join)
WIDTHS = st.one_of(st.just(""), st.integers(0, 30).map(str))
INT_VERBS = st.sampled_from("dxXob")


def _model_int(flags: str, width: str, verb: str, n: int) -> str:
    """Go's %d/%x/%X/%o/%b of an integer without precision: sign, prefix, zero or space padding."""
    digits = format(abs(n), {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb])
    sign = "-" if n < 0 else "+" if "+" in flags else " " if " " in flags else ""
    w = int(width) if width else 0
    zero_pad = "0" in flags and "-" not in flags
    if zero_pad:
        # zero padding goes between sign and digits and counts the sign, not the prefix
        digits = digits.rjust(w - len(sign), "0")
    prefix = ""
    if "#" in flags:  # octal's 0 is added only when the (padded) digits do not start with one
        prefix = {"x": "0x", "X": "0X", "b": "0b", "o": "0" if digits[0] != "0" else ""}.get(verb, "")
    if zero_pad:
        return (sign + prefix + digits).rjust(w)
    text = sign + prefix + digits
    return text.ljust(w) if "-" in flags else text.rjust(w)


@given(FLAGS, WIDTHS, INT_VERBS, st.integers(-(2**63), 2**63 - 1))
def test_integers_follow_the_model(flags, width, verb, n):
    fmt = "%" + flags + width + verb
    assert sprintf(fmt, [n]) == _model_int(flags, width, verb, n)


@given(st.integers(-(2**63), 2**63 - 1), st.integers(1, 20))
def test_precision_zero_pads_digits(n, prec):
    digits = str(abs(n)).rjust(prec, "0")
    assert sprintf(f"%.{prec}d", [n]) == ("-" if n < 0 else "") + digits


def _model_big(flags: str, width: str, verb: str, n: int) -> str:
    """math/big's Int.Format: [spaces][sign][prefix][zeros][digits][spaces], zeros filling the width."""
    digits = format(abs(n), {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb])
    prefix = {"x": "0x", "X": "0X", "b": "0b", "o": "0"}.get(verb, "") if "#" in flags else ""
    sign = "-" if n < 0 else "+" if "+" in flags else " " if " " in flags else ""
    pad = max(int(width or 0) - len(sign + prefix + digits), 0)
    if "-" in flags:
        return sign + prefix + digits + " " * pad
    if "0" in flags:
        return sign + prefix + "0" * pad + digits
    return " " * pad + sign + prefix + digits


@given(st.integers(2**63, 2**200) | st.integers(-(2**200), -(2**63) - 1), FLAGS, WIDTHS, INT_VERBS)
def test_big_integers_follow_math_big(n, flags, width, verb):
    fmt = "%" + flags + width + verb
    assert sprintf(fmt, [n]) == _model_big(flags, width, verb, n)
    if "#" not in flags:  # without prefixes both paths print the same text
        assert _model_big(flags, width, verb, n) == _model_int(flags, width, verb, n)


@given(st.text(), st.text(alphabet="ab", max_size=3))
def test_strings_pass_through_s_and_v(s, literal):
    assert sprintf(literal + "%s" + literal, [s]) == literal + s + literal
    assert sprintf("%v", [s]) == s


@given(st.lists(st.integers(-5, 5) | st.text(max_size=3) | st.booleans(), max_size=5))
def test_arguments_are_consumed_in_order(values):
    fmt = "".join("%v;" for _ in values)
    assert sprintf(fmt, values) == "".join(display_text(v) + ";" for v in values)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_shortest_g_reads_back(x):
    text = format_float(x, "g", -1)
    assert float(text) == x
    assert sprintf("%v", [x]) == text


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(0, 20))
def test_fixed_precision_matches_correct_rounding(x, prec):
    assert sprintf(f"%.{prec}f", [x]) == format(x, f".{prec}f")
    assert sprintf(f"%.{prec}e", [x]) == format(x, f".{prec}e")


def test_go_sprintf_on_tagged_values():
    assert go_sprintf("%v|%d|%s", [("bool", True), ("json.Number", "5"), ("<nil>", None)]) == (
        "true|%!d(json.Number=5)|%!s(<nil>)"
    )
    assert go_sprintf("%v", [("map[string]interface {}", {"b": [1, None], "a": "x"})]) == "map[a:x b:[1 <nil>]]"


from hypothesis import given as _given, settings as _settings, strategies as _st

_pieces = _st.lists(_st.one_of(_st.text(alphabet="ab <>:-", max_size=4), _st.sampled_from(["%v", "%s", "%%", "%d", "%5v"])), max_size=6)
_args = _st.lists(_st.recursive(
    _st.one_of(_st.none(), _st.booleans(), _st.integers(-10**20, 10**20), _st.text(max_size=5), _st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: _st.lists(inner, max_size=3) | _st.dictionaries(_st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
), max_size=5)


@_settings(max_examples=400, deadline=None)
@_given(_pieces, _args)
def test_plain_fast_path_agrees_with_the_go_formatter(pieces, args):
    from regolite.builtins.sprintf import _plain_sprintf, go_sprintf, go_value

    fmt = "".join(pieces)
    fast = _plain_sprintf(fmt, args)
    if fast is not None:
        assert fast == go_sprintf(fmt, [go_value(v) for v in args])
