"""Encoding builtins: base64, base64url, hex, urlquery, json.*, yaml.* and JSON Schema.

OPA's behaviour is Go's: `encoding/base64`, `encoding/hex`, `net/url`,
`encoding/json` and `sigs.k8s.io/yaml` (go-yaml v2 underneath). Error texts
are Go's, so they are reproduced here.

Go strings are bytes and may hold invalid UTF-8 (`base64.decode` of binary
data); here such bytes are carried as surrogate escapes (PEP 383), so
decode-then-encode round trips, and `json.marshal` writes them as `\\ufffd`
as Go does.
"""

from __future__ import annotations

import base64 as b64
import binascii
import datetime
import functools
import json
import math
import re
import struct
import urllib.parse
from decimal import Decimal
from typing import Any

import yaml

from regolite.builtins import BuiltinError, OperandError, OperandTypeError, builtin
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    NULL,
    STRING,
    array_of,
    array_tuple,
    object_of,
    object_static,
    one_of,
    set_of,
)
from regolite.values import RegoSet, sort_key, thaw, to_text

ENCODING = ("encoding",)


def _first(pair: tuple) -> Any:
    return pair[0]


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


# --- base64 and hex ------------------------------------------------------------------


@builtin("base64.encode", args=(STRING,), result=STRING, categories=ENCODING)
def base64_encode(x: str) -> str:
    return b64.b64encode(_bytes(x)).decode("ascii")


@builtin("base64.decode", args=(STRING,), result=STRING, categories=ENCODING)
def base64_decode(x: str) -> str:
    return _text(_go_base64_decode(x, _STD_ALPHABET))


@builtin("base64.is_valid", args=(STRING,), result=BOOLEAN, categories=ENCODING)
def base64_is_valid(x: str) -> bool:
    try:
        _go_base64_decode(x, _STD_ALPHABET)
    except BuiltinError:
        return False
    return True


@builtin("base64url.encode", args=(STRING,), result=STRING, categories=ENCODING)
def base64url_encode(x: str) -> str:
    return b64.urlsafe_b64encode(_bytes(x)).decode("ascii")


@builtin("base64url.encode_no_pad", args=(STRING,), result=STRING, categories=ENCODING)
def base64url_encode_no_pad(x: str) -> str:
    return b64.urlsafe_b64encode(_bytes(x)).decode("ascii").rstrip("=")


@builtin("base64url.decode", args=(STRING,), result=STRING, categories=ENCODING)
def base64url_decode(x: str) -> str:
    # OPA pads unpadded input as RFC 7515 appendix C says, then decodes strictly.
    if not x.endswith("="):
        rest = len(_bytes(x)) % 4
        if rest == 1:
            raise BuiltinError(f"illegal base64url string: {x}")
        x += "=" * ((4 - rest) % 4)
    return _text(_go_base64_decode(x, _URL_ALPHABET))


@builtin("hex.encode", args=(STRING,), result=STRING, categories=ENCODING)
def hex_encode(x: str) -> str:
    return _bytes(x).hex()


@builtin("hex.decode", args=(STRING,), result=STRING, categories=ENCODING)
def hex_decode(x: str) -> str:
    src = _bytes(x)
    if len(src) % 2 == 0 and _HEX.fullmatch(src):
        return _text(bytes.fromhex(src.decode("ascii")))
    return _text(_hex_fail(src))


_HEX = re.compile(rb"[0-9a-fA-F]*")


def _hex_fail(src: bytes) -> bytes:
    """Go's hex.DecodeString on input Python refused: the first bad byte, else the odd length."""
    for i in range(0, len(src) - 1, 2):
        for b in src[i : i + 2]:
            if b not in _HEX_DIGITS:
                raise BuiltinError(f"encoding/hex: invalid byte: {_go_unicode(b)}")
    if len(src) % 2:
        if src[-1] not in _HEX_DIGITS:
            raise BuiltinError(f"encoding/hex: invalid byte: {_go_unicode(src[-1])}")
        raise BuiltinError("encoding/hex: odd length hex string")
    return bytes.fromhex(src.decode("ascii"))


_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def _go_unicode(b: int) -> str:
    """Go's %#U of a byte taken as a rune: U+0067 'g'."""
    c = chr(b)
    return f"U+{b:04X} '{c}'" if c.isprintable() else f"U+{b:04X}"


_STD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_FAST_STD = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_FAST_URL = re.compile(rb"(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?")


def _go_base64_decode(text: str, alphabet: bytes) -> bytes:
    """Go's padded, non-strict base64 decoding: CR and LF are skipped, errors give Go's byte offset."""
    src = _bytes(text)
    fast = _FAST_STD if alphabet is _STD_ALPHABET else _FAST_URL
    if fast.fullmatch(src):
        try:
            if alphabet is _STD_ALPHABET:
                return binascii.a2b_base64(src)
            return b64.urlsafe_b64decode(src)
        except binascii.Error:
            pass
    decode_map = {c: i for i, c in enumerate(alphabet)}
    out = bytearray()
    si = 0
    n = len(src)
    while si < n:
        dbuf = [0, 0, 0, 0]
        dlen = 4
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise _corrupt(si - j)
            c = src[si]
            si += 1
            v = decode_map.get(c)
            if v is not None:
                dbuf[j] = v
                j += 1
                continue
            if c in (10, 13):
                continue
            if c != 61:  # '='
                raise _corrupt(si - 1)
            if j < 2:
                raise _corrupt(si - 1)
            if j == 2:
                while si < n and src[si] in (10, 13):
                    si += 1
                if si == n:
                    raise _corrupt(n)
                if src[si] != 61:
                    raise _corrupt(si - 1)
                si += 1
            while si < n and src[si] in (10, 13):
                si += 1
            if si < n:
                raise _corrupt(si)
            dlen = j
            break
        val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3]
        out += val.to_bytes(3, "big")[: dlen - 1]
    return bytes(out)


