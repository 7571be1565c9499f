"""What the webhook tells its operators: Prometheus text metrics and JSON-lines logs.

`ServerMetrics` keeps counters, gauges and one latency histogram behind a lock
(requests are counted on the event loop, reloads on the watcher thread) and
renders them in the Prometheus text exposition format (version 0.0.4), written by
hand so the server needs no client library. `JsonLog` writes one JSON object per
line to stderr; `JsonFormatter` gives the log records of uvicorn and every other
logger the same shape, and `everything_as_json` sends warnings and uncaught
exceptions there too, so stderr stays JSON lines.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator, Optional, TextIO

VERDICTS = ("allowed", "denied", "error")
REFUSAL_REASONS = ("connections", "tls_handshake", "header_timeout", "body_timeout", "send_timeout",
                   "headers_too_large", "too_many_headers", "request_too_large", "invalid_http")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ServerMetrics:
    """Counters for admission verdicts, latency, timeouts and policy reloads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = dict.fromkeys(VERDICTS, 0)
        self.bad_requests: dict[str, int] = {}  # by reason: malformed, too_large, busy
        self.timeouts = 0
        self.truncated = 0
        self.cut = 0
        self.refused: dict[str, int] = {}  # connections dropped or refused by regolite.server.connections, by reason
        self.connections_open = 0  # changed on the event loop only
        self.bucket_counts = [0] * len(LATENCY_BUCKETS)
        self.latency_sum = 0.0
        self.latency_count = 0
        self.reloads = 0
        self.reload_errors = 0
        self.last_reload_ok = 1
        self.last_reload_time = 0.0
        self.templates = 0
        self.constraints = 0
        self.ready = 0

    def observe_admission(self, verdict: str, seconds: float) -> None:
        with self._lock:
            self.requests[verdict] = self.requests.get(verdict, 0) + 1
            self.latency_sum += seconds
            self.latency_count += 1
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    self.bucket_counts[i] += 1
                    break

    def observe_bad_request(self, reason: str) -> None:
        with self._lock:
            self.requests["error"] += 1
            self.bad_requests[reason] = self.bad_requests.get(reason, 0) + 1

    def observe_timeout(self) -> None:
        with self._lock:
            self.timeouts += 1

    def observe_cut(self) -> None:
        with self._lock:
            self.cut += 1

    def observe_truncated(self) -> None:
        with self._lock:
            self.truncated += 1

    def observe_refused(self, reason: str) -> None:
        with self._lock:
            self.refused[reason] = self.refused.get(reason, 0) + 1

    def observe_load(self, *, ok: bool, initial: bool, templates: int = 0, constraints: int = 0) -> None:
        """A policy load: the first one sets the gauges, later ones count as reloads."""
        with self._lock:
            if not initial:
                self.reloads += 1
            if not ok:
                self.reload_errors += 1
            self.last_reload_ok = 1 if ok else 0
            self.last_reload_time = time.time()
            if ok:
                self.templates, self.constraints, self.ready = templates, constraints, 1

    def render(self) -> str:
        """The Prometheus text exposition of every metric."""
        with self._lock:
            lines: list[str] = []
            _family(lines, "regolite_admission_requests_total", "counter",
                    "Admission requests answered, by verdict (error: evaluation error, timeout or bad request).")
            for verdict, n in self.requests.items():
                lines.append(f'regolite_admission_requests_total{{verdict="{verdict}"}} {n}')
            _family(lines, "regolite_admission_bad_requests_total", "counter",
                    "Admission requests refused before evaluation, by reason.")
            for reason in sorted(set(self.bad_requests) | {"malformed", "too_large", "busy"}):
                lines.append(f'regolite_admission_bad_requests_total{{reason="{reason}"}} '
                             f'{self.bad_requests.get(reason, 0)}')
            _family(lines, "regolite_http_refused_total", "counter",
                    "Connections closed or requests refused before the app, by reason (client limits).")
            for reason in sorted(set(self.refused) | set(REFUSAL_REASONS)):
                lines.append(f'regolite_http_refused_total{{reason="{reason}"}} {self.refused.get(reason, 0)}')
            _single(lines, "regolite_http_connections", "gauge", "TCP connections open, TLS handshakes included.",
                    self.connections_open)
            _single(lines, "regolite_admission_cut_reviews_total", "counter",
                    "Reviews cut short (--slow-review) because --max-slow-reviews slower ones were running.",
                    self.cut)
            _single(lines, "regolite_admission_truncated_total", "counter",
                    "AdmissionReview answers whose deny message or warnings were cut to --max-response-bytes.",
                    self.truncated)
            _single(lines, "regolite_admission_timeouts_total", "counter",
                    "Reviews answered by the fail policy for time: past the deadline, or every review thread stuck past one.",
                    self.timeouts)
            _family(lines, "regolite_admission_duration_seconds", "histogram",
                    "Time from request received to response ready, for admission requests that were evaluated.")
            cumulative = 0
            for bound, n in zip(LATENCY_BUCKETS, self.bucket_counts):
                cumulative += n
                lines.append(f'regolite_admission_duration_seconds_bucket{{le="{bound}"}} {cumulative}')
            lines.append(f'regolite_admission_duration_seconds_bucket{{le="+Inf"}} {self.latency_count}')
            lines.append(f"regolite_admission_duration_seconds_sum {self.latency_sum!r}")
            lines.append(f"regolite_admission_duration_seconds_count {self.latency_count}")
            _single(lines, "regolite_policy_reloads_total", "counter",
                    "Policy reloads attempted after the first load (--watch), successful or not.", self.reloads)
            _single(lines, "regolite_policy_reload_errors_total", "counter",
                    "Policy loads that failed; the previous policy set stayed in force.", self.reload_errors)
            _single(lines, "regolite_policy_last_reload_success", "gauge",
                    "1 if the last policy load succeeded, else 0.", self.last_reload_ok)
            _single(lines, "regolite_policy_last_reload_timestamp_seconds", "gauge",
                    "Unix time of the last policy load attempt.", self.last_reload_time)
            _single(lines, "regolite_policy_templates", "gauge", "Constraint templates in force.", self.templates)
            _single(lines, "regolite_policy_constraints", "gauge", "Constraints in force.", self.constraints)
            _single(lines, "regolite_ready", "gauge", "1 once a policy set is loaded.", self.ready)
        return "\n".join(lines) + "\n"


