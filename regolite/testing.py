"""Rego unit tests, as `opa test` runs them: discover, evaluate, report results.

A test is a rule whose name starts with `test_` (in any package); a rule whose
name starts with `todo_` is a skipped test. Each test is the query
`data.<package>.<rule>`, evaluated with no input (a test sets one with
`with input as ...`): it passes when its value is defined and not false,
fails when undefined or false, and errors when evaluation raises.

As in OPA, all policies and data are compiled together, once. Several
definitions of the same test rule are separate tests: OPA renames the second
and later ones `test_x#01`, `test_x#02`... (counting per rule path, files in
name order), so each body is evaluated on its own; we do the same by renaming
those rules in the AST before compiling. Default rules and functions named
`test_...` are not tests.

Nothing here prints: `regolite.cli.test` formats the results.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Pattern, Sequence, Union

from regolite import ast
from regolite.builtins.regex import go_search
from regolite.errors import EVAL_CANCEL_ERROR, EVAL_INTERNAL_ERROR, RegoError, RegoParseError
from regolite.loader import load_paths
from regolite.parser import parse_module
from regolite.policy import Policy
from regolite.policy import compile as compile_policy

TEST_PREFIX = "test_"
SKIP_PREFIX = "todo_"
DEFAULT_TIMEOUT = 5.0  # seconds, as `opa test`


@dataclass(frozen=True)
class TestCase:
    """One test rule: where it is, its package (`data.a.b`) and its name."""

    __test__ = False  # not a pytest class

    file: str
    row: int
    col: int
    package: str  # "data.a.b", as OPA reports it
    name: str  # the rule name; "test_x#01" for a second definition of test_x
    package_path: tuple  # ("a", "b")
    rule_index: int  # position of the rule in its module's rules
    skip: bool = False

    @property
    def full_name(self) -> str:
        """`data.<package>.<name>`: what `--run` matches and reports show."""
        return f"{self.package}.{self.name}"

    @property
    def query(self) -> str:
        """The query that evaluates the rule: `data["a"]["b"]["test_x"]`."""
        return "data" + "".join(f"[{json.dumps(p)}]" for p in (*self.package_path, self.name))


@dataclass
class TestResult:
    """The outcome of one test, with the fields of OPA's `tester.Result`."""

    __test__ = False

    case: TestCase
    fail: bool = False
    error: Optional[RegoError] = None
    skip: bool = False
    duration_ns: int = 0
    output: str = ""  # what print() wrote, one line per call

    @property
    def passed(self) -> bool:
        return not self.fail and not self.skip and self.error is None

    @property
    def outcome(self) -> str:
        if self.passed:
            return "PASS"
        if self.fail:
            return "FAIL"
        if self.skip:
            return "SKIPPED"
        return "ERROR"


@dataclass
class TestRun:
    """Modules prepared for a run: parsed, duplicates renamed, tests found."""

    __test__ = False

    modules: list = field(default_factory=list)  # ast.Module, files in name order
    cases: list = field(default_factory=list)


# --- public API ---------------------------------------------------------------


def run_tests(
    paths: Sequence[str],
    *,
    run: Union[str, Pattern, None] = None,
    rego_version: str = "v1",
    timeout: Optional[float] = DEFAULT_TIMEOUT,
) -> list[TestResult]:
    """Load policies and data from `paths`, compile them together, run the tests.

    `run` keeps the tests whose `data.<package>.<name>` matches the regular
    expression (anywhere, as Go's MatchString). `timeout` is seconds per test
    (None or 0: no limit). Raises `LoadError`, `RegoParseError` or
    `RegoCompileError` when the policies cannot be loaded or compiled.
    """
    loaded = load_paths(list(paths))
    return run_modules(loaded.modules, data=loaded.data, run=run, rego_version=rego_version, timeout=timeout)


def run_modules(
    sources: Mapping[str, str],
    *,
    data: Any = None,
    run: Union[str, Pattern, None] = None,
    rego_version: str = "v1",
    timeout: Optional[float] = DEFAULT_TIMEOUT,
) -> list[TestResult]:
    """`run_tests` on modules given as {file name: source}."""
    prepared = prepare(sources, rego_version=rego_version)
    selected = go_search(run) if isinstance(run, str) else run.search if run is not None else None
    cases = [c for c in prepared.cases if selected is None or selected(c.full_name)]
    policy = compile_policy({m.package.loc.file or str(i): m for i, m in enumerate(prepared.modules)},
                            data=data, rego_version=rego_version)
    return [run_case(policy, case, timeout=timeout) for case in cases]


def prepare(sources: Mapping[str, str], *, rego_version: str = "v1") -> TestRun:
    """Parse every module (all parse errors at once), find the tests, rename duplicates."""
    modules = parse_modules(sources, rego_version=rego_version)
    cases = discover(modules)
    return TestRun(_renamed(modules, cases), cases)


