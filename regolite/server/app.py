"""The webhook as a plain ASGI application.

Routes: `POST /v1/admit` (AdmissionReview `admission.k8s.io/v1`, also `v1beta1`,
answered in the request's version), `POST /v1/admitlabel` (Gatekeeper's
check-ignore-label webhook for regolite's namespace label), `GET /healthz` (the
process is up), `GET /readyz` (a policy set is loaded), `GET /metrics` (Prometheus
text). No route changes policy; everything else is 404, a wrong method 405.

How `/v1/admit` answers:

* body larger than `max_request_bytes` → HTTP 413 (by Content-Length before
  reading, else while reading), JSON `{"error": ...}`, and the connection closes;
* a body over 64 KiB while `max_inflight_bytes` of such bodies are already being
  read or reviewed → HTTP 503 at once (the API server applies its failurePolicy);
* a body that does not decode as Gatekeeper's webhook decodes one (not JSON, not
  UTF-8, a lone surrogate escape, a number out of float range, nesting past the
  JSON decoder's limit, not an AdmissionReview of `admission.k8s.io/v1`/`v1beta1`,
  no `request` object, a request field of the wrong type) → HTTP 400 with a JSON
  `{"error": ...}`: there is no AdmissionReview to put a verdict in, and the API
  server treats a non-200 answer as a webhook failure (its failurePolicy);
* every other AdmissionReview → HTTP 200 with Gatekeeper's AdmissionReview
  response from `Gatekeeper.admit` (deny list `[constraint] msg`, warnings,
  dryrun not enforced, `uid` echoed). The request's deadline (`timeout`) starts
  when it arrives; the review runs in a worker thread with what is left of it, and
  a review still queued at the deadline never runs. A missed deadline, a review
  error (`Gatekeeper.admit`'s code 500), an internal error or no policy loaded yet
  is answered by the fail policy: fail-closed `allowed: false` with code 500 (the
  default), fail-open `allowed: true` with a warning saying why. A response over
  `max_response_bytes` keeps its verdict; its deny message and warnings are cut.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import queue
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

import orjson

from regolite.limits import MAX_DEPTH, WEBHOOK_MAX_STEPS
from regolite.server.metrics import CONTENT_TYPE, JsonLog, ServerMetrics
from regolite.server.policies import PolicyStore

ADMISSION_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
JSON = b"application/json"
IGNORE_LABEL = "regolite.dev/ignore"  # the namespaceSelector's opt-out label in deploy/webhook.yaml
SMALL_BODY_BYTES = 64 * 1024  # bodies up to this size never wait for max_inflight_bytes
MAX_UID_CHARS = 1024  # the API server's uids have 36; the uid is echoed, so it must stay small
_FIRED = re.compile(r"^\[([^\]\n]+)\] ", re.M)


@dataclass(frozen=True)
class ServerSettings:
    """The limits, the fail policy and the label exemptions of one server."""

    timeout: float = 2.0  # seconds from a request's arrival to its answer; below the webhook's timeoutSeconds
    max_request_bytes: int = 3 * 1024 * 1024
    max_response_bytes: int = 1024 * 1024
    max_inflight_bytes: int = 16 * 1024 * 1024  # bodies over SMALL_BODY_BYTES being read or reviewed, in total
    # what one client may hold (regolite.server.connections)
    max_connections: int = 256  # TCP connections, TLS handshakes included
    max_header_bytes: int = 32 * 1024  # request line and header fields of one request
    max_headers: int = 100
    header_timeout: float = 5.0  # TLS handshake, request line and headers
    body_timeout: float = 10.0
    send_timeout: float = 10.0  # a response left unread; also the TLS close
    idle_timeout: float = 30.0  # a keep-alive connection between requests
    fail_open: bool = False
    max_steps: Optional[int] = WEBHOOK_MAX_STEPS  # steps for one review (all its constraints)
    max_depth: Optional[int] = MAX_DEPTH  # nesting of the review document
    eval_threads: int = 4  # reviews running at once; they share the GIL with the event loop (see the README)
    max_slow_reviews: int = 1  # reviews that may run past slow_review seconds at once (they take the GIL) ...
    slow_review: float = 0.25  # ... while that many run, a new review gets this long at most
    exempt_namespaces: tuple = ()  # may carry IGNORE_LABEL (Gatekeeper's --exempt-namespace)
    exempt_namespace_prefixes: tuple = ()
    exempt_namespace_suffixes: tuple = ()


class BadRequest(Exception):
    """A request answered with an HTTP error; `close` when its body was left unread."""

    def __init__(self, status: int, reason: str, message: str, close: bool = False) -> None:
        super().__init__(message)
        self.status, self.reason, self.message, self.close = status, reason, message, close


class BodyBudget:
    """Bytes of request bodies past their first SMALL_BODY_BYTES, held by requests in flight."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.held = 0  # only the event loop touches it

    def claim(self) -> "BodyClaim":
        return BodyClaim(self)


