"""The input document (GATEKEEPER-SEMANTICS.md §4)."""

from __future__ import annotations

import json

import pytest
import yaml

from regolite.errors import RegoError
from regolite.gatekeeper.review import (
    ReviewError,
    make_input,
    review_from_admission_request,
    review_from_object,
)
from tests.conftest import require_shared

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "prod"}, "status": {"phase": "x"}}
PROD = {"metadata": {"name": "prod", "labels": {"env": "prod"}}, "spec": {}, "status": {}}


# --- plain objects (§4.3) --------------------------------------------------------------


def test_plain_object_review_has_every_field_with_zero_values():
    review = review_from_object(POD)
    assert review == {
        "uid": "",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "", "resource": ""},
        "name": "web-1",
        "namespace": "prod",
        "operation": "",
        "userInfo": {},
        "object": POD,
        "oldObject": None,
        "options": None,
        "namespaceObject": {},
    }
    assert list(review) == [
        "uid", "kind", "resource", "name", "namespace", "operation", "userInfo",
        "object", "oldObject", "options", "namespaceObject",
    ]


def test_plain_object_is_used_by_reference():
    review = review_from_object(POD)
    assert review["object"] is POD


def test_plain_object_group_and_version():
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    assert review_from_object(deploy)["kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}


def test_cluster_scoped_and_nameless_objects_omit_name_and_namespace():
    review = review_from_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"generateName": "x-"}})
    assert "name" not in review and "namespace" not in review


def test_plain_object_absent_fields():
    review = review_from_object(POD)
    for key in ("subResource", "requestKind", "requestResource", "requestSubResource", "dryRun", "_unstable"):
        assert key not in review


def test_plain_object_namespace_object():
    assert review_from_object(POD, namespace_object=PROD)["namespaceObject"] is PROD


def test_plain_object_operation_and_delete_resultant():
    assert review_from_object(POD, operation="CREATE")["operation"] == "CREATE"
    review = review_from_object(POD, operation="DELETE")
    assert review["object"] is POD and review["oldObject"] is POD


@pytest.mark.parametrize(
    "obj",
    [None, [], "Pod", {"apiVersion": "v1"}, {"apiVersion": "v1", "kind": ""}, {"apiVersion": "a/b/c", "kind": "X"},
     {"apiVersion": 1, "kind": "X"}],
)
def test_plain_object_malformed(obj):
    with pytest.raises(ReviewError):
        review_from_object(obj)


def test_review_error_is_a_rego_error():
    with pytest.raises(RegoError) as err:
        review_from_object(None)
    assert err.value.code == "review_error"


# --- admission requests (§4.4) ---------------------------------------------------------


REQUEST = {
    "uid": "1b2c",
    "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"},
    "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
    "requestResource": {"group": "", "version": "v1", "resource": "pods"},
    "name": "web-1",
    "namespace": "prod",
    "operation": "UPDATE",
    "userInfo": {"username": "alice", "groups": ["dev", "system:authenticated"]},
    "object": POD,
    "oldObject": POD,
    "dryRun": False,
    "options": {"kind": "UpdateOptions", "apiVersion": "meta.k8s.io/v1"},
}


def test_admission_request_matches_the_spec_example():
    """§4.10, key for key and in order."""
    review = review_from_admission_request(REQUEST, namespace_object=PROD)
    assert review == {**REQUEST, "namespaceObject": PROD}
    assert list(review) == list(REQUEST) + ["namespaceObject"]
    assert review["object"] is POD


def test_admission_request_minimal_defaults():
    review = review_from_admission_request({"kind": {"version": "v1", "kind": "Pod"}, "operation": "CREATE",
                                            "object": POD})
    assert review == {
        "uid": "",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "", "resource": ""},
        "operation": "CREATE",
        "userInfo": {},
        "object": POD,
        "oldObject": None,
        "options": None,
        "namespaceObject": {},
    }


def test_admission_request_without_kind_decodes_to_empty_strings():
    """Library AdmissionReview samples omit request.kind; Go decodes it to zero values."""
    review = review_from_admission_request({"operation": "UPDATE", "object": POD})
    assert review["kind"] == {"group": "", "version": "", "kind": ""}


def test_admission_request_drops_unknown_keys_and_empty_omitempty_fields():
    request = {**REQUEST, "subResource": "", "requestSubResource": "", "requestKind": None, "bogus": 1,
               "userInfo": {"username": "", "uid": "u1", "groups": [], "extra": {"scopes": ["a"]}}}
    review = review_from_admission_request(request)
    assert "bogus" not in review and "subResource" not in review and "requestKind" not in review
    assert review["userInfo"] == {"uid": "u1", "extra": {"scopes": ["a"]}}


