"""`regolite audit`: report formats, exit codes, progress, errors naming file and position."""

from __future__ import annotations

import io
import json

import pytest
import yaml

import regolite.cli as cli
from regolite.cli import main
from regolite.cli.audit import ProgressBar
from tests.factories import constraint, match_pods, pod
from tests.gatekeeper.test_audit import NAMES_TEMPLATE, write_list


@pytest.fixture(autouse=True)
def audit_registered(monkeypatch):
    """The lead registers `audit` in COMMANDS; until then the tests add it."""
    if "audit" not in cli.COMMANDS:
        monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ("audit",))


@pytest.fixture
def inputs(tmp_path):
    policies = tmp_path / "policies.yaml"
    policies.write_text(yaml.safe_dump_all([
        NAMES_TEMPLATE,
        constraint("K8sFlagNames", "flag-names", match=match_pods()),
        constraint("K8sFlagNames", "warn-names", match=match_pods(), enforcementAction="warn"),
    ]))
    objects = [pod(f"p{i}", namespace="apps") for i in range(30)] + [pod("ok-web")]
    dump = write_list(tmp_path / "dump.json", objects)
    return ["-f", str(policies), "--objects", dump]


def test_text_report_groups_by_constraint_and_exits_zero(inputs, capsys):
    assert main(["audit", *inputs, "--constraint-violations-limit", "2"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("audited 31 objects in ")
    assert ": 60 violations, 0 review errors\n" in out
    assert 'K8sFlagNames flag-names (deny): 30 violations\n  v1/Pod apps/p1 [deny]: "name p1 is flagged"\n' \
           '  v1/Pod apps/p0 [deny]: "name p0 is flagged"\n  ... 28 more\n' in out
    assert "K8sFlagNames warn-names (warn): 30 violations" in out
    assert err == ""  # not a terminal: no progress line


def test_json_report(inputs, capsys):
    assert main(["audit", *inputs, "-o", "json", "--jobs", "2", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totalObjects"] == 31 and report["totalViolations"] == 60 and report["reviewErrors"] == 0
    deny, warn = report["constraints"]
    assert deny["name"] == "flag-names" and deny["totalViolations"] == 30 and len(deny["violations"]) == 20
    assert deny["violations"][-1] == {"group": "", "version": "v1", "kind": "Pod", "namespace": "apps",
                                      "name": "p0", "message": "name p0 is flagged", "enforcementAction": "deny"}
    assert warn["enforcementAction"] == "warn" and warn["violations"][0]["enforcementAction"] == "warn"
    assert deny["auditTimestamp"] == report["auditTimestamp"] and report["auditTimestamp"].endswith("Z")


def test_malformed_dump_is_one_error_line_with_file_and_position(inputs, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "List", "items": [\n  {"kind": "Pod"},\n  {"kind": "Pod",, }\n]}')
    assert main(["audit", *inputs[:2], "--objects", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {bad}:3:18: document_error: document 1: items[1]: invalid JSON: " \
                  "Expecting property name enclosed in double quotes\n"


def test_review_errors_are_reported_and_exit_one(inputs, tmp_path, capsys):
    dump = write_list(tmp_path / "kindless.json", [pod("p"), {"apiVersion": "v1", "metadata": {"name": "x"}}])
    assert main(["audit", *inputs[:2], "--objects", dump, "-o", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["reviewErrors"] == 1
    assert "error: reviewing v1/<no kind> x: " in err and "without a kind" in err


@pytest.mark.parametrize("argv, message", [
    (["--objects", "dump.json"], "no policies"),
    (["-f", "p.yaml"], "no objects"),
    (["-f", "p.yaml", "--objects", "d.json", "--jobs", "0"], "--jobs"),
    (["-f", "p.yaml", "--objects", "d.json", "--constraint-violations-limit", "-1"], "must not be negative"),
])
def test_usage_errors(argv, message, capsys):
    assert main(["audit", *argv]) == 1
    assert message in capsys.readouterr().err


def test_missing_paths_and_bad_policies(inputs, tmp_path, capsys):
    assert main(["audit", *inputs[:2], "--objects", str(tmp_path / "nope.json")]) == 1
    assert "nope.json: no such file or directory" in capsys.readouterr().err
    bad = tmp_path / "bad-policy.yaml"
    bad.write_text("kind: [\n")
    assert main(["audit", "-f", str(bad), "--objects", inputs[3]]) == 1
    err = capsys.readouterr().err
    assert "bad-policy.yaml" in err and "Traceback" not in err


def test_progress_line_on_a_terminal(inputs, capsys, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert main(["audit", *inputs]) == 0
    err = capsys.readouterr().err
    assert err.startswith("\r") and err.endswith("\r31 objects, " + err.rsplit(", ", 1)[1])
    assert main(["audit", *inputs, "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_bar_format():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(10)
    bar(12345)
    bar.finish()
    text = stream.getvalue()
    assert text.startswith("\r10 objects, ") and "\r12345 objects, " in text and text.endswith("/s\n")
