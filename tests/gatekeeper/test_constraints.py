"""Constraint loading: §2 of GATEKEEPER-SEMANTICS.md (validation pipeline, defaults, actions)."""

from __future__ import annotations

import copy

import pytest

from regolite.errors import RegoError
from regolite.gatekeeper.constraints import (
    AUDIT,
    GATOR,
    SCHEMA,
    SELECTOR,
    UNKNOWN_FIELDS,
    WEBHOOK,
    ConstraintError,
    constraint_schema,
    load_constraint,
    validate,
)
from regolite.gatekeeper.documents import read_documents
from regolite.gatekeeper.templates import load_template
from tests.conftest import require_shared
from tests.factories import constraint, template

REGO = 'package x\nviolation[{"msg": "m"}] { true }\n'

SCHEMA_V1 = {
    "type": "object",
    "properties": {
        "repos": {"type": "array", "items": {"type": "string"}},
        "count": {"type": "integer"},
        "ratio": {"type": "number"},
        "mode": {"type": "string", "enum": ["strict", "lax"], "default": "strict"},
        "flag": {"type": "boolean"},
        "maybe": {"type": "string", "nullable": True},
        "labels": {"type": "array", "items": {
            "type": "object",
            "required": ["key"],
            "properties": {"key": {"type": "string"}, "regex": {"type": "string", "default": ".*"}},
        }},
        "limits": {"type": "object", "additionalProperties": {"type": "integer"}},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "nested": {"type": "object", "properties": {"inner": {"type": "object", "properties": {
            "deep": {"type": "string", "default": "d"}}}}},
        "short": {"type": "string", "maxLength": 3, "pattern": "^[a-z]+$"},
        "bounded": {"type": "integer", "minimum": 1, "maximum": 10},
    },
}


@pytest.fixture(scope="module")
def templates():
    out = {}
    for doc in (template(REGO, kind="K8sTyped", schema=SCHEMA_V1),
                template(REGO, kind="K8sNoSchema"),
                template(REGO, kind="K8sLegacy", api="v1beta1"),
                template(REGO, kind="K8sLegacyTyped", api="v1beta1",
                             schema={"properties": {"repos": {"type": "array", "items": {"type": "string"}}}})):
        t = load_template(doc)
        out[t.kind] = t
    return out


def fails(doc, templates, match, *, category=None, **kw):
    with pytest.raises(ConstraintError) as e:
        load_constraint(doc, templates, source="c.yaml", **kw)
    assert match in e.value.message, e.value.message
    if category is not None:
        assert e.value.category == category
    return e.value


# --- loading ---------------------------------------------------------------------------------


