"""Constraint loading and validation (GATEKEEPER-SEMANTICS.md §2).

`load_constraint(doc, templates)` runs the framework's pipeline in order
(§2.3): metadata, template lookup, label selectors, name/kind/version,
schema validation of the whole object against the generated Constraint
schema (§1.6), unknown fields, defaulting (§2.4), enforcement action.
Parameter schemas are Kubernetes structural schemas, validated, pruned and
defaulted by `regolite.gatekeeper.schema`; this module builds the generated
Constraint schema around them (`constraint_schema`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from regolite.documents import json_type
from regolite.errors import RegoError
from regolite.gatekeeper.schema import apply_defaults, prune, unknown_fields, validate
from regolite.gatekeeper.templates import Template

CONSTRAINT_ERROR = "constraint_error"
CONSTRAINTS_GROUP = "constraints.gatekeeper.sh"
CONSTRAINT_VERSIONS = ("v1beta1", "v1alpha1")
ACTIONS = ("deny", "dryrun", "warn", "scoped")
SCOPED_ACTIONS = ("deny", "dryrun", "warn")
WEBHOOK = "validation.gatekeeper.sh"
AUDIT = "audit.gatekeeper.sh"
GATOR = "gator.gatekeeper.sh"
VAP = "vap.k8s.io"
ALL_POINTS = "*"
ENFORCEMENT_POINTS = (WEBHOOK, AUDIT, GATOR, VAP, ALL_POINTS)

# Error categories (ConstraintError.category); gator verify's `invalid: true`
# accepts only SCHEMA.
METADATA = "metadata"
MISSING_TEMPLATE = "missing_template"
SELECTOR = "selector"
SCHEMA = "schema"
UNKNOWN_FIELDS = "unknown_fields"
ENFORCEMENT = "enforcement_action"

_INVALID = "invalid Constraint: "


class ConstraintError(RegoError):
    """An invalid Constraint; str() names the file, kind/name and the problem."""

    def __init__(self, message: str, *, source: str = "<constraint>", kind: str = "", name: str = "",
                 category: str = METADATA, field: str = "") -> None:
        super().__init__(CONSTRAINT_ERROR, message, None)
        self.source = source
        self.kind = kind
        self.name = name
        self.category = category
        self.field = field

    @property
    def is_schema_error(self) -> bool:
        """True for `schema validation failed` errors (§2.3 step 5)."""
        return self.category == SCHEMA

    def __str__(self) -> str:
        who = f"{self.kind or '<no kind>'}/{self.name or '<no name>'}"
        return f"{self.source}: {who}: {self.message}"


@dataclass
class Constraint:
    """A validated Constraint, defaults applied.

    `parameters` is what Rego sees as `input.parameters` ({} when absent);
    `match` is `spec.match` ({} when absent: matches everything); `object` is
    the whole constraint (status removed, defaults applied).
    """

    kind: str
    name: str
    api_version: str
    parameters: Any = field(default_factory=dict)
    enforcement_action: str = "deny"
    scoped_enforcement_actions: list = field(default_factory=list)
    match: dict = field(default_factory=dict)
    source: str = "<constraint>"
    object: dict = field(default_factory=dict, repr=False)
    template: Optional[Template] = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple:
        return (self.kind, self.name)

    def actions_for(self, enforcement_point: str) -> list:
        """§2.5: the actions of results at `enforcement_point`.

        `[enforcement_action]` unless scoped; for `scoped`, the sorted,
        deduplicated actions of entries naming the point or `*`. An empty
        list means the constraint is not evaluated there at all.
        """
        if self.enforcement_action != "scoped":
            return [self.enforcement_action]
        found = set()
        for entry in self.scoped_enforcement_actions:
            names = {p.get("name") for p in entry.get("enforcementPoints") or [] if isinstance(p, dict)}
            if enforcement_point in names or ALL_POINTS in names:
                found.add(entry.get("action"))
        return sorted(a for a in found if isinstance(a, str))

    def evaluated_at(self, enforcement_point: str) -> bool:
        """Whether the constraint runs at all at `enforcement_point`."""
        return bool(self.actions_for(enforcement_point))

    def scoped_actions_for(self, enforcement_point: str) -> list:
        """The `scopedActions` of a result at the point (empty unless scoped)."""
        return self.actions_for(enforcement_point) if self.enforcement_action == "scoped" else []


def load_constraint(doc: Any, templates: Mapping[str, Template], *, source: str = "<constraint>",
                    prune_unknown: bool = False, validate_actions: bool = False) -> Constraint:
    """Validate a Constraint against its template (found by lower(kind)), in §2.3's order.

    Unknown fields are rejected as gator does; `prune_unknown=True` drops
    them silently as the API server does. `validate_actions=True` adds
    Gatekeeper's enforcement-action check (webhook/controller, §2.5).
    """
    ctx = _Context(source)
    if not isinstance(doc, dict):
        raise ctx.error(f"{_INVALID}expected an object, got {json_type(doc)}")
    obj = copy.deepcopy(doc)
    obj.pop("status", None)
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = metadata.get("name")
    kind = obj.get("kind")
    ctx.name = name if isinstance(name, str) else ""
    ctx.kind = kind if isinstance(kind, str) else ""
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    group, _, version = api_version.rpartition("/")
    # 1. metadata
    if not ctx.name:
        raise ctx.error(f"{_INVALID}missing metadata.name", field="metadata.name")
    if not ctx.kind:
        raise ctx.error(f"{_INVALID}missing kind", field="kind")
    _check_group(ctx, group)
    # 2. template
    template = find_template(templates, ctx.kind)
    if template is None:
        raise ctx.error(f'missing ConstraintTemplate: template "{ctx.kind.lower()}" not found',
                        category=MISSING_TEMPLATE, field="kind")
    # 3. label selectors
    _check_selectors(ctx, obj)
    # 4. name, kind, group, version
    reasons = dns1123_subdomain_errors(ctx.name)
    if reasons:
        raise ctx.error(f'{_INVALID}invalid name: "{"; ".join(reasons)}"', field="metadata.name")
    if ctx.kind != template.kind:
        raise ctx.error(f'{_INVALID}wrong kind "{ctx.kind}" for Constraint "{ctx.name}"; want "{template.kind}"',
                        field="kind")
    _check_group(ctx, group)
    if version not in CONSTRAINT_VERSIONS:
        raise ctx.error(f'{_INVALID}unsupported version "{version}" for Constraint "{ctx.name}"; '
                        "supported versions: map[v1alpha1:true v1beta1:true]", field="apiVersion")
    # 5. schema
    schema = constraint_schema(template)
    errors = validate(obj, schema, "", root=True)
    if errors:
        text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise ctx.error(f"schema validation failed: {text}", category=SCHEMA, field=errors[0].split(":")[0])
    # 6. unknown fields
    unknown = unknown_fields(obj, schema, "", root=True)
    if unknown and not prune_unknown:
        raise ctx.error(f"{_INVALID}unknown fields: [{' '.join(unknown)}]", category=UNKNOWN_FIELDS,
                        field=unknown[0])
    if unknown:
        prune(obj, schema, root=True)
    # 7. defaulting
    apply_defaults(obj, schema)
    # 8. enforcement action
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    action, scoped = _read_actions(ctx, spec)
    if validate_actions:
        _validate_actions(ctx, action, scoped)
    params = spec.get("parameters")
    match = spec.get("match")
    return Constraint(kind=ctx.kind, name=ctx.name, api_version=api_version,
                      parameters=params if "parameters" in spec else {},
                      enforcement_action=action, scoped_enforcement_actions=scoped,
                      match=match if isinstance(match, dict) else {}, source=source, object=obj,
                      template=template)


def find_template(templates: Mapping[str, Template], kind: str) -> Optional[Template]:
    """The template a Constraint of `kind` uses: the one named lower(kind)."""
    want = kind.lower()
    found = templates.get(kind) or templates.get(want)
    if found is not None and found.name == want:
        return found
    for t in templates.values():
        if t.name == want:
            return t
    return None


class _Context:
    def __init__(self, source: str) -> None:
        self.source = source
        self.kind = ""
        self.name = ""

    def error(self, message: str, *, category: str = METADATA, field: str = "") -> ConstraintError:
        return ConstraintError(message, source=self.source, kind=self.kind, name=self.name,
                               category=category, field=field)


def _check_group(ctx: _Context, group: str) -> None:
    if group != CONSTRAINTS_GROUP:
        raise ctx.error(f'{_INVALID}wrong API Group for Constraint "{ctx.name}", got "{group}" '
                        f'but need "{CONSTRAINTS_GROUP}"', field="apiVersion")


# --- enforcement actions ---------------------------------------------------------


def _read_actions(ctx: _Context, spec: dict) -> tuple:
    if "enforcementAction" not in spec:
        action: Any = "deny"
    else:
        action = spec["enforcementAction"]
    if not isinstance(action, str):
        raise ctx.error(f"{_INVALID}invalid spec.enforcementAction", category=ENFORCEMENT,
                        field="spec.enforcementAction")
    scoped: list = []
    if action == "scoped":
        raw = spec.get("scopedEnforcementActions")
        if raw is None:
            raise ctx.error(f"{_INVALID}missing required field: spec.scopedEnforcementActions must be defined",
                            category=ENFORCEMENT, field="spec.scopedEnforcementActions")
        if not isinstance(raw, list) or any(not isinstance(e, dict) for e in raw):
            raise ctx.error(f"{_INVALID}spec.scopedEnforcementActions must be a list of objects",
                            category=ENFORCEMENT, field="spec.scopedEnforcementActions")
        scoped = raw
    return action, scoped


def _validate_actions(ctx: _Context, action: str, scoped: list) -> None:
    """Gatekeeper's ValidateEnforcementAction (webhook and controller, not gator)."""
    def fail(msg: str) -> ConstraintError:
        return ctx.error(f"{_INVALID}{msg}", category=ENFORCEMENT, field="spec.enforcementAction")

    if action not in ACTIONS:
        raise fail(f'could not find the provided enforcementAction value "{action}" within the '
                   f"supported list [{' '.join(ACTIONS)}]")
    if action != "scoped":
        return
    for i, entry in enumerate(scoped):
        if entry.get("action") not in SCOPED_ACTIONS:
            raise fail(f'scopedEnforcementActions[{i}].action: "{entry.get("action")}" is not one of '
                       f"[{' '.join(SCOPED_ACTIONS)}]")
        points = entry.get("enforcementPoints") or []
        if not points:
            raise fail(f"scopedEnforcementActions[{i}]: enforcementPoints must not be empty")
        for point in points:
            name = point.get("name") if isinstance(point, dict) else None
            if name not in ENFORCEMENT_POINTS:
                raise fail(f'scopedEnforcementActions[{i}]: unrecognized enforcement point "{name}"; '
                           f"supported points: [{' '.join(ENFORCEMENT_POINTS)}]")


