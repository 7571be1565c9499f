"""Encoding builtins: base64, hex, urlquery, json.*, yaml.*, JSON Schema.

Expected values come from OPA's fixtures (shared/opa-tests/v1: base64builtins,
base64urlbuiltins, hexbuiltins, urlbuiltins, jsonbuiltins) and from Go's
behaviour for the error texts.
"""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, BuiltinError, OperandError, OperandTypeError
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR
from regolite.values import RegoSet, equal, freeze
from tests.builtin_helpers import call


def same_json(a, b):
    """Rego equality, but numbers compare as float64s: Go's JSON writes a float that
    has no fraction (4.4e16) as an integer, which need not equal the float exactly."""
    if type(a) in (int, float) and type(b) in (int, float):
        return float(a) == float(b)
    if type(a) is list and type(b) is list:
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if type(a) is dict and type(b) is dict:
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return equal(a, b)


def error_of(name, *args):
    with pytest.raises(BuiltinError) as info:
        call(name, *args)
    return info.value


# --- base64 / base64url / hex (fixtures) -------------------------------------------


@pytest.mark.parametrize(
    "name, arg, want",
    [
        ("base64.encode", "there", "dGhlcmU="),
        ("base64.decode", "aGVsbG8=", "hello"),
        ("base64.encode", "subjects?_d", "c3ViamVjdHM/X2Q="),
        ("base64.decode", "c3ViamVjdHM/X2Q=", "subjects?_d"),
        ("base64url.encode", "hello", "aGVsbG8="),
        ("base64url.encode", "there", "dGhlcmU="),
        ("base64url.decode", "aGVsbG8=", "hello"),
        ("base64url.decode", "aGVsbG8", "hello"),
        ("base64url.encode_no_pad", "hello", "aGVsbG8"),
        ("base64url.encode_no_pad", "there", "dGhlcmU"),
        ("base64url.encode", "subjects?_d", "c3ViamVjdHM_X2Q="),
        ("base64url.decode", "c3ViamVjdHM_X2Q", "subjects?_d"),
        ("base64.encode", "", ""),
        ("base64.decode", "", ""),
        ("base64.decode", "Zm9v\r\nYmFy", "foobar"),  # Go skips CR and LF
        ("base64.encode", "héllo", "aMOpbGxv"),
        ("hex.encode", "lorem ipsum", "6c6f72656d20697073756d"),
        ("hex.decode", "6c6f72656D20697073756d", "lorem ipsum"),
        ("hex.encode", "é", "c3a9"),
        ("hex.decode", "", ""),
    ],
)
def test_encoding_table(name, arg, want):
    assert call(name, arg) == want


@pytest.mark.parametrize(
    "text, offset",
    [
        ("aGVsbG8", 4),  # std encoding requires padding
        ("aGVsbG8=x", 8),
        ("a===", 1),
        ("====", 0),
        ("aG=sbG8=", 2),
        ("aGVsbG8==", 8),
        ("aGk", 0),
        ("a$bc", 1),
    ],
)
def test_base64_decode_errors_name_go_offsets(text, offset):
    err = error_of("base64.decode", text)
    assert err.code == EVAL_BUILTIN_ERROR
    assert err.message == f"illegal base64 data at input byte {offset}"
    assert call("base64.is_valid", text) is False


def test_base64_is_valid():
    assert call("base64.is_valid", "aGVsbG8=") is True
    assert call("base64.is_valid", "") is True
    assert call("base64.is_valid", "aGVsbG8") is False


def test_base64url_decode_errors():
    assert error_of("base64url.decode", "a").message == "illegal base64url string: a"
    assert error_of("base64url.decode", "a+==").message == "illegal base64 data at input byte 1"


def test_binary_data_round_trips():
    raw = call("base64.decode", "/w==")  # the byte 0xff, not UTF-8
    assert call("base64.encode", raw) == "/w=="
    assert call("hex.encode", raw) == "ff"
    assert call("hex.decode", "ff") == raw
    assert call("json.marshal", raw) == '"\\ufffd"'  # as Go writes invalid UTF-8


