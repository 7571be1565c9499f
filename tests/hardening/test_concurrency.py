"""One compiled policy (and one Gatekeeper) shared by 8 threads gives the sequential answers.

The policy is shaped like a gatekeeper-library template: memoised complete
rules (containers, labels, bad_images) read by several violation rules, a
function, and `with` overrides of input, data and a function inside rules
and in queries. Memo entries and `with` replacements belong to one
evaluation: none may leak into another evaluation running at the same time.
"""

from __future__ import annotations

import random
import sys
import threading

import pytest

import regolite
from regolite import RegoEvalError
from tests.factories import constraint, match_pods, template

THREADS = 8

TEMPLATE_REGO = """package k8sconcurrency

import future.keywords.contains
import future.keywords.if
import future.keywords.in

# memoised complete rules, each read by more than one rule below
containers := [c | some c in input.review.object.spec.containers]

init_containers := [c | some c in object.get(input.review.object.spec, "initContainers", [])]

all_containers := array.concat(containers, init_containers)

labels := object.get(input.review.object.metadata, "labels", {})

required := {l | some l in input.parameters.labels}

missing := required - {k | some k, _ in labels}

allowed_repo(image) if {
    some repo in input.parameters.repos
    startswith(image, repo)
}

bad_images contains c.image if {
    some c in all_containers
    not allowed_repo(c.image)
}

limit := object.get(data.limits, input.review.object.metadata.namespace, 3)

violation contains {"msg": msg} if {
    count(missing) > 0
    msg := sprintf("%v is missing labels %v", [input.review.object.metadata.name, sort(missing)])
}

violation contains {"msg": msg, "details": {"image": image}} if {
    some image in bad_images
    msg := sprintf("%v: image %v is not from %v", [input.review.object.metadata.name, image, input.parameters.repos])
}

violation contains {"msg": msg} if {
    count(all_containers) > limit
    msg := sprintf("%v has %v containers, more than %v", [input.review.object.metadata.name, count(all_containers), limit])
}

# `with` inside rules: the overridden evaluations must not share memo entries with the plain ones
violation contains {"msg": msg} if {
    input.review.object.metadata.annotations.audit == "strict"
    strict := count(bad_images) with input.parameters.repos as ["nowhere/"]
    lenient := count(bad_images) with allowed_repo as always
    no_limit := count(missing) with data.limits as {}
    msg := sprintf("%v strict audit: %v/%v/%v", [input.review.object.metadata.name, strict, lenient, no_limit])
}

violation contains {"msg": msg} if {
    input.review.object.metadata.annotations.audit == "relabel"
    fixed := missing with input.review.object.metadata.labels as {l: "x" | some l in required}
    msg := sprintf("%v relabel would leave %v missing", [input.review.object.metadata.name, count(fixed)])
}

always(_) := true

summary := {
    "bad": count(bad_images),
    "missing": count(missing),
    "containers": count(all_containers),
    "limit": limit,
    "violations": count(violation),
}
"""

DATA = {"limits": {"prod": 1, "dev": 5}}


def make_object(rng: random.Random, i: int) -> dict:
    repos = ["good/", "ok/", "bad/", "evil.io/", ""]
    containers = [{"name": f"c{j}", "image": f"{rng.choice(repos)}app{j}:{rng.randint(1, 9)}"}
                  for j in range(rng.randint(0, 4))]
    spec = {"containers": containers}
    if rng.random() < 0.3:
        spec["initContainers"] = [{"name": "init", "image": f"{rng.choice(repos)}init"}]
    labels = {k: "v" for k in rng.sample(["app", "team", "env", "owner"], rng.randint(0, 4))}
    metadata = {"name": f"obj-{i}", "namespace": rng.choice(["prod", "dev", "default"]), "labels": labels}
    audit = rng.choice([None, None, "strict", "relabel"])
    if audit:
        metadata["annotations"] = {"audit": audit}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def make_parameters(rng: random.Random) -> dict:
    return {"repos": rng.sample(["good/", "ok/", "evil.io/"], rng.randint(1, 2)),
            "labels": rng.sample(["app", "team", "env"], rng.randint(0, 3))}


