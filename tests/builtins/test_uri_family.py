"""URI builtins: uri.parse and uri.is_valid, following Go's net/url.Parse.

Expected splits and error texts are Go's url.Parse results for the same
input (scheme lower-cased, host/port split by u.Hostname()/u.Port()).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import regolite
import regolite.builtins.uri  # noqa: F401  (registers the family)
from regolite.builtins import REGISTRY, BuiltinError, OperandTypeError
from regolite.errors import RegoEvalError
from tests.builtin_helpers import call, opa_builtins

URI_BUILTINS = ["uri.is_valid", "uri.parse"]


def parts(**given_parts):
    out = {"scheme": "", "host": "", "path": "", "query": "", "fragment": ""}
    out.update(given_parts)
    return out


def test_declarations_match_opa():
    opa = opa_builtins("uri.")
    assert sorted(opa) == URI_BUILTINS
    for name in URI_BUILTINS:
        assert REGISTRY[name].to_json() == opa[name], name


@pytest.mark.parametrize(
    "text, want",
    [
        (
            "https://user:p%40ss@Example.COM:8443/a%20b/c?x=1&y=%20#frag%21",
            parts(
                scheme="https",
                host="Example.COM",
                port="8443",
                path="/a b/c",
                query="x=1&y=%20",
                fragment="frag!",
                user="user",
                password="p@ss",
            ),
        ),
        ("HTTP://example.com", parts(scheme="http", host="example.com")),
        ("http://u@h/", parts(scheme="http", host="h", path="/", user="u")),
        ("http://u:@h/", parts(scheme="http", host="h", path="/", user="u", password="")),
        ("http://a@b@h/", parts(scheme="http", host="h", path="/", user="a@b")),  # the last @ ends userinfo
        ("http://[::1]:8080/p", parts(scheme="http", host="::1", port="8080", path="/p")),
        ("http://[fe80::1%25en0]/", parts(scheme="http", host="fe80::1%en0", path="/")),
        ("http://h:/", parts(scheme="http", host="h", path="/")),  # empty port
        ("mailto:someone@example.com", parts(scheme="mailto", opaque="someone@example.com")),
        ("urn:isbn:0451450523", parts(scheme="urn", opaque="isbn:0451450523")),
        ("file:///etc/hosts", parts(scheme="file", path="/etc/hosts")),
        ("//cdn.example.com/x.js", parts(host="cdn.example.com", path="/x.js")),
        ("///a", parts(path="///a")),
        ("/just/a/path?q#f", parts(path="/just/a/path", query="q", fragment="f")),
        ("relative/path", parts(path="relative/path")),
        ("./a:b", parts(path="./a:b")),
        ("", parts()),
        ("*", parts(path="*")),
        ("http://h/?a?b", parts(scheme="http", host="h", path="/", query="a?b")),
        ("http://h/?", parts(scheme="http", host="h", path="/")),
        ("http://h/#", parts(scheme="http", host="h", path="/")),
        ("http://h/%E2%82%AC", parts(scheme="http", host="h", path="/€")),
        ("http://h/#\x01", parts(scheme="http", host="h", path="/", fragment="\x01")),  # fragments skip the CTL check
        ("a+b-c.d://x", parts(scheme="a+b-c.d", host="x")),
    ],
)
def test_parse(text, want):
    assert call("uri.parse", text) == want
    assert call("uri.is_valid", text) is True


@pytest.mark.parametrize(
    "text, message",
    [
        ("http://[::1", "missing ']' in host"),
        ("http://[::1]x/", 'invalid port "x" after host'),
        ("http://h:8x/", 'invalid port ":8x" after host'),
        ("http://[1.2.3.4]/", "invalid IP-literal"),
        ("http://a b/", 'invalid character " " in host name'),
        ("http://%41/", 'invalid URL escape "%41"'),
        ("http://h/%zz", 'invalid URL escape "%zz"'),
        ("http://h/%4", 'invalid URL escape "%4"'),
        ("http://u^x@h/", "net/url: invalid userinfo"),
        ("http://u:%zz@h/", 'invalid URL escape "%zz"'),
        ("http://h/\x7f", "net/url: invalid control character in URL"),
        ("http://h/a\nb", "net/url: invalid control character in URL"),
        (":foo", "missing protocol scheme"),
        ("1http://x", "first path segment in URL cannot contain colon"),
        ("a b:c", "first path segment in URL cannot contain colon"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(BuiltinError) as err:
        call("uri.parse", text)
    assert err.value.message.endswith(": " + message)
    assert call("uri.is_valid", text) is False


def test_error_text_quotes_like_go():
    with pytest.raises(BuiltinError) as err:
        call("uri.parse", "http://h/\x01")
    assert err.value.message == 'parse "http://h/\\x01": net/url: invalid control character in URL'
    with pytest.raises(BuiltinError) as err:
        call("uri.parse", "http://h/#%zz")  # a bad fragment is reported with the whole URL
    assert err.value.message == 'parse "http://h/#%zz": invalid URL escape "%zz"'


def test_invalid_utf8_after_decoding_is_carried():
    got = call("uri.parse", "http://h/%ff")["path"]
    assert got.encode("utf-8", "surrogateescape") == b"/\xff"


def test_operands_must_be_strings():
    with pytest.raises(OperandTypeError):
        call("uri.parse", 1)
    with pytest.raises(OperandTypeError):
        call("uri.is_valid", None)


@given(st.text(max_size=40))
def test_is_valid_agrees_with_parse(text):
    try:
        got = call("uri.parse", text)
    except BuiltinError:
        assert call("uri.is_valid", text) is False
        return
    assert call("uri.is_valid", text) is True
    assert all(type(k) is str and type(v) is str for k, v in got.items())


def test_end_to_end():
    policy = regolite.compile(
        {
            "p.rego": "package x\n"
            "u := uri.parse(input.u)\n"
            "ok := uri.is_valid(input.u)\n"
            'https if uri.parse(input.u).scheme == "https"\n'
        }
    )
    inp = {"u": "https://example.com:443/a?b=c"}
    assert policy.eval_rule("data.x.u", input=inp) == parts(
        scheme="https", host="example.com", port="443", path="/a", query="b=c"
    )
    assert policy.eval_rule("data.x.ok", input=inp) is True
    assert policy.eval_rule("data.x.https", input=inp) is True
    assert policy.eval_rule("data.x.ok", input={"u": "http://[::1"}) is False
    with pytest.raises(RegoEvalError) as err:
        policy.eval_rule("data.x.u", input={"u": "http://[::1"}, strict_builtin_errors=True)
    assert err.value.code == "eval_builtin_error"
    assert err.value.message == "uri.parse: parse \"http://[::1\": missing ']' in host"
