"""Every Rego module in OPA's fixtures and the gatekeeper-library parses."""

from __future__ import annotations

import time


from regolite import RegoParseError, parse_module
from tests.conftest import require_shared
from tests.parser.corpus import gatekeeper_rego_files, gatekeeper_template_sources, opa_fixture_modules

PARSE_ERROR_CODES = ("rego_parse_error",)


def _expects_parse_error(case: dict) -> bool:
    return case.get("want_error_code") in PARSE_ERROR_CODES


def test_opa_fixture_modules_parse():
    root = require_shared("opa-tests")
    failures = []
    count = 0
    for case_id, version, text, case in opa_fixture_modules(root):
        count += 1
        try:
            parse_module(text, case_id, rego_version=version)
        except RegoParseError as e:
            if not _expects_parse_error(case):
                failures.append(f"{case_id}: {e}")
        else:
            if _expects_parse_error(case):
                failures.append(f"{case_id}: parsed, but the case expects a parse error")
    assert count > 1000
    assert not failures, "\n".join(failures[:20])


def test_gatekeeper_library_templates_parse():
    root = require_shared("gatekeeper-library")
    sources = list(gatekeeper_template_sources(root))
    assert len(sources) >= 30
    for source_id, version, text in sources:
        parse_module(text, source_id, rego_version=version)


def test_gatekeeper_library_src_files_parse():
    root = require_shared("gatekeeper-library")
    files = list(gatekeeper_rego_files(root))
    assert len(files) >= 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        version = "v0"
        parse_module(text, str(path), rego_version=version)


def test_general_library_parses_quickly():
    """Not a benchmark (that is benchmarks/), a guard against a parser that got pathological."""
    root = require_shared("gatekeeper-library")
    sources = [s for s in gatekeeper_template_sources(root) if "/general/" in s[0]]
    parse_module("package warm\np := 1\n")
    start = time.perf_counter()
    for source_id, version, text in sources:
        parse_module(text, source_id, rego_version=version)
    assert time.perf_counter() - start < 5
