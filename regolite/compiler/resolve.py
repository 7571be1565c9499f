"""Name resolution: every name in a rule made explicit.

After this pass a rule holds no ambiguity about what a name means:
- a reference to a rule of the same package (`allow`, `f(x)`) or to an
  import (`import data.lib.k8s` then `k8s.name`) is a full `data...` or
  `input...` ref;
- a call names either a builtin (`Call.func` is its dotted name) or a rule
  by its full data path;
- local variables are renamed so that each declaration has its own name
  (`x`, `x#1`, ...): a comprehension's or every's own `x := ...` never
  collides with the rule's `x`, and later stages need no scopes.

Errors found here are OPA's compile errors (`var x assigned above`...).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from regolite import ast
from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Object, ObjectComprehension, Ref, Rule,
    Scalar, Set, SetComprehension, SomeDecl, TemplateString, Term, Var, With,
)
from regolite.compiler.negation import hoist_calls
from regolite.errors import COMPILE_ERROR, RegoError

ROOTS = ("data", "input")


@dataclass
class ModuleScope:
    """What bare names mean in one module: its package's rules and its imports."""

    package: tuple[str, ...]
    rule_names: set[str]
    imports: dict[str, Ref]

    @classmethod
    def of(cls, module: ast.Module, package_rule_names: set[str]) -> "ModuleScope":
        package = tuple(t.value for t in module.package.path.terms[1:])
        imports: dict[str, Ref] = {}
        for imp in module.imports:
            head = imp.path.terms[0].name
            if head in ("future", "rego"):
                continue
            if imp.alias:
                name = imp.alias
            elif len(imp.path.terms) > 1:
                last = imp.path.terms[-1]
                name = last.value if isinstance(last, Scalar) and isinstance(last.value, str) else None
            else:
                name = head
            if name:
                imports[name] = imp.path
        return cls(package, set(package_rule_names), imports)


@dataclass
class Scope:
    """Declared locals of one body: Rego name -> unique name, and how each came
    to be ("assign", "some", "arg", or "ref" for a var the body unifies)."""

    names: dict[str, str] = field(default_factory=dict)
    parent: Optional["Scope"] = None
    kinds: dict[str, str] = field(default_factory=dict)

    def lookup(self, name: str) -> Optional[str]:
        scope: Optional[Scope] = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


