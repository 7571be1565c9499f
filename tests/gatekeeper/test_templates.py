"""ConstraintTemplate loading: §1.3-§1.11 of GATEKEEPER-SEMANTICS.md."""

from __future__ import annotations

import copy

import pytest

from regolite.errors import RegoError
from regolite.gatekeeper.documents import read_documents
from regolite.gatekeeper.templates import (
    TemplateError,
    Template,
    load_template,
)
from tests.conftest import require_shared
from tests.factories import template

REGO = """package k8sthing

violation[{"msg": msg}] {
  input.review.object.bad == true
  msg := sprintf("bad: %v", [input.parameters.word])
}
"""

REGO_V1 = """package k8sthing

violation contains {"msg": msg} if {
  input.review.object.bad == true
  msg := "bad v1"
}
"""


def rego_code(rego, version=None, libs=None):
    source = {"rego": rego}
    if version is not None:
        source["version"] = version
    if libs is not None:
        source["libs"] = libs
    return [{"engine": "Rego", "source": source}]


def fails(doc, match, **kw):
    with pytest.raises(TemplateError) as e:
        load_template(doc, source="t.yaml", **kw)
    assert match in e.value.message, e.value.message
    return e.value


def compile_fails(doc, match):
    t = load_template(doc, source="t.yaml")
    with pytest.raises(TemplateError) as e:
        t.policy()
    assert match in e.value.message, e.value.message
    return e.value


def violations(t: Template, obj, params=None):
    return t.policy().eval_rule(t.violation_rule, input={"review": {"object": obj}, "parameters": params or {}})


# --- a valid template -------------------------------------------------------------


def test_valid_template_fields_and_evaluation():
    t = load_template(template(REGO, schema={"type": "object", "properties": {"word": {"type": "string"}}}),
                      source="t.yaml")
    assert (t.name, t.kind, t.api_version) == ("k8sthing", "K8sThing", "templates.gatekeeper.sh/v1")
    assert t.target == "admission.k8s.gatekeeper.sh"
    assert t.rego_version == "v0" and t.libs == [] and not t.cel_only
    assert t.engines == ["Rego"]
    assert t.violation_rule == "data.template.violation"
    assert violations(t, {"bad": True}, {"word": "x"}) == [{"msg": "bad: x"}]
    assert violations(t, {"bad": False}) == []


def test_policy_is_compiled_once():
    t = load_template(template(REGO))
    assert t.policy() is t.policy()


def test_package_name_is_irrelevant():
    t = load_template(template(REGO.replace("package k8sthing", "package something.else")))
    assert violations(t, {"bad": True}, {"word": "w"}) == [{"msg": "bad: w"}]


def test_template_error_is_a_rego_error_naming_file_and_template():
    err = fails(template(rego="package x\np := 1"), "missing required rules")
    assert isinstance(err, RegoError)
    assert str(err).startswith('t.yaml: ConstraintTemplate "k8sthing": invalid ConstraintTemplate:')
    assert err.name == "k8sthing" and err.source == "t.yaml"


def test_not_a_template():
    fails({"apiVersion": "v1", "kind": "Pod"}, "not a ConstraintTemplate")
    fails([], "expected an object")
    fails(template(REGO, api="v2"), 'unsupported ConstraintTemplate version "v2"')


@pytest.mark.parametrize("api", ["v1", "v1beta1", "v1alpha1"])
def test_all_served_versions(api):
    assert load_template(template(REGO, api=api)).api_version == f"templates.gatekeeper.sh/{api}"


# --- §1.3 name and kind -------------------------------------------------------------


def test_kind_required():
    fails(template(REGO, kind="", name="k8sthing"), 'ConstraintTemplate "k8sthing" does not specify CRD Kind')


def test_name_must_equal_lower_kind():
    fails(template(REGO, name="other"),
          "the ConstraintTemplate's name \"other\" is not equal to the lowercase of CRD's Kind: \"k8sthing\"")


def test_name_with_capitals_is_accepted():
    assert load_template(template(REGO, name="K8sThing")).name == "K8sThing"