def test_hex_decode_errors():
    # fixture hexbuiltins: hex.decode("fghijkl") fails on 'g'
    err = error_of("hex.decode", "fghijkl")
    assert err.code == EVAL_BUILTIN_ERROR
    assert err.message == "encoding/hex: invalid byte: U+0067 'g'"
    assert error_of("hex.decode", "abc").message == "encoding/hex: odd length hex string"
    assert error_of("hex.decode", "abz").message == "encoding/hex: invalid byte: U+007A 'z'"
    assert error_of("hex.decode", "0 ").message == "encoding/hex: invalid byte: U+0020 ' '"
    assert error_of("hex.decode", "é0").message == "encoding/hex: invalid byte: U+00C3 'Ã'"


def test_operand_types_are_checked():
    with pytest.raises(OperandTypeError) as info:
        call("base64.encode", 1)
    assert info.value.code == EVAL_TYPE_ERROR
    assert info.value.message == "operand 1 must be string but got number"


@settings(max_examples=200)
@given(st.text())
def test_base64_and_hex_round_trip(s):
    assert call("base64.decode", call("base64.encode", s)) == s
    assert call("base64url.decode", call("base64url.encode", s)) == s
    assert call("base64url.decode", call("base64url.encode_no_pad", s)) == s
    assert call("hex.decode", call("hex.encode", s)) == s
    assert call("base64.is_valid", call("base64.encode", s)) is True


@settings(max_examples=200)
@given(st.binary())
def test_base64_decode_agrees_with_python_on_valid_input(data):
    import base64

    encoded = base64.b64encode(data).decode()
    assert call("base64.decode", encoded).encode("utf-8", "surrogateescape") == data


# --- urlquery (fixtures) ----------------------------------------------------------------


def test_urlquery_encode():
    assert call("urlquery.encode", "a=b+1") == "a%3Db%2B1"
    assert call("urlquery.encode", "") == ""
    assert call("urlquery.encode", "a b~é-_.") == "a+b~%C3%A9-_."


def test_urlquery_decode():
    assert call("urlquery.decode", "a%3Db%2B1") == "a=b+1"
    assert call("urlquery.decode", "a+b%20c") == "a b c"
    assert error_of("urlquery.decode", "%zz").message == 'invalid URL escape "%zz"'
    assert error_of("urlquery.decode", "a%2").message == 'invalid URL escape "%2"'
    assert error_of("urlquery.decode", "%").message == 'invalid URL escape "%"'
    # Go quotes 3 bytes, not 3 characters: a multi-byte character may be cut
    assert error_of("urlquery.decode", "%éa").message == 'invalid URL escape "%é"'
    assert error_of("urlquery.decode", "%aé").message == 'invalid URL escape "%a\\xc3"'


def test_urlquery_encode_object():
    assert call("urlquery.encode_object", {"a": "b", "c": "d"}) == "a=b&c=d"
    assert call("urlquery.encode_object", {"a": ["b+1", "c+2"]}) == "a=b%2B1&a=c%2B2"
    assert call("urlquery.encode_object", {"a": RegoSet(["b+1"])}) == "a=b%2B1"
    assert call("urlquery.encode_object", {"z": "1", "a b": ["x", "y"]}) == "a+b=x&a+b=y&z=1"
    assert call("urlquery.encode_object", {}) == ""
    with pytest.raises(OperandTypeError):
        call("urlquery.encode_object", {"a": [1]})
    with pytest.raises(OperandTypeError):
        call("urlquery.encode_object", {"a": 1})


