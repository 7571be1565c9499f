"""The webhook's policy set: loaded from a directory, watched, swapped atomically.

A reload builds a complete new `Gatekeeper` off to the side and only then
replaces the reference requests read (`PolicyStore.current`, one attribute
assignment, atomic under the GIL). A request holds the set it started with
until it is answered. A template or constraint that fails to load leaves the
working set in force: the error is logged and counted in the metrics.

Files are the `.yaml`/`.yml`/`.json` files under the directory; names starting
with `.` are skipped, files and folders alike. That keeps a Kubernetes ConfigMap
mount right: its files are symlinks into a hidden `..<timestamp>` folder that is
swapped as a whole, and reading that folder too would load every document twice.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from regolite.errors import RegoError
from regolite.documents import files_under
from regolite.gatekeeper.scans import load_scan_reports
from regolite.gatekeeper.engine import DOCUMENT_SUFFIXES, Gatekeeper, ReviewError
from regolite.server.metrics import JsonLog, ServerMetrics


@dataclass(frozen=True)
class PolicySet:
    """One loaded set: the Gatekeeper client and what it was built from."""

    gate: Gatekeeper
    fingerprint: tuple
    generation: int
    templates: int
    constraints: int


class PolicyStore:
    """The current PolicySet of a directory; `load()` replaces it only when the new one is whole."""

    def __init__(self, directory: str, *, metrics: ServerMetrics, log: JsonLog, scan_reports: tuple = (),
                 **gatekeeper_options: Any) -> None:
        self.directory = directory
        self.scan_reports = list(scan_reports)  # Trivy reports / ImageScanReport files for data.inventory
        self.metrics = metrics
        self.log = log
        self.options = gatekeeper_options  # passed to Gatekeeper(): cache, enforcement_point
        self.current: Optional[PolicySet] = None
        self._seen: Optional[tuple] = None  # fingerprint of the last attempt, good or bad
        self._generation = 0
        self._load_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def load(self) -> Optional[str]:
        """Build a new set from the directory and swap it in; return the error, or None."""
        with self._load_lock:
            initial = self.current is None
            started = time.perf_counter()
            try:
                files = policy_files(self.directory)
                fingerprint = self._fingerprint(files)
                self._seen = fingerprint
                gate = Gatekeeper.from_paths(files, **self.options)
                if self.scan_reports:
                    gate.add_inventory(load_scan_reports(self.scan_reports))
            except RegoError as e:
                return self._failed(str(e), initial)
            except Exception as e:  # whatever breaks a load must not break the set in force
                return self._failed(f"{type(e).__name__}: {e}", initial)
            self._generation += 1
            new = PolicySet(gate, fingerprint, self._generation, len(gate.templates), len(gate.constraints))
            self.current = new  # the swap: requests read this attribute once each
            self.metrics.observe_load(ok=True, initial=initial, templates=new.templates, constraints=new.constraints)
            self.log.event("policies_loaded" if initial else "policies_reloaded", directory=self.directory,
                           generation=new.generation, files=len(files), templates=new.templates,
                           constraints=new.constraints, duration_ms=round((time.perf_counter() - started) * 1000, 2))
            return None

    def changed(self) -> bool:
        """Whether the files differ from those of the last load attempt."""
        try:
            return self._fingerprint(policy_files(self.directory)) != self._seen
        except OSError:
            return False  # the directory is being replaced; look again on the next tick

    def _fingerprint(self, files: list) -> tuple:
        """The stat data of the policy files and of the scan reports (a changed report reloads too)."""
        reports: list = []
        for path in self.scan_reports:
            if os.path.isdir(path):
                reports.extend(sorted(str(p) for p in Path(path).rglob("*") if p.is_file()))
            else:
                reports.append(path)
        return files_fingerprint(files) + files_fingerprint(reports)

    def watch(self, interval: float = 1.0) -> threading.Thread:
        """Poll the files' stat data every `interval` seconds in a daemon thread; reload on change."""
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    if self.changed():
                        self.load()
                except Exception as e:  # the watcher must outlive any surprise
                    self.log.event("watch_error", level="error", error=f"{type(e).__name__}: {e}")

        self._thread = threading.Thread(target=loop, name="regolite-policy-watch", daemon=True)
        self._thread.start()
        self.log.event("watching", directory=self.directory, interval_s=interval)
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _failed(self, error: str, initial: bool) -> str:
        self.metrics.observe_load(ok=False, initial=initial)
        kept = self.current.generation if self.current is not None else None
        self.log.event("policy_load_failed" if initial else "policy_reload_failed", level="error",
                       directory=self.directory, error=error, kept_generation=kept)
        return error


def policy_files(directory: str) -> list[str]:
    """The policy files under `directory`, sorted; hidden names (`.x`, `..data`) are skipped."""
    root = Path(directory)
    if not root.is_dir():
        raise ReviewError(f"{directory}: not a directory")
    return [str(file) for file in files_under(root, DOCUMENT_SUFFIXES, hidden=False)]


def files_fingerprint(files: list[str]) -> tuple:
    """(path, inode, size, mtime_ns) of each file, following symlinks: changes when any file does.
    A file that cannot be stat'ed (a symlink loop) counts with its error number, so that a
    load is tried, fails naming it, and the next change is seen; a vanished file is left out."""
    out = []
    for path in files:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        except OSError as e:
            out.append((path, "error", e.errno))
            continue
        out.append((path, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)
