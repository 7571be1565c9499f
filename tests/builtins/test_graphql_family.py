"""GraphQL builtins: ASTs in gqlparser's JSON shape, validity, OPA's error texts.

The schema and query are those of OPA's graphql builtin documentation; the
expected ASTs are gqlparser's structs after OPA's pruning (no nulls, no
empty lists or objects, no Position).
"""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("graphql")

import regolite  # noqa: E402
import regolite.builtins.graphql  # noqa: E402,F401  (registers the family)
from regolite.builtins import REGISTRY, BuiltinError, OperandTypeError  # noqa: E402
from regolite.builtins.graphql import schema_object_to_sdl  # noqa: E402
from regolite.errors import RegoEvalError  # noqa: E402
from tests.builtin_helpers import call, opa_builtins  # noqa: E402

GRAPHQL_BUILTINS = [
    "graphql.is_valid",
    "graphql.parse",
    "graphql.parse_and_verify",
    "graphql.parse_query",
    "graphql.parse_schema",
    "graphql.schema_is_valid",
]

SCHEMA = """
type Employee {
  id: String!
  salary: Int!
}

schema {
  query: Query
}

type Query {
  employeeByID(id: String!): Employee
}
"""

QUERY = '{ employeeByID(id: "alice") { salary } }'

QUERY_AST = {
    "Operations": [
        {
            "Name": "",
            "Operation": "query",
            "SelectionSet": [
                {
                    "Alias": "employeeByID",
                    "Arguments": [{"Name": "id", "Value": {"Kind": 3, "Raw": "alice"}}],
                    "Name": "employeeByID",
                    "SelectionSet": [{"Alias": "salary", "Name": "salary"}],
                }
            ],
        }
    ]
}


def field(name, named_type, non_null=False, **extra):
    return {"Description": "", "Name": name, "Type": {"NamedType": named_type, "NonNull": non_null}, **extra}


SCHEMA_AST = {
    "Schema": [{"Description": "", "OperationTypes": [{"Operation": "query", "Type": "Query"}]}],
    "Definitions": [
        {
            "BuiltIn": False,
            "Description": "",
            "Kind": "OBJECT",
            "Name": "Employee",
            "Fields": [field("id", "String", True), field("salary", "Int", True)],
        },
        {
            "BuiltIn": False,
            "Description": "",
            "Kind": "OBJECT",
            "Name": "Query",
            "Fields": [field("employeeByID", "Employee", Arguments=[field("id", "String", True)])],
        },
    ],
}


def test_declarations_match_opa():
    opa = opa_builtins("graphql.")
    assert sorted(opa) == GRAPHQL_BUILTINS
    for name in GRAPHQL_BUILTINS:
        assert REGISTRY[name].to_json() == opa[name], name


# --- ASTs ------------------------------------------------------------------------------


def test_parse_query_and_schema():
    assert call("graphql.parse_query", QUERY) == QUERY_AST
    assert call("graphql.parse_schema", SCHEMA) == SCHEMA_AST


def test_parse_and_verify():
    assert call("graphql.parse", QUERY, SCHEMA) == [QUERY_AST, SCHEMA_AST]
    assert call("graphql.parse_and_verify", QUERY, SCHEMA) == [True, QUERY_AST, SCHEMA_AST]
    assert call("graphql.parse_and_verify", "{ nope }", SCHEMA) == [False, {}, {}]
    assert call("graphql.parse_and_verify", "{", SCHEMA) == [False, {}, {}]


def test_query_ast_shapes():
    query = """
    query Q($ep: Episode = EMPIRE, $ids: [ID!]!) {
      a: hero(episode: $ep, n: 1, f: 1.5, b: true, z: null, l: [1], o: {k: "v"}, s: \"\"\"blk\"\"\") {
        id
        ...F
        ... on Human { height }
        ... @include(if: true) { name }
      }
    }
    fragment F on Character { name }
    """
    got = call("graphql.parse_query", query)
    (op,) = got["Operations"]
    assert op["Name"] == "Q" and op["Operation"] == "query"
    assert op["VariableDefinitions"] == [
        {
            "Variable": "ep",
            "Type": {"NamedType": "Episode", "NonNull": False},
            "DefaultValue": {"Raw": "EMPIRE", "Kind": 7},
            "Used": False,
        },
        {
            "Variable": "ids",
            "Type": {"NamedType": "", "Elem": {"NamedType": "ID", "NonNull": True}, "NonNull": True},
            "Used": False,
        },
    ]
    (hero,) = op["SelectionSet"]
    assert hero["Alias"] == "a" and hero["Name"] == "hero"
    values = {a["Name"]: a["Value"] for a in hero["Arguments"]}
    assert values == {
        "episode": {"Raw": "ep", "Kind": 0},
        "n": {"Raw": "1", "Kind": 1},
        "f": {"Raw": "1.5", "Kind": 2},
        "b": {"Raw": "true", "Kind": 5},
        "z": {"Raw": "null", "Kind": 6},
        "l": {"Raw": "", "Kind": 8, "Children": [{"Name": "", "Value": {"Raw": "1", "Kind": 1}}]},
        "o": {"Raw": "", "Kind": 9, "Children": [{"Name": "k", "Value": {"Raw": "v", "Kind": 3}}]},
        "s": {"Raw": "blk", "Kind": 4},
    }
    assert hero["SelectionSet"] == [
        {"Alias": "id", "Name": "id"},
        {"Name": "F"},
        {"TypeCondition": "Human", "SelectionSet": [{"Alias": "height", "Name": "height"}]},
        {
            "TypeCondition": "",
            "Directives": [
                {"Name": "include", "Arguments": [{"Name": "if", "Value": {"Raw": "true", "Kind": 5}}], "Location": ""}
            ],
            "SelectionSet": [{"Alias": "name", "Name": "name"}],
        },
    ]
    assert got["Fragments"] == [
        {"Name": "F", "TypeCondition": "Character", "SelectionSet": [{"Alias": "name", "Name": "name"}]}
    ]


