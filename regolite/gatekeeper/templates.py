"""ConstraintTemplate loading and validation (GATEKEEPER-SEMANTICS.md §1).

`load_template(doc)` checks a template the way Gatekeeper's framework does
when gator adds it: name and kind, the single target, the parameter schema,
engine selection and the Rego source (parse, `violation` rule, regorewriter
import and data-reference checks). `Template.policy()` compiles the Rego once,
with the entry module's package rewritten to `data.template`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional

import regolite
from regolite.cache import cache_key
from regolite.policy import compile_cached
from regolite import ast
from regolite.documents import json_type
from regolite.errors import RegoCompileError, RegoError, RegoParseError
from regolite.format import format_term
from regolite.gatekeeper.schema import SchemaError, preserve_unknown_fields, structural_errors

TEMPLATE_ERROR = "template_error"
TEMPLATES_GROUP = "templates.gatekeeper.sh"
TEMPLATE_VERSIONS = ("v1", "v1beta1", "v1alpha1")
TARGET = "admission.k8s.gatekeeper.sh"
REGO = "Rego"
CEL = "K8sNativeValidation"
ENGINES = (CEL, REGO)  # registration order = priority (CEL first in Gatekeeper and gator)
OPERATIONS = ("*", "CREATE", "UPDATE", "DELETE", "CONNECT")
ENTRY_MODULE = "template"
PACKAGE = "template"
VIOLATION_RULE = "data.template.violation"

_INVALID = "invalid ConstraintTemplate: "
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character "
                "(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
_SCHEMA_PATH = "spec.validation.openAPIV3Schema.properties[spec].properties[parameters]"


class TemplateError(RegoError):
    """An invalid ConstraintTemplate; str() names the file and the template."""

    def __init__(self, message: str, *, source: str = "<template>", name: str = "",
                 errors: Optional[list] = None) -> None:
        super().__init__(TEMPLATE_ERROR, message, None)
        self.source = source
        self.name = name
        self.errors = errors or []

    def __str__(self) -> str:
        who = f'ConstraintTemplate "{self.name}"' if self.name else "ConstraintTemplate"
        return f"{self.source}: {who}: {self.message}"


@dataclass
class Template:
    """A validated ConstraintTemplate.

    `rego`/`libs`/`rego_version` are the Rego code that runs (after the legacy
    `rego:` field overrides a `code` Rego entry); `cel_only` marks templates
    whose only code is K8sNativeValidation. `schema` is `openAPIV3Schema` as
    written, `parameters_schema` the schema Constraint parameters are checked
    against (§1.6; None: the constraint schema has no `parameters` at all).
    """

    name: str
    kind: str
    api_version: str
    target: str = TARGET
    rego_version: str = "v0"
    rego: str = ""
    libs: list = field(default_factory=list)
    schema: Optional[dict] = None
    legacy_schema: bool = False
    parameters_schema: Optional[dict] = None
    operations: list = field(default_factory=list)
    engines: list = field(default_factory=list)
    short_names: list = field(default_factory=list)
    source: str = "<template>"
    cel_only: bool = False
    referential_rules: bool = True
    doc: dict = field(default_factory=dict, repr=False)
    _modules: dict = field(default_factory=dict, repr=False, compare=False)
    _deferred: Optional[TemplateError] = field(default=None, repr=False, compare=False)
    _policy: Any = field(default=None, repr=False, compare=False)
    cache: Any = field(default=None, repr=False, compare=False)  # a regolite.cache.CompileCache

    @property
    def violation_rule(self) -> str:
        """The data path of the `violation` rule (the entry package is always `data.template`)."""
        return VIOLATION_RULE

    def error(self, message: str) -> TemplateError:
        return TemplateError(message, source=self.source, name=self.name)

    def cache_key_parts(self) -> list:
        """What determines the compiled code: a cache hit skips parsing and
        checking, which the same text passed when it was compiled and stored."""
        return ["gatekeeper-template", self.rego_version, str(self.referential_rules), self.rego, *self.libs]

    def cached(self) -> bool:
        """Does the compile cache hold this template's compiled code?"""
        return self.cache is not None and self.cache.contains(cache_key(self.cache_key_parts()))

    def policy(self, data: Any = None) -> "regolite.Policy":
        """The compiled Rego (entry module and libs).

        Without `data`, compiled once and cached. With `data` (e.g.
        `{"inventory": inventory.as_data()}`), a fresh Policy over that base
        data: regolite fixes data at compile time. Raises TemplateError for
        CEL-only templates and for compile errors (`unable to compile modules: ...`).
        """
        if data is not None:
            return self._compile(data)
        if self._policy is None:
            self._policy = self._compile(None)  # a race compiles twice, harmlessly
        return self._policy

    def _compile(self, data: Any) -> "regolite.Policy":
        if self._deferred is not None:
            raise self._deferred
        if self.cel_only:
            raise self.error(f"template has only {CEL} (CEL) code, which is not evaluable by regolite")
        def modules() -> dict:
            if not self._modules:
                self._modules = check_rego(self, referential_rules=self.referential_rules)
            return dict(self._modules)

        try:
            return compile_cached(self.cache_key_parts(), modules, data=data, rego_version=self.rego_version,
                                  cache=self.cache)
        except (RegoParseError, RegoCompileError) as e:
            errors = getattr(e, "errors", [e])
            text = "\n".join(RegoError.__str__(x) for x in errors)
            raise TemplateError(f"unable to compile modules: {text}", source=self.source,
                                name=self.name, errors=errors) from None


