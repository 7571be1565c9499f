"""Runs OPA's YAML conformance fixtures through regolite's public API.

Each case compiles its modules with `regolite.compile`, evaluates its query
with `Policy.query` and compares the bindings with `want_result`, or the
error's code and message with `want_error_code` / `want_error`.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

import regolite
from regolite.errors import RegoError
from regolite.values import equal, from_json

EXPECTED_FAILURES = Path(__file__).with_name("expected_failures.yaml")


@dataclass
class Case:
    file: str
    folder: str
    note: str
    version: str
    spec: dict


@dataclass
class Outcome:
    case: Case
    status: str  # passed | failed | skipped
    detail: str = ""


def load_cases(root: Path) -> Iterator[Case]:
    for path in sorted(root.glob("v*/*/*.yaml")):
        rel = path.relative_to(root)
        version, folder = rel.parts[0], rel.parts[1]
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for spec in doc.get("cases") or []:
            yield Case(str(rel), folder, str(spec.get("note")), version, spec)


def run_case(case: Case) -> Outcome:
    spec = case.spec
    if spec.get("skip"):
        return Outcome(case, "skipped", "marked skip")
    want_error = spec.get("want_error")
    want_code = spec.get("want_error_code")
    try:
        result = evaluate(case)
    except RegoError as e:
        if want_error is None and want_code is None:
            return Outcome(case, "failed", f"unexpected error: {e}")
        if want_code is not None and e.code != want_code and not any(
            getattr(x, "code", None) == want_code for x in getattr(e, "errors", [])
        ):
            return Outcome(case, "failed", f"want code {want_code}, got {e.code}: {e}")
        if want_error is not None and want_error not in str(e):
            return Outcome(case, "failed", f"want error containing {want_error!r}, got: {e}")
        return Outcome(case, "passed")
    except RecursionError:
        return Outcome(case, "failed", "Python recursion limit")
    except Exception as e:  # a crash is a failure, never the end of the run
        return Outcome(case, "failed", f"crash: {type(e).__name__}: {e}")
    if want_error is not None or want_code is not None:
        return Outcome(case, "failed", f"want error {want_code} {want_error!r}, got result {result}")
    want = spec.get("want_result")
    if want is None:
        return Outcome(case, "passed")
    got = [r["bindings"] for r in result]
    if spec.get("sort_bindings"):
        got = [_sorted_bindings(b) for b in got]
        want = [_sorted_bindings(b) for b in want]
    if _same_results(got, want):
        return Outcome(case, "passed")
    return Outcome(case, "failed", f"want {json.dumps(want, sort_keys=True, default=str)}\n   got {json.dumps(got, sort_keys=True, default=str)}")


def evaluate(case: Case) -> list:
    spec = case.spec
    modules = {f"test-{i}.rego": m for i, m in enumerate(spec.get("modules") or [])}
    policy = regolite.compile(modules, data=spec.get("data"), rego_version=case.version)
    kwargs: dict[str, Any] = {"strict_builtin_errors": bool(spec.get("strict_error"))}
    if "input" in spec:
        kwargs["input"] = spec["input"]
    elif "input_term" in spec:
        kwargs["input"] = regolite.compile({}).eval_term(spec["input_term"])
    return policy.query(spec["query"], **kwargs)


def _sorted_bindings(bindings: dict) -> dict:
    from regolite.values import sort_key

    out = {}
    for k, v in bindings.items():
        if isinstance(v, list):
            v = sorted(v, key=lambda x: sort_key(from_json(x)))
        out[k] = v
    return out


def _same_results(got: list, want: list) -> bool:
    if len(got) != len(want):
        return False
    remaining = [from_json(w) for w in want]
    for g in got:
        gv = from_json(g)
        for i, w in enumerate(remaining):
            if equal(gv, w):
                del remaining[i]
                break
        else:
            return False
    return True


def expected_failures(path: Path = EXPECTED_FAILURES) -> dict:
    """note -> reason, from expected_failures.yaml."""
    if not path.exists():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (doc.get("failures") or {}).items()}


class _Timeout(Exception):
    pass


def run_all(root: Path, timeout: float = 10.0) -> list[Outcome]:
    outcomes = []
    use_alarm = hasattr(signal, "SIGALRM")
    for case in load_cases(root):
        if use_alarm:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            outcomes.append(run_case(case))
        except _Timeout:
            outcomes.append(Outcome(case, "failed", f"timeout after {timeout}s"))
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    return outcomes


def _alarm(signum, frame):
    raise _Timeout()
