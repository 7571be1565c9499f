"""Benchmarking template evaluation, like `gator bench` (GATEKEEPER-SEMANTICS.md §7.4).

`run_benchmark(docs, ...)` splits documents into templates, constraints and
review objects, builds a `Gatekeeper` client with gator's enforcement point
(setup timed: client creation, template compilation, constraint loading, data
loading; every review object is also added as `data.inventory`, as gator's Rego
engine does), runs `warmup` untimed passes, then `iterations` timed passes over
all review objects, timing each single `review()` with `time.perf_counter_ns`.

Concurrency uses threads sharing one client. CPython's GIL lets only one
thread run Python code at a time, so `concurrency > 1` measures contention
rather than parallel speed-up: throughput stays flat (or drops) while
per-review latencies grow.

Documents are split by the rule of `regolite.gatekeeper.reviewable`: those
that are not Kubernetes objects (no `apiVersion` or `kind`: kustomization
files in the gatekeeper-library) can be neither reviewed nor stored as
inventory; they are listed as skipped (`skippedObjects`) instead of failing
the run.

Per-constraint latencies come from a separate pass after the timed run (not
part of `totalDuration`): for each loaded constraint, a client holding only
that constraint (sharing the compiled templates and the inventory) reviews
every review object `constraint_passes` times (default once). Each sample is a
whole `review()`, so it includes the fixed cost of building the review that
every constraint pays; objects the constraint does not match cost only that.

`memory=True` uses `tracemalloc` in a separate pass after the timed run
(tracing slows Python several times over, so it never runs during timing).
For each review it records the traced bytes' high-water mark above the level
before the review (`bytesPerReview`: the memory a review needs) and how many
more blocks `sys.getallocatedblocks()` counts after it than before
(`retainedBlocksPerReview`: caches filling, or leaks). CPython keeps no
cumulative allocation counter, so unlike gator there is no `allocsPerReview`
(a comparison checks `Bytes/Review` only).

`compare(baseline, current, ...)` applies gator's pass/fail rules. Nothing
here prints: `check_options` returns the warnings for the caller to show.
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from regolite.documents import DocumentError, decode_text, read_file_bytes, reject_json_constant
from regolite.errors import RegoError
from regolite.gatekeeper.constraints import find_template
from regolite.gatekeeper.documents import Document
from regolite.gatekeeper.engine import GATOR, Gatekeeper, ReviewFailed
from regolite.gatekeeper.reviewable import sort_documents
from regolite.gatekeeper.templates import load_template

BENCH_ERROR = "bench_error"
ENGINE_REGO = "rego"
ENGINES = (ENGINE_REGO,)
UNSUPPORTED_ENGINES = ("cel", "all")  # gator's other choices; regolite has no CEL driver
DEFAULT_ITERATIONS = 1000
DEFAULT_WARMUP = 10
DEFAULT_CONCURRENCY = 1
DEFAULT_THRESHOLD = 10.0  # percent
P99_MIN_ITERATIONS = 1000
LATENCY_METRICS = (("P50 Latency", "p50"), ("P95 Latency", "p95"), ("P99 Latency", "p99"), ("Mean Latency", "mean"))


class BenchError(RegoError):
    """A benchmark that cannot run or compare: bad options, empty input groups, a failing review."""

    def __init__(self, message: str) -> None:
        super().__init__(BENCH_ERROR, message, None)


# --- results ------------------------------------------------------------------------


@dataclass
class Latencies:
    """Per-review latency statistics, integer nanoseconds."""

    min: int = 0
    max: int = 0
    mean: int = 0
    p50: int = 0
    p95: int = 0
    p99: int = 0

    def to_json(self) -> dict:
        return {"min": self.min, "max": self.max, "mean": self.mean, "p50": self.p50, "p95": self.p95,
                "p99": self.p99}


@dataclass
class ConstraintLatency:
    """One constraint's share, measured with a client holding only it."""

    constraint: str  # Kind/name
    template: str
    reviews: int
    violation_count: int
    total_duration: int
    latencies: Latencies

    def to_json(self) -> dict:
        return {"constraint": self.constraint, "template": self.template, "reviews": self.reviews,
                "violationCount": self.violation_count, "totalDuration": self.total_duration,
                "latencies": self.latencies.to_json()}