def _corrupt(offset: int) -> BuiltinError:
    return BuiltinError(f"illegal base64 data at input byte {offset}")


# --- urlquery ------------------------------------------------------------------------


@builtin("urlquery.encode", args=(STRING,), result=STRING, categories=ENCODING)
def urlquery_encode(x: str) -> str:
    return urllib.parse.quote_plus(x, safe="", errors="surrogateescape")


@builtin("urlquery.decode", args=(STRING,), result=STRING, categories=ENCODING)
def urlquery_decode(x: str) -> str:
    return _query_unescape(x)


@builtin(
    "urlquery.encode_object",
    args=(object_of(STRING, one_of(STRING, array_of(STRING), set_of(STRING))),),
    result=STRING,
    categories=ENCODING,
)
def urlquery_encode_object(x: dict) -> str:
    pairs = []
    for key, value in _json_pairs(x):
        if type(value) is RegoSet:
            value = value.sorted()
        if type(value) is str:
            values = [value]
        elif type(value) is list:
            values = value
            if any(type(v) is not str for v in values):
                raise OperandTypeError(1, "value must be a string", x)
        else:
            raise OperandTypeError(1, "object", x)
        k = urlquery_encode(key)
        pairs += [f"{k}={urlquery_encode(v)}" for v in values]
    return "&".join(pairs)


@builtin(
    "urlquery.decode_object",
    args=(STRING,),
    result=object_of(STRING, array_of(STRING)),
    categories=ENCODING,
)
def urlquery_decode_object(x: str) -> dict:
    # Go's url.ParseQuery; OPA fails on the error it returns.
    out: dict = {}
    error = None
    for part in x.split("&"):
        if ";" in part:
            error = BuiltinError("invalid semicolon separator in query")
            continue
        if not part:
            continue
        key, _, value = part.partition("=")
        try:
            key = _query_unescape(key)
            value = _query_unescape(value)
        except BuiltinError as e:
            error = error or e
            continue
        out.setdefault(key, []).append(value)
    if error is not None:
        raise error
    return out


_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _query_unescape(s: str) -> str:
    bad = _PERCENT.search(s)
    if bad:
        raise BuiltinError(f"invalid URL escape {_go_quote(s[bad.start() : bad.start() + 3])}")
    return urllib.parse.unquote_plus(s, errors="surrogateescape")


def _go_quote(s: str) -> str:
    """Go's strconv.Quote."""
    out = ['"']
    for c in s:
        o = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif c in _GO_ESCAPES:
            out.append(_GO_ESCAPES[c])
        elif 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif c.isprintable():
            out.append(c)
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


# --- json ----------------------------------------------------------------------------


@builtin("json.marshal", args=(ANY,), result=STRING, categories=ENCODING)
def json_marshal(x: Any) -> str:
    out: list[str] = []
    try:
        _write_json(x, out, None, "", 0)
    except RecursionError:
        raise BuiltinError("json: exceeded max depth") from None
    return "".join(out)


def _json_pairs(obj: dict) -> list[tuple[str, Any]]:
    """An object's pairs as Go sees its JSON form: keys as text, sorted.

    Keys that become the same text (1 and "1") collapse; as in OPA, the
    later in Rego order wins.
    """
    if all(type(k) is str for k in obj):
        return sorted(obj.items(), key=_first)
    ordered = sorted(obj.items(), key=lambda kv: sort_key(_thawed(kv[0])))
    return sorted({_key_text(k): v for k, v in ordered}.items(), key=_first)


def _key_text(key: Any) -> str:
    """An object key as OPA writes it in JSON: a string as is, else its compact JSON."""
    return key if type(key) is str else json_marshal(thaw(key))


@builtin(
    "json.marshal_with_options",
    args=(ANY, object_static({"indent": STRING, "prefix": STRING, "pretty": BOOLEAN}, dynamic=(STRING, ANY))),
    result=STRING,
    categories=ENCODING,
)
def json_marshal_with_options(x: Any, options: dict) -> str:
    indent, prefix = "\t", ""
    implicit_pretty = False
    pretty = None
    for idx, (key, value) in enumerate(sorted(options.items(), key=lambda kv: sort_key(_thawed(kv[0])))):
        if type(key) is not str:
            raise OperandError(
                2,
                f"failed to stringify key {to_text(thaw(key))} at index {idx}: "
                + _nested_type_error(idx, "string", thaw(key)),
            )
        if key in ("prefix", "indent"):
            if type(value) is not str:
                raise OperandError(2, f"key {key} failed cast to string: {_nested_type_error(idx, 'string', value)}")
            if key == "prefix":
                prefix = value
            else:
                indent = value
            implicit_pretty = True
        elif key == "pretty":
            if type(value) is not bool:
                raise OperandError(2, f"key {key} failed cast to bool: {_nested_type_error(idx, 'boolean', value)}")
            pretty = value
        else:
            raise OperandError(2, f"object contained unknown key {key}")
    if pretty is None:
        pretty = implicit_pretty
    out: list[str] = []
    if not pretty:
        return json_marshal(x)
    out: list[str] = [prefix]
    try:
        _write_json(x, out, indent, prefix, 0)
    except RecursionError:
        raise BuiltinError("json: exceeded max depth") from None
    return "".join(out)


def _thawed(key: Any) -> Any:
    return key if type(key) is str else thaw(key)


def _nested_type_error(position: int, expected: str, got: Any) -> str:
    return OperandTypeError(position, expected, got).message


@builtin("json.unmarshal", args=(STRING,), result=ANY, categories=ENCODING)
def json_unmarshal(x: str) -> Any:
    try:
        try:
            value = _JSON_DECODER.decode(x)
        except (ValueError, _BadConstant):
            value = _go_json_decode(x)
    except RecursionError:
        raise BuiltinError("exceeded max depth") from None
    if "\\u" in x and _ESCAPED_SURROGATE.search(x):
        value = _replace_lone_surrogates(value)
    return value


