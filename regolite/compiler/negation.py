"""What OPA evaluates before a negation: the nested calls and the references of `not expr`.

OPA's compiler rewrites every body before it evaluates it: calls nested in an
expression's terms become expressions of their own (`rewriteExprTerms`), and
references that are operands of a call or parts of a composite become
`__local = ref` expressions (`rewriteDynamicTerms`). Both land *before* the
expression, outside its `not`: `not is_string(input.x)` is evaluated as
`__local = input.x; not is_string(__local)`, so it is undefined, not true, when
`input.x` is (open-policy-agent/opa#1877). Everywhere else the rewrite changes
nothing, so regolite applies it to negated expressions only, at OPA's points:
calls before the safety check (`hoist_calls`, from resolve: a wildcard in a
moved call is then enumerated outside the negation), references after it
(`hoist_references`, from the body emitter).
"""

from __future__ import annotations

from typing import Callable

from regolite.ast import (
    Array, ArrayComprehension, Call, Object, ObjectComprehension, Ref, Set, SetComprehension, Term, Var,
)

EQUALITIES = ("eq", "equal")  # OPA turns `==` into `=` before it rewrites references
_COMPREHENSIONS = (ArrayComprehension, SetComprehension, ObjectComprehension)
_EQ = Ref((Var("eq"),))


def hoist_calls(term: Term, fresh: Callable[[], Var]) -> tuple[list[Call], Term]:
    """The calls nested in the negated `term`, as `var = call` terms in the order OPA
    evaluates them, and what is left to negate."""
    hoister = _Hoister(fresh)
    core = hoister.expand_expression(term)
    return hoister.hoisted, core


def hoist_references(term: Term, fresh: Callable[[], Var]) -> tuple[list[Call], Term]:
    """The references of the negated `term` (its calls already hoisted) that OPA
    evaluates before the negation, as `var = ref` terms, and what is left to negate."""
    hoister = _Hoister(fresh)
    core = hoister.dynamics(term)
    return hoister.hoisted, core


class _Hoister:
    def __init__(self, fresh: Callable[[], Var]) -> None:
        self.fresh = fresh
        self.hoisted: list[Call] = []

    def bind(self, value: Term) -> Var:
        var = self.fresh()
        self.hoisted.append(Call(_EQ, (var, value), value.loc))
        return var

    # --- nested calls (OPA's rewriteExprTerms) -------------------------------------

    def expand_expression(self, term: Term) -> Term:
        if isinstance(term, Call):  # the expression's own call stays; its arguments' calls go
            return Call(term.func, tuple(self.expand(a) for a in term.args), term.loc)
        return self.expand(term)

    def expand(self, term: Term) -> Term:
        if isinstance(term, Call):
            return self.bind(Call(term.func, tuple(self.expand(a) for a in term.args), term.loc))
        if isinstance(term, Ref):
            terms = tuple(self.expand(t) for t in term.terms)
            if isinstance(terms[0], (Array, Object, Set) + _COMPREHENSIONS):
                terms = (self.bind(terms[0]),) + terms[1:]
            return Ref(terms, term.loc)
        return _map_items(term, self.expand)

    # --- references (OPA's rewriteDynamicTerms) -------------------------------------

    def dynamics(self, term: Term) -> Term:
        if isinstance(term, Call):
            if term.name in EQUALITIES and len(term.args) == 2:
                return Call(term.func, tuple(self.in_term(a) for a in term.args), term.loc)
            return Call(term.func, tuple(self.one(a) for a in term.args), term.loc)
        return self.in_term(term)

    def in_term(self, term: Term) -> Term:
        if isinstance(term, Ref):
            return Ref(term.terms[:1] + tuple(self.one(t) for t in term.terms[1:]), term.loc)
        if isinstance(term, _COMPREHENSIONS):
            return term
        return self.one(term)

    def one(self, term: Term) -> Term:
        if isinstance(term, Ref):
            return self.bind(Ref(term.terms[:1] + tuple(self.one(t) for t in term.terms[1:]), term.loc))
        return _map_items(term, self.one)


def _map_items(term: Term, fn: Callable[[Term], Term]) -> Term:
    """An array, set or object with `fn` applied to each of its items (keys too); other terms as they are."""
    if isinstance(term, Array):
        return Array(tuple(fn(t) for t in term.items), term.loc)
    if isinstance(term, Set):
        return Set(tuple(fn(t) for t in term.items), term.loc)
    if isinstance(term, Object):
        return Object(tuple((fn(k), fn(v)) for k, v in term.items), term.loc)
    return term
