"""The hand-written Python floor of a whole review: `benchmarks/handwritten.py`'s
functions for the constraints `Gatekeeper.review(TYPICAL_POD)` evaluates, against
`gate.review(TYPICAL_POD)` itself (see `test_gatekeeper.py`).

The checks (plain tests) compare the hand-written messages with regolite's for
the typical Pod's constraints and for every gatekeeper-library sample of a kind
that has a hand-written function. The benchmark times the hand-written
functions one after the other on the typical Pod's review document (built as
`Gatekeeper.review` builds it, outside the timed loop), then prints the median
of `gate.review(TYPICAL_POD)`, the regolite/hand-written ratio and a median per
function measured in the same run.

    python -m pytest benchmarks/test_floor.py                    # the checks
    python -m pytest benchmarks/test_floor.py --benchmark-only -s
"""

from __future__ import annotations

import statistics
import timeit

import pytest
import yaml

import regolite
from benchmarks.conftest import shared_dir
from benchmarks.gatekeeper_samples import load_samples, review_input
from benchmarks.handwritten import HANDWRITTEN
from benchmarks.test_gatekeeper import TYPICAL_POD, _library
from regolite.gatekeeper.inventory import Inventory
from regolite.gatekeeper.review import make_input, review_from_object

LIBRARY = shared_dir() / "gatekeeper-library" / "library" / "general"
needs_library = pytest.mark.skipif(not LIBRARY.is_dir(), reason=f"{LIBRARY} is missing")


def template_kind(sample) -> str:
    folder = LIBRARY / sample.name.split("/")[0]
    return yaml.safe_load((folder / "template.yaml").read_text())["spec"]["crd"]["spec"]["names"]["kind"]


SAMPLES = [s for s in load_samples(LIBRARY) if template_kind(s) in HANDWRITTEN] if LIBRARY.is_dir() else []


def messages(violations) -> list:
    return sorted(v["msg"] for v in violations or [])


def evaluated_constraints(gate, obj) -> list:
    """(constraint, regolite's messages) for each constraint `gate.review(obj)` evaluates."""
    seen = []
    evaluate = gate._evaluate

    def record(constraint, *args, **kwargs):
        results = evaluate(constraint, *args, **kwargs)
        seen.append((constraint, sorted(r.msg for r in results)))
        return results

    gate._evaluate = record
    try:
        gate.review(obj)
    finally:
        del gate._evaluate
    return seen


def typical_pod_calls(gate) -> list:
    """(constraint, function, review, parameters) for the typical Pod, as regolite's review builds them."""
    review = review_from_object(TYPICAL_POD)
    calls = []
    for constraint, _ in evaluated_constraints(gate, TYPICAL_POD):
        parameters = make_input(review, constraint.parameters)["parameters"]
        calls.append((constraint, HANDWRITTEN[constraint.kind], review, parameters))
    return calls


def median_us(fn, number: int, repeat: int = 31) -> float:
    """Median µs per call of `fn()` over `repeat` rounds of `number` calls."""
    fn()
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


# --- checks ------------------------------------------------------------------------------


@needs_library
def test_typical_pod_same_messages():
    gate, _ = _library()
    found = evaluated_constraints(gate, TYPICAL_POD)
    assert len(found) == 18
    review = review_from_object(TYPICAL_POD)
    for constraint, expected in found:
        parameters = make_input(review, constraint.parameters)["parameters"]
        assert sorted(HANDWRITTEN[constraint.kind](review, parameters)) == expected, constraint.name


@needs_library
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_same_messages(sample):
    policy = regolite.compile(sample.modules, rego_version=sample.rego_version, data={"inventory": {}})
    function = HANDWRITTEN[template_kind(sample)]
    for inp in sample.inputs:
        expected = messages(policy.eval_rule(f"data.{sample.package}.violation", input=inp))
        assert sorted(function(inp["review"], inp["parameters"])) == expected, inp["review"]["object"]


@needs_library
def test_unique_service_selector_with_inventory():
    """The library's disallowed Service against its inventory (load_samples leaves inventories out)."""
    folder = LIBRARY / "uniqueserviceselector" / "samples" / "unique-service-selector"
    inventory = Inventory(yaml.safe_load_all((folder / "example_inventory_disallowed.yaml").read_text())).as_data()
    service = yaml.safe_load((folder / "example_disallowed.yaml").read_text())
    template = yaml.safe_load((LIBRARY / "uniqueserviceselector" / "template.yaml").read_text())
    policy = regolite.compile({"t.rego": template["spec"]["targets"][0]["rego"]}, rego_version="v0",
                              data={"inventory": inventory})
    for inp in (review_input(service, {}), make_input(review_from_object(service), {})):
        expected = messages(policy.eval_rule("data.k8suniqueserviceselector.violation", input=inp))
        assert expected
        assert sorted(HANDWRITTEN["K8sUniqueServiceSelector"](inp["review"], {}, inventory)) == expected


# --- benchmark -----------------------------------------------------------------------------


@needs_library
def test_handwritten_typical_pod(benchmark):
    gate, _ = _library()
    calls = typical_pod_calls(gate)
    assert len(calls) == 18
    steps = [(fn, review, parameters) for _, fn, review, parameters in calls]

    def review_all():
        return [msg for fn, review, parameters in steps for msg in fn(review, parameters)]

    assert sorted(review_all()) == sorted(gate.review(TYPICAL_POD).messages)
    benchmark(review_all)

    floor_us = benchmark.stats.stats.median * 1e6
    regolite_us = median_us(lambda: gate.review(TYPICAL_POD), number=200)
    rows = [(f"{c.kind}/{c.name}", median_us(lambda: fn(review, parameters), number=5000))
            for c, fn, review, parameters in calls]
    width = max(len(name) for name, _ in rows)
    print(f"\nhand-written, per function (median µs, {len(rows)} constraints):")
    for name, us in rows:
        print(f"  {name:<{width}}  {us:7.2f}")
    print(f"  {'sum of the above':<{width}}  {sum(us for _, us in rows):7.2f}")
    print(f"hand-written whole review (benchmark median): {floor_us:.2f} µs")
    print(f"regolite gate.review(TYPICAL_POD) median:     {regolite_us:.2f} µs")
    print(f"ratio regolite / hand-written:                {regolite_us / floor_us:.1f}x")
    benchmark.extra_info["constraints"] = len(calls)
    benchmark.extra_info["regolite_review_us"] = round(regolite_us, 2)
    benchmark.extra_info["ratio"] = round(regolite_us / floor_us, 2)
    benchmark.extra_info["per_function_us"] = {name: round(us, 3) for name, us in rows}
