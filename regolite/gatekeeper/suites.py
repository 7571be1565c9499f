"""gator suites (`suite.yaml`): reading them and judging their assertions.

A suite names a template, a constraint and cases (an object, optional
inventory, assertions). Running a case is the caller's business (a
`review(template, constraint, object, inventory) -> messages` callable);
this module knows the file format, the `--run` filter and what an assertion
means (GATEKEEPER-SEMANTICS.md §7.2). Files are read as YAML 1.2 by
`regolite.documents` (bare yes/no stay strings; reads bounded, aliases limited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import re2

from regolite.builtins.regex import OPTIONS
from regolite.documents import DocumentError, decode_text, read_file_bytes, yaml_documents
from regolite.errors import RegoError

SUITE_GROUP = "test.gatekeeper.sh"


class SuiteError(RegoError):
    """A suite file or case that cannot be run as written."""

    def __init__(self, message: str, file: str = "") -> None:
        super().__init__("suite_error", message, None)
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


@dataclass
class Assertion:
    violations: Any = "yes"  # "yes" | "no" | int >= 0
    message: Optional[str] = None


@dataclass
class Case:
    name: str
    object: Optional[str]
    inventory: list = field(default_factory=list)
    assertions: list = field(default_factory=list)
    skip: bool = False


@dataclass
class Test:
    name: str
    template: Optional[str]
    constraint: Optional[str]
    cases: list = field(default_factory=list)
    invalid: bool = False
    skip: bool = False
    expansion: Optional[str] = None


@dataclass
class Suite:
    path: Path
    tests: list = field(default_factory=list)
    skip: bool = False

    def resolve(self, relative: str) -> Path:
        """A path named in the suite, joined onto the suite file's directory."""
        return self.path.parent / relative


def find_suites(paths: list[str]) -> list[Suite]:
    """The suites under `paths`: suite files, or directories searched recursively.

    gator reads only a directory's own files unless it is written `dir/...`;
    regolite searches directories recursively either way (and accepts `dir/...`).
    """
    files: list[Path] = []
    for raw in paths:
        recursive = True
        base = Path(raw[:-4] if raw.endswith("/...") else raw)
        if base.is_file():
            if base.suffix not in (".yaml", ".yml"):
                raise SuiteError("unsupported extension", str(base))
            files.append(base)
        elif base.is_dir():
            pattern = "**/*" if recursive else "*"
            files.extend(sorted(p for p in base.glob(pattern) if p.is_file() and p.suffix in (".yaml", ".yml")))
        else:
            raise SuiteError("no such file or directory", raw)
    suites = []
    for file in files:
        try:
            text = decode_text(read_file_bytes(file), str(file))
        except DocumentError as e:
            raise SuiteError(f"cannot read: {e.message}", str(file)) from None
        first = next(_documents(text, str(file)), None)
        if first is None:
            continue
        if not isinstance(first, dict):
            raise SuiteError(f"listing test files: invalid yaml: parsing yaml file {file}: not a mapping", str(file))
        group = str(first.get("apiVersion", "")).split("/")[0]
        if group != SUITE_GROUP or first.get("kind") != "Suite":
            continue
        suites.append(parse_suite(first, file))
    return suites


def _documents(text: str, name: str) -> Iterator[Any]:
    """The YAML documents of a file, one at a time."""
    try:
        for _index, _line, doc in yaml_documents(text, name, "1.2"):
            yield doc
    except DocumentError as e:
        raise SuiteError(f"listing test files: invalid yaml: parsing yaml file {name}: {e.message}", name) from None


def parse_suite(doc: dict, path: Path) -> Suite:
    suite = Suite(path, skip=bool(doc.get("skip", False)))
    for t in doc.get("tests") or []:
        if not isinstance(t, dict):
            raise SuiteError("invalid Suite: each test must be a mapping", str(path))
        test = Test(
            name=str(t.get("name", "")),
            template=t.get("template"),
            constraint=t.get("constraint"),
            invalid=bool(t.get("invalid", False)),
            skip=bool(t.get("skip", False)),
            expansion=t.get("expansion"),
        )
        for c in t.get("cases") or []:
            if not isinstance(c, dict):
                raise SuiteError("invalid Case: each case must be a mapping", str(path))
            inventory = c.get("inventory") or []
            if isinstance(inventory, str):
                inventory = [inventory]
            test.cases.append(Case(
                name=str(c.get("name", "")),
                object=c.get("object"),
                inventory=list(inventory),
                assertions=[_assertion(a, path) for a in (c.get("assertions") or [])],
                skip=bool(c.get("skip", False)),
            ))
        suite.tests.append(test)
    return suite


def _assertion(raw: Any, path: Path) -> Assertion:
    if not isinstance(raw, dict):
        raise SuiteError("invalid yaml: an assertion must be a mapping", str(path))
    violations = raw.get("violations", "yes")
    if violations is None:
        violations = "yes"
    if isinstance(violations, bool) or not (
        violations in ("yes", "no") or (isinstance(violations, int) and violations >= 0)
    ):
        raise SuiteError(
            'invalid yaml: assertion.violation, if set, must be a nonnegative integer, "yes", or "no"', str(path)
        )
    message = raw.get("message")
    return Assertion(violations, None if message is None else str(message))


# --- the --run filter ---------------------------------------------------------------------


@dataclass
class RunFilter:
    """gator's `--run`: `R` (test or case names) or `A//B` (tests A, their cases B)."""

    tests: Optional[Any] = None
    cases: Optional[Any] = None
    both: bool = False

    @classmethod
    def parse(cls, text: Optional[str]) -> "RunFilter":
        if not text:
            return cls()
        if text.count("//") > 1:
            raise SuiteError('invalid test filter: a filter may include at most one "//"')
        try:
            if "//" in text:
                a, b = text.split("//")
                return cls(re2.compile(a, OPTIONS), re2.compile(b, OPTIONS))
            r = re2.compile(text, OPTIONS)
        except re2.error as e:
            raise SuiteError(f"invalid test filter: {e}") from None
        return cls(r, r, both=True)

    def runs_test(self, test: Test) -> bool:
        if self.tests is None:
            return True
        if self.both:
            return bool(self.tests.search(test.name)) or any(self.tests.search(c.name) for c in test.cases)
        return bool(self.tests.search(test.name))

    def runs_case(self, test: Test, case: Case) -> bool:
        if self.cases is None:
            return True
        if self.both:
            return bool(self.cases.search(case.name)) or bool(self.cases.search(test.name))
        return bool(self.cases.search(case.name))


# --- assertions -----------------------------------------------------------------------------


def check_assertions(assertions: list, messages: list[str]) -> Optional[str]:
    """None when every assertion holds for the review's messages, else gator's failure text."""
    if not assertions:
        return "invalid Case: assertions must be non-empty"
    for a in assertions:
        if a.message is None:
            matched = len(messages)
            containing = ""
        else:
            try:
                pattern = re2.compile(a.message, OPTIONS)
            except re2.error as e:
                return f"message contains invalid regular expression: {e}"
            matched = sum(1 for m in messages if pattern.search(m))
            containing = f' containing "{a.message}"'
        got = f"got {matched} violations{containing}"
        problem = None
        if a.violations == "yes" and matched < 1:
            problem = f"{got} but want at least 1"
        elif a.violations == "no" and matched != 0:
            problem = f"{got} but want none"
        elif isinstance(a.violations, int) and matched != a.violations:
            problem = f"{got} but want exactly {a.violations}"
        if problem:
            return f"unexpected number of violations: {problem}: got messages [{' '.join(messages)}]"
    return None
