"""JSON Schema for json.verify_schema and json.match_schema.

OPA uses gojsonschema; here the `jsonschema` package (an optional dependency,
imported on first use) validates: draft from $schema, draft 7 by default,
formats checked. Its errors are worded as gojsonschema's. Schemas and
documents go through Go's JSON first (`gojson`), as in OPA.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from regolite.builtins import BuiltinError, gojson


def compile_schema(schema: Any) -> Any:
    """A validator for a schema given as JSON text or as a value; BuiltinError when it is not a valid schema."""
    text = schema if type(schema) is str else gojson.marshal(schema)
    return _compile_schema_text(text)


def match_errors(document: Any, schema: Any) -> list:
    """gojsonschema's errors for `document` (JSON text or a value) against `schema`; empty when it matches."""
    doc = _schema_json(document)
    validator = compile_schema(schema)
    return _schema_errors(validator, doc)


def _schema_json(value: Any) -> Any:
    if type(value) is str:
        if not gojson.is_valid(value):
            raise BuiltinError("invalid JSON string")
        return gojson.unmarshal(value)
    return json.loads(gojson.marshal(value))  # as OPA: through JSON, so keys are strings


@functools.lru_cache(maxsize=64)
def _compile_schema_text(text: str) -> Any:
    """A validator for the schema's JSON text (the cache key: equal schemas give equal text).

    Bounded LRU, like OPA's cache of compiled schemas; failures are not cached.
    """
    import jsonschema  # optional dependency, loaded on first use

    doc = _schema_json(text)
    if type(doc) is not dict and type(doc) is not bool:
        raise BuiltinError(f"Invalid type. Expected: object or boolean, given: {_schema_type(doc)}")
    cls = jsonschema.validators.validator_for(doc, default=jsonschema.Draft7Validator)
    try:
        cls.check_schema(doc)
    except jsonschema.SchemaError as e:
        raise BuiltinError(_schema_error_text(e)) from None
    return cls(doc, format_checker=cls.FORMAT_CHECKER)


def _schema_error_text(e: Any) -> str:
    field = ".".join(str(p) for p in e.path)
    return f"{field or '(root)'}: {e.message}"


def _schema_type(value: Any) -> str:
    t = type(value)
    if t is bool:
        return "boolean"
    if t is int or (t is float and value.is_integer()):
        return "integer"
    if t is float:
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}.get(t, "unknown")


def _gojson(value: Any) -> str:
    return gojson.marshal(value)  # schema values are JSON data, valid Rego values as they are


def _schema_error(e: Any) -> dict:
    """A jsonschema ValidationError as gojsonschema's ResultError fields."""
    kind, desc = _schema_description(e)
    return _schema_result(kind, _field_of(e), desc)


def _schema_errors(validator: Any, doc: Any) -> list:
    out: list = []
    for e in validator.iter_errors(doc):
        _add_schema_error(e, out)
    return out


def _add_schema_error(e: Any, out: list) -> None:
    if e.validator == "additionalProperties" and e.validator_value is False and type(e.instance) is dict:
        # gojsonschema reports each unexpected property on its own
        from jsonschema._utils import find_additional_properties

        for name in find_additional_properties(e.instance, e.schema):
            desc = f"Additional property {name} is not allowed"
            out.append(_schema_result("additional_property_not_allowed", _field_of(e), desc))
        return
    out.append(_schema_error(e))
    if e.validator in ("anyOf", "oneOf") and e.context:
        # gojsonschema adds the errors of the closest subschema (here: the one with fewest errors)
        groups: dict = {}
        for sub in e.context:
            groups.setdefault(sub.relative_schema_path[0], []).append(sub)
        for sub in min(groups.values(), key=len):
            _add_schema_error(sub, out)


def _schema_result(kind: str, field: str, desc: str) -> dict:
    return {"error": f"{field}: {desc}", "type": kind, "field": field, "desc": desc}


def _schema_description(e: Any) -> tuple[str, str]:
    v, expected, instance = e.validator, e.validator_value, e.instance
    if v == "type":
        types = expected if isinstance(expected, list) else [expected]
        shown = types[0] if len(types) == 1 else "[" + ",".join(types) + "]"
        return "invalid_type", f"Invalid type. Expected: {shown}, given: {_schema_type(instance)}"
    if v == "required":
        missing = _quoted_name(e.message)
        return "required", f"{missing} is required"
    if v == "additionalProperties":
        extra = _quoted_name(e.message)
        return "additional_property_not_allowed", f"Additional property {extra} is not allowed"
    if v == "enum":
        allowed = ", ".join(_gojson(x) for x in expected)
        return "enum", f"{_field_of(e)} must be one of the following: {allowed}"
    if v == "const":
        return "const", f"{_field_of(e)} does not match: {_gojson(expected)}"
    simple = {
        "minimum": ("number_gte", "Must be greater than or equal to {}"),
        "maximum": ("number_lte", "Must be less than or equal to {}"),
        "exclusiveMinimum": ("number_gt", "Must be greater than {}"),
        "exclusiveMaximum": ("number_lt", "Must be less than {}"),
        "multipleOf": ("multiple_of", "Must be a multiple of {}"),
        "minLength": ("string_gte", "String length must be greater than or equal to {}"),
        "maxLength": ("string_lte", "String length must be less than or equal to {}"),
        "pattern": ("pattern", "Does not match pattern '{}'"),
        "format": ("format", "Does not match format '{}'"),
        "minItems": ("array_min_items", "Array must have at least {} items"),
        "maxItems": ("array_max_items", "Array must have at most {} items"),
        "minProperties": ("array_min_properties", "Must have at least {} properties"),
        "maxProperties": ("array_max_properties", "Must have at most {} properties"),
    }
    if v in simple:
        kind, text = simple[v]
        shown = expected if type(expected) is str else _gojson(expected)
        return kind, text.format(shown)
    fixed = {
        "anyOf": ("number_any_of", "Must validate at least one schema (anyOf)"),
        "oneOf": ("number_one_of", "Must validate one and only one schema (oneOf)"),
        "allOf": ("number_all_of", "Must validate all the schemas (allOf)"),
        "not": ("number_not", "Must not validate the schema (not)"),
        "uniqueItems": ("unique", "array items must be unique"),
        "contains": ("contains", "At least one of the items must match"),
        "additionalItems": ("array_no_additional_items", "No additional items allowed on array"),
        "items": ("array_no_additional_items", "No additional items allowed on array"),
        "dependencies": ("missing_dependency", "Has a dependency on " + _quoted_name(e.message)),
        "dependentRequired": ("missing_dependency", "Has a dependency on " + _quoted_name(e.message)),
        None: ("false", "False always fails validation"),
    }
    if v in fixed:
        return fixed[v]
    return str(v), e.message


def _field_of(e: Any) -> str:
    path = [str(p) for p in e.absolute_path]
    return ".".join(path) if path else "(root)"


_FIRST_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _quoted_name(message: str) -> str:
    """The property name jsonschema quotes with repr() in its message."""
    m = _FIRST_QUOTED.search(message)
    return m.group(1) if m else message