def test_urlquery_decode_object():
    assert call("urlquery.decode_object", "a=value_a1&b=value_b&a=value_a2") == {
        "a": ["value_a1", "value_a2"],
        "b": ["value_b"],
    }
    assert call("urlquery.decode_object", "a=value_a1&b") == {"a": ["value_a1"], "b": [""]}
    assert call("urlquery.decode_object", "") == {}
    assert call("urlquery.decode_object", "a=1&&b=x%20y+z") == {"a": ["1"], "b": ["x y z"]}
    assert error_of("urlquery.decode_object", "a=1;b=2").message == "invalid semicolon separator in query"
    assert error_of("urlquery.decode_object", "a=%zz").message == 'invalid URL escape "%zz"'


@given(st.text())
def test_urlquery_round_trip(s):
    assert call("urlquery.decode", call("urlquery.encode", s)) == s


# --- json.marshal -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, want",
    [
        ([{"foo": RegoSet([1, 2, 3])}], '[{"foo":[1,2,3]}]'),  # fixture jsonbuiltins/marshal
        ({"b": 1, "a": [True, False, None]}, '{"a":[true,false,null],"b":1}'),
        ("<a & b>", '"\\u003ca \\u0026 b\\u003e"'),
        ("\u2028\u2029", '"\\u2028\\u2029"'),
        ("tab\t nl\n \x00 \x08 \x0c \x7f é", '"tab\\t nl\\n \\u0000 \\b \\f \x7f é"'),
        ('q"b\\', '"q\\"b\\\\"'),
        (12345678901234567890123, "12345678901234567890123"),
        (1.5, "1.5"),
        (2.0, "2"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (1.5e-10, "1.5e-10"),
        (123456789.125, "123456789.125"),
        (-0.5, "-0.5"),
        ({freeze(1): "a", freeze(True): "b", "c": RegoSet()}, '{"1":"a","c":[],"true":"b"}'),
        ({freeze(RegoSet(["x"])): 1}, '{"[\\"x\\"]":1}'),
        ({}, "{}"),
        ([], "[]"),
        (RegoSet(["b", "a", 1]), '[1,"a","b"]'),
    ],
)
def test_json_marshal(value, want):
    assert call("json.marshal", value) == want


def test_keys_with_the_same_json_text_collapse_as_in_go():
    # OPA builds a Go map from the keys' text in Rego order; the string "1" sorts after 1
    value = {freeze(1): "number key", "1": "string key"}
    assert call("json.marshal", value) == '{"1":"string key"}'
    assert call("yaml.marshal", value) == '"1": string key\n'
    assert call("urlquery.encode_object", value) == "1=string+key"


def test_json_marshal_with_options():
    value = {"a": [1, {}], "b": []}
    assert call("json.marshal_with_options", value, {}) == '{"a":[1,{}],"b":[]}'
    assert call("json.marshal_with_options", value, {"pretty": True}) == (
        '{\n\t"a": [\n\t\t1,\n\t\t{}\n\t],\n\t"b": []\n}'
    )
    assert call("json.marshal_with_options", value, {"indent": "  ", "prefix": ">"}) == (
        '>{\n>  "a": [\n>    1,\n>    {}\n>  ],\n>  "b": []\n>}'
    )
    # explicit pretty=false wins over indent/prefix
    assert call("json.marshal_with_options", value, {"indent": "  ", "pretty": False}) == '{"a":[1,{}],"b":[]}'
    assert call("json.marshal_with_options", "x", {"prefix": "--"}) == '--"x"'


@pytest.mark.parametrize(
    "options, message",
    [
        ({"indent": 1}, "operand 2 key indent failed cast to string: operand 0 must be string but got number"),
        (
            {"prefix": 1, "pretty": True},
            "operand 2 key prefix failed cast to string: operand 0 must be string but got number",
        ),
        ({"pretty": "x"}, "operand 2 key pretty failed cast to bool: operand 0 must be boolean but got string"),
        ({"foo": 1}, "operand 2 object contained unknown key foo"),
        ({freeze(1): 1}, "operand 2 failed to stringify key 1 at index 0: operand 0 must be string but got number"),
    ],
)
def test_json_marshal_with_options_errors(options, message):
    with pytest.raises(OperandError) as info:
        call("json.marshal_with_options", 1, options)
    assert info.value.code == EVAL_TYPE_ERROR
    assert info.value.message == message


