"""JSON Schema for json.verify_schema and json.match_schema.

OPA uses gojsonschema; here the `jsonschema` package (an optional dependency,
imported on first use) validates: draft from $schema, draft 7 by default,
formats checked. Its errors are worded as gojsonschema's. Schemas and
documents go through Go's JSON first (`gojson`), as in OPA.

Two things differ from jsonschema's defaults, for safety:

- `$ref`s resolve only inside the schema and to the JSON Schema meta-schemas
  jsonschema bundles. gojsonschema (so OPA) reads `file://` and `http(s)://`
  references; a policy's schema, often a constraint's parameter, must not
  make regolite read the host's files or reach its network, so such a
  reference is an error. Every `$ref` is resolved when the schema is
  compiled, as gojsonschema does.
- `pattern`, `patternProperties` and `format: regex` are Go regexps run on
  RE2 (`regex.go_search`), as gojsonschema runs them, never Python's `re`.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
import urllib.parse
from fractions import Fraction
from typing import Any

from regolite.builtins import BuiltinError, gojson
from regolite.builtins.regex import RegexSyntaxError, go_search


def compile_schema(schema: Any) -> Any:
    """A validator for a schema given as JSON text or as a value; BuiltinError when it is not a valid schema."""
    text = schema if type(schema) is str else gojson.marshal(schema)
    return _compile_schema_text(text)


def match_errors(document: Any, schema: Any) -> list:
    """gojsonschema's errors for `document` (JSON text or a value) against `schema`; empty when it matches."""
    from referencing.exceptions import Unresolvable

    doc = _schema_json(document)
    validator = compile_schema(schema)
    try:
        return _schema_errors(validator, doc)
    except Unresolvable as e:  # a plain-name fragment naming no anchor (gojsonschema falls back to the root)
        raise BuiltinError(f"Reference #{getattr(e, 'anchor', '')} cannot be resolved") from None


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
    cls = _safe_validator(_dialect(doc))
    try:
        cls.check_schema(doc, format_checker=cls.FORMAT_CHECKER)
    except jsonschema.SchemaError as e:
        raise BuiltinError(_schema_error_text(e)) from None
    _resolve_every_ref(cls, doc)
    return cls(doc, format_checker=cls.FORMAT_CHECKER, registry=_local_registry())


def _dialect(schema: Any) -> Any:
    """The validator class for the schema's `$schema`: draft 4, 6 or 7, as gojsonschema
    knows no other (it ignores later drafts' keywords); draft 7 by default."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    if cls in (jsonschema.Draft4Validator, jsonschema.Draft6Validator):
        return cls
    return jsonschema.Draft7Validator


def _schema_error_text(e: Any) -> str:
    if e.validator == "format" and e.validator_value == "regex":
        if e.path and e.path[-1] == "pattern":
            return "pattern must be a valid regex"
        return f"Invalid regex pattern '{e.instance}'"
    field = ".".join(str(p) for p in e.path)
    return f"{field or '(root)'}: {e.message}"


# --- references: inside the schema only ----------------------------------------------


def _refuse_retrieval(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)


@functools.lru_cache(maxsize=1)
def _local_registry() -> Any:
    """A registry that retrieves nothing: refs reach the schema itself and the meta-schemas jsonschema bundles."""
    from referencing import Registry

    return Registry(retrieve=_refuse_retrieval)


def _resolve_every_ref(cls: Any, schema: Any) -> None:
    """Resolve each `$ref` of the schema now, as gojsonschema does when compiling; BuiltinError for one that fails."""
    import referencing.jsonschema
    from jsonschema_specifications import REGISTRY as META_SCHEMAS
    from referencing.exceptions import InvalidAnchor, NoSuchAnchor, PointerToNowhere, Unresolvable

    dialect = referencing.jsonschema.specification_with(cls.ID_OF(cls.META_SCHEMA) or "",
                                                        default=referencing.jsonschema.DRAFT7)
    root = dialect.create_resource(schema)
    todo = [(META_SCHEMAS.combine(_local_registry()).resolver_with_root(root), root, root.id() or "")]
    while todo:
        resolver, resource, base = todo.pop()
        ref = resource.contents.get("$ref") if type(resource.contents) is dict else None
        if type(ref) is str:
            try:
                resolver.lookup(ref)
            except PointerToNowhere as e:
                raise BuiltinError(_pointer_error(e.ref, e.resource.contents)) from None
            except (NoSuchAnchor, InvalidAnchor):
                pass  # a plain-name fragment: gojsonschema accepts the schema, matching finds out
            except (ValueError, TypeError, LookupError):  # a pointer through a scalar
                raise BuiltinError(_pointer_error(urllib.parse.unquote(ref.partition("#")[2]), root.contents)) from None
            except Unresolvable:
                raise BuiltinError(_unresolvable_error(urllib.parse.urljoin(base, ref) if base else ref)) from None
        for sub in resource.subresources():
            todo.append((resolver.in_subresource(sub), sub, urllib.parse.urljoin(base, sub.id() or "")))


def _pointer_error(pointer: str, document: Any) -> str:
    """gojsonschema's words for a JSON pointer that leads nowhere in `document`."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if type(document) is dict:
            if token not in document:
                return f"Object has no key '{token}'"
            document = document[token]
        elif type(document) is list:
            if not token.isdigit() or int(token) >= len(document):
                return f"Out of bound array[0,{len(document)}] index '{token}'"
            document = document[int(token)]
        else:
            return f"Invalid token reference '{token}'"
    return f"Reference #{pointer} cannot be resolved"


