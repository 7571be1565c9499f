"""One rule for which documents are reviewed (`regolite.gatekeeper.reviewable`) and
one deny verdict (`engine.denies`), shared by `review`, `bench` and `audit`.

Pins where unifying changed what the commands do:
- `review` skips a document whose apiVersion or kind is an empty string, as bench
  does (it used to stop with `auditing objects: ... has no version`);
- `review` reports a constraint without a kind as gator and bench do (it used to
  skip it with a warning, so the run passed without it);
- `audit` reports a dump object without an apiVersion as a review error, as it does
  one without a kind (it used to review it with an empty group and version);
- `review` and `bench` refuse standard input over the document limit, as `eval`
  does (they used to read it whole).
"""

from __future__ import annotations

import io
import json

import pytest
import yaml

from regolite import limits
from regolite.cli import main
from regolite.gatekeeper.documents import parse_documents
from regolite.gatekeeper.engine import Result, ReviewResult, denies
from regolite.gatekeeper.reviewable import is_reviewable, sort_documents, unreviewable_reason
from tests.gatekeeper.test_audit import NAMES_TEMPLATE

TEMPLATE = NAMES_TEMPLATE  # flags every object whose name does not start with "ok"
PODS = {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}


def flag(name="flag-names", **spec):
    spec.setdefault("match", PODS)
    return {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sFlagNames", "metadata": {"name": name},
            "spec": spec}


def obj(name, kind="Pod", api_version="v1"):
    out = {"metadata": {"name": name}}
    if api_version is not None:
        out["apiVersion"] = api_version
    if kind is not None:
        out["kind"] = kind
    return out


def write(tmp_path, name, docs):
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


# --- the rule ---------------------------------------------------------------------------


def test_sorting_documents():
    docs = parse_documents(yaml.safe_dump_all([
        TEMPLATE, flag(), obj("bad-a"), {"resources": ["a.yaml"]}, obj("x", api_version=""),
        {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "metadata": {"name": "kindless"}},
    ]))
    found = sort_documents(docs)
    assert [d.obj["metadata"]["name"] for d in found.templates] == ["k8sflagnames"]
    assert [d.obj["metadata"]["name"] for d in found.constraints] == ["flag-names", "kindless"]
    assert [d.obj["metadata"]["name"] for d in found.objects] == ["bad-a"]
    assert [d.index for d in found.skipped] == [4, 5]
    assert [d.index for d in found.reviewable] == [1, 2, 3, 6]


@pytest.mark.parametrize("doc, reason", [
    (obj("a"), None),
    (obj("a", kind=None), "cannot review an object without a kind"),
    (obj("a", kind=""), "cannot review an object without a kind"),
    (obj("a", kind=["Pod"]), "cannot review an object without a kind"),
    (obj("a", api_version=None), "cannot review an object without an apiVersion"),
    (obj("a", api_version=""), "cannot review an object without an apiVersion"),
    ([obj("a")], "cannot review a document that is not an object"),
])
def test_what_is_reviewable(doc, reason):
    assert unreviewable_reason(doc) == reason
    assert is_reviewable(doc) is (reason is None)


@pytest.mark.parametrize("action, scoped, denied", [
    ("deny", [], True), ("warn", [], False), ("dryrun", [], False), ("Deny", [], False), ("", [], False),
    ("scoped", ["warn", "deny"], True), ("scoped", ["warn"], False), ("scoped", [], False),
])
def test_the_deny_verdict(action, scoped, denied):
    result = Result("m", None, action, scoped)
    assert denies(result) is denied
    assert ReviewResult([result]).denied() is denied


# --- regolite review ----------------------------------------------------------------------


def test_review_skips_empty_api_version_and_kind_like_bench(tmp_path, capsys):
    policies = write(tmp_path, "policies.yaml", [TEMPLATE, flag()])
    objects = write(tmp_path, "objects.yaml", [obj("bad-a"), obj("bad-b", api_version=""), obj("bad-c", kind="")])
    assert main(["review", "-f", policies, "-f", objects]) == 1
    out, err = capsys.readouterr()
    assert out == 'v1/Pod bad-a: ["flag-names"] Message: "name bad-a is flagged"\n'
    assert err.startswith("warning: skipped 2 document(s) without apiVersion or kind: ")
    assert "auditing objects" not in err


