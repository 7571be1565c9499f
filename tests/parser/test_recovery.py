"""After a syntax error the parser reads the later rules as a fresh parse would:
with the keywords and rules that the module's imports turn on."""

from __future__ import annotations

import pytest

from regolite import RegoParseError, parse_module
from regolite.parser.dialect import BASE_KEYWORDS, FUTURE_KEYWORDS, dialect_of

# Later rules whose parse depends on the imports: `if`, `in`, `contains`,
# `every`, v1's rules (`p { }` needs `if`) and rego.v2's `not { ... }`.
LATER_RULES = [
    "p { true }",
    "q if { 1 in [1] }",
    "r if { not { true } }",
    "s contains 1 if { every x in [1] { x == 1 } }",
    "t if { some x in [1] }",
    "u[x] { x := 1 }",
]

IMPORTS = [
    "import rego.v1",
    "import rego.v2",
    "import future.keywords",
    "import future.keywords.in",
    "import future.keywords.if",
    "import future.keywords.every",
    "import future.keywords.contains",
    'import future.keywords["if"]',
    "import future.keywords  # a comment after the import",
    "import data.lib",
]


def errors_of(text: str, version: str) -> list[tuple[str, int, int]]:
    try:
        parse_module(text, "t.rego", rego_version=version)
    except RegoParseError as e:
        return [(x.message, x.location.row, x.location.col) for x in e.errors]
    return []


def fresh_errors_of_each_rule(header: str, first_row: int, version: str) -> list[tuple[str, int, int]]:
    """The errors of each later rule parsed alone after `header`, at the row it has in the full module."""
    found = []
    for i, rule in enumerate(LATER_RULES):
        padding = "\n" * (first_row + i - header.count("\n") - 1)
        found += errors_of(header + padding + rule + "\n", version)
    return found


@pytest.mark.parametrize("version", ["v0", "v1"])
@pytest.mark.parametrize("imports", IMPORTS + ["import future.keywords.in\nimport future.keywords.if"])
def test_rules_after_an_error_are_read_with_the_modules_imports(imports, version):
    header = f"package p\n{imports}\n"
    broken = "broken := )\n"
    errors = errors_of(header + broken + "\n".join(LATER_RULES) + "\n", version)
    first_rule_row = header.count("\n") + 2
    assert errors[0][0].startswith("unexpected ')'")
    assert errors[1:] == fresh_errors_of_each_rule(header, first_rule_row, version)


def test_v0_module_with_rego_v1_import_requires_if_after_an_error():
    text = "package p\nimport rego.v1\nbroken := )\np { true }\n"
    assert errors_of(text, "v0") == [
        ("unexpected ')', expected a term", 3, 11),
        ("`if` keyword is required before rule body", 4, 1),
    ]


def test_v0_module_with_rego_v2_import_negates_bodies_after_an_error():
    text = "package p\nimport rego.v2\nbroken := )\nr if { not { true } }\n"
    assert errors_of(text, "v0") == [("unexpected ')', expected a term", 3, 11)]


def test_imports_after_a_broken_package_line_still_count():
    text = "packge p\nimport future.keywords.in\nimport future.keywords.if\nq if { 1 in [1] }\n"
    assert [row for _, row, _ in errors_of(text, "v0")] == [1, 2, 3]


def test_an_import_broken_after_its_path_still_counts():
    text = "package p\nimport future.keywords.if as x\nq if { true }\n"
    assert errors_of(text, "v0") == [("future imports cannot be aliased", 2, 27)]


@pytest.mark.parametrize("path", ['rego["v1"]', "rego[`v1`]"])
def test_bracketed_rego_v1_import_enables_keywords_and_v1_rules(path):
    (p,) = parse_module(f"package p\nimport {path}\np if {{ 1 in [1] }}\n", rego_version="v0").rules
    assert p.body[0].term.name == "internal.member_2"
    assert errors_of(f"package p\nimport {path}\np {{ true }}\n", "v0") == [
        ("`if` keyword is required before rule body", 3, 1)
    ]


@pytest.mark.parametrize(
    "imports, keywords, v1_rules, not_body",
    [
        ((), {}, False, False),
        ((("data", "lib"),), {}, False, False),
        ((("future", "keywords"),), FUTURE_KEYWORDS, False, True),  # all of them: `not` too
        ((("future", "keywords", "not"),), {}, False, True),
        ((("future", "keywords", "in"),), {"in": "IN"}, False, False),
        ((("future", "keywords", "every"),), {"every": "EVERY", "in": "IN"}, False, False),
        ((("future", "keywords", "nope"),), {}, False, False),
        ((("future", "keywords", "in", "x"),), {}, False, False),
        ((("rego", "v1"),), FUTURE_KEYWORDS, True, False),
        ((("rego", "v2"),), FUTURE_KEYWORDS, True, True),
        ((("future", "keywords", "if"), ("future", "keywords", "contains")), {"if": "IF", "contains": "CONTAINS"},
         False, False),
    ],
)
def test_dialect_of_v0_imports(imports, keywords, v1_rules, not_body):
    dialect = dialect_of("v0", imports)
    assert dict(dialect.keywords) == {**BASE_KEYWORDS, **keywords}
    assert (dialect.v1_rules, dialect.not_body) == (v1_rules, not_body)


def test_dialect_of_v1():
    dialect = dialect_of("v1")
    assert dict(dialect.keywords) == {**BASE_KEYWORDS, **FUTURE_KEYWORDS}
    assert dialect.v1_rules and not dialect.not_body
    assert dialect_of("v1", [("rego", "v2")]).not_body