def test_kind_at_most_59_characters():
    load_template(template(REGO, kind="K" * 59))
    err = fails(template(REGO, kind="K" * 60), "CustomResourceDefinition")
    assert "spec.names.listKind" in err.message


def test_kind_must_be_a_dns_label():
    fails(template(REGO, kind="K8s_Thing"), "spec.names.plural")
    fails(template(REGO, kind="9Thing"), "DNS-1035")


def test_short_names_must_be_dns_labels():
    doc = template(REGO)
    doc["spec"]["crd"]["spec"]["names"]["shortNames"] = ["ok", "Not_OK"]
    fails(doc, "spec.names.shortNames[1]")


# --- §1.4 targets --------------------------------------------------------------------


def test_exactly_one_target():
    doc = template(REGO)
    doc["spec"]["targets"] = []
    fails(doc, "must declare exactly one target")
    doc["spec"]["targets"] = [template(REGO)["spec"]["targets"][0]] * 2
    fails(doc, "must declare exactly one target")
    del doc["spec"]["targets"]
    fails(doc, "must declare exactly one target")


def test_target_name():
    doc = template(REGO)
    doc["spec"]["targets"][0]["target"] = ""
    fails(doc, "target name must not be empty")
    doc["spec"]["targets"][0]["target"] = "other.target"
    fails(doc, 'target "other.target" not recognized, known targets [admission.k8s.gatekeeper.sh]')


# --- §1.6 schema -----------------------------------------------------------------------


def test_parameters_schema_table():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    t = load_template(template(REGO, api="v1", schema=schema))
    assert t.legacy_schema is False and t.parameters_schema == schema
    t = load_template(template(REGO, api="v1beta1", schema=schema))
    assert t.legacy_schema is True
    assert t.parameters_schema == {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                                   "properties": {"a": {"type": "string"}}}
    assert t.schema == schema  # as written, not transformed
    t = load_template(template(REGO, api="v1beta1"))
    assert t.parameters_schema == {"x-kubernetes-preserve-unknown-fields": True}
    t = load_template(template(REGO, api="v1"))
    assert t.parameters_schema is None
    t = load_template(template(REGO, api="v1", validation={"legacySchema": True}))
    assert t.parameters_schema == {"x-kubernetes-preserve-unknown-fields": True}
    t = load_template(template(REGO, api="v1alpha1", validation={"legacySchema": False}))
    assert t.parameters_schema is None


def test_legacy_transform_adds_items_and_nested_preserve():
    schema = {"properties": {"list": {"type": "array"}, "obj": {"properties": {"x": {"type": "integer"}}}}}
    t = load_template(template(REGO, api="v1beta1", schema=schema))
    p = t.parameters_schema
    assert p["x-kubernetes-preserve-unknown-fields"] is True
    assert p["properties"]["list"]["items"] == {"x-kubernetes-preserve-unknown-fields": True}
    assert p["properties"]["obj"]["x-kubernetes-preserve-unknown-fields"] is True


def test_legacy_multiple_items_is_an_error():
    fails(template(REGO, api="v1beta1", schema={"type": "array", "items": [{"type": "string"}]}), "items")


@pytest.mark.parametrize("schema, where", [
    ({"properties": {"a": {"type": "string"}}}, "properties[parameters].type: Required value"),
    ({"type": "object", "properties": {"a": {}}}, "properties[a].type: Required value"),
    ({"type": "object", "properties": {"a": {"type": "array"}}}, "properties[a].items: Required value"),
    ({"type": "object", "properties": {"a": {"type": "str"}}}, "Unsupported value"),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}},
     "mutual exclusive"),
])
def test_v1_schema_must_be_structural(schema, where):
    err = fails(template(REGO, api="v1", schema=schema), where)
    assert "CustomResourceDefinition" in err.message