@dataclass
class MemoryStats:
    """tracemalloc figures from one untimed pass over the review objects."""

    reviews: int
    bytes_per_review: int  # mean high-water mark of traced bytes above the pre-review level
    total_bytes: int  # sum of those high-water marks
    peak_bytes: int  # the largest single one
    retained_blocks_per_review: float  # mean blocks still allocated after a review (caches, leaks)

    def to_json(self) -> dict:
        return {"reviews": self.reviews, "bytesPerReview": self.bytes_per_review, "totalBytes": self.total_bytes,
                "peakBytes": self.peak_bytes, "retainedBlocksPerReview": self.retained_blocks_per_review}


@dataclass
class BenchResult:
    """One engine's results; `to_json()` uses gator's key names, durations in nanoseconds."""

    engine: str = ENGINE_REGO
    template_count: int = 0
    constraint_count: int = 0
    object_count: int = 0
    skipped_templates: list = field(default_factory=list)
    skipped_constraints: list = field(default_factory=list)
    skipped_objects: list = field(default_factory=list)
    referential_data_supported: bool = True
    iterations: int = 0
    warmup: int = 0
    concurrency: int = 1
    setup_duration: int = 0
    client_creation: int = 0
    template_compilation: int = 0
    constraint_loading: int = 0
    data_loading: int = 0
    total_duration: int = 0
    latencies: Latencies = field(default_factory=Latencies)
    violation_count: int = 0
    reviews_per_second: float = 0.0
    memory: Optional[MemoryStats] = None
    constraints: list = field(default_factory=list)  # ConstraintLatency, in (kind, name) order

    def to_json(self) -> dict:
        out: dict = {
            "engine": self.engine,
            "templateCount": self.template_count,
            "constraintCount": self.constraint_count,
            "objectCount": self.object_count,
        }
        if self.skipped_templates:
            out["skippedTemplates"] = list(self.skipped_templates)
        if self.skipped_constraints:
            out["skippedConstraints"] = list(self.skipped_constraints)
        if self.skipped_objects:
            out["skippedObjects"] = list(self.skipped_objects)
        out.update({
            "referentialDataSupported": self.referential_data_supported,
            "iterations": self.iterations,
            "warmup": self.warmup,
            "concurrency": self.concurrency,
            "setupDuration": self.setup_duration,
            "setupBreakdown": {
                "clientCreation": self.client_creation,
                "templateCompilation": self.template_compilation,
                "constraintLoading": self.constraint_loading,
                "dataLoading": self.data_loading,
            },
            "totalDuration": self.total_duration,
            "latencies": self.latencies.to_json(),
            "violationCount": self.violation_count,
            "reviewsPerSecond": self.reviews_per_second,
        })
        if self.memory is not None:
            out["memoryStats"] = self.memory.to_json()
        if self.constraints:
            out["constraintLatencies"] = [c.to_json() for c in self.constraints]
        return out


# --- running ------------------------------------------------------------------------


def check_engine(engine: str) -> str:
    """The normalised engine name; BenchError for anything but rego (case-insensitive, as gator)."""
    name = (engine or "").strip().lower()
    if name in ENGINES:
        return name
    if name in UNSUPPORTED_ENGINES:
        raise BenchError(f'engine "{engine}" is not available: regolite has no CEL engine; '
                         f'the only supported engine is "{ENGINE_REGO}"')
    raise BenchError(f'invalid engine "{engine}" (valid: {", ".join(ENGINES)})')


