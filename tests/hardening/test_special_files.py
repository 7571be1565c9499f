"""FIFOs, devices and symlink loops where regolite expects files.

A symlink to /dev/zero or /dev/urandom named `*.yaml` in a policy folder was
read until memory ran out (its size says 0), and a FIFO hung the open, and
with it every `--watch` reload after. Every reader opens files without
blocking, reads only regular files (fstat of what was opened) and counts what
it reads: each case below ends at once with an error naming the file.
"""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from regolite import limits, loader
from regolite.gatekeeper.audit import iter_objects
from regolite.gatekeeper.bench import BenchError, load_results
from regolite.gatekeeper.documents import read_document_file
from regolite.gatekeeper.engine import Gatekeeper, read_paths
from regolite.gatekeeper.scans import load_scan_reports
from regolite.server.metrics import JsonLog, ServerMetrics
from regolite.server.policies import PolicyStore
from tests.hardening.test_hostile_inputs import gk_dir, verify, write_suite  # noqa: F401 (gk_dir is a fixture)
from tests.server.policy_fixtures import write_policies

SECONDS = 10  # a hang or a read of /dev/zero takes for ever; a refusal takes microseconds

SPECIAL = {
    "fifo": "not a regular file: a FIFO",
    "dev-zero": "not a regular file: a character device",
    "dev-urandom": "not a regular file: a character device",
    "symlink-loop": "Too many levels of symbolic links",
}


def make_special(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "dev-urandom":
        os.symlink("/dev/urandom", path)
    else:  # two symlinks pointing at each other; the other one has no document suffix
        os.symlink(path.with_suffix(".loop"), path)
        os.symlink(path, path.with_suffix(".loop"))


def outcome(call):
    """What `call()` returned or raised, within SECONDS."""
    box: list = []

    def run() -> None:
        try:
            box.append(call())
        except Exception as e:  # the error is the answer under test
            box.append(e)

    worker = threading.Thread(target=run, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(SECONDS)
    assert box, f"still running after {SECONDS} s"
    assert time.monotonic() - started < SECONDS
    return box[0]


def refused(call, path: Path, kind: str) -> None:
    error = outcome(call)
    assert isinstance(error, Exception), f"{path} was read: {error!r}"
    assert str(path) in str(error) and SPECIAL[kind] in str(error), str(error)


READERS = {
    "eval -d": lambda folder, bad: loader.load_paths([str(folder)]),
    "eval -i": lambda folder, bad: loader.read_document(bad),
    "review -f file": lambda folder, bad: read_document_file(bad),
    "review -f folder": lambda folder, bad: read_paths([str(folder)]),
    "policies": lambda folder, bad: Gatekeeper.from_paths([str(folder)]),
    "audit dump": lambda folder, bad: list(iter_objects([str(folder)])),
    "scan reports": lambda folder, bad: load_scan_reports(folder),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_reader_refuses_what_is_not_a_regular_file(tmp_path, reader, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = folder / "a.json"  # read first
    (folder / "b.json").write_text("{}")
    make_special(bad, kind)
    refused(lambda: READERS[reader](folder, bad), bad, kind)


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_bench_baseline_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    bad = tmp_path / "baseline.json"
    make_special(bad, kind)
    error = outcome(lambda: load_results(str(bad)))
    assert isinstance(error, BenchError) and str(bad) in str(error)


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_suite_case_object_that_is_not_a_regular_file_fails_that_case(gk_dir, kind):  # noqa: F811
    make_special(gk_dir / "objs" / "special.yaml", kind)
    write_suite(gk_dir, "objs/special.yaml")
    code, out, err = outcome(lambda: verify(gk_dir))
    assert code == 1 and "--- FAIL: hostile" in out and "--- FAIL: good" not in out, out + err
    assert SPECIAL[kind] in out + err


def test_a_directory_loop_is_walked_once(tmp_path):
    """Symlinked directories are not followed, so a loop ends; its file is read once."""
    folder = write_policies(tmp_path / "policies")
    os.symlink(folder, folder / "loop")
    os.symlink(folder, folder / "loop.yaml")  # a directory, whatever its name says
    gate = outcome(lambda: Gatekeeper.from_paths([str(folder)]))
    assert isinstance(gate, Gatekeeper) and len(gate.constraints) == 1
    assert len(outcome(lambda: loader.load_paths([str(folder)])).data) == 4  # template.yaml's keys
    assert outcome(lambda: len(read_paths([str(folder)]))) == 2


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_the_webhook_reload_refuses_the_file_and_recovers(tmp_path, kind):
    """The load fails with the file named, the set in force stays, and once the file is
    gone the next reload works: the watcher is not stuck on it."""
    folder = write_policies(tmp_path / "policies")
    log = io.StringIO()
    store = PolicyStore(str(folder), metrics=ServerMetrics(), log=JsonLog(log))
    assert store.load() is None
    bad = folder / "zz.yaml"
    make_special(bad, kind)
    assert store.changed()
    error = outcome(store.load)
    assert str(bad) in error and SPECIAL[kind] in error
    assert store.current.generation == 1
    os.unlink(bad)
    if kind == "symlink-loop":
        os.unlink(bad.with_suffix(".loop"))
    assert store.changed() and outcome(store.load) is None and store.current.generation == 2


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc")
def test_the_bound_counts_what_is_read_not_the_size_the_file_claims(tmp_path, monkeypatch):
    """/proc files are regular files that say they hold 0 bytes."""
    link = tmp_path / "maps.yaml"
    os.symlink("/proc/self/maps", link)
    assert os.stat(link).st_size == 0
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", 100)
    error = outcome(lambda: read_document_file(link))
    assert str(link) in str(error) and "file too large: more than the limit of 100 bytes" in str(error)
