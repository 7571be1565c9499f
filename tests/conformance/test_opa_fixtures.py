"""OPA's conformance fixtures, through the public API only (not conformance/).

One test per fixture file. Each case compiles with `regolite.compile`, runs
with `Policy.query` and must give `want_result`, or an error with
`want_error_code` / `want_error`. Cases listed in
conformance/expected_failures.yaml must fail (and the list must shrink when
one starts to pass).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import regolite
from regolite.values import equal, from_json, sort_key
from tests.conftest import REPO, shared_dir

ROOT = shared_dir() / "opa-tests"
FILES = sorted(ROOT.glob("v*/*/*.yaml")) if ROOT.is_dir() else []
KNOWN = (yaml.safe_load((REPO / "conformance" / "expected_failures.yaml").read_text()) or {}).get("failures") or {}


def test_fixtures_are_present():
    from tests.conftest import require_shared

    require_shared("opa-tests")
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_fixture_file(path: Path):
    version = path.relative_to(ROOT).parts[0]
    problems = []
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
        problem = check_case(case, version)
        known = case["note"] in KNOWN
        if problem and not known:
            problems.append(f"{case['note']}: {problem}")
        elif known and not problem:
            problems.append(f"{case['note']}: passes now; remove it from expected_failures.yaml")
    assert not problems, "\n".join(problems)


def check_case(case: dict, version: str):
    modules = {f"test-{i}.rego": m for i, m in enumerate(case.get("modules") or [])}
    want_code = case.get("want_error_code")
    want_error = case.get("want_error")
    try:
        policy = regolite.compile(modules, data=case.get("data"), rego_version=version)
        kwargs = {"strict_builtin_errors": bool(case.get("strict_error"))}
        if "input" in case:
            kwargs["input"] = case["input"]
        elif "input_term" in case:
            kwargs["input"] = regolite.compile({}).eval_term(case["input_term"])
        result = policy.query(case["query"], **kwargs)
    except regolite.RegoError as e:
        if want_code is None and want_error is None:
            return f"unexpected error {e}"
        codes = {e.code} | {getattr(x, "code", None) for x in getattr(e, "errors", [])}
        if want_code is not None and want_code not in codes:
            return f"want {want_code}, got {e}"
        if want_error is not None and want_error not in str(e):
            return f"want error containing {want_error!r}, got {e}"
        return None
    if want_code is not None or want_error is not None:
        return f"want an error, got {result}"
    want = case.get("want_result")
    if want is None:
        return None
    got = [r["bindings"] for r in result]
    if case.get("sort_bindings"):
        got, want = [_sorted(b) for b in got], [_sorted(b) for b in want]
    if not _same(got, want):
        return f"want {want}, got {got}"
    return None


def _sorted(bindings: dict) -> dict:
    return {k: sorted(v, key=lambda x: sort_key(from_json(x))) if isinstance(v, list) else v for k, v in bindings.items()}


def _same(got: list, want: list) -> bool:
    if len(got) != len(want):
        return False
    rest = [from_json(w) for w in want]
    for g in got:
        value = from_json(g)
        match = next((i for i, w in enumerate(rest) if equal(value, w)), None)
        if match is None:
            return False
        del rest[match]
    return True
