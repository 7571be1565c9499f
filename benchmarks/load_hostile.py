"""Benign admissions under attack: `regolite serve` on loopback with hostile clients alongside.

Starts the server (TLS, default limits unless `--serve-arg` says otherwise) with the
allowedrepos policy plus two templates a hostile Pod can make expensive: one compares
every container with every other (quadratic: runs into the deadline) and one asks
`numbers.range` for more numbers than the step budget allows. For `--seconds` it sends
`--rate` benign Pod admissions per second over `--connections` keep-alive connections (as
the API server does), each on a fixed schedule, while the hostile clients of `HOSTILE`
run in another process (paced rates are multiplied by `--hostile-scale`; `--hostile KIND`
picks kinds):

  slow-headers   a request head sent one byte every 0.5 s (50 clients)
  no-tls         TCP connections that never start the TLS handshake (50 clients)
  huge-headers   requests with a 1 MiB header
  huge-body      2.9 MiB bodies of a million empty objects inside the Pod
  oversize-body  4 MiB bodies (past --max-request-bytes)
  deep-body      a Pod nested 100,000 levels deep
  bad-json       a lone surrogate escape
  cpu-heavy      Pods with 3,000 containers for the quadratic template
  step-budget    Pods that make the range template exceed the step budget
  many-denials   Pods with 5,000 containers from a registry allowedrepos denies

It prints the benign admissions' latency percentiles (from their scheduled start, so a
stalled server counts in full) and as the server measured them (its admission log),
how many missed `--deadline` or were not answered with a verdict, each hostile kind's
attempts and how they ended, the server's peak RSS and its refusal counters. Only
127.0.0.1 is contacted. Run from the repository root:

    python -m benchmarks.load_hostile --seconds 30 --rate 50 --connections 16 --hostile-scale 0.25
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.load_serve import connect, percentiles, start_server, stop_server, wait_ready  # noqa: E402
from tests.server.policy_fixtures import pod_review, write_policies  # noqa: E402

def _template_and_constraint(kind: str, constraint: str, rego: str) -> str:
    """A ConstraintTemplate for Pods with its one constraint, as YAML text."""
    package = kind.lower()
    body = "\n".join("        " + line for line in rego.strip().splitlines())
    return f"""\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {{name: {package}}}
