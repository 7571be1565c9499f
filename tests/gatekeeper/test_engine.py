"""The Gatekeeper client: review results, enforcement actions, admission responses."""

from __future__ import annotations

import pytest

from regolite.gatekeeper.engine import GATOR, Gatekeeper
from regolite.gatekeeper.review import ReviewError
from tests.factories import constraint, pod, template

TEMPLATE = template(
    """package k8srequiredlabels
violation[{"msg": msg, "details": {"missing": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("you must provide labels: %v", [missing])
}
""",
    kind="K8sRequiredLabels",
    schema={"type": "object", "properties": {"labels": {"type": "array", "items": {"type": "string"}}}},
)


def required_labels(name, labels, action="deny", **spec):
    """A K8sRequiredLabels constraint (of TEMPLATE) asking for `labels`, with this enforcement action."""
    return constraint("K8sRequiredLabels", name, parameters={"labels": labels}, enforcementAction=action, **spec)


@pytest.fixture
def gate():
    g = Gatekeeper()
    g.add_template(TEMPLATE)
    return g


def test_violation_messages_and_details(gate):
    gate.add_constraint(required_labels("need-owner", ["owner"]))
    result = gate.review(pod())
    assert result.messages == ['you must provide labels: {"owner"}']
    assert result.results[0].details == {"missing": ["owner"]}
    assert gate.review(pod(labels={"owner": "me"})).messages == []