RICH_SCHEMA = '''
"""The root"""
type Query {
  hero(episode: Episode = JEDI): Character @deprecated(reason: "old")
  search(text: String): [SearchResult]
}
"Episodes" enum Episode { NEWHOPE EMPIRE JEDI @deprecated }
interface Character { id: ID! }
type Human implements Character { id: ID! height: Float }
type Droid implements Character { id: ID! }
union SearchResult = Human | Droid
input Filter { a: String = "d" b: [Int!] }
scalar Date
directive @auth(role: String!) repeatable on FIELD_DEFINITION | OBJECT
extend type Human { age: Int }
'''


def test_schema_ast_shapes():
    got = call("graphql.parse_schema", RICH_SCHEMA)
    defs = {d["Name"]: d for d in got["Definitions"]}
    assert {n: d["Kind"] for n, d in defs.items()} == {
        "Query": "OBJECT",
        "Episode": "ENUM",
        "Character": "INTERFACE",
        "Human": "OBJECT",
        "Droid": "OBJECT",
        "SearchResult": "UNION",
        "Filter": "INPUT_OBJECT",
        "Date": "SCALAR",
    }
    assert defs["Query"]["Description"] == "The root"
    hero = defs["Query"]["Fields"][0]
    assert hero["Arguments"][0]["DefaultValue"] == {"Raw": "JEDI", "Kind": 7}
    assert hero["Directives"] == [
        {"Name": "deprecated", "Arguments": [{"Name": "reason", "Value": {"Raw": "old", "Kind": 3}}], "Location": ""}
    ]
    assert defs["Episode"]["Description"] == "Episodes"
    assert [v["Name"] for v in defs["Episode"]["EnumValues"]] == ["NEWHOPE", "EMPIRE", "JEDI"]
    assert defs["Human"]["Interfaces"] == ["Character"]
    assert defs["SearchResult"]["Types"] == ["Human", "Droid"]
    assert defs["Filter"]["Fields"][0]["DefaultValue"] == {"Raw": "d", "Kind": 3}
    assert defs["Date"] == {"Kind": "SCALAR", "Description": "", "Name": "Date", "BuiltIn": False}
    assert got["Directives"] == [
        {
            "Description": "",
            "Name": "auth",
            "Arguments": [field("role", "String", True)],
            "Locations": ["FIELD_DEFINITION", "OBJECT"],
            "IsRepeatable": True,
        }
    ]
    assert [(e["Kind"], e["Name"]) for e in got["Extensions"]] == [("OBJECT", "Human")]
    assert call("graphql.schema_is_valid", RICH_SCHEMA) is True


# --- validity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, valid",
    [
        (QUERY, True),
        ('query Q($id: String!) { employeeByID(id: $id) { id salary } }', True),
        ('{ employeeByID(id: "alice") { salary bonus } }', False),  # unknown field
        ("{ employeeByID(id: 1) { salary } }", False),  # wrong argument type
        ('{ employeeByID(id: "alice") }', False),  # object field needs a selection
        ('mutation { employeeByID(id: "a") { id } }', False),  # no mutation type
        ("{", False),
        ("type Foo { a: Int }", False),  # a schema is not a query
    ],
)
def test_is_valid(query, valid):
    assert call("graphql.is_valid", query, SCHEMA) is valid


@pytest.mark.parametrize(
    "schema, valid",
    [
        (SCHEMA, True),
        ("type Query { a: Int }", True),
        ("type Thing { a: Int }", True),  # gqlparser does not demand a Query type
        ("type Query { a: Foo }", False),
        ("type Query { a: Int } type Query { b: Int }", False),
        ("type Query", False),
        ("{ a }", False),
        ("type Query {", False),
    ],
)
def test_schema_is_valid(schema, valid):
    assert call("graphql.schema_is_valid", schema) is valid


