"""`regolite serve` as a real process over TLS on 127.0.0.1: verdicts, limits, hot reload."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from regolite.cli import COMMANDS
from tests.server.policy_fixtures import constraint_yaml, pod_review, require_uvicorn, write_policies
from tests.server.tls_fixtures import make_certs

MAX_BYTES = 64 * 1024


def serve_command(*args: str) -> list:
    if "serve" in COMMANDS:
        return [sys.executable, "-m", "regolite", "serve", *args]
    return [sys.executable, "-m", "regolite.cli.serve", *args]  # before the lead registers the command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp_path: Path, *extra: str, prepare=None) -> None:
        require_uvicorn()
        ca, cert, key = make_certs(tmp_path / "certs")
        self.policies = write_policies(tmp_path / "policies")
        if prepare is not None:
            prepare(self.policies)
        self.port = free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.context = ssl.create_default_context(cafile=str(ca))
        self.log_path = tmp_path / "serve.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            serve_command("--policies", str(self.policies), "--tls-cert", str(cert), "--tls-key", str(key),
                          "--port", str(self.port), "--max-request-bytes", str(MAX_BYTES), *extra),
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"regolite serve did not become ready:\n{self.log_path.read_text()}")
            time.sleep(0.05)

    def get(self, path: str) -> tuple:
        with urllib.request.urlopen(self.base + path, context=self.context, timeout=5) as r:
            return r.status, r.read().decode()

    def post(self, body: bytes) -> tuple:
        request = urllib.request.Request(self.base + "/v1/admit", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def admit(self, review: dict) -> dict:
        status, answer = self.post(json.dumps(review).encode())
        assert status == 200, answer
        assert answer["response"]["uid"] == review["request"]["uid"]
        return answer["response"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    s.stop()


def test_verdicts_and_limits_over_tls(server):
    assert server.get("/healthz")[0] == 200
    assert server.admit(pod_review("openpolicyagent/opa:0.9"))["allowed"] is True

    denied = server.admit(pod_review("untrusted-registry/nginx"))
    assert denied["allowed"] is False and denied["status"]["code"] == 403
    assert "[repo-is-openpolicyagent]" in denied["status"]["message"]
    assert "untrusted-registry/nginx" in denied["status"]["message"]

    assert server.admit(pod_review("untrusted-registry/nginx", kind="Widget", group="example.com"))["allowed"]

    status, error = server.post(b"this is not json")
    assert status == 400 and "not JSON" in error["error"]
    status, error = server.post(json.dumps(pod_review("openpolicyagent/" + "x" * MAX_BYTES)).encode())
    assert status == 413 and "limit" in error["error"]

    metrics = server.get("/metrics")[1]
    assert 'regolite_admission_requests_total{verdict="allowed"} 2' in metrics
    assert 'regolite_admission_requests_total{verdict="denied"} 1' in metrics
    assert 'regolite_admission_requests_total{verdict="error"} 2' in metrics

    server.stop()
    events = [json.loads(line) for line in server.log_path.read_text().splitlines() if line.startswith("{")]
    admissions = [e for e in events if e["event"] == "admission"]
    assert [e["verdict"] for e in admissions] == ["allowed", "denied", "allowed"]
    assert admissions[1]["constraints"] == ["repo-is-openpolicyagent"]


def test_refuses_to_start_without_tls(tmp_path):
    write_policies(tmp_path / "p")
    proc = subprocess.run(serve_command("--policies", str(tmp_path / "p")), capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 1 and "--insecure-http" in proc.stderr and "Traceback" not in proc.stderr


def test_watch_reload_switches_verdicts_without_failures(tmp_path):
    server = Server(tmp_path, "--watch")
    results: list = []
    errors: list = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                results.append((time.monotonic(), server.admit(pod_review("untrusted-registry/nginx"))))
            except Exception as e:  # any failed request fails the test
                errors.append(repr(e))

    def replace(name: str, text: str) -> None:
        tmp = server.policies / f".{name}.tmp"  # hidden while written, then renamed into place
        tmp.write_text(text)
        os.replace(tmp, server.policies / name)

    def wait_for(predicate, what: str, seconds: float = 8) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{server.log_path.read_text()}"
            time.sleep(0.05)

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        wait_for(lambda: len(results) >= 5, "first answers")
        # A broken constraint (schema violation) is rejected; the working set stays.
        replace("constraint.yaml", constraint_yaml("broken", ["ok/"]).replace('      - "ok/"', "      - 7"))
        wait_for(lambda: "regolite_policy_reload_errors_total 1" in server.get("/metrics")[1], "reload error")
        # The new policy allows the registry under a new constraint name.
        replace("constraint.yaml", constraint_yaml("repo-is-untrusted-registry", ["untrusted-registry/"]))
        wait_for(lambda: results[-1][1]["allowed"] is True, "the new policy")
        switched = len(results)
        wait_for(lambda: len(results) >= switched + 5, "answers under the new policy")
    finally:
        stop.set()
        thread.join(timeout=10)
        server.stop()
    assert errors == []
    verdicts = [r["allowed"] for _, r in results]
    first_allowed = verdicts.index(True)
    assert first_allowed > 0 and not any(verdicts[:first_allowed]) and all(verdicts[first_allowed:])
    assert all("[repo-is-openpolicyagent]" in r["status"]["message"] for _, r in results[:first_allowed])
    log = server.log_path.read_text()
    assert '"event": "policy_reload_failed"' in log and '"event": "policies_reloaded"' in log



EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "gatekeeper"


def test_critical_findings_from_a_trivy_report_deny_the_pod(tmp_path):
    """The example vulnerability policy, fed the sample Trivy reports with --scan-report."""
    import shutil

    def add_vulnerability_policy(policies: Path) -> None:
        shutil.copytree(EXAMPLES / "vulnerable-images", policies / "vulnerable-images")

    s = Server(tmp_path, "--scan-report", str(EXAMPLES / "scans" / "trivy"), prepare=add_vulnerability_policy)
    try:
        vulnerable = s.admit(pod_review("registry.example.com/shop/api:1.4.2"))
        assert vulnerable["allowed"] is False
        assert "[deny-critical-vulnerabilities] container app image registry.example.com/shop/api:1.4.2 has 3 " \
               "vulnerabilities (CRITICAL: 3)" in vulnerable["status"]["message"]
        clean = s.admit(pod_review("registry.example.com/shop/web:2.0.1"))
        assert "deny-critical-vulnerabilities" not in clean.get("status", {}).get("message", "")
    finally:
        s.stop()
