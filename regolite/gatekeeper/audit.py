"""Audit a dump of cluster objects, as Gatekeeper's audit does (GATEKEEPER-SEMANTICS.md §6.7).

Objects are streamed: `iter_objects` reads a `kubectl get -A -o json` List
(its `items` array is split element by element with the C JSON scanner over a
sliding buffer, so the file is never held whole), JSON lines (or any sequence
of concatenated JSON values), and YAML files (one document at a time; a single
YAML `List` document is read whole), through
`regolite.gatekeeper.documents.iter_file_objects` and the stream reader of
`regolite.documents`. Directories are walked recursively for `.json`,
`.jsonl`, `.ndjson`, `.yaml` and `.yml` files, in sorted order.

`run_audit` reviews every object with enforcement point `audit.gatekeeper.sh`
(a dump holds cluster objects only: one that is not a Kubernetes object by
the rule of `regolite.gatekeeper.reviewable` is a review error) and folds
each result into an `AuditReport` right away: per constraint the
count of all results (`totalViolations`) and the `limit` smallest violation
entries by (group, version, kind, namespace, name, message, enforcementAction),
so memory does not grow with the number of objects. With `jobs > 1`, worker
processes each build their own `Gatekeeper` from the policy paths once and
review batches of objects; the parent merges their partial reports, with at
most two batches per worker in flight (back-pressure keeps memory flat).

Namespaces: Gatekeeper's audit fetches the Namespace of every namespaced
object (§3.5). Here a first pass over the dump collects its `v1` Namespace
objects; they feed the Namespace cache (`namespaceSelector`) and
`input.review.namespaceObject`. A namespaced object whose Namespace is not in
the dump is reviewed without one (a `namespaceSelector` then yields the
autoreject result of §3.6), where Gatekeeper would skip it. The first pass
costs one extra parse of the dump and keeps only Namespaces.

`inventory=True` also loads every object of the dump into `data.inventory`
for referential templates (in the parent and in each worker): memory then
grows with the dump.
"""

from __future__ import annotations

import bisect
import multiprocessing
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from regolite.documents import files_under
from regolite.errors import RegoError
from regolite.gatekeeper.documents import JSON_SUFFIXES, YAML_SUFFIXES, iter_file_objects
from regolite.gatekeeper.engine import AUDIT, Gatekeeper, ReviewError, ReviewFailed, truncate_message
from regolite.gatekeeper.inventory import InventoryError
from regolite.gatekeeper.reviewable import unreviewable_reason

DEFAULT_VIOLATIONS_LIMIT = 20
BATCH_SIZE = 200
ERROR_SAMPLES = 20
PROGRESS_INTERVAL = 0.1  # seconds between progress callbacks

Progress = Callable[[int], None]


# --- the report ------------------------------------------------------------------


@dataclass
class ConstraintTally:
    """One constraint's audit status: the count of all its results and the
    smallest `limit` entries, kept in ascending key order."""

    total: int = 0
    entries: list = field(default_factory=list)

    def offer(self, entry: tuple, limit: int) -> None:
        entries = self.entries
        if len(entries) < limit:
            bisect.insort(entries, entry)
        elif limit and entry < entries[-1]:
            bisect.insort(entries, entry)
            entries.pop()


@dataclass
class AuditReport:
    """What an audit found: objects reviewed, per-constraint tallies, review errors.

    Entries are tuples (group, version, kind, namespace, name, message,
    enforcementAction, scopedActions): the first seven are the §6.7 key.
    Error samples keep the smallest `ERROR_SAMPLES` messages so that the
    report does not depend on the order objects were reviewed in.
    """

    limit: int = DEFAULT_VIOLATIONS_LIMIT
    timestamp: str = ""
    objects: int = 0
    errors: int = 0
    error_samples: list = field(default_factory=list)
    tallies: dict = field(default_factory=dict)  # (kind, name) -> ConstraintTally
    constraints: dict = field(default_factory=dict)  # (kind, name) -> constraint info (parent only)

    @property
    def total_violations(self) -> int:
        return sum(t.total for t in self.tallies.values())

    def add_review(self, obj: dict, results: list) -> None:
        """Fold the results of reviewing `obj` in."""
        if not results:
            return
        ident = object_identity(obj)
        for r in results:
            key = r.constraint.key
            tally = self.tallies.get(key)
            if tally is None:
                tally = self.tallies[key] = ConstraintTally()
            tally.total += 1
            entry = ident + (truncate_message(r.msg), r.enforcement_action, tuple(sorted(set(r.scoped_actions))))
            tally.offer(entry, self.limit)

    def add_error(self, message: str) -> None:
        self.errors += 1
        samples = self.error_samples
        if len(samples) < ERROR_SAMPLES:
            bisect.insort(samples, message)
        elif message < samples[-1]:
            bisect.insort(samples, message)
            samples.pop()

    def merge(self, other: "AuditReport") -> None:
        """Add a partial report (a worker's batch) to this one."""
        self.objects += other.objects
        for message in other.error_samples:
            self.add_error(message)
        self.errors += other.errors - len(other.error_samples)
        for key, theirs in other.tallies.items():
            mine = self.tallies.get(key)
            if mine is None:
                mine = self.tallies[key] = ConstraintTally()
            mine.total += theirs.total
            for entry in theirs.entries:
                mine.offer(entry, self.limit)

    def constraint_reports(self) -> list:
        """Per constraint, in (kind, name) order: Gatekeeper's status fields (§6.7)."""
        out = []
        for key in sorted(set(self.constraints) | set(self.tallies)):
            info = self.constraints.get(key) or {"kind": key[0], "name": key[1]}
            tally = self.tallies.get(key) or ConstraintTally()
            row = dict(info)
            row["auditTimestamp"] = self.timestamp
            row["totalViolations"] = tally.total
            if tally.entries:
                row["violations"] = [violation_json(e) for e in reversed(tally.entries)]
            out.append(row)
        return out

    def to_json(self) -> dict:
        return {
            "auditTimestamp": self.timestamp,
            "totalObjects": self.objects,
            "totalViolations": self.total_violations,
            "constraintViolationsLimit": self.limit,
            "reviewErrors": self.errors,
            "errors": list(self.error_samples),
            "constraints": self.constraint_reports(),
        }