@builtin("json.is_valid", args=(STRING,), result=BOOLEAN, categories=ENCODING, check_args=False)
def json_is_valid(x: Any) -> bool:
    # OPA answers false, not a type error, for a non-string.
    if type(x) is not str:
        return False
    try:
        _JSON_DECODER.decode(x)
    except (ValueError, _BadConstant, RecursionError):
        return False
    except BuiltinError:
        return True  # a number too large to hold here is still valid JSON
    return True


class _BadConstant(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


def _parse_float(text: str) -> float | int:
    f = float(text)
    if math.isinf(f):  # Go keeps the number's text; a huge one is exact here as an int
        d = Decimal(text)
        if d.adjusted() > _MAX_DIGITS:
            raise BuiltinError(f"json: number {text} is too large")
        return int(d)
    return f


def _parse_int(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise BuiltinError(f"json: number {text[:20]}... is too large")
    return int(text)


_MAX_DIGITS = 4000  # below Python's int/str conversion limit
_JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float, parse_int=_parse_int)
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(value: Any) -> Any:
    """Go decodes an unpaired \\uD800-\\uDFFF escape as U+FFFD."""
    t = type(value)
    if t is str:
        return _SURROGATE.sub("\ufffd", value)
    if t is list:
        return [_replace_lone_surrogates(v) for v in value]
    if t is dict:
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    return value


def _write_json(x: Any, out: list[str], indent: str | None, prefix: str, depth: int) -> None:
    """Go's encoding/json output for a Rego value (MarshalIndent when `indent` is not None)."""
    t = type(x)
    if t is str:
        out.append(_json_string(x))
    elif x is None:
        out.append("null")
    elif t is bool:
        out.append("true" if x else "false")
    elif t is int:
        out.append(str(x))
    elif t is float:
        out.append(go_json_float(x))
    elif t is list or t is RegoSet:
        items = x if t is list else x.sorted()
        if not items:
            out.append("[]")
            return
        out.append("[")
        for i, v in enumerate(items):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + prefix + indent * (depth + 1))
            _write_json(v, out, indent, prefix, depth + 1)
        if indent is not None:
            out.append("\n" + prefix + indent * depth)
        out.append("]")
    elif t is dict:
        if not x:
            out.append("{}")
            return
        pairs = _json_pairs(x)
        out.append("{")
        sep = ":" if indent is None else ": "
        for i, (k, v) in enumerate(pairs):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + prefix + indent * (depth + 1))
            out.append(_json_string(k) + sep)
            _write_json(v, out, indent, prefix, depth + 1)
        if indent is not None:
            out.append("\n" + prefix + indent * depth)
        out.append("}")
    else:
        raise TypeError(f"not a Rego value: {t.__name__}")


_encode_basestring = json.encoder.encode_basestring  # json.dumps(s, ensure_ascii=False), in C
_GO_JSON_ESCAPE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_GO_JSON_REPLACEMENTS = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_string(s: str) -> str:
    text = _encode_basestring(s)
    if _GO_JSON_ESCAPE.search(text):
        text = _GO_JSON_ESCAPE.sub(lambda m: _GO_JSON_REPLACEMENTS.get(m.group(), "\\ufffd"), text)
    return text


def go_json_float(f: float) -> str:
    """A float as Go's encoding/json writes a float64: shortest digits, exponent outside [1e-6, 1e21)."""
    if not math.isfinite(f):
        raise BuiltinError(f"json: unsupported value: {go_format_g(f)}")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        text = _format_e(f, *_shortest_digits(f, 64))
        if text[-4] == "e" and text[-3] == "-" and text[-2] == "0":
            text = text[:-2] + text[-1]
        return text
    return _format_f(f, *_shortest_digits(f, 64))


def go_format_g(f: float, bits: int = 64) -> str:
    """Go's strconv.FormatFloat(f, 'g', -1, bits)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    digits, dp = _shortest_digits(f, bits)
    exp = dp - 1
    if f != 0 and (exp < -4 or exp >= 6):
        return _format_e(f, digits, dp)
    return _format_f(f, digits, dp)


def _shortest_digits(f: float, bits: int) -> tuple[str, int]:
    """(digits, dp): |f| = 0.digits * 10**dp with the fewest digits that round-trip."""
    if f == 0:
        return "", 0
    a = abs(f)
    if bits == 32:
        a32 = struct.unpack("f", struct.pack("f", a))[0]
        for p in range(1, 10):
            text = f"{a32:.{p - 1}e}"
            if struct.unpack("f", struct.pack("f", float(text)))[0] == a32:
                break
    else:
        text = f"{a!r}"
    mantissa, _, exponent = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    dp = len(whole) + (int(exponent) if exponent else 0)
    if whole == "0" or not whole.strip("0"):
        # 0.000123 -> leading zeros of the fraction move the point
        stripped = frac.lstrip("0")
        dp = -(len(frac) - len(stripped)) + (int(exponent) if exponent else 0)
        digits = stripped
    digits = digits.rstrip("0") or "0"
    return digits, dp


def _format_e(f: float, digits: str, dp: int) -> str:
    sign = "-" if math.copysign(1, f) < 0 else ""
    if not digits or f == 0:
        return sign + "0e+00"
    exp = dp - 1
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _format_f(f: float, digits: str, dp: int) -> str:
    sign = "-" if math.copysign(1, f) < 0 else ""
    if f == 0:
        return sign + "0"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return sign + digits + "0" * (dp - len(digits))
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


# Go's encoding/json Decoder, used only to word the errors of input Python refused
# (and to accept what OPA accepts beyond the first value, see _go_json_decode).


class _JSONSyntax(Exception):
    pass


_WS = b" \t\r\n"


def _go_json_decode(text: str) -> Any:
    """OPA's util.UnmarshalJSON: decode one value, then complain about a following token."""
    src = _bytes(text)
    n = len(src)
    i = _skip_ws(src, 0)
    if i == n:
        raise BuiltinError("EOF")
    end = _scan_value(src, i, top=True)
    value = _JSON_DECODER.raw_decode(_text(src[: end]), len(_text(src[:i])))[0]
    j = _skip_ws(src, end)
    if j == n:
        return value
    c = src[j]
    if c in b"{[":
        raise BuiltinError(f"error(s) occurred while decoding JSON: {chr(c)}")
    if c in b"}],:":
        raise BuiltinError(f"invalid character {_quote_char(c)} looking for beginning of value")
    end2 = _scan_value(src, j, top=True)
    token = _JSON_DECODER.raw_decode(_text(src[:end2]), len(_text(src[:j])))[0]
    if token is None:
        return value  # Token() returns nil for null, which OPA takes as the end
    if type(token) is bool:
        shown = f"%!s(bool={'true' if token else 'false'})"
    elif type(token) is str:
        shown = token
    else:
        shown = _text(src[j:end2])
    raise BuiltinError(f"error(s) occurred while decoding JSON: {shown}")