spec:
  crd: {{spec: {{names: {{kind: {kind}}}}}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package {package}
{body}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: {kind}
metadata: {{name: {constraint}}}
spec: {{match: {{kinds: [{{apiGroups: [""], kinds: ["Pod"]}}]}}}}
"""


EXPENSIVE_TEMPLATES = {
    "quadratic.yaml": _template_and_constraint("K8sUniqueContainerNames", "unique-container-names", """
violation[{"msg": msg}] {
  a := input.review.object.spec.containers[i]
  b := input.review.object.spec.containers[j]
  i < j
  a.name == b.name
  msg := sprintf("containers %v and %v share the name %v", [i, j, a.name])
}"""),
    "range.yaml": _template_and_constraint("K8sPortRanges", "port-ranges", """
violation[{"msg": msg}] {
  upper := to_number(object.get(input.review.object.metadata, ["annotations", "ports-up-to"], "0"))
  upper > 0
  port := numbers.range(1, upper)[_]
  port == -1
  msg := "unreachable"
}"""),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--rate", type=float, default=50.0, help="benign admissions per second")
    p.add_argument("--connections", type=int, default=4, help="benign keep-alive connections")
    p.add_argument("--deadline", type=float, default=2.0, help="the webhook's deadline, seconds")
    p.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                   help="pass ARG to regolite serve (repeatable)")
    p.add_argument("--hostile", action="append", choices=[*sorted(HOSTILE), "none"], metavar="KIND",
                   help="run only these hostile kinds (repeatable; default all, none with --hostile none)")
    p.add_argument("--hostile-scale", type=float, default=1.0,
                   help="multiply every paced hostile rate (the connection-holding kinds are not paced)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--log", metavar="FILE", help="keep the server's log (JSON lines) there")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="regolite-hostile-") as tmp:
        figures = run(Path(tmp), args)
    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["benign"]["late_or_failed"] == 0 else 1


def run(tmp: Path, args) -> dict:
    policies = write_policies(tmp / "policies")
    for name, text in EXPENSIVE_TEMPLATES.items():
        (policies / name).write_text(text)
    log = open(tmp / "serve.log", "wb")
    proc, port, context = start_server(tmp, policies, extra=tuple(args.serve_arg), log=log)
    stop = threading.Event()
    benign: list = []
    rss_peak = [0]
    try:
        wait_ready(port, context, time.monotonic() + 60)
        # The hostile clients run in another process, so that they do not take the benign client's GIL.
        with multiprocessing.Pool(1) as pool:
            kinds = args.hostile or sorted(HOSTILE)
            hostile = pool.apply_async(_attack, (port, str(tmp / "certs" / "ca.pem"), args.seconds, kinds,
                                                 args.hostile_scale))
            threads = [threading.Thread(target=_benign, args=(port, context, args, stop, benign, i), daemon=True)
                       for i in range(args.connections)]
            threads.append(threading.Thread(target=_sample_rss, args=(proc.pid, stop, rss_peak), daemon=True))
            for t in threads:
                t.start()
            time.sleep(args.seconds)
            stop.set()
            for t in threads:
                t.join(15)
            outcomes = hostile.get(60)
        conn = connect(port, context)
        conn.request("GET", "/metrics")
        metrics = conn.getresponse().read().decode()
    finally:
        stop_server(proc)
        log.close()
    server_side = [event["duration_ms"] / 1000 for event in _log_events(tmp / "serve.log")
                   if event.get("event") == "admission" and event.get("uid", "").startswith("benign-")]
    latencies = [seconds for seconds, _ in benign]
    kinds = Counter(kind for _, kind in benign)
    late = sum(1 for seconds, kind in benign if seconds > args.deadline or kind != "verdict")
    not_json = [e["line"] for e in _log_events(tmp / "serve.log") if e["event"] == "not-json"]
    if args.log:
        shutil.copyfile(tmp / "serve.log", args.log)
    return {
        "not_json_log_lines": not_json[:5],
        "seconds": args.seconds, "rate": args.rate, "connections": args.connections, "deadline_s": args.deadline,
        "serve_args": args.serve_arg, "hostile_scale": args.hostile_scale,
        "hostile_rates": {kind: (HOSTILE[kind][0], HOSTILE[kind][1] and HOSTILE[kind][1] * args.hostile_scale)
                          for kind in outcomes},
        "benign": {"sent": len(benign), **percentiles(latencies), "answers": dict(kinds), "late_or_failed": late,
                   "server_side": percentiles(server_side)},
        "hostile": outcomes,
        "server_rss_peak_mib": rss_peak[0] / 1024,
        "refused": {line.split('"')[1]: int(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                    if line.startswith(("regolite_http_refused_total{", "regolite_admission_bad_requests_total{"))},
        "timeouts": next(int(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                         if line.startswith("regolite_admission_timeouts_total ")),
    }


def report(f: dict) -> None:
    b = f["benign"]
    print(f"benign      {b['sent']} admissions at {f['rate']:g}/s over {f['connections']} connections, "
          f"{f['seconds']:g} s; serve args {' '.join(f['serve_args']) or '(defaults)'}")
    print(f"latency     p50 {b['p50_ms']:.1f} ms  p95 {b['p95_ms']:.1f} ms  p99 {b['p99_ms']:.1f} ms  "
          f"max {b['max_ms']:.1f} ms")
    server = b["server_side"]
    print(f"  in server p50 {server['p50_ms']:.1f} ms  p95 {server['p95_ms']:.1f} ms  p99 {server['p99_ms']:.1f} ms  "
          f"max {server['max_ms']:.1f} ms (request read to answer ready, from the admission log)")
    print(f"answers     {b['answers']}; past the {f['deadline_s']:g} s deadline or not a verdict: "
          f"{b['late_or_failed']}")
    print("hostile     kind, clients, paced rate, attempts, outcomes")
    for kind, counter in f["hostile"].items():
        clients, rate = f["hostile_rates"][kind]
        pace = f"{rate:g}/s" if rate else "back to back"
        print(f"  {kind:<14} {clients:>3} {pace:>13} {sum(counter.values()):>6}  "
              + ", ".join(f"{k} {v}" for k, v in sorted(counter.items())))
    print(f"server      peak RSS {f['server_rss_peak_mib']:.0f} MiB; reviews answered by the fail policy for time "
          f"{f['timeouts']}")
    print("refused     " + ", ".join(f"{k} {v}" for k, v in sorted(f["refused"].items()) if v))


# --- benign traffic --------------------------------------------------------------------------

def _benign(port: int, context, args, stop: threading.Event, results: list, index: int) -> None:
    """Admissions on a fixed schedule; each latency counts from its scheduled start."""
    interval = args.connections / args.rate
    bodies = [json.dumps(pod_review(image, uid=f"benign-{index}")).encode()
              for image in ("openpolicyagent/opa:1.0", "untrusted-registry/nginx")]
    conn = connect(port, context, timeout=args.deadline * 5)
    scheduled = time.monotonic() + index * interval / args.connections
    i = 0
    while not stop.is_set():
        time.sleep(max(0.0, scheduled - time.monotonic()))
        try:
            conn.request("POST", "/v1/admit", bodies[i % 2], {"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            code = json.loads(payload)["response"]["status"]["code"] if response.status == 200 else None
            kind = "verdict" if code in (200, 403) else f"code {code}" if code else f"http {response.status}"
        except (OSError, ValueError) as e:
            conn.close()
            conn = connect(port, context, timeout=args.deadline * 5)
            kind = type(e).__name__
        results.append((time.monotonic() - scheduled, kind))
        scheduled += interval
        i += 1


def _log_events(path: Path) -> list:
    events = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"event": "not-json", "line": line})
    return events


def _sample_rss(pid: int, stop: threading.Event, peak: list) -> None:
    while not stop.is_set():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        time.sleep(0.1)


# --- hostile clients: each returns how its attempt ended -------------------------------------------

def _attack(port: int, ca: str, seconds: float, kinds: list, scale: float) -> dict:
    """The hostile `kinds` for `seconds`, in threads of this process: {kind: {outcome: count}}."""
    context = ssl.create_default_context(cafile=ca)
    stop = threading.Event()
    outcomes = {kind: Counter() for kind in kinds if kind in HOSTILE}
    threads = [threading.Thread(target=_repeat, args=(kind, port, context, stop, outcomes[kind], scale), daemon=True)
               for kind in outcomes for _ in range(HOSTILE[kind][0])]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(35)
    return {kind: dict(counter) for kind, counter in outcomes.items()}


def _repeat(kind: str, port: int, context, stop: threading.Event, outcomes: Counter, scale: float) -> None:
    """One client of `kind`: attempts back to back, or paced to its share of the kind's rate times `scale`."""
    clients, rate, attack = HOSTILE[kind]
    interval = clients / (rate * scale) if rate else 0.0
    next_start = time.monotonic()
    while not stop.is_set():
        time.sleep(max(0.0, next_start - time.monotonic()))
        next_start = max(next_start + interval, time.monotonic() - 1.0)
        try:
            outcomes[attack(port, context)] += 1
        except (OSError, ssl.SSLError) as e:
            outcomes[type(e).__name__] += 1
            time.sleep(0.05)


def _tls(port: int, context) -> ssl.SSLSocket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    return context.wrap_socket(sock, server_hostname="127.0.0.1")


def _status(sock: socket.socket) -> str:
    """The status line's code, or how the connection ended."""
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return "closed" if not data else "partial"
            data += chunk
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        return "reset"
    except socket.timeout:
        return "no answer in 30 s"
    finally:
        sock.close()
    return data.split(b" ", 2)[1].decode()


def _verdict(sock: socket.socket) -> str:
    """HTTP status and, for a 200, the AdmissionResponse's code."""
    with sock.makefile("rb") as stream:
        try:
            status = stream.readline().split(b" ", 2)[1].decode()
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = stream.read(length)
        except (ConnectionResetError, ssl.SSLError, IndexError):
            return "reset"
        finally:
            sock.close()
    if status != "200":
        return f"http {status}"
    return f"200, code {json.loads(body)['response']['status']['code']}"


def _post(port: int, context, body: bytes, declared: int = 0) -> str:
    sock = _tls(port, context)
    head = (f"POST /v1/admit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared or len(body)}\r\n\r\n").encode()
    try:
        sock.sendall(head + body)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass  # the server answered early (413) and closed; the answer may still be readable
    return _verdict(sock)


def slow_headers(port: int, context) -> str:
    sock = _tls(port, context)
    started = time.monotonic()
    try:
        for byte in b"POST /v1/admit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n":
            sock.sendall(bytes([byte]))
            time.sleep(0.5)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass
    finally:
        sock.close()
    return f"dropped after {round(time.monotonic() - started)} s"


def no_tls(port: int, context) -> str:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.recv(1)
        except (ConnectionResetError, socket.timeout):
            pass
    return f"dropped after {round(time.monotonic() - started)} s"


def huge_headers(port: int, context) -> str:
    sock = _tls(port, context)
    try:
        sock.sendall(b"POST /v1/admit HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"a" * (1024 * 1024) + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass
    return _status(sock)


def _pod_with(spec_extra: str = "", containers: int = 1, annotations: dict = None, image: str = "openpolicyagent/x"
              ) -> bytes:
    review = pod_review(image, uid="hostile")
    obj = review["request"]["object"]
    obj["spec"]["containers"] = [{"name": f"c{i}", "image": image} for i in range(containers)]
    if annotations:
        obj["metadata"]["annotations"] = annotations
    text = json.dumps(review)
    return text.replace('"spec": {', '"spec": {' + spec_extra, 1).encode() if spec_extra else text.encode()


HUGE_BODY = _pod_with('"x": [' + "{}," * 1_000_000 + "{}], ")
DEEP_BODY = _pod_with('"x": ' + "[" * 100_000 + "]" * 100_000 + ", ")
CPU_HEAVY_BODY = _pod_with(containers=3000)  # 4.5 million pairs to compare, none alike
MANY_DENIALS_BODY = _pod_with(containers=5000, image="untrusted/x")  # 5,000 denials, a 1 MB message
STEP_BUDGET_BODY = _pod_with(annotations={"ports-up-to": "50000000"})


HOSTILE = {  # kind: (clients, attempts per second over all of them or None for back to back, attack)
    "slow-headers": (50, None, slow_headers),
    "no-tls": (50, None, no_tls),
    "huge-headers": (2, 20, huge_headers),
    "huge-body": (2, 1, lambda port, context: _post(port, context, HUGE_BODY)),
    "oversize-body": (2, 20, lambda port, context: _post(port, context, b"[" * 4096, declared=4 * 1024 * 1024)),
    "deep-body": (2, 5, lambda port, context: _post(port, context, DEEP_BODY)),
    "bad-json": (2, 20, lambda port, context: _post(port, context, b'{"kind": "AdmissionReview", "x": "\\ud800"}')),
    "cpu-heavy": (4, 2, lambda port, context: _post(port, context, CPU_HEAVY_BODY)),
    "step-budget": (2, 10, lambda port, context: _post(port, context, STEP_BUDGET_BODY)),
    "many-denials": (2, 2, lambda port, context: _post(port, context, MANY_DENIALS_BODY)),
}


if __name__ == "__main__":
    raise SystemExit(main())
