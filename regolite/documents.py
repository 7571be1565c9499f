"""Reading JSON and YAML documents: text, files, standard input and streams.

The readers of documents build on it: `regolite eval -d/-i` (`regolite.loader`),
the Gatekeeper object files and audit dumps (`regolite.gatekeeper.documents`),
scan reports, suite files, and standard input for `regolite review` and
`regolite bench`. It depends on nothing above the core. What it guarantees:

- Only regular files are read: FIFOs, devices (a symlink to /dev/zero) and
  sockets are refused without blocking (`regolite.limits.open_regular_file`).
- Reads are bounded: files by `regolite.limits.MAX_DOCUMENT_BYTES`, counted by
  what is read, not by the size the file claims (`read_file_bytes`), standard
  input likewise (`read_stdin_text`); streams are opened with `open_text_file`
  and bounded per value; text must be UTF-8 (`decode_text`).
- JSON is JSON: `NaN`, `Infinity` and `-Infinity`, which Python's decoder
  takes, are refused by the one `reject_json_constant` check (also the
  `json.unmarshal` built-in's); each caller words the error its own way.
- YAML follows the 1.2 core schema (`yes`/`no`/`on` stay strings, as gator
  verify reads them) or, with version "1.1", the Kubernetes YAML->JSON
  decoder's booleans; timestamps stay strings; mapping keys become strings
  as they are built (`1:` and `true:` stay apart); alias expansion is limited
  the way go-yaml limits it, so a "billion laughs" document is refused
  instead of expanded (`yaml_documents`).
- Streams stay small: `JsonStreamReader` reads a `kubectl get -A -o json`
  List, JSON lines or concatenated JSON values through a sliding buffer and
  splits a List's `items` without holding the List whole.
- Every failure is a `DocumentError` naming the source, the document and,
  where known, its line and column.

`is_list_document` is the one rule for what a List is (`kind: List`, or a
typed `...List` with an `items` array and no `spec`), `list_items` the one
rule for its items; readers flatten Lists to their items. (A top-level object
larger than the stream buffer is read member by member, so there an `items`
array met before the object's `kind`, or after a `...List` kind, is streamed
before a later `spec` could say it is not a List.)
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterator, NoReturn, Optional, TextIO, Union

import yaml

from regolite import limits
from regolite.ast import Location
from regolite.errors import RegoError
from regolite.limits import FileRefused, open_regular_file, read_bounded

DOCUMENT_ERROR = "document_error"
YAML_VERSIONS = ("1.1", "1.2")

# go-yaml's limits on alias expansion (decode.go `allowedAliasRatio`).
_ALIAS_RATIO_LOW = 400_000
_ALIAS_RATIO_HIGH = 4_000_000


class DocumentError(RegoError):
    """A document that cannot be read: `file:line:col: document_error: document N: ...`."""

    def __init__(self, message: str, *, source: str, index: Optional[int] = None,
                 line: int = 0, col: int = 0) -> None:
        self.source = source
        self.index = index
        self.line = line
        text = f"document {index}: {message}" if index is not None else message
        super().__init__(DOCUMENT_ERROR, text, Location(source, line, col or (1 if line else 0)))


# --- JSON numbers ----------------------------------------------------------------------


class NotJsonNumber(ValueError):
    """`NaN`, `Infinity` or `-Infinity` where JSON has a number: Python's decoder
    takes them, JSON does not. `token` is the word found; callers that word the
    error their own way read it."""

    def __init__(self, token: str) -> None:
        super().__init__(f"{token} is not a JSON number")
        self.token = token


def reject_json_constant(token: str) -> NoReturn:
    """The `parse_constant` of every JSON decoder in regolite: refuse the constant."""
    raise NotJsonNumber(token)


# --- reading ---------------------------------------------------------------------------


def read_file_bytes(path: Union[str, Path]) -> bytes:
    """A regular file's bytes, refused past `limits.MAX_DOCUMENT_BYTES` (`limits.read_bounded`)."""
    try:
        return read_bounded(path)
    except (FileRefused, OSError) as e:
        raise _unreadable(e, path) from None