class Resolver:
    """Resolves the names of one rule (head, body, else chain)."""

    def __init__(self, scope: ModuleScope, errors: list, mocked: Optional[set] = None) -> None:
        self.module = scope
        self.errors = errors
        self.counts: dict[str, int] = {}
        self.mocked = mocked if mocked is not None else set()  # with targets that are functions

    def error(self, message: str, loc) -> None:
        self.errors.append(RegoError(COMPILE_ERROR, message, loc))

    def fresh(self, name: str) -> str:
        n = self.counts.get(name, 0)
        self.counts[name] = n + 1
        return name if n == 0 else f"{name}#{n}"

    # --- rules ----------------------------------------------------------------

    def rule(self, rule: Rule) -> Rule:
        scope = Scope()
        head = rule.head
        args = None
        if head.args is not None:
            for v in _vars_of_terms(head.args):
                if v.name not in scope.names and not v.is_wildcard:
                    scope.names[v.name] = self.fresh(v.name)
                    scope.kinds[v.name] = "arg"
            args = tuple(self.term(a, scope) for a in head.args)
        # The head's vars (ref operands, key, value) are the body's.
        body, body_scope = self.body(rule.body, scope, extra=_head_vars(head))
        ref_terms = (head.ref.terms[0],) + tuple(self.term(t, body_scope) for t in head.ref.terms[1:])
        new_head = replace(
            head,
            ref=Ref(ref_terms, head.ref.loc),
            args=args,
            key=self.term(head.key, body_scope) if head.key is not None else None,
            value=self.term(head.value, body_scope) if head.value is not None else None,
        )
        else_ = None
        if rule.else_ is not None:
            # an else branch shares the function's arguments, not the body's locals
            else_rule = replace(rule.else_, head=replace(rule.else_.head, args=head.args))
            else_ = Resolver(self.module, self.errors, self.mocked).rule(else_rule)
        resolved = replace(rule, head=new_head, body=body, else_=else_)
        self.errors.extend(unused_declarations(replace(resolved, else_=None)))
        return resolved

    # --- bodies -----------------------------------------------------------------

    def body(self, body: tuple, parent: Scope, extra: list = ()) -> tuple[tuple, Scope]:
        """Resolve a body in a new scope below `parent`; return it and that scope.

        Vars a body declares (`:=`, `some`) get new names; other vars not
        bound in an outer scope (and not rules or imports) are this body's
        unification vars. `extra` are vars outside the body that it binds
        (a rule head's).
        """
        scope = Scope(parent=parent)
        probe = Scope()
        for expr in body:
            self._declare(expr, probe, report=False)
        declared = set(probe.names)
        names = _plain_var_names(body) + [v.name for v in extra if not v.is_wildcard]
        for name in names:
            if name in declared or name in scope.names:
                continue
            if parent.lookup(name) is None and not self._is_global(name):
                scope.names[name] = self.fresh(name)
                scope.kinds[name] = "ref"
        # `:=` and `some` declare a var from their own expression on, so a
        # comprehension before `x := ...` has an `x` of its own.
        out = []
        referenced: set[str] = set()  # plain vars earlier expressions mention
        for expr in body:
            self._declare(expr, scope, referenced=referenced)
            out.extend(self.hoist_negated_calls(self.expr(expr, scope)))
            referenced.update(v.name for v in _shallow_vars(expr) if not v.is_wildcard)
        for name in extra:
            if not name.is_wildcard and name.name in declared and scope.names.get(name.name) is None:
                scope.names[name.name] = self.fresh(name.name)
        return tuple(out), scope

    def hoist_negated_calls(self, expr: Expr) -> list:
        """`not expr` with calls nested in it: those calls first, as OPA's compiler
        evaluates them (compiler/negation.py), then what is left to negate."""
        if not expr.negated or expr.not_body or isinstance(expr.term, (Block, SomeDecl, Every)):
            return [expr]
        hoisted, core = hoist_calls(expr.term, lambda: Var(self.fresh("__not"), expr.loc))
        if not hoisted:
            return [expr]
        before = [Expr(call, False, expr.with_, expr.loc) for call in hoisted]
        return before + [Expr(core, True, expr.with_, expr.loc, expr.not_body)]

    def _declare(self, expr: Expr, scope: Scope, report: bool = True, referenced: frozenset = frozenset()) -> None:
        term = expr.term
        if isinstance(term, SomeDecl):
            for sym in term.symbols:
                if isinstance(sym, Var):
                    self._declare_var(sym, scope, "some", report, referenced)
                elif isinstance(sym, Call):
                    for arg in sym.args[:-1]:
                        for v in _vars_of_terms((arg,)):
                            self._declare_var(v, scope, "some", report, referenced)
        elif isinstance(term, Call) and term.name == "assign":
            target = term.args[0]
            if isinstance(target, Ref) and len(target.terms) == 1 and isinstance(target.terms[0], Var):
                target = target.terms[0]  # `input := ...`: a root named as a var
            if report:
                for bad in _assign_targets(target):
                    self.error(f"cannot assign to {bad}", target.loc)
            for v in _assignable_vars(target):
                self._declare_var(v, scope, "assign", report, referenced)

    def _declare_var(self, var: Var, scope: Scope, how: str, report: bool = True,
                     referenced: frozenset = frozenset()) -> None:
        """Declare `var` in `scope` (OPA's errors for a name already taken)."""
        if var.is_wildcard:
            return
        name = var.name
        earlier = scope.kinds.get(name) if name in scope.names else None
        if earlier is None and name in referenced:
            earlier = "ref"
        if earlier is None and scope.parent is not None and scope.parent.kinds.get(name) == "arg":
            earlier = "arg"
        if earlier is not None:
            if report:
                self.error(_REDECLARED[earlier].format(name), var.loc)
            return
        if name in ROOTS:
            if report:
                self.error(f"variables must not shadow {name} (use a different variable name)", var.loc)
            return
        scope.names[name] = self.fresh(name) if report else name
        scope.kinds[name] = how

    def _is_global(self, name: str) -> bool:
        return name in self.module.rule_names or name in self.module.imports or name in ROOTS

    def expr(self, expr: Expr, scope: Scope) -> Expr:
        term = expr.term
        if isinstance(term, SomeDecl):
            new: object = SomeDecl(tuple(self.term(s, scope) for s in term.symbols), term.loc)
        elif isinstance(term, Every):
            inner = Scope(parent=scope)
            key = value = None
            if term.key is not None and not term.key.is_wildcard:
                inner.names[term.key.name] = self.fresh(term.key.name)
            if not term.value.is_wildcard:
                inner.names[term.value.name] = self.fresh(term.value.name)
            key = self.term(term.key, inner) if term.key is not None else None
            value = self.term(term.value, inner)
            new = Every(key, value, self.term(term.domain, scope), self.body(term.body, inner)[0], term.loc)
        elif isinstance(term, Block):
            new = Block(self.body(term.body, scope)[0], term.loc)
        else:
            new = self.term(term, scope)
        withs = tuple(With(self.with_target(w.target), self.with_value(w.value, scope), w.loc) for w in expr.with_)
        return Expr(new, expr.negated, withs, expr.loc, expr.not_body)

    def with_target(self, target: Ref) -> Ref:
        head = target.terms[0]
        if isinstance(head, Var) and head.name not in ROOTS:
            resolved = self.global_ref(head)
            if resolved is not None:
                target = Ref(resolved.terms + target.terms[1:], target.loc)
        if not (isinstance(head, Var) and head.name == "input"):
            self.mocked.add(target.dotted() or "")
        return target

    def with_value(self, value: Term, scope: Scope) -> Term:
        """A with value; a bare builtin name (`with count as sum`) stays a function."""
        from regolite.builtins import REGISTRY

        name = value.dotted() if isinstance(value, Ref) else value.name if isinstance(value, Var) else None
        if name is not None and name in REGISTRY:
            head = name.split(".")[0]
            if scope.lookup(head) is None and not self._is_global(head):
                return ast.BuiltinRef(name, value.loc)
        return self.term(value, scope)

    # --- terms --------------------------------------------------------------------

    def term(self, term: Term, scope: Scope) -> Term:
        if isinstance(term, Var):
            if term.is_wildcard:
                return term
            local = scope.lookup(term.name)
            if local is not None:
                return Var(local, term.loc)
            resolved = self.global_ref(term)
            if resolved is not None:
                return resolved
            return term
        if isinstance(term, Ref):
            head = term.terms[0]
            rest = tuple(self.term(t, scope) for t in term.terms[1:])
            if isinstance(head, Var):
                new_head = self.term(head, scope)
                if isinstance(new_head, Ref):
                    return Ref(new_head.terms + rest, term.loc)
                return Ref((new_head,) + rest, term.loc)
            return Ref((self.term(head, scope),) + rest, term.loc)
        if isinstance(term, Call):
            return Call(self.func_ref(term.func, scope), tuple(self.term(a, scope) for a in term.args), term.loc)
        if isinstance(term, Array):
            return Array(tuple(self.term(t, scope) for t in term.items), term.loc)
        if isinstance(term, Set):
            return Set(tuple(self.term(t, scope) for t in term.items), term.loc)
        if isinstance(term, Object):
            return Object(tuple((self.term(k, scope), self.term(v, scope)) for k, v in term.items), term.loc)
        if isinstance(term, ArrayComprehension):
            body, inner = self.body(term.body, scope, extra=_vars_of_terms((term.term,)))
            return ArrayComprehension(self.term(term.term, inner), body, term.loc)
        if isinstance(term, SetComprehension):
            body, inner = self.body(term.body, scope, extra=_vars_of_terms((term.term,)))
            return SetComprehension(self.term(term.term, inner), body, term.loc)
        if isinstance(term, ObjectComprehension):
            body, inner = self.body(term.body, scope, extra=_vars_of_terms((term.key, term.value)))
            return ObjectComprehension(self.term(term.key, inner), self.term(term.value, inner), body, term.loc)
        if isinstance(term, TemplateString):
            return TemplateString(
                tuple(p if isinstance(p, str) else self.term(p, scope) for p in term.parts), term.raw, term.loc
            )
        return term

    def global_ref(self, var: Var) -> Optional[Ref]:
        name = var.name
        if name in ROOTS:
            return Ref((Var(name, var.loc),), var.loc)
        if name in self.module.rule_names:
            return ast.ref_of("data", *self.module.package, name, loc=var.loc)
        imported = self.module.imports.get(name)
        if imported is not None:
            return Ref(tuple(replace(t, loc=var.loc) for t in imported.terms), var.loc)
        return None

    def func_ref(self, func: Ref, scope: Scope) -> Ref:
        head = func.terms[0]
        if isinstance(head, Var) and head.name not in ROOTS:
            if scope.lookup(head.name) is not None:
                self.error(f"{func.dotted()} is a variable, not a function", func.loc)
                return func
            resolved = self.global_ref(head)
            if resolved is not None:
                return Ref(resolved.terms + func.terms[1:], func.loc)
        return func