def test_valid_constraint(templates):
    doc = constraint("K8sTyped", parameters={"repos": ["a"], "count": 3}, match={"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]})
    c = load_constraint(doc, templates, source="c.yaml")
    assert (c.kind, c.name, c.api_version) == ("K8sTyped", "c1", "constraints.gatekeeper.sh/v1beta1")
    assert c.parameters == {"repos": ["a"], "count": 3, "mode": "strict"}
    assert c.match == {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}
    assert c.enforcement_action == "deny"
    assert c.object["spec"]["enforcementAction"] == "deny"
    assert c.template is templates["K8sTyped"]
    assert c.key == ("K8sTyped", "c1")
    assert c.source == "c.yaml"


def test_input_document_is_not_modified(templates):
    doc = constraint("K8sTyped", parameters={"repos": ["a"]})
    before = copy.deepcopy(doc)
    load_constraint(doc, templates)
    assert doc == before


def test_status_removed_and_namespace_ignored(templates):
    doc = constraint("K8sTyped")
    doc["status"] = {"byPod": []}
    doc["metadata"]["namespace"] = "somewhere"
    c = load_constraint(doc, templates)
    assert "status" not in c.object


def test_no_spec_means_no_parameters_and_deny(templates):
    c = load_constraint(constraint("K8sTyped"), templates)
    assert c.parameters == {} and c.match == {} and c.enforcement_action == "deny"
    assert "spec" not in c.object  # defaults only fill existing parents


def test_alpha_version_accepted(templates):
    assert load_constraint(constraint("K8sTyped", api="constraints.gatekeeper.sh/v1alpha1"), templates).name == "c1"


def test_error_is_a_rego_error_naming_file_kind_and_name(templates):
    err = fails(constraint("K8sTyped", parameters={"repos": "x"}), templates, "spec.parameters.repos: expected array, got string")
    assert isinstance(err, RegoError)
    assert str(err) == ("c.yaml: K8sTyped/c1: schema validation failed: "
                        "spec.parameters.repos: expected array, got string")
    assert err.field == "spec.parameters.repos"
    assert err.is_schema_error


# --- §2.3 step 1: metadata --------------------------------------------------------------------


def test_missing_name(templates):
    doc = constraint("K8sTyped")
    del doc["metadata"]["name"]
    fails(doc, templates, "invalid Constraint: missing metadata.name")


def test_missing_kind(templates):
    doc = constraint("K8sTyped")
    del doc["kind"]
    fails(doc, templates, "invalid Constraint: missing kind")


def test_wrong_group(templates):
    fails(constraint("K8sTyped", api="other.io/v1beta1"), templates,
          'wrong API Group for Constraint "c1", got "other.io" but need "constraints.gatekeeper.sh"')


def test_not_an_object(templates):
    fails("nope", templates, "expected an object")


# --- step 2: template --------------------------------------------------------------------------


def test_missing_template(templates):
    err = fails(constraint(kind="K8sUnknown"), templates, 'missing ConstraintTemplate: template "k8sunknown" not found')
    assert err.category == "missing_template"


def test_template_named_with_capitals_is_never_found():
    doc = template(REGO, kind="K8sCaps")
    doc["metadata"]["name"] = "K8sCaps"
    t = load_template(doc)
    fails(constraint(kind="K8sCaps"), {t.kind: t}, 'template "k8scaps" not found')


def test_missing_template_before_schema_errors(templates):
    fails(constraint(kind="K8sUnknown", enforcementAction=3), templates, "missing ConstraintTemplate")


# --- step 3: label selectors -----------------------------------------------------------------------


@pytest.mark.parametrize("selector, message", [
    ({"matchExpressions": [{"key": "a", "operator": "Foo"}]},
     'spec.labelSelector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator'),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     "spec.labelSelector.matchExpressions[0].values: Required value"),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": []}]},
     "spec.labelSelector.matchExpressions[0].values: Required value"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     "spec.labelSelector.matchExpressions[0].values: Forbidden"),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist", "values": ["x"]}]},
     "spec.labelSelector.matchExpressions[0].values: Forbidden"),
    ({"matchExpressions": [{"key": "bad key", "operator": "Exists"}]},
     'spec.labelSelector.matchExpressions[0].key: Invalid value: "bad key"'),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["bad value"]}]},
     'spec.labelSelector.matchExpressions[0].values[0]: Invalid value: "bad value"'),
    ({"matchLabels": {"ok/": "v"}}, "spec.labelSelector.matchLabels"),
    ({"matchLabels": {"a": "-bad-"}}, 'spec.labelSelector.matchLabels: Invalid value: "-bad-"'),
])
@pytest.mark.parametrize("which", ["labelSelector", "namespaceSelector"])
def test_selector_errors(templates, selector, message, which):
    err = fails(constraint("K8sTyped", match={which: selector}), templates, "invalid Constraint: " + message, category=SELECTOR)
    assert not err.is_schema_error


def test_valid_selectors(templates):
    sel = {"matchLabels": {"example.com/app": "web", "tier": ""},
           "matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "y"]},
                                {"key": "b", "operator": "DoesNotExist"}]}
    load_constraint(constraint("K8sTyped", match={"labelSelector": sel, "namespaceSelector": sel}), templates)