class BodyClaim:
    """One request's share of a `BodyBudget`; grows with the body, returned by `release`."""

    def __init__(self, budget: BodyBudget) -> None:
        self.budget = budget
        self.bytes = 0

    def cover(self, size: int) -> None:
        """Hold enough for a body of `size` bytes, or raise BadRequest 503."""
        need = max(0, size - SMALL_BODY_BYTES) - self.bytes
        if need <= 0:
            return
        if self.budget.held + need > self.budget.total:
            raise BadRequest(503, "busy", f"too many large requests in flight (over {self.budget.total} bytes "
                                          "of bodies); try again", close=True)
        self.budget.held += need
        self.bytes += need

    def release(self) -> None:
        self.budget.held -= self.bytes
        self.bytes = 0


class SlowReviews:
    """At most `max_slow_reviews` reviews at once may run past `slow_review` seconds (up to
    their deadline); a review that starts while they all do gets `slow_review` seconds. A burst
    of expensive requests thus holds at most that many threads for long. Thread-safe."""

    def __init__(self, max_slow_reviews: int, slow_review: float) -> None:
        self.free, self.after = max_slow_reviews, slow_review
        self._lock = threading.Lock()

    def start(self) -> Optional[float]:
        """None if this review may take its whole deadline (then call `finish`), else its cap."""
        with self._lock:
            if self.free > 0:
                self.free -= 1
                return None
        return self.after

    def finish(self) -> None:
        with self._lock:
            self.free += 1