# --- json.unmarshal / json.is_valid -----------------------------------------------------


@pytest.mark.parametrize(
    "text, want",
    [
        ('{"a": [1, 2.5, "x", true, null]}', {"a": [1, 2.5, "x", True, None]}),
        ("  123456789012345678901234567890 ", 123456789012345678901234567890),
        ('"\\u003c\\ud83d\\ude00"', "<😀"),
        ('"\\ud800"', "\ufffd"),  # Go decodes a lone surrogate as U+FFFD
        ('{"a":1,"a":2}', {"a": 2}),
        ("1e400", 10**400),  # Go keeps the number's text; exact here
        ("{} null", {}),  # OPA takes a null token after the value as the end
    ],
)
def test_json_unmarshal(text, want):
    got = call("json.unmarshal", text)
    assert equal(got, want) and got == want


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "EOF"),
        ("   ", "EOF"),
        ("{", "unexpected EOF"),
        ("tru", "unexpected EOF"),
        ('{"a":1,}', "invalid character '}' looking for beginning of object key string"),
        ("[1,]", "invalid character ']' looking for beginning of value"),
        ("plainstring", "invalid character 'p' looking for beginning of value"),
        ("trux", "invalid character 'x' in literal true (expecting 'e')"),
        ("nul!", "invalid character '!' in literal null (expecting 'l')"),
        ("{} x", "invalid character 'x' looking for beginning of value"),
        ("{}}", "invalid character '}' looking for beginning of value"),
        ("{}{}", "error(s) occurred while decoding JSON: {"),
        ("1 2", "error(s) occurred while decoding JSON: 2"),
        ('{} "s"', "error(s) occurred while decoding JSON: s"),
        ("{} true", "error(s) occurred while decoding JSON: %!s(bool=true)"),
        ("[01]", "invalid character '1' after array element"),
        ('{"a" 1}', "invalid character '1' after object key"),
        ('{"a":1 "b":2}', "invalid character '\"' after object key:value pair"),
        ('"a\\x"', "invalid character 'x' in string escape code"),
        ('"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"),
        ('"a\nb"', "invalid character '\\n' in string literal"),
        ("1.e", "invalid character 'e' after decimal point in numeric literal"),
        ("1e+x", "invalid character 'x' in exponent of numeric literal"),
        ("-x", "invalid character 'x' in numeric literal"),
        ("NaN", "invalid character 'N' looking for beginning of value"),
        ("'a'", "invalid character '\\'' looking for beginning of value"),
        ("é", "invalid character 'Ã' looking for beginning of value"),
    ],
)
def test_json_unmarshal_errors_word_as_go(text, message):
    err = error_of("json.unmarshal", text)
    assert err.code == EVAL_BUILTIN_ERROR
    assert err.message == message


def test_json_is_valid():
    # fixture jsonbuiltins/json is_valid (and "not string": false, not an error)
    assert [call("json.is_valid", d) for d in ["plainstring", "{", '{"json": "ok"}']] == [False, False, True]
    assert call("json.is_valid", 1) is False
    assert call("json.is_valid", "NaN") is False
    assert call("json.is_valid", "{} null") is False  # json.Valid wants one value
    assert call("json.is_valid", " [1, {\"a\": null}] ") is True


