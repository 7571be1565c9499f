"""The webhook's ASGI app driven in-process: routing, limits, verdicts, fail policy, metrics."""

from __future__ import annotations

import asyncio
import io
import json
import time

import orjson
import pytest

from regolite.server.app import ServerSettings, WebhookApp
from regolite.server.metrics import JsonLog, ServerMetrics
from regolite.server.policies import PolicyStore
from tests.server.policy_fixtures import pod_review, write_policies


def call(app: WebhookApp, method: str, path: str, body: bytes = b"", headers: list = (), chunk: int = 0) -> tuple:
    """One HTTP request through the ASGI interface: (status, headers, body)."""
    chunks = [body[i:i + chunk] for i in range(0, len(body), chunk)] if chunk and body else [body]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": list(headers), "client": ("127.0.0.1", 1)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), payload


def admit(app: WebhookApp, review: dict) -> dict:
    status, headers, body = call(app, "POST", "/v1/admit", orjson.dumps(review))
    assert status == 200, body
    assert headers[b"content-type"] == b"application/json"
    return json.loads(body)


@pytest.fixture
def log_stream():
    return io.StringIO()


def make_app(tmp_path, log_stream, **settings) -> WebhookApp:
    store = PolicyStore(str(write_policies(tmp_path / "policies")), metrics=ServerMetrics(), log=JsonLog(log_stream))
    assert store.load() is None
    return WebhookApp(store, ServerSettings(**settings))


@pytest.fixture
def app(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream)
    yield app
    app.close()


def test_allowed_pod(app, log_stream):
    review = pod_review("openpolicyagent/opa:0.9", uid="uid-ok")
    answer = admit(app, review)
    assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
    assert answer["response"] == {"uid": "uid-ok", "allowed": True, "status": {"code": 200}}
    line = json.loads(log_stream.getvalue().splitlines()[-1])
    assert line["event"] == "admission" and line["verdict"] == "allowed" and line["uid"] == "uid-ok"
    assert line["kind"] == "v1/Pod" and line["namespace"] == "default" and line["operation"] == "CREATE"
    assert line["constraints"] == [] and line["duration_ms"] >= 0


def test_untrusted_registry_denied(app, log_stream):
    answer = admit(app, pod_review("untrusted-registry/nginx", uid="uid-bad"))
    response = answer["response"]
    assert response["uid"] == "uid-bad" and response["allowed"] is False
    assert response["status"]["code"] == 403 and response["status"]["reason"] == "Forbidden"
    assert response["status"]["message"].startswith("[repo-is-openpolicyagent] container <app> has an invalid image")
    assert "untrusted-registry/nginx" in response["status"]["message"]
    line = json.loads(log_stream.getvalue().splitlines()[-1])
    assert line["verdict"] == "denied" and line["constraints"] == ["repo-is-openpolicyagent"]


def test_v1beta1_answered_in_its_version(app):
    review = pod_review("openpolicyagent/opa")
    review["apiVersion"] = "admission.k8s.io/v1beta1"
    assert admit(app, review)["apiVersion"] == "admission.k8s.io/v1beta1"


def test_unknown_kind_is_allowed(app):
    review = pod_review("untrusted-registry/nginx", kind="Widget", group="example.com")
    assert admit(app, review)["response"]["allowed"] is True


@pytest.mark.parametrize("body, needle", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "not an AdmissionReview"),
    (b'{"apiVersion": "v1", "kind": "Pod"}', "not an AdmissionReview"),
    (b'{"apiVersion": "admission.k8s.io/v2", "kind": "AdmissionReview", "request": {}}', "apiVersion"),
    (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}', "no request"),
    (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": "x"}', "no request"),
])
def test_malformed_body_is_400_with_json_error(app, body, needle):
    status, headers, payload = call(app, "POST", "/v1/admit", body)
    assert status == 400 and headers[b"content-type"] == b"application/json"
    assert needle in json.loads(payload)["error"]


def test_oversize_body_is_413(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, max_request_bytes=2048)
    try:
        big = orjson.dumps(pod_review("openpolicyagent/" + "x" * 4000))
        status, _, payload = call(app, "POST", "/v1/admit", big, [(b"content-length", str(len(big)).encode())])
        assert status == 413 and "limit" in json.loads(payload)["error"]
        status, _, _ = call(app, "POST", "/v1/admit", big, chunk=1000)  # no Content-Length: counted while read
        assert status == 413
        assert 'regolite_admission_bad_requests_total{reason="too_large"} 2' in app.metrics.render()
    finally:
        app.close()


