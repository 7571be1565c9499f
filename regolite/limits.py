"""Limits on what regolite reads: document size and nesting depth.

Objects under review come from whoever may create a Pod, so every entry
point bounds what it accepts before evaluating it. Deeper nesting than
`MAX_DEPTH` is never a real Kubernetes object, and stays well inside what
Python's recursion can walk; `MAX_DOCUMENT_BYTES` bounds a file given to
the CLI (audit dumps are streamed object by object and bounded per object).
The webhook's request limit is its own (`ServerSettings.max_request_bytes`);
its step budget per review is `WEBHOOK_MAX_STEPS`.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from regolite.values import TooDeep, from_json

MAX_DEPTH = 256
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
WEBHOOK_MAX_STEPS = 10_000_000  # loop iterations per webhook review: far beyond any library template's need


class FileTooLarge(ValueError):
    """A file over `MAX_DOCUMENT_BYTES`; the message says by how much."""


def read_bounded(path: Any) -> bytes:
    """A file's bytes, refused (FileTooLarge) over `MAX_DOCUMENT_BYTES` before
    anything is read. OSError passes through for the caller to word."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_DOCUMENT_BYTES:
            raise FileTooLarge(f"file too large: {size} bytes is more than the limit of {MAX_DOCUMENT_BYTES}")
        return f.read()


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
