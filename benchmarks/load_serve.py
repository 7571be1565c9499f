"""A bounded loopback load test of `regolite serve`.

Starts the server (TLS with a throwaway CA, allowedrepos policy) on 127.0.0.1,
sends `--requests` AdmissionReviews (half allowed, half denied Pods) over
`--connections` keep-alive HTTPS connections, one thread each, stops at
`--time-limit` seconds whatever happens, stops the server, and prints requests/s,
p50/p95/p99 latency and failed requests. Run from the repository root:

    python -m benchmarks.load_serve --requests 5000 --connections 8

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.server.policy_fixtures import pod_review, write_policies  # noqa: E402
from tests.server.tls_fixtures import make_certs  # noqa: E402
from tests.server.test_e2e import free_port, serve_command  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=5000)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--time-limit", type=float, default=60.0, help="hard stop, seconds")
    p.add_argument("--insecure-http", action="store_true", help="measure without TLS")
    p.add_argument("--policies", metavar="DIR",
                   help="serve these templates and constraints (default: allowedrepos allowing openpolicyagent/)")
    p.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                   help="pass ARG to regolite serve (repeatable), e.g. --serve-arg=--eval-threads=2")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="regolite-load-") as tmp:
        figures = run_load(Path(tmp), args)
    print(f"requests       {figures['requests']} sent, {figures['failed']} failed "
          f"over {figures['connections']} keep-alive connections ({'TLS' if figures['tls'] else 'plain HTTP'})")
    print(f"throughput     {figures['requests_per_s']:.0f} requests/s in {figures['elapsed_s']:.2f} s")
    print(f"latency (ms)   p50 {figures['p50_ms']:.2f}  p95 {figures['p95_ms']:.2f}  p99 {figures['p99_ms']:.2f}  "
          f"max {figures['max_ms']:.2f}")
    print(f"verdicts       {figures['allowed']} allowed, {figures['denied']} denied")
    print(f"server CPU     {figures['server_cpu_us_per_request']:.0f} µs per request")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["failed"] else 0


def start_server(tmp: Path, policies: Path, insecure_http: bool = False, extra: tuple = (),
                 log=subprocess.DEVNULL) -> tuple[subprocess.Popen, int, Optional[ssl.SSLContext]]:
    """`regolite serve` on 127.0.0.1 (TLS with a throwaway CA unless `insecure_http`): (process, port, context)."""
    ca, cert, key = make_certs(tmp / "certs")
    port = free_port()
    tls_args = ["--insecure-http"] if insecure_http else ["--tls-cert", str(cert), "--tls-key", str(key)]
    proc = subprocess.Popen(serve_command("--policies", str(policies), "--port", str(port), *tls_args, *extra),
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            env={**os.environ, "REGOLITE_CACHE_DIR": str(tmp / "cache")})
    return proc, port, None if insecure_http else ssl.create_default_context(cafile=str(ca))


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(latencies: list) -> dict:
    """p50/p95/p99/max of `latencies` (seconds) in milliseconds."""
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else [0.0] * 99
    return {"p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000,
            "max_ms": (ordered[-1] if ordered else 0.0) * 1000}


def run_load(tmp: Path, args) -> dict:
    policies = Path(args.policies) if args.policies else write_policies(tmp / "policies")
    proc, port, context = start_server(tmp, policies, args.insecure_http, tuple(args.serve_arg))
    bodies = [json.dumps(pod_review(image, uid=f"load-{i}")).encode()
              for i, image in enumerate(["openpolicyagent/opa:1.0", "untrusted-registry/nginx"] * 4)]
    deadline = time.monotonic() + args.time_limit
    try:
        wait_ready(port, context, deadline)
        latencies: list = []
        counts = {"failed": 0, "allowed": 0, "denied": 0}
        lock = threading.Lock()
        remaining = [args.requests]

        def worker() -> None:
            conn = connect(port, context)
            mine, tally = [], {"failed": 0, "allowed": 0, "denied": 0}
            i = 0
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                body = bodies[i % len(bodies)]
                i += 1
                started = time.perf_counter()
                try:
                    conn.request("POST", "/v1/admit", body, {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    payload = response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = connect(port, context)
                    ok = False
                mine.append(time.perf_counter() - started)
                if not ok:
                    tally["failed"] += 1
                else:
                    tally["allowed" if json.loads(payload)["response"]["allowed"] else "denied"] += 1
            conn.close()
            with lock:
                latencies.extend(mine)
                for k, v in tally.items():
                    counts[k] += v

        threads = [threading.Thread(target=worker) for _ in range(args.connections)]
        cpu_before = cpu_seconds(proc.pid)
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.1, deadline - time.monotonic() + 5))
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(proc.pid) - cpu_before
    finally:
        stop_server(proc)
    return {
        "policies": args.policies or "allowedrepos (inline)",
        "requests": len(latencies), "connections": args.connections, "tls": not args.insecure_http,
        "elapsed_s": elapsed, "requests_per_s": len(latencies) / elapsed if elapsed else 0.0,
        "server_cpu_us_per_request": server_cpu / len(latencies) * 1e6 if latencies else 0.0,
        **percentiles(latencies), **counts,
    }


def connect(port: int, context, timeout: float = 10):
    if context is None:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)


def wait_ready(port: int, context, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = connect(port, context)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("regolite serve did not become ready in time")


if __name__ == "__main__":
    raise SystemExit(main())