# --- the generated Constraint schema (§1.6, §3.1) -----------------------------------

_GLOB = {"type": "string", "pattern": r"^\*?[-:a-z0-9]*\*?$"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_SELECTOR = {
    "type": "object",
    "properties": {
        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        "matchExpressions": {"type": "array", "items": {
            "type": "object",
            "required": ["key", "operator"],
            "properties": {"key": {"type": "string"}, "operator": {"type": "string"}, "values": _STRINGS},
        }},
    },
}
MATCH_SCHEMA = {
    "type": "object",
    "properties": {
        "kinds": {"type": "array", "items": {"type": "object", "properties": {
            "apiGroups": _STRINGS, "kinds": _STRINGS}}},
        "scope": {"type": "string"},
        "namespaces": {"type": "array", "items": _GLOB},
        "excludedNamespaces": {"type": "array", "items": _GLOB},
        "labelSelector": _SELECTOR,
        "namespaceSelector": _SELECTOR,
        "name": _GLOB,
        "source": {"type": "string", "enum": ["All", "Generated", "Original"]},
    },
}


def constraint_schema(template: Template) -> dict:
    """The schema of a Constraint of `template`'s kind (API server and framework)."""
    spec_props: dict = {
        "match": MATCH_SCHEMA,
        "enforcementAction": {"type": "string", "default": "deny"},
        "scopedEnforcementActions": {"type": "array", "items": {"type": "object", "properties": {
            "action": {"type": "string"},
            "enforcementPoints": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}}}},
        }}},
    }
    if template.parameters_schema is not None:
        spec_props["parameters"] = template.parameters_schema
    return {
        "type": "object",
        "properties": {
            "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 63}}},
            "spec": {"type": "object", "properties": spec_props},
            "status": {"x-kubernetes-preserve-unknown-fields": True},
        },
    }


