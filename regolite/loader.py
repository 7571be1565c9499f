"""Loading policies and data from files and directories, as `opa eval -d` does.

`.rego` files become modules; `.json`, `.yaml` and `.yml` files become base
data, placed under the path of the directory that holds them relative to the
root given (so `-d bundle` with `bundle/a/b/data.json` fills `data.a.b`).
Every problem is a `LoadError` naming the file. Files are read and decoded
with `regolite.documents` (bounded reads, the JSON-constant check, YAML with
alias limits); the loader adds OPA's data rules: exact integers for JSON
numbers a float cannot hold, the first document of a YAML file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regolite import limits
from regolite.builtins import bigfloat
from regolite.documents import DocumentError, read_stdin_text, reject_json_constant, yaml_documents
from regolite.errors import RegoError
from regolite.limits import FileRefused, read_bounded, too_deep
from regolite.runtime.ops import merge_objects

DATA_SUFFIXES = (".json", ".yaml", ".yml")


class LoadError(RegoError):
    """A file could not be read or decoded."""

    def __init__(self, message: str, file: str) -> None:
        super().__init__("load_error", message, None)
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class Loaded:
    modules: dict = field(default_factory=dict)  # file name -> Rego source
    data: dict = field(default_factory=dict)


def load_paths(paths: list[str]) -> Loaded:
    out = Loaded()
    for path in paths:
        p = Path(path)
        if not os.path.lexists(p):
            raise LoadError("no such file or directory", path)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs.sort()
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in sorted(files):
                    file = Path(root) / name
                    prefix = Path(root).relative_to(p).parts
                    _load_file(file, prefix, out)
        else:
            _load_file(p, (), out)
    return out


def _load_file(file: Path, prefix: tuple, out: Loaded) -> None:
    if file.suffix == ".rego":
        out.modules[str(file)] = read_text(file)
    elif file.suffix in DATA_SUFFIXES:
        value = read_document(file)
        if value is None:
            return
        for key in reversed(prefix):
            value = {key: value}
        if not isinstance(value, dict):
            raise LoadError("data file must hold an object at the root", str(file))
        out.data = merge_objects(out.data, value)


def read_text(file: Path) -> str:
    try:
        return read_bounded(file).decode("utf-8")
    except FileRefused as e:
        raise LoadError(str(e), str(file)) from None
    except OSError as e:
        raise LoadError(e.strerror or str(e), str(file)) from None
    except UnicodeDecodeError as e:
        raise LoadError(f"not UTF-8 text (byte {e.start})", str(file)) from None


def read_document(file: Path) -> Any:
    """A JSON or YAML document from a file ('-' reads standard input)."""
    if str(file) == "-":
        try:
            text = read_stdin_text("<stdin>")
        except DocumentError as e:
            raise LoadError(e.message, "<stdin>") from None
        return parse_document(text, "<stdin>")
    return parse_document(read_text(file), str(file))


def parse_document(text: str, name: str) -> Any:
    """A JSON or YAML document. JSON numbers must be finite and within the
    digits Python converts; YAML goes through `regolite.documents`, which
    bounds alias expansion (YAML bombs) and makes every mapping key a string.
    Documents nested deeper than `regolite.limits.MAX_DEPTH` are refused."""
    value = _parse_document(text, name)
    problem = too_deep(value)
    if problem:
        raise LoadError(f"the document is {problem}", name)
    return value


def _parse_document(text: str, name: str) -> Any:
    if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text, parse_constant=reject_json_constant, parse_float=_finite_float)
        except json.JSONDecodeError as e:
            if name.endswith(".json"):
                raise LoadError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}", name) from None
        except ValueError as e:
            raise LoadError(f"invalid JSON: {e}", name) from None
        except RecursionError:
            raise LoadError(f"the document is nested more than {limits.MAX_DEPTH} levels deep", name) from None
    try:
        for _index, _line, value in yaml_documents(text, name, "1.2"):
            return value
        return None
    except DocumentError as e:
        raise LoadError(e.message, name) from None


def _finite_float(token: str) -> Any:
    """A JSON number with a fraction or exponent: a float, or the exact int a
    float cannot hold (1e400); beyond that, out of range."""
    value = float(token)
    if value == value and value not in (float("inf"), float("-inf")):
        return bigfloat.from_text(token, value)
    from decimal import Decimal

    exact = Decimal(token)
    if exact == exact.to_integral_value() and exact.adjusted() < 1000:
        return int(exact)
    raise ValueError(f"number {token} is out of range")