def _skip_ws(src: bytes, i: int) -> int:
    n = len(src)
    while i < n and src[i] in _WS:
        i += 1
    return i


def _quote_char(c: int) -> str:
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    return "'" + _go_quote(chr(c))[1:-1] + "'"


def _syntax(c: int, context: str) -> BuiltinError:
    return BuiltinError(f"invalid character {_quote_char(c)} {context}")


def _scan_value(src: bytes, i: int, top: bool = False) -> int:
    """The end of the JSON value at src[i] (after whitespace), raising Go's scanner errors."""
    n = len(src)
    i = _skip_ws(src, i)
    if i >= n:
        raise BuiltinError("unexpected EOF")
    c = src[i]
    if c == 0x7B:  # {
        i = _skip_ws(src, i + 1)
        if i < n and src[i] == 0x7D:
            return i + 1
        while True:
            if i >= n:
                raise BuiltinError("unexpected EOF")
            if src[i] != 0x22:
                raise _syntax(src[i], "looking for beginning of object key string")
            i = _skip_ws(src, _scan_string(src, i))
            if i >= n:
                raise BuiltinError("unexpected EOF")
            if src[i] != 0x3A:
                raise _syntax(src[i], "after object key")
            i = _skip_ws(src, _scan_value(src, i + 1))
            if i >= n:
                raise BuiltinError("unexpected EOF")
            if src[i] == 0x7D:
                return i + 1
            if src[i] != 0x2C:
                raise _syntax(src[i], "after object key:value pair")
            i = _skip_ws(src, i + 1)
    if c == 0x5B:  # [
        i = _skip_ws(src, i + 1)
        if i < n and src[i] == 0x5D:
            return i + 1
        while True:
            i = _skip_ws(src, _scan_value(src, i))
            if i >= n:
                raise BuiltinError("unexpected EOF")
            if src[i] == 0x5D:
                return i + 1
            if src[i] != 0x2C:
                raise _syntax(src[i], "after array element")
            i += 1
    if c == 0x22:
        return _scan_string(src, i)
    if c == 0x2D or 0x30 <= c <= 0x39:
        return _scan_number(src, i, top)
    for word in (b"true", b"false", b"null"):
        if c == word[0]:
            for k in range(1, len(word)):
                if i + k >= n:
                    raise BuiltinError("unexpected EOF")
                if src[i + k] != word[k]:
                    name = word.decode()
                    raise _syntax(src[i + k], f"in literal {name} (expecting {_quote_char(word[k])})")
            return i + len(word)
    raise _syntax(c, "looking for beginning of value")


def _scan_string(src: bytes, i: int) -> int:
    n = len(src)
    i += 1
    while True:
        if i >= n:
            raise BuiltinError("unexpected EOF")
        c = src[i]
        if c == 0x22:
            return i + 1
        if c == 0x5C:
            i += 1
            if i >= n:
                raise BuiltinError("unexpected EOF")
            e = src[i]
            if e == 0x75:  # u
                for k in range(1, 5):
                    if i + k >= n:
                        raise BuiltinError("unexpected EOF")
                    if src[i + k] not in _HEX_DIGITS:
                        raise _syntax(src[i + k], "in \\u hexadecimal character escape")
                i += 4
            elif e not in b'bfnrt"\\/':
                raise _syntax(e, "in string escape code")
        elif c < 0x20:
            raise _syntax(c, "in string literal")
        i += 1


def _scan_number(src: bytes, i: int, top: bool) -> int:
    n = len(src)

    def need(k: int) -> int:
        if k >= n:
            raise BuiltinError("unexpected EOF")
        return src[k]

    if src[i] == 0x2D:
        i += 1
        c = need(i)
        if not 0x30 <= c <= 0x39:
            raise _syntax(c, "in numeric literal")
    if src[i] == 0x30:
        i += 1
    else:
        while i < n and 0x30 <= src[i] <= 0x39:
            i += 1
    if i < n and src[i] == 0x2E:
        i += 1
        c = need(i)
        if not 0x30 <= c <= 0x39:
            raise _syntax(c, "after decimal point in numeric literal")
        while i < n and 0x30 <= src[i] <= 0x39:
            i += 1
    if i < n and src[i] in b"eE":
        i += 1
        c = need(i)
        if c in b"+-":
            i += 1
            c = need(i)
        if not 0x30 <= c <= 0x39:
            raise _syntax(c, "in exponent of numeric literal")
        while i < n and 0x30 <= src[i] <= 0x39:
            i += 1
    return i


# --- yaml ----------------------------------------------------------------------------
# OPA converts with sigs.k8s.io/yaml: YAML is decoded by go-yaml v2 (YAML 1.1-ish
# scalars: yes/no/on/off/y/n are booleans, 0x1F and 017 are integers, timestamps stay
# strings), keys are turned into strings and the result goes through JSON. Marshalling
# goes the other way: JSON, then go-yaml v2's emitter with its key order. PyYAML's
# parser and emitter (libyaml, which go-yaml is a port of) do the syntax; nodes are
# composed, scalars resolved and aliases counted here.


