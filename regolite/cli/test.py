"""`regolite test PATH...`: run Rego unit tests, in the style of `opa test`.

Exit codes: 0 when every test passes (or is skipped), 1 when a test fails or
errors, when policies do not load, parse or compile, and with
`--fail-on-empty` when no test is found; 2 for usage errors.

Output, as `opa test` prints it:

- pretty (default): each failing, erroring or skipped test (every test with
  `-v`) as `data.pkg.test_x: FAIL (1.2ms)` under a `file.rego:` heading, its
  print() output indented below it (for failing tests, or all with `-v`),
  an error on the next line as `  file:row: code: message`; then a line of 80
  dashes and `PASS: n/total`, `FAIL: n/total`, `SKIPPED: n/total`,
  `ERROR: n/total` (only the non-zero ones). With `-v` and failures, a
  `FAILURES` list and a `SUMMARY` heading come first.
- json: an array of OPA's `tester.Result` objects: `location` {file, row,
  col}, `package` ("data.pkg"), `name`, `fail`, `error` {code, message,
  location}, `skip` (those three only when set), `duration` (nanoseconds) and
  `output` (the print() output, base64-encoded as Go encodes bytes; only when
  there is some).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from typing import Optional, TextIO

from regolite.builtins.regex import RegexSyntaxError, go_search
from regolite.loader import LoadError
from regolite.testing import DEFAULT_TIMEOUT, TestResult, run_tests

RULE = "-" * 80


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("test", help="run Rego unit tests (rules named test_*)")
    p.add_argument("paths", nargs="*", metavar="PATH", help="policy (.rego) and data files or directories")
    p.add_argument("-v", "--verbose", action="store_true", help="list every test and show all print() output")
    p.add_argument("-r", "--run", dest="run_regex", metavar="REGEX",
                   help="run only tests whose data.<package>.<name> matches")
    p.add_argument("-f", "--format", choices=("pretty", "json"), default="pretty", help="output format")
    p.add_argument("--v0-compatible", action="store_true", help="parse policies with Rego v0 syntax")
    p.add_argument("--fail-on-empty", action="store_true", help="exit 1 when no tests are found")
    p.add_argument("-t", "--timeout", metavar="DURATION", default=None,
                   help="time limit per test, as a Go duration (default 5s; 0 for none)")
    p.set_defaults(run=run)


def run(args) -> int:
    if not args.paths:
        return _usage("specify at least one file")
    pattern = None
    if args.run_regex is not None:
        try:
            go_search(args.run_regex)  # opa test -r takes a Go regexp
            pattern = args.run_regex
        except RegexSyntaxError as e:
            return _usage(f"--run: invalid regular expression: {e.message}")
    timeout: Optional[float] = DEFAULT_TIMEOUT
    if args.timeout is not None:
        timeout = parse_duration(args.timeout)
        if timeout is None:
            return _usage(f"--timeout: invalid duration {args.timeout!r} (e.g. 5s, 500ms, 1m)")
    version = "v0" if args.v0_compatible else "v1"
    try:
        results = run_tests(args.paths, run=pattern, rego_version=version, timeout=timeout)
    except LoadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    # RegoParseError / RegoCompileError go to the CLI's single error handler.
    if args.format == "json":
        write_json(results, sys.stdout)
    else:
        write_pretty(results, sys.stdout, verbose=args.verbose)
    if not results and args.fail_on_empty:
        print("no test cases found", file=sys.stderr)
        return 1
    return 0 if all(r.passed or r.skip for r in results) else 1


# --- output ----------------------------------------------------------------------


def write_pretty(results: list[TestResult], out: TextIO, *, verbose: bool = False) -> None:
    """OPA's PrettyReporter, without traces."""
    counts = {"PASS": 0, "FAIL": 0, "SKIPPED": 0, "ERROR": 0}
    for r in results:
        counts[r.outcome] += 1
    failures = [r for r in results if r.outcome == "FAIL"]
    if failures and verbose:
        out.write(f"FAILURES\n{RULE}\n")
        for r in failures:
            out.write(f"{result_line(r)}\n\n")
            if r.output:
                out.write(_indent(r.output.strip()) + "\n\n")
        out.write(f"SUMMARY\n{RULE}\n")
    dirty = False
    last_file = ""
    for r in results:
        if verbose or not r.passed:
            if r.case.file != last_file:
                if last_file:
                    out.write("\n")
                out.write(f"{r.case.file}:\n")
                last_file = r.case.file
            dirty = True
            out.write(result_line(r) + "\n")
            if r.output:
                out.write("\n" + _indent(r.output.strip()) + "\n\n")
        if r.error is not None:
            out.write(_indent(str(r.error)) + "\n")
    if dirty:
        out.write(RULE + "\n")
    total = len(results)
    for label, n in counts.items():
        if n:
            out.write(f"{label}: {n}/{total}\n")


def result_line(r: TestResult) -> str:
    """`data.pkg.test_x: PASS (1.234ms)`; skipped tests have no duration."""
    if r.skip:
        return f"{r.case.full_name}: SKIPPED"
    return f"{r.case.full_name}: {r.outcome} ({format_duration(r.duration_ns)})"


def write_json(results: list[TestResult], out: TextIO) -> None:
    out.write(json.dumps([result_json(r) for r in results], indent=2, ensure_ascii=False) + "\n")


def result_json(r: TestResult) -> dict:
    """One result with the fields (and omissions) of OPA's tester.Result."""
    c = r.case
    doc: dict = {"location": {"file": c.file, "row": c.row, "col": c.col}, "package": c.package, "name": c.name}
    if r.fail:
        doc["fail"] = True
    if r.error is not None:
        err: dict = {"code": r.error.code, "message": r.error.message}
        loc = r.error.location
        if loc is not None:
            err["location"] = {"file": loc.file, "row": loc.row, "col": loc.col}
        doc["error"] = err
    if r.skip:
        doc["skip"] = True
    doc["duration"] = r.duration_ns
    if r.output:
        doc["output"] = base64.b64encode(r.output.encode("utf-8")).decode("ascii")
    return doc


def format_duration(ns: int) -> str:
    """A duration as Go's time.Duration prints it: 0s, 850ns, 12.5µs, 1.234567ms, 2.5s, 1m3s."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_frac(ns, 3)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_frac(ns, 6)}ms"
    seconds, rest = divmod(ns, 1_000_000_000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = _frac(seconds * 1_000_000_000 + rest, 9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def parse_duration(text: str) -> Optional[float]:
    """Seconds in a Go duration ("5s", "1m30s", "250ms", "0"); None if malformed."""
    text = text.strip()
    if text == "0":
        return 0.0
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * units[u] for n, u in parts)


def _frac(value: int, digits: int) -> str:
    whole, frac = divmod(value, 10 ** digits)
    tail = f"{frac:0{digits}d}".rstrip("0")
    return f"{whole}.{tail}" if tail else str(whole)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.split("\n"))


def _usage(message: str) -> int:
    print(f"regolite test: error: {message}", file=sys.stderr)
    return 2
