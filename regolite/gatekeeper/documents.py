"""Kubernetes documents from YAML or JSON text and files.

A file holds one or more documents: multi-document YAML (`---` separators),
a JSON object, or a JSON array. Empty documents are skipped; `kind: List`
documents (what `kubectl get -o json` prints) and top-level JSON arrays are
flattened to their items. Every failure is a `DocumentError` naming the file,
the document and its line.

YAML follows the 1.2 core schema by default (`yes`/`no`/`on` stay strings, as
gator verify reads them); `yaml_version="1.1"` gives the Kubernetes YAML->JSON
decoder's booleans (gator test, bench). Timestamps stay strings in both. Alias
expansion is limited the way go-yaml limits it, so a "billion laughs"
document is refused instead of expanded.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import yaml

from regolite.ast import Location
from regolite.errors import RegoError
from regolite.limits import FileTooLarge, read_bounded, too_deep

DOCUMENT_ERROR = "document_error"

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


@dataclass
class Document:
    """One object read from a file: the object, its file, its 1-based index
    among the file's documents (items of a List share their List's index)
    and the line it starts on (0 when unknown)."""

    obj: dict
    source: str
    index: int
    line: int = 0
    item: Optional[int] = None

    @property
    def where(self) -> str:
        """`file document 2 (line 14)` or `file document 2 items[3]`, for messages."""
        text = f"{self.source} document {self.index}"
        if self.item is not None:
            text += f" items[{self.item}]"
        if self.line:
            text += f" (line {self.line})"
        return text


def load_documents(text: Union[str, bytes], *, source: str = "<input>",
                   yaml_version: str = "1.2") -> list[dict]:
    """The objects in `text` (YAML or JSON), Lists flattened, empties skipped."""
    return [d.obj for d in parse_documents(text, source=source, yaml_version=yaml_version)]


def read_documents(path: Union[str, Path], *, yaml_version: str = "1.2") -> list[dict]:
    """The objects in the file at `path`; see `load_documents`."""
    return [d.obj for d in read_document_file(path, yaml_version=yaml_version)]


def files_under(directory: Union[str, Path], suffixes: tuple, *, hidden: bool = True) -> list[Path]:
    """The files under `directory` whose names end in one of `suffixes`, walked
    recursively in sorted order; `hidden=False` skips names starting with a dot."""
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if hidden or not d.startswith("."))
        out.extend(Path(root) / name for name in sorted(files)
                   if name.endswith(suffixes) and (hidden or not name.startswith(".")))
    return out


def read_document_file(path: Union[str, Path], *, yaml_version: str = "1.2") -> list[Document]:
    """Like `read_documents`, keeping where each object came from."""
    source = str(path)
    try:
        data = read_bounded(path)
    except FileTooLarge as e:
        raise DocumentError(str(e), source=source) from None
    except OSError as e:
        raise DocumentError(f"cannot read file: {e.strerror or e}", source=source) from None
    return parse_documents(data, source=source, yaml_version=yaml_version)


def parse_documents(text: Union[str, bytes], *, source: str = "<input>",
                    yaml_version: str = "1.2") -> list[Document]:
    """The documents of `text` with their positions; see `load_documents`."""
    if yaml_version not in ("1.1", "1.2"):
        raise ValueError(f"yaml_version must be '1.1' or '1.2', not {yaml_version!r}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise DocumentError(f"not UTF-8 text (byte {e.start})", source=source) from None
    raw = _json_documents(text, source)
    if raw is None:
        raw = list(yaml_documents(text, source, yaml_version))
    out: list[Document] = []
    for index, line, value in raw:
        problem = too_deep(value)
        if problem:
            raise DocumentError(f"the document is {problem}", source=source, index=index, line=line)
        out.extend(flatten_documents(value, source, index, line))
    return out


# --- JSON ---------------------------------------------------------------------


def _json_documents(text: str, source: str) -> Optional[list]:
    """[(1, line, value)] when `text` is one JSON value, else None (try YAML)."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None  # YAML (a superset of JSON) reports the error, or reads flow YAML
    line = text[: len(text) - len(stripped)].count("\n") + 1
    return [(1, line, value)]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# --- YAML ---------------------------------------------------------------------


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
            except _BadValue as e:
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
    """(1-based index, line, JSON-shaped value) of each YAML document of `text`
    (a string or a text stream), one at a time, alias expansion bounded."""
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


# --- flattening and checks ----------------------------------------------------


def flatten_documents(value: Any, source: str, index: int, line: int) -> Iterator[Document]:
    """The objects of one decoded document: a List's items, an array's elements,
    or the object itself; empty documents give nothing."""
    if value is None:
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            if item is None:
                continue
            yield _document(item, source, index, line, i)
        return
    if not isinstance(value, dict):
        raise DocumentError(f"expected a mapping (an object), got {yaml_type_name(value)}",
                            source=source, index=index, line=line)
    if _is_list(value):
        items = value.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            raise DocumentError(f"{value.get('kind')}.items: expected a list, got {yaml_type_name(items)}",
                                source=source, index=index, line=line)
        for i, item in enumerate(items):
            if item is None:
                continue
            yield _document(item, source, index, line, i)
        return
    yield _document(value, source, index, line, None)


def _is_list(obj: dict) -> bool:
    kind = obj.get("kind")
    if kind == "List":
        return True
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list) \
        and "spec" not in obj


def _document(value: Any, source: str, index: int, line: int, item: Optional[int]) -> Document:
    where = f"items[{item}]: " if item is not None else ""
    if not isinstance(value, dict):
        raise DocumentError(f"{where}expected a mapping (an object), got {yaml_type_name(value)}",
                            source=source, index=index, line=line)
    try:
        obj = _to_json(value, "")
    except _BadValue as e:
        raise DocumentError(f"{where}{e}", source=source, index=index, line=line) from None
    return Document(obj, source, index, line, item)


class _BadValue(Exception):
    pass


def _to_json(value: Any, path: str) -> Any:
    """A JSON-shaped copy: string keys, no shared sub-objects, no bytes or sets."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = _key(k, path)
            out[key] = _to_json(v, f"{path}.{key}" if path else key)
        return out
    if isinstance(value, list):
        return [_to_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _BadValue(f"{path or 'value'}: {value} is not a JSON number")
        return value
    raise _BadValue(f"{path or 'value'}: {yaml_type_name(value)} is not a JSON value")


def _key(k: Any, path: str) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    if isinstance(k, (int, float)):
        return str(k)
    raise _BadValue(f"{path or 'object'}: {yaml_type_name(k)} is not a valid key")


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
