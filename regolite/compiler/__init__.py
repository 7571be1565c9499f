"""The compiler: Rego modules (and queries) to Python source, compiled once.

The front door is two functions:

- `compile_modules(modules)`: parsed modules to an `Artifact` (the generated
  module, its constants, builtins and function table), or RegoCompileError
  listing every error;
- `compile_query(tree, query)`: a parsed query to an `Artifact` of its own
  that runs against a compiled module's namespace.

The stages, one module each:

    resolve.py     names made explicit: rules and imports to full refs, locals renamed apart
    tree.py        the rule tree: which rules define which `data` paths
    safety.py      bodies ordered so each var is bound before it is used
    analysis.py    facts that decide what code to write (purity, loops, constants, context reads)
    checks.py      OPA's whole-program checks: calls (arity, types) and recursion
    typecheck.py   OPA's type checker (types.py: its type algebra), the last stage
    emit_rules.py  rule groups to functions (with what each keeps between calls)
    emit_body.py   bodies and terms to statements (symbols.py: Rego vars to Python names)
    emit_calls.py  builtin calls, and the inline forms of the common ones
    query.py       queries to a generator
    writer.py      CodeWriter: the only way source is written (names, constants, layout)
    errors.py      how emitting fails, turned into OPA's errors
    artifact.py    what comes out

Each stage only reads what the stages before it made; the emitters ask the
rule tree questions and write code, nothing calls back into them.

What generated code may call at run time is `regolite.runtime`.
"""

from __future__ import annotations

import builtins
from typing import Sequence

from regolite import ast
from regolite.compiler.artifact import POLICY_FILE, QUERY_FILE, Artifact
from regolite.compiler.checks import undefined_functions
from regolite.compiler.emit_rules import ModuleEmitter
from regolite.compiler.errors import EMIT_ERRORS, as_rego_errors, by_safety, first_stage
from regolite.compiler.query import emit_query
from regolite.compiler.tree import RuleTree
from regolite.compiler.typecheck import check_types
from regolite.errors import COMPILE_ERROR, RegoCompileError, RegoError

__all__ = ["Artifact", "RuleTree", "compile_modules", "compile_query", "rule_tree"]


def compile_modules(modules: Sequence[ast.Module]) -> Artifact:
    """Compile parsed modules, in the order given, to one generated module.

    Raises RegoCompileError with every error found, in source order.
    """
    try:
        tree = RuleTree(list(modules))
        emitter = ModuleEmitter(tree)
        writer = emitter.emit()
        unsafe, others = by_safety(emitter.errors)
        stages = [tree.errors, undefined_functions(tree), unsafe, emitter.recursion, others]
        if not any(stages):
            stages.append(check_types(tree))
        errors = first_stage(*stages)
        if errors:
            raise RegoCompileError(errors)
        source = writer.source()
        code = builtins.compile(source, POLICY_FILE, "exec")
    except (RecursionError, SyntaxError, MemoryError):
        # Python's own limits (recursion, nesting of the generated source) hit by a
        # policy with thousands of nested terms: a compile error, not a crash.
        raise _too_deep("policy") from None
    return Artifact(source=source, constants=writer.constants, builtins=writer.builtins,
                    functions=tree.function_table(), layout=tree.layout(), line_rows=writer.line_rows(),
                    code=code, tree=tree)


def rule_tree(modules: Sequence[ast.Module], artifact: Artifact) -> RuleTree:
    """The rule tree `artifact` was compiled from, rebuilt from its modules (after
    a compile-cache hit nothing was parsed): queries compile against it.
    RegoCompileError if the modules do not give the artifact's layout."""
    tree = RuleTree(list(modules))
    if tree.layout() != artifact.layout:
        raise RegoCompileError([RegoError(COMPILE_ERROR, "internal error: the compiled policy does not match "
                                                         "its modules; recompile it")])
    return tree


def compile_query(tree: RuleTree, query: ast.Query) -> Artifact:
    """Compile a parsed query against `tree` (a `def query(c)` generator)."""
    try:
        artifact = emit_query(tree, query)
        artifact.code = builtins.compile(artifact.source, QUERY_FILE, "exec")
    except EMIT_ERRORS as e:
        raise RegoCompileError(as_rego_errors(e, query.loc)) from None
    except (RecursionError, SyntaxError, MemoryError):
        raise _too_deep("query") from None
    return artifact


def _too_deep(what: str) -> RegoCompileError:
    return RegoCompileError([RegoError(COMPILE_ERROR, f"{what} is nested too deeply to compile")])
