"""Shared test setup: where `../shared` (OPA fixtures, gatekeeper-library) lives.

Tests that need it skip with a reason on a machine without it, and fail in CI
(CI=true), where it must be present.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Compile and grammar caches go to a folder of this run, not the user's ~/.cache.
os.environ.setdefault("REGOLITE_CACHE_DIR", tempfile.mkdtemp(prefix="regolite-test-cache-"))


def shared_dir() -> Path:
    """`$REGOLITE_SHARED`, else the `shared` folder beside the repository."""
    return Path(os.environ.get("REGOLITE_SHARED") or REPO.parent / "shared")


def require_shared(*parts: str) -> Path:
    """The path under shared/, or skip (fail in CI) when it is missing."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing (set REGOLITE_SHARED to the shared data folder)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