@pytest.mark.parametrize("schema", [
    {"properties": {"a": {"type": "string"}}},
    {"type": "object", "properties": {"a": {}}},
    {"type": "object", "properties": {"a": {"type": "array"}}},
])
def test_legacy_schema_need_not_be_structural(schema):
    load_template(template(REGO, api="v1beta1", schema=schema))
    load_template(template(REGO, api="v1", validation={"legacySchema": True, "openAPIV3Schema": schema}))


def test_preserve_unknown_fields_makes_type_optional():
    load_template(template(REGO, api="v1", schema={"x-kubernetes-preserve-unknown-fields": True}))


def test_schema_of_wrong_type():
    fails(template(REGO, validation={"openAPIV3Schema": "nope"}), "openAPIV3Schema: expected object")


# --- §1.10 operations ----------------------------------------------------------------


def test_operations_wildcard_alone_webhook_only():
    doc = template(REGO, operations=["*", "CREATE"])
    assert load_template(doc).operations == ["*", "CREATE"]
    fails(doc, "if '*' is present, must not specify other operations", admission=True)
    assert load_template(template(REGO, operations=["CREATE", "UPDATE"]), admission=True).operations == [
        "CREATE", "UPDATE"]
    fails(template(REGO, operations=["PATCH"]), "Unsupported value", admission=True)


def test_admission_does_not_parse_rego():
    t = load_template(template(rego="package x\np := 1"), admission=True)
    with pytest.raises(TemplateError, match="missing required rules"):
        t.policy()


# --- §1.5 engines and Rego source -------------------------------------------------------


def test_no_usable_engine():
    fails(template(rego=None), "no language driver is installed that handles this constraint template")
    fails(template(rego=None, code=[{"engine": "Wasm", "source": {}}]), "no language driver")


def test_empty_legacy_rego_is_no_code():
    fails(template(rego=""), "no language driver")


def test_rego_source_malformed():
    fails(template(rego=None, code=[{"engine": "Rego", "source": {"libs": []}}]),
          "rego source missing required field: rego")
    fails(template(rego=None, code=[{"engine": "Rego"}]), "rego source missing required field: source")
    fails(template(rego=None, code=[{"engine": "Rego", "source": "package x"}]), "could not recognize the type")
    fails(template(rego=None, code=rego_code(REGO, version=1)), "version must be a string")
    fails(template(rego=None, code=rego_code(REGO, libs="package lib.x")), "libs must be an array of strings")


def test_code_entry_needs_engine():
    fails(template(rego=None, code=[{"source": {"rego": REGO}}]), "engine: Required value")


@pytest.mark.parametrize("version, expected", [(None, "v0"), ("", "v0"), ("v0", "v0"), ("V1", "v0"),
                                               ("1", "v0"), ("v1", "v1")])
def test_version_selection(version, expected):
    rego = REGO_V1 if expected == "v1" else REGO
    t = load_template(template(rego=None, code=rego_code(rego, version=version)))
    assert t.rego_version == expected


def test_v1_template_evaluates():
    t = load_template(template(rego=None, code=rego_code(REGO_V1, version="v1")))
    assert violations(t, {"bad": True}) == [{"msg": "bad v1"}]


def test_legacy_rego_overrides_code_entry_and_its_version():
    doc = template(rego=REGO, code=rego_code(REGO_V1, version="v1", libs=["package lib.x\ny := 1"]))
    t = load_template(doc)
    assert t.rego == REGO and t.rego_version == "v0" and t.libs == []
    assert t.engines == ["Rego"]


def test_legacy_rego_is_always_v0():
    fails(template(rego=REGO_V1), "rego_parse_error")


def test_cel_only_template_loads_but_is_not_evaluable():
    cel = [{"engine": "K8sNativeValidation", "source": {"validations": [{"expression": "true"}]}}]
    t = load_template(template(rego=None, code=cel))
    assert t.cel_only and t.engines == ["K8sNativeValidation"]
    with pytest.raises(TemplateError, match="not evaluable by regolite"):
        t.policy()


