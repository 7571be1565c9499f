"""What generated code looks like: no line it does not need, every name explained."""

from __future__ import annotations

import ast

import pytest
import yaml

import regolite
from regolite.gatekeeper.templates import load_template
from tests.compiler import golden
from tests.conftest import require_shared

PROLOGUE = {"inp": "c.input", "data": "c.data"}


def _sources():
    for path in sorted(golden.HERE.glob("*.rego")):
        yield path.name, regolite.compile({path.name: path.read_text()}).source
    library = require_shared("gatekeeper-library", "library", "general")
    for path in sorted(library.glob("*/template.yaml")):
        template = load_template(yaml.safe_load(path.read_text()), source=str(path))
        yield path.parent.name, template.policy().source


def _unused_prologue_names(function: ast.FunctionDef) -> list[str]:
    """Prologue names (`inp = c.input`) the function, or a closure of it that does not bind its own, never reads."""
    bound = [stmt.targets[0].id for stmt in function.body
             if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
             and PROLOGUE.get(stmt.targets[0].id) == ast.unparse(stmt.value)]

    def reads(node: ast.AST, name: str) -> bool:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef) and any(
                    isinstance(s, ast.Assign) and ast.unparse(s.targets[0]) == name for s in child.body):
                continue  # a nested function with its own prologue
            if isinstance(child, ast.Name) and child.id == name and isinstance(child.ctx, ast.Load):
                return True
            if reads(child, name):
                return True
        return False

    return [name for name in bound if not reads(function, name)]


def test_functions_bind_only_the_documents_they_read():
    checked = 0
    for name, source in _sources():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                checked += 1
                assert _unused_prologue_names(node) == [], f"{name}: {node.name}"
    assert checked > 400


@pytest.mark.parametrize("path", sorted(golden.HERE.glob("*.rego")), ids=lambda p: p.name)
def test_the_module_explains_itself(path):
    policy = regolite.compile({path.name: path.read_text()})
    module = ast.parse(policy.source)
    doc = ast.get_docstring(module)
    assert "for _ in ONCE:" in doc and "continue" in doc  # the idiom every body uses
    listing = policy.artifact.listing()
    for ident, builtin in policy.artifact.builtins.items():
        assert ident == "b_" + builtin.replace(".", "_") and f"# {ident} = {builtin}" in listing
    for name in policy.artifact.constants:
        assert f"# {name} = " in listing


def test_a_fact_has_no_definition_function():
    source = regolite.compile({"p.rego": "package t\nlimits := {\"cpu\": 2}\nok := true\n"}).source
    assert "def rule_0_0" not in source and "def rule_1_0" not in source
