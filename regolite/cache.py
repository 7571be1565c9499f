"""The persistent compile cache: generated Python kept on disk between runs.

Like Jinja2's bytecode cache, it saves the expensive part of `compile()`
(parsing, resolution, safety ordering, code generation) and keeps the cheap
part (exec of the source). An entry is keyed by a SHA-256 of everything that
shapes the generated code: regolite's version, the Python version, the
grammar, the Rego version and the module texts (or the caller's own parts).

An entry is a JSON header line (format, key, SHA-256 of the payload's bytes)
and the payload, JSON too (the constant pool in a tagged encoding), never
pickle; a corrupt, foreign or unreadable entry is a miss, never an error. They live in a directory only this user can write
(generated code is exec'd); writes go to a temporary file, then `os.replace`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import marshal
import math
import os
import stat
import sys
import tempfile
from fractions import Fraction
from typing import Any, Iterable, Optional

from regolite.ast import Location
from regolite.compiler.artifact import Artifact
from regolite.values import RegoSet, make_object, object_items

FORMAT = 3


def cache_key(parts: Iterable[str]) -> str:
    """The key of an entry: the parts, with regolite's and Python's versions and the grammar."""
    from regolite import __version__
    from regolite.parser.lalr import grammar_text

    h = hashlib.sha256()
    for part in (f"format={FORMAT}", __version__, sys.version.split()[0], grammar_text(), _codegen_fingerprint(),
                 *parts):
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


_CODEGEN: list = []


def _codegen_fingerprint() -> str:
    """A hash of the code that writes and runs generated modules (compiler,
    runtime, policy, builtin registry), so that a changed generator never
    meets code an older one wrote, even within one version number."""
    if not _CODEGEN:
        import regolite

        root = os.path.dirname(regolite.__file__)
        h = hashlib.sha256()
        for sub in ("compiler", "runtime"):
            folder = os.path.join(root, sub)
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py"):
                    with open(os.path.join(folder, name), "rb") as f:
                        h.update(f.read())
        for name in ("policy.py", "values.py", os.path.join("builtins", "__init__.py")):
            with open(os.path.join(root, name), "rb") as f:
                h.update(f.read())
        _CODEGEN.append(h.hexdigest())
    return _CODEGEN[0]


class CompileCache:
    """A directory of compiled policies. `load()` gives None for anything unusable."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.usable = _private_directory(directory)

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    def contains(self, key: str) -> bool:
        return self.usable and os.path.isfile(self._path(key))

    def load(self, key: str) -> Optional[Artifact]:
        if not self.usable:
            return None
        try:
            with open(self._path(key), "rb") as f:
                header, _, body = f.read().partition(b"\n")
            entry = json.loads(header)
            if entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            if entry.get("checksum") != hashlib.sha256(body).hexdigest():
                return None
            payload = json.loads(body)
            return Artifact(
                source=payload["source"],
                constants={name: decode(value) for name, value in payload["constants"]},
                builtins=dict(payload["builtins"]),
                functions=dict(payload["functions"]),
                layout=payload["layout"],
                line_rows=payload["line_rows"],
                code=marshal.loads(base64.b64decode(payload["code"])),
            )
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None

    def store(self, key: str, artifact: Artifact) -> None:
        if not self.usable:
            return
        try:
            payload = {
                "source": artifact.source,
                "constants": [[name, encode(value)] for name, value in artifact.constants.items()],
                "builtins": artifact.builtins,
                "functions": artifact.functions,
                "layout": artifact.layout,
                "line_rows": artifact.line_rows,
                # Python's own compiled form (as in .pyc files; the key holds the Python version)
                "code": base64.b64encode(marshal.dumps(artifact.code)).decode(),
            }
        except _NotCacheable:
            return
        body = json.dumps(payload).encode("utf-8", "surrogatepass")
        header = json.dumps({"format": FORMAT, "key": key, "checksum": hashlib.sha256(body).hexdigest()})
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(header.encode() + b"\n" + body)
            os.replace(tmp, self._path(key))
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass


def default_cache() -> Optional[CompileCache]:
    """~/.cache/regolite/compiled (or $REGOLITE_CACHE_DIR/compiled); None if REGOLITE_NO_CACHE is set."""
    if os.environ.get("REGOLITE_NO_CACHE"):
        return None
    base = os.environ.get("REGOLITE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "regolite"
    )
    return CompileCache(os.path.join(base, "compiled"))


def _private_directory(directory: str) -> bool:
    """Create `directory` (mode 0700) if needed; usable only when this user owns it
    and nobody else can write to it."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.stat(directory)
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


# --- the constant pool as JSON ------------------------------------------------------


class _NotCacheable(Exception):
    pass


def encode(value: Any) -> Any:
    """A JSON form of a pool constant; scalars as themselves, the rest tagged."""
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value if abs(value) < 2**53 else {"int": str(value)}
    if t is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if t is Fraction:
        return {"frac": [str(value.numerator), str(value.denominator)]}
    if t is list:
        return {"list": [encode(v) for v in value]}
    if t is tuple:
        return {"tuple": [encode(v) for v in value]}
    if t is dict:
        return {"obj": [[encode(k), encode(v)] for k, v in object_items(value)]}
    if t is RegoSet:
        return {"set": [encode(v) for v in value]}
    if t is Location:
        return {"loc": [value.file, value.row, value.col]}
    raise _NotCacheable(t.__name__)


def decode(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    (tag, body), = data.items()
    if tag == "int":
        return int(body)
    if tag == "float":
        return float(body)
    if tag == "frac":
        return Fraction(int(body[0]), int(body[1]))
    if tag == "list":
        return [decode(v) for v in body]
    if tag == "tuple":
        return tuple(decode(v) for v in body)
    if tag == "obj":
        return make_object((decode(k), decode(v)) for k, v in body)
    if tag == "set":
        return RegoSet(decode(v) for v in body)
    if tag == "loc":
        return Location(body[0], body[1], body[2])
    raise ValueError(f"unknown constant tag {tag!r}")