def _unresolvable_error(uri: str) -> str:
    """Why a reference outside the schema fails: gojsonschema's words for one
    it would not read either, ours for one it would read from a file or URL."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme == "file" or parts.scheme in ("http", "https") and parts.netloc:
        return f"Reference {uri} is not read: regolite resolves no remote references"
    if not parts.scheme:  # resolved against no base, as Go resolves it: an absolute path
        uri = posixpath.normpath("/" + parts.path) + (f"#{parts.fragment}" if parts.fragment else "")
    return f"Reference {uri} must be canonical"


# --- regexes: Go's, on RE2 -----------------------------------------------------------------


def _search(pattern: str, text: str) -> bool:
    try:
        return go_search(pattern)(text)
    except RegexSyntaxError:  # check_schema refused such patterns already
        return False


def _additional_properties(instance: dict, schema: dict):
    """The properties of `instance` that neither `properties` nor `patternProperties` cover."""
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    for name in instance:
        if name not in properties and not any(_search(p, name) for p in patterns):
            yield name


def _is_go_regex(instance: Any) -> bool:
    if type(instance) is str:
        go_search(instance)  # raises RegexSyntaxError
    return True


@functools.lru_cache(maxsize=None)
def _safe_validator(cls: Any) -> Any:
    """`cls` with its regex keywords on RE2 (Go's syntax) and its `regex` format checked by Go's rules."""
    import jsonschema
    from jsonschema.exceptions import ValidationError

    def pattern(validator, pattern, instance, schema):
        if validator.is_type(instance, "string") and not _search(pattern, instance):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")

    def pattern_properties(validator, patterns, instance, schema):
        if validator.is_type(instance, "object"):
            for pattern, subschema in patterns.items():
                for name, value in instance.items():
                    if _search(pattern, name):
                        yield from validator.descend(value, subschema, path=name, schema_path=pattern)

    def additional_properties(validator, allowed, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        extras = list(_additional_properties(instance, schema))
        if validator.is_type(allowed, "object"):
            for name in extras:
                yield from validator.descend(instance[name], allowed, path=name)
        elif not allowed and extras:
            yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, extras))} unexpected)")

    checker = jsonschema.FormatChecker(())
    checker.checkers = {**cls.FORMAT_CHECKER.checkers, "regex": (_is_go_regex, RegexSyntaxError)}
    checker.checkers.pop("idn-hostname", None)  # gojsonschema does not check it (and idna is quadratic)
    keywords = {"pattern": pattern, "patternProperties": pattern_properties,
                "additionalProperties": additional_properties}
    safe = jsonschema.validators.extend(cls, {k: v for k, v in keywords.items() if k in cls.VALIDATORS},
                                        format_checker=checker)
    safe.FORMAT_CHECKER = checker
    return safe


def _schema_type(value: Any) -> str:
    t = type(value)
    if t is bool:
        return "boolean"
    if t is int or (t is float and value.is_integer()):
        return "integer"
    if t is float or t is Fraction:
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
        for name in _additional_properties(e.instance, e.schema):
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