def test_selector_errors_before_version_errors(templates):
    doc = constraint("K8sTyped", api="constraints.gatekeeper.sh/v1",
                     match={"labelSelector": {"matchExpressions": [{"key": "a", "operator": "Foo"}]}})
    fails(doc, templates, "not a valid selector operator")


# --- step 4: name, kind, version -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Upper", "under_score", "-dash", "a" * 254])
def test_name_must_be_dns_subdomain(templates, name):
    fails(constraint("K8sTyped", name=name), templates, "invalid Constraint: invalid name:")


def test_wrong_kind_case(templates):
    fails(constraint(kind="k8styped"), templates, 'wrong kind "k8styped"')


def test_version_v1_rejected(templates):
    fails(constraint("K8sTyped", api="constraints.gatekeeper.sh/v1"), templates,
          'unsupported version "v1" for Constraint "c1"; supported versions: map[v1alpha1:true v1beta1:true]')


def test_name_checked_before_schema(templates):
    fails(constraint("K8sTyped", name="Bad", parameters={"repos": "x"}), templates, "invalid name")


# --- step 5: schema validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("params, message", [
    ({"repos": "x"}, "spec.parameters.repos: expected array, got string"),
    ({"repos": [1]}, "spec.parameters.repos[0]: expected string, got integer"),
    ({"count": 1.5}, "spec.parameters.count: expected integer, got number"),
    ({"count": "3"}, "spec.parameters.count: expected integer, got string"),
    ({"count": True}, "spec.parameters.count: expected integer, got boolean"),
    ({"ratio": "1"}, "spec.parameters.ratio: expected number, got string"),
    ({"flag": "true"}, "spec.parameters.flag: expected boolean, got string"),
    ({"flag": None}, "spec.parameters.flag: expected boolean, got null"),
    ({"mode": "other"}, 'spec.parameters.mode: Unsupported value: "other": supported values: "strict", "lax"'),
    ({"labels": [{"regex": "x"}]}, "spec.parameters.labels[0].key: Required value"),
    ({"limits": {"cpu": "x"}}, "spec.parameters.limits.cpu: expected integer, got string"),
    ({"short": "abcd"}, "spec.parameters.short: Too long: may not be longer than 3"),
    ({"short": "AB"}, "spec.parameters.short: Invalid value: \"AB\": should match '^[a-z]+$'"),
    ({"bounded": 11}, "spec.parameters.bounded: Invalid value: 11: should be less than or equal to 10"),
    ({"bounded": 0}, "spec.parameters.bounded: Invalid value: 0: should be greater than or equal to 1"),
    ("scalar", "spec.parameters: expected object, got string"),
])
def test_parameter_schema_errors(templates, params, message):
    err = fails(constraint("K8sTyped", parameters=params), templates, "schema validation failed: " + message, category=SCHEMA)
    assert err.is_schema_error


def test_integer_and_number_values(templates):
    c = load_constraint(constraint("K8sTyped", parameters={"count": 2.0, "ratio": 2, "bounded": 10, "maybe": None}), templates)
    assert c.parameters["count"] == 2.0 and c.parameters["ratio"] == 2


def test_several_schema_errors_are_aggregated(templates):
    err = fails(constraint("K8sTyped", parameters={"repos": "x", "count": "y"}), templates, "schema validation failed: [")
    assert "spec.parameters.repos" in err.message and "spec.parameters.count" in err.message


