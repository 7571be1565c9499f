"""The persistent compile cache: hits skip the compiler, anything odd is a miss."""

from __future__ import annotations

import json
import os
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import regolite
from regolite import policy as policy_module
from regolite.ast import Location
from regolite.cache import CompileCache, decode, encode
from regolite.values import RegoSet, equal, make_object

SOURCE = {"p.rego": 'package x\nimport rego.v1\nallow if input.user == "admin"\nnames contains n if some n in input.names\n'}


@pytest.fixture
def cache(tmp_path):
    return CompileCache(str(tmp_path / "cache"))


def entries(cache) -> list:
    """The paths of the cache's entries (not its MAC secret)."""
    return sorted(os.path.join(cache.directory, f) for f in os.listdir(cache.directory) if f.endswith(".json"))


def test_second_compile_is_a_hit_that_parses_nothing(cache, monkeypatch):
    first = regolite.compile(SOURCE, cache=cache)
    assert len(entries(cache)) == 1

    def no_parsing(*args, **kwargs):
        raise AssertionError("a cache hit must not parse")

    monkeypatch.setattr(policy_module, "parse_module", no_parsing)
    second = regolite.compile(SOURCE, cache=cache)
    assert second.source == first.source
    assert second.eval_rule("data.x.allow", input={"user": "admin"}) is True
    assert second.eval_rule("data.x.names", input={"names": ["b", "a"]}) == ["a", "b"]
    monkeypatch.undo()
    # an ad-hoc query needs the program: rebuilt on demand, consistent with the cached code
    assert second.query("some n in data.x.names", input={"names": ["a"]})[0]["bindings"] == {"n": "a"}


def test_changed_source_or_version_is_another_entry(cache):
    regolite.compile(SOURCE, cache=cache)
    regolite.compile({"p.rego": SOURCE["p.rego"] + "extra := 1\n"}, cache=cache)
    regolite.compile({"p.rego": "package x\nallow { true }\n"}, cache=cache, rego_version="v0")
    assert len(entries(cache)) == 3


def test_corrupt_or_tampered_entries_are_misses(cache):
    regolite.compile(SOURCE, cache=cache)
    (entry,) = entries(cache)
    header, payload = open(entry).read().split("\n", 1)
    doc = json.loads(payload)
    doc["source"] += "\nimport os\n"
    open(entry, "w").write(header + "\n" + json.dumps(doc))
    p = regolite.compile(SOURCE, cache=cache)  # MAC mismatch: compiled afresh
    assert "import os" not in p.source
    open(entry, "w").write("{not json")
    assert regolite.compile(SOURCE, cache=cache).eval_rule("data.x.allow", input={"user": "admin"}) is True


def test_a_directory_others_can_write_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    cache = CompileCache(str(shared))
    assert not cache.usable
    regolite.compile(SOURCE, cache=cache)
    assert os.listdir(shared) == []


def test_gatekeeper_templates_load_from_the_cache(cache, monkeypatch):
    from regolite.gatekeeper import templates
    from regolite.gatekeeper.engine import Gatekeeper

    doc = {
        "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sdemo"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sDemo"}}}, "targets": [{
            "target": "admission.k8s.gatekeeper.sh",
            "rego": 'package k8sdemo\nviolation[{"msg": "no"}] { input.review.object.kind == "Pod" }\n'}]},
    }
    Gatekeeper(cache=cache).add_template(doc)
    monkeypatch.setattr(templates, "check_rego", lambda *a, **k: pytest.fail("a cached template is not re-checked"))
    gate = Gatekeeper(cache=cache)
    gate.add_template(doc)
    gate.add_constraint({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sDemo", "metadata": {"name": "d"}})
    assert gate.review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}).messages == ["no"]


constants = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    | st.fractions().map(Fraction) | st.builds(Location, st.text(), st.integers(0, 99), st.integers(0, 99)),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.lists(st.tuples(st.text(max_size=3) | st.integers(), inner), max_size=3).map(make_object),
    max_leaves=8,
)


@given(constants)
def test_constant_pool_encoding_round_trips(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert type(back) is type(value)
    if isinstance(value, (Location, tuple)):
        assert back == value
    else:
        assert equal(back, value) or back == value


def test_sets_round_trip():
    s = RegoSet([1, "a", (True)])
    assert decode(json.loads(json.dumps(encode(s)))) == s


def test_the_same_modules_in_another_order_are_another_entry(cache):
    """Rules are numbered in module order: code cached for one order must not
    serve the other, whose ad-hoc queries would name the wrong rules."""
    a = {"a.rego": "package a\nx := 1\n", "b.rego": "package b\ny := 2\n"}
    b = dict(reversed(list(a.items())))
    first = regolite.compile(a, cache=cache)
    second = regolite.compile(b, cache=cache)
    assert len(entries(cache)) == 2
    again = regolite.compile(b, cache=cache)  # a hit: its queries compile against a rebuilt rule tree
    assert again.artifact.tree is None
    for policy in (first, second, again):
        assert policy.query("v := [data.a.x, data.b.y]")[0]["bindings"] == {"v": [1, 2]}


def test_a_rebuilt_rule_tree_must_match_the_cached_code(cache):
    regolite.compile(SOURCE, cache=cache)
    hit = regolite.compile(SOURCE, cache=cache)
    hit.artifact.layout = [["rule_0", ["elsewhere"]]]  # as if the modules had changed under the entry
    with pytest.raises(regolite.RegoCompileError, match="does not match its modules"):
        hit.query("data.x.allow")
