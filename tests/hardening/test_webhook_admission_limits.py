"""The webhook app under hostile requests, in-process: bodies it must refuse, deadlines, queues,
answer size, the in-flight byte budget and the namespace-label webhook."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import orjson
import pytest

from regolite.server.app import IGNORE_LABEL, SMALL_BODY_BYTES, ServerSettings
from tests.server.policy_fixtures import pod_review
from tests.server.test_app import admit, call, make_app


@pytest.fixture
def log_stream():
    import io

    return io.StringIO()


@pytest.fixture
def app(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream)
    yield app
    app.close()


def review_body(replace: tuple = (), uid: str = "u") -> bytes:
    text = json.dumps(pod_review("untrusted/x", uid=uid))
    for old, new in replace:
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode()


# --- bodies Gatekeeper's webhook cannot decode: 400, no fail policy -----------------------------

@pytest.mark.parametrize("body, needle", [
    (review_body([('"name": "web"', '"name": "\\ud800"')]), "surrogate"),
    (review_body([('"name": "web"', '"name": "\\udc00\\ud800"')]), "surrogate"),
    (review_body([('"CREATE"', '"CREATE", "x": 1e400')]), "not JSON"),
    (review_body([('"CREATE"', '"CREATE", "x": -1e999')]), "not JSON"),
    (review_body([('"CREATE"', '"CREATE", "x": ' + "9" * 5000)]), "not JSON"),
    (review_body().replace(b"untrusted", b"untr\xc3\x28sted"), "not JSON"),
    (review_body([('"uid": "u"', '"uid": {"a": 1}')]), "request.uid: expected a string"),
    (review_body([('"uid": "u"', '"uid": "' + "u" * 2000 + '"')]), "request.uid: longer than"),
    (review_body([('"kind": {"group": ""', '"kind": "Pod", "x": {"group": ""')]), "request.kind: expected an obj"),
    (review_body([('"username": "alice"', '"username": "alice", "groups": "admins"')]),
     "request.userInfo.groups: expected an array"),
    (review_body([('"username": "alice"', '"username": "alice", "extra": {"k": [1]}')]),
     "request.userInfo.extra.k[0]: expected a string"),
    (review_body([('"CREATE"', '"CREATE", "dryRun": "yes"')]), "request.dryRun: expected a boolean"),
], ids=["lone-high-surrogate", "reversed-pair", "1e400", "-1e999", "5000-digit-int", "invalid-utf8",
        "uid-object", "uid-2000-chars", "kind-string", "groups-string", "extra-number",
        "dryRun-string"])
def test_undecodable_bodies_are_400_not_a_verdict(app, body, needle):
    status, headers, payload = call(app, "POST", "/v1/admit", body)
    assert status == 400 and headers[b"content-type"] == b"application/json", payload
    assert needle in json.loads(payload)["error"]
    assert 'regolite_admission_bad_requests_total{reason="malformed"} 1' in app.metrics.render()
    assert admit(app, pod_review("openpolicyagent/opa"))["response"]["allowed"] is True


@pytest.mark.parametrize("body, allowed", [
    (review_body([('"name": "web"', '"name": "\\ud83d\\ude00"')]), False),  # a valid pair is fine
    (review_body([('"CREATE"', '"CREATE", "x": ' + str(2 ** 70))]), False),  # Go decodes it as a float
    (review_body([('"CREATE"', '"CREATE", "x": null, "uid": null')]), False),  # null fits any field
    (review_body([('"untrusted/x"', '"openpolicyagent/x", "image": "untrusted/x"')]), False),  # the last wins
    (review_body([('"untrusted/x"', '"untrusted/x", "image": "openpolicyagent/x"')]), True),
    (review_body([('"CREATE"', '"CREATE", "x": ' + "[" * 100_000 + "]" * 100_000)]), False),
    (review_body([('"spec": {', '"spec": {"x": ' + "[" * 100_000 + "]" * 100_000 + ",")]), False),
], ids=["surrogate-pair", "int-past-64-bits", "nulls", "duplicate-key-last-denied", "duplicate-key-last-allowed",
        "nesting-100000-in-the-request", "nesting-100000-in-the-object"])
def test_bodies_go_decodes_are_reviewed(app, body, allowed):
    """Reviewed, or answered by the fail policy (the object nested past --max-depth), never a crash."""
    status, _, payload = call(app, "POST", "/v1/admit", body)
    assert status == 200, payload
    assert json.loads(payload)["response"]["allowed"] is allowed


def test_oversize_by_content_length_closes_the_connection(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, max_request_bytes=2048)
    try:
        status, headers, _ = call(app, "POST", "/v1/admit", b"x", [(b"content-length", b"4096")])
        assert status == 413 and headers[b"connection"] == b"close"  # the body was never read
    finally:
        app.close()


# --- deadlines: queued reviews are not run late, the loop is not held ------------------------------

def _counting_slow_admit(seconds: float, calls: list):
    def admit(review, **limits):  # ignores its deadline, as a review stuck in C code would
        calls.append(review["request"]["uid"])
        time.sleep(seconds)
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "response": {"uid": review["request"]["uid"], "allowed": True, "status": {"code": 200}}}
    return admit


async def _admit_async(app, review: dict) -> tuple[float, dict]:
    """One admission through the ASGI interface on the running loop: (seconds, response)."""
    body = orjson.dumps(review)
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    started = time.perf_counter()
    scope = {"type": "http", "method": "POST", "path": "/v1/admit", "headers": [], "client": ("127.0.0.1", 1)}
    await app(scope, receive, send)
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return time.perf_counter() - started, json.loads(payload)["response"]


def test_a_review_queued_past_its_deadline_never_runs(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, timeout=0.3, eval_threads=1)
    calls: list = []
    app.store.current.gate.admit = _counting_slow_admit(0.8, calls)

    async def scenario():
        first = asyncio.create_task(_admit_async(app, pod_review("a/b", uid="first")))
        await asyncio.sleep(0.05)  # "first" holds the only thread
        return await asyncio.gather(first, _admit_async(app, pod_review("a/b", uid="queued")))

    try:
        (t1, r1), (t2, r2) = asyncio.run(scenario())
        assert r1["uid"] == "first" and r2["uid"] == "queued"
        for seconds, response in ((t1, r1), (t2, r2)):
            assert response["allowed"] is False and response["status"]["code"] == 500
            assert seconds < 0.6  # answered at the deadline, not when the thread came free
        time.sleep(0.8)  # the thread is free again: the queued review must not have run
        assert calls == ["first"]
        assert "regolite_admission_timeouts_total 2" in app.metrics.render()
    finally:
        app.close()


def test_a_cpu_bound_review_does_not_hold_the_event_loop(tmp_path, log_stream):
    """A review burning CPU in Python for 1.5 s: health checks and other admissions keep flowing."""
    app = make_app(tmp_path, log_stream, timeout=5, eval_threads=4)
    real_admit = app.store.current.gate.admit

    def busy_admit(review, **limits):
        if review["request"]["uid"] == "slow":
            stop = time.monotonic() + 1.5
            while time.monotonic() < stop:
                sum(range(1000))
        return real_admit(review, **limits)

    app.store.current.gate.admit = busy_admit

    async def scenario():
        slow = asyncio.create_task(_admit_async(app, pod_review("openpolicyagent/x", uid="slow")))
        await asyncio.sleep(0.1)
        latencies = []
        while not slow.done():
            latencies.append((await _admit_async(app, pod_review("openpolicyagent/y", uid="fast")))[0])
            await asyncio.sleep(0.01)
        return latencies, await slow

    previous = __import__("sys").getswitchinterval()
    __import__("sys").setswitchinterval(0.001)  # as regolite serve sets it
    try:
        latencies, (slow_seconds, slow_response) = asyncio.run(scenario())
    finally:
        __import__("sys").setswitchinterval(previous)
        app.close()
    assert slow_seconds > 1.4 and slow_response["allowed"] is True
    assert len(latencies) > 20 and max(latencies) < 0.25, latencies


# --- the answer's size --------------------------------------------------------------------------

def _many_bad_containers(count: int) -> dict:
    review = pod_review("untrusted/x", uid="big")
    review["request"]["object"]["spec"]["containers"] = [{"name": f"c{i}", "image": "untrusted/x"}
                                                         for i in range(count)]
    return review


def test_a_huge_denial_is_cut_to_the_response_limit_and_stays_a_denial(tmp_path, log_stream):
    limit = 16 * 1024  # below the 32 KiB a review's denial may take, so the server cuts it
    app = make_app(tmp_path, log_stream, max_response_bytes=limit)
    try:
        status, _, payload = call(app, "POST", "/v1/admit", orjson.dumps(_many_bad_containers(3000)))
        assert status == 200 and len(payload) <= limit
        response = json.loads(payload)["response"]
        assert response["uid"] == "big" and response["allowed"] is False and response["status"]["code"] == 403
        message = response["status"]["message"]
        assert message.startswith("[repo-is-openpolicyagent] container <c") and message.endswith(
            f"[regolite: cut to fit the {limit}-byte response limit]")
        assert len(payload) > limit - 1024  # cut to the limit, not far below it
        assert "regolite_admission_truncated_total 1" in app.metrics.render()
        line = json.loads(log_stream.getvalue().splitlines()[-1])
        assert line["truncated"] is True and line["constraints"] == ["repo-is-openpolicyagent"]
    finally:
        app.close()


def test_too_many_warnings_are_counted_in_a_last_one(tmp_path, log_stream):
    limit = 64 * 1024
    app = make_app(tmp_path, log_stream, max_response_bytes=limit)
    warnings = [f"[w{i}] " + "x" * 200 for i in range(1000)]

    def warn_a_lot(review, **limits):
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "response": {"uid": review["request"]["uid"], "allowed": True, "status": {"code": 299},
                             "warnings": warnings}}

    app.store.current.gate.admit = warn_a_lot
    try:
        status, _, payload = call(app, "POST", "/v1/admit", orjson.dumps(pod_review("a/b", uid="w")))
        response = json.loads(payload)["response"]
        assert status == 200 and len(payload) <= limit and response["allowed"] is True
        kept = response["warnings"]
        assert kept[:-1] == warnings[:len(kept) - 1] and len(kept) > 100
        assert kept[-1] == f"regolite: {1000 - len(kept) + 1} more warnings left out to fit the response limit"
    finally:
        app.close()


# --- the in-flight byte budget --------------------------------------------------------------------

def test_large_bodies_past_the_in_flight_budget_get_503_small_ones_pass(tmp_path, log_stream):
    app = make_app(tmp_path, log_stream, max_inflight_bytes=SMALL_BODY_BYTES)
    try:
        app.budget.held = SMALL_BODY_BYTES  # another large request is being read or reviewed
        large = str(2 * SMALL_BODY_BYTES).encode()
        status, headers, payload = call(app, "POST", "/v1/admit", b"{}", [(b"content-length", large)])
        assert status == 503 and headers[b"connection"] == b"close" and "try again" in json.loads(payload)["error"]
        assert admit(app, pod_review("openpolicyagent/opa"))["response"]["allowed"] is True
        app.budget.held = 0
        body = orjson.dumps(_many_bad_containers(2000))  # over 64 KiB: claims, then gives back
        assert len(body) > SMALL_BODY_BYTES and call(app, "POST", "/v1/admit", body)[0] == 200
        assert app.budget.held == 0
        assert 'regolite_admission_bad_requests_total{reason="busy"} 1' in app.metrics.render()
    finally:
        app.close()


# --- /v1/admitlabel: Gatekeeper's check-ignore-label webhook -------------------------------------

def namespace_review(name: str, labels: dict, operation: str = "CREATE", kind: str = "Namespace") -> dict:
    review = pod_review("x/y", uid=f"ns-{name}")
    request = review["request"]
    request.update(kind={"group": "", "version": "v1", "kind": kind}, operation=operation, name=name, namespace="",
                   object={"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "labels": labels}})
    return review


@pytest.mark.parametrize("name, labels, operation, kind, allowed, message", [
    ("team-a", {IGNORE_LABEL: "yes"}, "CREATE", "Namespace", False,
     f"Only exempt namespace can have the {IGNORE_LABEL} label"),
    ("team-a", {IGNORE_LABEL: ""}, "UPDATE", "Namespace", False,
     f"Only exempt namespace can have the {IGNORE_LABEL} label"),
    ("team-a", {"other": "x"}, "UPDATE", "Namespace", True, f"Namespace is not setting the {IGNORE_LABEL} label"),
    ("regolite-system", {IGNORE_LABEL: "yes"}, "CREATE", "Namespace", True,
     f"Namespace regolite-system is allowed to set {IGNORE_LABEL}"),
    ("kube-public", {IGNORE_LABEL: "yes"}, "CREATE", "Namespace", True,
     f"Namespace kube-public is allowed to set {IGNORE_LABEL}"),
    ("ci-sandbox", {IGNORE_LABEL: "yes"}, "CREATE", "Namespace", True,
     f"Namespace ci-sandbox is allowed to set {IGNORE_LABEL}"),
    ("team-a", {IGNORE_LABEL: "yes"}, "DELETE", "Namespace", True, "Delete is always allowed"),
    ("team-a", {IGNORE_LABEL: "yes"}, "CREATE", "Pod", True, "Not a namespace"),
], ids=["create-labelled", "update-labelled", "other-label", "exempt", "exempt-prefix", "exempt-suffix", "delete",
        "not-a-namespace"])
def test_only_exempt_namespaces_may_carry_the_ignore_label(tmp_path, log_stream, name, labels, operation, kind,
                                                           allowed, message):
    app = make_app(tmp_path, log_stream, exempt_namespaces=("regolite-system",), exempt_namespace_prefixes=("kube-",),
                   exempt_namespace_suffixes=("-sandbox",))
    try:
        status, _, payload = call(app, "POST", "/v1/admitlabel", orjson.dumps(namespace_review(name, labels,
                                                                                             operation, kind)))
        response = json.loads(payload)["response"]
        assert status == 200 and response["uid"] == f"ns-{name}" and response["allowed"] is allowed
        expected = {"code": 200, "message": message} if allowed else {"code": 403, "reason": "Forbidden",
                                                                      "message": message}
        assert response["status"] == expected
        assert json.loads(log_stream.getvalue().splitlines()[-1])["webhook"] == "check-ignore-label"
    finally:
        app.close()


def test_admitlabel_without_an_object_is_a_500_denial(app):
    review = namespace_review("team-a", {})
    review["request"]["object"] = []
    status, _, payload = call(app, "POST", "/v1/admitlabel", orjson.dumps(review))
    response = json.loads(payload)["response"]
    assert status == 200 and response["allowed"] is False and response["status"]["code"] == 500
    assert call(app, "GET", "/v1/admitlabel")[0] == 405


def test_metrics_name_every_refusal_reason(app):
    text = call(app, "GET", "/metrics")[2].decode()
    for reason in ("connections", "tls_handshake", "header_timeout", "body_timeout", "send_timeout",
                   "headers_too_large", "too_many_headers", "request_too_large", "invalid_http"):
        assert f'regolite_http_refused_total{{reason="{reason}"}} 0' in text
    assert "regolite_http_connections 0" in text and "regolite_admission_truncated_total 0" in text


def test_threads_are_not_left_behind(tmp_path, log_stream):
    before = threading.active_count()
    app = make_app(tmp_path, log_stream)
    admit(app, pod_review("openpolicyagent/opa"))
    app.close()
    time.sleep(0.1)
    assert threading.active_count() <= before + 1  # at most the deadline watchdog, shared by the process


# --- scheduling: small reviews first, few slow ones --------------------------------------------

def test_the_review_pool_takes_the_smallest_size_class_first():
    from regolite.server.app import ReviewPool

    pool = ReviewPool(1)
    gate = threading.Event()
    order: list = []
    try:
        blocker = pool.submit(0, gate.wait, 5)  # holds the only thread while the others queue
        jobs = [pool.submit(size, order.append, name) for size, name in
                ((3_000_000, "huge"), (1_200, "pod"), (200_000, "large"), (900, "pod2"))]
        cancelled = pool.submit(100, order.append, "cancelled")
        assert cancelled.cancel()
        gate.set()
        for job in (blocker, *jobs):
            job.result(timeout=5)
        assert order == ["pod", "pod2", "large", "huge"]  # pods in arrival order: one class below 64 KiB
    finally:
        pool.close()


def test_a_new_review_is_cut_short_while_slow_ones_run(tmp_path, log_stream):
    """With --max-slow-reviews 1, a review started while another runs gets --slow-review seconds."""
    app = make_app(tmp_path, log_stream, timeout=3, eval_threads=4, max_slow_reviews=1, slow_review=0.2)
    real_admit = app.store.current.gate.admit
    seen: dict = {}

    def admit(review, timeout=None, **limits):
        seen[review["request"]["uid"]] = timeout
        if review["request"]["uid"].startswith("slow"):
            stop = time.monotonic() + timeout
            while time.monotonic() < stop:
                time.sleep(0.01)
            return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                    "response": {"uid": review["request"]["uid"], "allowed": False,
                                 "status": {"code": 500, "message": "eval_cancel_error: deadline exceeded"}}}
        return real_admit(review, timeout=timeout, **limits)

    app.store.current.gate.admit = admit

    async def scenario():
        first = asyncio.create_task(_admit_async(app, pod_review("a/b", uid="slow-1")))
        await asyncio.sleep(0.1)  # slow-1 holds the one place for a slow review
        second = await _admit_async(app, pod_review("a/b", uid="slow-2"))
        quick = await _admit_async(app, pod_review("openpolicyagent/x", uid="quick"))
        return await first, second, quick

    try:
        (t1, r1), (t2, r2), (t3, r3) = asyncio.run(scenario())
    finally:
        app.close()
    assert seen["slow-1"] > 2.5 and seen["slow-2"] == 0.2 and seen["quick"] == 0.2
    assert t2 < 0.5 and "review cut at 0.2s: the webhook is busy with slower reviews" in r2["status"]["message"]
    assert r3["allowed"] is True and t3 < 0.2  # a quick review is not hurt by the cap
    assert "regolite_admission_cut_reviews_total 1" in app.metrics.render()
