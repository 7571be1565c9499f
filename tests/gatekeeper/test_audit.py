"""Audits of object dumps: streaming readers, aggregation (§6.7), workers, constant memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest
import yaml

from regolite.documents import JsonStreamReader
from regolite.gatekeeper.audit import (
    AuditError, AuditReport, iter_objects, run_audit, truncate_message,
)
from regolite.gatekeeper.documents import DocumentError
from tests.factories import constraint, match_pods, pod, template

NAMES_TEMPLATE = template(
    """package k8sflagnames
violation[{"msg": msg}] {
  name := input.review.object.metadata.name
  not startswith(name, "ok")
  msg := sprintf("name %v is flagged", [name])
}
""",
    kind="K8sFlagNames",
)

UNIQUE_TEMPLATE = template(
    """package k8suniqueapp
violation[{"msg": msg}] {
  app := input.review.object.metadata.labels.app
  other := data.inventory.namespace[ns]["v1"]["Pod"][name]
  other.metadata.labels.app == app
  name != input.review.object.metadata.name
  msg := sprintf("app %v also used by %v", [app, name])
}
""",
    kind="K8sUniqueApp",
)


def write_policies(tmp_path, *docs):
    path = tmp_path / "policies.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return [str(path)]


def write_list(path, objects, indent=None):
    path.write_text(json.dumps({"apiVersion": "v1", "items": objects, "kind": "List",
                                "metadata": {"resourceVersion": ""}}, indent=indent))
    return str(path)


@pytest.fixture
def policies(tmp_path):
    return write_policies(tmp_path, NAMES_TEMPLATE, constraint("K8sFlagNames", "flag-names", match=match_pods()))


# --- streaming readers ----------------------------------------------------------------


def test_list_json_lines_and_yaml_read_the_same_objects(tmp_path, monkeypatch):
    objects = [pod(f"p{i}", labels={"n": str(i) * (i % 9), "é": "ü"}) for i in range(300)]
    objects[5]["spec"] = {"replicas": 1234567, "ratio": 0.5, "flags": [True, False, None]}
    dump = write_list(tmp_path / "dump.json", objects[:3] + [None] + objects[3:], indent=2)
    lines = tmp_path / "dump.jsonl"
    lines.write_text("\n".join(json.dumps(o) for o in objects) + "\n\n")
    folder = tmp_path / "yaml"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.yaml").write_text(yaml.safe_dump_all(objects[:150]))
    (folder / "sub" / "b.yml").write_text(yaml.safe_dump_all(objects[150:]))
    (folder / "notes.txt").write_text("not a dump")
    monkeypatch.setattr(JsonStreamReader, "CHUNK", 7)  # every value crosses buffer boundaries
    assert list(iter_objects([dump])) == objects
    assert list(iter_objects([str(lines)])) == objects
    assert list(iter_objects([str(folder)])) == objects


def test_list_items_are_streamed_not_loaded_whole(tmp_path, monkeypatch):
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [pod(f"p{i}") for i in range(5000)]})
    path = tmp_path / "dump.json"
    path.write_text(text)
    monkeypatch.setattr(JsonStreamReader, "CHUNK", 4096)
    largest = 0
    original = JsonStreamReader.fill

    def fill(self):
        nonlocal largest
        more = original(self)
        largest = max(largest, len(self.buf))
        return more

    monkeypatch.setattr(JsonStreamReader, "fill", fill)
    assert sum(1 for _ in iter_objects([str(path)])) == 5000
    assert largest < 3 * 4096 < len(text) // 10


def test_kind_after_items_and_a_plain_object(tmp_path):
    dump = tmp_path / "dump.json"
    dump.write_text('{"items": [{"kind": "Pod", "apiVersion": "v1"}], "kind": "PodList"}\n'
                    '{"kind": "ConfigMap", "apiVersion": "v1", "data": {"items": "x"}}')
    assert [o["kind"] for o in iter_objects([str(dump)])] == ["Pod", "ConfigMap"]


@pytest.mark.parametrize("text, where, message", [
    ('{"kind": "List", "items": [\n  {"kind": "Pod"},\n  {"kind": "Pod" "x"}\n]}', "3:18",
     "items[1]: invalid JSON: Expecting ',' delimiter"),
    ('{"kind": "List", "items": [\n  {"kind": "Pod"},\n  {"kind": "Po', "3:12",
     "items[1]: invalid JSON: unterminated string"),
    ('{"kind": "List", "items": [{"kind": "Pod"}, {"kind": "Pod", "a": [1,', "1:69",
     "items[1]: invalid JSON: unexpected end of file"),
    ('{"kind": "List", "items": [{"kind": "Pod"}, 7]}', "1:45", "items[1]: expected an object, got number"),
    ('{"kind": "Pod"}\n{"kind": "Pod", "x": NaN}\n', "2:22", "document 2: member 'x': invalid JSON: NaN is not JSON"),
    ('{"kind": "List", "items": [{"kind": "Pod"} {"kind": "Pod"}]}', "1:44", "expected ',' or ']'"),
])
def test_malformed_json_names_file_and_position(tmp_path, monkeypatch, text, where, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    for chunk in (5, 1 << 20):
        monkeypatch.setattr(JsonStreamReader, "CHUNK", chunk)
        with pytest.raises(DocumentError) as e:
            list(iter_objects([str(path)]))
        assert str(e.value).startswith(f"{path}:{where}"), str(e.value)
        assert message in str(e.value)


def test_objects_before_a_malformed_item_arrive_first(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"kind": "List", "items": [{"kind": "Pod"}, {"kind": ]}')
    stream = iter_objects([str(path)])
    assert next(stream) == {"kind": "Pod"}
    with pytest.raises(DocumentError):
        next(stream)


def test_malformed_yaml_and_missing_paths(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\n---\nkind: [\n")
    with pytest.raises(DocumentError, match=r"bad\.yaml:\d+:\d+: document_error: document 2"):
        list(iter_objects([str(bad)]))
    with pytest.raises(AuditError, match="no such file"):
        list(iter_objects([str(tmp_path / "missing.json")]))


# --- aggregation --------------------------------------------------------------------


def test_message_cut_at_256_bytes():
    assert truncate_message("a" * 256) == "a" * 256
    assert truncate_message("a" * 257) == "a" * 253 + "..."
    cut = truncate_message("a" * 252 + "€" * 10)  # € is 3 bytes: one byte of the second survives
    assert cut == "a" * 252 + "\ufffd" + "..."
    assert len(truncate_message("€" * 100).encode()) <= 256 + 3


def test_totals_count_everything_and_entries_keep_the_smallest_keys(tmp_path, policies):
    objects = [pod(f"p{i:03d}", namespace=f"ns{i % 3}") for i in range(60)] + [pod("ok-1")]
    dump = write_list(tmp_path / "dump.json", objects)
    report = run_audit(policies, [dump], limit=5)
    (row,) = report.to_json()["constraints"]
    assert row["kind"] == "K8sFlagNames" and row["name"] == "flag-names" and row["totalViolations"] == 60
    keys = [(v["namespace"], v["name"]) for v in row["violations"]]
    smallest = sorted((f"ns{i % 3}", f"p{i:03d}") for i in range(60))[:5]
    assert keys == sorted(smallest, reverse=True)  # written in descending key order (§6.7)
    assert row["violations"][0] == {"group": "", "version": "v1", "kind": "Pod", "namespace": "ns0",
                                    "name": "p012", "message": "name p012 is flagged", "enforcementAction": "deny"}
    assert report.objects == 61 and report.errors == 0
    assert run_audit(policies, [dump], limit=0).to_json()["constraints"][0].get("violations") is None


def test_merge_equals_sequential_aggregation():
    class C:
        def __init__(self, key):
            self.key = key

    class R:
        def __init__(self, msg, action):
            self.msg, self.enforcement_action, self.scoped_actions = msg, action, []
            self.constraint = C(("K", "c"))

    whole, parts = AuditReport(limit=3), [AuditReport(limit=3) for _ in range(4)]
    for i in range(40):
        obj = pod(f"p{(i * 7) % 40}")
        results = [R(f"m{i % 5}", "deny"), R("w", "warn")]
        whole.add_review(obj, results)
        parts[i % 4].add_review(obj, results)
        whole.add_error(f"e{i}")
        parts[i % 4].add_error(f"e{i}")
    merged = AuditReport(limit=3)
    for p in parts:
        merged.merge(p)
    assert merged.to_json() == whole.to_json()
    assert merged.tallies[("K", "c")].total == 80 and merged.errors == 40


def test_two_jobs_give_the_same_report_as_one(tmp_path, policies):
    objects = [pod(f"p{i}", namespace=f"ns{i % 4}") for i in range(400)] + [{"apiVersion": "v1"}]
    dump = write_list(tmp_path / "dump.json", objects)
    one = run_audit(policies, [dump], limit=7).to_json()
    two = run_audit(policies, [dump], limit=7, jobs=2, batch_size=23).to_json()
    for report in (one, two):
        report.pop("auditTimestamp")
        for row in report["constraints"]:
            row.pop("auditTimestamp")
    assert one == two
    assert one["totalObjects"] == 401 and one["reviewErrors"] == 1
    assert "cannot review an object without a kind" in one["errors"][0]


def test_namespaces_later_in_the_dump_feed_namespace_selector(tmp_path):
    policies = write_policies(tmp_path, NAMES_TEMPLATE, constraint(
        "K8sFlagNames", "prod-only",
        match={"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
               "namespaceSelector": {"matchLabels": {"env": "prod"}}}))
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": {"env": env}}}
                  for n, env in (("a", "prod"), ("b", "dev"))]
    dump = write_list(tmp_path / "dump.json", [pod("x", "a"), pod("y", "b"), pod("z", "nowhere")] + namespaces)
    (row,) = run_audit(policies, [dump]).to_json()["constraints"]
    by_name = {v["name"]: v["message"] for v in row["violations"]}
    assert by_name["x"] == "name x is flagged" and "y" not in by_name
    assert "missing Namespace" in by_name["z"]  # not in the dump: the §3.6 autoreject result


def test_inventory_is_opt_in(tmp_path):
    policies = write_policies(tmp_path, UNIQUE_TEMPLATE, constraint("K8sUniqueApp", "unique-app", match=match_pods()))
    dump = write_list(tmp_path / "dump.json", [pod("a", labels={"app": "web"}), pod("b", labels={"app": "web"}),
                                              pod("c", labels={"app": "db"}), {"metadata": {"name": "kindless"}}])
    assert run_audit(policies, [dump]).total_violations == 0
    report = run_audit(policies, [dump], inventory=True)
    assert report.total_violations == 2 and report.errors == 1  # the kindless object is not stored
    assert run_audit(policies, [dump], inventory=True, jobs=2, batch_size=1).total_violations == 2


def test_memory_stays_flat_in_the_number_of_objects(tmp_path, policies, monkeypatch):
    path = tmp_path / "dump.jsonl"
    with path.open("w") as f:
        for i in range(20_000):
            obj = pod(f"p{i}", namespace=f"ns{i % 50}", labels={"app": f"a{i % 10}"})
            if i % 10:
                obj["kind"] = "ConfigMap"  # read and counted, but no constraint applies
            f.write(json.dumps(obj) + "\n")
    monkeypatch.setattr(JsonStreamReader, "CHUNK", 1 << 16)
    run_audit(policies, [str(path)], limit=1)  # warm up: parser tables, compiled template
    progress = []
    tracemalloc.start()
    try:
        report = run_audit(policies, [str(path)], progress=progress.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.objects == 20_000 and report.total_violations == 2_000
    # Measured ~0.5 MB. Keeping every object as a dict takes ~25 MB; keeping all 2,000
    # violation entries instead of the 20 smallest takes ~1.2 MB.
    assert peak < 1_000_000, peak
    assert progress[-1] == 20_000 and progress == sorted(progress)


def test_bad_arguments_and_policies(tmp_path, policies):
    dump = write_list(tmp_path / "dump.json", [pod("p")])
    with pytest.raises(AuditError, match="negative"):
        run_audit(policies, [dump], limit=-1)
    empty = tmp_path / "empty.yaml"
    empty.write_text(yaml.safe_dump(NAMES_TEMPLATE))
    with pytest.raises(AuditError, match="no constraints"):
        run_audit([str(empty)], [dump])
