"""Safety: order a body so every variable is bound before it is used.

Rego lets expressions come in any order (`x > 1; x := 2`); OPA reorders
them and rejects variables nothing can bind (`rego_unsafe_var_error`). An
expression may run once the variables it reads are bound; running it binds
its outputs: vars in a reference's operands (bound by enumeration),
the pattern side of a unification whose other side is known, the output
argument of a call, and the key/value of `some ... in`.

Works on resolved rules (see resolve.py), where each local var has one name.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Object, ObjectComprehension, Ref, Scalar,
    Set, SetComprehension, SomeDecl, TemplateString, Term, Var,
)
from regolite.compiler.errors import CompileErrors
from regolite.errors import UNSAFE_VAR_ERROR, RegoError

NESTED_BODIES = (ArrayComprehension, SetComprehension, ObjectComprehension)
UNIFY = ("eq", "assign")


def reorder(body: tuple, bound: set, arity_of, errors: list) -> tuple:
    """`body` in an order where each expression's inputs are bound first.

    `bound` holds the vars bound before the body (function arguments, an
    enclosing body's vars); it is updated with the vars the body binds.
    `arity_of(call)` gives a call's declared arity (None if unknown), to
    tell an output argument from an input.
    """
    arity_of = _Env(arity_of, set(bound) | _shallow_names(body))
    remaining = list(body)
    ordered: list[Expr] = []
    while remaining:
        progress = False
        rest = []
        for expr in remaining:
            outs = outputs(expr, bound, arity_of)
            if needs(expr, arity_of) - outs <= bound:
                ordered.append(expr)
                bound |= outs
                progress = True
            else:
                rest.append(expr)
        remaining = rest
        if not progress:
            break
    # As OPA reports them: every var that stays unsafe, once, where the body first mentions it.
    unsafe: dict[str, Var] = {}
    for expr in remaining:
        outs = outputs(expr, bound, arity_of)
        for var in _var_nodes(expr, arity_of):
            if var.name not in bound and var.name not in outs:
                unsafe.setdefault(var.name, var)
    errors.extend(RegoError(UNSAFE_VAR_ERROR, f"var {_display(var)} is unsafe", var.loc) for var in unsafe.values())
    return tuple(ordered) + tuple(remaining)


def _no_arity(call) -> None:
    return None


class _Env:
    """The arity function, plus the names of the body being ordered (see free_vars)."""

    __slots__ = ("arity_of", "outer")

    def __init__(self, arity_of, outer: set) -> None:
        self.arity_of = getattr(arity_of, "arity_of", arity_of)
        self.outer = outer

    def __call__(self, call):
        return self.arity_of(call)


def _shallow_names(body: tuple) -> set:
    """Names of the vars a body mentions outside its nested bodies."""
    names: set = set()
    for expr in body:
        stack: list = [expr.term] + [w.value for w in expr.with_]
        while stack:
            n = stack.pop()
            if isinstance(n, Var):
                names.add(n.name)
            elif isinstance(n, (ArrayComprehension, SetComprehension, ObjectComprehension, Block)):
                continue
            elif isinstance(n, Every):
                stack.append(n.domain)
            elif isinstance(n, Call):
                stack.extend(n.args)
            elif n is not None and hasattr(n, "children"):
                stack.extend(n.children())
    return names


def _display(var: Var) -> str:
    if var.is_wildcard:
        return "_"
    return var.name.split("#")[0]


def needs(expr: Expr, arity_of=None) -> set:
    """The local vars `expr` mentions (what it binds itself is taken off by the caller)."""
    return {v.name for v in _var_nodes(expr, arity_of)}


def _var_nodes(expr: Expr, arity_of=None) -> Iterator[Var]:
    """Vars of an expression, with a nested body's free vars (not its own locals)."""
    term = expr.term
    if isinstance(term, SomeDecl):
        if len(term.symbols) == 1 and isinstance(term.symbols[0], Call):
            yield from vars_in(term.symbols[0], arity_of)
        return
    if isinstance(term, Every):
        yield from vars_in(term.domain, arity_of)
        local = {v.name for v in vars_in(term.key)} if term.key is not None else set()
        local |= {v.name for v in vars_in(term.value)}
        for v in free_vars(term.body, local, (), arity_of):
            yield v
    elif isinstance(term, Block):
        yield from free_vars(term.body, set(), (), arity_of)
    else:
        yield from vars_in(term, arity_of)
    for w in expr.with_:
        yield from vars_in(w.value, arity_of)


def vars_in(term, arity_of=None) -> Iterator[Var]:
    """Vars in a term; a comprehension contributes only its free vars."""
    if term is None:
        return
    if isinstance(term, Var):
        yield term
    elif isinstance(term, Ref):
        for t in term.terms:
            if isinstance(t, Var) and t is term.terms[0] and t.name in ("data", "input"):
                continue
            yield from vars_in(t, arity_of)
    elif isinstance(term, Call):
        for a in term.args:
            yield from vars_in(a, arity_of)
    elif isinstance(term, (Array, Set)):
        for t in term.items:
            yield from vars_in(t, arity_of)
    elif isinstance(term, Object):
        for k, v in term.items:
            yield from vars_in(k, arity_of)
            yield from vars_in(v, arity_of)
    elif isinstance(term, ArrayComprehension) or isinstance(term, SetComprehension):
        yield from free_vars(term.body, set(), (term.term,), arity_of)
    elif isinstance(term, ObjectComprehension):
        yield from free_vars(term.body, set(), (term.key, term.value), arity_of)
    elif isinstance(term, TemplateString):
        for p in term.parts:
            if not isinstance(p, str):
                yield from vars_in(p, arity_of)


def free_vars(body: tuple, local: set, heads: Iterable[Term] = (), arity_of=None) -> Iterator[Var]:
    """Vars a nested body reads from outside: those it neither declares nor binds.

    After resolution a nested body's own vars have names that no outer var
    has, so "free" means: not bound anywhere inside this body.
    """
    outer = getattr(arity_of, "outer", None)
    if outer is not None:
        # After resolution a var in a nested body is the outer body's var
        # exactly when the outer body has a var of that name.
        for expr in body:
            for v in _var_nodes(expr, arity_of):
                if v.name in outer and v.name not in local:
                    yield v
        for h in heads:
            for v in vars_in(h, arity_of):
                if v.name in outer and v.name not in local:
                    yield v
        return
    own = set(local) | bound_inside(body, arity_of)
    for expr in body:
        for v in _var_nodes(expr, arity_of):
            if v.name not in own:
                yield v
    for h in heads:
        for v in vars_in(h, arity_of):
            if v.name not in own:
                yield v


def bound_inside(body: tuple, arity_of=None) -> set:
    """Names a body can bind by itself (its outputs with nothing bound outside)."""
    bound: set = set()
    changed = True
    while changed:
        changed = False
        for expr in body:
            outs = outputs(expr, bound, arity_of or _no_arity)
            if not outs <= bound:
                bound |= outs
                changed = True
        for expr in body:
            term = expr.term
            if isinstance(term, SomeDecl):
                for s in term.symbols:
                    if isinstance(s, Var) and s.name not in bound:
                        bound.add(s.name)
                        changed = True
    return bound


# --- outputs --------------------------------------------------------------------


def outputs(expr: Expr, bound: set, arity_of) -> set:
    """Vars `expr` binds when run with `bound` already bound (a `with` value is
    evaluated first, as OPA hoists it out of the expression: its refs bind their
    vars, even when the expression is negated)."""
    out: set = set()
    for w in expr.with_:
        _ref_outputs(w.value, bound, out, arity_of)
        _term_outputs(w.value, bound | out, out, arity_of)
    if expr.negated:
        return out - bound
    term = expr.term
    if isinstance(term, SomeDecl):
        if len(term.symbols) == 1 and isinstance(term.symbols[0], Call):
            call = term.symbols[0]
            *targets, coll = call.args
            _ref_outputs(coll, bound, out, arity_of)
            if _known(coll, bound | out, arity_of):
                for t in targets:
                    out |= pattern_vars(t)
        return out - bound
    if isinstance(term, Block):
        return set()
    if isinstance(term, Every):  # its domain is evaluated as any term: refs in it bind their vars
        term = term.domain
    changed = True
    while changed:
        before = len(out)
        _term_outputs(term, bound | out, out, arity_of, top=True)
        changed = len(out) != before
    return out - bound


def _term_outputs(term, known: set, out: set, arity_of, top: bool = False) -> None:
    if isinstance(term, Call):
        name = term.name
        if name in UNIFY and len(term.args) == 2:
            a, b = term.args
            _ref_outputs(a, known, out, arity_of)
            _ref_outputs(b, known, out, arity_of)
            _unify_outputs(a, b, known | out, out, arity_of)
            return
        for arg in term.args:
            _ref_outputs(arg, known, out, arity_of)
            _term_outputs(arg, known, out, arity_of)
        arity = arity_of(term)
        if top and arity is not None and len(term.args) == arity + 1:
            inputs = term.args[:-1]
            if all(_known(a, known | out, arity_of) for a in inputs):
                out |= pattern_vars(term.args[-1])
        return
    _ref_outputs(term, known, out, arity_of)


def _unify_outputs(a: Term, b: Term, known: set, out: set, arity_of=None) -> None:
    """Add to `out` the vars unifying `a` with `b` binds, given `known`."""
    _Unifier(known, out, arity_of).unify(a, b)


class _Unifier:
    """What OPA's safety analysis takes a unification to bind (its ast/unify.go):
    a var with anything it can compute, arrays of the same length element by
    element, objects of the same size key by key, a pattern with a ref, call or
    comprehension that can be computed. Nothing else: `[a, b] = {"k": 1}` or
    `[a, b] = [1]` binds neither a nor b, which are then unsafe. Two vars
    bind each other once either is bound (`unknown` keeps who waits for whom)."""

    def __init__(self, known: set, out: set, arity_of) -> None:
        self.known = known
        self.out = out
        self.arity_of = arity_of
        self.unknown: dict[str, set] = {}

    def safe(self, name: str) -> bool:
        return name in self.known or name in self.out

    def mark(self, name: str) -> None:
        self.out.add(name)
        for dependency in self.unknown.pop(name, ()):
            self.mark(dependency)
        for waiting, deps in list(self.unknown.items()):
            if name in deps:
                deps.discard(name)
                if not deps:
                    self.unknown.pop(waiting, None)
                    self.mark(waiting)

    def mark_all(self, term: Term) -> None:
        for name in _unified_vars(term):
            self.mark(name)

    def unify_all(self, var: str, term: Term) -> None:
        if self.safe(var):
            self.mark_all(term)
            return
        waiting = {v for v in _unified_vars(term) if not self.safe(v)}
        if not waiting:
            self.mark(var)
        else:
            self.unknown.setdefault(var, set()).update(waiting)

    def computable(self, term: Term) -> bool:
        """A ref whose head is bound (its operands are enumerated), or a call of bound operands."""
        if isinstance(term, Ref):
            head = term.terms[0]
            if isinstance(head, Var):
                return _is_root(head) or self.safe(head.name)
            if isinstance(head, Call):
                return self.computable(head)
            return all(self.safe(v.name) for v in vars_in(head, self.arity_of))
        return all(self.safe(v.name) for v in vars_in(term, self.arity_of))

    def unify(self, a: Term, b: Term) -> None:
        if isinstance(a, Var):
            if isinstance(b, Var):
                if self.safe(b.name):
                    self.mark(a.name)
                elif self.safe(a.name):
                    self.mark(b.name)
                else:
                    self.unknown.setdefault(a.name, set()).add(b.name)
                    self.unknown.setdefault(b.name, set()).add(a.name)
            elif isinstance(b, (Array, Object)):
                self.unify_all(a.name, b)
            elif isinstance(b, (Ref, Call)):
                if self.computable(b):
                    self.mark(a.name)
            else:
                self.mark(a.name)
        elif isinstance(a, (Ref, Call)):
            if self.computable(a):
                if isinstance(b, Var):
                    self.mark(b.name)
                elif isinstance(b, (Array, Object)):
                    self.mark_all(b)
        elif isinstance(a, (ArrayComprehension, ObjectComprehension, SetComprehension)):
            if isinstance(b, Var):
                self.mark(b.name)
            elif (isinstance(a, ArrayComprehension) and isinstance(b, Array)
                  or isinstance(a, ObjectComprehension) and isinstance(b, Object)):
                self.mark_all(b)
        elif isinstance(a, (Array, Object)):
            if isinstance(b, Var):
                self.unify_all(b.name, a)
            elif isinstance(b, (ArrayComprehension, ObjectComprehension, SetComprehension)):
                if isinstance(a, Array):  # as OPA's unifier: an object pattern gets nothing from one
                    self.mark_all(a)
            elif isinstance(b, (Ref, Call)):
                if self.computable(b):
                    self.mark_all(a)
            elif isinstance(a, Array) and isinstance(b, Array):
                if len(a.items) == len(b.items):
                    for x, y in zip(a.items, b.items):
                        self.unify(x, y)
            elif isinstance(a, Object) and isinstance(b, Object) and len(a.items) == len(b.items):
                others = {_key_text(k): v for k, v in b.items}
                for k, v in a.items:
                    other = others.get(_key_text(k))
                    if other is not None:
                        self.unify(v, other)
        elif isinstance(b, Var):
            self.mark(b.name)


def _unified_vars(term: Term) -> set:
    """The vars a unification can bind inside `term`: all of them but a ref's head,
    object keys and the insides of comprehensions."""
    out: set = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if isinstance(t, Var):
            out.add(t.name)
        elif isinstance(t, Ref):
            stack.extend(t.terms[1:] if isinstance(t.terms[0], Var) else t.terms)
        elif isinstance(t, Call):
            stack.extend(t.args)
        elif isinstance(t, (Array, Set)):
            stack.extend(t.items)
        elif isinstance(t, Object):
            stack.extend(v for _, v in t.items)
        elif isinstance(t, TemplateString):
            stack.extend(p for p in t.parts if not isinstance(p, str))
    return out


def _key_text(term: Term) -> str:
    return repr(term.to_json())


def _ref_outputs(term, known: set, out: set, arity_of=None) -> None:
    """Vars in ref operands, bindable by enumerating the collection before them."""
    for node in _refs_in(term):
        head = node.terms[0]
        prefix_known = _known(head, known | out, arity_of) if not _is_root(head) else True
        for op in node.terms[1:]:
            if not prefix_known:
                break
            if isinstance(op, Var):
                out.add(op.name)
            elif isinstance(op, (Array, Object)):
                out |= pattern_vars(op)
            elif not _known(op, known | out, arity_of):
                prefix_known = False


def _refs_in(term) -> Iterator[Ref]:
    stack = [term]
    while stack:
        t = stack.pop()
        if isinstance(t, Ref):
            yield t
            stack.extend(t.terms)
        elif isinstance(t, Call):
            stack.extend(t.args)
        elif isinstance(t, (Array, Set)):
            stack.extend(t.items)
        elif isinstance(t, Object):
            for k, v in t.items:
                stack.append(k)
                stack.append(v)
        elif isinstance(t, TemplateString):
            stack.extend(p for p in t.parts if not isinstance(p, str))


def _is_root(term) -> bool:
    return isinstance(term, Var) and term.name in ("data", "input")


def _known(term, known: set, arity_of=None) -> bool:
    """Is `term` computable with `known` bound (refs need their operands too)?"""
    return all(v.name in known for v in vars_in(term, arity_of))


def pattern_vars(term) -> set:
    """Vars a unification can bind in `term`: bare vars and those in array/object patterns."""
    if isinstance(term, Var):
        return {term.name}
    if isinstance(term, Array):
        out: set = set()
        for t in term.items:
            out |= pattern_vars(t)
        return out
    if isinstance(term, Object):
        out = set()
        for _, v in term.items:
            out |= pattern_vars(v)
        return out
    return set()


def is_scalar(term) -> bool:
    return isinstance(term, Scalar)


def order_body(body: tuple, bound: set, arity_of) -> tuple:
    """`reorder` for the emitters: the ordered body, or CompileErrors (unsafe vars)."""
    errors: list = []
    ordered = reorder(body, set(bound), arity_of, errors)
    if errors:
        raise CompileErrors(errors)
    return ordered
