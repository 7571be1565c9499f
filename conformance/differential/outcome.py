"""One case (modules, query, input, data) through regolite and through OPA, and the verdict.

Both sides answer what `opa eval` reports: the result set (expressions and
bindings, values as JSON) or an error with OPA's code. Built-in errors are
strict on both sides (the oracle's are). Numbers compare by value (OPA's
`1` and regolite's `1.0` agree; `0.3` and `0.30000000000000004` do not).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional

import regolite
from regolite.errors import RegoError

ABSENT = object()
VERDICTS = ("equal", "differ", "regolite_only_error", "opa_only_error", "both_error")
_CODE = re.compile(r"\b((?:rego|eval)_[a-z_]+_error|rego_parse_error)\b")
TIMEOUT = 5.0
MAX_STEPS = 5_000_000


@dataclass(frozen=True)
class Case:
    """A program to evaluate: module name -> v1 source, a query, optional input and data."""

    modules: dict
    query: str
    input: Any = ABSENT
    data: Optional[dict] = None

    def text(self) -> str:
        """The case as a person reads it (what a failure prints)."""
        out = []
        for name, source in self.modules.items():
            out.append(f"# --- {name}\n{source.rstrip()}")
        out.append(f"# --- query: {self.query}")
        if self.input is not ABSENT:
            out.append(f"# --- input: {_json(self.input)}")
        if self.data:
            out.append(f"# --- data: {_json(self.data)}")
        return "\n".join(out)


@dataclass
class Outcome:
    """A result set, or the error codes and message of a failure."""

    result: Optional[list] = None
    codes: frozenset = field(default_factory=frozenset)
    message: str = ""

    @property
    def error(self) -> bool:
        return self.result is None

    def summary(self) -> str:
        if self.error:
            return f"error {sorted(self.codes)}: {self.message}"
        return _json(self.result)


def run_regolite(case: Case, strict: bool = True) -> Outcome:
    """The case through regolite's public API, built-in errors strict (as the oracle's are)."""
    try:
        policy = regolite.compile(case.modules, data=case.data)
        kwargs = {} if case.input is ABSENT else {"input": case.input}
        result = policy.query(case.query, strict_builtin_errors=strict, timeout=TIMEOUT, max_steps=MAX_STEPS, **kwargs)
    except RegoError as e:
        errors = getattr(e, "errors", None) or [e]
        return Outcome(codes=frozenset(err.code for err in errors), message=str(e))
    except Exception as e:  # a crash: always a difference worth a look
        return Outcome(codes=frozenset({f"crash:{type(e).__name__}"}), message=f"{type(e).__name__}: {e}")
    return Outcome(result=result)


def run_opa(oracle, case: Case) -> Outcome:
    """The case through OPA's evaluator."""
    args = {} if case.input is ABSENT else {"input": case.input}
    answer = oracle.evaluate(case.modules, case.query, data=case.data, **args)
    if "error" in answer:
        message = answer["error"]
        codes = frozenset(_CODE.findall(message)) or frozenset({f"opa:{answer.get('phase', 'error')}"})
        return Outcome(codes=codes, message=message)
    return Outcome(result=answer["result"])


def verdict(ours: Outcome, theirs: Outcome) -> str:
    """One of VERDICTS. Errors agree when their codes do."""
    if ours.error and theirs.error:
        return "both_error" if ours.codes == theirs.codes else "differ"
    if ours.error:
        return "regolite_only_error"
    if theirs.error:
        return "opa_only_error"
    return "equal" if canonical(ours.result) == canonical(theirs.result) else "differ"


def canonical(value: Any) -> Any:
    """A hashable form of a JSON value in which numbers compare by value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Fraction)):
        if isinstance(value, float) and not math.isfinite(value):
            return ("number", repr(value))
        return ("number", Fraction(value))
    if isinstance(value, dict):
        return ("object", tuple(sorted(((canonical(k), canonical(v)) for k, v in value.items()), key=repr)))
    if isinstance(value, (list, tuple)):
        return ("array", tuple(canonical(v) for v in value))
    return ("other", repr(value))


def _json(value: Any) -> str:
    import json

    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(value)
