"""OPA's own evaluator as the reference, from `../shared/opa-oracle` (never copied here)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """`$REGOLITE_SHARED`, else the `shared` folder beside the repository."""
    return Path(os.environ.get("REGOLITE_SHARED") or REPO.parent / "shared")


class OracleUnavailable(Exception):
    """The oracle could not be loaded (no ../shared, no network for its first download...)."""


_LOADED: dict = {}


def load_oracle(shared: Optional[Path] = None):
    """One `Oracle` per process (OPA v1.20.2 in process, see its README)."""
    folder = (shared or shared_dir()) / "opa-oracle"
    key = str(folder)
    if key not in _LOADED:
        source = folder / "opa_oracle.py"
        if not source.is_file():
            raise OracleUnavailable(f"{source} is missing (set REGOLITE_SHARED to the shared data folder)")
        spec = importlib.util.spec_from_file_location("opa_oracle", source)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            _LOADED[key] = module.Oracle()
        except Exception as e:  # a failed download or an unloadable library
            raise OracleUnavailable(f"OPA's oracle did not load: {type(e).__name__}: {e}") from None
    return _LOADED[key]