def check_options(iterations: int, warmup: int, concurrency: int) -> list:
    """BenchError for out-of-range values; the warnings gator prints for legal but doubtful ones."""
    if iterations <= 0:
        raise BenchError(f"iterations must be positive, got {iterations}")
    if warmup < 0:
        raise BenchError(f"warmup must be non-negative, got {warmup}")
    if concurrency < 1:
        raise BenchError(f"concurrency must be at least 1, got {concurrency}")
    warnings = []
    if iterations < P99_MIN_ITERATIONS:
        warnings.append(f"Warning: {iterations} iterations may not give statistically significant P99 "
                        f"latencies; use at least {P99_MIN_ITERATIONS} iterations for reliable P99 metrics")
    if warmup > iterations:
        warnings.append(f"Warning: warmup ({warmup}) is greater than iterations ({iterations})")
    return warnings


def split_documents(docs: Sequence[Document]) -> tuple[list, list, list, list]:
    """(templates, constraints, review objects, skipped) as gator bench splits them.

    Everything that is neither a template nor a constraint is a review
    object, except documents that are not Kubernetes objects (no `apiVersion`
    or `kind`: kustomization files and the like), which can be neither
    reviewed nor stored as inventory: those are returned as skipped instead
    of failing the run (`regolite.gatekeeper.reviewable.sort_documents`).
    """
    found = sort_documents(docs)
    if not found.templates:
        raise BenchError("no ConstraintTemplates found in input")
    if not found.constraints:
        raise BenchError("no Constraints found in input")
    if not found.objects:
        raise BenchError("no objects to review found in input")
    return found.templates, found.constraints, found.objects, found.skipped


def run_benchmark(docs: Sequence[Document], *, engine: str = ENGINE_REGO, iterations: int = DEFAULT_ITERATIONS,
                  warmup: int = DEFAULT_WARMUP, concurrency: int = DEFAULT_CONCURRENCY, memory: bool = False,
                  per_constraint: bool = True, constraint_passes: int = 1) -> BenchResult:
    """Benchmark reviewing `docs`' objects against their templates and constraints.

    Raises BenchError (bad options, an empty group, a template or constraint
    that does not load, a failing review). `check_options` gives the warnings
    gator prints for these options; callers show them before the run.
    """
    engine = check_engine(engine)
    check_options(iterations, warmup, concurrency)
    template_docs, constraint_docs, object_docs, skipped = split_documents(docs)
    result = BenchResult(engine=engine, iterations=iterations, warmup=warmup, concurrency=concurrency,
                         skipped_objects=[d.where for d in skipped])
    client = _setup(result, template_docs, constraint_docs, object_docs)
    objects = [d for d in object_docs]
    result.object_count = len(objects)

    for _ in range(warmup):
        for d in objects:
            _review(client, d)
    durations, violations, total = _timed_passes(client, objects, iterations, concurrency)
    result.total_duration = total
    result.latencies = latencies(durations, total)
    result.violation_count = violations
    result.reviews_per_second = (iterations * len(objects)) / (total / 1e9) if total > 0 else 0.0
    if memory:
        result.memory = _memory_pass(client, objects)
    if per_constraint:
        result.constraints = _constraint_passes(client, objects, max(1, constraint_passes))
    return result


def _setup(result: BenchResult, template_docs: list, constraint_docs: list, object_docs: list) -> Gatekeeper:
    start = time.perf_counter_ns()
    client = Gatekeeper(enforcement_point=GATOR)
    t1 = time.perf_counter_ns()
    for d in template_docs:
        try:
            if not _has_rego_target(d.obj) and load_template(d.obj, source=d.where).cel_only:
                result.skipped_templates.append(_name(d.obj))
                continue
            client.add_template(d.obj, source=d.where)
        except RegoError as e:
            raise BenchError(f'adding template "{_name(d.obj)}": {e}') from None
    if not client.templates:
        raise BenchError(f"no templates compatible with {result.engine} engine "
                         f"(all {len(template_docs)} templates skipped)")
    t2 = time.perf_counter_ns()
    for d in constraint_docs:
        kind = d.obj.get("kind")
        if not isinstance(kind, str) or find_template(client.templates, kind) is None:
            result.skipped_constraints.append(f"{kind}/{_name(d.obj)}")
            continue
        try:
            client.add_constraint(d.obj, source=d.where)
        except RegoError as e:
            raise BenchError(f'adding constraint "{_name(d.obj)}": {e}') from None
    if not client.constraints:
        raise BenchError(f"no constraints compatible with {result.engine} engine "
                         f"(all {len(constraint_docs)} constraints skipped)")
    t3 = time.perf_counter_ns()
    for d in object_docs:
        try:
            client.add_inventory([d.obj])
        except RegoError as e:
            raise BenchError(f"adding data {d.where}: {e}") from None
    end = time.perf_counter_ns()
    result.client_creation = t1 - start
    result.template_compilation = t2 - t1
    result.constraint_loading = t3 - t2
    result.data_loading = end - t3
    result.setup_duration = end - start
    result.template_count = len(client.templates)
    result.constraint_count = len(client.constraints)
    return client