def test_routes_and_methods(app):
    assert call(app, "GET", "/healthz")[0] == 200
    assert call(app, "GET", "/readyz")[0] == 200
    assert call(app, "GET", "/nope")[0] == 404
    status, headers, _ = call(app, "GET", "/v1/admit")
    assert status == 405 and headers[b"allow"] == b"POST"
    assert call(app, "POST", "/metrics")[0] == 405
    assert call(app, "PUT", "/readyz")[0] == 405


def test_not_ready_before_policies_load(tmp_path, log_stream):
    store = PolicyStore(str(tmp_path), metrics=ServerMetrics(), log=JsonLog(log_stream))
    app = WebhookApp(store, ServerSettings())
    try:
        assert call(app, "GET", "/readyz")[0] == 503
        assert call(app, "GET", "/healthz")[0] == 200
        response = admit(app, pod_review("openpolicyagent/opa"))["response"]
        assert response["allowed"] is False and response["status"]["code"] == 500
    finally:
        app.close()


def _slow_admit(seconds: float):
    def admit(review, **limits):  # a stand-in that ignores its deadline: the server must not wait for it
        time.sleep(seconds)
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "response": {"uid": review["request"]["uid"], "allowed": True, "status": {"code": 200}}}
    return admit


def test_timeout_fails_closed(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, timeout=0.1)
    try:
        app.store.current.gate.admit = _slow_admit(1.0)
        started = time.perf_counter()
        response = admit(app, pod_review("openpolicyagent/opa", uid="slow"))["response"]
        assert time.perf_counter() - started < 0.9
        assert response["uid"] == "slow" and response["allowed"] is False
        assert response["status"]["code"] == 500 and "did not finish within 0.1s" in response["status"]["message"]
        text = app.metrics.render()
        assert "regolite_admission_timeouts_total 1" in text
        assert 'regolite_admission_requests_total{verdict="error"} 1' in text
        assert json.loads(log_stream.getvalue().splitlines()[-1])["verdict"] == "error"
    finally:
        app.close()


def test_timeout_fails_open_with_warning(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, timeout=0.1, fail_open=True)
    try:
        app.store.current.gate.admit = _slow_admit(1.0)
        response = admit(app, pod_review("untrusted-registry/nginx", uid="slow"))["response"]
        assert response["uid"] == "slow" and response["allowed"] is True
        assert "fails open" in response["warnings"][0] and "did not finish" in response["warnings"][0]
    finally:
        app.close()


def test_review_error_follows_fail_policy(tmp_path, log_stream):
    # A DELETE without oldObject is a review error: Gatekeeper answers 500 (fail closed) ...
    review = pod_review("openpolicyagent/opa")
    review["request"]["operation"] = "DELETE"
    del review["request"]["object"]
    closed = make_app(tmp_path / "a", log_stream)
    opened = make_app(tmp_path / "b", log_stream, fail_open=True)
    try:
        response = admit(closed, review)["response"]
        assert response["allowed"] is False and response["status"]["code"] == 500
        # ... and --fail-open allows it with a warning.
        response = admit(opened, review)["response"]
        assert response["allowed"] is True and "fails open" in response["warnings"][0]
    finally:
        closed.close()
        opened.close()


def test_step_budget_and_depth_limit_fail_closed(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, max_steps=1)
    deep = make_app(tmp_path / "deep", log_stream, max_depth=10)
    try:
        review = pod_review("openpolicyagent/opa", uid="steps")
        containers = review["request"]["object"]["spec"]["containers"]
        containers.append(dict(containers[0], name="second"))  # two loop iterations: over the budget of 1
        response = admit(app, review)["response"]
        assert response["uid"] == "steps" and response["allowed"] is False
        assert response["status"]["code"] == 500
        assert "eval_step_limit_error: evaluation exceeded its budget of 1 steps" in response["status"]["message"]
        review = pod_review("openpolicyagent/opa", uid="deep")
        review["request"]["object"]["metadata"]["annotations"] = {"a": [[[[[[[[[[1]]]]]]]]]]}
        response = admit(deep, review)["response"]
        assert response["allowed"] is False and "nested more than 10 levels deep" in response["status"]["message"]
        assert admit(deep, pod_review("openpolicyagent/opa"))["response"]["allowed"] is True
    finally:
        app.close()
        deep.close()