@pytest.mark.parametrize("spec, message", [
    ({"enforcementAction": 3}, "spec.enforcementAction: expected string, got integer"),
    ({"match": {"namespaces": ["Prod"]}}, "spec.match.namespaces[0]: Invalid value: \"Prod\""),
    ({"match": {"excludedNamespaces": ["a.b"]}}, "spec.match.excludedNamespaces[0]"),
    ({"match": {"name": "a*b"}}, "spec.match.name"),
    ({"match": {"source": "Any"}}, "spec.match.source: Unsupported value"),
    ({"match": {"kinds": "Pod"}}, "spec.match.kinds: expected array, got string"),
    ({"match": {"labelSelector": {"matchExpressions": [{"operator": "Exists"}]}}},
     "spec.match.labelSelector.matchExpressions[0].key: Required value"),
    ({"scopedEnforcementActions": {"action": "deny"}}, "spec.scopedEnforcementActions: expected array"),
    ({"match": None}, "spec.match: expected object, got null"),
])
def test_constraint_schema_errors(templates, spec, message):
    fails(constraint("K8sTyped", **spec), templates, "schema validation failed: " + message, category=SCHEMA)


def test_globs_accepted(templates):
    load_constraint(constraint("K8sTyped", match={"namespaces": ["prod-*", "*-system", "*mid*", "kube:x"], "name": "web-*",
                                      "scope": "whatever", "source": "Generated"}), templates)


def test_name_longer_than_63_is_a_schema_error(templates):
    fails(constraint("K8sTyped", name="a" * 64), templates, "metadata.name: Too long: may not be longer than 63", category=SCHEMA)


def test_spec_of_wrong_type(templates):
    doc = constraint("K8sTyped")
    doc["spec"] = []
    fails(doc, templates, "spec: expected object, got array", category=SCHEMA)


# --- step 6: unknown fields ---------------------------------------------------------------------------------


def test_unknown_spec_field(templates):
    err = fails(constraint("K8sTyped", someField=1), templates, "invalid Constraint: unknown fields: [spec.someField]",
                category=UNKNOWN_FIELDS)
    assert not err.is_schema_error


def test_unknown_parameter_field_in_v1_template(templates):
    fails(constraint("K8sTyped", parameters={"repos": [], "extra": 1, "labels": [{"key": "k", "more": 2}]}), templates,
          "unknown fields: [spec.parameters.extra spec.parameters.labels[0].more]")


def test_unknown_fields_in_match_and_root(templates):
    doc = constraint("K8sTyped", match={"kinds": [{"kinds": ["Pod"], "version": "v1"}]})
    doc["extra"] = 1
    fails(doc, templates, "unknown fields: [extra spec.match.kinds[0].version]")


def test_metadata_and_status_fields_are_not_unknown(templates):
    doc = constraint("K8sTyped")
    doc["metadata"].update({"labels": {"a": "b"}, "annotations": {"x": "y"}})
    doc["status"] = {"anything": 1}
    load_constraint(doc, templates)


def test_v1_template_without_schema_rejects_parameters(templates):
    fails(constraint(kind="K8sNoSchema", parameters={"a": 1}), templates,
          "unknown fields: [spec.parameters]", category=UNKNOWN_FIELDS)
    assert load_constraint(constraint(kind="K8sNoSchema"), templates).parameters == {}


def test_legacy_template_without_schema_accepts_anything(templates):
    c = load_constraint(constraint(kind="K8sLegacy", parameters={"a": [1, {"b": 2}]}), templates)
    assert c.parameters == {"a": [1, {"b": 2}]}


def test_legacy_template_with_schema_accepts_unknown_keys_but_checks_types(templates):
    c = load_constraint(constraint(kind="K8sLegacyTyped", parameters={"repos": ["a"], "other": 1}), templates)
    assert c.parameters == {"repos": ["a"], "other": 1}
    fails(constraint(kind="K8sLegacyTyped", parameters={"repos": "a"}), templates,
          "spec.parameters.repos: expected array, got string")


def test_preserve_unknown_fields_and_additional_properties(templates):
    c = load_constraint(constraint("K8sTyped", parameters={"free": {"x": {"y": 1}}, "limits": {"cpu": 1}}), templates)
    assert c.parameters["free"] == {"x": {"y": 1}}


