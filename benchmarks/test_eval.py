"""`Policy.eval_rule` on gatekeeper-library templates with their sample objects.

One benchmark per template: each round evaluates `data.<package>.violation`
for the next sample object (compilation is not timed).

    pytest benchmarks/test_eval.py --benchmark-only
"""

from __future__ import annotations

import itertools

import pytest

import regolite
from benchmarks.conftest import shared_dir
from benchmarks.gatekeeper_samples import load_samples

LIBRARY = shared_dir() / "gatekeeper-library" / "library" / "general"
SAMPLES = load_samples(LIBRARY) if LIBRARY.is_dir() else []


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_eval_violation(benchmark, sample):
    policy = regolite.compile(sample.modules, rego_version=sample.rego_version, data={"inventory": {}})
    rule = f"data.{sample.package}.violation"
    for inp in sample.inputs:  # every sample evaluates (warm the query cache, catch errors)
        policy.eval_rule(rule, input=inp)
    inputs = itertools.cycle(sample.inputs)
    benchmark(lambda: policy.eval_rule(rule, input=next(inputs)))
