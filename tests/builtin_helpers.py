"""Helpers for the built-in function tests: call a built-in by name and check what it gives or raises."""

from __future__ import annotations

import json

import pytest

from regolite.builtins import REGISTRY
from regolite.values import RegoSet
from tests.conftest import require_shared


def call(name, *args):
    """The built-in `name` applied to `args` as the evaluator calls it (operand checks included)."""
    return REGISTRY[name].function(*args)


def fails(error_type, message, name, *args):
    """Calling the builtin raises `error_type` with exactly `message` (a prefix when it ends in "...")."""
    with pytest.raises(error_type) as info:
        call(name, *args)
    if message.endswith("..."):
        assert info.value.message.startswith(message[:-3])
    else:
        assert info.value.message == message


def same(got, want):
    """Equal and of the same Python type (2 is not 2.0 here)."""
    return got == want and type(got) is type(want)


def S(*xs):
    """A Rego set of the arguments."""
    return RegoSet(xs)


def opa_builtins(prefix: str | tuple = "") -> dict:
    """OPA v1.19's built-in declarations (../shared/opa/capabilities-v1.19.0.json) whose names start with `prefix`, by name."""
    with open(require_shared("opa", "capabilities-v1.19.0.json")) as f:
        return {b["name"]: b for b in json.load(f)["builtins"] if b["name"].startswith(prefix)}