def test_admission_request_subresources_and_dry_run():
    request = {**REQUEST, "subResource": "exec", "requestSubResource": "exec", "dryRun": True}
    review = review_from_admission_request(request)
    assert review["subResource"] == "exec" and review["requestSubResource"] == "exec" and review["dryRun"] is True
    assert "dryRun" not in review_from_admission_request({k: v for k, v in REQUEST.items() if k != "dryRun"})


def test_webhook_blanks_namespace_for_namespace_requests():
    request = {"kind": {"group": "", "version": "v1", "kind": "Namespace"}, "name": "prod", "namespace": "prod",
               "operation": "CREATE", "object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}}
    assert "namespace" not in review_from_admission_request(request)
    assert review_from_admission_request(request, webhook=False)["namespace"] == "prod"


def test_namespace_blanking_only_for_core_namespaces():
    request = {"kind": {"group": "example.com", "version": "v1", "kind": "Namespace"}, "namespace": "prod",
               "operation": "CREATE", "object": POD}
    assert review_from_admission_request(request)["namespace"] == "prod"


# --- DELETE (§4.5, pitfall 5) ----------------------------------------------------------


def test_delete_copies_old_object_into_object():
    old = {**POD, "metadata": {"name": "gone", "namespace": "prod"}}
    review = review_from_admission_request({**REQUEST, "operation": "DELETE", "object": None, "oldObject": old})
    assert review["object"] is old and review["oldObject"] is old


def test_delete_replaces_a_present_object():
    old = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "old"}}
    review = review_from_admission_request({**REQUEST, "operation": "DELETE", "oldObject": old})
    assert review["object"] is old


def test_delete_without_old_object_is_an_error():
    request = {k: v for k, v in REQUEST.items() if k != "oldObject"}
    with pytest.raises(ReviewError) as err:
        review_from_admission_request({**request, "operation": "DELETE"})
    assert err.value.message == "oldObject cannot be nil for DELETE operations"


# --- malformed requests ----------------------------------------------------------------


@pytest.mark.parametrize(
    "request_, text",
    [
        (None, "expected an object"),
        ([REQUEST], "expected an object"),
        ({**REQUEST, "kind": "Pod"}, "kind must be an object"),
        ({**REQUEST, "kind": {"group": "", "version": 1, "kind": "Pod"}}, "kind.version must be a string"),
        ({**REQUEST, "resource": []}, "resource must be an object"),
        ({**REQUEST, "uid": 5}, "uid must be a string"),
        ({**REQUEST, "operation": ["CREATE"]}, "operation must be a string"),
        ({**REQUEST, "name": 1}, "name must be a string"),
        ({**REQUEST, "object": "x"}, "object must be an object"),
        ({**REQUEST, "oldObject": [1]}, "oldObject must be an object"),
        ({**REQUEST, "options": 3}, "options must be an object"),
        ({**REQUEST, "dryRun": "yes"}, "dryRun must be a boolean"),
        ({**REQUEST, "userInfo": "alice"}, "userInfo must be an object"),
        ({**REQUEST, "userInfo": {"groups": "dev"}}, "userInfo.groups"),
        ({**REQUEST, "userInfo": {"extra": {"a": "b"}}}, "userInfo.extra"),
    ],
)
def test_malformed_requests(request_, text):
    with pytest.raises(ReviewError) as err:
        review_from_admission_request(request_)
    assert text in err.value.message


def test_non_object_namespace_object_is_an_error():
    with pytest.raises(ReviewError):
        review_from_admission_request(REQUEST, namespace_object=["prod"])


# --- input (§4.1, §4.7) ----------------------------------------------------------------


def test_make_input():
    review = review_from_object(POD)
    inp = make_input(review, {"labels": ["owner"]})
    assert inp == {"review": review, "parameters": {"labels": ["owner"]}}
    assert inp["review"] is review
    assert make_input(review, None) == {"review": review, "parameters": {}}


def test_reviews_are_json_serialisable():
    json.dumps(make_input(review_from_admission_request(REQUEST, namespace_object=PROD), {}))


def test_library_admission_review_samples():
    root = require_shared("gatekeeper-library", "library", "general")
    files = [p for p in root.glob("*/samples/*/*.yaml") if "AdmissionReview" in p.read_text()]
    assert files
    for path in files:
        doc = yaml.safe_load(path.read_text())
        review = review_from_admission_request(doc["request"], webhook=False)
        assert review["operation"] == doc["request"]["operation"]
        assert review["object"] is doc["request"].get("object") or review["operation"] == "DELETE"
        assert review["oldObject"] is doc["request"].get("oldObject")