def test_rego_entry_is_used_beside_cel():
    cel = {"engine": "K8sNativeValidation", "source": {"validations": [{"expression": "true"}]}}
    t = load_template(template(rego=None, code=[cel] + rego_code(REGO)))
    assert not t.cel_only and t.engines == ["K8sNativeValidation", "Rego"]
    assert violations(t, {"bad": True}, {"word": "c"}) == [{"msg": "bad: c"}]


# --- §1.7 parse, violation, libs, imports, data references ----------------------------------


def test_parse_errors():
    err = fails(template(rego="package x\nviolation[{\"msg\": m}] {"), "invalid ConstraintTemplate: template:")
    assert "rego_parse_error" in err.message
    fails(template(rego=None, code=rego_code("")), "empty module")
    fails(template(rego="violation[{\"msg\": m}] { m := 1 }"), "rego_parse_error")


def test_v1_syntax_under_v0_and_v0_syntax_under_v1():
    fails(template(rego=None, code=rego_code(REGO_V1)), "rego_parse_error")
    fails(template(rego=None, code=rego_code(REGO, version="v1")), "rego_parse_error")


def test_future_keywords_allowed_in_v0():
    rego = "package x\nimport future.keywords.in\nimport future.keywords\n" \
           "violation contains {\"msg\": \"m\"} if { 1 in [1] }\n"
    t = load_template(template(rego=rego))
    assert violations(t, {}) == [{"msg": "m"}]


def test_violation_rule_required():
    fails(template(rego="package x\ndeny[{\"msg\": \"m\"}] { true }"),
          "invalid ConstraintTemplate: invalid rego: invalid module: missing required rules: [violation]")


LIB = "package lib.helpers\n\nis_bad(o) { o.bad == true }\n"
USES_LIB = """package x
import data.lib.helpers

violation[{"msg": "from lib"}] { helpers.is_bad(input.review.object) }
violation[{"msg": "direct"}] { data.lib.helpers.is_bad(input.review.object) }
"""


def test_libs_are_compiled_and_usable():
    t = load_template(template(rego=USES_LIB, libs=[LIB]))
    assert t.libs == [LIB]
    assert sorted(v["msg"] for v in violations(t, {"bad": True})) == ["direct", "from lib"]


def test_libs_in_code_entry_parse_with_its_version():
    lib_v1 = "package lib.helpers\n\nis_bad(o) if o.bad == true\n"
    rego = "package x\nimport data.lib.helpers\nviolation contains {\"msg\": \"v1lib\"} if helpers.is_bad(input.review.object)\n"
    t = load_template(template(rego=None, code=rego_code(rego, version="v1", libs=[lib_v1])))
    assert violations(t, {"bad": True}) == [{"msg": "v1lib"}]


def test_lib_parse_error_names_lib_module():
    fails(template(rego=USES_LIB, libs=["package lib.x\np {"]), 'libs["lib_0"]')


@pytest.mark.parametrize("package, path", [("lib", "data.lib"), ("foo", "data.foo"), ("libs.x", "data.libs.x")])
def test_lib_package_strictly_below_lib(package, path):
    fails(template(rego=USES_LIB, libs=[LIB, f"package {package}\np := 1"]),
          f"invalid lib prefix: path {path} not found in lib prefixes")


@pytest.mark.parametrize("imp, message", [
    ("rego.v1", 'invalid import: bad import: "rego.v1"'),
    ("data.inventory", 'invalid import: bad import: "data.inventory"'),
    ("data.foo", 'invalid import: bad import: "data.foo"'),
    ("data", 'invalid import: bad import: "data"'),
    ("input.review", 'invalid import: cannot import input: "input.review"'),
    ("input", 'invalid import: cannot import input: "input"'),
])
def test_bad_imports(imp, message):
    body = "violation contains {\"msg\": \"m\"} if { true }" if imp == "rego.v1" else \
        "violation[{\"msg\": \"m\"}] { true }"
    fails(template(rego=f"package x\nimport {imp}\n{body}"), message)


def test_bad_import_in_lib():
    fails(template(rego=USES_LIB, libs=["package lib.helpers\nimport input.x\nis_bad(o) { o }"]),
          "cannot import input")


