"""Go's encoding/json as OPA uses it, and the Go text primitives the encoding builtins share.

Output is Go's `json.Marshal`/`MarshalIndent` for Rego values (`marshal`,
`marshal_indent`): object keys as text, sorted; `<`, `>`, `&`, U+2028/2029
escaped; invalid UTF-8 written as `\\ufffd`; floats as Go formats a float64
(`go_json_float`, `go_format_g`). Input (`unmarshal`, `is_valid`) goes
through Python's C decoder; only what it refuses is re-scanned by a port of
Go's JSON scanner, to word the error as Go does.

Shared with the YAML and encoding builtins: Go strings as bytes (`as_bytes`,
`as_text`: invalid UTF-8 carried as surrogate escapes, PEP 383), Go's
base64 decoding with its error offsets (`go_base64_decode`).
"""

from __future__ import annotations

import base64 as b64
import binascii
import json
import math
import re
import struct
from decimal import Decimal
from fractions import Fraction
from typing import Any

from regolite.builtins import BuiltinError, bigfloat
from regolite.builtins.gostrconv import go_quote
from regolite.documents import reject_json_constant
from regolite.values import RegoSet, exact_number_to_json, sort_key, thaw


# --- JSON in and out -----------------------------------------------------------------


def marshal(x: Any) -> str:
    """Go's json.Marshal of a Rego value."""
    out: list[str] = []
    try:
        write_json(x, out, None, "", 0)
    except RecursionError:
        raise BuiltinError("json: exceeded max depth") from None
    return "".join(out)


def marshal_indent(x: Any, prefix: str, indent: str) -> str:
    """Go's json.MarshalIndent of a Rego value, with `prefix` also before the first line (as OPA writes it)."""
    out: list[str] = [prefix]
    try:
        write_json(x, out, indent, prefix, 0)
    except RecursionError:
        raise BuiltinError("json: exceeded max depth") from None
    return "".join(out)


def unmarshal(x: str) -> Any:
    """OPA's JSON decoding: one value (a following value is an error, a following null is not)."""
    try:
        try:
            value = _JSON_DECODER.decode(x)
        except ValueError:  # NaN and Infinity too (documents.NotJsonNumber)
            value = _go_json_decode(x)
    except RecursionError:
        raise BuiltinError("exceeded max depth") from None
    if "\\u" in x and _ESCAPED_SURROGATE.search(x):
        value = _replace_lone_surrogates(value)
    return value


def is_valid(x: str) -> bool:
    """Whether `x` is one valid JSON value."""
    try:
        _JSON_DECODER.decode(x)
    except (ValueError, RecursionError):
        return False
    except BuiltinError:
        return True  # a number too large to hold here is still valid JSON
    return True


def json_pairs(obj: dict) -> list[tuple[str, Any]]:
    """An object's pairs as Go sees its JSON form: keys as text, sorted.

    Keys that become the same text (1 and "1") collapse; as in OPA, the
    later in Rego order wins.
    """
    if all(type(k) is str for k in obj):
        return sorted(obj.items(), key=_first)
    ordered = sorted(obj.items(), key=lambda kv: sort_key(thawed_key(kv[0])))
    return sorted({_key_text(k): v for k, v in ordered}.items(), key=_first)


def thawed_key(key: Any) -> Any:
    """An object key as a plain value to order by (strings as they are)."""
    return key if type(key) is str else thaw(key)


def _key_text(key: Any) -> str:
    """An object key as OPA writes it in JSON: a string as is, else its compact JSON."""
    return key if type(key) is str else marshal(thaw(key))


def _first(pair: tuple) -> Any:
    return pair[0]


def _parse_float(text: str) -> float | int:
    f = float(text)
    if math.isinf(f):  # Go keeps the number's text; a huge one is exact here as an int
        d = Decimal(text)
        if d.adjusted() > _MAX_DIGITS:
            raise BuiltinError(f"json: number {text} is too large")
        return int(d)
    return bigfloat.from_text(text, f)


def _parse_int(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise BuiltinError(f"json: number {text[:20]}... is too large")
    return int(text)


_MAX_DIGITS = 4000  # below Python's int/str conversion limit
_JSON_DECODER = json.JSONDecoder(parse_constant=reject_json_constant, parse_float=_parse_float, parse_int=_parse_int)
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(value: Any) -> Any:
    """Go decodes an unpaired \\uD800-\\uDFFF escape as U+FFFD."""
    t = type(value)
    if t is str:
        return SURROGATE.sub("\ufffd", value)
    if t is list:
        return [_replace_lone_surrogates(v) for v in value]
    if t is dict:
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    return value


def write_json(x: Any, out: list[str], indent: str | None, prefix: str, depth: int) -> None:
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
    elif t is Fraction:  # a decimal no float shows (1/3): OPA writes its text
        out.append(bigfloat.text(x))
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
            write_json(v, out, indent, prefix, depth + 1)
        if indent is not None:
            out.append("\n" + prefix + indent * depth)
        out.append("]")
    elif t is dict:
        if not x:
            out.append("{}")
            return
        pairs = json_pairs(x)
        out.append("{")
        sep = ":" if indent is None else ": "
        for i, (k, v) in enumerate(pairs):
            if i:
                out.append(",")
            if indent is not None:
                out.append("\n" + prefix + indent * (depth + 1))
            out.append(_json_string(k) + sep)
            write_json(v, out, indent, prefix, depth + 1)
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
    src = as_bytes(text)
    n = len(src)
    i = _skip_ws(src, 0)
    if i == n:
        raise BuiltinError("EOF")
    end = _scan_value(src, i, top=True)
    value = _JSON_DECODER.raw_decode(as_text(src[: end]), len(as_text(src[:i])))[0]
    j = _skip_ws(src, end)
    if j == n:
        return value
    c = src[j]
    if c in b"{[":
        raise BuiltinError(f"error(s) occurred while decoding JSON: {chr(c)}")
    if c in b"}],:":
        raise BuiltinError(f"invalid character {_quote_char(c)} looking for beginning of value")
    end2 = _scan_value(src, j, top=True)
    token = _JSON_DECODER.raw_decode(as_text(src[:end2]), len(as_text(src[:j])))[0]
    if token is None:
        return value  # Token() returns nil for null, which OPA takes as the end
    if type(token) is bool:
        shown = f"%!s(bool={'true' if token else 'false'})"
    elif type(token) is str:
        shown = token
    else:
        shown = as_text(src[j:end2])
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
    return "'" + go_quote(chr(c))[1:-1] + "'"


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
                    if src[i + k] not in HEX_DIGITS:
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


# --- Go strings as bytes, base64 and strconv.Quote ----------------------------------


def as_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def as_text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


STD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_FAST_STD = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_FAST_URL = re.compile(rb"(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?")


def go_base64_decode(text: str, alphabet: bytes) -> bytes:
    """Go's padded, non-strict base64 decoding: CR and LF are skipped, errors give Go's byte offset."""
    src = as_bytes(text)
    fast = _FAST_STD if alphabet is STD_ALPHABET else _FAST_URL
    if fast.fullmatch(src):
        try:
            if alphabet is STD_ALPHABET:
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


HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
