"""`Gatekeeper.review` of every gatekeeper-library sample object against the whole
`library/general` policy set (all templates and sample constraints loaded in one
client, kind index included). Reviews per second are in `extra_info`.

    pytest benchmarks/test_gatekeeper.py --benchmark-only
"""

from __future__ import annotations

import itertools

import pytest

from benchmarks.conftest import shared_dir
from regolite.gatekeeper.engine import Gatekeeper, is_constraint, is_template, read_paths
from regolite.gatekeeper.review import ReviewError
from regolite.limits import MAX_DEPTH, WEBHOOK_MAX_STEPS

LIBRARY = shared_dir() / "gatekeeper-library" / "library" / "general"


def _library():
    docs = read_paths([str(LIBRARY)])
    gate = Gatekeeper()
    for d in docs:
        if is_template(d.obj):
            gate.add_template(d.obj, source=d.where)
    objects = []
    for d in docs:
        if is_constraint(d.obj):
            gate.add_constraint(d.obj, source=d.where)
        elif not is_template(d.obj) and isinstance(d.obj.get("kind"), str) and d.obj.get("kind") not in (
            "Suite", "Kustomization", "AdmissionReview"
        ):
            objects.append(d.obj)
    return gate, objects


@pytest.mark.skipif(not LIBRARY.is_dir(), reason=f"{LIBRARY} is missing")
def test_review_every_sample(benchmark):
    gate, objects = _library()
    reviewable = []
    for obj in objects:
        try:
            gate.review(obj)
            reviewable.append(obj)
        except ReviewError:
            pass
    cycle = itertools.cycle(reviewable)
    benchmark(lambda: gate.review(next(cycle)))
    benchmark.extra_info["constraints"] = len(gate.constraints)
    benchmark.extra_info["objects"] = len(reviewable)
    benchmark.extra_info["reviews_per_second"] = round(1 / benchmark.stats.stats.median)


TYPICAL_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "owner": "team-a"}},
    "spec": {"containers": [{
        "name": "web", "image": "openpolicyagent/opa:0.9.2",
        "resources": {"limits": {"cpu": "100m", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "1Gi"}},
        "ports": [{"containerPort": 8080}],
        "livenessProbe": {"httpGet": {"path": "/", "port": 8080}},
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
    }]},
}


@pytest.mark.skipif(not LIBRARY.is_dir(), reason=f"{LIBRARY} is missing")
@pytest.mark.parametrize("limits", ["none", "webhook"])
def test_review_typical_pod(benchmark, limits):
    """`webhook`: the limits `regolite serve` applies by default (step budget, depth)."""
    gate, _ = _library()
    options = {"max_steps": None, "max_depth": None} if limits == "none" else {
        "max_steps": WEBHOOK_MAX_STEPS, "max_depth": MAX_DEPTH}
    benchmark(lambda: gate.review(TYPICAL_POD, **options))
    benchmark.extra_info["constraints"] = len(gate.constraints)
