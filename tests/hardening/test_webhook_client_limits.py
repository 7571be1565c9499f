"""`regolite serve` against hostile clients on raw sockets: each limit holds, benign requests still pass.

One server per test module (TLS, short timeouts so every test is bounded in time);
each test checks the limit by what the client sees and by `/metrics`.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from pathlib import Path

import pytest

from tests.server.policy_fixtures import pod_review
from tests.server.test_e2e import Server

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
SEND_TIMEOUT = 1.0
MAX_CONNECTIONS = 8
LIMIT_ARGS = ("--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT), "--send-timeout",
              str(SEND_TIMEOUT), "--max-connections", str(MAX_CONNECTIONS), "--max-header-bytes", "16384",
              "--max-headers", "50", "--max-request-bytes", str(3 * 1024 * 1024))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("limits"), *LIMIT_ARGS)
    yield s
    s.stop()


def tls_socket(server: Server, rcvbuf: int = 0) -> ssl.SSLSocket:
    raw = socket.socket()
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", server.port))
    return server.context.wrap_socket(raw, server_hostname="127.0.0.1")


def read_until_closed(sock: socket.socket, seconds: float = 10) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when that happened."""
    started = time.monotonic()
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass
    return data, time.monotonic() - started


def refused(server: Server, reason: str) -> int:
    for line in server.get("/metrics")[1].splitlines():
        if line.startswith(f'regolite_http_refused_total{{reason="{reason}"}}'):
            return int(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no refusal counter for {reason}")


def wait_for_idle(server: Server, seconds: float = 10) -> None:
    """Until the server counts no connection but the one asking (a loaded machine is slow to
    notice the earlier tests' connections close)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in server.get("/metrics")[1].splitlines():
            if line.startswith("regolite_http_connections ") and int(float(line.rsplit(" ", 1)[1])) <= 1:
                return
        time.sleep(0.1)
    raise AssertionError("the server still counts connections of earlier tests")


def server_rss_kib(server: Server) -> int:
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def request_head(path: str = "/v1/admit", length: int = 0, extra: bytes = b"") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"
            .encode() + extra + b"\r\n")


def assert_benign_admission_works(server: Server) -> None:
    assert server.admit(pod_review("openpolicyagent/opa"))["allowed"] is True


def test_headers_one_byte_per_interval_are_cut_off_at_the_header_timeout(server):
    before = refused(server, "header_timeout")
    sock = tls_socket(server)
    started = time.monotonic()
    head = request_head(length=10)
    sent = 0
    try:
        while sent < len(head):
            sock.sendall(head[sent:sent + 1])
            sent += 1
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass
    read_until_closed(sock)
    took = time.monotonic() - started
    assert took < HEADER_TIMEOUT + 1.0 and sent < len(head)
    assert refused(server, "header_timeout") == before + 1
    assert_benign_admission_works(server)


def test_a_connection_that_never_starts_tls_is_dropped(server):
    before = refused(server, "header_timeout")
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        data, took = read_until_closed(raw)
    assert data == b"" and HEADER_TIMEOUT - 0.2 < took < HEADER_TIMEOUT + 1.0
    assert refused(server, "header_timeout") == before + 1


def test_a_body_that_trickles_is_cut_off_at_the_body_timeout(server):
    body = json.dumps(pod_review("openpolicyagent/opa")).encode()
    sock = tls_socket(server)
    sock.sendall(request_head(length=len(body)) + body[:10])
    data, took = read_until_closed(sock)
    assert data == b"" and took < BODY_TIMEOUT + 1.0
    assert refused(server, "body_timeout") >= 1


@pytest.mark.parametrize("extra, reason", [
    (b"X-Big: " + b"a" * 100_000 + b"\r\n", "headers_too_large"),
    (b"".join(b"X-%d: 1\r\n" % i for i in range(60)), "too_many_headers"),
], ids=["100KB-header", "60-headers"])
def test_oversized_headers_get_431(server, extra, reason):
    before = refused(server, reason)
    sock = tls_socket(server)
    try:
        sock.sendall(request_head(extra=extra))
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass  # the server may close before taking it all
    data, _ = read_until_closed(sock)
    assert data == b"" or data.startswith(b"HTTP/1.1 431 ")
    assert refused(server, reason) == before + 1


def test_a_flood_of_header_bytes_does_not_grow_memory(server):
    """200 MB of header bytes over several connections: each is cut at 16 KiB, memory stays flat."""
    before = server_rss_kib(server)
    junk = b"X-Junk: " + b"a" * (1024 * 1024) + b"\r\n"
    for _ in range(4):
        sock = tls_socket(server)
        sock.settimeout(SEND_TIMEOUT + 3)
        sent = 0
        try:
            sock.sendall(request_head())
            while sent < 50 * 1024 * 1024:
                sock.sendall(junk)
                sent += len(junk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            pass
        sock.close()
        assert sent < 25 * 1024 * 1024  # the server stopped reading; only socket buffers took more
    assert server_rss_kib(server) - before < 20 * 1024
    assert_benign_admission_works(server)


def test_connections_past_the_cap_are_closed_at_once(server):
    wait_for_idle(server)
    before = refused(server, "connections")
    held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", server.port)) as extra:
            data, took = read_until_closed(extra)
        assert data == b"" and took < 0.5
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)  # the server notices the held ones close
    assert refused(server, "connections") == before + 1
    assert_benign_admission_works(server)


def test_a_client_that_never_reads_its_answers_is_dropped(server):
    """Pipelined requests with large denials, nothing read: the send timeout frees the connection."""
    review = pod_review("untrusted/x")
    review["request"]["object"]["spec"]["containers"] = [{"name": f"c{i}", "image": "untrusted/x"}
                                                         for i in range(400)]
    body = json.dumps(review).encode()  # each denial is cut at 32 KiB; 250 of them pass any socket buffer
    before = refused(server, "send_timeout")
    sock = tls_socket(server, rcvbuf=4096)
    started = time.monotonic()
    try:
        for _ in range(250):
            sock.sendall(request_head(length=len(body)) + body)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
        pass
    deadline = started + 30
    while refused(server, "send_timeout") == before:
        assert time.monotonic() < deadline, "the unread connection was never dropped"
        time.sleep(0.2)
    sock.close()
    assert_benign_admission_works(server)


def test_the_log_stays_json_lines(server):
    """After every hostile client above (and garbage that is not HTTP or not TLS), stderr is JSON lines."""
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(b"\x16\x03\x01\x00\x05hello-not-tls")
        read_until_closed(raw)
    sock = tls_socket(server)
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    assert read_until_closed(sock)[0].startswith(b"HTTP/1.1 400 ")
    server.post(b'{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"uid": "\\ud800"}}')
    text = server.log_path.read_text()
    lines = text.splitlines()
    assert lines and all(line.startswith("{") for line in lines), text
    events = [json.loads(line) for line in lines]
    assert any(e["event"] == "server" and "https://" in e["message"] for e in events)  # uvicorn's "running on"
