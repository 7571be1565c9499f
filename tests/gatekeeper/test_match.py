"""spec.match semantics (GATEKEEPER-SEMANTICS.md §3)."""

from __future__ import annotations

import pytest
import yaml

from regolite.errors import RegoError
from regolite.gatekeeper.match import (
    MatchError,
    Target,
    kind_keys,
    lookup_keys,
    matches,
    selector_matches,
    wildcard_matches,
)
from regolite.gatekeeper.review import review_from_admission_request, review_from_object
from tests.conftest import require_shared
from tests.factories import pod


def namespace(name, labels=None):
    metadata = {"name": name}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def cluster_role(name="admin", labels=None):
    metadata = {"name": name}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": metadata}


PROD = namespace("prod", {"env": "prod"})


def target(obj, ns=None, **kw):
    return Target.from_review(review_from_object(obj), ns, **kw)


# --- combination and defaults (§3.2) --------------------------------------------------


def test_absent_match_matches_everything_even_without_objects():
    t = Target("", "v1", "Pod", "", None, None, None)
    assert matches(None, t) is True


def test_empty_match_and_empty_fields_match_everything():
    t = target(pod("web-1", "prod"), PROD)
    assert matches({}, t)
    empty = {"kinds": [], "namespaces": [], "excludedNamespaces": [], "name": "", "scope": "", "source": ""}
    assert matches(empty, t)


def test_all_matchers_are_anded():
    t = target(pod("web-1", "prod", labels={"app": "web"}), PROD)
    m = {
        "kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
        "namespaces": ["prod"],
        "labelSelector": {"matchLabels": {"app": "web"}},
    }
    assert matches(m, t)
    assert not matches({**m, "namespaces": ["dev"]}, t)
    assert not matches({**m, "labelSelector": {"matchLabels": {"app": "db"}}}, t)


def test_neither_object_nor_old_object_is_a_match_error():
    t = Target("", "v1", "Pod", "x", "prod", None, None)
    with pytest.raises(MatchError) as err:
        matches({}, t)
    assert err.value.message == "invalid request object: neither object nor old object are defined"
    assert err.value.autoreject_message == (
        "unable to match constraints: invalid request object: neither object nor old object are defined"
    )
    assert isinstance(err.value, RegoError) and err.value.code == "match_error"


def test_non_object_request_object_is_a_match_error():
    t = Target("", "v1", "Pod", "x", "prod", ["not", "an", "object"], None)
    with pytest.raises(MatchError):
        matches({}, t)


def test_old_object_matches_when_new_object_left_the_selector():
    """UPDATE removing a label: the old object still matches (pitfall 7)."""
    request = {
        "uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "prod", "name": "web-1",
        "operation": "UPDATE", "object": pod("web-1", "prod", labels={}), "oldObject": pod("web-1", "prod", labels={"app": "web"}),
    }
    t = Target.from_review(review_from_admission_request(request, namespace_object=PROD))
    assert matches({"labelSelector": {"matchLabels": {"app": "web"}}}, t)
    assert not matches({"labelSelector": {"matchLabels": {"app": "db"}}}, t)


def test_new_object_matches_when_old_object_does_not():
    request = {
        "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "prod", "operation": "UPDATE",
        "object": pod("web-1", "prod", labels={"app": "web"}), "oldObject": pod("web-1", "prod", labels={}),
    }
    t = Target.from_review(review_from_admission_request(request), PROD)
    assert matches({"labelSelector": {"matchLabels": {"app": "web"}}}, t)


def test_delete_matches_the_deleted_object():
    request = {"kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "prod", "operation": "DELETE",
               "oldObject": pod("web-1", "prod", labels={"app": "web"})}
    t = Target.from_review(review_from_admission_request(request), PROD)
    assert t.object is t.old_object
    assert matches({"labelSelector": {"matchLabels": {"app": "web"}}}, t)


def test_error_on_the_new_object_is_not_rescued_by_the_old_one():
    """Gatekeeper stops at the first error (the new object is tried first)."""
    t = Target("", "v1", "Pod", "p", "prod", pod("web-1", "prod"), pod("web-1", "prod"), None)
    with pytest.raises(MatchError):
        matches({"namespaceSelector": {}}, t)


