"""Limits on what regolite reads: document size and nesting depth.

Objects under review come from whoever may create a Pod, so every entry
point bounds what it accepts before evaluating it. Deeper nesting than
`MAX_DEPTH` is never a real Kubernetes object, and stays well inside what
Python's recursion can walk; `MAX_DOCUMENT_BYTES` bounds a file given to
the CLI (audit dumps are streamed object by object and bounded per object).
Every file is opened with `open_regular_file`: FIFOs and devices are refused.
The webhook's request limit is its own (`ServerSettings.max_request_bytes`);
its step budget per review is `WEBHOOK_MAX_STEPS`.
"""

from __future__ import annotations

import os
import stat
from typing import Any, BinaryIO, Optional

from regolite.values import TooDeep, from_json

MAX_DEPTH = 256
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# Steps per webhook review: loop iterations, plus what the review charges (its
# document, each constraint evaluated, each violation; gatekeeper.engine.review_steps).
# A library sample takes at most a few thousand; a step costs about a microsecond, so
# the budget ends a review well inside the webhook's 2 s deadline.
WEBHOOK_MAX_STEPS = 1_000_000


class FileRefused(ValueError):
    """A file regolite will not read; the message says why (callers add the name)."""


class FileTooLarge(FileRefused):
    """A file over `MAX_DOCUMENT_BYTES`; the message says by how much."""


class NotRegularFile(FileRefused):
    """A FIFO, a device (/dev/zero, /dev/urandom), a socket or a directory where a file was expected."""


def open_regular_file(path: Any) -> BinaryIO:
    """`path` opened for reading in binary, refused (NotRegularFile) unless the opened
    file is a regular one. The open does not block, so a FIFO cannot hang it, and the
    check is `fstat` of what was opened (symlinks followed), so a symlink to a device
    is refused too. OSError passes through (a symlink loop is ELOOP)."""
    fd = os.open(path, os.O_RDONLY | _NO_BLOCKING | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"not a regular file: {_file_kind(mode)}")
        if _NO_BLOCKING:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Any) -> bytes:
    """A regular file's bytes (see `open_regular_file`), refused (FileTooLarge) over
    `MAX_DOCUMENT_BYTES`: before reading when the file says it is larger, and in any
    case after reading one byte more than the limit, whatever size it claims.
    OSError passes through for the caller to word."""
    limit = MAX_DOCUMENT_BYTES
    with open_regular_file(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise FileTooLarge(f"file too large: {size} bytes is more than the limit of {limit}")
        chunks, total, want = [], 0, size + 1  # one read when the size is right; more if it grows
        while True:
            request = min(want, limit + 1 - total)
            chunk = f.read(request)  # short only at the end of the file
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLarge(f"file too large: more than the limit of {limit} bytes")
            if len(chunk) < request:
                return b"".join(chunks)
            want = _READ_CHUNK


_NO_BLOCKING = getattr(os, "O_NONBLOCK", 0)
_READ_CHUNK = 1 << 20


def _file_kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def too_deep(value: Any) -> Optional[str]:
    """Why `value` breaks the depth limit ("nested more than N levels deep at
    $.a.b"), else None. Reads `MAX_DEPTH` when called."""
    try:
        from_json(value, MAX_DEPTH)
    except TooDeep as e:
        return str(e)
    except (TypeError, ValueError, RecursionError):
        pass  # not the depth: the reader's own checks report these
    return None
