"""Reading inputs and writing outputs for the CLI subcommands."""

from __future__ import annotations

import sys
from typing import Optional


def read_text(path: str) -> tuple[Optional[str], str]:
    """The text of `path` ('-' is stdin) and its display name; None if unreadable."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, f"{path}: {e.strerror or e}"
    try:
        return data.decode("utf-8"), path
    except UnicodeDecodeError as e:
        return None, f"{path}: not UTF-8 text (byte {e.start})"


def usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
