"""Reading inputs and writing outputs for the CLI subcommands."""

from __future__ import annotations

import sys
from typing import Optional

from regolite.documents import DocumentError, decode_text, read_file_bytes, read_stdin_text


def read_text(path: str) -> tuple[Optional[str], str]:
    """The text of `path` ('-' is stdin) and its display name, or None and the error;
    read as every file is (`regolite.documents`): regular files only, bounded."""
    try:
        if path == "-":
            return read_stdin_text(), "<stdin>"
        return decode_text(read_file_bytes(path), path), path
    except DocumentError as e:
        return None, f"{e.source}: {e.message}"


def usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
