"""A fixed budget of generated programs through regolite and OPA's own evaluator.

`python -m conformance.differential --programs 2000 --seed 0` runs in a process
of its own (the draw is then the same on every run, whatever the tests before
it did) and writes every difference by kind; a crash fails at once, and so does
a difference of a kind `conformance/differential/open_differences.yaml` does
not list, or more of a kind than it allows. Needs `../shared/opa-oracle`
(skipped without it, failed under CI=true).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conformance.differential.oracle import OracleUnavailable, load_oracle
from tests.conftest import require_shared

PROGRAMS = 2000
SEED = 0
REPO = Path(__file__).resolve().parents[2]
OPEN = REPO / "conformance" / "differential" / "open_differences.yaml"


def load_open(path: Path = OPEN) -> dict:
    """Kind (verdict, regolite's codes, OPA's codes) -> the most the run may find."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {(e["kind"][0], tuple(sorted(e["kind"][1])), tuple(sorted(e["kind"][2]))): e["at_most"] for e in entries}


@pytest.fixture(scope="module")
def shared():
    shared = require_shared("opa-oracle").parent
    try:
        load_oracle(shared)  # downloads OPA's library on first use: fail here, with its reason
    except OracleUnavailable as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(e))
        pytest.skip(str(e))
    return shared


def test_the_open_differences_file_is_well_formed():
    allowed = load_open()
    assert allowed and all(isinstance(n, int) and n > 0 for n in allowed.values())


def test_generated_programs_differ_from_opa_only_as_listed(shared, tmp_path):
    out = tmp_path / "differences.json"
    run = subprocess.run([sys.executable, "-m", "conformance.differential", "--programs", str(PROGRAMS),
                          "--seed", str(SEED), "--shrink", "0", "--show", "0", "--shared", str(shared),
                          "--json", str(out)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode in (0, 1) and out.exists(), run.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert sum(doc["counts"].values()) == PROGRAMS
    assert run.stdout.rstrip().endswith(doc["line"])
    differences = [(tuple([d["kind"][0], tuple(d["kind"][1]), tuple(d["kind"][2])]), d["report"])
                   for d in doc["differences"]]
    crashes = [report for kind, report in differences if any(c.startswith("crash:") for c in kind[1])]
    assert not crashes, "\n\n".join(crashes[:3])
    allowed = load_open()
    found = Counter(kind for kind, _ in differences)
    over = {kind: n for kind, n in found.items() if n > allowed.get(kind, 0)}
    assert not over, "\n\n".join(
        f"{kind}: {n} found, {allowed.get(kind, 0)} allowed\n" + "\n\n".join(r for k, r in differences if k == kind)
        for kind, n in over.items())


@pytest.mark.parametrize("flag", ["--programs", "--shrink", "--show"])
def test_a_negative_count_is_a_usage_error(flag, capsys):
    from conformance.differential.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main([flag, "-1"])
    assert exit_info.value.code == 2
    assert f"{flag} must be 0 or more" in capsys.readouterr().err
