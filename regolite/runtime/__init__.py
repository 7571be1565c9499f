"""What generated code runs on: the evaluation context, its operations, limits."""

from regolite.runtime.context import Context
from regolite.runtime.deadline import deadline
from regolite.runtime.ops import Budget

__all__ = ["Budget", "Context", "deadline"]
