"""Kubernetes objects from document files, with where each one came from.

A file holds one or more documents: multi-document YAML (`---` separators),
a JSON object, or a JSON array. Empty documents are skipped; Lists (what
`kubectl get -o json` prints, see `regolite.documents.is_list_document`) and
top-level JSON arrays are flattened to their items; every object must be a
mapping and JSON-shaped. A `Document` keeps the object with its file, its
document index, its line and its place in a List, for messages. Every
failure is a `DocumentError` naming the file, the document and its line.

`regolite.documents` does the reading (bounded files, UTF-8, JSON, YAML 1.2
or 1.1 with alias limits, streams); this module turns what it reads into
objects: whole files for policies and objects to review (`read_document_file`,
`parse_documents`), one object at a time for audit dumps (`iter_file_objects`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from regolite.documents import (
    YAML_VERSIONS,
    DocumentError,
    JsonStreamReader,
    NotJsonValue,
    decode_text,
    is_list_document,
    json_document,
    list_items,
    open_text_file,
    read_file_bytes,
    to_json_value,
    yaml_documents,
    yaml_type_name,
)
from regolite.limits import too_deep

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
YAML_SUFFIXES = (".yaml", ".yml")


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


def read_document_file(path: Union[str, Path], *, yaml_version: str = "1.2") -> list[Document]:
    """Like `read_documents`, keeping where each object came from."""
    return parse_documents(read_file_bytes(path), source=str(path), yaml_version=yaml_version)


def parse_documents(text: Union[str, bytes], *, source: str = "<input>",
                    yaml_version: str = "1.2") -> list[Document]:
    """The documents of `text` with their positions; see `load_documents`."""
    if yaml_version not in YAML_VERSIONS:
        raise ValueError(f"yaml_version must be '1.1' or '1.2', not {yaml_version!r}")
    if isinstance(text, bytes):
        text = decode_text(text, source)
    raw = json_document(text)
    if raw is None:
        raw = list(yaml_documents(text, source, yaml_version))
    out: list[Document] = []
    for index, line, value in raw:
        problem = too_deep(value)
        if problem:
            raise DocumentError(f"the document is {problem}", source=source, index=index, line=line)
        out.extend(flatten_documents(value, source, index, line))
    return out


def iter_file_objects(path: Path) -> Iterator[dict]:
    """The objects of one file, one at a time: JSON (a List, an array, JSON lines)
    or YAML, by suffix or else by the first character."""
    source = str(path)
    with open_text_file(path) as f:
        try:
            if path.suffix in YAML_SUFFIXES:
                kind = "yaml"
            elif path.suffix in JSON_SUFFIXES:
                kind = "json"
            else:
                head = f.read(4096)
                f.seek(0)
                kind = "json" if head.lstrip()[:1] in ("{", "[") else "yaml"
            if kind == "json":
                yield from JsonStreamReader(f, source).objects()
            else:
                for index, line, value in yaml_documents(f, source, "1.2"):
                    for doc in flatten_documents(value, source, index, line):
                        yield doc.obj
        except UnicodeDecodeError as e:
            raise DocumentError(f"not UTF-8 text ({e.reason})", source=source) from None


# --- flattening and checks ----------------------------------------------------


def flatten_documents(value: Any, source: str, index: int, line: int) -> Iterator[Document]:
    """The objects of one decoded document: a List's items, an array's elements,
    or the object itself; empty documents and null items give nothing."""
    if isinstance(value, dict) and is_list_document(value):
        try:
            value = list_items(value)
        except ValueError as e:
            raise DocumentError(str(e), source=source, index=index, line=line) from None
    if isinstance(value, list):
        for i, item in enumerate(value):
            if item is not None:
                yield _document(item, source, index, line, i)
        return
    if value is None:
        return
    if not isinstance(value, dict):
        raise DocumentError(f"expected a mapping (an object), got {yaml_type_name(value)}",
                            source=source, index=index, line=line)
    yield _document(value, source, index, line, None)


def _document(value: Any, source: str, index: int, line: int, item: Optional[int]) -> Document:
    where = f"items[{item}]: " if item is not None else ""
    if not isinstance(value, dict):
        raise DocumentError(f"{where}expected a mapping (an object), got {yaml_type_name(value)}",
                            source=source, index=index, line=line)
    try:
        obj = to_json_value(value)
    except NotJsonValue as e:
        raise DocumentError(f"{where}{e}", source=source, index=index, line=line) from None
    return Document(obj, source, index, line, item)