@builtin("yaml.marshal", args=(ANY,), result=STRING, categories=ENCODING)
def yaml_marshal(x: Any) -> str:
    try:
        node = _yaml_node(x)
    except RecursionError:
        raise BuiltinError("yaml: exceeded max depth") from None
    text = yaml.serialize(node, Dumper=_YamlDumper, allow_unicode=True, width=80)
    if type(node) is yaml.ScalarNode and text.endswith("\n...\n"):
        text = text[:-4]
    return text


@builtin("yaml.unmarshal", args=(STRING,), result=ANY, categories=ENCODING)
def yaml_unmarshal(x: str) -> Any:
    node = _compose_first_document(x)
    if node is None:
        return None
    try:
        return _YamlDecoder().value(node)
    except RecursionError:
        raise BuiltinError("yaml: exceeded max depth") from None


@builtin("yaml.is_valid", args=(STRING,), result=BOOLEAN, categories=ENCODING, check_args=False)
def yaml_is_valid(x: Any) -> bool:
    if type(x) is not str:
        return False
    try:
        yaml_unmarshal(x)
    except BuiltinError:
        return False
    return True


_Y = "tag:yaml.org,2002:"
_STR_TAG, _INT_TAG, _FLOAT_TAG, _BOOL_TAG, _NULL_TAG = (_Y + t for t in ("str", "int", "float", "bool", "null"))
_MERGE_TAG, _TIMESTAMP_TAG, _BINARY_TAG = _Y + "merge", _Y + "timestamp", _Y + "binary"
_SEQ_TAG, _MAP_TAG = _Y + "seq", _Y + "map"
_PLAIN_TAG = "regolite:plain"  # a plain scalar without a tag, resolved by go-yaml's rules
_RESOLVABLE = {"", _STR_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG, _NULL_TAG, _TIMESTAMP_TAG}

_YAML_WORDS: dict[str, tuple[str, Any]] = {}
for _value, _tag, _words in (
    (True, _BOOL_TAG, "y Y yes Yes YES true True TRUE on On ON"),
    (False, _BOOL_TAG, "n N no No NO false False FALSE off Off OFF"),
    (None, _NULL_TAG, "~ null Null NULL"),
    (math.nan, _FLOAT_TAG, ".nan .NaN .NAN"),
    (math.inf, _FLOAT_TAG, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (-math.inf, _FLOAT_TAG, "-.inf -.Inf -.INF"),
    ("<<", _MERGE_TAG, "<<"),
):
    for _word in _words.split():
        _YAML_WORDS[_word] = (_tag, _value)
_YAML_WORDS[""] = (_NULL_TAG, None)

_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
# go-yaml v2's timestamp layouts: 2006-1-2, then T/t 15:4:5 with a zone, or " 15:4:5"
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})"
    r"| ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?)?"
)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def _go_parse_int(text: str, signed: bool) -> int | None:
    """Go's strconv.ParseInt(text, 0, 64) (or ParseUint), None when it fails."""
    s = text
    neg = False
    if s[:1] in ("+", "-"):
        if not signed:
            return None
        neg = s[0] == "-"
        s = s[1:]
    base = 10
    if len(s) > 1 and s[0] == "0":
        p = s[1].lower()
        if p in "xob":
            base = {"x": 16, "o": 8, "b": 2}[p]
            s = s[2:]
        else:
            base = 8
            s = s[1:]
    if not s or not s.isascii() or not s.isalnum():
        return None
    try:
        v = int(s, base)
    except ValueError:
        return None
    v = -v if neg else v
    if signed:
        return v if _INT64[0] <= v <= _INT64[1] else None
    return v if v < (1 << 64) else None


def _go_resolve(tag: str, text: str) -> tuple[str, Any]:
    """go-yaml v2's resolve(): the tag and value of a scalar (timestamps stay text)."""
    if tag not in _RESOLVABLE:
        return tag, text
    rtag, value = _go_resolve_plain(text) if tag != _STR_TAG else (_STR_TAG, text)
    if tag in ("", rtag, _STR_TAG):
        return rtag, value
    if tag == _FLOAT_TAG and rtag == _INT_TAG:
        return _FLOAT_TAG, float(value)
    raise BuiltinError(f"yaml: cannot decode {_short_tag(rtag)} `{text}` as a {_short_tag(tag)}")


def _go_resolve_plain(text: str) -> tuple[str, Any]:
    hit = _YAML_WORDS.get(text)
    if hit is not None:
        return hit
    c = text[:1]
    if c == ".":
        if _GO_FLOAT.fullmatch(text):
            return _FLOAT_TAG, float(text)
    elif c and (c in "+-" or "0" <= c <= "9"):
        if _is_timestamp(text):
            return _TIMESTAMP_TAG, text
        plain = text.replace("_", "")
        v = _go_parse_int(plain, True)
        if v is None:
            v = _go_parse_int(plain, False)
        if v is not None:
            return _INT_TAG, v
        if _YAML_FLOAT.fullmatch(plain):
            f = float(plain)
            if not math.isinf(f):
                return _FLOAT_TAG, f
        for sign, prefix in (("", "0b"), ("-", "-0b")):
            if plain.startswith(prefix) and plain[len(prefix) :] and set(plain[len(prefix) :]) <= set("01"):
                v = int(sign + plain[len(prefix) :], 2)
                if _INT64[0] <= v < (1 << 64):
                    return _INT_TAG, v
    return _STR_TAG, text