def open_text_file(path: Union[str, Path]) -> TextIO:
    """A regular file opened as UTF-8 text (a byte order mark dropped) for streaming."""
    try:
        return io.TextIOWrapper(open_regular_file(path), encoding="utf-8-sig", newline="")
    except (FileRefused, OSError) as e:
        raise _unreadable(e, path) from None


def _unreadable(error: Exception, path: Union[str, Path]) -> DocumentError:
    if isinstance(error, FileRefused):
        return DocumentError(str(error), source=str(path))
    return DocumentError(f"cannot read file: {getattr(error, 'strerror', None) or error}", source=str(path))


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a byte order mark dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(f"not UTF-8 text (byte {e.start})", source=source) from None


def read_stdin_text(source: str = "<stdin>") -> str:
    """Standard input, refused past `limits.MAX_DOCUMENT_BYTES` characters."""
    text = sys.stdin.read(limits.MAX_DOCUMENT_BYTES + 1)
    if len(text) > limits.MAX_DOCUMENT_BYTES:
        raise DocumentError(f"input too large: more than {limits.MAX_DOCUMENT_BYTES} characters", source=source)
    return text


def files_under(directory: Union[str, Path], suffixes: tuple, *, hidden: bool = True) -> list[Path]:
    """The files under `directory` whose names end in one of `suffixes`, walked
    recursively in sorted order; `hidden=False` skips names starting with a dot."""
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if hidden or not d.startswith("."))
        out.extend(Path(root) / name for name in sorted(files)
                   if name.endswith(suffixes) and (hidden or not name.startswith(".")))
    return out


# --- JSON ------------------------------------------------------------------------------


def json_document(text: str) -> Optional[list]:
    """[(1, line, value)] when `text` is one JSON value, else None (try YAML)."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = json.loads(text, parse_constant=reject_json_constant)
    except (ValueError, RecursionError):
        return None  # YAML (a superset of JSON) reports the error, or reads flow YAML
    line = text[: len(text) - len(stripped)].count("\n") + 1
    return [(1, line, value)]


# --- YAML ------------------------------------------------------------------------------


class _StringKeys:
    """Mapping keys become strings as they are built (`1:` and `true:` stay apart)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # type: ignore[attr-defined]
        mapping = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                key = _key(key, "")
            except NotJsonValue as e:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, str(e), key_node.start_mark) from None
            mapping[key] = self.construct_object(value_node, deep=deep)  # type: ignore[attr-defined]
        return mapping


# libyaml's parser when PyYAML has it (several times faster); resolvers and
# constructors stay the Python ones defined here.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader12(_StringKeys, _SafeLoader):
    """SafeLoader with the YAML 1.2 core schema and no timestamps."""


class _Loader11(_StringKeys, _SafeLoader):
    """SafeLoader (YAML 1.1 booleans and numbers) with no timestamps."""


def _setup_loaders() -> None:
    for cls in (_Loader11, _Loader12):
        cls.yaml_implicit_resolvers = {
            ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        cls.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    resolvers = _Loader12.yaml_implicit_resolvers
    for ch in list(resolvers):
        resolvers[ch] = [(tag, rx) for tag, rx in resolvers[ch]
                         if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                                        "tag:yaml.org,2002:float")]
    core = [
        ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
        ("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
         "-+0123456789"),
        ("tag:yaml.org,2002:float", re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), "-+0123456789."),
    ]
    for tag, rx, first in core:
        _Loader12.add_implicit_resolver(tag, rx, list(first))
    _Loader12.add_constructor("tag:yaml.org,2002:bool", _construct_bool12)
    _Loader12.add_constructor("tag:yaml.org,2002:int", _construct_int12)
    _Loader12.add_constructor("tag:yaml.org,2002:float", _construct_float12)


def _construct_bool12(loader: yaml.SafeLoader, node: yaml.Node) -> bool:
    value = loader.construct_scalar(node)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise yaml.constructor.ConstructorError(None, None, f"invalid boolean {value!r}", node.start_mark)