def test_review_reports_a_constraint_without_a_kind(tmp_path, capsys):
    kindless = flag("kindless")
    del kindless["kind"]
    policies = write(tmp_path, "policies.yaml", [TEMPLATE, flag(), kindless])
    objects = write(tmp_path, "objects.yaml", [obj("ok")])
    assert main(["review", "-f", policies, "-f", objects]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "error: auditing objects: " in err and "missing kind" in err


def test_review_reviews_templates_and_constraints_too(tmp_path, capsys):
    """gator test reviews every object (§7.3): a constraint matching every kind sees the policies."""
    policies = write(tmp_path, "policies.yaml", [TEMPLATE, flag("flag-all", match={})])
    assert main(["review", "-f", policies, "-o", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["violatingObject"]["kind"] for r in rows) == ["ConstraintTemplate", "K8sFlagNames"]


@pytest.mark.parametrize("action, scoped, code, printed", [
    ("deny", None, 1, 1), ("warn", None, 0, 0), ("dryrun", None, 0, 0),
    ("scoped", [{"action": "deny", "enforcementPoints": [{"name": "gator.gatekeeper.sh"}]}], 1, 1),
    ("scoped", [{"action": "warn", "enforcementPoints": [{"name": "*"}]}], 0, 0),
    ("scoped", [{"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]}], 0, 0),
])
def test_review_exit_code_and_deny_only_follow_the_deny_verdict(tmp_path, capsys, action, scoped, code, printed):
    spec = {"enforcementAction": action}
    if scoped is not None:
        spec["scopedEnforcementActions"] = scoped
    policies = write(tmp_path, "policies.yaml", [TEMPLATE, flag(**spec)])
    objects = write(tmp_path, "objects.yaml", [obj("bad-a")])
    assert main(["review", "-f", policies, "-f", objects, "--deny-only", "-o", "json"]) == code
    assert len(json.loads(capsys.readouterr().out)) == printed


@pytest.mark.parametrize("command", ["review", "bench"])
def test_standard_input_is_bounded(command, tmp_path, capsys, monkeypatch):
    text = yaml.safe_dump_all([TEMPLATE, flag(), obj("bad-a")])
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", len(text) - 1)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main([command, "-f", "-", *(["-n", "1", "--warmup", "0"] if command == "bench" else [])]) == 1
    assert f"input too large: more than {len(text) - 1} characters" in capsys.readouterr().err
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", len(text))
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main([command, "-f", "-", *(["-n", "1", "--warmup", "0"] if command == "bench" else [])]) in (0, 1)
    assert "too large" not in capsys.readouterr().err


# --- regolite bench and audit -----------------------------------------------------------------


def test_bench_reviews_only_the_objects(tmp_path, capsys):
    path = write(tmp_path, "all.yaml", [TEMPLATE, flag(), obj("bad-a"), obj("ok"), {"resources": []}])
    assert main(["bench", "-f", path, "-n", "2", "--warmup", "0", "-o", "json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["objectCount"] == 2 and result["violationCount"] == 2
    assert len(result["skippedObjects"]) == 1


def test_audit_reports_an_object_without_an_api_version(tmp_path, capsys):
    policies = write(tmp_path, "policies.yaml", [TEMPLATE, flag()])
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        obj("bad-a"), obj("bad-b", api_version=None), obj("bad-c", kind=None)]}))
    assert main(["audit", "-f", policies, "--objects", str(dump), "-o", "json", "--no-progress"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["totalObjects"] == 3 and report["totalViolations"] == 1 and report["reviewErrors"] == 2
    assert "error: reviewing v1/<no kind> bad-c: review_error: cannot review an object without a kind\n" in err
    assert "error: reviewing /Pod bad-b: review_error: cannot review an object without an apiVersion\n" in err
