"""One reader for documents (`regolite.documents`): the JSON-constant check every
reader shares, with each caller's own wording; one List rule for whole files and
streamed dumps (the layering itself is tests/test_architecture.py's)."""

from __future__ import annotations

import json

import pytest

from regolite import documents, limits, loader
from regolite.builtins import BuiltinError, gojson
from regolite.documents import DocumentError, NotJsonNumber, reject_json_constant
from regolite.gatekeeper.bench import BenchError, load_results
from regolite.gatekeeper.documents import iter_file_objects, load_documents
from regolite.gatekeeper.scans import ScanReportError, load_scan_reports



# --- the JSON-constant check --------------------------------------------------------


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_every_reader_refuses_json_constants_in_its_own_words(token, tmp_path):
    with pytest.raises(NotJsonNumber) as e:
        reject_json_constant(token)
    assert e.value.token == token and str(e.value) == f"{token} is not a JSON number"
    text = '{"kind": "Pod", "x": %s}' % token
    # regolite eval -d / -i
    with pytest.raises(loader.LoadError) as e:
        loader.parse_document(text, "in.json")
    assert str(e.value) == f"in.json: invalid JSON: {token} is not a JSON number"
    # audit dumps: the position of the value, and the audit's wording
    dump = tmp_path / "dump.json"
    dump.write_text(text + "\n")
    with pytest.raises(DocumentError) as e:
        list(iter_file_objects(dump))
    assert str(e.value) == f"{dump}:1:22: document_error: document 1: member 'x': invalid JSON: {token} is not JSON"
    # json.unmarshal: Go's scanner words it
    with pytest.raises(BuiltinError, match="invalid character"):
        gojson.unmarshal(text)
    assert gojson.is_valid(text) is False
    # Gatekeeper files: not JSON, so read as YAML, where a plain NaN is a string (as in go-yaml)
    assert load_documents(text) == [{"kind": "Pod", "x": token}]


def test_scan_reports_refuse_json_constants(tmp_path):
    """Scan reports were decoded without the check: a NaN in an ImageScanReport
    written as JSON reached data.inventory."""
    path = tmp_path / "reports.json"
    path.write_text('[{"apiVersion": "scans.regolite.dev/v1", "kind": "ImageScanReport", "metadata": {"name": "a"}, '
                    '"spec": {"image": "a:1", "score": NaN}}]')
    with pytest.raises(ScanReportError) as e:
        load_scan_reports(path)
    assert str(e.value) == f"{path}: scan_report_error: invalid JSON: NaN is not a JSON number"


def test_scan_reports_are_read_bounded(tmp_path, monkeypatch):
    """Scan reports were read whole, whatever their size."""
    path = tmp_path / "reports.json"
    path.write_text("[]")
    assert load_scan_reports(path) == []
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", 1)
    with pytest.raises(ScanReportError) as e:
        load_scan_reports(path)
    assert str(e.value) == f"{path}: scan_report_error: file too large: 2 bytes is more than the limit of 1"


def test_bench_baselines_refuse_json_constants(tmp_path):
    """A saved baseline was decoded without the check: a NaN latency failed every comparison of it."""
    path = tmp_path / "baseline.json"
    path.write_text('[{"engine": "rego", "latencies": {"p50": NaN}}]')
    with pytest.raises(BenchError) as e:
        load_results(str(path))
    assert e.value.message == f"reading baseline {path}: NaN is not a JSON number"


def test_out_of_range_numbers_keep_each_readers_rule():
    assert loader.parse_document('{"n": 1e400}', "in.json") == {"n": 10 ** 400}
    with pytest.raises(loader.LoadError, match="number 1e1000 is out of range"):
        loader.parse_document('{"n": 1e1000}', "in.json")
    assert gojson.unmarshal('{"n": 1e1000}') == {"n": 10 ** 1000}
    with pytest.raises(BuiltinError, match="json: number 1e4001 is too large"):
        gojson.unmarshal('{"n": 1e4001}')
    with pytest.raises(DocumentError, match="n: inf is not a JSON number"):
        load_documents('{"n": 1e400}')


# --- Lists ----------------------------------------------------------------------------


LISTS = [
    ({"kind": "FooList", "items": [{"kind": "Pod"}], "spec": {}},
     [{"kind": "FooList", "items": [{"kind": "Pod"}], "spec": {}}]),  # a spec: an object, not a List
    ({"kind": "List"}, []),
    ({"kind": "List", "items": None}, []),
    ({"kind": "PodList", "items": [{"kind": "Pod"}, None]}, [{"kind": "Pod"}]),
    ({"kind": "PodList", "items": 5}, [{"kind": "PodList", "items": 5}]),  # typed Lists need an items array
]


@pytest.mark.parametrize("doc, objects", LISTS)
@pytest.mark.parametrize("newline", ["", "\n"])
def test_streamed_json_dumps_flatten_lists_as_whole_files_do(doc, objects, newline, tmp_path):
    """Before, a JSON dump flattened any `...List` with an items array (even one with a
    spec) and passed `kind: List` without items through as an object to review."""
    text = json.dumps(doc) + newline
    for name in ("dump.json", "dump.yaml"):
        path = tmp_path / name
        path.write_text(text)
        assert list(iter_file_objects(path)) == objects, name
    assert load_documents(text) == objects


def test_list_whose_items_is_not_a_list_is_an_error_in_every_reader(tmp_path):
    text = '{"kind": "List", "items": 5}\n'
    for name in ("dump.json", "dump.yaml"):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(DocumentError, match="List.items: expected a list, got number"):
            list(iter_file_objects(path))
    with pytest.raises(DocumentError, match="List.items: expected a list, got number"):
        load_documents(text)


def test_errors_in_a_small_list_point_at_the_item(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text('{"kind": "List", "items": [{"kind": "Pod"}, 7]}\n')
    with pytest.raises(DocumentError) as e:
        list(iter_file_objects(path))
    assert str(e.value) == f"{path}:1:45: document_error: document 1: items[1]: expected an object, got number"


def test_documents_module_says_what_it_does():
    assert documents.__doc__ and "JSON" in documents.__doc__ and "YAML" in documents.__doc__