def load_template(doc: Any, *, source: str = "<template>", admission: bool = False,
                  referential_rules: bool = True, cache: Any = None) -> Template:
    """Validate a ConstraintTemplate document (§1.3-§1.11) into a Template.

    Runs what gator runs at load time: everything but the final compilation
    (see `Template.policy()`). With `admission=True` it checks what the
    webhook checks instead: `operations` too, but engine and Rego problems are
    deferred to `policy()`. `referential_rules=False` disallows `data.inventory`.
    With a compile `cache` that holds this template's code, the Rego checks
    are skipped: that exact code passed them when it was stored.
    """
    name = _name_of(doc)
    t = Template(name=name, kind="", api_version="", source=source, referential_rules=referential_rules,
                 doc=doc if isinstance(doc, dict) else {})
    t.cache = cache
    _read_identity(t, doc)
    _read_targets(t)
    _read_schema(t)
    if admission:
        _check_operations(t)
    try:
        _select_code(t)
        if not admission and not t.cel_only and not t.cached():
            t._modules = check_rego(t, referential_rules=referential_rules)
    except TemplateError as e:
        if not admission:
            raise
        t._deferred = e
    return t


# --- identity, targets, schema --------------------------------------------------


def _name_of(doc: Any) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
        name = doc["metadata"].get("name")
        return name if isinstance(name, str) else ""
    return ""


def _read_identity(t: Template, doc: Any) -> None:
    if not isinstance(doc, dict):
        raise t.error(f"{_INVALID}expected an object, got {json_type(doc)}")
    api_version = doc.get("apiVersion")
    group, _, version = api_version.rpartition("/") if isinstance(api_version, str) else ("", "", "")
    if group != TEMPLATES_GROUP or doc.get("kind") != "ConstraintTemplate":
        raise t.error(f"not a ConstraintTemplate: apiVersion {_q(api_version)}, kind {_q(doc.get('kind'))}")
    if version not in TEMPLATE_VERSIONS:
        raise t.error(f'unsupported ConstraintTemplate version "{version}"; supported versions: '
                      + ", ".join(TEMPLATE_VERSIONS))
    t.api_version = api_version
    metadata = _field(t, doc, "metadata", dict, {})
    _field(t, metadata, "name", str, "", "metadata")
    names = _path(t, doc, ("spec", "crd", "spec", "names"))
    kind = _field(t, names, "kind", str, "", "spec.crd.spec.names")
    t.kind = kind
    short = _field(t, names, "shortNames", list, [], "spec.crd.spec.names")
    if any(not isinstance(s, str) for s in short):
        raise t.error(f"{_INVALID}spec.crd.spec.names.shortNames: expected array of strings")
    t.short_names = list(short)
    if not kind:
        raise t.error(f'{_INVALID}ConstraintTemplate "{t.name}" does not specify CRD Kind')
    if t.name.lower() != kind.lower():
        raise t.error(f"{_INVALID}the ConstraintTemplate's name \"{t.name}\" is not equal to the "
                      f"lowercase of CRD's Kind: \"{kind.lower()}\"")


def _read_targets(t: Template) -> None:
    targets = _field(t, _path(t, t.doc, ("spec",)), "targets", list, [], "spec")
    if len(targets) != 1:
        raise t.error(f"{_INVALID}must declare exactly one target")
    target = targets[0]
    if not isinstance(target, dict):
        raise t.error(f"{_INVALID}spec.targets[0]: expected object, got {json_type(target)}")
    name = _field(t, target, "target", str, "", "spec.targets[0]")
    if not name:
        raise t.error(f"{_INVALID}target name must not be empty")
    if name != TARGET:
        raise t.error(f'{_INVALID}target "{name}" not recognized, known targets [{TARGET}]')
    t.target = name
    operations = _field(t, target, "operations", list, [], "spec.targets[0]")
    t.operations = list(operations)


