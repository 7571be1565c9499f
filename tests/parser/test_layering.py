"""regolite/parser/ is layered: each module imports only those below it, at the top.

The order is the one regolite/parser/__init__.py's docstring lists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import regolite.parser

PARSER = Path(regolite.parser.__file__).parent
LAYERS = ["lexer", "syntax_errors", "dialect", "context", "templates", "to_ast", "lalr", "__init__"]
MAX_LINES = 600


def module_tree(name: str) -> ast.Module:
    return ast.parse((PARSER / f"{name}.py").read_text(encoding="utf-8"))


def test_every_module_is_in_the_layers_in_the_docstrings_order():
    assert sorted(p.stem for p in PARSER.glob("*.py")) == sorted(LAYERS)
    doc = regolite.parser.__doc__
    positions = [doc.index(f"    {name}.py") for name in LAYERS]
    assert positions == sorted(positions)


def test_parser_modules_import_only_modules_below_them():
    for rank, name in enumerate(LAYERS):
        for node in ast.walk(module_tree(name)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("regolite.parser"):
                imported = node.module.removeprefix("regolite.parser").lstrip(".") or "__init__"
                assert imported in LAYERS[:rank], f"{name}.py imports {node.module}"


def test_imports_are_at_module_level_and_import_no_private_names():
    for name in LAYERS:
        tree = module_tree(name)
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                assert id(node) in top_level, f"{name}.py:{node.lineno} imports inside a function or class"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("regolite"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{name}.py:{node.lineno} imports {private} from {node.module}"


def test_modules_say_what_they_do_and_stay_small():
    for name in LAYERS:
        path = PARSER / f"{name}.py"
        assert ast.get_docstring(module_tree(name)), f"{name}.py has no docstring"
        assert len(path.read_text(encoding="utf-8").splitlines()) < MAX_LINES, f"{name}.py is too long"
