"""One input through the whole pipeline, shared by `fuzz/compiler_fuzz.py` and
`test_pipeline_fuzz.py`: parse, compile to Python, evaluate every rule and
package of the module with a step budget and a deadline. RegoErrors are the
expected failures, except the compiler's "internal error" (a check of its own
that failed); anything else escapes to the caller as the bug it is."""

from __future__ import annotations

import regolite
from regolite.errors import RegoError

INPUT = {"review": {"object": {"metadata": {"name": "x", "labels": {"a": "b"}},
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
         "parameters": {"labels": ["a"], "n": 3}}


def compile_and_run(text: str, rego_version: str, *, timeout: float = 0.05, max_steps: int = 10_000) -> None:
    try:
        policy = regolite.compile({"fuzz.rego": text}, rego_version=rego_version)
    except RegoError as e:
        if any(error.message.startswith("internal error") for error in getattr(e, "errors", [e])):
            raise AssertionError(f"the compiler failed a check of its own: {e}") from e
        return
    for path in sorted(policy.artifact.functions):
        try:
            policy.eval_rule(path, input=INPUT, timeout=timeout, max_steps=max_steps)
        except RegoError:
            pass