def _read_schema(t: Template) -> None:
    """Apply §1.1 defaults and §1.6 to get the parameters schema; check the generated CRD."""
    crd_spec = _path(t, t.doc, ("spec", "crd", "spec"))
    legacy_default = not t.api_version.endswith("/v1")
    validation = _field(t, crd_spec, "validation", dict, None, "spec.crd.spec")
    if validation is None:
        validation = {}
    legacy = _field(t, validation, "legacySchema", bool, legacy_default, "spec.crd.spec.validation")
    schema = _field(t, validation, "openAPIV3Schema", dict, None, "spec.crd.spec.validation")
    t.schema = schema
    t.legacy_schema = legacy
    errors = _crd_name_errors(t)
    if schema is None:
        t.parameters_schema = {"x-kubernetes-preserve-unknown-fields": True} if legacy else None
    else:
        params = copy.deepcopy(schema)
        if legacy:
            try:
                preserve_unknown_fields(params)
            except SchemaError as e:
                raise t.error(f"{_INVALID}{e}") from None
        errors.extend(structural_errors(params, _SCHEMA_PATH, root_field=True))
        t.parameters_schema = params
    if errors:
        text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise t.error(f"{_INVALID}CustomResourceDefinition.apiextensions.k8s.io "
                      f"\"{t.kind.lower()}.constraints.gatekeeper.sh\" is invalid: {text}")


def _crd_name_errors(t: Template) -> list:
    errors = []
    lower = t.kind.lower()
    for path in ("spec.names.plural", "spec.names.singular"):
        errors.extend(_dns1035(path, lower, ""))
    errors.extend(_dns1035("spec.names.kind", t.kind, "may have mixed case, but should otherwise match: "))
    errors.extend(_dns1035("spec.names.listKind", t.kind + "List",
                           "may have mixed case, but should otherwise match: "))
    for i, short in enumerate(t.short_names):
        errors.extend(_dns1035(f"spec.names.shortNames[{i}]", short, ""))
    return errors


def _dns1035(path: str, value: str, prefix: str) -> list:
    lowered = value.lower()
    out = []
    if len(lowered) > 63:
        out.append(f'{path}: Invalid value: "{value}": {prefix}must be no more than 63 characters')
    if not _DNS1035.match(lowered):
        out.append(f'{path}: Invalid value: "{value}": {prefix}{_DNS1035_MSG}')
    return out


def _check_operations(t: Template) -> None:
    """Webhook-only: `*` must be alone; values from the CRD's enum."""
    for op in t.operations:
        if op not in OPERATIONS:
            raise t.error(f'{_INVALID}spec.targets[0].operations: Unsupported value: {_q(op)}: '
                          f"supported values: " + ", ".join(f'"{o}"' for o in OPERATIONS))
    if "*" in t.operations and len(t.operations) > 1:
        raise t.error("if '*' is present, must not specify other operations")


# --- engine selection -------------------------------------------------------------


def _select_code(t: Template) -> None:
    """§1.5: legacy `rego` overrides the code Rego entry; pick the Rego entry."""
    target = t.doc["spec"]["targets"][0]
    code = _field(t, target, "code", list, [], "spec.targets[0]")
    entries: list = []
    for i, entry in enumerate(code):
        if not isinstance(entry, dict):
            raise t.error(f"{_INVALID}spec.targets[0].code[{i}]: expected object, got {json_type(entry)}")
        engine = entry.get("engine")
        if not isinstance(engine, str) or not engine:
            raise t.error(f"{_INVALID}spec.targets[0].code[{i}].engine: Required value")
        entries.append(dict(entry))
    legacy = target.get("rego")
    if legacy is not None and not isinstance(legacy, str):
        raise t.error(f"{_INVALID}spec.targets[0].rego: expected string, got {json_type(legacy)}")
    if legacy:
        libs = target.get("libs")
        replaced = {"rego": legacy, "version": "", "libs": libs}
        for entry in entries:
            if entry["engine"] == REGO:
                entry["source"] = replaced
                break
        else:
            entries.append({"engine": REGO, "source": replaced})
    t.engines = [e["engine"] for e in entries]
    chosen = {}
    for entry in entries:
        chosen.setdefault(entry["engine"], entry)
    if REGO in chosen:
        _read_rego_source(t, chosen[REGO])
    elif CEL in chosen:
        t.cel_only = True
    else:
        raise t.error("no language driver is installed that handles this constraint template: "
                      f"available drivers: [{' '.join(ENGINES)}], wanted \"\"")