def test_prune_unknown_mode(templates):
    c = load_constraint(constraint("K8sTyped", parameters={"repos": [], "extra": 1}, someField=2), templates, prune_unknown=True)
    assert c.parameters == {"repos": [], "mode": "strict"}
    assert "someField" not in c.object["spec"]


def test_schema_errors_come_before_unknown_fields(templates):
    fails(constraint("K8sTyped", parameters={"repos": "x", "extra": 1}), templates, "schema validation failed", category=SCHEMA)


# --- step 7: defaulting -------------------------------------------------------------------------------------------


def test_parameter_defaults_only_when_parameters_exist(templates):
    assert load_constraint(constraint("K8sTyped", match={}), templates).parameters == {}
    assert load_constraint(constraint("K8sTyped", parameters={}), templates).parameters == {"mode": "strict"}


def test_nested_and_item_defaults(templates):
    c = load_constraint(constraint("K8sTyped", parameters={"labels": [{"key": "a"}, {"key": "b", "regex": "x"}],
                                               "nested": {"inner": {}}}), templates)
    assert c.parameters["labels"] == [{"key": "a", "regex": ".*"}, {"key": "b", "regex": "x"}]
    assert c.parameters["nested"] == {"inner": {"deep": "d"}}
    c = load_constraint(constraint("K8sTyped", parameters={"nested": {}}), templates)
    assert c.parameters["nested"] == {}


def test_enforcement_action_defaulted_only_with_spec(templates):
    c = load_constraint(constraint("K8sTyped", parameters={}), templates)
    assert c.object["spec"]["enforcementAction"] == "deny"


# --- step 8 and §2.5: enforcement actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["deny", "dryrun", "warn"])
def test_plain_actions(templates, action):
    c = load_constraint(constraint("K8sTyped", enforcementAction=action), templates)
    assert c.enforcement_action == action
    for point in (WEBHOOK, AUDIT, GATOR):
        assert c.actions_for(point) == [action]
        assert c.evaluated_at(point)
        assert c.scoped_actions_for(point) == []


@pytest.mark.parametrize("action", ["", "foo", "Deny"])
def test_other_strings_are_kept_unvalidated(templates, action):
    c = load_constraint(constraint("K8sTyped", enforcementAction=action), templates)
    assert c.enforcement_action == action and c.actions_for(GATOR) == [action]
    fails(constraint("K8sTyped", enforcementAction=action), templates, "enforcementAction", validate_actions=True)


def test_null_enforcement_action_is_a_schema_error(templates):
    fails(constraint("K8sTyped", enforcementAction=None), templates, "schema validation failed")


def test_scoped_requires_scoped_actions(templates):
    fails(constraint("K8sTyped", enforcementAction="scoped"), templates,
          "invalid Constraint: missing required field: spec.scopedEnforcementActions must be defined",
          category="enforcement_action")


def scoped(*entries):
    return [{"action": a, "enforcementPoints": [{"name": p} for p in points]} for a, points in entries]


def test_scoped_actions_per_enforcement_point(templates):
    doc = constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(
        ("deny", [WEBHOOK]), ("warn", [WEBHOOK, AUDIT]), ("dryrun", [AUDIT]), ("deny", [WEBHOOK])))
    c = load_constraint(doc, templates)
    assert c.enforcement_action == "scoped"
    assert c.actions_for(WEBHOOK) == ["deny", "warn"]
    assert c.actions_for(AUDIT) == ["dryrun", "warn"]
    assert c.actions_for(GATOR) == [] and not c.evaluated_at(GATOR)
    assert c.scoped_actions_for(WEBHOOK) == ["deny", "warn"]


def test_scoped_wildcard_point(templates):
    doc = constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(("warn", ["*"]), ("deny", [GATOR])))
    c = load_constraint(doc, templates)
    assert c.actions_for(GATOR) == ["deny", "warn"]
    assert c.actions_for(WEBHOOK) == ["warn"]


