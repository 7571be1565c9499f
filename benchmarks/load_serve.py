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
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["failed"] else 0


def run_load(tmp: Path, args) -> dict:
    ca, cert, key = make_certs(tmp / "certs")
    policies = Path(args.policies) if args.policies else write_policies(tmp / "policies")
    port = free_port()
    tls_args = ["--insecure-http"] if args.insecure_http else ["--tls-cert", str(cert), "--tls-key", str(key)]
    proc = subprocess.Popen(serve_command("--policies", str(policies), "--port", str(port), *tls_args),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env={**os.environ, "REGOLITE_CACHE_DIR": str(tmp / "cache")})
    context = None if args.insecure_http else ssl.create_default_context(cafile=str(ca))
    bodies = [json.dumps(pod_review(image, uid=f"load-{i}")).encode()
              for i, image in enumerate(["openpolicyagent/opa:1.0", "untrusted-registry/nginx"] * 4)]
    deadline = time.monotonic() + args.time_limit
    try:
        _wait_ready(port, context, deadline)
        latencies: list = []
        counts = {"failed": 0, "allowed": 0, "denied": 0}
        lock = threading.Lock()
        remaining = [args.requests]

        def worker() -> None:
            conn = _connect(port, context)
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
                    conn = _connect(port, context)
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
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.1, deadline - time.monotonic() + 5))
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    return {
        "policies": args.policies or "allowedrepos (inline)",
        "requests": len(latencies), "connections": args.connections, "tls": not args.insecure_http,
        "elapsed_s": elapsed, "requests_per_s": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000,
        "max_ms": (latencies[-1] if latencies else 0.0) * 1000, **counts,
    }


def _connect(port: int, context):
    if context is None:
        return http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)


def _wait_ready(port: int, context, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = _connect(port, context)
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
