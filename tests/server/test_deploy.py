"""deploy/: the webhook registrations cover what Gatekeeper's do, and the Deployment's flags are the server's."""

from __future__ import annotations

import argparse

import yaml

from regolite.cli import serve
from regolite.server.app import IGNORE_LABEL, ServerSettings
from tests.conftest import REPO

# Gatekeeper's validation.gatekeeper.sh rules list these besides "*" (which matches no subresource).
GATEKEEPER_SUBRESOURCES = {
    "pods/ephemeralcontainers", "pods/exec", "pods/log", "pods/eviction", "pods/portforward", "pods/proxy",
    "pods/attach", "pods/binding", "pods/resize", "deployments/scale", "replicasets/scale", "statefulsets/scale",
    "replicationcontrollers/scale", "services/proxy", "nodes/proxy", "services/status",
}


def webhooks() -> dict:
    config = yaml.safe_load((REPO / "deploy" / "webhook.yaml").read_text())
    return {w["name"]: w for w in config["webhooks"]}


def deployment_args() -> argparse.Namespace:
    deployment = next(d for d in yaml.safe_load_all((REPO / "deploy" / "deployment.yaml").read_text())
                      if d["kind"] == "Deployment")
    parser = argparse.ArgumentParser()
    serve.add_parser(parser.add_subparsers())
    return parser.parse_args(deployment["spec"]["template"]["spec"]["containers"][0]["args"])


def test_the_validation_webhook_covers_gatekeepers_subresources():
    rules = webhooks()["validation.regolite.dev"]["rules"]
    resources = {r for rule in rules for r in rule["resources"]}
    assert "*" in resources and GATEKEEPER_SUBRESOURCES <= resources
    assert not any(r.endswith("/status") and r != "services/status" for r in resources)
    assert all(rule["operations"] == ["CREATE", "UPDATE"] for rule in rules)


def test_the_ignore_label_is_guarded_as_gatekeeper_guards_its_own():
    hooks = webhooks()
    validation, label = hooks["validation.regolite.dev"], hooks["check-ignore-label.regolite.dev"]
    assert {"key": IGNORE_LABEL, "operator": "DoesNotExist"} in validation["namespaceSelector"]["matchExpressions"]
    assert label["clientConfig"]["service"]["path"] == "/v1/admitlabel" and label["failurePolicy"] == "Fail"
    assert label["rules"] == [{"apiGroups": [""], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"],
                               "resources": ["namespaces"]}]
    namespace = yaml.safe_load((REPO / "deploy" / "namespace.yaml").read_text())
    assert IGNORE_LABEL in namespace["metadata"]["labels"]  # regolite-system carries it ...
    assert namespace["metadata"]["name"] in deployment_args().exempt_namespace  # ... and may


def test_the_deployment_passes_every_limit_at_its_default():
    args = deployment_args()
    defaults = ServerSettings()
    for name in [*serve.LIMITS, "max_request_bytes", "max_steps", "max_depth"]:
        assert getattr(args, name) == getattr(defaults, name), name
    assert args.timeout < webhooks()["validation.regolite.dev"]["timeoutSeconds"]


def test_serve_flag_defaults_are_the_settings_defaults():
    args = argparse.ArgumentParser()
    serve.add_parser(args.add_subparsers())
    parsed = args.parse_args(["serve", "--policies", "p"])
    defaults = ServerSettings()
    for name in [*serve.LIMITS, "timeout", "max_request_bytes", "max_steps", "max_depth", "fail_open"]:
        assert getattr(parsed, name) == getattr(defaults, name), name