class ReviewPool:
    """Evaluation threads that take the request of the smallest size class first (body size
    in SMALL_BODY_BYTES steps; first come, first served within a class), so that a queue of
    large hostile reviews never holds a Pod's admission behind it. `submit` gives a
    `concurrent.futures.Future`; cancelling it before a thread takes it means it never runs."""

    def __init__(self, threads: int) -> None:
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()  # equal sizes: first come, first served
        self._threads = [threading.Thread(target=self._work, name=f"regolite-eval-{i}", daemon=True)
                         for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def submit(self, size: int, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._queue.put((size // SMALL_BODY_BYTES, next(self._order), future, fn, args))
        return future

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put((math.inf, next(self._order), None, None, ()))

    def _work(self) -> None:
        while True:
            _, _, future, fn, args = self._queue.get()
            if future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # handed to the waiting request, which answers by the fail policy
                future.set_exception(e)


class WebhookApp:
    """The ASGI callable. One per process; `close()` stops its evaluation threads."""

    def __init__(self, store: PolicyStore, settings: ServerSettings = ServerSettings(), *,
                 metrics: Optional[ServerMetrics] = None, log: Optional[JsonLog] = None) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics or store.metrics
        self.log = log or store.log
        self.budget = BodyBudget(settings.max_inflight_bytes)
        self.slow = SlowReviews(settings.max_slow_reviews, settings.slow_review)
        self._pool = ReviewPool(settings.eval_threads)
        self._overdue = 0  # reviews past their deadline whose threads still run (only the loop touches it)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path in ("/v1/admit", "/v1/admitlabel"):
            if method != "POST":
                await _send(send, 405, _error_body("use POST"), JSON, [(b"allow", b"POST")])
            elif path == "/v1/admit":
                await self._answer(scope, receive, send, "validation", self._evaluate)
            else:
                await self._answer(scope, receive, send, "check-ignore-label", self._check_label)
            return
        if path in ("/healthz", "/readyz", "/metrics") and method not in ("GET", "HEAD"):
            await _send(send, 405, _error_body("use GET"), JSON, [(b"allow", b"GET, HEAD")])
        elif path == "/healthz":
            await _send(send, 200, b"ok\n", b"text/plain")
        elif path == "/readyz":
            ready = self.store.current is not None
            await _send(send, 200 if ready else 503, b"ok\n" if ready else b"policies not loaded\n", b"text/plain")
        elif path == "/metrics":
            await _send(send, 200, self.metrics.render().encode(), CONTENT_TYPE.encode())
        else:
            await _send(send, 404, _error_body(f"no route {path}"), JSON)

    def close(self) -> None:
        self._pool.close()

    # --- /v1/admit and /v1/admitlabel ------------------------------------------------------

    async def _answer(self, scope: dict, receive: Any, send: Any, webhook: str,
                      decide: Callable[[dict, float, int], Awaitable[tuple[dict, Optional[str]]]]) -> None:
        """Read, decode and decide one AdmissionReview; answer it within its deadline."""
        started = time.perf_counter()
        deadline = time.monotonic() + self.settings.timeout
        claim = self.budget.claim()
        try:
            try:
                body = await _read_body(scope, receive, self.settings.max_request_bytes, claim)
                if body is None:
                    return  # the client went away
                review = _parse_admission_review(body)
                size = len(body)
                del body
            except BadRequest as e:
                self.metrics.observe_bad_request(e.reason)
                self.log.event("bad_request", level="warning", status=e.status, reason=e.reason, error=e.message,
                               client=_client(scope))
                await _send(send, e.status, _error_body(e.message), JSON,
                            [(b"connection", b"close")] if e.close else None)
                return
            try:
                answer, error = await decide(review, deadline, size)
                payload, response, truncated = _bounded_json(answer, self.settings.max_response_bytes)
            except Exception as e:  # a bug: answer by the fail policy, never with a bare 500
                error = f"internal error answering the request: {type(e).__name__}: {e}"
                payload, response, truncated = _bounded_json(self._fail(review, error),
                                                              self.settings.max_response_bytes)
            verdict = _verdict(response, error)
            seconds = time.perf_counter() - started
            self.metrics.observe_admission(verdict, seconds)
            if truncated:
                self.metrics.observe_truncated()
            await _send(send, 200, payload, JSON)
            self._log_admission(webhook, review["request"], response, verdict, error, seconds, truncated)
        finally:
            claim.release()

    async def _evaluate(self, review: dict, deadline: float, size: int) -> tuple[dict, Optional[str]]:
        """The AdmissionReview answer, and the error that decided it, if one did."""
        policies = self.store.current
        if policies is None:
            return self._fail(review, "policies are not loaded yet"), "policies are not loaded yet"
        left = deadline - time.monotonic()
        if left <= 0 or self._overdue >= self.settings.eval_threads:
            # Past the deadline already, or every thread is stuck in a review past its deadline
            # (threads cannot be stopped): answer now rather than queue behind them.
            self.metrics.observe_timeout()
            message = ("the request's deadline passed before its review could start" if left <= 0 else
                       "every review thread is busy with reviews past their deadline")
            return self._fail(review, message), message
        job = self._pool.submit(size, _review_in_time, policies.gate.admit, review, deadline, self.settings,
                                self.slow)
        future = asyncio.wrap_future(job)
        done, _ = await asyncio.wait((future,), timeout=left)
        if not done and not job.cancel():  # it runs: its thread is busy until the review stops itself
            self._overdue += 1
            future.add_done_callback(self._overdue_done)
        answer, cap = future.result() if done else (None, None)  # a review that raised: the caller's error
        if answer is None:  # the deadline passed, with the review running, queued or not started in time
            self.metrics.observe_timeout()
            message = f"review did not finish within {self.settings.timeout:g}s"
            return self._fail(review, message), message
        response = answer.get("response", {})
        if response.get("allowed") is False and response.get("status", {}).get("code") == 500:
            message = response["status"].get("message", "review error")
            if cap is not None and "eval_cancel_error" in message:
                self.metrics.observe_cut()
                message = f"review cut at {cap:g}s: the webhook is busy with slower reviews"
                return self._fail(review, message), message
            if self.settings.fail_open:
                return self._fail(review, message), message
            return answer, message
        return answer, None

    def _overdue_done(self, future: asyncio.Future) -> None:
        """A review that missed its deadline finished at last (called on the event loop)."""
        self._overdue -= 1
        if not future.cancelled():
            future.exception()  # retrieved, so asyncio does not log it as never retrieved

    def _fail(self, review: dict, message: str) -> dict:
        """The answer when no verdict could be reached, by the fail policy."""
        uid = review["request"].get("uid") or ""
        if self.settings.fail_open:
            response = {"uid": uid, "allowed": True, "status": {"code": 200},
                        "warnings": [f"regolite: {message}; allowed because the webhook fails open"]}
        else:
            response = {"uid": uid, "allowed": False,
                        "status": {"code": 500, "message": f"regolite: {message} (the webhook fails closed)"}}
        return _review_answer(review, response)

    async def _check_label(self, review: dict, deadline: float, size: int) -> tuple[dict, Optional[str]]:
        """Gatekeeper's check-ignore-label webhook: only exempt namespaces may carry IGNORE_LABEL."""
        return _review_answer(review, namespace_label_response(review["request"], self.settings)), None

    def _log_admission(self, webhook: str, request: dict, response: dict, verdict: str, error: Optional[str],
                       seconds: float, truncated: bool) -> None:
        kind = request.get("kind") if isinstance(request.get("kind"), dict) else {}
        fields: dict = {
            "webhook": webhook,
            "uid": request.get("uid") or "",
            "kind": "/".join(p for p in (kind.get("group"), kind.get("version"), kind.get("kind")) if p),
            "namespace": request.get("namespace") or "",
            "name": request.get("name") or "",
            "operation": request.get("operation") or "",
            "verdict": verdict,
            "allowed": response.get("allowed"),
            "code": response.get("status", {}).get("code"),
            "constraints": _fired(response) if webhook == "validation" else [],
            "duration_ms": round(seconds * 1000, 3),
        }
        if error is not None:
            fields["error"] = error
        if truncated:
            fields["truncated"] = True
        self.log.event("admission", level="error" if verdict == "error" else "info", **fields)

    # --- lifespan ---------------------------------------------------------------------------

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _review_in_time(admit: Callable[..., dict], review: dict, deadline: float, settings: ServerSettings,
                    slow: SlowReviews) -> tuple[Optional[dict], Optional[float]]:
    """On an evaluation thread: the review with what is left of its deadline, or less while
    the slow reviews allowed run (then also that cap); (None, None) if nothing is left."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None, None
    cap = slow.start()
    try:
        timeout = left if cap is None or cap >= left else cap
        answer = admit(review, timeout=timeout, max_steps=settings.max_steps, max_depth=settings.max_depth)
        return answer, (cap if timeout == cap else None)
    finally:
        if cap is None:
            slow.finish()


def namespace_label_response(request: dict, settings: ServerSettings) -> dict:
    """The AdmissionResponse of Gatekeeper's `/v1/admitlabel` handler, for IGNORE_LABEL."""
    uid = request.get("uid") or ""
    kind = request.get("kind") if isinstance(request.get("kind"), dict) else {}
    if request.get("operation") == "DELETE":
        return _label_answer(uid, True, "Delete is always allowed")
    if (kind.get("group") or "") != "" or kind.get("kind") != "Namespace":
        return _label_answer(uid, True, "Not a namespace")
    namespace = request.get("object")
    if not isinstance(namespace, dict):
        return _label_answer(uid, False, "while deserializing resource: the object is not a JSON object", code=500)
    metadata = namespace.get("metadata") if isinstance(namespace.get("metadata"), dict) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else ""
    if (name in settings.exempt_namespaces or name.startswith(tuple(settings.exempt_namespace_prefixes))
            or name.endswith(tuple(settings.exempt_namespace_suffixes))):
        return _label_answer(uid, True, f"Namespace {name} is allowed to set {IGNORE_LABEL}")
    labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
    if IGNORE_LABEL in labels:
        return _label_answer(uid, False, f"Only exempt namespace can have the {IGNORE_LABEL} label")
    return _label_answer(uid, True, f"Namespace is not setting the {IGNORE_LABEL} label")


def _label_answer(uid: str, allowed: bool, message: str, code: int = 0) -> dict:
    """controller-runtime's `Allowed(message)` / `Denied(message)` shapes."""
    status: dict = {"code": 200} if allowed else {"code": code or 403, "reason": "Forbidden"}
    status["message"] = message
    return {"uid": uid, "allowed": allowed, "status": status}


def _review_answer(review: dict, response: dict) -> dict:
    return {"apiVersion": review.get("apiVersion", ADMISSION_VERSIONS[0]), "kind": "AdmissionReview",
            "response": response}


def _not_a_number(token: str):
    raise ValueError(f"{token} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of range")
    return value


# The fields of Kubernetes' AdmissionRequest with a fixed JSON type; null is accepted as Go accepts it.
_GVK = {"group": str, "version": str, "kind": str}
_GVR = {"group": str, "version": str, "resource": str}
_REQUEST_FIELDS = {
    "uid": str, "kind": _GVK, "resource": _GVR, "subResource": str, "requestKind": _GVK,
    "requestResource": _GVR, "requestSubResource": str, "name": str, "namespace": str, "operation": str,
    "userInfo": {"username": str, "uid": str, "groups": [str], "extra": {str: [str]}}, "dryRun": bool,
}


def _shape_error(value: Any, shape: Any) -> Optional[tuple[str, Any]]:
    """Where `value` does not fit `shape` (a type, a field dict, `[item]` or `{str: value}`):
    (the path below `value`, the type expected), else None. A null fits anything."""
    if isinstance(shape, type):
        return None if isinstance(value, shape) else ("", shape)
    if isinstance(shape, list):
        if not isinstance(value, list):
            return "", list
        return next((wrong for i, item in enumerate(value) if (wrong := _field_error(f"[{i}]", item, shape[0]))),
                    None)
    if not isinstance(value, dict):
        return "", dict
    if str in shape:  # a map: every value has the shape
        return next((wrong for key, item in value.items() if (wrong := _field_error(f".{key}", item, shape[str]))),
                    None)
    for key, sub in shape.items():  # a struct: a plain loop, on the path every request takes
        item = value.get(key)
        if item is not None and (wrong := _shape_error(item, sub)):
            return f".{key}{wrong[0]}", wrong[1]
    return None


def _field_error(step: str, item: Any, shape: Any) -> Optional[tuple[str, Any]]:
    wrong = None if item is None else _shape_error(item, shape)
    return (f"{step}{wrong[0]}", wrong[1]) if wrong else None


_EXPECTED = {str: "a string", bool: "a boolean", list: "an array", dict: "an object"}


def _parse_admission_review(body: bytes) -> dict:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        try:  # some orjson versions refuse integers past 64 bits; the standard library takes them
            doc = json.loads(body, parse_constant=_not_a_number, parse_float=_finite)
            json.dumps(doc, ensure_ascii=False).encode()  # "\ud800" decodes to a str no encoder takes
        except (ValueError, RecursionError):
            raise BadRequest(400, "malformed", f"the body is not JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("kind") != "AdmissionReview":
        raise BadRequest(400, "malformed", "the body is not an AdmissionReview")
    if doc.get("apiVersion") not in ADMISSION_VERSIONS:
        raise BadRequest(400, "malformed", f"unsupported AdmissionReview apiVersion {doc.get('apiVersion')!r}; "
                                           f"expected one of {', '.join(ADMISSION_VERSIONS)}")
    request = doc.get("request")
    if not isinstance(request, dict):
        raise BadRequest(400, "malformed", "the AdmissionReview has no request")
    wrong = _shape_error(request, _REQUEST_FIELDS)
    problem = f"request{wrong[0]}: expected {_EXPECTED[wrong[1]]}" if wrong else None
    if problem is None and len(request.get("uid") or "") > MAX_UID_CHARS:
        problem = f"request.uid: longer than {MAX_UID_CHARS} characters"
    if problem is not None:
        raise BadRequest(400, "malformed", f"the AdmissionReview does not decode: {problem}")
    return doc


async def _read_body(scope: dict, receive: Any, limit: int, claim: BodyClaim) -> Optional[bytes]:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise BadRequest(400, "malformed", "bad Content-Length", close=True) from None
            if declared > limit:
                raise BadRequest(413, "too_large", f"request body of {declared} bytes exceeds the limit of {limit}",
                                 close=True)
            claim.cover(declared)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, "too_large", f"request body exceeds the limit of {limit} bytes", close=True)
        claim.cover(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _bounded_json(answer: dict, limit: int) -> tuple[bytes, dict, bool]:
    """The answer as JSON within `limit` bytes, the response in it, and whether it had to be cut.

    The verdict, code and uid stay; the deny message is cut first to what fits, then
    warnings are kept whole while they fit and the rest counted in a last one.
    """
    payload = _dumps(answer)
    if len(payload) <= limit:
        return payload, answer["response"], False
    response = dict(answer["response"])
    status = dict(response.get("status") or {})
    warnings = [w for w in response.pop("warnings", None) or () if isinstance(w, str)]
    note = f" [regolite: cut to fit the {limit}-byte response limit]"
    if "message" in status:
        status["message"] = ""
        response["status"] = status
    room = limit - len(_dumps(dict(answer, response=response))) - 64  # 64: the warnings list and the note
    if "message" in status:
        status["message"] = _cut(answer["response"]["status"]["message"], room - len(note)) + note
        room -= len(_dumps(status["message"]))
    kept = []
    for warning in warnings:
        size = len(_dumps(warning)) + 1
        if size > room - 128:  # leave room for the count of those left out
            break
        kept.append(warning)
        room -= size
    if len(kept) < len(warnings):
        kept.append(f"regolite: {len(warnings) - len(kept)} more warnings left out to fit the response limit")
    if kept:
        response["warnings"] = kept
    return _dumps(dict(answer, response=response)), response, True


def _cut(text: str, room: int) -> str:
    """The longest start of `text` whose JSON string takes at most `room` bytes."""
    end, size = len(text), len(_dumps(text))
    while size > room and end > 0:  # every character takes at least one byte: drop at least the excess
        end = max(end - (size - room), 0)
        size = len(_dumps(text[:end]))
    low, high = end, min(len(text), end + max(room - size, 0))  # the longest start ends in between
    while low < high:
        middle = (low + high + 1) // 2
        if len(_dumps(text[:middle])) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def _verdict(response: dict, error: Optional[str]) -> str:
    if error is not None:
        return "error"
    return "allowed" if response.get("allowed") else "denied"


def _fired(response: dict) -> list:
    """Names of the constraints in the deny message and the warnings (`[name] msg` lines)."""
    texts = [response.get("status", {}).get("message", "")] if response.get("allowed") is False else []
    texts.extend(w for w in response.get("warnings", ()) if isinstance(w, str))
    names: list = []
    for text in texts:
        for name in _FIRED.findall(text or ""):
            if name not in names:
                names.append(name)
    return names


def _client(scope: dict) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


def _dumps(doc: Any) -> bytes:
    try:
        return orjson.dumps(doc)
    except TypeError:  # an integer beyond 64 bits echoed from the request
        return json.dumps(doc, ensure_ascii=False).encode()


def _error_body(message: str) -> bytes:
    return orjson.dumps({"error": message})


async def _send(send: Any, status: int, body: bytes, content_type: bytes, extra: Optional[list] = None) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
