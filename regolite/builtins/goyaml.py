"""YAML as OPA converts it with sigs.k8s.io/yaml (go-yaml v2 underneath).

Decoding (`unmarshal`): YAML 1.1-ish scalars as go-yaml v2 resolves them
(yes/no/on/off/y/n are booleans, 0x1F and 017 are integers, timestamps stay
strings), keys turned into strings, and the result as it comes back through
Go's JSON; aliases are counted with go-yaml's limits against alias bombs.
Marshalling (`marshal`) goes the other way: JSON, then go-yaml v2's emitter
with its key order. PyYAML's parser and emitter (libyaml, which go-yaml is a
port of) do the syntax; nodes are composed, scalars resolved and aliases
counted here.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from fractions import Fraction
from typing import Any

import yaml

from regolite.builtins import BuiltinError
from regolite.builtins.gojson import (
    STD_ALPHABET,
    SURROGATE,
    as_text,
    go_base64_decode,
    go_format_g,
    go_json_float,
    json_pairs,
)
from regolite.values import RegoSet, exact_number_to_json


def marshal(x: Any) -> str:
    """A Rego value as sigs.k8s.io/yaml writes it."""
    try:
        node = _yaml_node(x)
    except RecursionError:
        raise BuiltinError("yaml: exceeded max depth") from None
    text = yaml.serialize(node, Dumper=_YamlDumper, allow_unicode=True, width=80)
    if type(node) is yaml.ScalarNode and text.endswith("\n...\n"):
        text = text[:-4]
    return text


def unmarshal(x: str) -> Any:
    """The first YAML document in `x` as a Rego value (None when there is none)."""
    node = _compose_first_document(x)
    if node is None:
        return None
    try:
        return _YamlDecoder().value(node)
    except RecursionError:
        raise BuiltinError("yaml: exceeded max depth") from None


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
_GO_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")  # one way to match: linear
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
                return as_text(go_base64_decode(node.value, STD_ALPHABET))
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
    if t is Fraction:  # an exact decimal literal: its nearest float, as regolite prints it everywhere
        x, t = exact_number_to_json(x), float
    if t is int or t is float:
        tag, value = _go_resolve_plain(str(x) if t is int else go_json_float(x))
        if tag == _INT_TAG:
            text = str(value)
        elif tag == _FLOAT_TAG:
            text = go_format_g(value)
        else:  # beyond int64 and float64: go-yaml reads the JSON number back as a string
            text = value
        return yaml.ScalarNode(tag, text)
    if t is list or t is RegoSet:
        items = x if t is list else x.sorted()
        return yaml.SequenceNode(_SEQ_TAG, [_yaml_node(v) for v in items], flow_style=False)
    if t is dict:
        pairs = sorted(((_no_surrogates(k), v) for k, v in json_pairs(x)), key=_YAML_KEY_ORDER)
        return yaml.MappingNode(
            _MAP_TAG, [(_yaml_node(k), _yaml_node(v)) for k, v in pairs], flow_style=False
        )
    raise TypeError(f"not a Rego value: {t.__name__}")


def _no_surrogates(s: str) -> str:
    """Go's JSON step replaces invalid UTF-8 (surrogate escapes here) with U+FFFD."""
    return SURROGATE.sub("\ufffd", s) if SURROGATE.search(s) else s


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
