"""Inline policies and AdmissionReviews for the server tests (no ../shared needed)."""

from __future__ import annotations

import importlib.util
import os
import uuid
from pathlib import Path

import pytest


def require_uvicorn() -> None:
    """Skip without uvicorn (the `server` extra); fail in CI (CI=true), which must install it."""
    if importlib.util.find_spec("uvicorn") is None:
        message = "uvicorn is not installed (pip install '.[server]')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)

ALLOWED_REPOS_TEMPLATE = """\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sallowedrepos
spec:
  crd:
    spec:
      names:
        kind: K8sAllowedRepos
      validation:
        openAPIV3Schema:
          type: object
          properties:
            repos:
              type: array
              items:
                type: string
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sallowedrepos

        violation[{"msg": msg}] {
          container := input.review.object.spec.containers[_]
          not strings.any_prefix_match(container.image, input.parameters.repos)
          msg := sprintf("container <%v> has an invalid image repo <%v>, allowed repos are %v", [container.name, container.image, input.parameters.repos])
        }
"""


def constraint_yaml(name: str, repos: list, action: str = "deny") -> str:
    """The YAML text of a K8sAllowedRepos constraint for Pods (text, so tests can edit it as text)."""
    items = "\n".join(f'      - "{r}"' for r in repos)
    return f"""\
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: {name}
spec:
  enforcementAction: {action}
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
  parameters:
    repos:
{items}
"""


def write_policies(directory: Path, name: str = "repo-is-openpolicyagent", repos: tuple = ("openpolicyagent/",)) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "template.yaml").write_text(ALLOWED_REPOS_TEMPLATE)
    (directory / "constraint.yaml").write_text(constraint_yaml(name, list(repos)))
    return directory


def pod_review(image: str, *, uid: str = "", name: str = "web", kind: str = "Pod", group: str = "") -> dict:
    api_version = f"{group}/v1" if group else "v1"
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "default"},
           "spec": {"containers": [{"name": "app", "image": image}]}}
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid or str(uuid.uuid4()),
            "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": kind.lower() + "s"},
            "name": name,
            "namespace": "default",
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": obj,
        },
    }
