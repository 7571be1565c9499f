"""Ad-hoc queries (`opa eval`'s argument) to a generator function against a rule tree.

`def query(c)` yields, for each solution, the value of every expression and
the bindings of the query's own vars. Its loops iterate objects and sets in
OPA's order, so results come in the order OPA reports them.
"""

from __future__ import annotations

from regolite import ast
from regolite.compiler.analysis import context_reads
from regolite.compiler.artifact import Artifact
from regolite.compiler.checks import Dependencies
from regolite.compiler.emit_body import BodyEmitter, write_prologue
from regolite.compiler.resolve import resolve_query
from regolite.compiler.tree import RuleTree
from regolite.compiler.typecheck import check_query_types
from regolite.compiler.writer import CodeWriter
from regolite.errors import RegoCompileError

# Expressions whose value is `true` whenever they hold.
_TRUE_VALUED = {"eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2",
                "internal.member_3", "print", "internal.print"}


def emit_query(tree: RuleTree, query: ast.Query) -> Artifact:
    """The query's code (a `query(c)` generator) and what it names; `order`
    puts its values back in the order the expressions were written."""
    errors: list = []
    body = resolve_query(query.body, errors)
    if errors:
        raise RegoCompileError(errors)
    w = CodeWriter(pool_prefix="Q")
    emitter = BodyEmitter(tree, w, Dependencies(), in_order=True)
    user_vars = sorted({v.name for e in body for v in ast.walk(e)
                        if isinstance(v, ast.Var) and not v.is_wildcard and "#" not in v.name})
    ordered = emitter.order(body, set())
    type_errors = check_query_types(tree, ordered)
    if type_errors:
        raise RegoCompileError(type_errors)
    with w.block("def query(c):"):
        write_prologue(w, context_reads(ordered, tree))
        with w.block("for _ in ONCE:"):
            start = w.level
            values = [_query_expr(emitter, expr) for expr in ordered]

            def solution() -> None:
                binds = ", ".join(f"{w.constant(n)}: {emitter.sym.ident(n)}" for n in user_vars
                                  if n in emitter.sym.bound)
                w.line(f"yield ({''.join(v + ', ' for v in values)}), {{{binds}}}")

            emitter.body((), solution)
            w.close_to(start)
    return Artifact(source=w.source(), constants=w.constants, builtins=w.builtins, line_rows=w.line_rows(),
                    order=[ordered.index(e) for e in body])


def _query_expr(emitter: BodyEmitter, expr: ast.Expr) -> str:
    """Emit one query expression; return the Python name of its value.

    As `opa eval` does, a query that is a reference reports its value even
    when that value is false (`data.app.allow` gives false, not undefined).
    """
    term = expr.term
    plain = not expr.negated and not expr.with_ and not isinstance(term, (ast.SomeDecl, ast.Every))
    if plain and not (isinstance(term, ast.Call) and term.name in _TRUE_VALUED):
        arity = emitter.tree.arity(term) if isinstance(term, ast.Call) else None
        if not (isinstance(term, ast.Call) and arity is not None and len(term.args) == arity + 1):
            emitter.w.location(expr.loc)
            value = emitter.value(term)
            name = emitter.w.name("e")
            emitter.w.line(f"{name} = {value}")
            if isinstance(term, ast.Call):
                emitter.fail(f"{name} is False")  # a call that answers false fails, as in OPA
            return name
    emitter.expr(expr)
    return "True"
