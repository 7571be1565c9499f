"""The strings family: OPA's fixtures (shared/opa-tests/v1/strings, trim*, replacen) as tables, and Go's edge cases.

Expected values come from OPA's fixtures or from Go (strings, unicode and
text/template behave as listed; the template table was produced by Go's
text/template on the same data, decoded with UseNumber as OPA decodes it).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import BuiltinError, OperandError, OperandTypeError
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR
from regolite.values import UNDEFINED, RegoSet, make_object
from tests.builtin_helpers import call


# --- tables transcribed from OPA's fixtures --------------------------------------------

FIXTURES = [
    # strings/test-strings-08xx, 09xx, indexof-unicode, splitn, count
    ("lower", ("AbCdEf",), "abcdef"),
    ("upper", ("AbCdEf",), "ABCDEF"),
    ("split", ("", "."), [""]),
    ("split", ("test", ""), ["t", "e", "s", "t"]),
    ("split", ("", ""), []),
    ("split", ("foo", "."), ["foo"]),
    ("split", ("foo.bar.baz", "."), ["foo", "bar", "baz"]),
    ("replace", ("foo.bar", ".", ","), "foo,bar"),
    ("replace", ("foo.bar.baz", ".", ","), "foo,bar,baz"),
    ("replace", ("foo...bar", "..", ",,"), "foo,,.bar"),
    ("trim", ("", "."), ""),
    ("trim", ("...foo.bar", "."), "foo.bar"),
    ("trim", ("...foo.bar...", "."), "foo.bar"),
    ("trim", ("...foo.bar...", ".o"), "foo.bar"),
    ("trim", ("¡¡¡foo, bar!!!", "i"), "¡¡¡foo, bar!!!"),
    ("trim_left", ("!!!foo, bar¡¡¡", "¡"), "!!!foo, bar¡¡¡"),
    ("trim_prefix", ("¡¡¡foo, bar!!!", "¡¡¡foo"), ", bar!!!"),
    ("trim_space", ("foo, bar",), "foo, bar"),
    ("trim_suffix", ("¡¡¡foo, bar!!!", ", bar!!!"), "¡¡¡foo"),
    ("trim_suffix", ("¡¡¡foo, bar!!!", ", foo!!!"), "¡¡¡foo, bar!!!"),
    ("format_int", (15.5, 16), "f"),
    ("format_int", (3.1, 10), "3"),
    ("format_int", (4.1, 10), "4"),
    ("concat", ("/", ["", "foo", "bar", "0", "baz"]), "/foo/bar/0/baz"),
    ("concat", ("", ["f", "o", "o"]), "foo"),
    ("substring", ("abcdefgh", 2, -1), "cdefgh"),
    ("substring", ("aåäö", 2, -1), "äö"),
    ("substring", ("abcdefgh", 2, 10000), "cdefgh"),
    ("substring", ("abcdefghåäö", 2, 10000), "cdefghåäö"),
    ("substring", ("aaa", 4, -1), ""),
    ("substring", ("åäö", 4, -1), ""),
    ("contains", ("abcdefgh", "defg"), True),
    ("startswith", ("abcdefgh", "abcd"), True),
    ("endswith", ("abcdefgh", "fgh"), True),
    ("indexof", ("μx", "x"), 1),
    ("indexof", ("μ", "μμ"), -1),
    ("indexof", ("skön var våren", "vår"), 9),
    ("indexof", ("\U0001F367\U0001F368\U0001F9C1\U0001F370\U0001F36E", "\U0001F36E"), 4),
    ("indexof", ("\U0001F367\U0001F368\U0001F9C1\U0001F370\U0001F36E", "\U0001F367\U0001F368\U0001F9C1\U0001F370\U0001F36E"), 0),
    ("indexof_n", ("dogcat", "cat"), [3]),
    ("indexof_n", ("dogcatdogcat", "cat"), [3, 9]),
    ("indexof_n", ("dogcat", "rabbit"), []),
    ("indexof_n", ("\U0001F607\U0001F600" * 3, "\U0001F600"), [1, 3, 5]),
    ("indexof_n", ("\U0001F607\U0001F600" * 3, "\U0001F602"), []),
    ("strings.count", ("cheese", "e"), 3),
    ("strings.count", ("hello hello hello world", "hello"), 3),
    ("strings.count", ("dummy", "x"), 0),
    ("strings.count", ("dummy", ""), 6),
    ("strings.count", ("", ""), 1),
    ("strings.count", ("", "x"), 0),
    ("strings.count", ("11111", "11"), 2),
    ("strings.count", ("11111", "11111"), 1),
    ("strings.split_n", ("a.b.c.d", ".", 2), ["a", "b"]),
    ("strings.split_n", ("a.b.c.d", ".", 1), ["a"]),
    ("strings.split_n", ("a.b.c.d", ".", 4), ["a", "b", "c", "d"]),
    ("strings.split_n", ("a.b.c.d", ".", 10), ["a", "b", "c", "d"]),
    ("strings.split_n", ("a.b.c.d", ".", 0), []),
    ("strings.split_n", ("a.b.c.d", ".", -2), ["c", "d"]),
    ("strings.split_n", ("a.b.c.d", ".", -1), ["d"]),
    ("strings.split_n", ("a.b.c.d", ".", -4), ["a", "b", "c", "d"]),
    ("strings.split_n", ("a.b.c.d", ".", -10), ["a", "b", "c", "d"]),
    ("strings.split_n", ("abc", ".", 2), ["abc"]),
    ("strings.split_n", ("abc", ".", -2), ["abc"]),
    ("strings.split_n", ("", ".", 2), [""]),
    ("strings.split_n", ("abc", "", 2), ["a", "b"]),
    ("strings.split_n", ("abc", "", -2), ["b", "c"]),
    ("strings.split_n", ("alice;alice@example.com;admin;active", ";", 2), ["alice", "alice@example.com"]),
    ("strings.split_n", ("admin;active;alice;alice@example.com", ";", -2), ["alice", "alice@example.com"]),
    # replacen/test-replacen-semantics
    ("strings.replace_n", ({"info": "X", "anotherinfo": "Y"}, "anotherinfo"), "Y"),
    ("strings.replace_n", ({"a": "YY", "bba": "bX"}, "bbab"), "bXb"),
    ("strings.replace_n", ({"ab": "b", "b": "Y"}, "baaabbbba"), "YaabYYYa"),
    ("strings.replace_n", ({"a": "b", "b": "a"}, "abba"), "baab"),
    ("strings.replace_n", ({"a": "Xa", "ab": "X", "ba": "bYa", "aaa": "X"}, "aaaaab"), "XaXaXaXaXab"),
    ("strings.replace_n", ({"aab": "Y", "a": "", "b": ""}, "bbaab"), ""),
    ("strings.replace_n", ({"": "X"}, ""), "X"),
    ("strings.replace_n", ({"": "X"}, "ab"), "XaXbX"),
    ("strings.replace_n", ({"": "X", "a": "Y"}, "ab"), "XYXbX"),
    ("strings.replace_n", ({"": "-", "é": "e"}, "aéb"), "-a-e-b-"),
]


@pytest.mark.parametrize("name, args, want", FIXTURES)
def test_opa_fixtures(name, args, want):
    assert call(name, *args) == want


def test_format_int_undefined_is_a_mismatch_not_an_error():
    # strings/format_int: undefined -- format_int(15.5, 16, "10000") is simply false
    assert call("format_int", 15.5, 16) != "10000"


def test_concat_set_is_in_sorted_order():
    assert call("concat", ",", RegoSet(["3", "1", "2"])) == "1,2,3"
    assert call("concat", ",", RegoSet()) == ""


PREFIX_STRINGS = ["a/b/c", "a/b/d", "e/f/g"]


@pytest.mark.parametrize(
    "search, base, want",
    [
        (PREFIX_STRINGS, ["a/", "d/"], True),
        (PREFIX_STRINGS, ["f/", "d/"], False),
        (PREFIX_STRINGS, ["a/b/", "a/"], True),
        (PREFIX_STRINGS, ["d/", "e/f/g"], True),
        (["aa/bb/cc", "aa/bb/dd", "ee/ff/gg"], ["aa/b", "e/f"], True),
        (["aa/bb/cc", "aa/bb/dd", "ee/ff/gg"], ["a/b", "e/f"], False),
        (["aa/bb/cc", "aa/bb/dd", "ee/ff/gg"], ["b/cc"], False),
        ([], ["a/b", "e/f"], False),
        (PREFIX_STRINGS, [], False),
        ([], [], False),
        (PREFIX_STRINGS, "a/", True),
        (PREFIX_STRINGS, "d/", False),
        ("a/b/c", ["a/", "d/"], True),
        ("a/b/c", ["g/", "d/"], False),
        (RegoSet(PREFIX_STRINGS), RegoSet(["a/", "d/"]), True),
        (RegoSet(PREFIX_STRINGS), RegoSet(["f/", "d/"]), False),
        (["a/b/c", "", "e/f/g"], ["z/"], False),
        (["a/b/c", "", "e/f/g"], ["z/", "e/f"], True),
        (PREFIX_STRINGS, ["z/", ""], True),
        (["", "a/b/c"], ["z/", ""], True),
    ],
)
def test_any_prefix_match(search, base, want):
    assert call("strings.any_prefix_match", search, base) is want


@pytest.mark.parametrize(
    "search, base, want",
    [
        (["a/b/c", "x/y/z"], ["/c", "/q"], True),
        (["a/b/c", "x/y/z"], ["/q"], False),
        ("a/b/c", "b/c", True),
        (RegoSet(["a.b"]), ["", "x"], True),
        (["", "a"], ["x"], False),
    ],
)
def test_any_suffix_match(search, base, want):
    assert call("strings.any_suffix_match", search, base) is want


# --- errors, as OPA words them ------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("strings.any_prefix_match", ([1, 2, 3], ["f/", "d/"]), "operand 1 must be array of strings but got array containing number"),
        ("strings.any_prefix_match", (1, ["f/"]), "operand 1 must be one of {string, set, array} but got number"),
        ("strings.any_prefix_match", (["a/b/c"], [1, 2]), "operand 2 must be array of strings but got array containing number"),
        ("strings.any_prefix_match", (["a/b/c"], 1), "operand 2 must be one of {string, set, array} but got number"),
        ("strings.any_suffix_match", (RegoSet([1]), "x"), "operand 1 must be set of strings but got set containing number"),
        ("strings.replace_n", (make_object([(2, "x")]), "foo"), "operand 1 non-string key found in pattern object"),
        ("strings.replace_n", ({"f": 100}, "foo"), "operand 1 non-string value found in pattern object"),
        ("strings.replace_n", ({"foo": "baz"}, 100), "operand 2 must be string but got number"),
        ("strings.split_n", ("a.b.c", ".", 1.5), "operand 3 must be integer number but got floating-point number"),
        ("substring", ("abc", 1.5, 1), "operand 2 must be integer number but got floating-point number"),
        ("substring", ("abc", 0, 0.5), "operand 3 must be integer number but got floating-point number"),
        ("concat", ("/", [1]), "operand 2 must be array of strings but got array containing number"),
        ("concat", ("/", RegoSet(["a", True])), "operand 2 must be set of strings but got set containing boolean"),
        ("concat", ("/", "ab"), "operand 2 must be one of {set, array} but got string"),
        ("concat", (1, ["a"]), "operand 1 must be string but got number"),
        ("format_int", (1, 3), "operand 2 must be one of {2, 8, 10, 16}"),
        ("format_int", ("1", 10), "operand 1 must be number but got string"),
        ("upper", (None,), "operand 1 must be string but got null"),
        ("trim", ("a", True), "operand 2 must be string but got boolean"),
    ],
)
def test_type_errors(name, args, message):
    with pytest.raises(OperandError) as info:
        call(name, *args)
    assert info.value.message == message
    assert info.value.code == EVAL_TYPE_ERROR


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("indexof", ("abc", ""), "empty search character"),
        ("indexof_n", ("abc", ""), "empty search character"),
        ("substring", ("abc", -1, 1), "negative offset"),
    ],
)
def test_builtin_errors(name, args, message):
    with pytest.raises(BuiltinError) as info:
        call(name, *args)
    assert not isinstance(info.value, OperandTypeError)
    assert (info.value.code, info.value.message) == (EVAL_BUILTIN_ERROR, message)


def test_non_string_pattern_key_is_found_before_a_bad_value_in_key_order():
    # OPA sorts the keys first: numbers sort before strings
    with pytest.raises(OperandError, match="non-string key"):
        call("strings.replace_n", make_object([("a", 1), (2, "x")]), "foo")


# --- Go semantics beyond the fixtures ------------------------------------------------------


@pytest.mark.parametrize(
    "name, args, want",
    [
        ("format_int", (-15.5, 16), "-f"),  # big.Float.Int truncates toward zero
        ("format_int", (255, 2), "11111111"),
        ("format_int", (8, 8), "10"),
        ("format_int", (2**70, 16), "400000000000000000"),
        ("format_int", (10, 16.0), "a"),
        ("indexof_n", ("aaa", "aa"), [0, 1]),  # overlapping matches
        ("substring", ("abc", 1, 0), ""),
        ("substring", ("", 5, 5), ""),
        ("substring", ("abcdef", 2.0, 2), "cd"),
        ("replace", ("ab", "", "X"), "XaXbX"),
        ("replace", ("é", "", "-"), "-é-"),
        ("strings.reverse", ("ab\U0001F600c",), "c\U0001F600ba"),
        ("strings.count", ("ééé", ""), 4),
        ("upper", ("straße",), "STRAßE"),  # simple case mapping: ß has no single upper case
        ("upper", ("ᾳ",), "ᾼ"),
        ("upper", ("ǆ",), "Ǆ"),
        ("lower", ("İSTANBUL",), "istanbul"),
        ("lower", ("ÀÉÎ",), "àéî"),
        ("trim_space", ("\u3000\t\n x \u00a0\u2029\x85",), "x"),
        ("trim_space", ("\x1cx\x1f",), "\x1cx\x1f"),  # Python's isspace includes these; Go's does not
        ("trim_space", ("\u200bx",), "\u200bx"),  # zero width space is not white space
        ("trim", ("xxaxx", ""), "xxaxx"),
        ("trim_left", ("xxaxx", "x"), "axx"),
        ("trim_right", ("xxaxx", "x"), "xxa"),
        ("trim_right", ("xxaxx", ""), "xxaxx"),
        ("trim_prefix", ("aaa", "a"), "aa"),
        ("trim_suffix", ("aaa", ""), "aaa"),
        ("split", ("a,b,", ","), ["a", "b", ""]),
        ("split", ("日本", ""), ["日", "本"]),
        ("contains", ("abc", ""), True),
        ("startswith", ("", ""), True),
        ("endswith", ("a", "ab"), False),
        ("strings.replace_n", ({}, "abc"), "abc"),
        ("strings.replace_n", ({"a": "1", "aa": "2"}, "aaa"), "111"),
        ("strings.replace_n", ({"aa": "2", "b": "3"}, "aaab"), "2a3"),
    ],
)
def test_go_semantics(name, args, want):
    assert call(name, *args) == want


@given(st.text(), st.text(max_size=3))
def test_split_and_concat_round_trip(text, sep):
    if sep:
        assert call("concat", sep, call("split", text, sep)) == text
    assert "".join(call("split", text, "")) == text


@given(st.text(), st.integers(-3, 12), st.integers(-3, 12))
def test_substring_is_a_code_point_slice(text, start, length):
    if start < 0:
        with pytest.raises(BuiltinError):
            call("substring", text, start, length)
        return
    want = text[start:] if length < 0 else text[start:start + length]
    assert call("substring", text, start, length) == want


@given(st.text(alphabet="ab", max_size=12), st.text(alphabet="ab", min_size=1, max_size=3))
def test_indexof_n_lists_every_match(text, needle):
    want = [i for i in range(len(text)) if text.startswith(needle, i)]
    assert call("indexof_n", text, needle) == want
    assert call("indexof", text, needle) == (want[0] if want else -1)


# --- internal.template_string ----------------------------------------------------------------


@pytest.mark.parametrize(
    "parts, want",
    [
        ([], ""),
        (["Hello, ", RegoSet(["World"]), "!"], "Hello, World!"),
        (["n=", RegoSet([1])], "n=1"),
        (["x=", RegoSet([[1, "a"]])], 'x=[1, "a"]'),
        (["x=", RegoSet([{"a": RegoSet()}])], 'x={"a": set()}'),
        (["x=", RegoSet([None]), ",", RegoSet([False])], "x=null,false"),
        (["x=", RegoSet()], "x=<undefined>"),
        (["bare ", 2.5, " ", "s"], "bare 2.5 s"),
    ],
)
def test_template_string(parts, want):
    assert call("internal.template_string", parts) == want


def test_template_string_with_several_values_fails():
    with pytest.raises(BuiltinError, match="multiple outputs"):
        call("internal.template_string", ["x", RegoSet([1, 2])])


# --- strings.render_template ------------------------------------------------------------------

# Produced by Go 1.19's text/template: template.New("template").Parse(t), Option("missingkey=error"),
# Execute on TEMPLATE_DATA decoded from JSON with UseNumber (what OPA does); "ERR " + the error otherwise.
TEMPLATE_DATA = {
    "name": "x", "items": ["a", 1, 2.5, None, True, {"k": "v"}], "ok": False, "yes": True, "n": 5, "z": 0,
    "f": 1.5, "m": {"b": [1, None], "a": True, "c": "s"}, "empty": [], "emptym": {}, "nul": None, "s": "str",
    "es": "", "nested": {"a": {"b": {"c": "deep"}}}, "big": 12345678901234567890,
}
GO_TEMPLATE_CASES = [
    ('Hello {{.name}}!', 'Hello x!'),
    ('{{.}}', 'map[big:12345678901234567890 empty:[] emptym:map[] es: f:1.5 items:[a 1 2.5 <nil> true map[k:v]] m:map[a:true b:[1 <nil>] c:s] n:5 name:x nested:map[a:map[b:map[c:deep]]] nul:<nil> ok:false s:str yes:true z:0]'),
    ('{{range $i, $v := .items}}[{{$i}}:{{$v}}]{{end}}', '[0:a][1:1][2:2.5][3:<no value>][4:true][5:map[k:v]]'),
    ('{{range .items}}<{{.}}>{{else}}none{{end}}', '<a><1><2.5><<no value>><true><map[k:v]>'),
    ('{{range .empty}}x{{else}}none{{end}}', 'none'),
    ('{{range .emptym}}x{{else}}none{{end}}', 'none'),
    ('{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', 'a=true;b=[1 <nil>];c=s;'),
    ('{{range .nul}}x{{else}}nil-range{{end}}', 'nil-range'),
    ('{{range .n}}x{{end}}', 'ERR template: template:1:8: executing "template" at <.n>: range can\'t iterate over 5'),
    ('{{range .s}}x{{end}}', 'ERR template: template:1:8: executing "template" at <.s>: range can\'t iterate over str'),
    ('{{if .ok}}a{{else if .yes}}b{{else}}c{{end}}', 'b'),
    ('{{if .z}}zero-true{{end}}|{{if .es}}es{{end}}|{{if .empty}}e{{end}}|{{if .nul}}n{{end}}|{{if .emptym}}m{{end}}', 'zero-true||||'),
    ('{{with .m}}{{.c}}{{end}}|{{with .nul}}x{{else}}nowith{{end}}', 's|nowith'),
    ('{{.missing}}', 'ERR template: template:1:2: executing "template" at <.missing>: map has no entry for key "missing"'),
    ('{{.nested.a.b.c}} {{.nested.a.x}}', 'ERR template: template:1:27: executing "template" at <.nested.a.x>: map has no entry for key "x"'),
    ('{{.nul.x}}', 'ERR template: template:1:6: executing "template" at <.nul.x>: nil pointer evaluating interface {}.x'),
    ('{{.s.x}}', 'ERR template: template:1:4: executing "template" at <.s.x>: can\'t evaluate field x in type interface {}'),
    ('{{$x := .nul}}{{$x.y}}', 'ERR template: template:1:18: executing "template" at <$x.y>: nil data; no entry for key "y"'),
    ('{{$x := .m}}{{$x.c}} {{$.name}}', 's x'),
    ('{{len .items}} {{len .s}} {{len .m}} {{len .n}}', '6 3 3 1'),
    ('{{len .nul}}', 'ERR template: template:1:2: executing "template" at <len .nul>: error calling len: len of nil pointer'),
    ('{{len 3}}', 'ERR template: template:1:2: executing "template" at <len 3>: error calling len: len of type int'),
    ('{{index .items 1}} {{index .m "c"}} {{index .nested "a" "b" "c"}}', '1 s deep'),
    ('{{index .items 10}}', 'ERR template: template:1:2: executing "template" at <index .items 10>: error calling index: index out of range: 10'),
    ('{{index .items .n}}', 'ERR template: template:1:2: executing "template" at <index .items .n>: error calling index: cannot index slice/array with type json.Number'),
    ('{{index .m "zz"}}', '<no value>'),
    ('{{eq .n "5"}} {{eq .s "str"}} {{ne .s "x"}} {{eq 1 1}} {{eq .s "a" "str"}}', 'true true true true true'),
    ('{{eq .n 5}}', 'ERR template: template:1:2: executing "template" at <eq .n 5>: error calling eq: incompatible types for comparison'),
    ('{{lt .s "zzz"}} {{lt 1 2}} {{ge 2.5 1.5}} {{lt .n "10"}}', 'true true true false'),
    ('{{lt true false}}', 'ERR template: template:1:2: executing "template" at <lt true false>: error calling lt: invalid type for comparison'),
    ('{{eq .m .m}}', 'ERR template: template:1:2: executing "template" at <eq .m .m>: error calling eq: non-comparable type map[a:%!s(bool=true) b:[1 <nil>] c:s]: map[string]interface {}'),
    ('{{and .yes .n}} {{or .ok .z}} {{not .ok}} {{and .ok .n}} {{or .ok .es}}', '5 0 true false '),
    ('{{print .n .s .f 1 2 "x" 3}}', '5str1.51 2x3'),
    ('{{println .n .s}}', '5 str\n'),
    ('{{printf "%d|%s|%v|%5.2f|%q|%x" 42 .s .m 3.14159 .s .s}}', '42|str|map[a:true b:[1 <nil>] c:s]| 3.14|"str"|737472'),
    ('{{printf "%d %s %v" .n .n .items}}', '%!d(json.Number=5) 5 [a 1 2.5 <nil> true map[k:v]]'),
    ('{{printf "%d" .items}}', '[%!d(string=a) %!d(json.Number=1) %!d(json.Number=2.5) <nil> %!d(bool=true) map[%!d(string=k):%!d(string=v)]]'),
    ('{{printf "%v %t %d" .yes .yes .yes}}', 'true true %!d(bool=true)'),
    ('{{printf "%v %d" .nul .nul}}', '<nil> %!d(<nil>)'),
    ('{{.s | printf "%q"}} {{.n | printf "%s-%s" "a"}}', '"str" a-5'),
    ('{{"lit"}} {{1.5}} {{0x1F}} {{\'a\'}} {{true}} {{-3}}', 'lit 1.5 31 97 true -3'),
    ('{{/* comment */}}a {{- /* trimmed */ -}} b', 'ab'),
    ('a   {{- .s -}}   b', 'astrb'),
    ('x {{.s}} {{- .s}} {{.s -}} y', 'x strstr stry'),
    ('{{$v := 1}}{{if .yes}}{{$v = 2}}{{end}}{{$v}}', '2'),
    ('{{range .items}}{{if eq (printf "%v" .) "1"}}{{break}}{{end}}{{.}}{{end}}', 'a'),
    ('{{range .items}}{{if eq (printf "%v" .) "1"}}{{continue}}{{end}}{{.}}{{end}}', 'a2.5<no value>truemap[k:v]'),
    ('{{(index .items 5).k}}', 'v'),
    ('{{foo}}', 'ERR template: template:1: function "foo" not defined'),
    ('{{if .yes}}', 'ERR template: template:1: unexpected EOF'),
    ('{{end}}', 'ERR template: template:1: unexpected {{end}}'),
    ('{{.s', 'ERR template: template:1: unclosed action'),
    ('{{.m.c.d}}', 'ERR template: template:1:4: executing "template" at <.m.c.d>: can\'t evaluate field d in type interface {}'),
    ('{{.f}} {{.big}} {{.items}}', '1.5 12345678901234567890 [a 1 2.5 <nil> true map[k:v]]'),
    ('{{printf "%.2f" .f}}', '%!f(json.Number=1.)'),
    ('{{.name.x}}', 'ERR template: template:1:7: executing "template" at <.name.x>: can\'t evaluate field x in type interface {}'),
    ('{{with $x := .m}}{{$x.a}}{{end}}', 'true'),
    ('{{range $v := .items}}{{$v}}{{end}}', 'a12.5<no value>truemap[k:v]'),
    ('line1\nline2 {{.missing}}', 'ERR template: template:2:8: executing "template" at <.missing>: map has no entry for key "missing"'),
    ('{{index .items 3}}|{{index .items 3 | printf "%v"}}', '<no value>|<nil>'),
    ('{{printf "%s"}}', '%!s(MISSING)'),
    ('{{printf 1}}', 'ERR template: template:1:9: executing "template" at <1>: expected string; found 1'),
    ('{{not}}', 'ERR template: template:1:2: executing "template" at <not>: wrong number of args for not: want 1 got 0'),
    ('{{.name 1}}', 'ERR template: template:1:2: executing "template" at <.name>: name is not a method but has arguments'),
    ('{{1 2}}', 'ERR template: template:1:2: executing "template" at <1>: can\'t give argument to non-function 1'),
    ('{{"é"}}{{.s}} {{.missing}}', 'ERR template: template:1:17: executing "template" at <.missing>: map has no entry for key "missing"'),
    ('é {{.missing}}\n', 'ERR template: template:1:5: executing "template" at <.missing>: map has no entry for key "missing"'),
    ('{{range $i, $e := .items}}{{$x := $i}}{{$x}}{{end}}', '012345'),
    ('{{range .m}}{{$.name}}{{.}}{{end}}', 'xtruex[1 <nil>]xs'),
    ('{{"a}}b"}}', 'a}}b'),
    ('{{/* c */ -}}   x', 'x'),
    ('{{- /* c */}}   x', '   x'),
    ('  {{- "a" -}}  ', 'a'),
    ('{{- .s}}', 'str'),
    ('{{.s -}}', 'str'),
    ('{{ .s }}{{ .n }}', 'str5'),
    ('ééé {{.missing}}', 'ERR template: template:1:9: executing "template" at <.missing>: map has no entry for key "missing"'),
    ('{{if and .yes (eq .s "str")}}ok{{end}}', 'ok'),
    ('{{(printf "%s-%s" .s .s) | len}}', '7'),
    ('{{.m.b}} {{index .m.b 0}}', '[1 <nil>] 1'),
    ('{{range .items}}{{range $.empty}}x{{else}}-{{end}}{{end}}', '------'),
    ('{{$x := 1}}{{range .items}}{{$x = 2}}{{end}}{{$x}}', '2'),
    ('{{$x}}', 'ERR template: template:1: undefined variable "$x"'),
    ('{{if}}{{end}}', 'ERR template: template:1: missing value for if'),
    ('{{range}}{{end}}', 'ERR template: template:1: missing value for range'),
    ('{{else}}', 'ERR template: template:1: unexpected {{else}}'),
    ('{{range .items}}{{end}}{{break}}', 'ERR template: template:1: {{break}} outside {{range}}'),
    ('{{printf "%v" .f}} {{printf "%T %T %T %T" .f .s .m 1.5}}', '1.5 json.Number string map[string]interface {} float64'),
    ('{{html .s}}', 'str'),
    ('{{.items | len | printf "%03d"}}', '006'),
    ('{{print}}{{print nil}}{{print 1 2}}{{print "a" "b"}}{{print .n .n}}', '<nil>1 2ab55'),
    ('{{println}}', '\n'),
    ('{{.s | not}}', 'false'),
    ('{{not .s .s}}', 'ERR template: template:1:2: executing "template" at <not>: wrong number of args for not: want 1 got 2'),
    ('{{eq}}', 'ERR template: template:1:2: executing "template" at <eq>: wrong number of args for eq: want at least 1 got 0'),
    ('{{eq .s}}', 'ERR template: template:1:2: executing "template" at <eq .s>: error calling eq: missing argument for comparison'),
    ('{{ne .s}}', 'ERR template: template:1:2: executing "template" at <ne>: wrong number of args for ne: want 2 got 1'),
    ('{{lt .s}}', 'ERR template: template:1:2: executing "template" at <lt>: wrong number of args for lt: want 2 got 1'),
    ('{{index}}', 'ERR template: template:1:2: executing "template" at <index>: wrong number of args for index: want at least 1 got 0'),
    ('{{index .nul 1}}', 'ERR template: template:1:2: executing "template" at <index .nul 1>: error calling index: index of untyped nil'),
    ('{{index .s 0}}', '115'),
    ('{{index .n 0}}', '53'),
    ('{{index .m 1}}', 'ERR template: template:1:2: executing "template" at <index .m 1>: error calling index: value has type int; should be string'),
    ('{{len .yes}}', 'ERR template: template:1:2: executing "template" at <len .yes>: error calling len: len of type bool'),
    ('{{and}}', 'ERR template: template:1:2: executing "template" at <and>: wrong number of args for and: want at least 1 got 0'),
    ('{{or 0 "" "x"}}', 'x'),
    ('{{and 1 0 2}}', '0'),
    ('{{eq 1.5 1.5}} {{eq "a" .n}} {{lt 1 1.5}}', 'ERR template: template:1:31: executing "template" at <lt 1 1.5>: error calling lt: incompatible types for comparison'),
    ('{{eq .nul .nul}}', 'true'),
    ('{{eq .s .nul}}', 'false'),
    ('{{eq true true}} {{eq .yes true}}', 'true true'),
    ('{{with $v := .s}}{{$v}}{{.}}{{end}}', 'strstr'),
    ('{{range $k, $v := .m}}{{$k}}{{end}} {{range $k, $v := .items}}{{$k}}{{end}}', 'abc 012345'),
    ('{{ 0777 }} {{ 0b101 }} {{ 1e3 }} {{ 1_000 }} {{ -0x10 }} {{ .5 }}', '511 5 1000 1000 -16 0.5'),
    ('{{ \'\\n\' }} {{ "\\t\\u00e9\\x41" }} {{ `raw\\n` }}', '10 \téA raw\\n'),
    ('a{{/* multi\nline */}}b', 'ab'),
    ('{{.items}}', '[a 1 2.5 <nil> true map[k:v]]'),
    ('{{printf "%5v|%-5v|%05v" .s .n .yes}}', '  str|5    |0true'),
    ('{{printf "%x %X %q" .items .m .items}}', '[61 31 322e35 <nil> %!x(bool=true) map[6b:76]] map[61:%!X(bool=true) 62:[31 <nil>] 63:73] ["a" "1" "2.5" <nil> %!q(bool=true) map["k":"v"]]'),
    ('{{ .nested.a }}', 'map[b:map[c:deep]]'),
    ('{{.a b}}', 'ERR template: template:1: function "b" not defined'),
    ('{{ . | printf "%v" }}', 'map[big:12345678901234567890 empty:[] emptym:map[] es: f:1.5 items:[a 1 2.5 <nil> true map[k:v]] m:map[a:true b:[1 <nil>] c:s] n:5 name:x nested:map[a:map[b:map[c:deep]]] nul:<nil> ok:false s:str yes:true z:0]'),
    ('{{ $ }}', 'map[big:12345678901234567890 empty:[] emptym:map[] es: f:1.5 items:[a 1 2.5 <nil> true map[k:v]] m:map[a:true b:[1 <nil>] c:s] n:5 name:x nested:map[a:map[b:map[c:deep]]] nul:<nil> ok:false s:str yes:true z:0]'),
    ('{{html "<a href=\'x\'>&\\"</a>"}} {{html .n .s}} {{js "a\'b\\"c<>&=\\\\ \\u0001 é \\u00a0"}} {{urlquery "a b&c=d/é~_-."}}', '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt; 5str a\\\'b\\"c\\u003C\\u003E\\u0026\\u003D\\\\ \\u0001 é \\u00A0 a+b%26c%3Dd%2F%C3%A9~_-.'),
    ('{{"<x>" | html}} {{.items | js}}\n', '&lt;x&gt; [a 1 2.5 \\u003Cnil\\u003E true map[k:v]]\n'),
]


@pytest.mark.parametrize("template, want", GO_TEMPLATE_CASES)
def test_render_template_agrees_with_go(template, want):
    try:
        got = call("strings.render_template", template, TEMPLATE_DATA)
    except BuiltinError as err:
        assert err.code == EVAL_BUILTIN_ERROR
        got = "ERR " + err.message
    assert got == want


def test_render_template_sets_become_sorted_lists_and_keys_text():
    data = {"s": RegoSet(["b", "a"]), "o": make_object([(1, "one")])}
    assert call("strings.render_template", "{{.s}} {{range .s}}{{.}}{{end}} {{.o}}", data) == "[a b] ab map[1:one]"


def test_render_template_operand_types():
    with pytest.raises(OperandTypeError, match="operand 2 must be object but got array"):
        call("strings.render_template", "x", [])
    assert call("strings.render_template", "plain", {}) == "plain"


@pytest.mark.parametrize(
    "template, want",
    [
        # behaviour of Go releases after 1.19, which OPA v1.19 is built with
        ("{{and false .missing}}|{{or true .missing}}|{{and 1 2}}|{{or 0 \"\"}}", "false|true|2|"),
        ("{{range 3}}{{.}}{{end}}|{{range $i := 2}}{{$i}}{{end}}|{{range 0}}x{{else}}none{{end}}", "012|01|none"),
        ("{{with .nul}}a{{else with .m}}{{.c}}{{end}}", "s"),
    ],
)
def test_render_template_newer_go(template, want):
    assert call("strings.render_template", template, TEMPLATE_DATA) == want


def test_unsupported_template_actions_fail_clearly():
    with pytest.raises(BuiltinError, match="not supported"):
        call("strings.render_template", '{{define "x"}}a{{end}}', {})


def test_undefined_is_returned_nowhere():
    # none of the string builtins answers undefined for well-typed operands
    assert call("indexof", "abc", "z") == -1
    assert call("strings.split_n", "", "", 3) == []
    assert UNDEFINED not in (call("trim", "", ""), call("lower", ""))
