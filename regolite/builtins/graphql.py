"""GraphQL builtins: graphql.parse*, graphql.is_valid and graphql.schema_is_valid.

OPA uses gqlparser (vektah/gqlparser); here the `graphql-core` package (the
Python port of GraphQL.js, which gqlparser follows too) parses and validates,
loaded on first use. What OPA returns and how regolite gets there:

- ASTs are gqlparser's Go structs turned into JSON, with nulls, empty
  arrays/objects and `Position` pruned away: `{"Operations": [{"Operation":
  "query", "Name": "", "SelectionSet": [{"Alias": "a", "Name": "a"}]}]}`.
  `to_query_json`/`to_schema_json` build that shape from graphql-core's nodes
  field for field. Not reproduced: gqlparser's `Comment` groups (source
  comments are dropped here) and fields gqlparser fills in only during
  validation (OPA converts before validating, so they never show).
- A query must hold only operations and fragments, a schema only type-system
  definitions, as gqlparser's two parsers demand.
- Errors are OPA's: "<message> in GraphQL string at location 1:5" for syntax,
  "<message> in GraphQL query string at location 1:3" for validation,
  "Error in gqlparser SchemaDocument to Schema conversion: input:1:6: <message>"
  for schema checks. The <message> is graphql-core's (GraphQL.js wording, with
  names quoted "like this" as gqlparser does, final period dropped); it often
  but not always equals gqlparser's text.
- Schema validity: graphql-core's SDL rules and schema checks, except that a
  missing Query type is allowed (gqlparser allows it; a query against such a
  schema fails with `Schema does not support operation type "query"`).
- Operands given as objects: a schema object is read back as gqlparser's
  SchemaDocument (printed as SDL and parsed again; error locations then
  point into that print-out, where OPA has none). A query object with any
  selection fails as it does in OPA, whose JSON decoding cannot fill
  gqlparser's Selection interface; a query object without selections is not
  supported (an error here).
- Without graphql-core installed every graphql builtin fails with an error
  saying so (is_valid does not quietly answer false).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from regolite.builtins import BuiltinError, builtin, charge_steps
from regolite.builtins.signature import ANY, BOOLEAN, STRING, array_tuple, object_of, one_of

GRAPHQL = ("graphql",)

_DOC = one_of(STRING, object_of(ANY, ANY))
_OBJECT = object_of(ANY, ANY)


class MissingDependencyError(BuiltinError):
    """graphql-core is not installed: an error even where OPA would answer false."""


def _query_cost(query: Any, *schema: Any) -> int:
    """A step per KiB of query text; validating charges its comparisons as it runs (`_overlap_steps`)."""
    return len(query) >> 10 if type(query) is str else 0


@builtin("graphql.parse_query", args=(STRING,), result=_OBJECT, categories=GRAPHQL)
def graphql_parse_query(query: str) -> dict:
    return _prune(to_query_json(_parse_query(query)))


@builtin("graphql.parse_schema", args=(STRING,), result=_OBJECT, categories=GRAPHQL)
def graphql_parse_schema(schema: str) -> dict:
    return _prune(to_schema_json(_parse_schema_text(schema)))


@builtin("graphql.parse", args=(_DOC, _DOC), result=array_tuple(_OBJECT, _OBJECT), categories=GRAPHQL,
         cost=_query_cost, meters=True)
def graphql_parse(query: Any, schema: Any) -> list:
    query_doc = _query_operand(query)
    schema_text = _schema_operand(schema)
    schema_doc = _parse_schema_text(schema_text)
    _verify(query_doc, schema_text)
    return [_prune(to_query_json(query_doc)), _prune(to_schema_json(schema_doc))]


@builtin(
    "graphql.parse_and_verify",
    args=(_DOC, _DOC),
    result=array_tuple(BOOLEAN, _OBJECT, _OBJECT),
    categories=GRAPHQL,
    cost=_query_cost,
    meters=True,
)
def graphql_parse_and_verify(query: Any, schema: Any) -> list:
    try:
        parsed = graphql_parse(query, schema)
    except MissingDependencyError:
        raise
    except BuiltinError:
        return [False, {}, {}]
    return [True, *parsed]


@builtin("graphql.is_valid", args=(_DOC, _DOC), result=BOOLEAN, categories=GRAPHQL, check_args=False,
         cost=_query_cost, meters=True)
def graphql_is_valid(query: Any, schema: Any) -> bool:
    # OPA answers false, not a type error, for operands of other types
    if not _is_doc(query) or not _is_doc(schema):
        return False
    try:
        _verify(_query_operand(query), _schema_operand(schema))
    except MissingDependencyError:
        raise
    except BuiltinError:
        return False
    return True


@builtin("graphql.schema_is_valid", args=(_DOC,), result=BOOLEAN, categories=GRAPHQL, check_args=False)
def graphql_schema_is_valid(schema: Any) -> bool:
    if not _is_doc(schema):
        return False
    try:
        _build_schema(_schema_operand(schema))
    except MissingDependencyError:
        raise
    except BuiltinError:
        return False
    return True


# --- parsing and validation ----------------------------------------------------------


def _is_doc(x: Any) -> bool:
    return type(x) is str or type(x) is dict


def _query_operand(query: Any) -> Any:
    if type(query) is str:
        return _parse_query(query)
    return _parse_query_object(query)


def _schema_operand(schema: Any) -> str:
    """The schema's SDL text (a schema object is printed as SDL)."""
    return schema if type(schema) is str else schema_object_to_sdl(schema)


