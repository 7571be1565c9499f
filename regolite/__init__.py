"""regolite: a pure-Python, compiled Rego engine with an offline Gatekeeper toolkit."""

__version__ = "0.1.0"

from regolite.errors import RegoCompileError, RegoError, RegoEvalError, RegoParseError
from regolite.parser import parse_module, parse_query
from regolite.policy import Policy, compile
from regolite.values import UNDEFINED

__all__ = [
    "__version__",
    "compile",
    "Policy",
    "UNDEFINED",
    "parse_module",
    "parse_query",
    "RegoError",
    "RegoParseError",
    "RegoCompileError",
    "RegoEvalError",
]