def violation_json(entry: tuple) -> dict:
    """A `status.violations[]` entry (§6.7)."""
    group, version, kind, namespace, name, message, action, scoped = entry
    out: dict = {"group": group, "version": version, "kind": kind}
    if namespace:
        out["namespace"] = namespace
    out["name"] = name
    out["message"] = message
    out["enforcementAction"] = action
    if scoped:
        out["enforcementActions"] = list(scoped)
    return out


def object_identity(obj: dict) -> tuple:
    """(group, version, kind, namespace, name) of a reviewed object."""
    api = obj.get("apiVersion")
    group, _, version = api.rpartition("/") if isinstance(api, str) else ("", "", "")
    kind = obj.get("kind")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    namespace, name = meta.get("namespace"), meta.get("name")
    return (group, version, kind if isinstance(kind, str) else "",
            namespace if isinstance(namespace, str) else "", name if isinstance(name, str) else "")


def describe_object(obj: Any) -> str:
    """`v1/Pod ns/name` for error messages."""
    if not isinstance(obj, dict):
        return f"a {type(obj).__name__}"
    group, version, kind, namespace, name = object_identity(obj)
    gv = f"{group}/{version}" if group else version
    return f"{gv}/{kind or '<no kind>'} {namespace + '/' if namespace else ''}{name}"


# --- reviewing -------------------------------------------------------------------


class AuditError(RegoError):
    """The audit could not run (policies, files, a worker)."""

    def __init__(self, message: str) -> None:
        super().__init__("audit_error", message, None)


class Auditor:
    """A Gatekeeper at the audit enforcement point plus the dump's Namespaces."""

    def __init__(self, gate: Gatekeeper, namespaces: dict) -> None:
        self.gate = gate
        self.namespaces = namespaces

    @classmethod
    def build(cls, policy_paths: list, namespaces: dict, inventory_paths: Optional[list] = None) -> "Auditor":
        auditor = cls(Gatekeeper.from_paths(policy_paths, enforcement_point=AUDIT), namespaces)
        auditor.load_inventory(inventory_paths)
        return auditor

    def load_inventory(self, inventory_paths: Optional[list]) -> None:
        """The Namespaces into the Namespace cache, or with `inventory_paths` the whole
        dump into `data.inventory` (objects that cannot be stored are left out)."""
        if not inventory_paths:
            self.gate.add_inventory(self.namespaces.values())
            return
        for obj in iter_objects(inventory_paths):
            try:
                self.gate.add_inventory((obj,))
            except InventoryError:
                pass  # no version or kind: reviewing it reports the problem

    def review_into(self, obj: dict, report: AuditReport) -> None:
        report.objects += 1
        reason = unreviewable_reason(obj)
        if reason is not None:
            report.add_error(f"reviewing {describe_object(obj)}: {ReviewError(reason)}")
            return
        ns = None
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            name = meta.get("namespace")
            if name and isinstance(name, str):
                ns = self.namespaces.get(name)
        try:
            results = self.gate.review(obj, namespace_object=ns).results
        except ReviewFailed as e:  # the other constraints' verdicts still count
            report.add_error(f"reviewing {describe_object(obj)}: {e}")
            results = e.results
        except RegoError as e:
            report.add_error(f"reviewing {describe_object(obj)}: {e}")
            return
        report.add_review(obj, results)