def _construct_int12(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    value = loader.construct_scalar(node)
    try:
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid integer {value!r}", node.start_mark) from None


def _construct_float12(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    value = loader.construct_scalar(node)
    lower = value.lower()
    if lower.endswith(".inf"):
        return -math.inf if lower.startswith("-") else math.inf
    if lower == ".nan":
        return math.nan
    try:
        return float(value)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid float {value!r}", node.start_mark) from None


_setup_loaders()


def yaml_documents(text: str, source: str, version: str) -> Iterator[tuple[int, int, Any]]:
    """(1-based index, line, decoded value) of each YAML document of `text`
    (a string or a text stream), one at a time, alias expansion bounded and
    mapping keys made strings (`to_json_value` checks the rest)."""
    loader = (_Loader12 if version == "1.2" else _Loader11)(text)
    index = 0
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
            except yaml.MarkedYAMLError as e:
                raise _yaml_error(e, source, index + 1) from None
            index += 1
            if node is None:
                continue
            line = node.start_mark.line + 1
            _check_aliases(node, source, index, line)
            try:
                value = loader.construct_document(node)
            except yaml.MarkedYAMLError as e:
                raise _yaml_error(e, source, index) from None
            yield index, line, value
    except RecursionError:
        raise DocumentError("document nested too deeply", source=source, index=index + 1) from None
    except yaml.YAMLError as e:
        raise DocumentError(f"invalid YAML: {e}", source=source, index=index + 1) from None
    finally:
        loader.dispose()


def _yaml_error(e: yaml.MarkedYAMLError, source: str, index: int) -> DocumentError:
    mark = e.problem_mark or e.context_mark
    parts = [p for p in (e.context, e.problem) if p]
    message = "invalid YAML: " + (", ".join(parts) if parts else "syntax error")
    line = mark.line + 1 if mark else 0
    col = mark.column + 1 if mark else 0
    return DocumentError(message, source=source, index=index, line=line, col=col)


def _check_aliases(root: yaml.Node, source: str, index: int, line: int) -> None:
    """Refuse documents whose alias expansion is excessive (as go-yaml does).

    Counts the nodes a full expansion would decode, without expanding:
    each node's expanded size is memoised, an alias adds its target's size.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    aliased = 0

    def size(node: yaml.Node) -> int:
        nonlocal aliased
        key = id(node)
        if key in sizes:
            aliased += sizes[key]  # a second visit is an alias use
            return sizes[key]
        if key in in_progress:
            raise DocumentError("recursive YAML alias", source=source, index=index,
                                line=node.start_mark.line + 1)
        in_progress.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        in_progress.discard(key)
        sizes[key] = total
        return total

    try:
        decoded = size(root)
    except RecursionError:
        raise DocumentError("document nested too deeply", source=source, index=index, line=line) from None
    if aliased > 100 and decoded > 1000 and aliased / decoded > _allowed_alias_ratio(decoded):
        raise DocumentError("document contains excessive aliasing", source=source, index=index, line=line)


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= _ALIAS_RATIO_HIGH:
        return 0.10
    span = _ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW
    return 0.99 - 0.89 * (decoded - _ALIAS_RATIO_LOW) / span


# --- JSON-shaped values ----------------------------------------------------------------


class NotJsonValue(ValueError):
    """A decoded YAML value JSON cannot hold (NaN, infinity, bytes, a set, a
    composite key); the message names the path."""


def to_json_value(value: Any, path: str = "") -> Any:
    """A JSON-shaped copy: string keys, no shared sub-objects, no bytes or sets,
    finite numbers; NotJsonValue naming the first path that breaks this."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = _key(k, path)
            out[key] = to_json_value(v, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list):
        return [to_json_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise NotJsonValue(f"{path or 'value'}: {value} is not a JSON number")
        return value
    raise NotJsonValue(f"{path or 'value'}: {yaml_type_name(value)} is not a JSON value")


def _key(k: Any, path: str) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    if isinstance(k, (int, float)):
        return str(k)
    raise NotJsonValue(f"{path or 'object'}: {yaml_type_name(k)} is not a valid key")


def is_list_document(obj: dict) -> bool:
    """A List to flatten to its items: `kind: List` (what `kubectl get -o json`
    prints), or a typed `...List` (PodList) with an `items` array and no `spec`."""
    kind = obj.get("kind")
    if kind == "List":
        return True
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list) \
        and "spec" not in obj


def list_items(obj: dict) -> list:
    """The items of a List document ([] when it has none); ValueError naming
    `<kind>.items` when they are not a list."""
    items = obj.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{obj.get('kind')}.items: expected a list, got {yaml_type_name(items)}")
    return items


# --- streams ---------------------------------------------------------------------------


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_TRUNCATION_SLACK = 8  # decode errors this close to the buffer's end may just need more text


class JsonStreamReader:
    """The objects of a sequence of JSON values (a List, an array, JSON lines),
    read from a text file object through a sliding buffer; `objects()` yields them.

    Lists (`is_list_document`) and top-level arrays give their elements; nulls
    are skipped; any other element is an error. Top-level objects are read
    member by member so that the `items` array of a List is split into its
    elements without decoding the List whole; every other value is decoded
    with `json`'s C scanner (`raw_decode`). A value ending exactly at the end
    of the buffer is decoded again once more text has arrived (a number may
    continue), and a decode error near the end of the buffer means "read
    more" until the end of the file. Errors carry the line and column.
    """

    CHUNK = 1 << 20
    MAX_VALUE = 64 << 20  # no Kubernetes object comes near this

    def __init__(self, f, source: str) -> None:
        self.f = f
        self.source = source
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.offset = 0  # characters before buf[0]
        self.line = 1  # line of buf[0]
        self.line_start = 0  # absolute offset where that line starts
        self.document = 0
        self.decoder = json.JSONDecoder(parse_constant=reject_json_constant)

    # buffer management

    def fill(self) -> bool:
        """Read another chunk (dropping what was consumed); False at the end of the file."""
        if self.eof:
            return False
        if self.pos:
            consumed = self.buf[: self.pos]
            newlines = consumed.count("\n")
            if newlines:
                self.line += newlines
                self.line_start = self.offset + consumed.rfind("\n") + 1
            self.offset += self.pos
            self.buf = self.buf[self.pos:]
            self.pos = 0
        chunk = self.f.read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _where(self, index: int) -> tuple:
        before = self.buf[:index]
        newlines = before.count("\n")
        if newlines:
            return self.line + newlines, index - before.rfind("\n")
        return self.line, self.offset + index - self.line_start + 1

    def _error(self, message: str, index: Optional[int] = None) -> DocumentError:
        line, col = self._where(self.pos if index is None else index)
        return DocumentError(message, source=self.source, index=self.document or None, line=line, col=col)

    def _peek(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def _value(self, what: str) -> Any:
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                near_end = e.pos >= len(self.buf) - _TRUNCATION_SLACK or e.msg.startswith("Unterminated string")
                if near_end and not self.eof and len(self.buf) - self.pos <= self.MAX_VALUE:
                    self.fill()  # positions move: decode again before reporting anything
                    continue
                if near_end and len(self.buf) - self.pos > self.MAX_VALUE:
                    raise self._error(f"{what}: no complete JSON value within {self.MAX_VALUE >> 20} MiB") from None
                if e.msg.startswith("Unterminated string"):
                    message = "unterminated string"
                else:
                    message = "unexpected end of file" if e.pos >= len(self.buf) else e.msg
                raise self._error(f"{what}: invalid JSON: {message}", e.pos) from None
            except NotJsonNumber as e:
                raise self._error(f"{what}: invalid JSON: {e.token} is not JSON") from None
            except ValueError as e:  # a number Python will not convert
                raise self._error(f"{what}: invalid JSON: {e}") from None
            except RecursionError:
                raise self._error(f"{what}: nested too deeply") from None
            if end == len(self.buf) and not self.eof:
                self.fill()
                continue  # a number at the end of the buffer may go on
            self.pos = end
            return value

    def _whole_object(self) -> Optional[tuple]:
        """(object, end) when the object at `pos` ends inside the buffer, else None
        (larger than the buffer, or malformed). `pos` does not move."""
        try:
            return self.decoder.raw_decode(self.buf, self.pos)
        except (ValueError, RecursionError):
            return None

    def _expect(self, char: str, what: str) -> None:
        found = self._peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise self._error(f"{what}: expected {char!r}, found {shown}")
        self.pos += 1

    # structure

    def objects(self) -> Iterator[dict]:
        while True:
            c = self._peek()
            if not c:
                return
            self.document += 1
            if c == "{":
                whole = self._whole_object()
                if whole is None or is_list_document(whole[0]):
                    # larger than the buffer, malformed, or a List: member by member,
                    # so that errors in items point at the item
                    yield from self._top_object()
                else:
                    self.pos = whole[1]
                    yield whole[0]
            elif c == "[":
                yield from self._array("")
            else:
                raise self._error(f"expected a JSON object or array, found {c!r}")

    def _top_object(self) -> Iterator[dict]:
        """A top-level object: its `items` streamed if it is (or may be) a List, else the object."""
        self.pos += 1
        members: dict = {}
        streamed = False
        first = True
        while True:
            c = self._peek()
            if c == "}":
                self.pos += 1
                break
            if not first:
                if c != ",":
                    raise self._error(f"invalid JSON: expected ',' or '}}' after an object member, found "
                                      f"{repr(c) if c else 'the end of the file'}")
                self.pos += 1
                c = self._peek()
            first = False
            if c != '"':
                raise self._error("invalid JSON: expected a member name"
                                  + ("" if c else ", found the end of the file"))
            key = self._value("member name")
            self._expect(":", f"member {key!r}")
            kind = members.get("kind")
            if key == "items" and self._peek() == "[" and (kind is None or _may_be_list(kind)):
                yield from self._array("items")
                streamed = True
            else:
                members[key] = self._value(f"member {key!r}")
        if not streamed:
            if is_list_document(members):
                yield from self._list_items(members)
            else:
                yield members

    def _array(self, name: str) -> Iterator[dict]:
        """Elements of an array, each an object (nulls skipped)."""
        self.pos += 1
        i = 0
        while True:
            c = self._peek()
            if c == "]":
                self.pos += 1
                return
            if i:
                if c != ",":
                    raise self._error(f"{name}[{i - 1}]: invalid JSON: expected ',' or ']' after the element, found "
                                      f"{repr(c) if c else 'the end of the file'}")
                self.pos += 1
                c = self._peek()
            what = f"{name}[{i}]"
            start = self.offset + self.pos  # fill() drops only what precedes the value
            value = self._value(what)
            if value is not None:
                if not isinstance(value, dict):
                    raise self._error(f"{what}: expected an object, got {yaml_type_name(value)}", start - self.offset)
                yield value
            i += 1

    def _list_items(self, obj: dict) -> Iterator[dict]:
        try:
            items = list_items(obj)
        except ValueError as e:
            raise self._error(str(e)) from None
        yield from self._checked(items, "items")

    def _checked(self, values: list, name: str) -> Iterator[dict]:
        for i, value in enumerate(values):
            if value is None:
                continue
            if not isinstance(value, dict):
                raise self._error(f"{name}[{i}]: expected an object, got {yaml_type_name(value)}")
            yield value


def _may_be_list(kind: Any) -> bool:
    """Whether an object of this kind may be a List: whether to stream its `items`
    before the rest of it is known (only objects larger than the buffer are)."""
    return isinstance(kind, str) and kind.endswith("List")


# --- type names for messages -----------------------------------------------------------


def json_type(value: Any, integer: str = "integer", array: str = "array", object: str = "object") -> str:
    """The JSON type of a decoded value, for messages ("object", "array"...;
    whole numbers are `integer`, as OpenAPI schemas name them). Callers that
    speak another vocabulary pass their own words for integers, arrays and objects."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return integer
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return array
    if isinstance(value, dict):
        return object
    return type(value).__name__


def yaml_type_name(value: Any) -> str:
    """A decoded YAML value's type, in YAML's words (mapping, list...), for messages."""
    return json_type(value, integer="number", array="list", object="mapping")
