"""`run_audit` over 100,000 synthetic Pods (a `kubectl get -A -o json` List written to a temp
file) against the whole gatekeeper-library `library/general` set (templates and sample
constraints), with 1 and 2 worker processes. Objects per second and peak RSS (the audit
process, and its workers) are in `extra_info`. Each audit runs in a fresh Python process
so that the peak RSS is the audit's own.

Runs only with `--benchmark-only` (a few minutes: about 2.5 min with 1 job and 1.5 min
with 2 on a 2-CPU machine):

    pytest benchmarks/test_audit.py --benchmark-only
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.conftest import REPO, shared_dir

LIBRARY = shared_dir() / "gatekeeper-library" / "library" / "general"
PODS = 100_000
NAMESPACES = 50

IMAGES = (
    "nginx:latest", "nginx:1.25.3", "openpolicyagent/opa:0.60.0", "k8s.gcr.io/pause:3.1",
    "registry.example.com/team/app@sha256:" + "ab" * 32, "busybox", "quay.io/prometheus/node-exporter:v1.7.0",
)

AUDIT_SCRIPT = """
import json, resource, sys, time
from regolite.gatekeeper.audit import run_audit

def own_peak_rss_mb():
    # VmHWM is this process's own peak (reset by exec); ru_maxrss keeps the peak of
    # the process that started it (pytest, hundreds of MB) across fork and exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

policies, dump, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
report = run_audit([policies], [dump], jobs=jobs)
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds, "objects": report.objects, "violations": report.total_violations,
    "errors": report.errors, "constraints": len(report.constraints),
    "parent_max_rss_mb": own_peak_rss_mb(),
    "worker_max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def synthetic_pod(i: int) -> dict:
    """Pod number `i`: labels, images, resources and namespaces vary with `i`."""
    labels = {"app": f"app-{i % 97}", "pod-template-hash": f"{i * 2654435761 % 2**32:08x}"}
    if i % 3:
        labels["owner"] = f"owner-{i % 7}.agilebank.demo"
    if i % 5 == 0:
        labels["tier"] = ("web", "db", "cache")[i % 3]
    containers = []
    for c in range(1 + i % 3):
        container: dict = {"name": f"c{c}", "image": IMAGES[(i + c) % len(IMAGES)]}
        if (i + c) % 4:
            container["resources"] = {
                "limits": {"cpu": f"{100 + i % 900}m", "memory": f"{64 * (1 + i % 8)}Mi"},
                "requests": {"cpu": f"{50 + i % 200}m", "memory": "64Mi"},
            }
        if i % 6 == 0:
            container["securityContext"] = {"allowPrivilegeEscalation": bool(i % 12)}
        if i % 4 == 1:
            container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        containers.append(container)
    metadata = {"name": f"pod-{i}", "namespace": f"team-{i % NAMESPACES}", "labels": labels,
                "uid": f"00000000-0000-0000-0000-{i:012d}"}
    if i % 8 == 0:
        metadata["annotations"] = {"a8r.io/owner": "team", "a8r.io/runbook": "https://runbooks.example"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": containers, "automountServiceAccountToken": i % 2 == 0}}


def write_dump(path, pods: int = PODS) -> None:
    """A List of `pods` Pods followed by their Namespaces, written item by item."""
    with open(path, "w") as f:
        f.write('{"apiVersion": "v1", "items": [\n')
        for i in range(pods):
            f.write(json.dumps(synthetic_pod(i)) + ",\n")
        for n in range(NAMESPACES):
            ns = {"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": f"team-{n}", "labels": {"env": "prod" if n % 2 else "dev"}}}
            f.write(json.dumps(ns) + (",\n" if n < NAMESPACES - 1 else "\n"))
        f.write('], "kind": "List", "metadata": {"resourceVersion": ""}}\n')


@pytest.fixture(scope="module", autouse=True)
def benchmark_only(request):  # module scope: runs before the dump is written
    if not request.config.getoption("benchmark_only", False):
        pytest.skip("a long benchmark: runs only with --benchmark-only")


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    path = tmp_path_factory.mktemp("audit") / "pods.json"
    write_dump(path)
    return path


@pytest.mark.skipif(not LIBRARY.is_dir(), reason=f"{LIBRARY} is missing")
@pytest.mark.parametrize("jobs", [1, 2])
def test_audit_100k_pods(benchmark, dump, jobs):
    def audit() -> dict:
        done = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, str(LIBRARY), str(dump), str(jobs)],
                              cwd=REPO, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    figures = benchmark.pedantic(audit, rounds=1, iterations=1)
    assert figures["objects"] == PODS + NAMESPACES and figures["errors"] == 0
    benchmark.extra_info.update({
        "jobs": jobs,
        "objects": figures["objects"],
        "constraints": figures["constraints"],
        "violations": figures["violations"],
        "dump_mb": round(dump.stat().st_size / 2**20, 1),
        "seconds": round(figures["seconds"], 1),
        "objects_per_second": round(figures["objects"] / figures["seconds"]),
        "parent_max_rss_mb": round(figures["parent_max_rss_mb"], 1),
        "worker_max_rss_mb": round(figures["worker_max_rss_mb"], 1),
    })