def collect_namespaces(paths: Iterable[str]) -> dict:
    """The first pass: every core `v1` Namespace in the dump, by name."""
    out = {}
    for obj in iter_objects(paths):
        if obj.get("kind") == "Namespace" and obj.get("apiVersion") == "v1":
            meta = obj.get("metadata")
            name = meta.get("name") if isinstance(meta, dict) else None
            if isinstance(name, str) and name:
                out[name] = obj
    return out


def run_audit(
    policy_paths: list,
    object_paths: list,
    *,
    jobs: int = 1,
    limit: int = DEFAULT_VIOLATIONS_LIMIT,
    inventory: bool = False,
    progress: Optional[Progress] = None,
    batch_size: int = BATCH_SIZE,
) -> AuditReport:
    """Review every object under `object_paths` against the templates and
    constraints under `policy_paths`; see the module docstring."""
    if limit < 0:
        raise AuditError("the constraint violations limit must not be negative")
    if jobs < 1:
        raise AuditError("jobs must be at least 1")
    timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    gate = Gatekeeper.from_paths(policy_paths, enforcement_point=AUDIT)  # errors surface before any work
    if not gate.constraints:
        raise AuditError("no constraints found in " + ", ".join(policy_paths))
    object_paths = list(object_paths)
    dump_files(object_paths)  # missing paths fail now
    namespaces = collect_namespaces(object_paths)
    report = AuditReport(limit=limit, timestamp=timestamp)
    for key, c in gate.constraints.items():
        group, _, version = c.api_version.rpartition("/")
        report.constraints[key] = {"group": group, "version": version, "kind": c.kind, "name": c.name,
                                   "enforcementAction": c.enforcement_action}
    ticker = _Ticker(progress)
    if jobs == 1:
        auditor = Auditor(gate, namespaces)
        auditor.load_inventory(object_paths if inventory else None)
        for obj in iter_objects(object_paths):
            auditor.review_into(obj, report)
            if not report.objects & 15:
                ticker.tick(report.objects)
    else:
        del gate
        _run_parallel(policy_paths, object_paths, namespaces, inventory, jobs, batch_size, report, ticker)
    ticker.done(report.objects)
    return report


class _Ticker:
    """Calls `progress` at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, progress: Optional[Progress]) -> None:
        self.progress = progress
        self.next = time.monotonic() + PROGRESS_INTERVAL

    def tick(self, count: int) -> None:
        if self.progress is not None:
            now = time.monotonic()
            if now >= self.next:
                self.next = now + PROGRESS_INTERVAL
                self.progress(count)

    def done(self, count: int) -> None:
        if self.progress is not None:
            self.progress(count)


# --- the worker pool ---------------------------------------------------------------

_worker: Optional[Auditor] = None


def _init_worker(policy_paths: list, namespaces: dict, inventory_paths: Optional[list]) -> None:
    global _worker
    _worker = Auditor.build(policy_paths, namespaces, inventory_paths)


def _review_batch(objects: list, limit: int) -> AuditReport:
    assert _worker is not None, "worker not initialised"
    report = AuditReport(limit=limit)
    for obj in objects:
        _worker.review_into(obj, report)
    return report


def _batches(objects: Iterator[dict], size: int) -> Iterator[list]:
    batch = []
    for obj in objects:
        batch.append(obj)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run_parallel(policy_paths: list, object_paths: list, namespaces: dict, inventory: bool, jobs: int,
                  batch_size: int, report: AuditReport, ticker: _Ticker) -> None:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(list(policy_paths), namespaces, object_paths if inventory else None))
    pending: set = set()

    def collect(futures) -> None:
        for future in futures:
            try:
                partial = future.result()
            except RegoError:
                raise
            except Exception as e:  # a worker died or could not start
                raise AuditError(f"audit worker failed: {type(e).__name__}: {e}") from None
            report.merge(partial)
            ticker.tick(report.objects)

    try:
        for batch in _batches(iter_objects(object_paths), batch_size):
            if len(pending) >= 2 * jobs:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
            pending.add(pool.submit(_review_batch, batch, report.limit))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            collect(done)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# --- reading the dump ----------------------------------------------------------------


def dump_files(paths: Iterable[str]) -> list:
    """The files named, directories walked recursively (sorted) for dump suffixes."""
    out = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(files_under(path, JSON_SUFFIXES + YAML_SUFFIXES))
        elif path.is_file():
            out.append(path)
        else:
            raise AuditError(f"{raw}: no such file or directory")
    return out


def iter_objects(paths: Iterable[str]) -> Iterator[dict]:
    """Every object in the dump files, one at a time (Lists flattened, nulls skipped)."""
    for path in dump_files(paths):
        yield from iter_file_objects(path)


__all__ = [
    "AuditReport", "AuditError", "Auditor", "ConstraintTally", "run_audit", "iter_objects",
    "collect_namespaces", "dump_files", "truncate_message", "violation_json", "object_identity",
    "DEFAULT_VIOLATIONS_LIMIT",
]