def test_metrics_text(app):
    admit(app, pod_review("openpolicyagent/opa"))
    admit(app, pod_review("untrusted-registry/nginx"))
    call(app, "POST", "/v1/admit", b"nope")
    status, headers, body = call(app, "GET", "/metrics")
    assert status == 200 and headers[b"content-type"].startswith(b"text/plain; version=0.0.4")
    text = body.decode()
    assert 'regolite_admission_requests_total{verdict="allowed"} 1' in text
    assert 'regolite_admission_requests_total{verdict="denied"} 1' in text
    assert 'regolite_admission_requests_total{verdict="error"} 1' in text
    assert "# TYPE regolite_admission_duration_seconds histogram" in text
    assert 'regolite_admission_duration_seconds_bucket{le="+Inf"} 2' in text
    assert "regolite_admission_duration_seconds_count 2" in text
    assert "regolite_policy_reloads_total 0" in text and "regolite_policy_reload_errors_total 0" in text
    assert "regolite_policy_constraints 1" in text and "regolite_ready 1" in text
    for line in text.splitlines():  # every sample line is `name{labels} value`
        if not line.startswith("#"):
            float(line.rsplit(" ", 1)[1])


def test_broken_reload_keeps_working_set(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream)
    try:
        first = app.store.current
        (tmp_path / "policies" / "constraint.yaml").write_text("kind: K8sAllowedRepos\napiVersion: constraints."
                                                               "gatekeeper.sh/v1beta1\nmetadata: {name: x}\n"
                                                               "spec: {parameters: {repos: 7}}\n")
        assert app.store.changed()
        assert app.store.load() is not None
        assert app.store.current is first
        assert admit(app, pod_review("untrusted-registry/nginx"))["response"]["allowed"] is False
        text = app.metrics.render()
        assert "regolite_policy_reload_errors_total 1" in text and "regolite_policy_last_reload_success 0" in text
        assert not app.store.changed()  # the broken files are not retried until they change again
        assert any(json.loads(l)["event"] == "policy_reload_failed" for l in log_stream.getvalue().splitlines())
    finally:
        app.close()


def test_hidden_configmap_folders_are_skipped(tmp_path, log_stream):
    root = tmp_path / "cm"
    write_policies(root / "..2026_01_01", name="hidden", repos=("nothing/",))
    write_policies(root)
    store = PolicyStore(str(root), metrics=ServerMetrics(), log=JsonLog(log_stream))
    assert store.load() is None
    assert store.current.constraints == 1 and store.current.templates == 1


def test_deploy_manifests_agree_with_the_server(tmp_path, log_stream):
    """deploy/: the ConfigMap's policies load and deny, and the Deployment's args parse."""
    import argparse

    import yaml

    from regolite.cli import serve
    from tests.conftest import REPO

    configmap = yaml.safe_load((REPO / "deploy" / "policies-configmap.yaml").read_text())
    folder = tmp_path / "cm"
    folder.mkdir()
    for name, text in configmap["data"].items():
        (folder / name).write_text(text)
    store = PolicyStore(str(folder), metrics=ServerMetrics(), log=JsonLog(log_stream))
    assert store.load() is None and store.current.constraints == 1
    app = WebhookApp(store, ServerSettings())
    try:
        assert admit(app, pod_review("untrusted-registry/nginx"))["response"]["allowed"] is False
    finally:
        app.close()

    deployment = [d for d in yaml.safe_load_all((REPO / "deploy" / "deployment.yaml").read_text())
                  if d["kind"] == "Deployment"][0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    parser = argparse.ArgumentParser()
    serve.add_parser(parser.add_subparsers())
    args = parser.parse_args(container["args"])
    assert args.watch and not args.fail_open and args.host == "0.0.0.0"
    webhook = yaml.safe_load((REPO / "deploy" / "webhook.yaml").read_text())["webhooks"][0]
    assert webhook["clientConfig"]["service"]["path"] == "/v1/admit"
    assert args.timeout < webhook["timeoutSeconds"]


def test_threads_stuck_past_deadline_answer_at_once(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, timeout=0.05, eval_threads=1)
    try:
        app.store.current.gate.admit = _slow_admit(0.6)
        assert admit(app, pod_review("openpolicyagent/opa"))["response"]["allowed"] is False  # times out
        started = time.perf_counter()
        response = admit(app, pod_review("openpolicyagent/opa"))["response"]
        assert time.perf_counter() - started < 0.04
        assert response["allowed"] is False and "past their deadline" in response["status"]["message"]
        assert "regolite_admission_timeouts_total 2" in app.metrics.render()
    finally:
        app.close()


def test_integers_beyond_64_bits_are_still_reviewed(app):
    review = pod_review("untrusted-registry/nginx", uid="big")
    review["request"]["object"]["spec"]["replicasHuge"] = 2 ** 70
    body = json.dumps(review).encode()
    status, _, payload = call(app, "POST", "/v1/admit", body)
    assert status == 200 and json.loads(payload)["response"]["allowed"] is False