def test_scoped_actions_ignored_unless_scoped(templates):
    c = load_constraint(constraint("K8sTyped", enforcementAction="warn", scopedEnforcementActions=scoped(("deny", ["*"]))),
                        templates)
    assert c.actions_for(GATOR) == ["warn"]


def test_scoped_validation_when_asked(templates):
    ok = constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(("deny", [WEBHOOK, "vap.k8s.io"])))
    load_constraint(ok, templates, validate_actions=True)
    fails(constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(("scoped", [WEBHOOK]))),
          templates, "action", validate_actions=True)
    fails(constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(("deny", ["nowhere"]))),
          templates, 'unrecognized enforcement point "nowhere"', validate_actions=True)
    fails(constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(("deny", []))),
          templates, "enforcementPoints must not be empty", validate_actions=True)
    # gator does not validate: these load fine
    load_constraint(constraint("K8sTyped", enforcementAction="scoped", scopedEnforcementActions=scoped(("x", ["y"]))), templates)


# --- the schema helpers ---------------------------------------------------------------------------------------


def test_constraint_schema_has_no_parameters_for_v1_without_schema(templates):
    schema = constraint_schema(templates["K8sNoSchema"])
    assert "parameters" not in schema["properties"]["spec"]["properties"]
    assert constraint_schema(templates["K8sLegacy"])["properties"]["spec"]["properties"]["parameters"] == {
        "x-kubernetes-preserve-unknown-fields": True}


def test_validate_combinators():
    schema = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert validate("a", schema, "p") == [] and validate(1, schema, "p") == []
    assert validate([], schema, "p")
    one = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert validate(1.5, one, "p") == [] and validate(1, one, "p")
    assert validate(1, {"not": {"type": "integer"}}, "p")
    assert validate({"a": 1}, {"type": "object", "allOf": [{"required": ["b"]}]}, "p") == ["p.b: Required value"]
    assert validate([1, 1], {"type": "array", "uniqueItems": True, "items": {"type": "integer"}}, "p") == [
        "p: Duplicate value: 1"]
    assert validate([], {"type": "array", "minItems": 1}, "p")
    assert validate([1, 2], {"type": "array", "maxItems": 1}, "p")
    assert validate(True, {"enum": [1]}, "p") and validate(1, {"enum": [1.0]}, "p") == []


# --- the gatekeeper-library ------------------------------------------------------------------------------------


def test_library_sample_constraints_load():
    root = require_shared("gatekeeper-library", "library", "general")
    templates = {}
    for path in sorted(root.glob("*/template.yaml")):
        t = load_template(read_documents(path)[0], source=str(path))
        templates[t.kind] = t
    paths = sorted(root.glob("*/samples/*/constraint.yaml"))
    assert len(paths) >= 40
    for path in paths:
        for doc in read_documents(path):
            c = load_constraint(doc, templates, source=str(path))
            assert c.template is templates[c.kind]
            assert c.evaluated_at(GATOR)


@pytest.mark.parametrize("pattern, value, ok", [
    (r"^\d+$", "123", True),
    (r"^\d+$", "\u0663", False),       # Go's \d is ASCII only; Python's re would accept an Arabic-Indic 3
    (r"^(?=a)a$", "a", True),          # no lookahead in Go: the pattern is the template's problem, not checked
    (r"^(a+)+$", "a" * 40 + "b", False),  # RE2 is linear; a backtracking engine would not return
])
def test_parameter_pattern_is_a_go_regexp(pattern, value, ok):
    t = load_template(template(REGO, kind="K8sPattern", schema={"type": "object", "properties": {"p": {"type": "string", "pattern": pattern}}}))
    doc = constraint("K8sPattern", parameters={"p": value})
    if ok:
        assert load_constraint(doc, {t.kind: t}).parameters == {"p": value}
    else:
        fails(doc, {t.kind: t}, f'spec.parameters.p: Invalid value: "{value}": should match', category=SCHEMA)
