"""Facts about rules and bodies that decide what code to write, found before writing it.

- purity: a function that reads nothing but its arguments may keep its
  results across queries;
- loops: whether a body can succeed more than once (it opens a loop in its
  own function), which decides whether a `not` is tested inline or in a
  function that stops at the first solution, and whether a definition
  returns its value or yields every value for the conflict check;
- constants and facts: definitions whose value is known at compile time;
- what a function reads from its context (`input`, base `data`), so that
  its prologue binds only those.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from regolite import ast
from regolite.ast import (
    ArrayComprehension, Call, Every, Expr, ObjectComprehension, Ref, Rule, Scalar, SetComprehension,
    SomeDecl, Term, Var,
)
from regolite.builtins import REGISTRY
from regolite.compiler.errors import CompileErrors
from regolite.compiler.safety import outputs, pattern_vars
from regolite.compiler.tree import Group, RuleKind, RuleTree, TargetKind, is_data_ref
from regolite.errors import TYPE_ERROR, RegoError
from regolite.values import RegoSet, make_object

# Builtins with an effect (output) that a cached or shared result would skip.
EFFECTS = {"print", "internal.print"}

_CLOSURES = (ArrayComprehension, SetComprehension, ObjectComprehension, Every)


# --- effects and purity -----------------------------------------------------------


def has_effects(node: ast.Node) -> bool:
    """Does evaluating `node` print?"""
    return any(isinstance(n, Call) and n.name in EFFECTS for n in ast.walk(node))


def memoisable(group: Group) -> bool:
    """May a function's results be reused within a query? Not when calling it
    has an effect to repeat (print)."""
    return not any(has_effects(r) for rule in group.all_rules() for r in else_chain(rule))


def shareable(expr: Expr) -> bool:
    """May definitions that start with `expr` evaluate it once between them? Not
    if it prints (each definition prints) or has a `with` (its own context)."""
    return not expr.with_ and not has_effects(expr)


class Purity:
    """Which functions read nothing but their arguments: no `input`, no `data`
    other than calls of pure functions, no rules, no `with`, no print, only
    repeatable builtins (not nondeterministic, not reading the clock). Equal
    arguments then give equal results in every query."""

    def __init__(self, tree: RuleTree) -> None:
        self.tree = tree
        self._known: dict[int, bool] = {}

    def is_pure(self, group: Group) -> bool:
        known = self._known.get(group.id)
        if known is None:
            self._known[group.id] = False  # a cycle (a recursion error anyway) is not pure
            known = self._known[group.id] = group.is_function and all(
                self._pure(rule) for rule in group.all_rules()
            )
        return known

    def _pure(self, node: ast.Node) -> bool:
        if isinstance(node, ast.With):
            return False
        if isinstance(node, Var):
            return node.name not in ("input", "data")
        if isinstance(node, Call):
            if is_data_ref(node.func):
                called = self.tree.called_function(node)
                if called is None or not called.is_function or not self.is_pure(called):
                    return False
            else:
                b = REGISTRY.get(node.name)
                if b is None or not b.repeatable or node.name in EFFECTS or node.name in self.tree.mocked:
                    return False
            return all(self._pure(a) for a in node.args)
        return all(self._pure(child) for child in node.children())


# --- loops ------------------------------------------------------------------------------


def enumerates(body: tuple, bound: set, arity_of, heads: tuple = ()) -> bool:
    """Can `body` (ordered for safety, run with `bound` bound), and then the
    head terms `heads`, succeed more than once? That is: does its code open a
    loop in its own function: iteration over an unbound ref operand, `some ...
    in`, a relation builtin (walk) or a `with` (a generator). Negations,
    comprehensions and `every` run in functions of their own. The answer may
    say yes where the code has no loop, never the reverse (BodyEmitter checks)."""
    known = set(bound)
    for expr in body:
        if expr.with_:
            return True
        if not expr.negated:
            term = expr.term
            if isinstance(term, SomeDecl):
                if len(term.symbols) == 1 and isinstance(term.symbols[0], Call):
                    return True
            elif isinstance(term, Every):
                if _loops_in(term.domain, known):  # its domain is enumerated first
                    return True
            elif _loops_in(term, known):
                return True
        known |= outputs(expr, known, arity_of)
    return any(_loops_in(h, known) for h in heads if h is not None)


def _loops_in(term: Term, known: set) -> bool:
    for node in _outside_closures(term):
        if isinstance(node, Ref):
            for op in node.terms[1:]:
                if isinstance(op, Var):
                    if op.name not in known:
                        return True
                elif not isinstance(op, Scalar) and pattern_vars(op) - known:
                    return True
        elif isinstance(node, Call):
            b = REGISTRY.get(node.name)
            if b is not None and b.relation:
                return True
    return False


def _outside_closures(node: ast.Node) -> Iterator[ast.Node]:
    """`node` and its descendants, but not the insides of comprehensions and `every`."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, _CLOSURES):
            stack.extend(n.children())