def _family(lines: list, name: str, kind: str, help_text: str) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")


def _single(lines: list, name: str, kind: str, help_text: str, value: float) -> None:
    """A metric family with one unlabelled sample."""
    _family(lines, name, kind, help_text)
    lines.append(f"{name} {value!r}")


class JsonLog:
    """One JSON object per line: `time`, `level`, `event`, then the fields given."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def event(self, event: str, level: str = "info", **fields: Any) -> None:
        record = {"time": _now(), "level": level, "event": event, **fields}
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        stream = self._stream or sys.stderr
        with self._lock:
            try:
                stream.write(line)
                stream.flush()
            except (OSError, ValueError):  # a closed stderr must not take a request down
                pass


class JsonFormatter(logging.Formatter):
    """uvicorn's log records as the same JSON lines (`event: "server"`)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": _now(record.created), "level": record.levelname.lower(), "event": "server",
               "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def uvicorn_log_config(level: str = "info", tls: bool = False) -> dict:
    """A logging config for uvicorn and every other logger (asyncio, warnings): JSON lines on stderr.

    No access log. With `tls`, uvicorn's "running on http://" says https (regolite does the TLS).
    """
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    if tls:
        handler["filters"] = ["https"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "regolite.server.metrics.JsonFormatter"}},
        "filters": {"https": {"()": "regolite.server.metrics.HttpsFilter"}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


class HttpsFilter(logging.Filter):
    """uvicorn names the scheme by its own TLS; regolite's TLS is in the protocol, so say https."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Uvicorn running on") and record.args and record.args[0] == "http":
            record.args = ("https", *record.args[1:])
        return True


@contextmanager
def everything_as_json(log: JsonLog) -> Iterator[None]:
    """While inside, what Python itself would print to stderr as text is a JSON line: log
    records of any logger and warnings go through `JsonFormatter` (uvicorn's configuration,
    `uvicorn_log_config`, takes over once it starts), uncaught exceptions in any thread and
    unraisable ones (`__del__`, finalizers) become `log` events with their traceback."""

    def crashed(kind: str, exc_type: Any, exc: Any, tb: Any, **fields: Any) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb)) if exc_type else ""
        log.event(kind, level="error", error=f"{getattr(exc_type, '__name__', exc_type)}: {exc}", traceback=text,
                  **fields)

    saved = sys.excepthook, threading.excepthook, sys.unraisablehook
    handler = logging.StreamHandler(sys.stderr)  # until uvicorn configures logging (uvicorn_log_config)
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    logging.captureWarnings(True)
    sys.excepthook = lambda t, v, tb: crashed("uncaught_exception", t, v, tb)
    threading.excepthook = lambda a: crashed("uncaught_exception", a.exc_type, a.exc_value, a.exc_traceback,
                                             thread=a.thread.name if a.thread else "")
    sys.unraisablehook = lambda u: crashed("unraisable_exception", u.exc_type, u.exc_value, u.exc_traceback,
                                           context=repr(u.object), message=u.err_msg or "")
    try:
        yield
    finally:
        sys.excepthook, threading.excepthook, sys.unraisablehook = saved
        logging.captureWarnings(False)
        logging.getLogger().removeHandler(handler)


def _now(ts: Optional[float] = None) -> str:
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
