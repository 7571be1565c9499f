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

from typing import Any, Optional

from regolite.values import TooDeep, from_json

MAX_DEPTH = 256
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
WEBHOOK_MAX_STEPS = 10_000_000  # loop iterations per webhook review: far beyond any library template's need


def too_deep(value: Any, max_depth: Optional[int] = -1) -> Optional[str]:
    """Why `value` breaks the depth limit ("nested more than N levels deep at $.a.b"),
    else None. `max_depth` defaults to `MAX_DEPTH`; None means no limit."""
    if max_depth is None:
        return None
    try:
        from_json(value, MAX_DEPTH if max_depth == -1 else max_depth)
    except TooDeep as e:
        return str(e)
    except (TypeError, ValueError, RecursionError):
        pass  # not the depth: the reader's own checks report these
    return None


def too_large(size: int, max_bytes: Optional[int] = -1) -> Optional[str]:
    """Why a document of `size` bytes is refused, else None. `max_bytes`
    defaults to `MAX_DOCUMENT_BYTES`; None means no limit."""
    limit = MAX_DOCUMENT_BYTES if max_bytes == -1 else max_bytes
    if limit is not None and size > limit:
        return f"{size} bytes is more than the limit of {limit}"
    return None