def parse_modules(sources: Mapping[str, str], *, rego_version: str = "v1") -> list:
    """The parsed modules, in file name order; a RegoParseError lists every syntax error."""
    modules = []
    errors: list = []
    for name in sorted(sources):
        try:
            modules.append(parse_module(sources[name], name, rego_version=rego_version))
        except RegoParseError as e:
            errors.extend(e.errors)
    if errors:
        raise RegoParseError(errors[0].message, errors[0].location, errors)
    return modules


def discover(modules: Union[Iterable, Mapping[str, Any]]) -> list[TestCase]:
    """The test (and todo) rules of `modules`, files in name order, rules in source order.

    `modules` are `ast.Module`s (or a {name: Module} mapping). The second and
    later definitions of a test rule path are named `<name>#01`, `#02`...
    """
    if isinstance(modules, Mapping):
        modules = modules.values()
    seen: dict = {}
    cases = []
    for module in sorted(modules, key=_file_of):
        path = _package_path(module)
        if path is None:
            continue
        package = "data." + ".".join(path) if all(_is_ident(p) for p in path) else _ref_text(path)
        for index, rule in enumerate(module.rules):
            name = rule.head.name
            if rule.default or rule.head.args is not None or "." in name:
                continue
            if name.startswith(TEST_PREFIX):
                key = (path, name)
                count = seen.get(key, 0)
                seen[key] = count + 1
                shown = name if count == 0 else f"{name}#{count:02d}"
                skip = False
            elif name.startswith(SKIP_PREFIX):
                shown, skip = name, True
            else:
                continue
            loc = rule.loc
            cases.append(TestCase(loc.file or _file_of(module), loc.row, loc.col, package, shown,
                                  path, index, skip))
    return cases


def run_case(policy: Policy, case: TestCase, *, timeout: Optional[float] = DEFAULT_TIMEOUT) -> TestResult:
    """Evaluate one test against a compiled policy."""
    result = TestResult(case)
    if case.skip:
        result.skip = True
        return result
    lines: list[str] = []
    start = time.perf_counter_ns()
    try:
        rows = _with_deadline(lambda: policy.query(case.query, print_to=lines.append), timeout)
    except _Deadline:
        result.error = RegoError(EVAL_CANCEL_ERROR, f"caught context cancellation (timeout {timeout:g}s)",
                                 _location(case))
    except RegoError as e:
        result.error = e
    except RecursionError:
        result.error = RegoError(EVAL_INTERNAL_ERROR, "evaluation too deep (Python recursion limit)", _location(case))
    except Exception as e:  # an engine bug: report it as the test's error, keep going
        result.error = RegoError(EVAL_INTERNAL_ERROR, f"{type(e).__name__}: {e}", _location(case))
    else:
        value = rows[0]["expressions"][0] if rows else None
        result.fail = not rows or value is False
    result.duration_ns = time.perf_counter_ns() - start
    result.output = "".join(line + "\n" for line in lines)
    return result


# --- helpers --------------------------------------------------------------------


def _file_of(module) -> str:
    return module.package.loc.file or module.loc.file or ""


def _location(case: TestCase) -> ast.Location:
    return ast.Location(case.file, case.row, case.col)


def _package_path(module) -> Optional[tuple]:
    parts = []
    for term in module.package.path.terms[1:]:
        if not isinstance(term, ast.Scalar) or not isinstance(term.value, str):
            return None
        parts.append(term.value)
    return tuple(parts)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _is_ident(text: str) -> bool:
    return bool(_IDENT.match(text))


def _ref_text(path: tuple) -> str:
    return "data" + "".join(f".{p}" if _is_ident(p) else f"[{json.dumps(p)}]" for p in path)


def _renamed(modules: list, cases: list[TestCase]) -> list:
    """`modules` with each duplicate test rule renamed to its case name (`test_x#01`)."""
    renames: dict = {}
    for case in cases:
        if "#" in case.name:
            renames.setdefault(case.file, {})[case.rule_index] = case.name
    out = []
    for module in modules:
        todo = renames.get(_file_of(module))
        if todo:
            rules = list(module.rules)
            for index, name in todo.items():
                rule = rules[index]
                first = rule.head.ref.terms[0]
                ref = dataclasses.replace(rule.head.ref, terms=(dataclasses.replace(first, name=name),))
                rules[index] = dataclasses.replace(rule, head=dataclasses.replace(rule.head, ref=ref))
            module = dataclasses.replace(module, rules=tuple(rules))
        out.append(module)
    return out


class _Deadline(BaseException):
    """Raised inside a test that runs past its timeout (a BaseException, so no
    `except Exception` in the engine swallows it)."""


def _with_deadline(fn, timeout: Optional[float]):
    """`fn()`, interrupted with `_Deadline` after `timeout` seconds.

    Evaluation is plain Python in this thread, so a timer thread raises the
    exception in it asynchronously (CPython's PyThreadState_SetAsyncExc);
    it lands at the next bytecode boundary of the running evaluation.
    """
    if not timeout or timeout <= 0:
        return fn()
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_Deadline))

    timer = threading.Timer(timeout, fire)
    timer.daemon = True
    timer.start()
    try:
        try:
            return fn()
        finally:
            with lock:
                state["done"] = True
    finally:
        timer.cancel()
