"""The generated Python is pinned (tests/compiler/golden/) and the same in every process.

A compile-cache hit relies on the second: code cached by one process is run by
another, whose rule tree must number rules the same way. After a change to
what the compiler writes, `python -m tests.compiler.golden` rewrites the
pinned files; review the diff like any other.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.compiler import golden
from tests.conftest import REPO, require_shared

HINT = "\nthe generated code changed: run `python -m tests.compiler.golden` and review the diff"


def test_own_modules_compile_to_the_pinned_code():
    diffs = golden.differences(golden.own_cases())
    assert not diffs, "\n".join(diffs) + HINT


def test_library_templates_compile_to_the_pinned_code():
    diffs = golden.differences(golden.library_cases(require_shared()))
    assert not diffs, "\n".join(diffs) + HINT


def test_every_pinned_file_has_a_case():
    cases = {p.name for p in golden.HERE.glob("*.py.golden")}
    assert cases == set(golden.own_cases()) | {f"library-{n}.py.golden" for n in golden.LIBRARY}


def test_two_processes_with_different_hash_seeds_write_the_same_code():
    shared = require_shared()
    outputs = []
    for seed in ("1", "271828"):
        env = dict(os.environ, PYTHONHASHSEED=seed, REGOLITE_NO_CACHE="1")
        run = subprocess.run([sys.executable, "-m", "tests.compiler.golden", "--check", "--shared", str(shared)],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        outputs.append((run.returncode, run.stdout))
        assert run.returncode == 0, run.stdout + run.stderr
    assert outputs[0] == outputs[1]