# --- constants -----------------------------------------------------------------------


def else_chain(rule: Rule) -> list[Rule]:
    """The rule and each `else` after it."""
    chain = []
    r: Optional[Rule] = rule
    while r is not None:
        chain.append(r)
        r = r.else_
    return chain


def is_constant(term: Term) -> bool:
    return isinstance(term, Scalar) or (
        isinstance(term, (ast.Array, ast.Set)) and all(is_constant(t) for t in term.items)
    ) or (isinstance(term, ast.Object) and all(is_constant(k) and is_constant(v) for k, v in term.items))


def constant_value(term: Term) -> Any:
    """The value of a constant term (see is_constant; `-x` of a constant too)."""
    if isinstance(term, Scalar):
        return term.value
    if isinstance(term, ast.Array):
        return [constant_value(t) for t in term.items]
    if isinstance(term, ast.Set):
        return RegoSet(constant_value(t) for t in term.items)
    if isinstance(term, ast.Object):
        return make_object((constant_value(k), constant_value(v)) for k, v in term.items)
    if isinstance(term, Call) and term.name == "minus" and len(term.args) == 2:
        return -constant_value(term.args[1])
    raise CompileErrors([RegoError(TYPE_ERROR, "default rule value must be a constant", term.loc)])


def returns_first_value(group: Group, rule: Rule) -> bool:
    """Can this definition stop at its first solution? Only when every branch of
    its else chain gives a constant, so no two solutions can disagree."""
    if group.kind not in (RuleKind.COMPLETE, RuleKind.FUNCTION):
        return False
    return all(r.head.value is not None and is_constant(r.head.value) for r in else_chain(rule))


def is_fact(rule: Rule) -> bool:
    """A definition that always holds and gives a constant: constant arguments,
    no else, a body of just `true`, a constant value."""
    if rule.else_ is not None or rule.head.value is None or not is_constant(rule.head.value):
        return False
    if rule.head.args is not None and not all(isinstance(a, Scalar) for a in rule.head.args):
        return False
    body = rule.body
    return len(body) == 1 and not body[0].with_ and not body[0].negated and body[0].term == Scalar(True)


# --- what a function reads from its context --------------------------------------


def context_reads(nodes, tree: RuleTree) -> set[str]:
    """Which of the context's documents code for `nodes` reads directly:
    "input" (any input ref) and "data" (a data ref that reaches base data).
    The inside of an expression with `with` runs in a function with a prologue
    of its own; the replacement values do not."""
    reads: set[str] = set()
    stack = list(nodes)
    while stack and len(reads) < 2:
        node = stack.pop()
        kind = type(node)
        if kind is Scalar:
            continue
        if kind is Var:
            if node.name == "input":
                reads.add("input")
        elif kind is Ref:
            head = node.terms[0]
            if type(head) is Var and head.name == "data" and "data" not in reads and (
                    tree.data_target(list(node.terms[1:])).kind is TargetKind.BASE):
                reads.add("data")
            stack.extend(node.terms)
        elif kind is tuple:
            stack.extend(node)
        elif kind is Expr and node.with_:
            stack.extend(w.value for w in node.with_)
        else:
            stack.extend(node.children())
    return reads
