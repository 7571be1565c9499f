"""Reading Kubernetes documents: multi-document YAML, JSON, Lists, errors, alias bombs."""

from __future__ import annotations

import json

import pytest

from regolite.errors import RegoError
from regolite.gatekeeper.documents import (
    DocumentError,
    load_documents,
    parse_documents,
    read_document_file,
    read_documents,
)


def test_multi_document_yaml_skips_empty_documents():
    text = "---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n...\n---\nc: [1, 2]\n"
    assert load_documents(text) == [{"a": 1}, {"b": 2}, {"c": [1, 2]}]


def test_document_positions():
    docs = parse_documents("a: 1\n---\n\n---\nb: 2\n", source="f.yaml")
    assert [(d.index, d.line) for d in docs] == [(1, 1), (3, 5)]
    assert docs[1].where == "f.yaml document 3 (line 5)"


def test_json_object_and_array():
    assert load_documents('{"kind": "Pod", "n": 1.5}') == [{"kind": "Pod", "n": 1.5}]
    assert load_documents('[{"a": 1}, {"b": 2}]') == [{"a": 1}, {"b": 2}]


def test_kubectl_list_is_flattened():
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {},
           "items": [{"kind": "Pod", "metadata": {"name": "a"}}, {"kind": "Pod", "metadata": {"name": "b"}}]}
    docs = parse_documents(json.dumps(doc), source="list.json")
    assert [d.obj["metadata"]["name"] for d in docs] == ["a", "b"]
    assert [d.item for d in docs] == [0, 1]


def test_typed_list_and_yaml_list_are_flattened():
    text = "apiVersion: v1\nkind: PodList\nitems:\n- kind: Pod\n---\nkind: List\nitems: []\n---\nkind: List\n"
    assert load_documents(text) == [{"kind": "Pod"}]


def test_list_item_that_is_not_an_object():
    with pytest.raises(DocumentError) as e:
        load_documents("kind: List\nitems:\n- 3\n", source="l.yaml")
    assert "items[0]" in str(e.value) and "l.yaml" in str(e.value)


def test_list_items_not_a_list():
    with pytest.raises(DocumentError, match="items: expected a list"):
        load_documents("kind: List\nitems: 3\n")


def test_non_mapping_document_names_file_index_and_line():
    with pytest.raises(DocumentError) as e:
        load_documents("a: 1\n---\njust a string\n", source="bad.yaml")
    err = e.value
    assert isinstance(err, RegoError)
    assert err.code == "document_error"
    assert err.index == 2 and err.line == 3
    assert str(err).startswith("bad.yaml:3:1: document_error: document 2: expected a mapping")


def test_malformed_yaml():
    with pytest.raises(DocumentError) as e:
        load_documents("a: 1\n---\nb: [1, 2\nc: 3\n", source="broken.yaml")
    assert e.value.index == 2
    assert e.value.line >= 3
    assert "broken.yaml" in str(e.value) and "invalid YAML" in str(e.value)


def test_malformed_yaml_mapping():
    with pytest.raises(DocumentError, match="invalid YAML"):
        load_documents("a: b: c\n")


def test_tabs_and_bad_indentation():
    with pytest.raises(DocumentError):
        load_documents("a:\n\t- b\n")


def test_yaml_1_2_is_the_default():
    doc = load_documents("a: yes\nb: on\nc: 010\nd: 0o10\ne: 0x1f\nf: true\ng: 1.5e3\nh: ~\n")[0]
    assert doc["a"] == "yes" and doc["b"] == "on"
    assert doc["c"] == 10 and doc["d"] == 8 and doc["e"] == 31
    assert doc["f"] is True and doc["g"] == 1500.0 and doc["h"] is None


def test_non_finite_numbers_are_refused():
    with pytest.raises(DocumentError, match="not a JSON number"):
        load_documents("a: .inf\n")


def test_yaml_1_1_booleans():
    doc = load_documents("a: yes\nb: off\nc: 010\n", yaml_version="1.1")[0]
    assert doc == {"a": True, "b": False, "c": 8}


def test_timestamps_stay_strings():
    assert load_documents("t: 2024-01-02T03:04:05Z\nd: 2024-01-02\n") == [
        {"t": "2024-01-02T03:04:05Z", "d": "2024-01-02"}]


def test_non_string_keys_become_strings():
    assert load_documents("1: a\ntrue: b\n") == [{"1": "a", "true": "b"}]


def test_binary_values_are_refused():
    with pytest.raises(DocumentError, match="not a JSON value"):
        load_documents("a: !!binary aGVsbG8=\n")


def test_small_aliases_are_expanded_and_not_shared():
    docs = load_documents("base: &b {x: 1}\none: *b\ntwo: *b\n")
    doc = docs[0]
    assert doc["one"] == {"x": 1} and doc["two"] == {"x": 1}
    doc["one"]["x"] = 2
    assert doc["two"]["x"] == 1


def test_merge_keys():
    assert load_documents("a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n")[0]["b"] == {"x": 1, "y": 2}


BOMB = "\n".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
) + "\n"


def test_billion_laughs_is_refused():
    with pytest.raises(DocumentError, match="excessive aliasing"):
        load_documents(BOMB, source="bomb.yaml")


def test_recursive_alias_is_refused():
    with pytest.raises(DocumentError, match="recursive"):
        load_documents("a: &a\n  b: *a\n")


def test_undefined_alias():
    with pytest.raises(DocumentError, match="alias"):
        load_documents("a: *nothing\n")


def test_read_documents_from_file(tmp_path):
    path = tmp_path / "objs.yaml"
    path.write_text("kind: A\n---\nkind: B\n")
    assert read_documents(path) == [{"kind": "A"}, {"kind": "B"}]
    assert read_document_file(path)[1].source == str(path)


def test_missing_file(tmp_path):
    with pytest.raises(DocumentError) as e:
        read_documents(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(e.value)


def test_bytes_with_bom_and_invalid_utf8():
    assert load_documents("\ufeffa: 1\n".encode("utf-8")) == [{"a": 1}]
    with pytest.raises(DocumentError, match="UTF-8"):
        load_documents(b"a: \xff\n")


def test_invalid_json_falls_back_to_yaml_errors():
    with pytest.raises(DocumentError):
        load_documents('{"a": 1,,}', source="x.json")


def test_flow_yaml_that_is_not_json():
    assert load_documents("{a: 1, b: [x]}") == [{"a": 1, "b": ["x"]}]


def test_bad_yaml_version_argument():
    with pytest.raises(ValueError):
        load_documents("a: 1", yaml_version="1.3")