def _is_timestamp(text: str) -> bool:
    """Whether Go's time.Parse takes `text` in one of go-yaml's layouts (ranges checked)."""
    m = _TIMESTAMP.fullmatch(text)
    if not m:
        return False
    year, month, day = (int(g) for g in m.groups()[:3])
    clock = [int(g) for g in m.groups()[3:] if g is not None]
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return not clock or (clock[0] < 24 and clock[1] < 60 and clock[2] < 60)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_Y) :] if tag.startswith(_Y) else tag


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _compose_first_document(text: str) -> Any:
    """The node graph of the first document (None when there is none), from parser events.

    Composed here without recursion (libyaml's composer recurses in C and
    crashes on deep nesting). Untagged plain scalars get a marker tag, to be
    resolved by go-yaml's rules. Later documents are parsed only for syntax
    errors (go-yaml's scanner reads ahead into them).
    """
    if _flow_depth_exceeds(text, _MAX_YAML_DEPTH):
        raise BuiltinError(f"yaml: exceeded max depth of {_MAX_YAML_DEPTH}")
    first = None
    documents = 0
    anchors: dict[str, Any] = {}
    stack: list[list] = []  # [node, pending mapping key or None]
    parser = None
    try:
        parser = _BaseLoader(text)  # the pure-Python reader checks characters here
        while parser.check_event():
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.DocumentStartEvent:
                anchors = {}
                continue
            if kind is yaml.DocumentEndEvent:
                documents += 1
                continue
            if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                stack.pop()
                continue
            if kind is yaml.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = _PLAIN_TAG if tag is None and event.implicit[0] else _STR_TAG
                node = yaml.ScalarNode(tag, event.value, style=event.style)
            elif kind is yaml.AliasEvent:
                node = anchors.get(event.anchor)
                if node is None:
                    raise BuiltinError(f"yaml: unknown anchor '{event.anchor}' referenced")
            elif kind is yaml.SequenceStartEvent:
                node = yaml.SequenceNode(_SEQ_TAG, [])
            elif kind is yaml.MappingStartEvent:
                node = yaml.MappingNode(_MAP_TAG, [])
            else:
                continue
            if kind is not yaml.AliasEvent and event.anchor is not None:
                anchors[event.anchor] = node
            if documents == 0:
                if not stack:
                    first = node
                else:
                    parent = stack[-1]
                    if type(parent[0]) is yaml.SequenceNode:
                        parent[0].value.append(node)
                    elif parent[1] is None:
                        parent[1] = node
                    else:
                        parent[0].value.append((parent[1], node))
                        parent[1] = None
            if kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                stack.append([node, None])
    except yaml.YAMLError as e:
        raise BuiltinError(_yaml_error_text(e)) from None
    finally:
        if parser is not None:
            parser.dispose()
    return first


_MAX_YAML_DEPTH = 10_000  # go-yaml's limit; libyaml slows down quadratically past it
_FLOW_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth_exceeds(text: str, limit: int) -> bool:
    """Whether flow brackets nest deeper than `limit` (quoting ignored: a cheap upper bound)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for m in _FLOW_BRACKETS.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


class _YamlDumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Decides which scalars may be written plain by go-yaml's resolution."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _go_resolve_plain(value)[0] if implicit[0] else _STR_TAG
        return super().resolve(kind, value, implicit)


def _yaml_error_text(e: yaml.YAMLError) -> str:
    """go-yaml's wording of a syntax error: `yaml: line N: <problem>`."""
    if isinstance(e, yaml.reader.ReaderError):
        return "yaml: control characters are not allowed"
    if "nesting depth" in str(e):  # newer libyaml builds enforce their own depth limit
        return "yaml: exceeded max depth"
    if not isinstance(e, yaml.MarkedYAMLError):
        return f"yaml: {e}"
    problem = e.problem or "unknown problem parsing YAML content"
    line = 0
    if e.problem_mark is not None and e.problem_mark.line:
        line = e.problem_mark.line + (1 if isinstance(e, yaml.scanner.ScannerError) else 0)
    elif e.context_mark is not None and e.context_mark.line:
        line = e.context_mark.line
    return f"yaml: line {line}: {problem}" if line else f"yaml: {problem}"


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= 400_000:
        return 0.99
    if decoded >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * (decoded - 400_000) / 3_600_000


class _YamlDecoder:
    """Node graph to Rego value, with go-yaml v2's guard against alias bombs.

    An anchored node met again is an alias expansion; like go-yaml, decoding
    fails once expansions outweigh the document (billion laughs).
    """

    def __init__(self) -> None:
        self.decoded = 0
        self.aliased = 0
        self.alias_depth = 0
        self.seen: set[int] = set()
        self.active: set[int] = set()

    def value(self, node: Any) -> Any:
        nid = id(node)
        if nid in self.active:
            raise BuiltinError("yaml: anchor value contains itself")
        alias = nid in self.seen
        self.seen.add(nid)
        self.decoded += 1
        if alias:
            self.alias_depth += 1
        if self.alias_depth:
            self.aliased += 1
        ratio = self.aliased / self.decoded
        if self.aliased > 100 and self.decoded > 1000 and ratio > _allowed_alias_ratio(self.decoded):
            raise BuiltinError("yaml: document contains excessive aliasing")
        self.active.add(nid)
        try:
            if type(node) is yaml.ScalarNode:
                return _json_number(self.scalar(node))
            if type(node) is yaml.SequenceNode:
                return [self.value(n) for n in node.value]
            out: dict = {}
            self.mapping(node, out)
            return out
        finally:
            self.active.discard(nid)
            if alias:
                self.alias_depth -= 1

    def scalar(self, node: Any) -> Any:
        tag = node.tag
        if tag == _PLAIN_TAG:
            return _go_resolve_plain(node.value)[1]
        if tag == _BINARY_TAG:
            try:
                return _text(_go_base64_decode(node.value, _STD_ALPHABET))
            except BuiltinError:
                raise BuiltinError("yaml: !!binary value contains invalid base64 data") from None
        return _go_resolve(tag, node.value)[1]

    def mapping(self, node: Any, out: dict) -> None:
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                self.merge(value_node, out)
                continue
            if type(key_node) is not yaml.ScalarNode:
                raise BuiltinError("yaml: invalid map key: only scalar keys can be converted to JSON")
            key = self.value(key_node)
            out[_yaml_key_text(key)] = self.value(value_node)

    def merge(self, node: Any, out: dict) -> None:
        if type(node) is yaml.MappingNode:
            self.merge_one(node, out)
        elif type(node) is yaml.SequenceNode:
            for item in reversed(node.value):
                if type(item) is not yaml.MappingNode:
                    raise BuiltinError("yaml: map merge requires map or sequence of maps as the value")
                self.merge_one(item, out)
        else:
            raise BuiltinError("yaml: map merge requires map or sequence of maps as the value")

    def merge_one(self, node: Any, out: dict) -> None:
        nid = id(node)
        alias = nid in self.seen
        self.seen.add(nid)
        if alias:
            self.alias_depth += 1
        try:
            self.mapping(node, out)
        finally:
            if alias:
                self.alias_depth -= 1