@functools.lru_cache(maxsize=64)
def _parse_query(text: str) -> Any:
    """gqlparser's ParseQuery: operations and fragments only. Cached by the query text."""
    doc = _parse(text)
    from graphql.language import ExecutableDefinitionNode

    for d in doc.definitions:
        if not isinstance(d, ExecutableDefinitionNode):
            raise _syntax_error(_unexpected_name(d), doc, d.loc.start)
    return doc


@functools.lru_cache(maxsize=64)
def _parse_schema_text(text: str) -> Any:
    """gqlparser's ParseSchema: type-system definitions only. Cached by the schema text."""
    doc = _parse(text)
    from graphql.language import TypeSystemDefinitionNode, TypeSystemExtensionNode

    for d in doc.definitions:
        if not isinstance(d, (TypeSystemDefinitionNode, TypeSystemExtensionNode)):
            raise _syntax_error(_unexpected_name(d), doc, d.loc.start)
    return doc


def _parse(text: str) -> Any:
    try:
        from graphql import GraphQLError
        from graphql.language import parse
    except ImportError:
        raise MissingDependencyError("the graphql builtins need the graphql-core package") from None

    try:
        return parse(text)
    except GraphQLError as e:
        line, col = _line_col(text, e.positions[0] if e.positions else 0)
        # gqlparser names punctuators bare: "Expected }, found <EOF>"
        msg = _gql_message(_QUOTED_PUNCTUATOR.sub(r"\1", e.message.removeprefix("Syntax Error: ")))
        raise BuiltinError(f"{msg} in GraphQL string at location {line}:{col}") from None


def _unexpected_name(d: Any) -> str:
    """gqlparser's `Unexpected Name "type"` for a definition of the wrong kind."""
    body = d.loc.source.body
    word = re.match(r"[_A-Za-z][_0-9A-Za-z]*", body[d.loc.start :])
    if word is None:
        return "Unexpected {"
    return f'Unexpected Name "{word.group()}"'


def _syntax_error(message: str, doc: Any, position: int) -> BuiltinError:
    line, col = _line_col(doc.loc.source.body, position)
    return BuiltinError(f"{message} in GraphQL string at location {line}:{col}")


def _overlap_steps(document: Any) -> int:
    """Steps of validating `document`: the rule that the fields of a selection set
    can be merged compares each two with the same response name (4 µs a pair
    in graphql-core: 1,000 `a`s took 4 s), so 8 steps a pair."""
    steps = 0
    stack = [d.selection_set for d in document.definitions if getattr(d, "selection_set", None)]
    while stack:
        counts: dict = {}
        for selection in stack.pop().selections:
            name = getattr(selection, "alias", None) or getattr(selection, "name", None)
            if name is not None:
                counts[name.value] = counts.get(name.value, 0) + 1
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)
        steps += 8 * sum(n * n for n in counts.values() if n > 1)
    return steps