def _has_rego_target(doc: dict) -> bool:
    """A quick yes for templates with legacy `rego:` code (which cannot be CEL-only)."""
    targets = (doc.get("spec") or {}).get("targets") if isinstance(doc.get("spec"), dict) else None
    return isinstance(targets, list) and any(isinstance(t, dict) and isinstance(t.get("rego"), str)
                                             and t["rego"].strip() for t in targets)


def _name(obj: dict) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else ""


def _review(client: Gatekeeper, d: Document) -> int:
    """Review one object; the number of results. A review error ends the benchmark, as in gator."""
    try:
        return len(client.review(d.obj).results)
    except ReviewFailed as e:
        raise BenchError(f"reviewing {d.where}: {e.message}") from None
    except RegoError as e:
        raise BenchError(f"reviewing {d.where}: {e}") from None


def _timed_passes(client: Gatekeeper, objects: list, iterations: int, concurrency: int) -> tuple[list, int, int]:
    """(per-review durations, violations over all passes, wall-clock total), all in nanoseconds."""
    clock = time.perf_counter_ns
    if concurrency == 1:
        durations: list = []
        record = durations.append
        violations = 0
        start = clock()
        for _ in range(iterations):
            for d in objects:
                t0 = clock()
                violations += _review(client, d)
                record(clock() - t0)
        return durations, violations, clock() - start
    # Workers take (iteration, object) items from one shared counter, as gator's workers share a channel.
    work = [d for _ in range(iterations) for d in objects]
    lock = threading.Lock()
    next_item = [0]
    per_worker: list = [[] for _ in range(concurrency)]
    counts = [0] * concurrency
    errors: list = []

    def worker(slot: int) -> None:
        own = per_worker[slot]
        try:
            while True:
                with lock:
                    i = next_item[0]
                    next_item[0] = i + 1
                if i >= len(work) or errors:
                    return
                t0 = clock()
                counts[slot] += _review(client, work[i])
                own.append(clock() - t0)
        except Exception as e:  # noqa: BLE001 - re-raised in the calling thread below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,), name=f"bench-{i}") for i in range(concurrency)]
    start = clock()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = clock() - start
    if errors:
        raise errors[0]
    return [x for own in per_worker for x in own], sum(counts), total


