"""`regolite review`: gator test's output formats and exit codes."""

from __future__ import annotations

import json

import yaml

from regolite.cli import main
from tests.conftest import require_shared

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec:\n  containers:\n  - {name: nginx, image: 'nginx:latest'}\n"


def _inputs(tmp_path):
    library = require_shared("gatekeeper-library", "library", "general", "allowedrepos")
    pod = tmp_path / "pod.yaml"
    pod.write_text(POD)
    return ["-f", str(library / "template.yaml"),
            "-f", str(library / "samples" / "repo-must-be-openpolicyagent" / "constraint.yaml"),
            "-f", str(pod)]


def test_text_output_and_deny_exit_code(tmp_path, capsys):
    assert main(["review", *_inputs(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out == ('v1/Pod default/web: ["repo-is-openpolicyagent"] Message: "container <nginx> has an invalid '
                   'image repo <nginx:latest>, allowed repos are [\\"openpolicyagent/\\"]"\n')


def test_json_and_yaml_output(tmp_path, capsys):
    main(["review", *_inputs(tmp_path), "-o", "json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert row["enforcementAction"] == "deny" and row["violatingObject"]["metadata"]["name"] == "web"
    main(["review", *_inputs(tmp_path), "-o", "yaml"])
    (item,) = yaml.safe_load(capsys.readouterr().out)
    assert item["result"]["msg"].startswith("container <nginx>")
    assert item["result"]["constraint"]["object"]["kind"] == "K8sAllowedRepos"


def test_no_input_and_bad_yaml_are_clear_errors(tmp_path, capsys):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert main(["review", "-f", str(empty)]) == 1
    assert "no input data identified" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n")
    assert main(["review", "-f", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err


def test_wrong_extension_is_rejected(tmp_path, capsys):
    other = tmp_path / "pod.txt"
    other.write_text(POD)
    assert main(["review", "-f", str(other)]) == 1
    assert "must be of extensions" in capsys.readouterr().err


EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "gatekeeper"


def test_scan_reports_feed_vulnerability_gating(capsys):
    args = ["review", "-f", str(EXAMPLES / "vulnerable-images"), "-f", str(EXAMPLES / "objects"),
            "--scan-report", str(EXAMPLES / "scans" / "trivy")]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "has 3 vulnerabilities (CRITICAL: 3)" in out and "CVE-2021-44228" in out
    # without the reports nothing is known about the images, so nothing is denied
    assert main(args[:5]) == 0


def test_bad_scan_report_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "report.json"
    bad.write_text('{"SchemaVersion": 2, "ArtifactName": 7}')
    assert main(["review", "-f", str(EXAMPLES / "objects"), "--scan-report", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "report.json" in err and "Traceback" not in err


def test_verify_runs_the_example_suite(capsys):
    assert main(["verify", str(EXAMPLES)]) == 0
    # reports added to every case: the case that expects no findings without reports now fails
    assert main(["verify", str(EXAMPLES), "--scan-report", str(EXAMPLES / "scans" / "trivy")]) == 1
    assert "no-reports-no-findings" in capsys.readouterr().out