# --- kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry, ok",
    [
        ({"apiGroups": [""], "kinds": ["Pod"]}, True),
        ({"apiGroups": ["apps"], "kinds": ["Pod"]}, False),
        ({"apiGroups": [""], "kinds": ["Deployment"]}, False),
        ({"apiGroups": ["*"], "kinds": ["Pod"]}, True),
        ({"apiGroups": [""], "kinds": ["*"]}, True),
        ({"apiGroups": [], "kinds": []}, True),
        ({"kinds": ["Pod"]}, True),
        ({"apiGroups": [""], "kinds": ["pod"]}, False),  # case-sensitive
    ],
)
def test_kinds(entry, ok):
    assert matches({"kinds": [entry]}, target(pod("web-1", "prod"), PROD)) is ok


def test_kinds_any_entry_suffices_and_group_comes_from_api_version():
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "prod"}}
    m = {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}, {"apiGroups": ["apps"], "kinds": ["Deployment"]}]}
    assert matches(m, target(deploy, PROD))
    assert not matches({"kinds": [{"apiGroups": [""], "kinds": ["Deployment"]}]}, target(deploy, PROD))


def test_kinds_read_the_object_not_the_request_kind():
    """§3.3: GVK from O's own apiVersion/kind."""
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}
    t = Target("", "v1", "Pod", "x", "prod", secret, None, PROD)
    assert not matches({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}, t)
    assert matches({"kinds": [{"apiGroups": [""], "kinds": ["Secret"]}]}, t)


# --- scope (pitfall 10) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, ns, scope, ok",
    [
        (pod("web-1", "prod"), PROD, "Namespaced", True),
        (pod("web-1", "prod"), PROD, "Cluster", False),
        (cluster_role(), None, "Cluster", True),
        (cluster_role(), None, "Namespaced", False),
        (namespace("prod"), None, "Cluster", True),
        (namespace("prod"), None, "Namespaced", False),
        (pod("web-1", "prod"), None, "Namespaced", True),  # objNs set, NS unknown: still namespaced
        (cluster_role(), None, "*", True),
        (pod("web-1", "prod"), PROD, "*", True),
        (cluster_role(), None, "cluster", True),  # typo: matches everything
        (pod("web-1", "prod"), PROD, "namespaced", True),
        (pod("web-1", "prod"), PROD, "", True),
    ],
)
def test_scope(obj, ns, scope, ok):
    assert matches({"scope": scope}, target(obj, ns)) is ok


# --- namespaces / excludedNamespaces ---------------------------------------------------


def test_namespaces_glob_forms():
    t = target(pod("web-1", "prod-eu"), namespace("prod-eu"))
    assert matches({"namespaces": ["prod-eu"]}, t)
    assert matches({"namespaces": ["prod-*"]}, t)
    assert matches({"namespaces": ["*-eu"]}, t)
    assert matches({"namespaces": ["*od-e*"]}, t)
    assert matches({"namespaces": ["*"]}, t)
    assert not matches({"namespaces": ["prod"]}, t)
    assert not matches({"namespaces": ["dev", "*-us"]}, t)
    assert matches({"namespaces": ["dev", "*-eu"]}, t)


def test_excluded_namespaces():
    t = target(pod("web-1", "kube-system"), namespace("kube-system"))
    assert not matches({"excludedNamespaces": ["kube-*"]}, t)
    assert not matches({"excludedNamespaces": ["*-system"]}, t)
    assert matches({"excludedNamespaces": ["prod"]}, t)
    assert not matches({"namespaces": ["kube-system"], "excludedNamespaces": ["kube-system"]}, t)


def test_namespaces_prefers_the_namespace_object_name():
    t = Target("", "v1", "Pod", "p", "prod", pod("web-1", "other"), None, PROD)
    assert matches({"namespaces": ["prod"]}, t)


def test_namespaces_fall_back_to_object_namespace_when_ns_unknown():
    t = target(pod("web-1", "prod"))
    assert t.namespace_object is None
    assert matches({"namespaces": ["prod"]}, t)
    assert not matches({"namespaces": ["dev"]}, t)
    assert not matches({"excludedNamespaces": ["prod"]}, t)


def test_namespace_objects_are_matched_by_their_own_name():
    t = target(namespace("kube-system"))
    assert matches({"namespaces": ["kube-system"]}, t)
    assert not matches({"excludedNamespaces": ["kube-*"]}, t)
    assert not matches({"namespaces": ["prod"]}, t)