rego_keys = st.text(max_size=8)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(rego_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_values)
def test_json_round_trip(value):
    text = call("json.marshal", value)
    assert call("json.is_valid", text) is True
    assert same_json(call("json.unmarshal", text), value)
    pretty = call("json.marshal_with_options", value, {"pretty": True})
    assert same_json(call("json.unmarshal", pretty), value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_json_floats_are_shortest_round_trip(f):
    text = call("json.marshal", f)
    assert float(text) == f
    assert "e" not in text or abs(f) < 1e-6 or abs(f) >= 1e21
    assert "e-0" not in text and "e+0" not in text


# --- yaml -------------------------------------------------------------------------------


def test_yaml_round_trip_fixture():
    # fixture jsonbuiltins/yaml round-trip
    text = call("yaml.marshal", [{"foo": RegoSet([1, 2, 3])}])
    assert text == "- foo:\n  - 1\n  - 2\n  - 3\n"
    assert call("yaml.unmarshal", text) == [{"foo": [1, 2, 3]}]


def test_yaml_marshal_is_go_yaml_v2_style():
    value = {
        "s": "hello",
        "quoted": ["true", "y", "1", "1.5", "", "null", "~", "0x1F", "1:20", "2001-12-14", "<<"],
        "multi": "a\nb",
        "trailing_nl": "a\n",
        "colon": "x: y",
        "n": [1, 1.5, 1e6, 1e21, None, True],
        "empty": [{}, []],
        "10": 1,
        "9": 2,
    }
    assert call("yaml.marshal", value) == (
        '"9": 2\n'
        '"10": 1\n'
        "colon: 'x: y'\n"
        "empty:\n- {}\n- []\n"
        "multi: |-\n  a\n  b\n"
        '"n":\n- 1\n- 1.5\n- 1000000\n- 1e+21\n- null\n- true\n'
        'quoted:\n- "true"\n- "y"\n- "1"\n- "1.5"\n- ""\n- "null"\n- "~"\n- "0x1F"\n- "1:20"\n'
        '- "2001-12-14"\n- "<<"\n'
        "s: hello\n"
        "trailing_nl: |\n  a\n"
    )


def test_yaml_marshal_quotes_only_go_timestamps():
    text = call("yaml.marshal", ["2001-12-14T21:59:43Z", "2001-12-14 21:59:43.10 -5", "2001-02-30", "2001-2-3"])
    assert text == '- "2001-12-14T21:59:43Z"\n- 2001-12-14 21:59:43.10 -5\n- 2001-02-30\n- "2001-2-3"\n'


def test_yaml_marshal_scalars_at_the_root():
    assert call("yaml.marshal", "hello") == "hello\n"
    assert call("yaml.marshal", 1) == "1\n"
    assert call("yaml.marshal", None) == "null\n"
    assert call("yaml.marshal", {}) == "{}\n"


def test_yaml_marshal_key_order_is_go_yaml_natural_order():
    keys = ["a10", "a9", "b", "A", "_x", "a09", "1"]
    text = call("yaml.marshal", {k: 0 for k in keys})
    assert [line.split(":")[0].strip('"') for line in text.splitlines()] == ["_x", "1", "A", "a9", "a09", "a10", "b"]


def test_yaml_unmarshal_resolves_scalars_like_go_yaml_v2():
    doc = (
        "a: yes\nb: 0x1F\nc: 017\nd: 2001-12-14\ne: 1.0\nf: 1.5\ng: ~\nh: [1, y, n, off]\n"
        "1: int key\n1.5: float key\ntrue: bool key\ni: 12345678901234567890123\nj: 0b101\n"
        'k: "yes"\nl: !!str 12\nm: !!float 1\nnn: 1_000\no: .5\np: +12\nq: -0x10\nr: 9223372036854775808\n'
    )
    assert call("yaml.unmarshal", doc) == {
        "a": True,
        "b": 31,
        "c": 15,
        "d": "2001-12-14",
        "e": 1,
        "f": 1.5,
        "g": None,
        "h": [1, True, False, False],
        "1": "int key",
        "1.5": "float key",
        "true": "bool key",
        "i": 1.2345678901234568e22,
        "j": 5,
        "k": "yes",
        "l": "12",
        "m": 1,
        "nn": 1000,
        "o": 0.5,
        "p": 12,
        "q": -16,
        "r": 9223372036854775808,
    }


def test_yaml_unmarshal_misc():
    assert call("yaml.unmarshal", "") is None
    assert call("yaml.unmarshal", "a: 1\n---\nb: 2\n") == {"a": 1}  # the first document
    assert call("yaml.unmarshal", '{"json": "ok"}') == {"json": "ok"}
    assert call("yaml.unmarshal", "a: !!binary aGVsbG8=") == {"a": "hello"}
    assert call("yaml.unmarshal", "a: !custom tagged") == {"a": "tagged"}
    assert call("yaml.unmarshal", "a: |\n  x\n  y\n") == {"a": "x\ny\n"}
    assert call("yaml.unmarshal", "- &x {a: 1}\n- *x\n") == [{"a": 1}, {"a": 1}]


def test_yaml_merge_keys():
    assert call("yaml.unmarshal", "<<: {a: 1}\nb: 2") == {"a": 1, "b": 2}
    doc = "base: &b {x: 1, z: 0}\nother: &o {x: 2, w: 3}\nc:\n  <<: [*b, *o]\n  z: 9\n"
    assert call("yaml.unmarshal", doc)["c"] == {"x": 1, "z": 9, "w": 3}
    message = error_of("yaml.unmarshal", "<<: 1").message
    assert message == "yaml: map merge requires map or sequence of maps as the value"


# go-yaml is a port of libyaml; PyYAML's pure-Python fallback words errors differently
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")


@needs_libyaml
@pytest.mark.parametrize(
    "text, message",
    [
        ("foo:\n   - qux: bar\n   - baz: {", "yaml: line 3: did not find expected node content"),
        ("a: 1\n---\n\tb: 2\n", "yaml: line 3: found character that cannot start any token"),
        ("a:\n  b: 1\n c: 2", "yaml: line 2: did not find expected key"),
        ("a: *x", "yaml: unknown anchor 'x' referenced"),
        ("a: &x [*x]", "yaml: anchor value contains itself"),
        ("a: .nan", "json: unsupported value: NaN"),
        ("a: -.inf", "json: unsupported value: -Inf"),
        ("a: !!int x", "yaml: cannot decode !!str `x` as a !!int"),
        ("\x00", "yaml: control characters are not allowed"),
    ],
)
def test_yaml_unmarshal_errors(text, message):
    err = error_of("yaml.unmarshal", text)
    assert err.code == EVAL_BUILTIN_ERROR
    assert err.message == message
    assert call("yaml.is_valid", text) is False


def test_yaml_is_valid_fixtures():
    docs = ["foo:\n   - qux: bar\n   - baz: 2", "foo:\n   - qux: bar\n   - baz: {", '{"json": "ok"}']
    assert [call("yaml.is_valid", d) for d in docs] == [True, False, True]
    docs = ["  test:\ntest1: hello\n", "a: 1\n---\n\tb: 2\n", "a: 1\n---\nb: 2\n"]
    assert [call("yaml.is_valid", d) for d in docs] == [False, False, True]
    assert call("yaml.is_valid", 1) is False


def test_yaml_billion_laughs_is_refused_quickly():
    doc = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghi":
        doc += f"{name}: &{name} [" + ",".join(["*" + prev] * 9) + "]\n"
        prev = name
    assert error_of("yaml.unmarshal", doc).message == "yaml: document contains excessive aliasing"
    # a few aliases are fine
    assert call("yaml.unmarshal", "a: &a [1, 2]\nb: [*a, *a]") == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_yaml_deep_nesting_fails_politely():
    assert error_of("yaml.unmarshal", "[" * 20000 + "]" * 20000).message == "yaml: exceeded max depth of 10000"
    assert error_of("yaml.unmarshal", "[" * 3000 + "]" * 3000).message.startswith("yaml: exceeded max depth")


yaml_text = st.text()
yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | yaml_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(yaml_text, inner, max_size=4),
    max_leaves=20,
)


