"""The step budget: loop iterations (loops, comprehensions, `every`, `walk`)
a query or a review may take, charged per collection when a loop starts."""

from __future__ import annotations

import threading

import pytest

import regolite
from regolite import RegoEvalError
from regolite.gatekeeper.engine import Gatekeeper, result_steps, review_steps
from regolite.gatekeeper.review import review_from_object, review_values
from tests.factories import constraint, template

POLICY = """
package x

import rego.v1

pairs := count([1 | some i in numbers.range(1, 100); some j in numbers.range(1, 100)])
walked := count([p | walk(input, [p, _])])
all_small if every v in input.xs { v < 10 }
nested := y if { y := pairs with input as {} }
"""


@pytest.fixture(scope="module")
def policy():
    return regolite.compile({"x.rego": POLICY})


def _steps_needed(policy, rule, **kwargs) -> int:
    """The smallest budget the evaluation fits in (found by bisection)."""
    low, high = 0, 1_000_000
    while low < high:
        mid = (low + high) // 2
        try:
            policy.eval_rule(rule, max_steps=mid, **kwargs)
            high = mid
        except RegoEvalError:
            low = mid + 1
    return low


def test_loops_are_charged_per_iteration(policy):
    assert policy.eval_rule("data.x.pairs") == 10_000
    # each numbers.range makes 100 numbers (charged) and each loop takes 100 steps
    assert _steps_needed(policy, "data.x.pairs") == (100 + 100) + 100 * (100 + 100)
    with pytest.raises(RegoEvalError) as info:
        policy.eval_rule("data.x.pairs", max_steps=20_199)
    assert info.value.code == "eval_step_limit_error"
    assert str(info.value) == "eval_step_limit_error: evaluation exceeded its budget of 20199 steps"


def test_walk_and_every_are_charged(policy):
    doc = {"a": [1, 2, {"b": 3}]}
    assert policy.eval_rule("data.x.walked", input=doc) == 6
    assert _steps_needed(policy, "data.x.walked", input=doc) == 6
    xs = {"xs": list(range(5))}
    assert policy.eval_rule("data.x.all_small", input=xs) is True
    assert _steps_needed(policy, "data.x.all_small", input=xs) == 5


def test_with_blocks_share_the_query_budget(policy):
    assert _steps_needed(policy, "data.x.nested") == 20_200


def test_queries_take_the_budget_too(policy):
    with pytest.raises(RegoEvalError):
        policy.query("x := data.x.pairs", max_steps=50)
    assert policy.query("x := data.x.pairs", max_steps=30_000)[0]["bindings"] == {"x": 10_000}


def test_budgets_of_concurrent_queries_are_separate(policy):
    outcomes: list = []

    def work(budget):
        try:
            outcomes.append((budget, policy.eval_rule("data.x.pairs", max_steps=budget)))
        except RegoEvalError as e:
            outcomes.append((budget, e.code))

    threads = [threading.Thread(target=work, args=(b,)) for b in [20_200, 50] * 8]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=repr) == sorted([(20_200, 10_000), (50, "eval_step_limit_error")] * 8, key=repr)


def test_no_budget_means_no_limit(policy):
    assert policy.eval_rule("data.x.pairs") == 10_000
    assert policy.eval_rule("data.x.pairs", max_steps=None) == 10_000


TEMPLATE = template(
    """package k8sloops
violation[{"msg": msg}] {
  n := count([1 | input.review.object.spec.items[_]; input.review.object.spec.items[_]])
  n > input.parameters.max
  msg := sprintf("%v pairs", [n])
}""",
    kind="K8sLoops",
    schema={"type": "object", "properties": {"max": {"type": "integer"}}},
)


def test_a_review_shares_one_budget_across_its_constraints():
    gate = Gatekeeper()
    gate.add_template(TEMPLATE)
    gate.add_constraint(constraint("K8sLoops", "a", parameters={"max": 0}))
    gate.add_constraint(constraint("K8sLoops", "b", parameters={"max": 0}))
    obj = {"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"items": list(range(10))}}
    assert gate.review(obj).messages == ["100 pairs", "100 pairs"]
    _, size = review_values(review_from_object(obj), None)
    # the review: its document, matching both, handing it to both; each constraint:
    # 10 + 10 * 10 loop steps and one violation
    steps = review_steps(size, 2) + 2 * (110 + result_steps(gate.review(obj).results[:1]))
    assert len(gate.review(obj, max_steps=steps).results) == 2
    with pytest.raises(RegoEvalError) as info:
        gate.review(obj, max_steps=steps - 1)  # the second constraint runs out: the whole review fails
    assert info.value.code == "eval_step_limit_error"
    answer = gate.admit({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": "Thing"}, "operation": "CREATE",
        "name": "t", "object": obj}}, max_steps=100)
    assert answer["response"]["allowed"] is False and answer["response"]["status"]["code"] == 500
    assert "exceeded its budget of 100 steps" in answer["response"]["status"]["message"]


def test_ranges_are_charged_before_they_are_made():
    p = regolite.compile({"r.rego": "package r\nn := count(numbers.range(1, input.n))\n"
                                    "s := count(numbers.range_step(0, input.n, 10))\n"})
    assert p.eval_rule("data.r.n", input={"n": 100}, max_steps=100) == 100  # count() takes no steps
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.r.n", input={"n": 10 ** 12}, max_steps=1_000_000)  # refused, not allocated
    assert info.value.code == "eval_step_limit_error"
    assert p.eval_rule("data.r.s", input={"n": 100}, max_steps=11) == 11
    with pytest.raises(RegoEvalError):
        p.eval_rule("data.r.s", input={"n": 100}, max_steps=10)
    assert p.eval_rule("data.r.n", input={"n": "x"}, max_steps=1) is regolite.UNDEFINED  # still a type error


def test_a_deadline_stops_a_huge_range():
    import time

    p = regolite.compile({"r.rego": "package r\nn := count(numbers.range(1, input.n))\n"})
    started = time.perf_counter()
    with pytest.raises(RegoEvalError) as info:
        p.eval_rule("data.r.n", input={"n": 10 ** 12}, timeout=0.2)
    assert info.value.code == "eval_cancel_error"
    assert time.perf_counter() - started < 2


def test_a_deadline_whose_exception_was_swallowed_fires_again():
    """The deadline's exception can land where Python swallows it (a gc callback, __del__):
    it is raised again until the evaluation stops (found when one landed in hypothesis's gc callback)."""
    import time

    from regolite.runtime.deadline import deadline

    started = time.monotonic()
    with pytest.raises(RegoEvalError) as info:
        with deadline(0.05):
            try:
                while time.monotonic() - started < 5:
                    pass
            except BaseException:  # noqa: BLE001 - stands for a place that swallows it
                pass
            while time.monotonic() - started < 5:
                pass
    assert info.value.code == "eval_cancel_error"
    assert time.monotonic() - started < 1
