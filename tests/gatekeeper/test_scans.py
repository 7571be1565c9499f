"""Image scan reports: Trivy JSON to ImageScanReport inventory objects, and the example policies using them."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.cli import main
from regolite.errors import RegoError
from regolite.gatekeeper.engine import GATOR, Gatekeeper, read_paths
from regolite.gatekeeper.inventory import Inventory
from regolite.gatekeeper.scans import (
    API_VERSION,
    KIND,
    ScanReportError,
    image_digest,
    load_scan_reports,
    read_trivy_report,
    report_name,
)
from regolite.gatekeeper.templates import load_template
from tests.conftest import REPO
from tests.factories import constraint, match_pods, pod

EXAMPLES = REPO / "examples" / "gatekeeper"
TRIVY = EXAMPLES / "scans" / "trivy"
API_IMAGE = "registry.example.com/shop/api:1.4.2"
WEB_IMAGE = "registry.example.com/shop/web:2.0.1"
API_DIGEST = "sha256:331e585dba0d4b6229de0b141eb99c3105cd7b6d308c9b9754b81c6e96a099bf"
CRITICAL_MSG = (
    f"container migrate image {API_IMAGE} has 3 vulnerabilities (CRITICAL: 3), more than the allowed 0: "
    "CVE-2021-44228, CVE-2021-45046, CVE-2022-22965"
)
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def trivy(image="example.com/app:1", vulns=(), **extra):
    """A minimal Trivy SchemaVersion 2 report."""
    report = {
        "SchemaVersion": 2,
        "ArtifactName": image,
        "ArtifactType": "container_image",
        "Metadata": {"ImageID": "sha256:" + "1" * 64, "RepoDigests": []},
        "Results": [{"Target": "app (debian 12.4)", "Class": "os-pkgs", "Type": "debian",
                     "Vulnerabilities": list(vulns)}],
    }
    report.update(extra)
    return report


def vuln(vid, severity, pkg="openssl", installed="3.0.11", fixed="3.0.13"):
    return {"VulnerabilityID": vid, "PkgName": pkg, "InstalledVersion": installed, "FixedVersion": fixed,
            "Severity": severity, "Title": f"{pkg}: {vid}"}


def vulnerable_images_gate(parameters, reports):
    """The example template with a constraint of the given parameters, and `reports` in the inventory."""
    gate = Gatekeeper(enforcement_point=GATOR)
    gate.add_policies(read_paths([str(EXAMPLES / "vulnerable-images" / "template.yaml")]))
    gate.add_constraint(constraint("K8sDenyVulnerableImages", "under-test", match=match_pods(), parameters=parameters))
    gate.add_inventory(reports)
    return gate


# --- reading Trivy reports ---------------------------------------------------------------


def test_single_report_becomes_an_image_scan_report():
    [report] = read_trivy_report(TRIVY / "shop-api-1.4.2.json")
    assert report["apiVersion"] == API_VERSION == "scans.regolite.dev/v1"
    assert report["kind"] == KIND == "ImageScanReport"
    meta, spec = report["metadata"], report["spec"]
    assert meta["name"] == report_name(API_IMAGE)
    assert meta["name"].startswith("registry.example.com-shop-api-1.4.2-")
    assert "namespace" not in meta  # cluster-scoped
    assert meta["annotations"]["scans.regolite.dev/image"] == API_IMAGE
    assert meta["annotations"]["scans.regolite.dev/digest"] == API_DIGEST
    assert meta["labels"]["scans.regolite.dev/digest"] == "sha256-" + API_DIGEST[7:63]
    assert spec["image"] == API_IMAGE
    assert spec["digest"] == API_DIGEST  # the manifest digest from RepoDigests, not the ImageID
    assert spec["imageID"].startswith("sha256:3f5609e3")
    assert spec["scanner"] == {"name": "trivy", "version": "0.52.2"}
    assert spec["scannedAt"] == "2024-06-03T09:12:44.518208765Z"
    assert spec["summary"] == {"CRITICAL": 3, "HIGH": 1, "MEDIUM": 0, "LOW": 1, "UNKNOWN": 0}
    assert [v["id"] for v in spec["vulnerabilities"]] == [
        "CVE-2011-3374", "CVE-2023-4863", "CVE-2021-44228", "CVE-2021-45046", "CVE-2022-22965"]
    assert spec["vulnerabilities"][0] == {
        "id": "CVE-2011-3374", "severity": "LOW", "package": "apt", "installedVersion": "2.6.1",
        "fixedVersion": "", "title": "It was found that apt-key in apt, all versions, do not correctly valid ...",
        "target": f"{API_IMAGE} (debian 12.4)",
    }
    assert spec["vulnerabilities"][2]["package"] == "org.apache.logging.log4j:log4j-core"
    assert spec["vulnerabilities"][2]["fixedVersion"] == "2.15.0"


def test_results_without_vulnerabilities_give_an_empty_report():
    [report] = read_trivy_report(TRIVY / "shop-web-2.0.1.json")
    assert report["spec"]["vulnerabilities"] == []
    assert report["spec"]["summary"] == dict.fromkeys(("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"), 0)
    assert report["spec"]["scanner"] == {"name": "trivy", "version": ""}  # no "Trivy" block in this report
    [no_results] = read_trivy_report(json.dumps({"SchemaVersion": 2, "ArtifactName": "a:1", "Results": None}))
    assert no_results["spec"]["vulnerabilities"] == [] and no_results["spec"]["digest"] == ""
    assert "labels" not in no_results["metadata"]


def test_a_list_of_reports_text_or_file(tmp_path):
    reports = [trivy("a.example/x:1", [vuln("CVE-1", "HIGH")]), trivy("a.example/y:2")]
    from_text = read_trivy_report(json.dumps(reports))
    assert [r["spec"]["image"] for r in from_text] == ["a.example/x:1", "a.example/y:2"]
    (tmp_path / "all.json").write_text(json.dumps(reports))
    assert read_trivy_report(tmp_path / "all.json") == from_text
    assert read_trivy_report(str(tmp_path / "all.json")) == from_text
    assert read_trivy_report(reports) == from_text


def test_a_directory_of_reports_one_per_image():
    reports = read_trivy_report(TRIVY)
    assert [r["spec"]["image"] for r in reports] == [API_IMAGE, WEB_IMAGE]


def test_severities_are_normalised():
    [report] = read_trivy_report(trivy(vulns=[vuln("CVE-1", "critical"), vuln("CVE-2", "NEGLIGIBLE"),
                                              {"VulnerabilityID": "CVE-3", "PkgName": "zlib"}]))
    assert [v["severity"] for v in report["spec"]["vulnerabilities"]] == ["CRITICAL", "UNKNOWN", "UNKNOWN"]
    assert report["spec"]["vulnerabilities"][2] == {
        "id": "CVE-3", "severity": "UNKNOWN", "package": "zlib", "installedVersion": "", "fixedVersion": "",
        "title": "", "target": "app (debian 12.4)"}
    assert report["spec"]["summary"]["UNKNOWN"] == 2


def test_digest_comes_from_the_reference_or_the_matching_repo_digest():
    d1, d2 = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    other = trivy("r.example/app:1", Metadata={"RepoDigests": [f"mirror.example/app@{d1}", f"r.example/app@{d2}"]})
    assert read_trivy_report(other)[0]["spec"]["digest"] == d2
    pinned = trivy(f"r.example/app@{d1}", Metadata={"RepoDigests": [f"r.example/app@{d2}"]})
    assert read_trivy_report(pinned)[0]["spec"]["digest"] == d1
    port = trivy("r.example:5000/app:1", Metadata={"RepoDigests": [f"x/y@{d1}", f"r.example:5000/app@{d2}"]})
    assert read_trivy_report(port)[0]["spec"]["digest"] == d2
    assert image_digest(f"a/b@{d1}") == d1
    assert image_digest("a/b:1") == image_digest("a/b@sha256:short") == ""


# --- names ---------------------------------------------------------------------------------


def test_report_names_are_readable_dns_names():
    assert report_name("registry.example.com/shop/api:1.4.2") == (
        "registry.example.com-shop-api-1.4.2-" + _sha("registry.example.com/shop/api:1.4.2"))
    assert report_name("Nginx").startswith("nginx-")
    assert report_name("a/../b").startswith("a-b-")  # runs of dots and dashes collapse
    assert report_name("a..b").startswith("a.b-")
    assert report_name("@@@").startswith("image-")
    long = "registry.example.com/" + "x" * 300 + ":1"
    assert len(report_name(long)) == 63


def test_report_names_are_unique_per_reference():
    images = ["nginx:1.25", "nginx-1.25", "nginx_1.25", "NGINX:1.25", "Nginx:1.25", "nginx/1.25",
              "docker.io/library/nginx:1.25", f"nginx@{API_DIGEST}", "r.example/" + "a" * 80 + ":1",
              "r.example/" + "a" * 80 + ":2"]
    names = [report_name(i) for i in images]
    assert len(set(names)) == len(images)
    assert report_name("nginx:1.25") == report_name("nginx:1.25")  # stable


@given(st.text(min_size=1, max_size=300))
def test_any_reference_gives_a_valid_name(image):
    name = report_name(image)
    assert len(name) <= 63
    assert DNS_SUBDOMAIN.fullmatch(name), name


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()[:10]


# --- malformed reports -----------------------------------------------------------------------


@pytest.mark.parametrize("report, expected", [
    ({"SchemaVersion": 1, "ArtifactName": "a:1"}, "SchemaVersion 1 is not supported, expected 2"),
    ({"SchemaVersion": 2}, "ArtifactName: expected the scanned image reference (a non-empty string), got nothing"),
    ({"ArtifactName": "a:1", "ArtifactType": "filesystem"}, 'ArtifactType "filesystem": only container image scans'),
    ({"ArtifactName": "a:1", "Results": {}}, "Results: expected a list, got an object"),
    ({"ArtifactName": "a:1", "Results": [{"Vulnerabilities": [{"PkgName": "zlib"}]}]},
     "Results[0].Vulnerabilities[0].VulnerabilityID: expected a non-empty string, got nothing"),
    ({"ArtifactName": "a:1", "Results": [{"Vulnerabilities": [{"VulnerabilityID": "C", "PkgName": "p",
                                                                "Severity": 3}]}]},
     "Results[0].Vulnerabilities[0].Severity: expected a string, got a number"),
    ({"ArtifactName": "a:1", "Metadata": {"RepoDigests": [1]}},
     "Metadata.RepoDigests[0]: expected a string, got a number"),
    ({"apiVersion": "v1", "kind": "Pod"}, "expected a Trivy report, got a Kubernetes object (v1/Pod)"),
    ("just text", "expected a Trivy report (a JSON object), got a string"),
])
def test_malformed_reports_name_the_file_and_the_place(tmp_path, report, expected):
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(report))
    with pytest.raises(ScanReportError) as info:
        read_trivy_report(path)
    assert isinstance(info.value, RegoError)
    assert expected in info.value.message
    assert str(info.value).startswith(f"{path}: scan_report_error: ")


def test_invalid_json_has_a_position(tmp_path):
    path = tmp_path / "scan.json"
    path.write_text('{\n  "SchemaVersion": 2,\n  "ArtifactName": \n}\n')
    with pytest.raises(ScanReportError, match="invalid JSON") as info:
        read_trivy_report(path)
    assert str(info.value).startswith(f"{path}:4:1: scan_report_error: invalid JSON: ")


def test_an_element_of_a_list_is_named(tmp_path):
    path = tmp_path / "scans.json"
    path.write_text(json.dumps([trivy(), {"SchemaVersion": 2}]))
    with pytest.raises(ScanReportError) as info:
        read_trivy_report(path)
    assert info.value.message.startswith("[1]: ArtifactName: ")
    assert info.value.source == str(path)


def test_missing_and_unreadable_paths(tmp_path):
    with pytest.raises(ScanReportError, match="no such file or directory"):
        read_trivy_report(tmp_path / "missing.json")
    with pytest.raises(ScanReportError, match="no such file or directory"):
        load_scan_reports([tmp_path / "missing"])
    (tmp_path / "scan.txt").write_text("{}")
    with pytest.raises(ScanReportError, match=r"must be a \.json, \.yaml or \.yml file"):
        load_scan_reports([tmp_path / "scan.txt"])
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(ScanReportError, match="not UTF-8"):
        load_scan_reports([tmp_path / "bad.json"])


# --- load_scan_reports ---------------------------------------------------------------------------


def test_load_scan_reports_reads_trivy_and_converted_objects(tmp_path):
    from_trivy = load_scan_reports([TRIVY])
    from_yaml = load_scan_reports([EXAMPLES / "scans" / "reports.yaml"])
    assert from_yaml == from_trivy
    assert load_scan_reports(str(TRIVY)) == from_trivy  # one path need not be in a list
    # the whole scans/ folder holds both forms of the same two images: one report per image
    assert load_scan_reports([EXAMPLES / "scans"]) == from_trivy
    (tmp_path / "objects.json").write_text(json.dumps(from_trivy))
    assert load_scan_reports([tmp_path / "objects.json"]) == from_trivy


def test_a_later_report_of_the_same_image_replaces_the_earlier(tmp_path):
    (tmp_path / "1-old.json").write_text(json.dumps(trivy("a.example/x:1", [vuln("CVE-1", "HIGH")])))
    (tmp_path / "2-new.json").write_text(json.dumps(trivy("a.example/x:1")))
    [report] = load_scan_reports([tmp_path])
    assert report["spec"]["vulnerabilities"] == []


def test_yaml_files_must_hold_image_scan_reports(tmp_path):
    path = tmp_path / "objects.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
    with pytest.raises(ScanReportError, match=r"document 1: expected an ImageScanReport \(scans.regolite.dev/v1\)"):
        load_scan_reports([path])
    path.write_text("apiVersion: scans.regolite.dev/v1\nkind: ImageScanReport\nmetadata: {name: x}\nspec: {}\n")
    with pytest.raises(ScanReportError, match="spec.image: expected the image reference"):
        load_scan_reports([path])
    path.write_text("a: [\n")
    with pytest.raises(ScanReportError) as info:
        load_scan_reports([path])
    assert str(info.value).startswith(f"{path}:")


def test_reports_land_where_templates_look():
    inventory = Inventory(load_scan_reports([TRIVY]))
    by_name = inventory.as_data()["cluster"]["scans.regolite.dev/v1"]["ImageScanReport"]
    assert {r["spec"]["image"] for r in by_name.values()} == {API_IMAGE, WEB_IMAGE}


def test_committed_inventory_file_matches_the_trivy_reports():
    spec = importlib.util.spec_from_file_location("regenerate_scans", EXAMPLES / "regenerate_scans.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (EXAMPLES / "scans" / "reports.yaml").read_text(encoding="utf-8") == module.render(), (
        "run: python examples/gatekeeper/regenerate_scans.py")


# --- the example policies ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["vulnerable-images/template.yaml", "allowed-registries/template.yaml"])
def test_example_templates_are_gatekeeper_valid(path):
    [doc] = [d.obj for d in read_paths([str(EXAMPLES / path)])]
    template = load_template(doc, source=path)
    assert template.rego_version == "v0"  # the legacy `rego:` field: runs on every Gatekeeper version
    assert template.parameters_schema is not None
    template.policy()  # parses, passes the rewriter checks and compiles


def examples_gate():
    gate = Gatekeeper(enforcement_point=GATOR)
    gate.add_policies(read_paths([str(EXAMPLES / "vulnerable-images"), str(EXAMPLES / "allowed-registries")]))
    gate.add_inventory(load_scan_reports([TRIVY]))
    return gate


def example_object(name):
    [doc] = read_paths([str(EXAMPLES / "objects" / name)])
    return doc.obj


def test_end_to_end_vulnerable_pod_is_denied():
    result = examples_gate().review(example_object("pod-vulnerable.yaml"))
    assert result.denied()
    assert result.messages == [CRITICAL_MSG]
    [r] = result.results
    assert r.constraint.name == "deny-critical-vulnerabilities"
    assert r.details == {
        "container": "migrate", "image": API_IMAGE, "report": report_name(API_IMAGE),
        "counts": {"CRITICAL": 3}, "ids": ["CVE-2021-44228", "CVE-2021-45046", "CVE-2022-22965"], "maxCount": 0,
    }


def test_end_to_end_pinned_digest_uses_the_report_of_that_digest():
    result = examples_gate().review(example_object("pod-vulnerable-by-digest.yaml"))
    assert result.messages == [
        f"container api image registry.example.com/shop/api@{API_DIGEST} has 3 vulnerabilities (CRITICAL: 3), "
        "more than the allowed 0: CVE-2021-44228, CVE-2021-45046, CVE-2022-22965"]


def test_end_to_end_clean_pod_is_allowed():
    result = examples_gate().review(example_object("pod-allowed.yaml"))
    assert result.messages == [] and not result.denied()


def test_end_to_end_untrusted_registry_is_denied():
    gate = examples_gate()
    assert gate.review(example_object("pod-untrusted-registry.yaml")).messages == [
        "container nginx image untrusted-registry/nginx:1.25 is not from an allowed registry"]
    assert gate.review(example_object("pod-untrusted-init-container.yaml")).messages == [
        "container setup image busybox:1.36 is not from an allowed registry"]


def test_end_to_end_admission_response():
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
        "name": "api", "namespace": "shop", "object": example_object("pod-vulnerable.yaml")}}
    response = examples_gate().admit(review)["response"]
    assert response["allowed"] is False
    assert response["status"]["message"] == f"[deny-critical-vulnerabilities] {CRITICAL_MSG}"


def test_severities_max_count_and_the_id_list():
    ids = [f"CVE-2024-{i:04d}" for i in range(1, 6)]
    reports = read_trivy_report(trivy("a.example/app:1", [vuln(i, "HIGH") for i in ids] + [
        vuln("CVE-2023-0001", "CRITICAL"), vuln("CVE-2023-0001", "CRITICAL", pkg="libssl3"),
        vuln("CVE-2022-0001", "LOW")]))
    obj = pod(images=["a.example/app:1"])
    gate = vulnerable_images_gate({"severities": ["CRITICAL", "HIGH"], "maxCount": 2}, reports)
    assert gate.review(obj).messages == [
        "container c0 image a.example/app:1 has 7 vulnerabilities (CRITICAL: 2, HIGH: 5), more than the allowed 2: "
        "CVE-2023-0001, CVE-2024-0001, CVE-2024-0002 and 3 more"]
    at_limit = vulnerable_images_gate({"severities": ["CRITICAL", "HIGH"], "maxCount": 7}, reports)
    assert at_limit.review(obj).messages == []
    assert vulnerable_images_gate({"severities": ["LOW"]}, reports).review(obj).messages == [
        "container c0 image a.example/app:1 has 1 vulnerability (LOW: 1), more than the allowed 0: CVE-2022-0001"]
    # defaults: CRITICAL only, maxCount 0
    assert vulnerable_images_gate({}, reports).review(obj).messages == [
        "container c0 image a.example/app:1 has 2 vulnerabilities (CRITICAL: 2), more than the allowed 0: "
        "CVE-2023-0001"]


def test_every_kind_of_container_is_checked():
    reports = read_trivy_report([trivy("a.example/bad:1", [vuln("CVE-1", "CRITICAL")]), trivy("a.example/ok:1")])
    gate = vulnerable_images_gate({}, reports)
    obj = pod(images=["a.example/ok:1", "a.example/bad:1"], init=["a.example/bad:1"], ephemeral=["a.example/bad:1"])
    assert [m.split(" image ")[0] for m in gate.review(obj).messages] == [
        "container c1", "container debug0", "container init0"]


def test_require_scan_denies_images_without_a_report():
    reports = read_trivy_report(trivy("a.example/ok:1"))
    obj = pod(images=["a.example/ok:1", "a.example/unknown:1"])
    assert vulnerable_images_gate({}, reports).review(obj).messages == []
    assert vulnerable_images_gate({"requireScan": True}, reports).review(obj).messages == [
        "container c1 image a.example/unknown:1 has no vulnerability scan report"]
    assert vulnerable_images_gate({"requireScan": True}, []).review(pod(images=["a.example/ok:1"])).messages == [
        "container c0 image a.example/ok:1 has no vulnerability scan report"]


def test_digest_matching_needs_a_pinned_digest_and_prefers_the_exact_reference():
    d = "sha256:" + "c" * 64
    unknown_digest = trivy("a.example/nodigest:1", [vuln("CVE-9", "CRITICAL")])
    tagged = trivy("a.example/app:1", [vuln("CVE-1", "CRITICAL")],
                   Metadata={"RepoDigests": [f"a.example/app@{d}"]})
    pinned = trivy(f"a.example/app@{d}", [vuln("CVE-2", "CRITICAL")])
    gate = vulnerable_images_gate({"requireScan": True}, read_trivy_report([unknown_digest, tagged]))
    # an image that pins no digest never matches a report whose digest is unknown
    assert gate.review(pod(images=["a.example/other:1"])).messages == [
        "container c0 image a.example/other:1 has no vulnerability scan report"]
    assert gate.review(pod(images=[f"a.example/app@{d}"])).messages[0].endswith(": CVE-1")
    gate.add_inventory(read_trivy_report(pinned))
    assert gate.review(pod(images=[f"a.example/app@{d}"])).messages[0].endswith(": CVE-2")  # exact reference wins


def test_inventory_with_exact_numbers_or_float_numbers_gives_the_same_message():
    reports = load_scan_reports([TRIVY])
    gate = vulnerable_images_gate({"maxCount": 1}, reports)
    gate.inventory = Inventory(copy.deepcopy(reports), exact_numbers=True)
    assert gate.review(pod(images=[API_IMAGE])).messages == [
        f"container c0 image {API_IMAGE} has 3 vulnerabilities (CRITICAL: 3), more than the allowed 1: "
        "CVE-2021-44228, CVE-2021-45046, CVE-2022-22965"]


def test_verify_runs_the_example_suite(capsys):
    code = main(["verify", str(EXAMPLES)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith(f"ok\t{EXAMPLES / 'suite.yaml'}\t")
    assert out.endswith("PASS\n")
