"""The persistent compile cache: generated Python kept on disk between runs.

Like Jinja2's bytecode cache, it saves the expensive part of `compile()`
(parsing, resolution, safety ordering, code generation) and keeps the cheap
part (exec of the source). An entry is keyed by a SHA-256 of everything that
shapes the generated code: regolite's version, the Python version, the
grammar, the Rego version and the module texts (or the caller's own parts).

An entry is a JSON header line (format, key, MAC) and the payload, JSON too
(the constant pool in a tagged encoding), never pickle; a corrupt, foreign,
planted or unreadable entry is a miss, never an error. Entries hold code that
is exec'd, and anyone can compute an entry's key and payload from the policy
text, so two checks stand between a file and exec:

- Trust in the path, checked at every read and write: the directory is opened
  one component at a time from `/` without following symlinks, and every
  component must belong to this user or root and be writable by nobody else
  (root's sticky directories such as /tmp excepted); the cache directory and
  its entries must be this user's. A folder (or a parent) swapped by another
  user, or replaced by a symlink, makes the cache unusable until it is right.
- A MAC over the key and payload with a secret only this user can read
  (`KEY_FILE` in the directory, 32 random bytes, mode 0600, made once and read
  when the cache is opened): a planted entry, however well formed, is a miss.

Writes go to a temporary file in the same directory, then `os.replace`.
Platforms without `dir_fd` support (Windows) do not get a cache.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import marshal
import math
import os
import stat
import secrets
import sys
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, Iterable, Iterator, Optional

from regolite.ast import Location
from regolite.compiler.artifact import Artifact
from regolite.values import RegoSet, make_object, object_items

FORMAT = 4
KEY_FILE = "mac.key"  # the MAC secret, inside the cache directory
KEY_BYTES = 32
ENTRY_SUFFIX = ".json"


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


class UntrustedPath(OSError):
    """A cache path another user could change: a component owned by someone else,
    writable by others, a symlink, or a file that is not a regular one."""


class CompileCache:
    """A directory of compiled policies. `load()` gives None for anything unusable;
    `usable` says whether the directory passed the checks when the cache was opened."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.real_directory = ""  # `directory` with symlinks resolved once, walked at every read
        self._secret: Optional[bytes] = None  # the MAC secret; None when the cache is not usable
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            real = os.path.realpath(directory)
            with trusted_directory(real) as fd:
                self._secret = _mac_secret(fd)
            self.real_directory = real
        except OSError:
            self._secret = None

    @property
    def usable(self) -> bool:
        return self._secret is not None

    def contains(self, key: str) -> bool:
        if not self.usable:
            return False
        try:
            with trusted_directory(self.real_directory) as fd:
                info = os.stat(key + ENTRY_SUFFIX, dir_fd=fd, follow_symlinks=False)
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode)

    def load(self, key: str) -> Optional[Artifact]:
        if not self.usable:
            return None
        try:
            with trusted_directory(self.real_directory) as fd:
                data = _read_private_file(fd, key + ENTRY_SUFFIX)
            header, _, body = data.partition(b"\n")
            entry = json.loads(header)
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            if not hmac.compare_digest(str(entry.get("mac")), self._mac(key, body)):
                return None  # written by someone without this user's secret
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
        header = json.dumps({"format": FORMAT, "key": key, "mac": self._mac(key, body)})
        try:
            with trusted_directory(self.real_directory) as fd:
                temporary = _write_temporary(fd, key + ENTRY_SUFFIX, header.encode() + b"\n" + body)
                try:
                    os.replace(temporary, key + ENTRY_SUFFIX, src_dir_fd=fd, dst_dir_fd=fd)
                except OSError:
                    os.unlink(temporary, dir_fd=fd)
                    raise
        except OSError:
            pass

    def _mac(self, key: str, body: bytes) -> str:
        """HMAC-SHA256 of the key and the payload with this user's secret."""
        mac = hmac.new(self._secret or b"", key.encode() + b"\n", hashlib.sha256)
        mac.update(body)
        return mac.hexdigest()