def _memory_pass(client: Gatekeeper, objects: list) -> MemoryStats:
    """One tracemalloc-traced pass: high-water bytes and retained blocks per review."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    total = peak_max = 0
    retained = 0
    try:
        for d in objects:
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            blocks_before = sys.getallocatedblocks()
            _review(client, d)
            _, peak = tracemalloc.get_traced_memory()
            used = max(0, peak - before)
            total += used
            peak_max = max(peak_max, used)
            retained += sys.getallocatedblocks() - blocks_before
    finally:
        if not was_tracing:
            tracemalloc.stop()
    n = len(objects)
    return MemoryStats(reviews=n, bytes_per_review=total // n if n else 0, total_bytes=total, peak_bytes=peak_max,
                       retained_blocks_per_review=round(retained / n, 2) if n else 0.0)


def _constraint_passes(client: Gatekeeper, objects: list, passes: int) -> list:
    """Each constraint alone: a client sharing the compiled templates and inventory, reviewing every object."""
    clock = time.perf_counter_ns
    out = []
    for constraint in sorted(client.constraints.values(), key=lambda c: (c.kind, c.name)):
        solo = Gatekeeper(enforcement_point=client.enforcement_point, gator_test=client.gator_test)
        solo.templates = client.templates
        solo.inventory = client.inventory
        solo.add_constraint(constraint.object, source=constraint.source)
        durations: list = []
        violations = 0
        for _ in range(passes):
            for d in objects:
                t0 = clock()
                violations += _review(solo, d)
                durations.append(clock() - t0)
        total = sum(durations)
        template = constraint.template.name if constraint.template is not None else ""
        out.append(ConstraintLatency(f"{constraint.kind}/{constraint.name}", template, len(durations), violations,
                                     total, latencies(durations, total)))
    return out


# --- statistics -----------------------------------------------------------------------


def percentile(sorted_values: Sequence[int], p: float) -> int:
    """Linear interpolation at rank p/100·(n−1) over sorted values (gator's method); 0 when empty."""
    n = len(sorted_values)
    if n == 0:
        return 0
    rank = p / 100 * (n - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, n - 1)
    frac = rank - lo
    return int(round(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac))


def latencies(durations: Sequence[int], total: int) -> Latencies:
    """Min, max, mean (= total / n, as gator computes it) and P50/P95/P99 of per-review durations."""
    if not durations:
        return Latencies()
    ordered = sorted(durations)
    return Latencies(min=ordered[0], max=ordered[-1], mean=total // len(ordered), p50=percentile(ordered, 50),
                     p95=percentile(ordered, 95), p99=percentile(ordered, 99))


# --- saving and comparing -------------------------------------------------------------


def dump_results(results: Sequence[BenchResult], fmt: str) -> str:
    """The results as gator writes them: a list, one entry per engine, in `json` or `yaml`."""
    doc = [r.to_json() for r in results]
    if fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def save_results(results: Sequence[BenchResult], path: str) -> None:
    """Write results to `path`: YAML for `.yaml`/`.yml`, JSON otherwise."""
    fmt = "yaml" if path.lower().endswith((".yaml", ".yml")) else "json"
    try:
        Path(path).write_text(dump_results(results, fmt), encoding="utf-8")
    except OSError as e:
        raise BenchError(f"saving results to {path}: {e.strerror or e}") from None


def load_results(path: str) -> list:
    """The result entries (dicts) of a saved baseline; BenchError if missing or malformed."""
    p = Path(path)
    if not p.is_file():
        raise BenchError(f"baseline file {path} does not exist")
    try:
        text = decode_text(read_file_bytes(p), path)
        if path.lower().endswith((".yaml", ".yml")):
            doc = yaml.safe_load(text)
        else:
            doc = json.loads(text, parse_constant=reject_json_constant)
    except DocumentError as e:
        raise BenchError(f"reading baseline {path}: {e.message}") from None
    except (ValueError, yaml.YAMLError) as e:
        raise BenchError(f"reading baseline {path}: {e}") from None
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list) or not all(isinstance(x, dict) for x in doc):
        raise BenchError(f"reading baseline {path}: expected a list of benchmark results")
    for entry in doc:
        if not isinstance(entry.get("engine"), str) or not isinstance(entry.get("latencies"), dict):
            raise BenchError(f"reading baseline {path}: an entry lacks engine or latencies")
    return doc


@dataclass
class MetricComparison:
    name: str
    baseline: float
    current: float
    delta: float  # percent
    passed: bool
    unit: str  # "ns", "reviews/s", "bytes"


@dataclass
class Comparison:
    engine: str
    metrics: list
    threshold: float
    min_threshold: int

    @property
    def passed(self) -> bool:
        return all(m.passed for m in self.metrics)

    @property
    def failed_metrics(self) -> list:
        return [m.name for m in self.metrics if not m.passed]

    def to_json(self) -> dict:
        return {"engine": self.engine, "passed": self.passed, "failedMetrics": self.failed_metrics,
                "metrics": [{"name": m.name, "baseline": m.baseline, "current": m.current,
                             "delta": round(m.delta, 4), "passed": m.passed} for m in self.metrics]}