def _verify(query_doc: Any, schema_text: str) -> None:
    """Validate the query against the schema, as OPA's validateQuery reports it."""
    from graphql import validate

    schema = _build_schema(schema_text)
    charge_steps(_overlap_steps(query_doc))
    errors = [_missing_root_error(op, schema) for op in _operations(query_doc)]
    errors = [e for e in errors if e is not None] or validate(schema, query_doc)
    if errors:
        body = query_doc.loc.source.body
        listing = "".join(_gqlerror_text(e.message, body, e) + "\n" for e in errors)
        parts = listing.split(":", 3)
        msg = parts[-1].lstrip(" ").removesuffix(".\n")
        if len(parts) < 4:  # no location (OPA would fail harder here)
            raise BuiltinError(f"{msg} in GraphQL query string")
        raise BuiltinError(f"{msg} in GraphQL query string at location {parts[1]}:{parts[2]}")


def _operations(doc: Any) -> list:
    from graphql.language import OperationDefinitionNode

    return [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]


def _missing_root_error(op: Any, schema: Any) -> Any:
    from graphql import GraphQLError

    kind = op.operation.value
    if schema.get_root_type(op.operation) is None:
        return GraphQLError(f'Schema does not support operation type "{kind}"', op)
    return None


@functools.lru_cache(maxsize=64)
def _build_schema(schema_text: str) -> Any:
    """A GraphQLSchema for validating queries, or the conversion error OPA reports. Cached by SDL text."""
    schema_doc = _parse_schema_text(schema_text)
    from graphql import GraphQLError, build_ast_schema, validate_schema
    from graphql.validation.validate import validate_sdl

    errors = validate_sdl(schema_doc)
    schema = None
    if not errors:
        try:
            checked = build_ast_schema(schema_doc, assume_valid_sdl=True)
            errors = [e for e in validate_schema(checked) if e.message != "Query root type must be provided."]
            if not errors:
                schema = build_ast_schema(schema_doc, assume_valid=True, assume_valid_sdl=True)
        except (GraphQLError, TypeError) as e:
            errors = [e if isinstance(e, GraphQLError) else GraphQLError(str(e))]
    if errors:
        text = _gqlerror_text(errors[0].message, schema_doc.loc.source.body, errors[0])
        raise BuiltinError(f"Error in gqlparser SchemaDocument to Schema conversion: {text}")
    return schema


def _gqlerror_text(message: str, body: str, error: Any) -> str:
    """gqlerror.Error.Error(): `input:line:col: message`."""
    positions = error.positions
    if not positions:
        return f"input: {_gql_message(message, keep_period=True)}"
    line, col = _line_col(body, positions[0])
    return f"input:{line}:{col}: {_gql_message(message, keep_period=True)}"


_QUOTED_PUNCTUATOR = re.compile(r"'(\.\.\.|[!$&():=@\[\]{|}])'")
_SINGLE_QUOTED = re.compile(r"'([^'\s]+)'")


def _gql_message(message: str, keep_period: bool = False) -> str:
    """graphql-core's message worded as gqlparser's: names in double quotes, no final period."""
    message = _SINGLE_QUOTED.sub(r'"\1"', message)
    return message if keep_period else message.removesuffix(".")