def _is_merge_key(node: Any) -> bool:
    return type(node) is yaml.ScalarNode and node.value == "<<" and node.tag in (_PLAIN_TAG, _MERGE_TAG)


def _json_number(v: Any) -> Any:
    """A go-yaml number after its trip through Go's JSON (1.0 comes back as 1); NaN/Inf fail there."""
    if type(v) is float:
        if not math.isfinite(v):
            raise BuiltinError(f"json: unsupported value: {go_format_g(v)}")
        if v.is_integer() and abs(v) < 1e21:
            return int(v)
    return v


def _yaml_key_text(key: Any) -> str:
    """sigs.k8s.io/yaml's map key to string."""
    t = type(key)
    if t is str:
        return key
    if t is bool:
        return "true" if key else "false"
    if t is int:
        return str(key)
    if t is float:
        return go_format_g(key, 32)
    raise BuiltinError(f"unsupported map key of type: {'<nil>' if key is None else t.__name__}")


def _yaml_node(x: Any) -> Any:
    """The YAML node go-yaml v2 would emit for a Rego value that went through JSON."""
    t = type(x)
    if t is str:
        x = _no_surrogates(x)
        style = "|" if "\n" in x else ('"' if _go_resolve_plain(x)[0] != _STR_TAG or _BASE60.fullmatch(x) else None)
        return yaml.ScalarNode(_STR_TAG, x, style=style)
    if x is None:
        return yaml.ScalarNode(_NULL_TAG, "null")
    if t is bool:
        return yaml.ScalarNode(_BOOL_TAG, "true" if x else "false")
    if t is int or t is float:
        tag, value = _go_resolve_plain(str(x) if t is int else go_json_float(x))
        text = str(value) if tag == _INT_TAG else go_format_g(value)
        return yaml.ScalarNode(tag, text)
    if t is list or t is RegoSet:
        items = x if t is list else x.sorted()
        return yaml.SequenceNode(_SEQ_TAG, [_yaml_node(v) for v in items], flow_style=False)
    if t is dict:
        pairs = sorted(((_no_surrogates(k), v) for k, v in _json_pairs(x)), key=_YAML_KEY_ORDER)
        return yaml.MappingNode(
            _MAP_TAG, [(_yaml_node(k), _yaml_node(v)) for k, v in pairs], flow_style=False
        )
    raise TypeError(f"not a Rego value: {t.__name__}")


