"""regolite: a pure-Python, compiled Rego engine with an offline Gatekeeper toolkit."""

__version__ = "0.1.0"

from regolite.errors import RegoCompileError, RegoError, RegoEvalError, RegoParseError
from regolite.parser import parse_module, parse_query

__all__ = [
    "__version__",
    "parse_module",
    "parse_query",
    "RegoError",
    "RegoParseError",
    "RegoCompileError",
    "RegoEvalError",
]
