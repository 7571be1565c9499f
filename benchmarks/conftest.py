"""Benchmarks read ../shared like the tests do; they skip without it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def shared_dir() -> Path:
    return Path(os.environ.get("REGOLITE_SHARED") or REPO.parent / "shared")


def require_shared(*parts: str) -> Path:
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is missing (set REGOLITE_SHARED to the shared data folder)")
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After benchmarks/test_peers.py: the regolite-vs-peers table, also written as JSON."""
    peers = sys.modules.get("benchmarks.test_peers")
    if peers is not None:
        peers.write_report(terminalreporter)