@needs_libyaml
@settings(max_examples=300)
@given(yaml_values)
def test_yaml_round_trip(value):
    text = call("yaml.marshal", value)
    assert call("yaml.is_valid", text) is True
    assert same_json(call("yaml.unmarshal", text), value)


# --- JSON Schema ------------------------------------------------------------------------

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "n": {"type": "integer", "minimum": 3},
        "e": {"enum": ["a", "b"]},
        "l": {"type": "array", "items": {"type": "string"}, "minItems": 2},
    },
    "required": ["id"],
    "additionalProperties": False,
}


def test_json_verify_schema():
    assert call("json.verify_schema", SCHEMA) == [True, None]
    assert call("json.verify_schema", '{"type": "string"}') == [True, None]
    assert call("json.verify_schema", "{") == [False, "jsonschema: invalid JSON string"]
    ok, message = call("json.verify_schema", {"type": "foo"})
    assert ok is False and message.startswith("jsonschema: ")


def test_json_match_schema():
    assert call("json.match_schema", {"id": "x", "n": 4}, SCHEMA) == [True, []]
    assert call("json.match_schema", '{"id": "x"}', '{"type": "object"}') == [True, []]
    ok, errors = call("json.match_schema", {"id": 5}, SCHEMA)
    assert ok is False
    assert errors == [
        {
            "error": "id: Invalid type. Expected: string, given: integer",
            "type": "invalid_type",
            "field": "id",
            "desc": "Invalid type. Expected: string, given: integer",
        }
    ]
    ok, errors = call("json.match_schema", {"n": 1, "e": "c", "l": [1], "x": 1, "y": 2}, SCHEMA)
    by_type = sorted((e["type"], e["field"], e["desc"]) for e in errors)
    assert by_type == [
        ("additional_property_not_allowed", "(root)", "Additional property x is not allowed"),
        ("additional_property_not_allowed", "(root)", "Additional property y is not allowed"),
        ("array_min_items", "l", "Array must have at least 2 items"),
        ("enum", "e", 'e must be one of the following: "a", "b"'),
        ("invalid_type", "l.0", "Invalid type. Expected: string, given: integer"),
        ("number_gte", "n", "Must be greater than or equal to 3"),
        ("required", "(root)", "id is required"),
    ]
    assert all(e["error"] == f"{e['field']}: {e['desc']}" for e in errors)


