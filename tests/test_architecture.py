"""The layout the README describes, kept: modules reach each other through public names only.

- No module imports a name starting with `_` from another module.
- No module uses another module's private function, class or attribute: a
  `x._name` outside `self`/`cls` must name something its own module defines.
- The compiler's modules stay small (one job each), and every module says what it does.
- The core (parser, compiler, runtime, loader) does not import the Gatekeeper layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import regolite

ROOT = Path(regolite.__file__).parent
MODULES = sorted(ROOT.rglob("*.py"))
CORE = ["ast.py", "cache.py", "documents.py", "errors.py", "limits.py", "loader.py", "policy.py", "values.py",
        "compiler", "parser", "runtime", "builtins"]
MAX_COMPILER_LINES = 600


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_privately(tree: ast.Module) -> set[str]:
    """Private names a module defines: functions, classes, assigned names and attributes."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)  # __slots__ entries
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {n for n in names if _private(n)}


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_private_name_crosses_a_module(path):
    tree = _tree(path)
    own = _defined_privately(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("regolite"):
            problems += [f"line {node.lineno}: imports {a.name} from {node.module}" for a in node.names
                         if _private(a.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                problems.append(f"line {node.lineno}: uses {ast.unparse(node)}, private to another module")
    assert problems == []


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_module_says_what_it_does(path):
    assert ast.get_docstring(_tree(path)), f"{_rel(path)} has no module docstring"


@pytest.mark.parametrize("path", sorted((ROOT / "compiler").glob("*.py")), ids=_rel)
def test_compiler_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_COMPILER_LINES


@pytest.mark.parametrize("path", [p for p in MODULES if _rel(p).split("/")[0] in CORE], ids=_rel)
def test_the_core_does_not_import_the_gatekeeper_layer(path):
    for node in ast.walk(_tree(path)):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        assert not any(m.startswith(("regolite.gatekeeper", "regolite.cli", "regolite.server")) for m in modules), \
            f"{_rel(path)}:{node.lineno} imports {modules}"