# --- label selectors (§2.3 step 3) ------------------------------------------------------

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
             "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
             "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
              "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
              "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
                  "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def dns1123_subdomain_errors(name: str) -> list:
    """Kubernetes' reasons why `name` is not a DNS-1123 subdomain (empty: valid)."""
    errors = []
    if len(name) > 253:
        errors.append("must be no more than 253 characters")
    if not _SUBDOMAIN.match(name):
        errors.append(_SUBDOMAIN_MSG)
    return errors


def _check_selectors(ctx: _Context, obj: dict) -> None:
    spec = obj.get("spec")
    match = spec.get("match") if isinstance(spec, dict) else None
    if not isinstance(match, dict):
        return
    errors: list = []
    for key in ("labelSelector", "namespaceSelector"):
        selector = match.get(key)
        if isinstance(selector, dict):
            errors.extend(selector_errors(selector, "spec.labelSelector"))
    if errors:
        text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise ctx.error(f"{_INVALID}{text}", category=SELECTOR, field=errors[0].split(":")[0])


def selector_errors(selector: dict, path: str) -> list:
    """Kubernetes label-selector validation (keys, values, operators, value counts)."""
    errors: list = []
    labels = selector.get("matchLabels")
    if isinstance(labels, dict):
        for k, v in labels.items():
            errors.extend(_label_key_errors(k, f"{path}.matchLabels"))
            if isinstance(v, str) and not (len(v) <= 63 and _VALUE.match(v)):
                errors.append(f'{path}.matchLabels: Invalid value: "{v}": {_VALUE_MSG}')
    exprs = selector.get("matchExpressions")
    for i, req in enumerate(exprs if isinstance(exprs, list) else []):
        if not isinstance(req, dict):
            continue
        where = f"{path}.matchExpressions[{i}]"
        op = req.get("operator")
        values = req.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errors.append(f"{where}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'")
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errors.append(f"{where}.values: Forbidden: may not be specified when `operator` is "
                              "'Exists' or 'DoesNotExist'")
        elif isinstance(op, str):
            errors.append(f'{where}.operator: Invalid value: "{op}": not a valid selector operator')
        if isinstance(req.get("key"), str):
            errors.extend(_label_key_errors(req["key"], f"{where}.key"))
        for j, v in enumerate(values if isinstance(values, list) else []):
            if isinstance(v, str) and not (len(v) <= 63 and _VALUE.match(v)):
                errors.append(f'{where}.values[{j}]: Invalid value: "{v}": {_VALUE_MSG}')
    return errors


def _label_key_errors(key: str, where: str) -> list:
    """Kubernetes IsQualifiedName: optional DNS-subdomain prefix, '/', a name of at most 63."""
    prefix, slash, name = key.rpartition("/")
    errors = []
    if slash and (not prefix or dns1123_subdomain_errors(prefix)):
        errors.append(f'{where}: Invalid value: "{key}": prefix part {_SUBDOMAIN_MSG}')
    if not name:
        errors.append(f'{where}: Invalid value: "{key}": name part must be non-empty')
    elif len(name) > 63:
        errors.append(f'{where}: Invalid value: "{key}": name part must be no more than 63 characters')
    elif not _NAME.match(name):
        errors.append(f'{where}: Invalid value: "{key}": {_NAME_MSG}')
    return errors