def test_json_match_schema_any_of_adds_the_closest_subschema_errors():
    schema = {"properties": {"a": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 10, "maximum": 0}]}}}
    ok, errors = call("json.match_schema", {"a": 5}, schema)
    assert ok is False
    assert [(e["type"], e["field"]) for e in errors] == [("number_any_of", "a"), ("invalid_type", "a")]


def test_json_match_schema_errors():
    assert error_of("json.match_schema", "{", SCHEMA).message == "invalid JSON string"
    assert error_of("json.match_schema", {}, "{").message == "invalid JSON string"
    with pytest.raises(OperandTypeError):
        call("json.match_schema", 1, SCHEMA)


def test_is_valid_builtins_take_any_operand():
    # OPA answers false for a non-string instead of a type error
    for name in ("json.is_valid", "yaml.is_valid"):
        assert REGISTRY[name].function is REGISTRY[name].unchecked
        assert call(name, RegoSet()) is False


# --- json schemas: references stay inside the schema, regexes are Go's ------------------------------
# What OPA v1.19 (gojsonschema) answers, from the OPA oracle; remote references
# are the one place regolite refuses what OPA reads (see the schema module).


@pytest.mark.parametrize("schema, message", [
    ({"definitions": {"a": {}}, "properties": {"a": {"$ref": "#/definitions/missing"}}}, "Object has no key 'missing'"),
    ({"properties": {"a": {"$ref": "#/definitions/missing"}}}, "Object has no key 'definitions'"),
    ({"items": [{}], "properties": {"a": {"$ref": "#/items/5"}}}, "Out of bound array[0,1] index '5'"),
    ({"type": "string", "properties": {"a": {"$ref": "#/type/x"}}}, "Invalid token reference 'x'"),
    ({"properties": {"a": {"$ref": "./x.json"}}}, "Reference /x.json must be canonical"),
    ({"properties": {"a": {"$ref": "other.json"}}}, "Reference /other.json must be canonical"),
    ({"properties": {"a": {"$ref": "urn:foo"}}}, "Reference urn:foo must be canonical"),
    # OPA reads these; regolite refuses
    ({"properties": {"a": {"$ref": "file:///etc/hostname"}}},
     "Reference file:///etc/hostname is not read: regolite resolves no remote references"),
    ({"$id": "http://example.com/r.json", "properties": {"a": {"$ref": "other.json"}}},
     "Reference http://example.com/other.json is not read: regolite resolves no remote references"),
])
def test_json_schema_references_that_do_not_resolve(schema, message):
    assert call("json.verify_schema", schema) == [False, "jsonschema: " + message]
    assert error_of("json.match_schema", {"a": 1}, schema).message == message