def make_inputs(n: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    return [{"review": {"object": make_object(rng, i)}, "parameters": make_parameters(rng)} for i in range(n)]


QUERIES = [
    # (kind, text): eval_rule paths and ad-hoc queries, some with query-level `with`
    ("rule", "data.k8sconcurrency.violation"),
    ("rule", "data.k8sconcurrency.summary"),
    ("rule", "data.k8sconcurrency.bad_images"),
    ("query", "data.k8sconcurrency.violation with input.parameters.repos as [\"bad/\"]"),
    ("query", "data.k8sconcurrency.summary with data.limits as {\"default\": 0, \"dev\": 0}"),
    ("query", "x := data.k8sconcurrency.bad_images with data.k8sconcurrency.allowed_repo as data.k8sconcurrency.always"),
    ("query", "s := data.k8sconcurrency.summary; m := data.k8sconcurrency.missing"),
]


@pytest.fixture
def fast_switching():
    """Switch threads as often as possible so evaluations interleave."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def evaluate(policy, kind: str, text: str, input):
    try:
        if kind == "rule":
            return ("ok", policy.eval_rule(text, input=input))
        return ("ok", policy.query(text, input=input))
    except RegoEvalError as e:
        return ("error", str(e))


def run_parallel(tasks, work, threads: int = THREADS):
    """Run `work(task)` for every task on `threads` threads released together; results in task order."""
    barrier = threading.Barrier(threads)
    chunks = [tasks[i::threads] for i in range(threads)]
    results: dict = {}
    errors: list = []

    def worker(chunk):
        try:
            barrier.wait()
            for index, task in chunk:
                results[index] = work(task)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            raise

    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a worker thread hung"
    assert not errors, errors
    return [results[i] for i in range(len(tasks))]


def test_policy_from_8_threads_matches_sequential(fast_switching):
    inputs = make_inputs(150)
    tasks = [(kind, text, inp) for inp in inputs for kind, text in QUERIES]
    reference = regolite.compile({"template.rego": TEMPLATE_REGO}, data=DATA, rego_version="v0")
    expected = [evaluate(reference, *t) for t in tasks]
    assert any(e[1] for e in expected if e[0] == "ok")
    # a fresh policy, so that query compilation and rule lookup caches also fill concurrently
    shared = regolite.compile({"template.rego": TEMPLATE_REGO}, data=DATA, rego_version="v0")
    rng = random.Random(3)
    for _ in range(4):
        order = list(range(len(tasks)))
        rng.shuffle(order)
        got = run_parallel([(i, tasks[i]) for i in order], lambda t: evaluate(shared, *t))
        assert got == expected


def test_with_overrides_do_not_leak_between_threads(fast_switching):
    """Threads evaluating with overrides interleave with threads evaluating plainly."""
    policy = regolite.compile({"template.rego": TEMPLATE_REGO}, data=DATA, rego_version="v0")
    inp = {"review": {"object": {"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": "p", "namespace": "dev", "labels": {"app": "a"},
                                              "annotations": {"audit": "strict"}},
                                 "spec": {"containers": [{"name": "a", "image": "bad/x"},
                                                         {"name": "b", "image": "good/y"}]}}},
           "parameters": {"repos": ["good/"], "labels": ["app", "team"]}}
    plain = policy.eval_rule("data.k8sconcurrency.summary", input=inp)
    assert plain == {"bad": 1, "missing": 1, "containers": 2, "limit": 5, "violations": 3}
    overridden_q = ('s := data.k8sconcurrency.summary with input.parameters.repos as ["bad/", "good/"] '
                    'with data.limits as {"dev": 0}')
    overridden = policy.query(overridden_q, input=inp)[0]["bindings"]["s"]
    assert overridden == {"bad": 0, "missing": 1, "containers": 2, "limit": 0, "violations": 3}
    messages = [v["msg"] for v in policy.eval_rule("data.k8sconcurrency.violation", input=inp)]
    assert "p strict audit: 2/0/1" in messages

    def work(task):
        if task % 2:
            return policy.query(overridden_q, input=inp)[0]["bindings"]["s"]
        return policy.eval_rule("data.k8sconcurrency.summary", input=inp)

    got = run_parallel([(i, i) for i in range(400)], work)
    for i, value in enumerate(got):
        assert value == (overridden if i % 2 else plain), i


def test_memo_is_per_evaluation_across_threads(fast_switching):
    """The same rule over different inputs at once: each answer is its own input's."""
    policy = regolite.compile({"template.rego": TEMPLATE_REGO}, data=DATA, rego_version="v0")
    inputs = make_inputs(16, seed=11)
    expected = [policy.eval_rule("data.k8sconcurrency.summary", input=inp) for inp in inputs]
    assert len({repr(e) for e in expected}) > 4  # the inputs really differ
    tasks = [(i, i % len(inputs)) for i in range(16 * 40)]
    got = run_parallel(tasks, lambda k: policy.eval_rule("data.k8sconcurrency.summary", input=inputs[k]))
    for (i, k), value in zip(tasks, got):
        assert value == expected[k]


def test_timeouts_in_some_threads_do_not_cancel_others(fast_switching):
    modules = {"template.rego": TEMPLATE_REGO,
               "slow.rego": "package slow\n\nimport future.keywords.in\n\nn := count([1 | some a in numbers.range(1, 3000); "
                            "some b in numbers.range(1, 3000)])\n"}
    policy = regolite.compile(modules, data=DATA, rego_version="v0")
    inputs = make_inputs(8, seed=5)
    expected = [policy.eval_rule("data.k8sconcurrency.violation", input=inp) for inp in inputs]

    def work(i):
        if i % 4 == 0:
            with pytest.raises(RegoEvalError) as info:
                policy.eval_rule("data.slow.n", timeout=0.05)
            return info.value.code
        return policy.eval_rule("data.k8sconcurrency.violation", input=inputs[i % 8], timeout=60)

    got = run_parallel([(i, i) for i in range(64)], work)
    for i, value in enumerate(got):
        assert value == ("eval_cancel_error" if i % 4 == 0 else expected[i % 8]), i
    assert policy.eval_rule("data.k8sconcurrency.violation", input=inputs[1]) == expected[1]


# --- Gatekeeper ------------------------------------------------------------------------------------


GATEKEEPER_TEMPLATE = template(
    TEMPLATE_REGO.replace("data.limits", "data.inventory.limits"),
    kind="K8sConcurrency",
    schema={"type": "object", "properties": {"repos": {"type": "array", "items": {"type": "string"}},
                                             "labels": {"type": "array", "items": {"type": "string"}}}},
)


def make_gatekeeper():
    gate = regolite.Gatekeeper()
    gate.add_template(GATEKEEPER_TEMPLATE)
    gate.add_constraint(constraint("K8sConcurrency", "good-only", match=match_pods(namespaces=["prod"]),
                                   parameters={"repos": ["good/"], "labels": ["app"]}))
    gate.add_constraint(constraint("K8sConcurrency", "good-or-ok", match=match_pods(namespaces=["dev"]),
                                   parameters={"repos": ["good/", "ok/"], "labels": ["team", "env"]}))
    gate.add_constraint(constraint("K8sConcurrency", "no-labels", match=match_pods(),
                                   parameters={"repos": ["evil.io/", "good/", "ok/", "bad/", ""]}))
    return gate


def review_summary(gate, obj) -> tuple:
    result = gate.review(obj)
    return tuple((r.constraint.name, r.msg, repr(r.details), r.enforcement_action) for r in result.results)


def test_gatekeeper_review_from_8_threads_matches_sequential(fast_switching):
    rng = random.Random(21)
    objects = [make_object(rng, i) for i in range(80)]
    reference = make_gatekeeper()
    expected = [review_summary(reference, obj) for obj in objects]
    assert sum(1 for e in expected if e) > 20 and sum(1 for e in expected if not e) >= 1
    assert any(len({r[0] for r in e}) > 1 for e in expected)  # several constraints fire on one object
    # a fresh Gatekeeper: templates compile on first use, from whichever threads get there first
    shared = make_gatekeeper()
    tasks = [(i, i % len(objects)) for i in range(len(objects) * 20)]
    got = run_parallel(tasks, lambda k: review_summary(shared, objects[k]))
    for (i, k), value in zip(tasks, got):
        assert value == expected[k], objects[k]["metadata"]["name"]


def test_gatekeeper_admit_from_8_threads_matches_sequential(fast_switching):
    rng = random.Random(42)
    objects = [make_object(rng, i) for i in range(40)]

    def admission(obj, uid):
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                            "resource": {"group": "", "version": "v1", "resource": "pods"},
                            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
                            "operation": "CREATE", "userInfo": {"username": "u"}, "object": obj}}

    reference = make_gatekeeper()
    expected = [reference.admit(admission(obj, f"uid-{i}"))["response"] for i, obj in enumerate(objects)]
    assert any(not r["allowed"] for r in expected) and any(r["allowed"] for r in expected)
    shared = make_gatekeeper()
    tasks = [(i, i % len(objects)) for i in range(len(objects) * 20)]
    got = run_parallel(tasks, lambda k: shared.admit(admission(objects[k], f"uid-{k}"), timeout=60)["response"])
    for (i, k), value in zip(tasks, got):
        assert value == expected[k]