def test_match_kinds_and_namespaces(gate):
    gate.add_constraint(required_labels("only-deployments", ["a"], match={"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}))
    gate.add_constraint(required_labels("not-kube-system", ["b"], match={"excludedNamespaces": ["kube-*"]}))
    assert [r.constraint.name for r in gate.review(pod()).results] == ["not-kube-system"]
    assert gate.review(pod(namespace="kube-system")).results == []


def test_admit_denies_with_gatekeepers_message_format(gate):
    gate.add_constraint(required_labels("b-deny", ["x"]))
    gate.add_constraint(required_labels("a-deny", ["y"]))
    gate.add_constraint(required_labels("warn-me", ["z"], action="warn"))
    gate.add_constraint(required_labels("dry", ["w"], action="dryrun"))
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
              "request": {"uid": "abc", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                          "operation": "CREATE", "name": "p", "namespace": "default", "object": pod()}}
    response = gate.admit(review)["response"]
    assert response["uid"] == "abc" and response["allowed"] is False
    assert response["status"] == {
        "code": 403, "reason": "Forbidden",
        "message": '[b-deny] you must provide labels: {"x"}\n[a-deny] you must provide labels: {"y"}',
    }
    assert response["warnings"] == ['[warn-me] you must provide labels: {"z"}']


def test_admit_allows_with_warnings_only(gate):
    gate.add_constraint(required_labels("warn-me", ["z"], action="warn"))
    response = gate.admit({"request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                                       "operation": "CREATE", "object": pod()}})["response"]
    assert response["allowed"] is True and response["status"] == {"code": 299}
    assert response["warnings"]


def test_delete_reviews_the_old_object(gate):
    gate.add_constraint(required_labels("need-owner", ["owner"]))
    request = {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "DELETE",
               "oldObject": pod(), "object": None}
    assert gate.review(request).messages
    with pytest.raises(ReviewError):
        gate.review({**request, "oldObject": None})
    assert gate.admit({"request": {**request, "oldObject": None}})["response"]["status"]["code"] == 500


def test_results_sort_by_action_then_message(gate):
    gate.add_constraint(required_labels("w", ["a"], action="warn"))
    gate.add_constraint(required_labels("d", ["b"], action="deny"))
    gate.add_constraint(required_labels("r", ["c"], action="dryrun"))
    assert [r.enforcement_action for r in gate.review(pod()).results] == ["deny", "dryrun", "warn"]


def test_scoped_actions_follow_the_enforcement_point():
    scoped = [{"action": "warn", "enforcementPoints": [{"name": GATOR}]}]
    g = Gatekeeper(enforcement_point=GATOR)
    g.add_template(TEMPLATE)
    g.add_constraint(required_labels("s", ["a"], action="scoped", scopedEnforcementActions=scoped))
    (result,) = g.review(pod()).results
    assert result.scoped_actions == ["warn"]
    webhook = Gatekeeper()
    webhook.add_template(TEMPLATE)
    webhook.add_constraint(required_labels("s", ["a"], action="scoped", scopedEnforcementActions=scoped))
    assert webhook.review(pod()).results == []  # not evaluated at a point it does not list


def test_evaluation_errors_become_one_result_per_constraint():
    broken = {**TEMPLATE, "metadata": {"name": "k8sbroken"}}
    broken["spec"] = {**TEMPLATE["spec"], "crd": {"spec": {"names": {"kind": "K8sBroken"}}}, "targets": [{
        "target": "admission.k8s.gatekeeper.sh",
        "rego": "package k8sbroken\nx := 1\nx := 2\nviolation[{\"msg\": \"m\"}] { x == 1 }\n",
    }]}
    g = Gatekeeper()
    g.add_template(broken)
    g.add_constraint({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sBroken", "metadata": {"name": "b"}})
    (result,) = g.review(pod()).results
    assert "eval_conflict_error" in result.msg and result.details is None


def test_non_string_msg_fails_the_review():
    bad = {**TEMPLATE, "metadata": {"name": "k8sbadmsg"}}
    bad["spec"] = {**TEMPLATE["spec"], "crd": {"spec": {"names": {"kind": "K8sBadMsg"}}}, "targets": [{
        "target": "admission.k8s.gatekeeper.sh", "rego": "package k8sbadmsg\nviolation[{\"msg\": 7}] { true }\n"}]}
    g = Gatekeeper()
    g.add_template(bad)
    g.add_constraint({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sBadMsg", "metadata": {"name": "b"}})
    with pytest.raises(ReviewError, match="expected string"):
        g.review(pod())


def test_inventory_feeds_referential_templates():
    template = {**TEMPLATE, "metadata": {"name": "k8suniquename"}}
    template["spec"] = {**TEMPLATE["spec"], "crd": {"spec": {"names": {"kind": "K8sUniqueName"}}}, "targets": [{
        "target": "admission.k8s.gatekeeper.sh",
        "rego": """package k8suniquename
violation[{"msg": "taken"}] {
  other := data.inventory.namespace[ns][_]["Pod"][input.review.object.metadata.name]
  ns != input.review.object.metadata.namespace
}
"""}]}
    g = Gatekeeper()
    g.add_template(template)
    g.add_constraint({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sUniqueName", "metadata": {"name": "u"}})
    assert g.review(pod(name="web")).messages == []
    g.add_inventory([pod(name="web", namespace="other")])
    assert g.review(pod(name="web")).messages == ["taken"]


def test_a_bad_constraint_does_not_hide_the_others(gate):
    from regolite.gatekeeper.engine import ReviewFailed

    bad = {**TEMPLATE, "metadata": {"name": "k8sbadmsg"}}
    bad["spec"] = {**TEMPLATE["spec"], "crd": {"spec": {"names": {"kind": "K8sBadMsg"}}}, "targets": [{
        "target": "admission.k8s.gatekeeper.sh", "rego": "package k8sbadmsg\nviolation[{\"msg\": 7}] { true }\n"}]}
    gate.add_template(bad)
    gate.add_constraint({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sBadMsg",
                         "metadata": {"name": "bad"}}, source="bad.yaml")
    gate.add_constraint(required_labels("need-owner", ["owner"]))
    with pytest.raises(ReviewFailed) as info:
        gate.review(pod())
    assert "K8sBadMsg/bad (bad.yaml)" in str(info.value)
    assert [r.constraint.name for r in info.value.results] == ["need-owner"]
    # the webhook fails closed, as Gatekeeper does
    assert gate.admit({"request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                                   "operation": "CREATE", "object": pod()}})["response"]["status"]["code"] == 500


def test_constraints_added_or_removed_between_reviews_take_effect(gate):
    pods = {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}
    gate.add_constraint(required_labels("need-owner", ["owner"], match=pods))
    assert gate.review(pod()).messages == ['you must provide labels: {"owner"}']
    gate.add_constraint(required_labels("need-team", ["team"], match=pods))
    assert gate.review(pod()).messages == ['you must provide labels: {"owner"}', 'you must provide labels: {"team"}']
    gate.remove_constraint("K8sRequiredLabels", "need-owner")
    assert gate.review(pod()).messages == ['you must provide labels: {"team"}']
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}
    assert gate.review(namespace).messages == []
    gate.add_constraint(required_labels("any-kind", ["x"]))
    assert gate.review(namespace).messages == ['you must provide labels: {"x"}']


def test_a_review_freezes_each_object_once_for_all_its_constraints(monkeypatch):
    # Templates that collect the object's containers into a set share the frozen
    # keys: the container is frozen once per review, not once per constraint.
    template = {**TEMPLATE, "metadata": {"name": "k8scontainers"}, "spec": {
        "crd": {"spec": {"names": {"kind": "K8sContainers"}, "validation": {"openAPIV3Schema": {
            "type": "object", "properties": {"image": {"type": "string"}}}}}},
        "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": """package k8scontainers
containers[c] { c := input.review.object.spec.containers[_] }
violation[{"msg": msg}] {
  c := containers[_]
  c.image == input.parameters.image
  msg := sprintf("%v uses %v", [c.name, c.image])
}
"""}]}}
    g = Gatekeeper()
    g.add_template(template)
    for i, image in enumerate(["nginx", "redis", "nginx"]):
        g.add_constraint({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sContainers",
                          "metadata": {"name": f"c{i}"}, "spec": {"parameters": {"image": image}}})
    container = {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}
    import regolite.values as values

    frozen = []
    real = values.freeze
    monkeypatch.setattr(values, "freeze", lambda v: (frozen.append(v) if v is container else None) or real(v))
    result = g.review({**pod(), "spec": {"containers": [container]}})
    assert [r.msg for r in result.results] == ["web uses nginx", "web uses nginx"]
    assert len(frozen) == 1


def test_constraints_with_the_same_match_share_one_verdict_per_review(gate):
    pods = {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}], "namespaces": ["default"]}
    same = {"namespaces": ["default"], "kinds": [{"kinds": ["Pod"], "apiGroups": [""]}]}  # keys in another order
    gate.add_constraint(required_labels("a", ["a"], match=pods))
    gate.add_constraint(required_labels("b", ["b"], match=same))
    gate.add_constraint(required_labels("c", ["c"], match={"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}))
    keys = [("K8sRequiredLabels", n) for n in "abc"]
    assert gate._matchers[keys[0]] is gate._matchers[keys[1]] is not gate._matchers[keys[2]]
    assert gate.review(pod()).messages == [f'you must provide labels: {{"{n}"}}' for n in "abc"]
    assert gate.review(pod(namespace="other")).messages == ['you must provide labels: {"c"}']
    # an error of the shared match is every sharing constraint's result
    bad = {"kinds": [{"kinds": ["Pod"]}], "namespaceSelector": {"matchLabels": {"team": "x"}}}  # namespace unknown
    gate.add_constraint(required_labels("a", ["a"], match=bad))
    gate.add_constraint(required_labels("b", ["b"], match=bad))
    failed = [r for r in gate.review(pod()).results if r.constraint.name in ("a", "b")]
    assert len(failed) == 2 and failed[0].msg == failed[1].msg and "missing Namespace" in failed[0].msg
    for name in "abc":
        gate.remove_constraint("K8sRequiredLabels", name)
    assert gate._matchers == {} and gate._matchers_by_text == {}