def _no_surrogates(s: str) -> str:
    """Go's JSON step replaces invalid UTF-8 (surrogate escapes here) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", s) if _SURROGATE.search(s) else s


def _go_yaml_key_less(a: str, b: str) -> bool:
    """go-yaml v2's keyList.Less for two string keys: letters after others, digit runs by value."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdigit():
            an = an * 10 + _digit(a[ai])
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdigit():
            bn = bn * 10 + _digit(b[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _digit(c: str) -> int:
    # Go subtracts '0' from the rune, whatever kind of digit it is
    return ord(c) - 48


def _yaml_key_cmp(a: tuple, b: tuple) -> int:
    if _go_yaml_key_less(a[0], b[0]):
        return -1
    if _go_yaml_key_less(b[0], a[0]):
        return 1
    return 0


_YAML_KEY_ORDER = functools.cmp_to_key(_yaml_key_cmp)


# --- JSON Schema ---------------------------------------------------------------------
# OPA uses gojsonschema; here the `jsonschema` package validates (draft from $schema,
# draft 7 by default, formats checked) and its errors are worded as gojsonschema's.

_SCHEMA_OPERAND = one_of(STRING, object_of(ANY, ANY))
_SCHEMA_ERROR = object_static({"desc": STRING, "error": STRING, "field": STRING, "type": STRING})


@builtin(
    "json.verify_schema",
    args=(_SCHEMA_OPERAND,),
    result=array_tuple(BOOLEAN, one_of(NULL, STRING)),
    categories=ENCODING,
)
def json_verify_schema(schema: Any) -> list:
    try:
        _compile_schema(schema)
    except BuiltinError as e:
        return [False, "jsonschema: " + e.message]
    return [True, None]


@builtin(
    "json.match_schema",
    args=(_SCHEMA_OPERAND, _SCHEMA_OPERAND),
    result=array_tuple(BOOLEAN, array_of(_SCHEMA_ERROR)),
    categories=ENCODING,
)
def json_match_schema(document: Any, schema: Any) -> list:
    doc = _schema_json(document)
    validator = _compile_schema(schema)
    errors = _schema_errors(validator, doc)
    return [not errors, errors]


def _schema_json(value: Any) -> Any:
    if type(value) is str:
        if not json_is_valid(value):
            raise BuiltinError("invalid JSON string")
        return json_unmarshal(value)
    return json.loads(json_marshal(value))  # as OPA: through JSON, so keys are strings


def _compile_schema(schema: Any) -> Any:
    text = schema if type(schema) is str else json_marshal(schema)
    return _compile_schema_text(text)


@functools.lru_cache(maxsize=64)
def _compile_schema_text(text: str) -> Any:
    """A validator for the schema's JSON text (the cache key: equal schemas give equal text).

    Bounded LRU, like OPA's cache of compiled schemas; failures are not cached.
    """
    import jsonschema  # optional dependency, loaded on first use

    doc = _schema_json(text)
    if type(doc) is not dict and type(doc) is not bool:
        raise BuiltinError(f"Invalid type. Expected: object or boolean, given: {_schema_type(doc)}")
    cls = jsonschema.validators.validator_for(doc, default=jsonschema.Draft7Validator)
    try:
        cls.check_schema(doc)
    except jsonschema.SchemaError as e:
        raise BuiltinError(_schema_error_text(e)) from None
    return cls(doc, format_checker=cls.FORMAT_CHECKER)


def _schema_error_text(e: Any) -> str:
    field = ".".join(str(p) for p in e.path)
    return f"{field or '(root)'}: {e.message}"


def _schema_type(value: Any) -> str:
    t = type(value)
    if t is bool:
        return "boolean"
    if t is int or (t is float and value.is_integer()):
        return "integer"
    if t is float:
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(t, "unknown")


def _gojson(value: Any) -> str:
    return json_marshal(value)  # schema values are JSON data, valid Rego values as they are


def _schema_error(e: Any) -> dict:
    """A jsonschema ValidationError as gojsonschema's ResultError fields."""
    kind, desc = _schema_description(e)
    return _schema_result(kind, _field_of(e), desc)


def _schema_errors(validator: Any, doc: Any) -> list:
    out: list = []
    for e in validator.iter_errors(doc):
        _add_schema_error(e, out)
    return out


def _add_schema_error(e: Any, out: list) -> None:
    if e.validator == "additionalProperties" and e.validator_value is False and type(e.instance) is dict:
        # gojsonschema reports each unexpected property on its own
        from jsonschema._utils import find_additional_properties

        for name in find_additional_properties(e.instance, e.schema):
            desc = f"Additional property {name} is not allowed"
            out.append(_schema_result("additional_property_not_allowed", _field_of(e), desc))
        return
    out.append(_schema_error(e))
    if e.validator in ("anyOf", "oneOf") and e.context:
        # gojsonschema adds the errors of the closest subschema (here: the one with fewest errors)
        groups: dict = {}
        for sub in e.context:
            groups.setdefault(sub.relative_schema_path[0], []).append(sub)
        for sub in min(groups.values(), key=len):
            _add_schema_error(sub, out)


def _schema_result(kind: str, field: str, desc: str) -> dict:
    return {"error": f"{field}: {desc}", "type": kind, "field": field, "desc": desc}


def _schema_description(e: Any) -> tuple[str, str]:
    v, expected, instance = e.validator, e.validator_value, e.instance
    if v == "type":
        types = expected if isinstance(expected, list) else [expected]
        shown = types[0] if len(types) == 1 else "[" + ",".join(types) + "]"
        return "invalid_type", f"Invalid type. Expected: {shown}, given: {_schema_type(instance)}"
    if v == "required":
        missing = _quoted_name(e.message)
        return "required", f"{missing} is required"
    if v == "additionalProperties":
        extra = _quoted_name(e.message)
        return "additional_property_not_allowed", f"Additional property {extra} is not allowed"
    if v == "enum":
        allowed = ", ".join(_gojson(x) for x in expected)
        return "enum", f"{_field_of(e)} must be one of the following: {allowed}"
    if v == "const":
        return "const", f"{_field_of(e)} does not match: {_gojson(expected)}"
    simple = {
        "minimum": ("number_gte", "Must be greater than or equal to {}"),
        "maximum": ("number_lte", "Must be less than or equal to {}"),
        "exclusiveMinimum": ("number_gt", "Must be greater than {}"),
        "exclusiveMaximum": ("number_lt", "Must be less than {}"),
        "multipleOf": ("multiple_of", "Must be a multiple of {}"),
        "minLength": ("string_gte", "String length must be greater than or equal to {}"),
        "maxLength": ("string_lte", "String length must be less than or equal to {}"),
        "pattern": ("pattern", "Does not match pattern '{}'"),
        "format": ("format", "Does not match format '{}'"),
        "minItems": ("array_min_items", "Array must have at least {} items"),
        "maxItems": ("array_max_items", "Array must have at most {} items"),
        "minProperties": ("array_min_properties", "Must have at least {} properties"),
        "maxProperties": ("array_max_properties", "Must have at most {} properties"),
    }
    if v in simple:
        kind, text = simple[v]
        shown = expected if type(expected) is str else _gojson(expected)
        return kind, text.format(shown)
    fixed = {
        "anyOf": ("number_any_of", "Must validate at least one schema (anyOf)"),
        "oneOf": ("number_one_of", "Must validate one and only one schema (oneOf)"),
        "allOf": ("number_all_of", "Must validate all the schemas (allOf)"),
        "not": ("number_not", "Must not validate the schema (not)"),
        "uniqueItems": ("unique", "array items must be unique"),
        "contains": ("contains", "At least one of the items must match"),
        "additionalItems": ("array_no_additional_items", "No additional items allowed on array"),
        "items": ("array_no_additional_items", "No additional items allowed on array"),
        "dependencies": ("missing_dependency", "Has a dependency on " + _quoted_name(e.message)),
        "dependentRequired": ("missing_dependency", "Has a dependency on " + _quoted_name(e.message)),
        None: ("false", "False always fails validation"),
    }
    if v in fixed:
        return fixed[v]
    return str(v), e.message


def _field_of(e: Any) -> str:
    path = [str(p) for p in e.absolute_path]
    return ".".join(path) if path else "(root)"


_FIRST_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _quoted_name(message: str) -> str:
    """The property name jsonschema quotes with repr() in its message."""
    m = _FIRST_QUOTED.search(message)
    return m.group(1) if m else message
