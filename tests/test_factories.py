"""The shared factories (tests/factories.py, fixtures in tests/conftest.py) build the documents the tests rely on."""

from __future__ import annotations

from regolite.gatekeeper.constraints import load_constraint
from regolite.gatekeeper.templates import load_template
from tests.factories import match_pods

REGO = 'package k8sthing\nviolation[{"msg": "m"}] { true }\n'


def test_pod_leaves_out_what_is_not_given(make_pod):
    assert make_pod() == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}}
    assert make_pod("web", "", {}, generateName="w-")["metadata"] == {"name": "web", "labels": {}, "generateName": "w-"}


def test_pod_containers_are_numbered_by_list(make_pod):
    assert make_pod(images=["a", "b"], init=["i"], ephemeral=["e"])["spec"] == {
        "containers": [{"name": "c0", "image": "a"}, {"name": "c1", "image": "b"}],
        "initContainers": [{"name": "init0", "image": "i"}],
        "ephemeralContainers": [{"name": "debug0", "image": "e"}],
    }


def test_constraint_has_a_spec_only_when_given_fields(make_constraint):
    assert make_constraint("K8sThing") == {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sThing",
                                           "metadata": {"name": "c1"}}
    doc = make_constraint("K8sThing", "n", match=match_pods(namespaces=["a"]), parameters={"x": 1})
    assert doc["spec"] == {"match": {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}], "namespaces": ["a"]},
                           "parameters": {"x": 1}}


def test_template_fields(make_template):
    doc = make_template(REGO, schema={"type": "object"}, libs=["package lib"])
    assert doc["metadata"] == {"name": "k8sthing"}
    assert doc["spec"]["crd"]["spec"] == {"names": {"kind": "K8sThing"}, "validation": {"openAPIV3Schema": {"type": "object"}}}
    assert doc["spec"]["targets"] == [{"target": "admission.k8s.gatekeeper.sh", "rego": REGO, "libs": ["package lib"]}]
    assert "rego" not in make_template(None, code=[])["spec"]["targets"][0]


def test_default_template_and_constraint_load(make_template, make_constraint):
    template = load_template(make_template(REGO))
    constraint = load_constraint(make_constraint("K8sThing"), {template.kind: template})
    assert (constraint.kind, constraint.name, constraint.enforcement_action) == ("K8sThing", "c1", "deny")
