"""regolite: a pure-Python, compiled Rego engine with an offline Gatekeeper toolkit."""

__version__ = "0.1.0"

from regolite.errors import RegoCompileError, RegoError, RegoEvalError, RegoParseError
from regolite.parser import parse_module, parse_query
from regolite.policy import Policy, compile
from regolite.values import UNDEFINED


def __getattr__(name):
    # The Gatekeeper layer loads on first use, so `import regolite` stays light.
    if name == "Gatekeeper":
        from regolite.gatekeeper.engine import Gatekeeper

        return Gatekeeper
    raise AttributeError(f"module 'regolite' has no attribute {name!r}")


__all__ = [
    "__version__",
    "compile",
    "Policy",
    "Gatekeeper",
    "UNDEFINED",
    "parse_module",
    "parse_query",
    "RegoError",
    "RegoParseError",
    "RegoCompileError",
    "RegoEvalError",
]
