"""Encoding builtins: base64, base64url, hex, urlquery, json.*, yaml.* and JSON Schema.

OPA's behaviour is Go's: `encoding/base64`, `encoding/hex`, `net/url`,
`encoding/json` and `sigs.k8s.io/yaml` (go-yaml v2 underneath). Error texts
are Go's, so they are reproduced here.

Go strings are bytes and may hold invalid UTF-8 (`base64.decode` of binary
data); here such bytes are carried as surrogate escapes (PEP 383), so
decode-then-encode round trips, and `json.marshal` writes them as `\\ufffd`
as Go does.

This module declares the builtins; the codecs behind them live in
`gojson` (Go's JSON, base64 decoding and quoting), `goyaml` (go-yaml's
resolution, decoding and emitting) and `schema` (JSON Schema).
"""

from __future__ import annotations

import base64 as b64
import re
import urllib.parse
from typing import Any

from regolite.builtins import BuiltinError, OperandError, OperandTypeError, builtin, gojson, goyaml
from regolite.builtins.gojson import (
    HEX_DIGITS,
    STD_ALPHABET,
    URL_ALPHABET,
    as_bytes,
    as_text,
    go_base64_decode,
    json_pairs,
    thawed_key,
)
from regolite.builtins.gostrconv import go_quote
from regolite.builtins.schema import compile_schema, match_errors
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


# --- base64 and hex ------------------------------------------------------------------


@builtin("base64.encode", args=(STRING,), result=STRING, categories=ENCODING)
def base64_encode(x: str) -> str:
    return b64.b64encode(as_bytes(x)).decode("ascii")


@builtin("base64.decode", args=(STRING,), result=STRING, categories=ENCODING)
def base64_decode(x: str) -> str:
    return as_text(go_base64_decode(x, STD_ALPHABET))


@builtin("base64.is_valid", args=(STRING,), result=BOOLEAN, categories=ENCODING)
def base64_is_valid(x: str) -> bool:
    try:
        go_base64_decode(x, STD_ALPHABET)
    except BuiltinError:
        return False
    return True


@builtin("base64url.encode", args=(STRING,), result=STRING, categories=ENCODING)
def base64url_encode(x: str) -> str:
    return b64.urlsafe_b64encode(as_bytes(x)).decode("ascii")


@builtin("base64url.encode_no_pad", args=(STRING,), result=STRING, categories=ENCODING)
def base64url_encode_no_pad(x: str) -> str:
    return b64.urlsafe_b64encode(as_bytes(x)).decode("ascii").rstrip("=")


@builtin("base64url.decode", args=(STRING,), result=STRING, categories=ENCODING)
def base64url_decode(x: str) -> str:
    # OPA pads unpadded input as RFC 7515 appendix C says, then decodes strictly.
    if not x.endswith("="):
        rest = len(as_bytes(x)) % 4
        if rest == 1:
            raise BuiltinError(f"illegal base64url string: {x}")
        x += "=" * ((4 - rest) % 4)
    return as_text(go_base64_decode(x, URL_ALPHABET))


@builtin("hex.encode", args=(STRING,), result=STRING, categories=ENCODING)
def hex_encode(x: str) -> str:
    return as_bytes(x).hex()


@builtin("hex.decode", args=(STRING,), result=STRING, categories=ENCODING)
def hex_decode(x: str) -> str:
    src = as_bytes(x)
    if len(src) % 2 == 0 and _HEX.fullmatch(src):
        return as_text(bytes.fromhex(src.decode("ascii")))
    return as_text(_hex_fail(src))


_HEX = re.compile(rb"[0-9a-fA-F]*")


def _hex_fail(src: bytes) -> bytes:
    """Go's hex.DecodeString on input Python refused: the first bad byte, else the odd length."""
    for i in range(0, len(src) - 1, 2):
        for b in src[i : i + 2]:
            if b not in HEX_DIGITS:
                raise BuiltinError(f"encoding/hex: invalid byte: {_go_unicode(b)}")
    if len(src) % 2:
        if src[-1] not in HEX_DIGITS:
            raise BuiltinError(f"encoding/hex: invalid byte: {_go_unicode(src[-1])}")
        raise BuiltinError("encoding/hex: odd length hex string")
    return bytes.fromhex(src.decode("ascii"))


def _go_unicode(b: int) -> str:
    """Go's %#U of a byte taken as a rune: U+0067 'g'."""
    c = chr(b)
    return f"U+{b:04X} '{c}'" if c.isprintable() else f"U+{b:04X}"


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
    for key, value in json_pairs(x):
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


_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _query_unescape(s: str) -> str:
    raw = s.encode("utf-8", "surrogateescape")
    bad = _PERCENT.search(raw)
    if bad:  # Go quotes the 3 bytes from the '%' on, which may cut a character
        escape = raw[bad.start() : bad.start() + 3].decode("utf-8", "surrogateescape")
        raise BuiltinError(f"invalid URL escape {go_quote(escape)}")
    return urllib.parse.unquote_plus(s, errors="surrogateescape")


# --- json ----------------------------------------------------------------------------


@builtin("json.marshal", args=(ANY,), result=STRING, categories=ENCODING)
def json_marshal(x: Any) -> str:
    return gojson.marshal(x)


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
    for idx, (key, value) in enumerate(sorted(options.items(), key=lambda kv: sort_key(thawed_key(kv[0])))):
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
    if not pretty:
        return gojson.marshal(x)
    return gojson.marshal_indent(x, prefix, indent)


def _nested_type_error(position: int, expected: str, got: Any) -> str:
    return OperandTypeError(position, expected, got).message


@builtin("json.unmarshal", args=(STRING,), result=ANY, categories=ENCODING)
def json_unmarshal(x: str) -> Any:
    return gojson.unmarshal(x)


@builtin("json.is_valid", args=(STRING,), result=BOOLEAN, categories=ENCODING, check_args=False)
def json_is_valid(x: Any) -> bool:
    # OPA answers false, not a type error, for a non-string.
    if type(x) is not str:
        return False
    return gojson.is_valid(x)


# --- yaml ----------------------------------------------------------------------------
# OPA converts with sigs.k8s.io/yaml; see goyaml.


@builtin("yaml.marshal", args=(ANY,), result=STRING, categories=ENCODING)
def yaml_marshal(x: Any) -> str:
    return goyaml.marshal(x)


@builtin("yaml.unmarshal", args=(STRING,), result=ANY, categories=ENCODING)
def yaml_unmarshal(x: str) -> Any:
    return goyaml.unmarshal(x)


@builtin("yaml.is_valid", args=(STRING,), result=BOOLEAN, categories=ENCODING, check_args=False)
def yaml_is_valid(x: Any) -> bool:
    if type(x) is not str:
        return False
    try:
        goyaml.unmarshal(x)
    except BuiltinError:
        return False
    return True


# --- JSON Schema ---------------------------------------------------------------------
# OPA uses gojsonschema; see schema for how the `jsonschema` package stands in for it.

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
        compile_schema(schema)
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
    errors = match_errors(document, schema)
    return [not errors, errors]
