"""Running many cases through both engines: counts, differences, shrinking, expected differences.

`run_programs(n, seed)` draws n generated programs (hypothesis, seeded, no
shrinking while counting), compares each, and keeps the differences; then
`shrink` asks hypothesis for the smallest program showing each kind of
difference seen. A difference listed in `expected_differences.yaml` (OPA's
own bug, or a deliberate choice of regolite's) counts as agreement, and a
listed one that no longer shows is reported so that the list only shrinks.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import yaml
from hypothesis import HealthCheck, Phase, find, given, seed, settings
from hypothesis.errors import NoSuchExample

from conformance.differential.outcome import VERDICTS, Case, Outcome, run_opa, run_regolite, verdict
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
    """A listed difference: a text every program showing it contains, the verdict, and why."""

    name: str
    contains: str
    verdict: str
    reason: str

    def matches(self, d: Difference) -> bool:
        return d.verdict == self.verdict and self.contains in d.case.text()


def load_expected(path: Path = EXPECTED) -> list[Expected]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Expected(e["name"], e["contains"], e["verdict"], e["reason"]) for e in entries]


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

    with no_local_constants():
        check()
    tally.seconds = time.perf_counter() - start
    return tally


@contextmanager
def no_local_constants() -> Iterator[None]:
    """Hypothesis draws some values from the constants of the modules loaded so far
    (its "local constants", cached on first use), so the same seed gave other programs
    after other tests had run: none while programs are drawn, the same ones every time."""
    try:
        from hypothesis.internal.conjecture import providers
        getter_name = "_get_local_constants"
        saved = getattr(providers, getter_name)
        empty = providers.Constants(integers=set(), floats=set(), bytes=set(), strings=set())
    except (ImportError, AttributeError, TypeError):  # another hypothesis: as it comes
        yield
        return
    providers.CONSTANTS_CACHE.cache.clear()
    setattr(providers, getter_name, lambda: empty)
    try:
        yield
    finally:
        setattr(providers, getter_name, saved)
        providers.CONSTANTS_CACHE.cache.clear()


def shrink(oracle, shared: Path, difference: Difference, expected: list[Expected],
           examples: int = 2000) -> Optional[Difference]:
    """The smallest generated program with a difference of the same kind (or None if
    hypothesis finds none within `examples` draws)."""
    def same_kind(case: Case) -> bool:
        tally = Tally()
        compare(oracle, case, expected, tally)
        return any(d.kind == difference.kind for d in tally.differences)

    try:
        case = find(programs(shared), same_kind, settings=settings(
            max_examples=examples, database=None, deadline=None, suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None
    ours, theirs = run_regolite(case), run_opa(oracle, case)
    return Difference(case, verdict(ours, theirs), ours, theirs)


__all__ = ["VERDICTS", "Difference", "Expected", "Tally", "load_expected", "run_cases", "run_programs", "shrink"]
