"""HTTP/1.1 connections for `regolite serve`: uvicorn's httptools protocol, with limits.

uvicorn bounds none of this for httptools: `h11_max_incomplete_event_size` applies to
its h11 protocol only, `timeout_keep_alive` runs only between requests and any byte
resets it, `limit_concurrency` answers 503 only once a request's headers are in, and
the TLS handshake waits 60 s. `LimitedHttpProtocol` therefore

* counts TCP connections from accept (TLS handshake included) and drops those past
  `max_connections` at once;
* does the TLS handshake itself (`loop.start_tls`), inside the header timeout;
* gives a request `header_timeout` seconds from its first byte (from the accept, for
  the first request) to the end of its headers, then `body_timeout` seconds for its
  body; a response the client leaves unread for `send_timeout` seconds drops the
  connection (and bounds the TLS close);
* feeds the parser at most `max_header_bytes` of request line and headers and at most
  `max_headers` fields (trailers included), else 431; after the headers at most
  `max_request_bytes` plus `max_header_bytes` (chunk framing, trailers), else 413.

The limits are fields of `ServerSettings`.

Refusals are counted in `ServerMetrics.refused` by reason, not logged one by one (a
flood of them must not become a flood of log lines).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Optional

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from regolite.server.app import ServerSettings
from regolite.server.metrics import ServerMetrics

REFUSAL_LINGER = 1.0  # seconds a refused connection stays open for its answer to reach the client


class TooManyHeaders(Exception):
    """Raised from the parser's header callback past `max_headers` fields."""


class LimitedHttpProtocol(HttpToolsProtocol):
    """One connection. Built by uvicorn through `functools.partial(cls, settings, metrics, tls)`."""

    def __init__(self, settings: ServerSettings, metrics: ServerMetrics, tls: Optional[ssl.SSLContext],
                 **uvicorn_args: Any) -> None:
        super().__init__(**uvicorn_args)
        self.settings = settings
        self.metrics = metrics
        self.tls = tls
        self.raw: Optional[asyncio.Transport] = None  # the TCP transport (under TLS when there is TLS)
        self.counted = False
        self.in_head = True  # the next bytes belong to a request line or headers
        self.head_left = settings.max_header_bytes
        self.body_left = 0
        self.fields = 0
        self.timer: Optional[asyncio.TimerHandle] = None  # header or body deadline
        self.send_timer: Optional[asyncio.TimerHandle] = None

    # --- connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if self.metrics.connections_open >= self.settings.max_connections:
            self.metrics.observe_refused("connections")
            transport.abort()
            return
        self.metrics.connections_open += 1
        self.counted = True
        self.raw = transport
        self._arm("header_timeout", self.settings.header_timeout)
        if self.tls is None:
            super().connection_made(transport)
            return
        # start_tls runs eagerly, here: the TLS protocol must own the transport before
        # uvloop starts reading, which it does right after connection_made, paused or not.
        self._step_tls(self.loop.start_tls(
            transport, self, self.tls, server_side=True, ssl_handshake_timeout=self.settings.header_timeout,
            ssl_shutdown_timeout=self.settings.send_timeout))

    def _step_tls(self, start_tls: Any) -> None:
        """Run the `start_tls` coroutine to its next wait; resume it when that is over."""
        try:
            waiting = start_tls.send(None)
        except StopIteration as done:
            if self.raw is not None and not self.raw.is_closing():
                super().connection_made(done.value)
            else:
                self._release()
            return
        except Exception:  # a failed or timed-out handshake, or the client left
            if self.counted:  # not already dropped by the header timeout
                self.metrics.observe_refused("tls_handshake")
            self._drop()
            return
        if waiting is None:  # a bare yield: go on at the next turn of the loop
            self.loop.call_soon(self._step_tls, start_tls)
        else:
            waiting.add_done_callback(lambda _: self._step_tls(start_tls))

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._release()
        if self.transport is not None:  # uvicorn's side was set up
            super().connection_lost(exc)

    def _release(self) -> None:
        for timer in (self.timer, self.send_timer):
            if timer is not None:
                timer.cancel()
        self.timer = self.send_timer = None
        if self.counted:
            self.counted = False
            self.metrics.connections_open -= 1

    # --- timeouts --------------------------------------------------------------------------

    def _arm(self, reason: Optional[str], seconds: float) -> None:
        """Drop the connection in `seconds` (counted as `reason`, if any) unless disarmed first."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.loop.call_later(seconds, self._expire, reason)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expire(self, reason: Optional[str]) -> None:
        if reason is not None:
            self.metrics.observe_refused(reason)
        self._drop()

    def _drop(self) -> None:
        """Close at once, without flushing or a TLS close: the client is too slow for either."""
        self._release()
        if self.raw is not None:
            self.raw.abort()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.send_timer is None:
            self.send_timer = self.loop.call_later(self.settings.send_timeout, self._expire, "send_timeout")

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None

    # --- bytes in --------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self.in_head and self.timer is None:  # a request starts after an idle keep-alive
            self._arm("header_timeout", self.settings.header_timeout)
        view = memoryview(data)
        while view:
            left = self.head_left if self.in_head else self.body_left
            if left <= 0:
                if self.in_head:
                    self._refuse(431, "headers_too_large",
                                 f"request line and headers exceed {self.settings.max_header_bytes} bytes")
                else:
                    self._refuse(413, "request_too_large", "request exceeds the body limit")
                return
            piece, view = view[:left], view[left:]
            if self.in_head:
                self.head_left -= len(piece)
            else:
                self.body_left -= len(piece)
            if not self._feed(piece):
                return

    def _feed(self, piece: memoryview) -> bool:
        """Parse `piece`; False once the connection is being closed."""
        try:
            self.parser.feed_data(piece)
        except httptools.HttpParserCallbackError as e:
            if isinstance(e.__context__, TooManyHeaders):
                self._refuse(431, "too_many_headers", f"more than {self.settings.max_headers} header fields")
            else:
                self._refuse(400, "invalid_http", "invalid HTTP request")
            return False
        except httptools.HttpParserUpgrade:
            self._refuse(400, "invalid_http", "protocol upgrades are not supported")
            return False
        except httptools.HttpParserError:
            self._refuse(400, "invalid_http", "invalid HTTP request")
            return False
        return self.raw is not None and not self.raw.is_closing()

    def _refuse(self, status: int, reason: str, message: str) -> None:
        """Answer `status` and close, or just drop the connection when a response is under way."""
        self.metrics.observe_refused(reason)
        if self.transport is None or (self.cycle is not None and not self.cycle.response_complete):
            self._drop()
            return
        body = orjson.dumps({"error": message})
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: application/json\r\ncontent-length: ",
            str(len(body)).encode(), b"\r\nconnection: close\r\n\r\n", body]))
        self.transport.close()
        self.raw.pause_reading()  # what the client still sends stays in its buffers, not ours
        self._arm(None, REFUSAL_LINGER)  # the answer has gone out; the TLS close waits for nobody

    # --- parser callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.fields = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self.fields += 1
        if self.fields > self.settings.max_headers:
            raise TooManyHeaders()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.body_left = self.settings.max_request_bytes + self.settings.max_header_bytes
        self._arm("body_timeout", self.settings.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self.in_head = True
        self.head_left = self.settings.max_header_bytes
        super().on_message_complete()
