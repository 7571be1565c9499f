"""The webhook as a plain ASGI application.

Routes: `POST /v1/admit` (AdmissionReview `admission.k8s.io/v1`, also `v1beta1`,
answered in the request's version), `GET /healthz` (the process is up),
`GET /readyz` (a policy set is loaded), `GET /metrics` (Prometheus text). No route
changes policy; everything else is 404, a wrong method 405.

How `/v1/admit` answers:

* body larger than `max_request_bytes` → HTTP 413 (by Content-Length before
  reading, else while reading), JSON `{"error": ...}`;
* not JSON, not an object, `kind` not `AdmissionReview`, an `apiVersion` other
  than `admission.k8s.io/v1`/`v1beta1`, or no `request` object → HTTP 400 with a
  JSON `{"error": ...}`: there is no AdmissionReview to put a verdict in, and the
  API server treats a non-200 answer as a webhook failure (its failurePolicy);
* every syntactically valid AdmissionReview → HTTP 200 with Gatekeeper's
  AdmissionReview response from `Gatekeeper.admit` (deny list `[constraint] msg`,
  warnings, dryrun not enforced, `uid` echoed). The review runs in a worker
  thread with a deadline (`timeout`). A missed deadline, a review error
  (`Gatekeeper.admit`'s code 500) or no policy loaded yet is answered by the fail
  policy: fail-closed `allowed: false` with code 500 (the default), fail-open
  `allowed: true` with a warning saying why.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional

import orjson

from regolite.limits import MAX_DEPTH, WEBHOOK_MAX_STEPS
from regolite.server.metrics import CONTENT_TYPE, JsonLog, ServerMetrics
from regolite.server.policies import PolicyStore

ADMISSION_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
JSON = b"application/json"
_FIRED = re.compile(r"^\[([^\]\n]+)\] ", re.M)


@dataclass(frozen=True)
class ServerSettings:
    """The limits and the fail policy of one server."""

    timeout: float = 2.0  # seconds for one review; below the webhook's timeoutSeconds
    max_request_bytes: int = 3 * 1024 * 1024
    fail_open: bool = False
    max_steps: Optional[int] = WEBHOOK_MAX_STEPS  # loop iterations for one review (all its constraints)
    max_depth: Optional[int] = MAX_DEPTH  # nesting of the review document
    eval_threads: int = 2  # reviews running at once; they are CPU-bound under one GIL, so few suffice


class BadRequest(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


class WebhookApp:
    """The ASGI callable. One per process; `close()` stops its evaluation threads."""

    def __init__(self, store: PolicyStore, settings: ServerSettings = ServerSettings(), *,
                 metrics: Optional[ServerMetrics] = None, log: Optional[JsonLog] = None) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics or store.metrics
        self.log = log or store.log
        self._pool = ThreadPoolExecutor(max_workers=settings.eval_threads, thread_name_prefix="regolite-eval")
        self._overdue = 0  # reviews past their deadline whose threads still run (only the loop touches it)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/v1/admit":
            if method != "POST":
                await _send(send, 405, _error_body("use POST"), JSON, [(b"allow", b"POST")])
            else:
                await self._admit(scope, receive, send)
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
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- /v1/admit ----------------------------------------------------------------------

    async def _admit(self, scope: dict, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        try:
            body = await _read_body(scope, receive, self.settings.max_request_bytes)
            if body is None:
                return  # the client went away
            review = _parse_admission_review(body)
        except BadRequest as e:
            self.metrics.observe_bad_request(e.reason)
            self.log.event("bad_request", level="warning", status=e.status, reason=e.reason, error=e.message,
                           client=_client(scope))
            await _send(send, e.status, _error_body(e.message), JSON)
            return
        answer, error = await self._evaluate(review)
        response = answer["response"]
        verdict = _verdict(response, error)
        seconds = time.perf_counter() - started
        self.metrics.observe_admission(verdict, seconds)
        await _send(send, 200, _dumps(answer), JSON)
        self._log_admission(review["request"], response, verdict, error, seconds)

    async def _evaluate(self, review: dict) -> tuple[dict, Optional[str]]:
        """The AdmissionReview answer, and the error that decided it, if one did."""
        policies = self.store.current
        if policies is None:
            return self._fail(review, "policies are not loaded yet"), "policies are not loaded yet"
        if self._overdue >= self.settings.eval_threads:
            # Every thread is stuck in a review past its deadline (threads cannot be stopped):
            # answer now rather than queue behind them.
            self.metrics.observe_timeout()
            message = "every review thread is busy with reviews past their deadline"
            return self._fail(review, message), message
        loop = asyncio.get_running_loop()
        # the review stops itself at the deadline (regolite.runtime.deadline), freeing its thread
        future = loop.run_in_executor(self._pool, functools.partial(
            policies.gate.admit, review, timeout=self.settings.timeout, max_steps=self.settings.max_steps,
            max_depth=self.settings.max_depth))
        try:
            answer = await asyncio.wait_for(asyncio.shield(future), self.settings.timeout)
        except asyncio.TimeoutError:
            self._overdue += 1
            future.add_done_callback(self._overdue_done)
            self.metrics.observe_timeout()
            message = f"review did not finish within {self.settings.timeout:g}s"
            return self._fail(review, message), message
        except Exception as e:  # a bug in evaluation: answer by the fail policy, never crash
            message = f"internal error reviewing the request: {type(e).__name__}: {e}"
            return self._fail(review, message), message
        response = answer.get("response", {})
        if response.get("allowed") is False and response.get("status", {}).get("code") == 500:
            message = response["status"].get("message", "review error")
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
        request = review["request"]
        uid = request.get("uid", "")
        if self.settings.fail_open:
            response = {"uid": uid, "allowed": True, "status": {"code": 200},
                        "warnings": [f"regolite: {message}; allowed because the webhook fails open"]}
        else:
            response = {"uid": uid, "allowed": False,
                        "status": {"code": 500, "message": f"regolite: {message} (the webhook fails closed)"}}
        return {"apiVersion": review.get("apiVersion", ADMISSION_VERSIONS[0]), "kind": "AdmissionReview",
                "response": response}

    def _log_admission(self, request: dict, response: dict, verdict: str, error: Optional[str],
                       seconds: float) -> None:
        kind = request.get("kind") if isinstance(request.get("kind"), dict) else {}
        fired = _fired(response)
        fields: dict = {
            "uid": request.get("uid", ""),
            "kind": "/".join(p for p in (kind.get("group"), kind.get("version"), kind.get("kind")) if p),
            "namespace": request.get("namespace", ""),
            "name": request.get("name", ""),
            "operation": request.get("operation", ""),
            "verdict": verdict,
            "allowed": response.get("allowed"),
            "code": response.get("status", {}).get("code"),
            "constraints": fired,
            "duration_ms": round(seconds * 1000, 3),
        }
        if error is not None:
            fields["error"] = error
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


def _not_a_number(token: str):
    raise ValueError(f"{token} is not valid JSON")


def _parse_admission_review(body: bytes) -> dict:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        try:  # orjson refuses integers beyond 64 bits; the standard library takes them (not NaN/Infinity)
            doc = json.loads(body, parse_constant=_not_a_number)
        except (ValueError, RecursionError):
            raise BadRequest(400, "malformed", f"the body is not JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("kind") != "AdmissionReview":
        raise BadRequest(400, "malformed", "the body is not an AdmissionReview")
    if doc.get("apiVersion") not in ADMISSION_VERSIONS:
        raise BadRequest(400, "malformed", f"unsupported AdmissionReview apiVersion {doc.get('apiVersion')!r}; "
                                           f"expected one of {', '.join(ADMISSION_VERSIONS)}")
    if not isinstance(doc.get("request"), dict):
        raise BadRequest(400, "malformed", "the AdmissionReview has no request")
    return doc


async def _read_body(scope: dict, receive: Any, limit: int) -> Optional[bytes]:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise BadRequest(400, "malformed", "bad Content-Length") from None
            if declared > limit:
                raise BadRequest(413, "too_large", f"request body of {declared} bytes exceeds the limit of {limit}")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, "too_large", f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


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


def _dumps(doc: dict) -> bytes:
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