def _line_col(body: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset (\\r\\n, \\n and \\r end lines)."""
    before = body[:position]
    line = len(re.findall(r"\r\n|[\n\r]", before)) + 1
    start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return line, position - start + 1


# --- graphql-core nodes to gqlparser's JSON shape -------------------------------------


def to_query_json(doc: Any) -> dict:
    """A gqlparser QueryDocument (before pruning) for a graphql-core document."""
    from graphql.language import FragmentDefinitionNode

    out: dict = {"Operations": [], "Fragments": []}
    for d in doc.definitions:
        if isinstance(d, FragmentDefinitionNode):
            out["Fragments"].append(
                {
                    "Name": d.name.value,
                    "VariableDefinition": [_variable_json(v) for v in d.variable_definitions or ()],
                    "TypeCondition": d.type_condition.name.value,
                    "Directives": _directives_json(d.directives),
                    "SelectionSet": _selections_json(d.selection_set),
                }
            )
        else:
            out["Operations"].append(
                {
                    "Operation": d.operation.value,
                    "Name": _name(d.name),
                    "VariableDefinitions": [_variable_json(v) for v in d.variable_definitions or ()],
                    "Directives": _directives_json(d.directives),
                    "SelectionSet": _selections_json(d.selection_set),
                }
            )
    return out


def to_schema_json(doc: Any) -> dict:
    """A gqlparser SchemaDocument (before pruning) for a graphql-core document."""
    from graphql.language import (
        DirectiveDefinitionNode,
        SchemaDefinitionNode,
        SchemaExtensionNode,
        TypeExtensionNode,
    )

    out: dict = {"Schema": [], "SchemaExtension": [], "Directives": [], "Definitions": [], "Extensions": []}
    for d in doc.definitions:
        if isinstance(d, (SchemaDefinitionNode, SchemaExtensionNode)):
            key = "Schema" if isinstance(d, SchemaDefinitionNode) else "SchemaExtension"
            out[key].append(
                {
                    "Description": _description(d),
                    "Directives": _directives_json(d.directives),
                    "OperationTypes": [
                        {"Operation": t.operation.value, "Type": t.type.name.value} for t in d.operation_types or ()
                    ],
                }
            )
        elif isinstance(d, DirectiveDefinitionNode):
            out["Directives"].append(
                {
                    "Description": _description(d),
                    "Name": d.name.value,
                    "Arguments": [_input_value_json(a) for a in d.arguments or ()],
                    "Locations": [loc.value for loc in d.locations],
                    "IsRepeatable": bool(d.repeatable),
                }
            )
        else:
            key = "Extensions" if isinstance(d, TypeExtensionNode) else "Definitions"
            out[key].append(_definition_json(d))
    return out


_DEFINITION_KINDS = {
    "scalar": "SCALAR",
    "object": "OBJECT",
    "interface": "INTERFACE",
    "union": "UNION",
    "enum": "ENUM",
    "input_object": "INPUT_OBJECT",
}


def _definition_json(d: Any) -> dict:
    kind = _DEFINITION_KINDS[d.kind.removesuffix("_type_definition").removesuffix("_type_extension")]
    fields = getattr(d, "fields", None) or ()
    if kind == "INPUT_OBJECT":
        field_list = [_input_value_json(f) for f in fields]
    else:
        field_list = [
            {
                "Description": _description(f),
                "Name": f.name.value,
                "Arguments": [_input_value_json(a) for a in f.arguments or ()],
                "Type": _type_json(f.type),
                "Directives": _directives_json(f.directives),
            }
            for f in fields
        ]
    return {
        "Kind": kind,
        "Description": _description(d),
        "Name": d.name.value,
        "Directives": _directives_json(d.directives),
        "Interfaces": [i.name.value for i in getattr(d, "interfaces", None) or ()],
        "Fields": field_list,
        "Types": [t.name.value for t in getattr(d, "types", None) or ()],
        "EnumValues": [
            {"Description": _description(v), "Name": v.name.value, "Directives": _directives_json(v.directives)}
            for v in getattr(d, "values", None) or ()
        ],
        "BuiltIn": False,
    }


def _input_value_json(a: Any) -> dict:
    """An ArgumentDefinition or an input object's FieldDefinition (same JSON keys)."""
    return {
        "Description": _description(a),
        "Name": a.name.value,
        "DefaultValue": _value_json(a.default_value) if a.default_value is not None else None,
        "Type": _type_json(a.type),
        "Directives": _directives_json(a.directives),
    }


def _selections_json(selection_set: Any) -> list:
    from graphql.language import FieldNode, FragmentSpreadNode

    out = []
    for s in selection_set.selections if selection_set else ():
        if isinstance(s, FieldNode):
            name = s.name.value
            out.append(
                {
                    "Alias": s.alias.value if s.alias else name,
                    "Name": name,
                    "Arguments": [{"Name": a.name.value, "Value": _value_json(a.value)} for a in s.arguments or ()],
                    "Directives": _directives_json(s.directives),
                    "SelectionSet": _selections_json(s.selection_set),
                }
            )
        elif isinstance(s, FragmentSpreadNode):
            out.append({"Name": s.name.value, "Directives": _directives_json(s.directives)})
        else:
            out.append(
                {
                    "TypeCondition": s.type_condition.name.value if s.type_condition else "",
                    "Directives": _directives_json(s.directives),
                    "SelectionSet": _selections_json(s.selection_set),
                }
            )
    return out


def _variable_json(v: Any) -> dict:
    return {
        "Variable": v.variable.name.value,
        "Type": _type_json(v.type),
        "DefaultValue": _value_json(v.default_value) if v.default_value is not None else None,
        "Directives": _directives_json(v.directives),
        "Used": False,
    }


def _directives_json(directives: Any) -> list:
    return [
        {
            "Name": d.name.value,
            "Arguments": [{"Name": a.name.value, "Value": _value_json(a.value)} for a in d.arguments or ()],
            "Location": "",
        }
        for d in directives or ()
    ]


def _type_json(t: Any) -> dict:
    """gqlparser's Type: NamedType or Elem (a list), and NonNull."""
    non_null = t.kind == "non_null_type"
    if non_null:
        t = t.type
    if t.kind == "list_type":
        return {"NamedType": "", "Elem": _type_json(t.type), "NonNull": non_null}
    return {"NamedType": t.name.value, "NonNull": non_null}


# gqlparser's ValueKind numbers
_VALUE_KINDS = {
    "variable": 0,
    "int_value": 1,
    "float_value": 2,
    "string_value": 3,
    "boolean_value": 5,
    "null_value": 6,
    "enum_value": 7,
    "list_value": 8,
    "object_value": 9,
}
_BLOCK_VALUE = 4


def _value_json(v: Any) -> dict:
    kind = v.kind
    if kind == "list_value":
        return {"Raw": "", "Children": [{"Name": "", "Value": _value_json(x)} for x in v.values], "Kind": 8}
    if kind == "object_value":
        children = [{"Name": f.name.value, "Value": _value_json(f.value)} for f in v.fields]
        return {"Raw": "", "Children": children, "Kind": 9}
    if kind == "variable":
        raw = v.name.value
    elif kind == "boolean_value":
        raw = "true" if v.value else "false"
    elif kind == "null_value":
        raw = "null"
    else:
        raw = v.value
    number = _BLOCK_VALUE if kind == "string_value" and v.block else _VALUE_KINDS[kind]
    return {"Raw": raw, "Kind": number}


def _name(node: Any) -> str:
    return node.value if node is not None else ""


def _description(node: Any) -> str:
    d = getattr(node, "description", None)
    return d.value if d is not None else ""


def _prune(value: Any) -> Any:
    """OPA's pruneIrrelevantGraphQLASTNodes: drop nulls, empty arrays/objects and Position."""
    if type(value) is list:
        out = []
        for v in value:
            if v is None:
                continue
            if type(v) is list or type(v) is dict:
                v = _prune(v)
                if not v:
                    continue
            out.append(v)
        return out
    if type(value) is dict:
        result = {}
        for k, v in value.items():
            if k == "Position" or v is None:
                continue
            if type(v) is list or type(v) is dict:
                v = _prune(v)
                if not v:
                    continue
            result[k] = v
        return result
    return value


# --- gqlparser JSON back to GraphQL text ------------------------------------------------


def _parse_query_object(obj: dict) -> Any:
    for key in ("Operations", "Fragments"):
        for d in _list(obj.get(key), key):
            if type(d) is dict and d.get("SelectionSet"):
                owner = "OperationDefinition" if key == "Operations" else "FragmentDefinition"
                raise BuiltinError(
                    f"json: cannot unmarshal object into Go struct field {owner}.{key}.SelectionSet"
                    " of type ast.Selection"
                )
    raise BuiltinError("graphql: a query document object without selections is not supported")


def schema_object_to_sdl(obj: dict) -> str:
    """SDL text for a gqlparser SchemaDocument given as a JSON object."""
    parts: list[str] = []
    for key, prefix in (("Schema", "schema"), ("SchemaExtension", "extend schema")):
        for s in _list(obj.get(key), key):
            types = _list(s.get("OperationTypes"), key)
            ops = " ".join(f"{o.get('Operation', '')}: {o.get('Type', '')}" for o in types)
            body = f" {{ {ops} }}" if ops else ""
            parts.append(_desc(s) + prefix + _dirs(s) + body)
    for d in _list(obj.get("Directives"), "Directives"):
        args = _args_sdl(d.get("Arguments"))
        repeatable = " repeatable" if d.get("IsRepeatable") else ""
        locations = " | ".join(str(x) for x in _list(d.get("Locations"), "Locations"))
        parts.append(f"{_desc(d)}directive @{d.get('Name', '')}{args}{repeatable} on {locations}")
    for key, prefix in (("Definitions", ""), ("Extensions", "extend ")):
        for d in _list(obj.get(key), key):
            parts.append(prefix + _definition_sdl(d))
    return "\n".join(parts)


_SDL_KEYWORDS = {
    "SCALAR": "scalar",
    "OBJECT": "type",
    "INTERFACE": "interface",
    "UNION": "union",
    "ENUM": "enum",
    "INPUT_OBJECT": "input",
}


def _definition_sdl(d: dict) -> str:
    kind = d.get("Kind", "")
    keyword = _SDL_KEYWORDS.get(kind)
    if keyword is None:
        raise BuiltinError(f"unknown definition kind {json.dumps(kind)}")
    text = f"{_desc(d)}{keyword} {d.get('Name', '')}"
    interfaces = _list(d.get("Interfaces"), "Interfaces")
    if interfaces:
        text += " implements " + " & ".join(str(i) for i in interfaces)
    text += _dirs(d)
    if kind == "UNION":
        types = _list(d.get("Types"), "Types")
        return text + (" = " + " | ".join(str(t) for t in types) if types else "")
    if kind == "ENUM":
        values = [f"{_desc(v)}{v.get('Name', '')}{_dirs(v)}" for v in _list(d.get("EnumValues"), "EnumValues")]
        return text + (" { " + "\n".join(values) + " }" if values else "")
    fields = []
    for f in _list(d.get("Fields"), "Fields"):
        field = f"{_desc(f)}{f.get('Name', '')}{_args_sdl(f.get('Arguments'))}: {_type_sdl(f.get('Type'))}"
        if f.get("DefaultValue") is not None:
            field += " = " + _value_sdl(f["DefaultValue"])
        fields.append(field + _dirs(f))
    return text + (" { " + "\n".join(fields) + " }" if fields else "")


def _args_sdl(args: Any) -> str:
    items = []
    for a in _list(args, "Arguments"):
        item = f"{_desc(a)}{a.get('Name', '')}: {_type_sdl(a.get('Type'))}"
        if a.get("DefaultValue") is not None:
            item += " = " + _value_sdl(a["DefaultValue"])
        items.append(item + _dirs(a))
    return "(" + ", ".join(items) + ")" if items else ""


def _type_sdl(t: Any) -> str:
    if type(t) is not dict:
        raise BuiltinError("graphql: field type missing in schema object")
    text = "[" + _type_sdl(t["Elem"]) + "]" if t.get("Elem") is not None else str(t.get("NamedType", ""))
    return text + ("!" if t.get("NonNull") is True else "")


def _value_sdl(v: Any) -> str:
    if type(v) is not dict:
        raise BuiltinError("graphql: bad value in schema object")
    kind = v.get("Kind", 0)
    raw = v.get("Raw", "")
    children = _list(v.get("Children"), "Children")
    if kind == 8:
        return "[" + ", ".join(_value_sdl(c.get("Value")) for c in children) + "]"
    if kind == 9:
        return "{" + ", ".join(f"{c.get('Name', '')}: {_value_sdl(c.get('Value'))}" for c in children) + "}"
    if kind in (3, 4):
        return json.dumps(str(raw), ensure_ascii=False)
    if kind == 0:
        return "$" + str(raw)
    return str(raw)


def _dirs(node: dict) -> str:
    out = ""
    for d in _list(node.get("Directives"), "Directives"):
        args = [f"{a.get('Name', '')}: {_value_sdl(a.get('Value'))}" for a in _list(d.get("Arguments"), "Arguments")]
        out += f" @{d.get('Name', '')}" + ("(" + ", ".join(args) + ")" if args else "")
    return out


def _desc(node: dict) -> str:
    d = node.get("Description")
    return json.dumps(d, ensure_ascii=False) + " " if type(d) is str and d else ""


def _list(x: Any, key: str) -> list:
    if x is None:
        return []
    if type(x) is not list or not all(type(i) is dict or type(i) is str for i in x):
        raise BuiltinError(f"json: cannot unmarshal {key} of the GraphQL document object")
    return x