def test_rego_v1_import_rejected_in_v1_code_too():
    rego = "package x\nimport rego.v1\nviolation contains {\"msg\": \"m\"} if true\n"
    fails(template(rego=None, code=rego_code(rego, version="v1")), 'bad import: "rego.v1"')


@pytest.mark.parametrize("ref", ["data.foo.x", "data[x]", "data", "data.template.x", "data.x.y",
                                 "data.constraints", "data.libx.y"])
def test_disallowed_data_references(ref):
    rego = f"package x\ny := 1\nviolation[{{\"msg\": \"m\"}}] {{ some x; v := {ref}; v }}"
    fails(template(rego=rego),
          f"invalid data references: check refs failed on module template: disallowed ref {ref}")


def test_several_disallowed_refs_are_joined():
    rego = "package x\nviolation[{\"msg\": \"m\"}] { data.a; data.b.c }"
    fails(template(rego=rego), "disallowed ref data.a, disallowed ref data.b.c")


def test_disallowed_ref_in_lib():
    fails(template(rego=USES_LIB, libs=["package lib.helpers\nis_bad(o) { data.other }"]),
          'check refs failed on module libs["lib_0"]: disallowed ref data.other')


def test_inventory_and_lib_references_allowed():
    rego = """package x
violation[{"msg": msg}] {
  other := data.inventory.namespace[ns][_]["Pod"][name]
  msg := sprintf("%v/%v", [ns, name])
}
"""
    t = load_template(template(rego=rego))
    assert t.policy()


def test_policy_with_inventory_data():
    rego = """package x
violation[{"msg": name}] { data.inventory.cluster.v1.Namespace[name] }
"""
    t = load_template(template(rego=rego))
    assert violations(t, {}) == []
    inventory = {"cluster": {"v1": {"Namespace": {"prod": {"kind": "Namespace"}}}}}
    policy = t.policy({"inventory": inventory})
    assert policy is not t.policy()
    assert policy.eval_rule(t.violation_rule, input={"review": {}, "parameters": {}}) == [{"msg": "prod"}]


def test_inventory_disallowed_without_referential_rules():
    rego = "package x\nviolation[{\"msg\": \"m\"}] { data.inventory.cluster }"
    fails(template(rego=rego), "disallowed ref data.inventory.cluster", referential_rules=False)


def test_with_on_data_is_checked():
    rego = "package x\nviolation[{\"msg\": \"m\"}] { true with data.foo as 1 }"
    fails(template(rego=rego), "disallowed ref data.foo")


# --- compile errors -----------------------------------------------------------------------


@pytest.mark.parametrize("call", ["http.send({\"method\": \"get\", \"url\": \"x\"})",
                                  "external_data({\"provider\": \"p\", \"keys\": []})"])
def test_unavailable_builtins(call):
    rego = f"package x\nviolation[{{\"msg\": \"m\"}}] {{ r := {call}; r }}"
    name = call.split("(")[0]
    err = compile_fails(template(rego=rego), f"undefined function {name}")
    assert err.message.startswith("unable to compile modules: ")
    assert "invalid ConstraintTemplate" not in err.message


def test_unsafe_variable_and_conflicts():
    compile_fails(template(rego="package x\nviolation[{\"msg\": m}] { true }"), "unable to compile modules")


def test_document_is_not_modified():
    doc = template(REGO, api="v1beta1", schema={"type": "object"})
    before = copy.deepcopy(doc)
    load_template(doc)
    assert doc == before


# --- the gatekeeper-library ---------------------------------------------------------------


def library_templates():
    root = require_shared("gatekeeper-library", "library", "general")
    return sorted(root.glob("*/template.yaml"))


def test_library_templates_load_and_compile():
    paths = library_templates()
    assert len(paths) >= 30
    for path in paths:
        docs = read_documents(path)
        t = load_template(docs[0], source=str(path))
        assert t.name == t.kind.lower()
        assert t.policy() is not None, path