# --- helpers ------------------------------------------------------------------------

# OPA's words for a declaration of a name the body already has, by how it had it.
_REDECLARED = {"assign": "var {} assigned above", "some": "var {} declared above",
               "ref": "var {} referenced above", "arg": "arg {} redeclared"}
_TERM_KINDS = [(Scalar, None), (Ref, "ref"), (Call, "call"), (Set, "set"),
               (ArrayComprehension, "arraycomprehension"), (SetComprehension, "setcomprehension"),
               (ObjectComprehension, "objectcomprehension"), (TemplateString, "templatestring")]


def _assignable_vars(target: Term) -> list[Var]:
    """The vars `:=` declares: those of its left side that it can assign."""
    if isinstance(target, Var):
        return [target]
    if isinstance(target, Array):
        return [v for item in target.items for v in _assignable_vars(item)]
    if isinstance(target, Object):
        return [v for _, value in target.items for v in _assignable_vars(value)]
    return []


def _assign_targets(target: Term) -> list[str]:
    """What `:=` cannot assign to in its left side ("number", "ref"...), one per term:
    only vars, and arrays and object values of them, can be assigned."""
    if isinstance(target, Var):
        return []
    if isinstance(target, Array):
        return [bad for item in target.items for bad in _assign_targets(item)]
    if isinstance(target, Object):
        return [bad for _, value in target.items for bad in _assign_targets(value)]
    for kind, name in _TERM_KINDS:
        if isinstance(target, kind):
            return [name or _scalar_kind(target.value)]
    return [type(target).__name__.lower()]