def _read_rego_source(t: Template, entry: dict) -> None:
    if "source" not in entry or entry["source"] is None:
        raise t.error("rego source missing required field: source")
    src = entry["source"]
    if not isinstance(src, dict):
        raise t.error("could not recognize the type")
    if "rego" not in src or src["rego"] is None:
        raise t.error("rego source missing required field: rego")
    if not isinstance(src["rego"], str):
        raise t.error(f"invalid rego source: rego must be a string, got {json_type(src['rego'])}")
    version = src.get("version")
    if version is not None and not isinstance(version, str):
        raise t.error(f"invalid rego source: version must be a string, got {json_type(version)}")
    libs = src.get("libs")
    if libs is None:
        libs = []
    if not isinstance(libs, list) or any(not isinstance(x, str) for x in libs):
        raise t.error("invalid rego source: libs must be an array of strings")
    t.rego = src["rego"]
    t.rego_version = "v1" if version == "v1" else "v0"
    t.libs = list(libs)


# --- Rego checks (§1.7 steps 1-5) ---------------------------------------------------


def lib_module_name(i: int) -> str:
    """Gatekeeper's file name for the i-th lib."""
    return f'libs["lib_{i}"]'


def check_rego(t: Template, *, referential_rules: bool = True) -> dict:
    """Parse and check the template's Rego; the modules to compile, by name."""
    entry = _parse(t, t.rego, ENTRY_MODULE)
    entry = replace(entry, package=ast.Package(ast.ref_of("data", PACKAGE), entry.package.loc))
    if not any(r.head.name == "violation" for r in entry.rules):
        raise t.error(f"{_INVALID}invalid rego: invalid module: missing required rules: [violation]")
    modules = {ENTRY_MODULE: entry}
    for i, lib in enumerate(t.libs):
        modules[lib_module_name(i)] = _parse(t, lib, lib_module_name(i))
    for name, module in modules.items():
        if name != ENTRY_MODULE and not _strictly_below(module.package.path, ("data", "lib")):
            path = format_term(module.package.path)
            raise t.error(f"{_INVALID}invalid lib prefix: path {path} not found in lib prefixes")
    for module in modules.values():
        for imp in module.imports:
            problem = _import_problem(imp.path)
            if problem:
                raise t.error(f"{_INVALID}invalid import: {problem}")
    externs = [("data", "lib")] + ([("data", "inventory")] if referential_rules else [])
    failures = []
    for name, module in modules.items():
        bad = _disallowed_refs(module, externs)
        if bad:
            failures.append(f"check refs failed on module {name}: "
                            + ", ".join(f"disallowed ref {r}" for r in bad))
    if failures:
        raise t.error(f"{_INVALID}invalid data references: " + ", ".join(failures))
    return modules


def _parse(t: Template, text: str, filename: str) -> ast.Module:
    try:
        return regolite.parse_module(text, filename, rego_version=t.rego_version)
    except RegoParseError as e:
        raise TemplateError(f"{_INVALID}{e}", source=t.source, name=t.name, errors=e.errors) from None


def _names(ref: ast.Ref) -> list:
    """The leading plain parts of a ref: `data.lib.x[y]` -> [data, lib, x]."""
    head = ref.terms[0]
    out = [head.name] if isinstance(head, ast.Var) else [None]
    for term in ref.terms[1:]:
        if isinstance(term, ast.Scalar) and isinstance(term.value, str):
            out.append(term.value)
        else:
            out.append(None)
    return out


def _has_prefix(ref: ast.Ref, prefix: tuple) -> bool:
    names = _names(ref)
    return len(names) >= len(prefix) and tuple(names[: len(prefix)]) == prefix


def _strictly_below(ref: ast.Ref, prefix: tuple) -> bool:
    return _has_prefix(ref, prefix) and len(ref.terms) > len(prefix)


def _import_problem(path: ast.Ref) -> str:
    names = _names(path)
    text = format_term(path)
    if names[0] == "input":
        return f'cannot import input: "{text}"'
    if names[0] == "future" or _has_prefix(path, ("data", "lib")):
        return ""
    return f'bad import: "{text}"'


def _disallowed_refs(module: ast.Module, externs: list) -> list:
    bad = []
    for rule in module.rules:
        for node in ast.walk(rule):
            if isinstance(node, ast.Ref) and isinstance(node.terms[0], ast.Var) \
                    and node.terms[0].name == "data":
                if not any(_has_prefix(node, e) for e in externs):
                    text = format_term(node)
                    if text not in bad:
                        bad.append(text)
    return bad


# --- small helpers ------------------------------------------------------------------


def _path(t: Template, doc: dict, keys: tuple) -> dict:
    """The object at `keys` below `doc`, {} where absent; a non-object is an error."""
    current = doc
    done = []
    for key in keys:
        current = _field(t, current, key, dict, {}, ".".join(done))
        done.append(key)
    return current


def _field(t: Template, obj: dict, key: str, kind: type, default: Any, where: str = "") -> Any:
    value = obj.get(key)
    if value is None:
        return default
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if not ok:
        path = f"{where}.{key}" if where else key
        raise t.error(f"{_INVALID}{path}: expected {_KIND_NAMES[kind]}, got {json_type(value)}")
    return value


_KIND_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean"}


def _q(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)
