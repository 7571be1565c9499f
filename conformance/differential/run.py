"""Running many cases through both engines: counts, differences, shrinking, expected differences.

`run_programs(n, seed)` draws n generated programs (hypothesis, seeded, no
shrinking while counting), compares each, and keeps the differences; then
`shrink` asks hypothesis for the smallest program showing each kind of
difference seen. A difference listed in `expected_differences.yaml` (OPA's
own bug, or a deliberate choice of regolite's) counts as agreement, and a
listed one that no longer shows is reported so that the list only shrinks.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

import yaml
from hypothesis import HealthCheck, Phase, find, given, seed, settings
from hypothesis.errors import NoSuchExample

from conformance.differential.outcome import VERDICTS, Case, Outcome, canonical, run_opa, run_regolite, verdict
from conformance.differential.programs import programs

EXPECTED = Path(__file__).with_name("expected_differences.yaml")


@dataclass
class Difference:
    case: Case
    verdict: str
    ours: Outcome
    theirs: Outcome

    @property
    def kind(self) -> tuple:
        """What makes two differences the same kind (for shrinking one of each)."""
        return (self.verdict, tuple(sorted(self.ours.codes)), tuple(sorted(self.theirs.codes)))

    def report(self) -> str:
        return (f"{self.verdict}\n{self.case.text()}\n# regolite: {self.ours.summary()}\n"
                f"# opa:      {self.theirs.summary()}")


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    differences: list = field(default_factory=list)
    expected_seen: set = field(default_factory=set)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        c = self.counts
        return (f"programs {self.total}, equal {c['equal']}, differ {c['differ']}, "
                f"regolite_only_error {c['regolite_only_error']}, opa_only_error {c['opa_only_error']}, "
                f"both_error {c['both_error']}")


@dataclass(frozen=True)
class Expected:
    """A listed difference, the verdict it shows and why: either a text every program
    showing it contains, or a `check` that tells it apart (see CHECKS)."""

    name: str
    contains: Optional[str]
    verdict: str
    reason: str
    check: Optional[str] = None

    def matches(self, d: Difference) -> bool:
        if d.verdict != self.verdict:
            return False
        if self.check is not None:
            return CHECKS[self.check](d)
        return self.contains in d.case.text()


_STRICT_CODES = frozenset({"eval_builtin_error", "eval_type_error"})


def strict_error_order(d: Difference) -> bool:
    """regolite raised a built-in error that OPA never reached: without strict errors
    regolite answers exactly what OPA answers, so the error was all that differed."""
    if not d.ours.codes or not d.ours.codes <= _STRICT_CODES:
        return False
    lenient = run_regolite(d.case, strict=False)
    return not lenient.error and not d.theirs.error and canonical(lenient.result) == canonical(d.theirs.result)


CHECKS: dict[str, Callable[[Difference], bool]] = {"strict_error_order": strict_error_order}


def load_expected(path: Path = EXPECTED) -> list[Expected]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Expected(e["name"], e.get("contains"), e["verdict"], e["reason"], e.get("check")) for e in entries]


def compare(oracle, case: Case, expected: list[Expected], tally: Tally) -> None:
    """Both engines on one case, counted in `tally` (a difference kept there, unless listed)."""
    ours, theirs = run_regolite(case), run_opa(oracle, case)
    v = verdict(ours, theirs)
    if v not in ("equal", "both_error"):
        d = Difference(case, v, ours, theirs)
        listed = next((e for e in expected if e.matches(d)), None)
        if listed is not None:
            tally.expected_seen.add(listed.name)
            v = "equal"
        else:
            tally.differences.append(d)
    tally.counts[v] += 1


def run_cases(oracle, cases: Iterable[Case], expected: list[Expected]) -> Tally:
    tally = Tally()
    start = time.perf_counter()
    for case in cases:
        compare(oracle, case, expected, tally)
    tally.seconds = time.perf_counter() - start
    return tally


@contextlib.contextmanager
def without_local_constants():
    """Hypothesis draws from constants it finds in every local module imported so far
    (hypothesis.internal.conjecture.providers), so the same seed would give other
    programs after any change to regolite or in a process that imported more (a full
    pytest run): while drawing, it finds none, and a seed always gives the same programs."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without local constants
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    if original is None or not hasattr(providers, "Constants"):  # pragma: no cover
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def run_programs(oracle, shared: Path, n: int, seed_value: int, expected: list[Expected],
                 progress: Optional[Callable[[Tally], None]] = None) -> Tally:
    """n generated programs (hypothesis draws them from `seed_value`), compared."""
    tally = Tally()
    start = time.perf_counter()

    @seed(seed_value)
    @settings(max_examples=n, phases=[Phase.generate], database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(programs(shared))
    def check(case: Case) -> None:
        compare(oracle, case, expected, tally)
        if progress is not None and tally.total % 1000 == 0:
            progress(tally)

    with without_local_constants():
        check()
    tally.seconds = time.perf_counter() - start
    return tally


def shrink(oracle, shared: Path, difference: Difference, expected: list[Expected],
           examples: int = 2000) -> Optional[Difference]:
    """The smallest generated program with a difference of the same kind (or None if
    hypothesis finds none within `examples` draws)."""
    def same_kind(case: Case) -> bool:
        tally = Tally()
        compare(oracle, case, expected, tally)
        return any(d.kind == difference.kind for d in tally.differences)

    try:
        with without_local_constants():
            case = find(programs(shared), same_kind, settings=settings(
                max_examples=examples, database=None, deadline=None, suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None
    ours, theirs = run_regolite(case), run_opa(oracle, case)
    return Difference(case, verdict(ours, theirs), ours, theirs)


__all__ = ["VERDICTS", "Difference", "Expected", "Tally", "load_expected", "run_cases", "run_programs", "shrink"]