def delta_percent(baseline: float, current: float) -> float:
    """(current − baseline) / baseline × 100; a zero baseline gives 0 if current is 0, else 100."""
    if baseline == 0:
        return 0.0 if current == 0 else 100.0
    return (current - baseline) / baseline * 100


def compare(baseline: Sequence[dict], current: Sequence[dict], *, threshold: float = DEFAULT_THRESHOLD,
            min_threshold: int = 0) -> list:
    """Gator's comparison, one Comparison per engine present in both (empty: nothing comparable).

    Latencies (P50, P95, P99, Mean) pass iff delta ≤ threshold, or min_threshold > 0
    and the absolute increase is below it. Throughput passes iff −delta ≤ threshold,
    or (min_threshold > 0, baseline mean > 0) the drop is below
    baseline throughput × min_threshold / baseline mean. Bytes/Review (when both
    sides have memory stats) passes iff delta ≤ threshold.
    """
    if threshold < 0:
        raise BenchError(f"threshold must be non-negative, got {threshold}")
    if min_threshold < 0:
        raise BenchError("min-threshold must be non-negative")
    by_engine = {b.get("engine"): b for b in baseline}
    out = []
    for cur in current:
        base = by_engine.get(cur.get("engine"))
        if base is None:
            continue
        metrics = []
        for name, key in LATENCY_METRICS:
            b, c = _number(base["latencies"].get(key)), _number(cur["latencies"].get(key))
            d = delta_percent(b, c)
            ok = d <= threshold or (min_threshold > 0 and (c - b) < min_threshold)
            metrics.append(MetricComparison(name, b, c, d, ok, "ns"))
        b, c = _number(base.get("reviewsPerSecond")), _number(cur.get("reviewsPerSecond"))
        d = delta_percent(b, c)
        ok = -d <= threshold
        base_mean = _number(base["latencies"].get("mean"))
        if not ok and min_threshold > 0 and base_mean > 0:
            ok = (b - c) < b * min_threshold / base_mean
        metrics.append(MetricComparison("Throughput", b, c, d, ok, "reviews/s"))
        bm, cm = base.get("memoryStats"), cur.get("memoryStats")
        if isinstance(bm, dict) and isinstance(cm, dict):
            for name, key, unit in (("Allocs/Review", "allocsPerReview", "allocs"),
                                    ("Bytes/Review", "bytesPerReview", "bytes")):
                if key in bm and key in cm:
                    b, c = _number(bm[key]), _number(cm[key])
                    d = delta_percent(b, c)
                    metrics.append(MetricComparison(name, b, c, d, d <= threshold, unit))
        out.append(Comparison(cur.get("engine"), metrics, threshold, min_threshold))
    return out


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return value


# --- durations -------------------------------------------------------------------------

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """A Go duration ("1ms", "1.5s", "2m30s", "0") in nanoseconds; BenchError if malformed or negative."""
    s = text.strip()
    if s in ("0", "+0", "-0"):
        return 0
    if s.startswith("-"):
        raise BenchError(f'min-threshold must be non-negative, got "{text}"')
    body = s[1:] if s.startswith("+") else s
    pos, total = 0, 0.0
    while pos < len(body):
        m = _PART.match(body, pos)
        if m is None:
            raise BenchError(f'invalid duration "{text}" (use Go syntax such as 500us, 1ms, 1.5s)')
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise BenchError(f'invalid duration "{text}" (use Go syntax such as 500us, 1ms, 1.5s)')
    return int(round(total))


__all__ = [
    "BenchError", "BenchResult", "Comparison", "ConstraintLatency", "Latencies", "MemoryStats", "MetricComparison",
    "check_engine", "check_options", "compare", "delta_percent", "dump_results", "latencies", "load_results",
    "parse_duration", "percentile", "run_benchmark", "save_results", "split_documents",
]
