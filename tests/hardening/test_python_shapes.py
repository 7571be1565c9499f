"""Python shapes of JSON data: dict and list subclasses, tuples.

Generated code tests exact types (`type(x) is dict`), so an object under
review given as an OrderedDict, a ruamel CommentedMap (a dict subclass), a
list subclass or a tuple read as no object at all: `Gatekeeper.review` gave
no violation and `admit` allowed a Pod that must be denied. The Gatekeeper
entry points now make the review document plain (or refuse it with a clear
error); `Policy.eval_rule`/`query` convert an input document whose top level
is such a shape.
"""

from __future__ import annotations

import collections
import copy

import pytest
import yaml

import regolite
from regolite import RegoError
from regolite.gatekeeper.engine import Gatekeeper
from regolite.gatekeeper.review import ReviewError
from tests.conftest import require_shared
from tests.factories import pod
from tests.server.policy_fixtures import ALLOWED_REPOS_TEMPLATE, constraint_yaml, pod_review


class CommentedMap(dict):
    """What ruamel.yaml's round-trip loader builds for mappings: a dict subclass."""


class CommentedSeq(list):
    """ruamel.yaml's sequences: a list subclass."""


def reshaped(value, mapping, sequence):
    """`value` with every dict made by `mapping` and every list by `sequence`."""
    if isinstance(value, dict):
        return mapping((k, reshaped(v, mapping, sequence)) for k, v in value.items())
    if isinstance(value, list):
        return sequence(reshaped(v, mapping, sequence) for v in value)
    return value


def only_containers_as_tuple(value):
    out = copy.deepcopy(value)
    obj = out["request"]["object"] if "request" in out else out
    obj["spec"]["containers"] = tuple(collections.OrderedDict(c) for c in obj["spec"]["containers"])
    return out


SHAPES = {
    "OrderedDict": lambda v: reshaped(v, collections.OrderedDict, list),
    "CommentedMap": lambda v: reshaped(v, CommentedMap, CommentedSeq),
    "list subclass": lambda v: reshaped(v, dict, CommentedSeq),
    "tuple": lambda v: reshaped(v, dict, tuple),
    "tuple inside": only_containers_as_tuple,
}


@pytest.fixture(scope="module")
def gate():
    """The library's allowedrepos template, with repos limited to `good/`."""
    g = Gatekeeper()
    g.add_template(yaml.safe_load(ALLOWED_REPOS_TEMPLATE))
    g.add_constraint(yaml.safe_load(constraint_yaml("good-repos-only", ["good/"])))
    return g


BAD_POD = pod("web", images=["bad/x:1"])


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_review_denies_whatever_the_python_shape(gate, shape):
    expected = gate.review(BAD_POD).messages
    assert expected and "bad/x:1" in expected[0]
    assert gate.review(SHAPES[shape](BAD_POD)).messages == expected


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_admit_denies_whatever_the_python_shape(gate, shape):
    review = pod_review("bad/x:1", uid="u1")
    expected = gate.admit(review)["response"]
    assert expected["allowed"] is False and expected["status"]["code"] == 403
    assert gate.admit(SHAPES[shape](review))["response"] == expected


@pytest.mark.parametrize("value", [{1, 2}, frozenset({"a"}), b"bytes", float("nan")],
                         ids=["set", "frozenset", "bytes", "nan"])
def test_what_json_cannot_hold_is_a_clear_review_error(gate, value):
    obj = copy.deepcopy(BAD_POD)
    obj["spec"]["x"] = value
    with pytest.raises(ReviewError, match=r"not JSON data: .*spec|not a valid Rego number at \$\.object\.spec\.x"):
        gate.review(obj)
    response = gate.admit({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "request": {**pod_review("bad/x:1")["request"], "object": obj}})["response"]
    assert response["allowed"] is False and response["status"]["code"] == 500


def test_keys_that_are_not_strings_become_strings_as_in_json(gate):
    obj = copy.deepcopy(BAD_POD)
    obj["metadata"]["labels"] = {1: "a", True: "b", None: "c"}
    assert gate.review(obj).messages == gate.review(BAD_POD).messages


def test_a_library_template_denies_a_ruamel_shaped_namespace():
    """The library's requiredlabels sample: a label value the regex refuses."""
    folder = require_shared("gatekeeper-library", "library", "general", "requiredlabels")
    g = Gatekeeper.from_paths([str(folder / "template.yaml"),
                               str(folder / "samples" / "all-must-have-owner" / "constraint.yaml")])
    bad = yaml.safe_load((folder / "samples" / "all-must-have-owner" / "example_disallowed_label_value.yaml").read_text())
    expected = g.review(bad).messages
    assert len(expected) == 1 and "owner" in expected[0]
    for shape in SHAPES.values():
        if shape is not only_containers_as_tuple:
            assert g.review(shape(bad)).messages == expected


POLICY = """package p
import rego.v1
images contains c.image if some c in input.spec.containers
kind := input.kind
first_kind := input[0].kind
"""


@pytest.mark.parametrize("shape", ["OrderedDict", "CommentedMap"])
def test_eval_rule_and_query_convert_an_input_document_of_another_shape(shape):
    """Documents from json's object_pairs_hook or ruamel are subclasses at every level;
    only the top level is tested (one type test), the whole document converted."""
    policy = regolite.compile({"p.rego": POLICY})
    document = SHAPES[shape](BAD_POD)
    assert policy.eval_rule("data.p.images", input=document) == ["bad/x:1"]
    assert policy.query("x := data.p.kind", input=document)[0]["bindings"] == {"x": "Pod"}


def test_eval_rule_converts_a_tuple_input():
    policy = regolite.compile({"p.rego": POLICY})
    assert policy.eval_rule("data.p.first_kind", input=(BAD_POD,)) == "Pod"


def test_eval_rule_refuses_an_input_document_json_cannot_hold():
    policy = regolite.compile({"p.rego": POLICY})
    with pytest.raises(RegoError, match="input is not JSON data"):
        policy.eval_rule("data.p.kind", input=collections.OrderedDict(kind=float("nan")))
