"""Shared test setup: where `../shared` (OPA fixtures, gatekeeper-library) lives, and the shared factories.

Tests that need `../shared` skip with a reason on a machine without it, and fail
in CI (CI=true), where it must be present.

The Kubernetes and Gatekeeper factories are plain functions in tests/factories.py,
re-exported here: modules import them (module constants and parametrize tables
need them at import time), and a test may take them as the fixtures make_pod,
make_constraint and make_template instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.factories import constraint, match_pods, pod, template  # noqa: F401  (re-exported)

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


@pytest.fixture
def make_pod():
    """The shared `tests.factories.pod` (a v1 Pod), as a fixture."""
    return pod


@pytest.fixture
def make_constraint():
    """The shared `tests.factories.constraint` (a Gatekeeper constraint), as a fixture."""
    return constraint


@pytest.fixture
def make_template():
    """The shared `tests.factories.template` (a ConstraintTemplate), as a fixture."""
    return template