def test_json_schema_references_inside_the_schema_and_to_meta_schemas_resolve():
    local = {"definitions": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/s"}}}
    by_id = {"$id": "http://example.com/root.json", "definitions": {"s": {"$id": "s.json", "type": "string"}},
             "properties": {"a": {"$ref": "s.json"}}}
    wrong = {"desc": "Invalid type. Expected: string, given: integer", "error": "a: Invalid type. Expected: string, "
             "given: integer", "field": "a", "type": "invalid_type"}
    assert call("json.match_schema", {"a": 1}, local) == [False, [wrong]]
    assert call("json.match_schema", {"a": 1}, by_id) == [False, [wrong]]
    meta = {"properties": {"a": {"$ref": "http://json-schema.org/draft-07/schema#/definitions/nonNegativeInteger"}}}
    ok, errors = call("json.match_schema", {"a": -1}, meta)
    assert ok is False and errors[0]["desc"] == "Must be greater than or equal to 0"
    assert call("json.verify_schema", {"properties": {"$ref": {"type": "string"}}}) == [True, None]
    assert call("json.verify_schema", {"properties": {"a": {"$ref": "#foo"}}}) == [True, None]


def test_json_schema_patterns_are_go_regexps():
    def pattern(p, value):
        return call("json.match_schema", {"a": value}, {"properties": {"a": {"pattern": p}}})[0]

    assert pattern("(?P<x>a)", "aaa") is True
    assert pattern("\\p{Greek}", "aaa") is False  # Python's re knows no \p
    assert pattern("^\\d$", "\u0661") is False  # Go's \d is ASCII
    assert pattern("\\Qa.\\E", "a.") is True
    assert call("json.verify_schema", {"properties": {"a": {"pattern": "(?=a)"}}}) == \
        [False, "jsonschema: pattern must be a valid regex"]
    assert call("json.verify_schema", {"patternProperties": {"(?=a)": {}}}) == \
        [False, "jsonschema: Invalid regex pattern '(?=a)'"]
    assert error_of("json.match_schema", {"a": "x"}, {"properties": {"a": {"pattern": "(?=a)"}}}).message == \
        "pattern must be a valid regex"
    regex_format = {"properties": {"a": {"format": "regex"}}}
    assert call("json.match_schema", {"a": "(?=a)"}, regex_format)[1][0]["desc"] == "Does not match format 'regex'"
    assert call("json.match_schema", {"a": "(?P<x>a)"}, regex_format) == [True, []]
    properties = {"properties": {"a": {"patternProperties": {"^a\\z": {"type": "string"}, "^c": {}},
                                       "additionalProperties": False}}}
    ok, errors = call("json.match_schema", {"a": {"ab": 1, "b": 2, "c": 3}}, properties)
    assert [e["desc"] for e in errors] == ["Additional property ab is not allowed", "Additional property b is not allowed"]