def test_cluster_scoped_objects_pass_namespace_matchers():
    """Pitfall 8: namespaces, excludedNamespaces and namespaceSelector let them through."""
    t = target(cluster_role())
    assert matches({"namespaces": ["prod"]}, t)
    assert matches({"excludedNamespaces": ["*"]}, t)
    assert matches({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, t)
    assert not matches({"scope": "Namespaced", "namespaces": ["prod"]}, t)


# --- labelSelector (§3.4) --------------------------------------------------------------


@pytest.mark.parametrize(
    "selector, ok",
    [
        ({}, True),
        ({"matchLabels": {"app": "web"}}, True),
        ({"matchLabels": {"app": "db"}}, False),
        ({"matchLabels": {"app": "web", "tier": "fe"}}, True),
        ({"matchLabels": {"app": "web", "missing": "x"}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["be"]}]}, False),
        ({"matchExpressions": [{"key": "nope", "operator": "In", "values": ["fe"]}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["be"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}]}, False),
        ({"matchExpressions": [{"key": "nope", "operator": "NotIn", "values": ["fe"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "nope", "operator": "Exists"}]}, False),
        ({"matchExpressions": [{"key": "nope", "operator": "DoesNotExist"}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, False),
        ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, False),
        ({"matchLabels": {"example.com/team": "a"}}, True),
    ],
)
def test_label_selector(selector, ok):
    obj = pod("web-1", "prod", labels={"app": "web", "tier": "fe", "example.com/team": "a"})
    assert matches({"labelSelector": selector}, target(obj, PROD)) is ok


def test_label_selector_on_object_without_labels():
    t = target(pod("web-1", "prod"), PROD)
    assert matches({"labelSelector": {"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}}, t)
    assert not matches({"labelSelector": {"matchExpressions": [{"key": "a", "operator": "Exists"}]}}, t)


def test_values_compare_exactly():
    t = target(pod("web-1", "prod", labels={"app": "Web"}), PROD)
    assert not matches({"labelSelector": {"matchLabels": {"app": "web"}}}, t)


@pytest.mark.parametrize(
    "selector, text",
    [
        ({"matchExpressions": [{"key": "a", "operator": "Foo", "values": ["x"]}]},
         '"Foo" is not a valid label selector operator'),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, "values set can't be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, "values set must be empty"),
        ({"matchLabels": {"bad key!": "x"}}, "key: Invalid value"),
        ({"matchLabels": {"a": "bad value!"}}, "Invalid value"),
    ],
)
def test_invalid_selector_is_a_match_error(selector, text):
    with pytest.raises(MatchError) as err:
        matches({"labelSelector": selector}, target(pod("web-1", "prod"), PROD))
    assert text in err.value.message
    assert err.value.message.startswith("error matching the requested object: web-1 :failed to run Match criteria: ")


def test_selector_matches_directly():
    assert selector_matches({}, {})
    assert selector_matches({"matchLabels": {"a": "1"}}, {"a": "1"})
    with pytest.raises(ValueError):
        selector_matches({"matchExpressions": [{"key": "a", "operator": "in", "values": ["1"]}]}, {})


# --- namespaceSelector (pitfall 9) -----------------------------------------------------


def test_namespace_selector_uses_namespace_labels():
    t = target(pod("web-1", "prod", labels={"env": "dev"}), PROD)
    assert matches({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, t)
    assert not matches({"namespaceSelector": {"matchLabels": {"env": "dev"}}}, t)


def test_namespace_selector_on_namespace_uses_its_own_labels():
    t = target(namespace("prod", {"env": "prod"}))
    assert matches({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, t)
    assert not matches({"namespaceSelector": {"matchLabels": {"env": "dev"}}}, t)


def test_namespace_selector_with_unknown_namespace_is_a_match_error():
    t = target(pod("web-1", "prod"))
    with pytest.raises(MatchError) as err:
        matches({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, t)
    assert err.value.message == (
        "error matching the requested object: web-1 :failed to run Match criteria: "
        "namespace selector for namespace-scoped object but missing Namespace"
    )
    assert err.value.autoreject_message.startswith("unable to match constraints: error matching the requested object: ")


def test_namespace_selector_error_only_after_earlier_matchers_pass():
    """Matchers run in order; a kinds mismatch stops before namespaceSelector."""
    t = target(pod("web-1", "prod"))
    m = {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}], "namespaceSelector": {}}
    assert matches(m, t) is False


def test_namespace_selector_error_after_name_would_fail():
    """namespaceSelector runs before name, so the error wins over a later non-match."""
    t = target(pod("web-1", "prod"))
    with pytest.raises(MatchError):
        matches({"namespaceSelector": {}, "name": "db-*"}, t)


# --- name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, ok",
    [("web-1", True), ("web-*", True), ("*-1", True), ("*eb*", True), ("*", True), ("web", False), ("db-*", False)],
)
def test_name(pattern, ok):
    assert matches({"name": pattern}, target(pod("web-1", "prod"), PROD)) is ok


@pytest.mark.parametrize(
    "pattern, ok",
    [("web-*", True), ("*eb-*", True), ("*-", False), ("web-", False), ("db-*", False)],
)
def test_name_matches_generate_name_for_prefix_and_contains_forms(pattern, ok):
    obj = pod("", "prod", generateName="web-")
    assert matches({"name": pattern}, target(obj, PROD)) is ok


# --- source ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, source, ok",
    [
        (None, "Original", True),
        ("All", "Generated", True),
        ("Original", "Original", True),
        ("Original", "Generated", False),
        ("Generated", "Generated", True),
        ("", "Generated", True),
    ],
)
def test_source(value, source, ok):
    t = Target.from_review(review_from_object(pod("web-1", "prod")), PROD, source=source)
    assert matches({"source": value} if value is not None else {}, t) is ok


def test_invalid_source_value_is_a_match_error():
    with pytest.raises(MatchError) as err:
        matches({"source": "Both"}, target(pod("web-1", "prod"), PROD))
    assert err.value.message.endswith(':failed to run Match criteria: invalid source field "Both"')


def test_empty_review_source_is_a_match_error_unless_all():
    """Audit --audit-from-cache reviews carry no source (§3.5)."""
    t = Target.from_review(review_from_object(pod("web-1", "prod")), PROD, source="")
    assert matches({"source": "All"}, t)
    assert matches({}, t)
    with pytest.raises(MatchError) as err:
        matches({"source": "Original"}, t)
    assert err.value.message.endswith("source field not specified for resource web-1")


# --- wildcard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, text, ok",
    [
        ("*", "", True), ("*", "abc", True), ("**", "", True), ("**", "x", True),
        ("a*", "abc", True), ("a*", "bac", False), ("*c", "abc", True), ("*c", "cab", False),
        ("*b*", "abc", True), ("*d*", "abc", False), ("abc", "abc", True), ("abc", "abcd", False),
        ("", "", True), ("", "a", False),
    ],
)
def test_wildcard_forms(pattern, text, ok):
    assert wildcard_matches(pattern, text) is ok


# --- where NS comes from (§3.5) --------------------------------------------------------


def test_empty_namespace_object_in_review_means_absent():
    review = review_from_object(pod("web-1", "prod"))
    assert review["namespaceObject"] == {}
    assert Target.from_review(review).namespace_object is None


def test_namespace_object_from_review_is_used():
    review = review_from_object(pod("web-1", "prod"), namespace_object=PROD)
    assert Target.from_review(review).namespace_object is PROD


def test_namespace_cache_lookup_by_request_namespace():
    review = review_from_object(pod("web-1", "prod"))
    t = Target.from_review(review, namespaces={"prod": PROD})
    assert t.namespace_object is PROD
    assert matches({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, t)
    t2 = Target.from_review(review, namespaces=lambda name: PROD if name == "prod" else None)
    assert t2.namespace_object is PROD


def test_webhook_namespace_request_has_no_ns_context():
    request = {"kind": {"group": "", "version": "v1", "kind": "Namespace"}, "namespace": "prod", "name": "prod",
               "operation": "CREATE", "object": namespace("prod", {"env": "prod"})}
    t = Target.from_review(review_from_admission_request(request), namespaces={"prod": namespace("prod", {})})
    assert t.namespace is None and t.namespace_object is None
    assert matches({"namespaceSelector": {"matchLabels": {"env": "prod"}}}, t)


def test_gator_test_cluster_scoped_objects_get_an_empty_namespace():
    """§3.5 (code-derived): scope Cluster no longer matches; namespaces test against ''."""
    t = Target.from_review(review_from_object(cluster_role(labels={"a": "b"})), gator_test=True)
    assert t.namespace_object == {}
    assert not matches({"scope": "Cluster"}, t)
    assert matches({"scope": "Namespaced"}, t)
    assert not matches({"namespaces": ["prod"]}, t)
    assert matches({"namespaces": ["*"]}, t)
    assert not matches({"excludedNamespaces": ["*"]}, t)
    assert not matches({"namespaceSelector": {"matchLabels": {"a": "b"}}}, t)
    assert matches({"namespaceSelector": {}}, t)


def test_gator_test_namespace_objects_still_match_cluster_scope():
    t = Target.from_review(review_from_object(namespace("prod")), gator_test=True)
    assert matches({"scope": "Cluster", "namespaces": ["prod"]}, t)


def test_gator_test_default_namespace_is_synthetic():
    t = Target.from_review(review_from_object(pod("web-1", "default")), gator_test=True)
    assert t.ns_name == "default" and t.ns_labels == {}
    assert matches({"namespaceSelector": {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}}, t)


def test_gator_test_other_namespaces_come_from_the_input_or_are_absent():
    review = review_from_object(pod("web-1", "prod"))
    assert Target.from_review(review, gator_test=True, namespaces={"prod": PROD}).namespace_object is PROD
    t = Target.from_review(review, gator_test=True)
    assert t.namespace_object is None
    with pytest.raises(MatchError):
        matches({"namespaceSelector": {}}, t)


# --- kind index ------------------------------------------------------------------------


def test_kind_keys():
    assert kind_keys(None) is None
    assert kind_keys({}) is None
    assert kind_keys({"kinds": []}) is None
    assert kind_keys({"kinds": [{"apiGroups": ["*"], "kinds": ["*"]}]}) is None
    assert kind_keys({"kinds": [{"apiGroups": [], "kinds": []}]}) is None
    keys = kind_keys({"kinds": [{"apiGroups": ["", "apps"], "kinds": ["Pod", "Deployment"]}]})
    assert keys == {("", "Pod"), ("", "Deployment"), ("apps", "Pod"), ("apps", "Deployment")}
    assert kind_keys({"kinds": [{"apiGroups": ["*"], "kinds": ["Pod"]}]}) == {("*", "Pod")}
    assert kind_keys({"kinds": [{"apiGroups": ["apps"], "kinds": []}]}) == {("apps", "*")}


def test_kind_keys_agree_with_matches():
    """A (group, kind) found through lookup_keys iff the kinds matcher passes."""
    entries = [
        {"apiGroups": [""], "kinds": ["Pod"]},
        {"apiGroups": ["*"], "kinds": ["Ingress"]},
        {"apiGroups": ["apps"], "kinds": ["*"]},
    ]
    objs = [
        ({"apiVersion": "v1", "kind": "Pod"}, True),
        ({"apiVersion": "v1", "kind": "Secret"}, False),
        ({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress"}, True),
        ({"apiVersion": "apps/v1", "kind": "StatefulSet"}, True),
        ({"apiVersion": "batch/v1", "kind": "Job"}, False),
    ]
    keys = kind_keys({"kinds": entries})
    for obj, ok in objs:
        obj = {**obj, "metadata": {"name": "x"}}
        t = target(obj)
        assert matches({"kinds": entries}, t) is ok
        assert any(k in keys for g, kd in t.kinds for k in lookup_keys(g, kd)) is ok


# --- real library samples --------------------------------------------------------------


def _suite_cases(root):
    """(constraint match, object, inventory Namespaces, wants violations) for each gator suite case."""
    for suite_file in sorted(root.glob("*/suite.yaml")):
        suite = yaml.safe_load(suite_file.read_text())
        for test in suite.get("tests") or []:
            constraint = yaml.safe_load((suite_file.parent / test["constraint"]).read_text())
            match = (constraint.get("spec") or {}).get("match")
            for case in test.get("cases") or []:
                obj = yaml.safe_load((suite_file.parent / case["object"]).read_text())
                inventory = {}
                for path in case.get("inventory") or []:
                    for doc in yaml.safe_load_all((suite_file.parent / path).read_text()):
                        if isinstance(doc, dict) and doc.get("kind") == "Namespace":
                            inventory[doc["metadata"]["name"]] = doc
                wants = any(a.get("violations", "yes") not in ("no", 0) for a in case["assertions"])
                yield f"{suite_file.parent.name}/{case['name']}", match, obj, inventory, wants


def test_gatekeeper_library_cases_expecting_violations_are_matched():
    """gator verify: a case asserting violations must pass match (or autoreject)."""
    root = require_shared("gatekeeper-library", "library", "general")
    checked = 0
    for name, match, obj, inventory, wants in _suite_cases(root):
        if obj.get("kind") == "AdmissionReview":
            review = review_from_admission_request(obj["request"], webhook=False)
        else:
            review = review_from_object(obj)
        t = Target.from_review(review, namespaces=inventory)
        try:
            matched = matches(match, t)
        except MatchError:
            matched = True
        if wants:
            assert matched, name
            checked += 1
    assert checked > 40
