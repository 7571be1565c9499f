"""`regolite verify [PATH...]`: run gator suites, in the style of `gator verify` (§7.2)."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Optional

from regolite.cache import default_cache
from regolite.errors import RegoError
from regolite.gatekeeper.constraints import ConstraintError
from regolite.gatekeeper.documents import read_document_file
from regolite.gatekeeper.engine import GATOR, Gatekeeper
from regolite.gatekeeper.scans import load_scan_reports
from regolite.gatekeeper.suites import RunFilter, Suite, SuiteError, check_assertions, find_suites


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("verify", help="run gator suites (suite.yaml) like `gator verify`")
    p.add_argument("paths", nargs="+", metavar="PATH", help="suite file, directory, or DIR/... (recursive)")
    p.add_argument("-r", "--run", dest="run_filter", help="only tests/cases matching this regex (A//B: tests A, cases B)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every test and case")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--scan-report", action="append", default=[], metavar="PATH",
                   help="Trivy JSON report(s) or ImageScanReport files, added to every case's inventory (a regolite extension)")
    p.set_defaults(run=run)


@dataclass
class CaseResult:
    name: str
    status: str  # pass | fail | skip
    seconds: float = 0.0
    error: Optional[str] = None


@dataclass
class TestResult:
    name: str
    status: str
    seconds: float = 0.0
    error: Optional[str] = None
    cases: list = field(default_factory=list)


@dataclass
class SuiteResult:
    path: str
    status: str
    seconds: float = 0.0
    tests: list = field(default_factory=list)


def run(args) -> int:
    try:
        run_filter = RunFilter.parse(args.run_filter)
        suites = find_suites(args.paths)
        reports = load_scan_reports(args.scan_report) if args.scan_report else []
    except RegoError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    results = [run_suite(s, run_filter, reports) for s in suites]
    if args.json:
        sys.stdout.write(json.dumps([_suite_json(r) for r in results], indent=2) + "\n")
    else:
        _print(results, args.verbose)
    failed = any(r.status == "fail" for r in results)
    if failed:
        print("FAIL", file=sys.stderr)
    return 1 if failed else 0


def run_suite(suite: Suite, run_filter: RunFilter, reports: list = ()) -> SuiteResult:
    start = time.perf_counter()
    out = SuiteResult(str(suite.path), "pass")
    if not suite.skip:
        for test in suite.tests:
            if test.skip or not run_filter.runs_test(test):
                out.tests.append(TestResult(test.name, "skip"))
                continue
            result = run_test(suite, test, run_filter, reports)
            out.tests.append(result)
            if result.status == "fail":
                out.status = "fail"
    out.seconds = time.perf_counter() - start
    return out


def run_test(suite: Suite, test, run_filter: RunFilter, reports: list = ()) -> TestResult:
    start = time.perf_counter()
    result = TestResult(test.name, "pass")
    try:
        if not test.template:
            raise SuiteError("invalid Suite: missing template")
        if not test.constraint:
            raise SuiteError("invalid Suite: missing constraint")
        template_doc = _single(suite, test.template, first_only=True)
        constraint_doc = _single(suite, test.constraint, first_only=True)
        if test.invalid:
            gate = Gatekeeper(enforcement_point=GATOR, cache=default_cache())
            gate.add_template(template_doc, source=str(suite.resolve(test.template)))
            try:
                gate.add_constraint(constraint_doc, source=str(suite.resolve(test.constraint)))
            except ConstraintError as e:
                if not e.is_schema_error:
                    raise SuiteError(
                        f"constraint should have failed schema validation: got error {e} but want schema validation failed"
                    ) from None
            else:
                raise SuiteError("constraint should have failed schema validation")
        else:
            for case in test.cases:
                if case.skip or not run_filter.runs_case(test, case):
                    result.cases.append(CaseResult(case.name, "skip"))
                    continue
                case_result = run_case(suite, test, case, template_doc, constraint_doc, reports)
                result.cases.append(case_result)
                if case_result.status == "fail":
                    result.status = "fail"
    except RegoError as e:
        result.status = "fail"
        result.error = str(e)
    result.seconds = time.perf_counter() - start
    return result


def run_case(suite: Suite, test, case, template_doc: dict, constraint_doc: dict, reports: list = ()) -> CaseResult:
    start = time.perf_counter()
    try:
        if not case.object:
            raise SuiteError("invalid Case: must define object")
        gate = Gatekeeper(enforcement_point=GATOR, cache=default_cache())
        gate.add_template(template_doc, source=str(suite.resolve(test.template)))
        gate.add_constraint(constraint_doc, source=str(suite.resolve(test.constraint)))
        for inventory in case.inventory:
            gate.add_inventory(d.obj for d in read_document_file(suite.resolve(inventory)))
        gate.add_inventory(reports)
        obj = _single(suite, case.object)
        try:
            review = gate.review(obj)
        except RegoError as e:
            raise SuiteError(f"reviewing {_describe(obj)}: {e}") from None
        failure = check_assertions(case.assertions, review.messages)
    except RegoError as e:
        failure = str(e)
    status = "fail" if failure else "pass"
    return CaseResult(case.name, status, time.perf_counter() - start, failure)


def _single(suite: Suite, relative: str, first_only: bool = False) -> dict:
    path = suite.resolve(relative)
    docs = read_document_file(path)
    if not docs:
        raise SuiteError(f'missing objects: path "{path}" defines no YAML objects')
    if not first_only and len(docs) != 1:
        raise SuiteError(f'object file must contain exactly one object: "{path}" defines {len(docs)} objects')
    return docs[0].obj


def _describe(obj) -> str:
    if not isinstance(obj, dict):
        return "<not an object>"
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name", "")
    ns = meta.get("namespace", "")
    return f"{obj.get('apiVersion', '')}, Kind={obj.get('kind', '')} {ns}/{name}"


def _print(results: list, verbose: bool) -> None:
    out = sys.stdout
    for suite in results:
        for test in suite.tests:
            if verbose:
                out.write(f"=== RUN   {test.name}\n")
            for case in test.cases:
                if verbose:
                    out.write(f"    === RUN   {case.name}\n")
                if case.status == "fail":
                    out.write(f"    --- FAIL: {case.name}\t({case.seconds:.3f}s)\n        {case.error}\n")
                elif verbose and case.status == "pass":
                    out.write(f"    --- PASS: {case.name}\t({case.seconds:.3f}s)\n")
                elif verbose:
                    out.write(f"    === SKIP  {case.name}\n")
            if test.status == "fail":
                out.write(f"--- FAIL: {test.name}\t({test.seconds:.3f}s)\n")
                if test.error:
                    out.write(f"  {test.error}\n")
            elif verbose and test.status == "pass":
                out.write(f"--- PASS: {test.name}\t({test.seconds:.3f}s)\n")
            elif verbose:
                out.write(f"=== SKIP  {test.name}\n")
        word = "ok" if suite.status == "pass" else "FAIL"
        out.write(f"{word}\t{suite.path}\t{suite.seconds:.3f}s\n")
    out.write("FAIL\n" if any(s.status == "fail" for s in results) else "PASS\n")


def _suite_json(suite: SuiteResult) -> dict:
    return {
        "path": suite.path,
        "status": suite.status,
        "seconds": round(suite.seconds, 6),
        "tests": [
            {
                "name": t.name,
                "status": t.status,
                "error": t.error,
                "cases": [{"name": c.name, "status": c.status, "error": c.error} for c in t.cases],
            }
            for t in suite.tests
        ],
    }