def test_is_valid_answers_false_for_other_operand_types():
    assert call("graphql.is_valid", 1, SCHEMA) is False
    assert call("graphql.is_valid", QUERY, ["x"]) is False
    assert call("graphql.schema_is_valid", None) is False


# --- error texts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("graphql.parse_query", ("{ a(",), "Expected Name, found <EOF> in GraphQL string at location 1:5"),
        ("graphql.parse_query", ("{ a(x: 1 }",), "Expected Name, found } in GraphQL string at location 1:10"),
        ("graphql.parse_query", ("\n\ntype X { a: Int }",), 'Unexpected Name "type" in GraphQL string at location 3:1'),
        ("graphql.parse_schema", ("{ a }",), "Unexpected { in GraphQL string at location 1:1"),
        ("graphql.parse_schema", ("type Query {\n}",), "Expected Name, found } in GraphQL string at location 2:1"),
        (
            "graphql.parse",
            ('{ employeeByID(id: "alice") { bonus } }', SCHEMA),
            'Cannot query field "bonus" on type "Employee" in GraphQL query string at location 1:31',
        ),
        (
            "graphql.parse",
            (QUERY, "type Query { a: Foo }"),
            'Error in gqlparser SchemaDocument to Schema conversion: input:1:17: Unknown type "Foo".',
        ),
    ],
)
def test_error_messages(name, args, message):
    with pytest.raises(BuiltinError) as err:
        call(name, *args)
    assert err.value.message == message


def test_operand_types_are_checked_by_parse():
    with pytest.raises(OperandTypeError):
        call("graphql.parse", 1, SCHEMA)
    with pytest.raises(OperandTypeError):
        call("graphql.parse_query", {"Operations": []})


# --- documents given as objects -----------------------------------------------------------


def test_schema_given_as_object():
    schema_ast = call("graphql.parse_schema", SCHEMA)
    assert call("graphql.schema_is_valid", schema_ast) is True
    assert call("graphql.is_valid", QUERY, schema_ast) is True
    assert call("graphql.parse", QUERY, schema_ast) == [QUERY_AST, SCHEMA_AST]
    rich = call("graphql.parse_schema", RICH_SCHEMA)
    assert call("graphql.parse_schema", schema_object_to_sdl(rich)) == rich
    assert call("graphql.schema_is_valid", {"Definitions": [{"Kind": "NOPE", "Name": "X"}]}) is False


def test_query_given_as_object_fails_as_in_opa():
    # OPA decodes the object into gqlparser's structs, and Go's JSON cannot fill a Selection
    with pytest.raises(BuiltinError) as err:
        call("graphql.parse", QUERY_AST, SCHEMA)
    assert "cannot unmarshal object" in err.value.message
    assert call("graphql.is_valid", QUERY_AST, SCHEMA) is False


# --- through the evaluator --------------------------------------------------------------


def test_end_to_end():
    policy = regolite.compile(
        {
            "p.rego": "package x\n"
            "ok := graphql.is_valid(input.query, input.schema)\n"
            "fields contains f.Name if {\n"
            "  [q, _] := graphql.parse(input.query, input.schema)\n"
            "  some op in q.Operations\n"
            "  some f in op.SelectionSet\n"
            "}\n"
            "schema_ok := graphql.schema_is_valid(input.schema)\n"
            "verified := graphql.parse_and_verify(input.query, input.schema)[0]\n"
        }
    )
    inp = {"query": QUERY, "schema": SCHEMA}
    assert policy.eval_rule("data.x.ok", input=inp) is True
    assert policy.eval_rule("data.x.fields", input=inp) == regolite.compile(
        {"q.rego": 'package q\nv := {"employeeByID"}'}
    ).eval_rule("data.q.v")
    assert policy.eval_rule("data.x.schema_ok", input=inp) is True
    bad = {"query": "{ bonus }", "schema": SCHEMA}
    assert policy.eval_rule("data.x.ok", input=bad) is False
    assert policy.eval_rule("data.x.verified", input=bad) is False
    with pytest.raises(RegoEvalError) as err:
        policy.eval_rule("data.x.fields", input=bad, strict_builtin_errors=True)
    assert err.value.code == "eval_builtin_error"
    assert err.value.message.startswith('graphql.parse: Cannot query field "bonus" on type "Query"')


def test_missing_graphql_core_is_an_error_not_false(monkeypatch):
    for module in ("graphql", "graphql.language"):
        monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    text = "type Query { unseen: Int }"  # not in the parse caches
    with pytest.raises(BuiltinError, match="graphql-core"):
        call("graphql.schema_is_valid", text)
    with pytest.raises(BuiltinError, match="graphql-core"):
        call("graphql.is_valid", "{ unseen }", text)
