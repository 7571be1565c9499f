"""Huge but valid objects under the webhook's limits: what a review costs and produces.

A 1.5 MB Pod with 40,000 containers took 22 s to review without reaching the
step budget, and its denial was 70 MB; 100,000 tolerations took 4 s. The
budget charged only the loops of generated code. A review now also charges
its document (once, and once more for each constraint it hands it to), each
candidate constraint and each violation with its message, and the webhook's
budget is sized for that; the admission response is bounded.
"""

from __future__ import annotations

import time

import pytest
import yaml

from regolite import RegoEvalError
from regolite.gatekeeper.engine import (
    DENIAL_BYTES, MESSAGE_LIMIT, WARNING_BYTES, Gatekeeper, bounded_messages, read_paths,
)
from regolite.gatekeeper.review import ReviewError
from regolite.limits import MAX_DEPTH, WEBHOOK_MAX_STEPS
from tests.conftest import require_shared
from tests.factories import pod
from tests.server.policy_fixtures import ALLOWED_REPOS_TEMPLATE, constraint_yaml

WEBHOOK = {"max_steps": WEBHOOK_MAX_STEPS, "max_depth": MAX_DEPTH}


@pytest.fixture(scope="module")
def library():
    """Every library/general template and sample constraint in one client, and the sample objects."""
    gate = Gatekeeper()
    others = gate.add_policies(read_paths([str(require_shared("gatekeeper-library", "library", "general"))]))
    return gate, [d.obj for d in others if d.obj.get("kind") not in ("Suite", "Kustomization", "AdmissionReview")]


def big_pod(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big", "namespace": "default"}, "spec": spec}


def admission(obj: dict) -> dict:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
        "name": "big", "namespace": "default", "object": obj}}


HUGE = {
    "40,000 containers": lambda: big_pod(containers=[{"name": f"c{i}", "image": "nginx"} for i in range(40_000)]),
    "100,000 tolerations": lambda: big_pod(containers=[{"name": "c", "image": "nginx"}],
                                           tolerations=[{"key": f"k{i}", "operator": "Exists"} for i in range(100_000)]),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_a_huge_valid_pod_is_refused_by_the_webhook_budget_at_once(library, name):
    """Measured: 0.02 s and 0.04 s (the walk of the document), where the reviews took 22 s and 4 s."""
    gate, _ = library
    obj = HUGE[name]()
    started = time.perf_counter()
    with pytest.raises(RegoEvalError) as info:
        gate.review(obj, **WEBHOOK)
    assert info.value.code == "eval_step_limit_error"
    response = gate.admit(admission(obj), timeout=2.0, **WEBHOOK)["response"]
    assert time.perf_counter() - started < 1.0
    assert response["allowed"] is False and response["status"]["code"] == 500
    assert "exceeded its budget" in response["status"]["message"]


def test_the_webhook_budget_changes_no_library_verdict(library):
    gate, samples = library
    for obj in samples:
        try:
            plain = gate.review(obj)
        except ReviewError:
            continue
        assert gate.review(obj, **WEBHOOK).messages == plain.messages


@pytest.fixture(scope="module")
def repos():
    """The library's allowedrepos, one deny constraint and one warn constraint (repos `good/`)."""
    gate = Gatekeeper()
    gate.add_template(yaml.safe_load(ALLOWED_REPOS_TEMPLATE))
    gate.add_constraint(yaml.safe_load(constraint_yaml("deny-bad", ["good/"])))
    gate.add_constraint(yaml.safe_load(constraint_yaml("warn-bad", ["good/"], action="warn")))
    return gate


def test_a_flood_of_violations_is_charged_for(repos):
    """5,000 bad containers: 2 x 5,000 loop steps, well within 100,000, but the 10,000
    violations (and the document handed to both constraints) are not."""
    obj = pod("web", images=[f"bad/{i}" for i in range(5_000)])
    assert len(repos.review(obj).results) == 10_000
    with pytest.raises(RegoEvalError, match="exceeded its budget of 100000 steps"):
        repos.review(obj, max_steps=100_000)


def test_the_denial_and_the_warnings_are_bounded(repos):
    """Unbounded, 2,000 bad containers gave a 190 KB denial and as many warnings."""
    obj = pod("web", images=[f"bad/{i}" for i in range(2_000)])
    response = repos.admit(admission(obj))["response"]
    assert response["allowed"] is False and response["status"]["code"] == 403
    lines = response["status"]["message"].split("\n")
    assert len(response["status"]["message"].encode()) <= DENIAL_BYTES
    assert lines[0].startswith("[deny-bad] container <c0> has an invalid image repo <bad/0>")
    assert lines[-1] == f"... and {2_000 - len(lines) + 1} more violations (the response holds at most {DENIAL_BYTES} bytes)"
    warnings = response["warnings"]
    assert sum(len(w.encode()) + 1 for w in warnings) <= WARNING_BYTES
    assert warnings[-1].startswith("... and ") and warnings[-1].endswith("more warnings (the response holds at most 4096 bytes)")


def test_bounded_messages_keep_what_fits_and_cut_the_rest():
    few = ["[c] short", "[c] " + "é" * 300]
    assert bounded_messages(few, 4096, "warnings") is few  # fits: untouched, long messages included
    many = ["[c] " + "x" * 1000] * 20
    out = bounded_messages(many, 4096, "warnings")
    assert all(len(m.encode()) <= MESSAGE_LIMIT for m in out[:-1]) and out[0].endswith("...")
    assert sum(len(m.encode()) + 1 for m in out) <= 4096
    assert out[-1] == f"... and {20 - len(out) + 1} more warnings (the response holds at most 4096 bytes)"