def default_cache() -> Optional[CompileCache]:
    """~/.cache/regolite/compiled (or $REGOLITE_CACHE_DIR/compiled); None if REGOLITE_NO_CACHE is set."""
    if os.environ.get("REGOLITE_NO_CACHE"):
        return None
    base = os.environ.get("REGOLITE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "regolite"
    )
    return CompileCache(os.path.join(base, "compiled"))


# --- trusted paths -------------------------------------------------------------------

_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH
_OTHERS_ANY = stat.S_IRWXG | stat.S_IRWXO  # the MAC secret: nobody else may even read it
_OPEN_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_OPEN_FILE = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@contextmanager
def trusted_directory(path: str) -> Iterator[int]:
    """A descriptor of the directory at `path` (absolute, symlinks resolved), opened
    one component at a time from `/` without following symlinks. Every parent must
    belong to this user or root and be writable by nobody else, unless it is sticky
    (/tmp: others cannot rename what is in it); the directory itself must be this
    user's and writable by nobody else. UntrustedPath (an OSError) otherwise."""
    if os.open not in os.supports_dir_fd or not hasattr(os, "getuid") or not hasattr(os, "O_NOFOLLOW"):
        raise UntrustedPath("this platform cannot open paths safely (no dir_fd or O_NOFOLLOW)")
    uid = os.getuid()
    names = [name for name in path.split("/") if name]
    fd = os.open("/", _OPEN_DIRECTORY)
    try:
        for name in names:
            _check_parent(os.fstat(fd), uid)
            child = os.open(name, _OPEN_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        _check_private(os.fstat(fd), uid)
        yield fd
    finally:
        os.close(fd)


def _check_parent(info: os.stat_result, uid: int) -> None:
    if info.st_uid not in (uid, 0):
        raise UntrustedPath(f"a parent of the cache belongs to user {info.st_uid}")
    if info.st_mode & _WRITABLE_BY_OTHERS and not info.st_mode & stat.S_ISVTX:
        raise UntrustedPath("a parent of the cache is writable by others")


def _check_private(info: os.stat_result, uid: int, forbidden: int = _WRITABLE_BY_OTHERS) -> None:
    """This user's, and none of the `forbidden` mode bits (by default: writable by nobody else)."""
    if info.st_uid != uid or info.st_mode & forbidden:
        raise UntrustedPath(f"owned by user {info.st_uid} with mode {stat.filemode(info.st_mode)}")


def _read_private_file(directory: int, name: str, limit: int = -1, forbidden: int = _WRITABLE_BY_OTHERS) -> bytes:
    """The bytes of a regular file of this user's without the `forbidden` mode bits
    in `directory` (a descriptor), no symlink followed; `limit` bytes at most (all when -1)."""
    fd = os.open(name, _OPEN_FILE, dir_fd=directory)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedPath(f"{name} is not a regular file")
        _check_private(info, os.getuid(), forbidden)
        return f.read(limit)


def _write_temporary(directory: int, name: str, data: bytes) -> str:
    """A new private file (mode 0600) in `directory` holding `data`; its name."""
    temporary = f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError:
        os.unlink(temporary, dir_fd=directory)
        raise
    return temporary


def _mac_secret(directory: int) -> bytes:
    """The cache's MAC secret (`KEY_FILE` in `directory`), made now if there is none.
    It must be this user's and readable by nobody else."""
    try:
        secret = _read_private_file(directory, KEY_FILE, KEY_BYTES + 1, _OTHERS_ANY)
    except FileNotFoundError:
        temporary = _write_temporary(directory, KEY_FILE, secrets.token_bytes(KEY_BYTES))
        try:
            os.link(temporary, KEY_FILE, src_dir_fd=directory, dst_dir_fd=directory)
        except FileExistsError:
            pass  # another process made one first: use theirs
        finally:
            os.unlink(temporary, dir_fd=directory)
        secret = _read_private_file(directory, KEY_FILE, KEY_BYTES + 1, _OTHERS_ANY)
    if len(secret) != KEY_BYTES:
        raise UntrustedPath(f"{KEY_FILE} is malformed")
    return secret


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