def _scalar_kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "string" if isinstance(value, str) else "number"


def _vars_of_terms(terms) -> list[Var]:
    """Vars in terms (a call's function name is not a var)."""
    out: list[Var] = []
    stack = list(reversed(terms))
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            out.append(n)
        elif isinstance(n, Call):
            stack.extend(reversed(n.args))
        else:
            stack.extend(reversed(list(n.children())))
    return out


def _head_vars(head: ast.Head) -> list[Var]:
    terms = list(head.ref.terms[1:])
    if head.key is not None:
        terms.append(head.key)
    if head.value is not None:
        terms.append(head.value)
    return _vars_of_terms(terms)


def _plain_var_names(body: tuple) -> list[str]:
    """Vars of a body outside its nested comprehension/every bodies, in order."""
    seen: dict[str, None] = {}
    for e in body:
        for v in _shallow_vars(e):
            if not v.is_wildcard:
                seen.setdefault(v.name)
    return list(seen)


def _shallow_vars(node) -> list[Var]:
    """Vars in `node`, not descending into nested bodies (comprehensions, every)."""
    out: list[Var] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            out.append(n)
            continue
        if isinstance(n, (ArrayComprehension, SetComprehension, ObjectComprehension, Block)):
            continue
        if isinstance(n, Every):
            stack.append(n.domain)
            continue
        if isinstance(n, With):
            # the target names a document or function, not a var; so may the value
            if not _names_builtin(n.value):
                stack.append(n.value)
            continue
        if isinstance(n, Call):
            stack.extend(reversed(n.args))  # not the function name
            continue
        stack.extend(reversed(list(n.children())))
    return out


def _names_builtin(term) -> bool:
    from regolite.builtins import REGISTRY

    name = term.dotted() if isinstance(term, Ref) else term.name if isinstance(term, Var) else None
    return name is not None and name in REGISTRY


def resolve_query(body: tuple, errors: list) -> tuple:
    """A query's body resolved (no package, no imports): its vars are its own."""
    resolved, _scope = Resolver(ModuleScope((), set(), {}), errors).body(body, Scope())
    errors.extend(unused_declarations(Block(resolved)))
    return resolved


def unused_declarations(node: ast.Node) -> list[RegoError]:
    """OPA's `declared var x unused`: a var declared by `some x` (without `in`) or
    by `every k, v` that nothing else mentions. After resolution each declaration
    has a name of its own, so "mentions" is any other occurrence of that name."""
    declared: dict[int, Var] = {}
    for n in ast.walk(node):
        if isinstance(n, SomeDecl):
            declared.update((id(s), s) for s in n.symbols if isinstance(s, Var) and not s.is_wildcard)
        elif isinstance(n, Every):
            declared.update((id(v), v) for v in (n.key, n.value) if v is not None and not v.is_wildcard)
    if not declared:
        return []
    mentioned = {n.name for n in ast.walk(node) if isinstance(n, Var) and id(n) not in declared}
    return [RegoError(COMPILE_ERROR, f"declared var {var.name.split('#')[0]} unused", var.loc)
            for var in declared.values() if var.name not in mentioned]
