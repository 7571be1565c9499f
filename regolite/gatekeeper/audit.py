"""Audit a dump of cluster objects, as Gatekeeper's audit does (GATEKEEPER-SEMANTICS.md §6.7).

Objects are streamed: `iter_objects` reads a `kubectl get -A -o json` List
(its `items` array is split element by element with the C JSON scanner over a
sliding buffer, so the file is never held whole), JSON lines (or any sequence
of concatenated JSON values), and YAML files (one document at a time; a single
YAML `List` document is read whole). Directories are walked recursively for
`.json`, `.jsonl`, `.ndjson`, `.yaml` and `.yml` files, in sorted order.

`run_audit` reviews every object with enforcement point `audit.gatekeeper.sh`
and folds each result into an `AuditReport` right away: per constraint the
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
import json
import multiprocessing
import re
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from regolite.errors import RegoError
from regolite.gatekeeper.documents import DocumentError, files_under, flatten_documents, yaml_documents, yaml_type_name
from regolite.gatekeeper.engine import AUDIT, Gatekeeper, ReviewFailed
from regolite.gatekeeper.inventory import InventoryError

DEFAULT_VIOLATIONS_LIMIT = 20
MESSAGE_LIMIT = 256  # bytes (§6.7)
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
YAML_SUFFIXES = (".yaml", ".yml")
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


def truncate_message(msg: str) -> str:
    """§6.7: a message over 256 bytes keeps its first 253 bytes plus `...`.

    A UTF-8 sequence cut in two leaves one U+FFFD per remaining byte, as Go's
    JSON encoder writes them.
    """
    if len(msg) * 4 <= MESSAGE_LIMIT:
        return msg
    data = msg.encode("utf-8", "surrogatepass")
    if len(data) <= MESSAGE_LIMIT:
        return msg
    cut = data[: MESSAGE_LIMIT - 3]
    text = cut.decode("utf-8", "ignore")
    dropped = len(cut) - len(text.encode("utf-8"))
    return text + "\ufffd" * dropped + "..."


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


def iter_file_objects(path: Path) -> Iterator[dict]:
    """The objects of one file: JSON (List, array, lines) or YAML, by suffix or first character."""
    source = str(path)
    try:
        f = open(path, "r", encoding="utf-8-sig", newline="")
    except OSError as e:
        raise DocumentError(f"cannot read file: {e.strerror or e}", source=source) from None
    with f:
        try:
            if path.suffix in YAML_SUFFIXES:
                kind = "yaml"
            elif path.suffix in JSON_SUFFIXES:
                kind = "json"
            else:
                head = f.read(4096)
                f.seek(0)
                kind = "json" if head.lstrip()[:1] in ("{", "[") else "yaml"
            if kind == "json":
                yield from _JsonReader(f, source).objects()
            else:
                for index, line, value in yaml_documents(f, source, "1.2"):
                    for doc in flatten_documents(value, source, index, line):
                        yield doc.obj
        except UnicodeDecodeError as e:
            raise DocumentError(f"not UTF-8 text ({e.reason})", source=source) from None


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_TRUNCATION_SLACK = 8  # decode errors this close to the buffer's end may just need more text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _JsonReader:
    """A sequence of JSON values read through a sliding buffer.

    Top-level objects are read member by member so that the `items` array of
    a List is split into its elements without decoding the List whole; every
    other value is decoded with `json`'s C scanner (`raw_decode`). A value
    ending exactly at the end of the buffer is decoded again once more text
    has arrived (a number may continue), and a decode error near the end of
    the buffer means "read more" until the end of the file.
    """

    CHUNK = 1 << 20
    MAX_VALUE = 64 << 20  # no Kubernetes object comes near this

    def __init__(self, f, source: str) -> None:
        self.f = f
        self.source = source
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.offset = 0  # characters before buf[0]
        self.line = 1  # line of buf[0]
        self.line_start = 0  # absolute offset where that line starts
        self.document = 0
        self.decoder = json.JSONDecoder(parse_constant=_reject_constant)

    # buffer management

    def _fill(self) -> bool:
        """Read another chunk (dropping what was consumed); False at the end of the file."""
        if self.eof:
            return False
        if self.pos:
            consumed = self.buf[: self.pos]
            newlines = consumed.count("\n")
            if newlines:
                self.line += newlines
                self.line_start = self.offset + consumed.rfind("\n") + 1
            self.offset += self.pos
            self.buf = self.buf[self.pos:]
            self.pos = 0
        chunk = self.f.read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _where(self, index: int) -> tuple:
        before = self.buf[:index]
        newlines = before.count("\n")
        if newlines:
            return self.line + newlines, index - before.rfind("\n")
        return self.line, self.offset + index - self.line_start + 1

    def _error(self, message: str, index: Optional[int] = None) -> DocumentError:
        line, col = self._where(self.pos if index is None else index)
        return DocumentError(message, source=self.source, index=self.document or None, line=line, col=col)

    def _peek(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def _value(self, what: str) -> Any:
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                near_end = e.pos >= len(self.buf) - _TRUNCATION_SLACK or e.msg.startswith("Unterminated string")
                if near_end and not self.eof and len(self.buf) - self.pos <= self.MAX_VALUE:
                    self._fill()  # positions move: decode again before reporting anything
                    continue
                if near_end and len(self.buf) - self.pos > self.MAX_VALUE:
                    raise self._error(f"{what}: no complete JSON value within {self.MAX_VALUE >> 20} MiB") from None
                if e.msg.startswith("Unterminated string"):
                    message = "unterminated string"
                else:
                    message = "unexpected end of file" if e.pos >= len(self.buf) else e.msg
                raise self._error(f"{what}: invalid JSON: {message}", e.pos) from None
            except ValueError as e:  # NaN, Infinity
                raise self._error(f"{what}: invalid JSON: {e}") from None
            except RecursionError:
                raise self._error(f"{what}: nested too deeply") from None
            if end == len(self.buf) and not self.eof:
                self._fill()
                continue  # a number at the end of the buffer may go on
            self.pos = end
            return value

    def _whole_value(self) -> Any:
        """The value at `pos` if it ends inside the buffer (JSON lines, small files), else None."""
        try:
            value, end = self.decoder.raw_decode(self.buf, self.pos)
        except (ValueError, RecursionError):
            return None
        if end == len(self.buf) and not self.eof:
            return None
        self.pos = end
        return value

    def _expect(self, char: str, what: str) -> None:
        found = self._peek()
        if found != char:
            shown = repr(found) if found else "the end of the file"
            raise self._error(f"{what}: expected {char!r}, found {shown}")
        self.pos += 1

    # structure

    def objects(self) -> Iterator[dict]:
        while True:
            c = self._peek()
            if not c:
                return
            self.document += 1
            if c == "{":
                whole = self._whole_value()
                if whole is None:
                    yield from self._top_object()  # larger than the buffer (a List), or malformed
                elif _is_list_kind(whole.get("kind")) and isinstance(whole.get("items"), list):
                    yield from self._checked(whole["items"], "items")
                else:
                    yield whole
            elif c == "[":
                yield from self._array("")
            else:
                raise self._error(f"expected a JSON object or array, found {c!r}")

    def _top_object(self) -> Iterator[dict]:
        """A top-level object: its `items` streamed if it is (or may be) a List, else the object."""
        self.pos += 1
        members: dict = {}
        streamed = False
        first = True
        while True:
            c = self._peek()
            if c == "}":
                self.pos += 1
                break
            if not first:
                if c != ",":
                    raise self._error(f"invalid JSON: expected ',' or '}}' after an object member, found "
                                      f"{repr(c) if c else 'the end of the file'}")
                self.pos += 1
                c = self._peek()
            first = False
            if c != '"':
                raise self._error("invalid JSON: expected a member name"
                                  + ("" if c else ", found the end of the file"))
            key = self._value("member name")
            self._expect(":", f"member {key!r}")
            kind = members.get("kind")
            if key == "items" and self._peek() == "[" and (kind is None or _is_list_kind(kind)):
                yield from self._array("items")
                streamed = True
            else:
                members[key] = self._value(f"member {key!r}")
        if not streamed:
            if _is_list_kind(members.get("kind")) and isinstance(members.get("items"), list):
                yield from self._checked(members["items"], "items")
            else:
                yield members

    def _array(self, name: str) -> Iterator[dict]:
        """Elements of an array, each an object (nulls skipped)."""
        self.pos += 1
        i = 0
        while True:
            c = self._peek()
            if c == "]":
                self.pos += 1
                return
            if i:
                if c != ",":
                    raise self._error(f"{name}[{i - 1}]: invalid JSON: expected ',' or ']' after the element, found "
                                      f"{repr(c) if c else 'the end of the file'}")
                self.pos += 1
                c = self._peek()
            what = f"{name}[{i}]"
            start = self.offset + self.pos  # _fill drops only what precedes the value
            value = self._value(what)
            if value is not None:
                if not isinstance(value, dict):
                    raise self._error(f"{what}: expected an object, got {yaml_type_name(value)}", start - self.offset)
                yield value
            i += 1

    def _checked(self, values: list, name: str) -> Iterator[dict]:
        for i, value in enumerate(values):
            if value is None:
                continue
            if not isinstance(value, dict):
                raise self._error(f"{name}[{i}]: expected an object, got {yaml_type_name(value)}")
            yield value


def _is_list_kind(kind: Any) -> bool:
    return isinstance(kind, str) and kind.endswith("List")


__all__ = [
    "AuditReport", "AuditError", "Auditor", "ConstraintTally", "run_audit", "iter_objects", "iter_file_objects",
    "collect_namespaces", "dump_files", "truncate_message", "violation_json", "object_identity",
    "DEFAULT_VIOLATIONS_LIMIT",
]
