"""Kubernetes structural schemas: the OpenAPI v3 schemas of Constraint parameters.

A ConstraintTemplate's `openAPIV3Schema` becomes part of the Constraint CRD
(GATEKEEPER-SEMANTICS.md §1.6), so it must be a structural schema as the API
server defines one, and a Constraint is checked against it as the API server
and the framework check a custom resource (§2.3). This module covers the subset
Kubernetes applies to CRDs and gator meets:

- `structural_errors(schema, path)`: why a schema is not structural (types,
  `items`, `properties` vs `additionalProperties`, `$ref`,
  `x-kubernetes-preserve-unknown-fields`);
- `preserve_unknown_fields(schema)`: the `legacySchema` transform (§1.6);
- `validate(value, schema, path)`: a value's field errors (types with integer
  vs number, nullable, enum, pattern, bounds, required, properties,
  additionalProperties, items, allOf/anyOf/oneOf/not), worded as the API server
  words them;
- `unknown_fields`, `prune`, `apply_defaults`: pruning and defaulting.

`templates.py` checks and transforms a template's schema with it,
`constraints.py` validates, prunes and defaults Constraints with it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from regolite.builtins.gostrconv import go_quote
from regolite.builtins.regex import RegexSyntaxError, regex_match
from regolite.documents import json_type

SCHEMA_TYPES = ("object", "array", "string", "integer", "number", "boolean")


class SchemaError(ValueError):
    """A schema the legacySchema transform cannot take (the message says why)."""


# --- checking a schema ---------------------------------------------------------------


def structural_errors(schema: Any, path: str, *, root_field: bool = True) -> list:
    """Kubernetes structural-schema violations of `schema` (the subset gator meets)."""
    errors: list = []
    if not isinstance(schema, dict):
        return [f"{path}: Invalid value: expected a schema object"]
    stype = schema.get("type")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields")
    int_or_string = schema.get("x-kubernetes-int-or-string") is True
    if stype is not None and stype not in SCHEMA_TYPES:
        shown = f'"{stype}"' if isinstance(stype, str) else str(stype)
        errors.append(f'{path}.type: Unsupported value: {shown}: supported values: '
                      + ", ".join(f'"{x}"' for x in SCHEMA_TYPES))
    if root_field and not stype and preserve is not True and not int_or_string:
        errors.append(f"{path}.type: Required value: must not be empty for specified object fields")
    if preserve is False:
        errors.append(f"{path}.x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined")
    if "$ref" in schema:
        errors.append(f"{path}.$ref: Forbidden: $ref is not supported")
    items = schema.get("items")
    if stype == "array" and items is None:
        errors.append(f"{path}.items: Required value: must be specified")
    if isinstance(items, list):
        errors.append(f"{path}.items: Forbidden: items must be a schema object and not an array")
    elif items is not None:
        errors.extend(structural_errors(items, f"{path}.items"))
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    if props is not None and extra is not None and extra is not True:
        errors.append(f"{path}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive")
    if extra is False:
        errors.append(f"{path}.additionalProperties: Forbidden: additionalProperties cannot be set to false")
    if isinstance(extra, dict):
        errors.extend(structural_errors(extra, f"{path}.additionalProperties"))
    if props is not None and not isinstance(props, dict):
        errors.append(f"{path}.properties: Invalid value: expected an object")
    elif props:
        for key, sub in props.items():
            errors.extend(structural_errors(sub, f"{path}.properties[{key}]"))
    return errors


def preserve_unknown_fields(schema: dict) -> dict:
    """The legacySchema transform, in place: preserve unknown fields at object and
    untyped levels, give arrays without `items` a preserving one. SchemaError for
    a list of `items` schemas, which the transform cannot take."""
    stype = schema.get("type", "")
    if stype in ("object", "", None):
        schema["x-kubernetes-preserve-unknown-fields"] = True
    if stype == "array" and "items" not in schema:
        schema["items"] = {"x-kubernetes-preserve-unknown-fields": True}
    items = schema.get("items")
    if isinstance(items, list):
        raise SchemaError("multiple items schemas are not supported (items must be a single schema)")
    if isinstance(items, dict):
        preserve_unknown_fields(items)
    for sub in (schema.get("properties") or {}).values():
        if isinstance(sub, dict):
            preserve_unknown_fields(sub)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        preserve_unknown_fields(extra)
    return schema


# --- validating a value --------------------------------------------------------------


def validate(value: Any, schema: Any, path: str, *, root: bool = False) -> list:
    """Field errors of `value` against a structural `schema`, as `path: reason` strings."""
    if not isinstance(schema, dict):
        return []
    where = path or "<root>"
    if value is None:
        if schema.get("nullable") is True or not schema.get("type"):
            return []
        return [f"{where}: expected {schema['type']}, got null"]
    stype = schema.get("type")
    if stype and not _type_ok(value, stype):
        return [f"{where}: expected {stype}, got {json_type(value)}"]
    errors: list = []
    if "enum" in schema and isinstance(schema["enum"], list):
        if not any(_json_equal(value, e) for e in schema["enum"]):
            allowed = ", ".join(_render(e) for e in schema["enum"])
            errors.append(f"{where}: Unsupported value: {_render(value)}: supported values: {allowed}")
    if isinstance(value, str):
        errors.extend(_string_errors(value, schema, where))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        errors.extend(_number_errors(value, schema, where))
    elif isinstance(value, list):
        errors.extend(_array_errors(value, schema, where))
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                errors.extend(validate(item, items, f"{path}[{i}]"))
    elif isinstance(value, dict):
        errors.extend(_object_errors(value, schema, path, root))
    errors.extend(_combinator_errors(value, schema, path))
    return errors


def _type_ok(value: Any, stype: str) -> bool:
    if stype == "object":
        return isinstance(value, dict)
    if stype == "array":
        return isinstance(value, list)
    if stype == "string":
        return isinstance(value, str)
    if stype == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if stype == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if stype == "number":
        return isinstance(value, (int, float))
    return True


def _string_errors(value: str, schema: dict, where: str) -> list:
    errors = []
    if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
        errors.append(f"{where}: Too long: may not be longer than {schema['maxLength']}")
    if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
        errors.append(f"{where}: Invalid value: {_render(value)}: should be at least "
                      f"{schema['minLength']} chars long")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            ok = regex_match(pattern, value)  # Go's regexp (RE2), as the API server matches
        except RegexSyntaxError:
            ok = True  # an uncompilable pattern is a template problem, not the constraint's
        if not ok:
            errors.append(f"{where}: Invalid value: {_render(value)}: should match '{pattern}'")
    return errors


def _number_errors(value: float, schema: dict, where: str) -> list:
    errors = []
    maximum, minimum = schema.get("maximum"), schema.get("minimum")
    if isinstance(maximum, (int, float)):
        if schema.get("exclusiveMaximum") is True and value >= maximum:
            errors.append(f"{where}: Invalid value: {_render(value)}: should be less than {maximum}")
        elif value > maximum:
            errors.append(f"{where}: Invalid value: {_render(value)}: should be less than or equal to {maximum}")
    if isinstance(minimum, (int, float)):
        if schema.get("exclusiveMinimum") is True and value <= minimum:
            errors.append(f"{where}: Invalid value: {_render(value)}: should be greater than {minimum}")
        elif value < minimum:
            errors.append(f"{where}: Invalid value: {_render(value)}: should be greater than or equal to {minimum}")
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0 and (value / step) != int(value / step):
        errors.append(f"{where}: Invalid value: {_render(value)}: should be a multiple of {step}")
    return errors


def _array_errors(value: list, schema: dict, where: str) -> list:
    errors = []
    if isinstance(schema.get("maxItems"), int) and len(value) > schema["maxItems"]:
        errors.append(f"{where}: Too many: {len(value)}: must have at most {schema['maxItems']} items")
    if isinstance(schema.get("minItems"), int) and len(value) < schema["minItems"]:
        errors.append(f"{where}: Invalid value: {len(value)}: should have at least {schema['minItems']} items")
    if schema.get("uniqueItems") is True:
        seen: list = []
        for item in value:
            if any(_json_equal(item, s) for s in seen):
                errors.append(f"{where}: Duplicate value: {_render(item)}")
                break
            seen.append(item)
    return errors


def _object_errors(value: dict, schema: dict, path: str, root: bool) -> list:
    errors = []
    where = path or "<root>"
    for key in schema.get("required") or []:
        if key not in value:
            errors.append(f"{_join(path, key)}: Required value")
    if isinstance(schema.get("maxProperties"), int) and len(value) > schema["maxProperties"]:
        errors.append(f"{where}: Too many: {len(value)}: must have at most {schema['maxProperties']} items")
    if isinstance(schema.get("minProperties"), int) and len(value) < schema["minProperties"]:
        errors.append(f"{where}: Invalid value: {len(value)}: should have at least "
                      f"{schema['minProperties']} properties")
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if root and key in ("apiVersion", "kind"):
            continue
        sub = props.get(key)
        if isinstance(sub, dict):
            errors.extend(validate(item, sub, _join(path, key)))
        elif isinstance(extra, dict):
            errors.extend(validate(item, extra, _join(path, key)))
        elif extra is False:
            errors.append(f"{_join(path, key)}: Forbidden: additional properties are not allowed")
    return errors


def _combinator_errors(value: Any, schema: dict, path: str) -> list:
    errors = []
    where = path or "<root>"
    for sub in schema.get("allOf") or []:
        errors.extend(validate(value, sub, path))
    any_of = schema.get("anyOf")
    if isinstance(any_of, list) and any_of and all(validate(value, s, path) for s in any_of):
        errors.append(f"{where}: Invalid value: {_render(value)}: must validate at least one schema (anyOf)")
    one_of = schema.get("oneOf")
    if isinstance(one_of, list) and one_of:
        passing = sum(1 for s in one_of if not validate(value, s, path))
        if passing != 1:
            errors.append(f"{where}: Invalid value: {_render(value)}: must validate one and only one schema (oneOf)")
    if isinstance(schema.get("not"), dict) and not validate(value, schema["not"], path):
        errors.append(f"{where}: Invalid value: {_render(value)}: must not validate the schema (not)")
    return errors


# --- unknown fields, pruning, defaulting ------------------------------------------------


def unknown_fields(value: Any, schema: Any, path: str, *, root: bool = False) -> list:
    """Paths of fields the structural `schema` does not specify (pruning candidates)."""
    out: list = []
    _walk_unknown(value, schema, path, root, out, prune_them=False)
    return sorted(out)


def prune(value: Any, schema: Any, *, root: bool = False) -> None:
    """Drop unknown fields in place (the API server's pruning)."""
    _walk_unknown(value, schema, "", root, [], prune_them=True)


def _walk_unknown(value: Any, schema: Any, path: str, root: bool, out: list, prune_them: bool) -> None:
    if not isinstance(schema, dict):
        return
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                _walk_unknown(item, items, f"{path}[{i}]", False, out, prune_them)
        return
    if not isinstance(value, dict):
        return
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    extra = schema.get("additionalProperties")
    for key in list(value):
        if root and key in ("apiVersion", "kind", "metadata"):
            continue
        sub = props.get(key)
        if sub is None and isinstance(extra, dict):
            sub = extra
        if sub is None and (extra is True or preserve):
            continue
        if sub is None:
            out.append(_join(path, key))
            if prune_them:
                del value[key]
            continue
        _walk_unknown(value[key], sub, _join(path, key), False, out, prune_them)


def apply_defaults(value: Any, schema: Any) -> None:
    """Structural defaulting in place: fill `default`s of missing properties of existing objects."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, list):
        items = schema.get("items")
        for item in value:
            apply_defaults(item, items)
        return
    if not isinstance(value, dict):
        return
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    for key, sub in props.items():
        if isinstance(sub, dict) and "default" in sub and key not in value:
            value[key] = copy.deepcopy(sub["default"])
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        sub = props.get(key)
        if sub is None and isinstance(extra, dict):
            sub = extra
        apply_defaults(item, sub)


# --- helpers ------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _render(value: Any) -> str:
    if isinstance(value, str):
        return go_quote(value)  # the API server's field errors print strings with %q
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)
