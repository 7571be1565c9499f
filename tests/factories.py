"""Kubernetes objects and Gatekeeper documents for the tests: one factory a kind, keyword arguments with defaults.

Plain functions, so that module constants and parametrize tables can use them
too; tests/conftest.py re-exports them and offers them as fixtures.
"""

from __future__ import annotations

ADMISSION_TARGET = "admission.k8s.gatekeeper.sh"
CONSTRAINTS_API = "constraints.gatekeeper.sh/v1beta1"


def pod(name="p", namespace="default", labels=None, *, images=(), init=(), ephemeral=(), **metadata) -> dict:
    """A v1 Pod: no namespace when it is empty, no labels when None, a spec only when given images."""
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    if labels is not None:
        meta["labels"] = labels
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {**meta, **metadata}}
    if images or init or ephemeral:
        spec = {"containers": [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]}
        if init:
            spec["initContainers"] = [{"name": f"init{i}", "image": image} for i, image in enumerate(init)]
        if ephemeral:
            spec["ephemeralContainers"] = [{"name": f"debug{i}", "image": image} for i, image in enumerate(ephemeral)]
        obj["spec"] = spec
    return obj


def match_pods(**fields) -> dict:
    """A constraint's spec.match for v1 Pods, with more match `fields` (namespaces=..., labelSelector=...)."""
    return {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}], **fields}


def constraint(kind, name="c1", *, api=CONSTRAINTS_API, **spec) -> dict:
    """A constraint of `kind`; the keyword arguments are its spec fields (no spec without any)."""
    doc = {"apiVersion": api, "kind": kind, "metadata": {"name": name}}
    if spec:
        doc["spec"] = spec
    return doc


def template(rego, *, kind="K8sThing", name=None, api="v1", schema=None, validation=None, libs=None, code=None,
             **target_extra) -> dict:
    """A ConstraintTemplate for `kind` (named kind.lower()) with one admission target running `rego` (None: no rego)."""
    target = {"target": ADMISSION_TARGET}
    if rego is not None:
        target["rego"] = rego
    if libs is not None:
        target["libs"] = libs
    if code is not None:
        target["code"] = code
    target.update(target_extra)
    crd_spec: dict = {"names": {"kind": kind}}
    if validation is not None:
        crd_spec["validation"] = validation
    elif schema is not None:
        crd_spec["validation"] = {"openAPIV3Schema": schema}
    return {
        "apiVersion": f"templates.gatekeeper.sh/{api}",
        "kind": "ConstraintTemplate",
        "metadata": {"name": kind.lower() if name is None else name},
        "spec": {"crd": {"spec": crd_spec}, "targets": [target]},
    }
