"""The type checker's walk of one body (see typecheck.py): OPA's CheckBody,
refChecker, unify1 and unify2 (ast/check.go) over regolite's resolved AST.

A body is walked in the order the safety stage gives it. A call nested in an
expression is checked before it and stands for its result type (OPA moves
it out to a fresh var); the head terms of a comprehension or rule are checked
after the body (OPA moves their references and calls into it).
"""

from __future__ import annotations

from typing import Optional

from regolite.ast import (
    Array as ArrayTerm, ArrayComprehension, Call, Every, Expr, Object as ObjectTerm, ObjectComprehension, Ref,
    Scalar as ScalarTerm, Set as SetTerm, SetComprehension, SomeDecl, Var,
)
from regolite.builtins import REGISTRY
from regolite.compiler.analysis import constant_value, is_constant
from regolite.compiler.errors import CompileErrors
from regolite.compiler.safety import order_body, vars_in
from regolite.compiler.tree import is_data_ref
from regolite.compiler.types import (
    ANY, BOOLEAN, NULL, NUMBER, STRING, AnyOf, Array, Function, Object, SetOf, Type, from_decl, is_nil, key_order,
    keys, or_, select, sprint, unifies, values,
)
from regolite.errors import TYPE_ERROR, RegoError

CLOSURES = (ArrayComprehension, SetComprehension, ObjectComprehension)
_BUILTIN_TYPES: dict = {}


def builtin_type(name: str) -> Optional[Function]:
    """A builtin's declared type, from its capabilities entry."""
    if name not in _BUILTIN_TYPES:
        b = REGISTRY.get(name)
        _BUILTIN_TYPES[name] = from_decl(b.to_json()["decl"]) if b is not None else None
    return _BUILTIN_TYPES[name]


class Env:
    """The types of one body's vars; a nested body's env reads its enclosing one's."""

    __slots__ = ("vars", "parent")

    def __init__(self, parent: Optional["Env"] = None) -> None:
        self.vars: dict = {}
        self.parent = parent

    def get(self, name: str) -> Optional[Type]:
        env = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        return None

    def put(self, name: str, tpe: Optional[Type]) -> None:
        self.vars[name] = tpe


def _with_type(withs: tuple, root: str) -> Optional[Type]:
    """The type OPA's checker gives `input` (or `data`) in an expression with `with
    input.a.b as ...`: objects with those static keys and any other string key
    (`object<a: object<b: any>[string: any]>[string: any]`), so `input[1]` there is an
    undefined ref. None when no `with` replaces a path under it."""
    paths: dict = {}
    for w in withs:
        target = w.target
        if not (isinstance(target, Ref) and isinstance(target.terms[0], Var) and target.terms[0].name == root):
            continue
        tail = target.terms[1:]
        if not tail or not all(isinstance(t, ScalarTerm) and type(t.value) is str for t in tail):
            return None
        node = paths
        for t in tail:
            node = node.setdefault(t.value, {})
    return _object_of_paths(paths) if paths else None


def _object_of_paths(paths: dict) -> Type:
    if not paths:
        return ANY
    return Object([(k, _object_of_paths(v)) for k, v in paths.items()], (STRING, ANY))


def select_ref(tpe: Optional[Type], tail) -> Optional[Type]:
    """The type reached from `tpe` through reference operands `tail` (OPA's selectRef)."""
    for term in tail:
        if tpe is None:
            return None
        if isinstance(term, ScalarTerm):
            tpe = select(tpe, term.value)
        else:
            tpe = values(tpe)
    return tpe


class BodyChecker:
    """Checks one body (and the bodies nested in it) in an `Env`."""

    def __init__(self, checker, env: Env) -> None:
        self.checker = checker
        self.env = env
        self.bound: set = set()
        self.closures: dict = {}   # id(comprehension) -> its type (None after an error)
        # What unifies: =, := and, in rules (not queries), == (OPA's rewriteEquals).
        self.unify_ops = ("eq", "assign", "equal")
        self.input_type: Type = ANY  # in an expression `with input.a as ...`, an object with a key a
        self.base_type: Type = ANY  # base data (no rule there) in an expression `with data.d.x as ...`

    def error(self, message: str, loc) -> None:
        self.checker.errors.append(RegoError(TYPE_ERROR, message, loc))

    def check(self, body: tuple, bound: set, heads: tuple = ()) -> None:
        """Check `body` (its vars in `bound` bound before it), then the head terms
        that use its vars (OPA moves their references and calls into the body)."""
        self.bound = set(bound)
        for expr in order_body(body, self.bound, self.checker.tree.arity):
            self.check_expr(expr)
            terms = expr.term.symbols if isinstance(expr.term, SomeDecl) else (expr.term,)
            if not isinstance(expr.term, Every):
                self.bound |= {v.name for t in terms for v in vars_in(t)}
        for term in heads:
            if term is not None:
                self.prepare(term)
                self.check_refs(term)

    # --- expressions ------------------------------------------------------------------------------

    def check_expr(self, expr: Expr) -> None:
        replaced = _with_type(expr.with_, "input")
        base = _with_type(expr.with_, "data")
        if replaced is None and base is None:
            return self._check_expr(expr)
        outer = self.input_type, self.base_type
        self.input_type = replaced or self.input_type
        self.base_type = base or self.base_type
        try:
            self._check_expr(expr)
        finally:
            self.input_type, self.base_type = outer

    def _check_expr(self, expr: Expr) -> None:
        term = expr.term
        if isinstance(term, SomeDecl):
            for sym in term.symbols:
                if isinstance(sym, Call):
                    self.some_in(sym)
            return
        if isinstance(term, Every):
            self.prepare(term.domain)
            self.check_refs(term.domain)
            self.check_every_refs(term.body)
            return
        if isinstance(term, Call) and term.name in self.unify_ops and len(term.args) == 2:
            before = len(self.checker.errors)
            a, b = term.args
            self.prepare(a)
            self.prepare(b)
            self.check_refs(a)
            self.check_refs(b)
            ta, tb = self.type_of(a), self.type_of(b)
            if not self.unify2(a, ta, b, tb) and not (len(self.checker.errors) > before and
                                                       (is_nil(ta) or is_nil(tb))):
                self.error(f"match error\n\tleft  : {sprint(ta)}\n\tright : {sprint(tb)}", expr.loc)
            return
        if isinstance(term, Call):
            self.call(term, None)
            return
        self.prepare(term)
        self.check_refs(term)

    def some_in(self, call: Call) -> None:
        """`some x in xs` (x = xs[_]) and `some k, v in xs` (v = xs[k])."""
        *targets, domain = call.args
        self.prepare(domain)
        self.check_refs(domain)
        dom = self.domain_type(domain)
        if dom is None:
            self.error("match error\n\tleft  : ???\n\tright : ???", call.loc)
            return
        if len(targets) == 2:
            if not self.check_leaf(dom, [targets[0]], 0, call.loc):
                return
        elif keys(dom) is None:
            self.error(f"undefined ref: {_ref_text([domain, Var('_')])}\n\thave: {sprint(dom)}", call.loc)
            return
        value, tv = targets[-1], values(dom)
        if tv is not None and not self.unify2(value, self.type_of(value), None, tv):
            self.error(f"match error\n\tleft  : {sprint(self.type_of(value))}\n\tright : {sprint(tv)}", call.loc)

    def domain_type(self, term) -> Optional[Type]:
        """The type of what `some ... in` enumerates (None for a scalar, which OPA cannot index)."""
        if isinstance(term, ScalarTerm):
            return None
        if isinstance(term, Var) and self.env.get(term.name) is None:
            self.env.put(term.name, ANY)
        tpe = self.type_of(term)
        return ANY if tpe is None else tpe

    def call(self, call: Call, out) -> Optional[Type]:
        """Check a call (its nested calls first); the type of its result."""
        before = len(self.checker.errors)
        for arg in call.args:
            self.prepare(arg)
            self.check_refs(arg)
        ftype = self.function_type(call)
        if not isinstance(ftype, Function):
            return None
        fargs = list(ftype.args) + ([ftype.result] if ftype.result is not None else [])
        n = len(call.args) + (1 if out is not None else 0)
        if (n > len(fargs) and ftype.variadic is None) or len(call.args) < len(ftype.args):
            return None  # arity: the call check reports it
        for i, arg in enumerate(call.args):
            want = fargs[i] if i < len(fargs) else ftype.variadic
            if not self.unify1(arg, want, False):
                if len(self.checker.errors) > before and any(is_nil(self.type_of(a)) for a in call.args):
                    return None  # a nested error says more
                have = ", ".join(sprint(self.type_of(a)) for a in call.args)
                wants = [sprint(t) for t in ftype.args] + ([sprint(ftype.result)] if ftype.result else [])
                self.error(f"{_call_name(call)}: invalid argument(s)\n\thave: ({have})\n\twant: ({', '.join(wants)})",
                           call.loc)
                return None
        if out is not None:
            return ftype.result
        return None

    def function_type(self, call: Call) -> Optional[Type]:
        tree = self.checker.tree
        if is_data_ref(call.func):
            group = tree.called_function(call)
            if group is None or not group.is_function:
                return None
            return self.checker.data_type(call.func, self.env)
        return builtin_type(call.name)

    def prepare(self, term) -> None:
        """Check the calls nested in `term` (outside closures), as OPA moves them before it."""
        if isinstance(term, Call):
            self.closures[id(term)] = self.call(term, True)
        elif isinstance(term, CLOSURES):
            self.closure_type(term)
        elif isinstance(term, (ArrayTerm, SetTerm)):
            for t in term.items:
                self.prepare(t)
        elif isinstance(term, ObjectTerm):
            for k, v in term.items:
                self.prepare(k)
                self.prepare(v)
        elif isinstance(term, Ref):
            for t in term.terms:
                self.prepare(t)

    def closure_type(self, term) -> Optional[Type]:
        key = id(term)
        if key in self.closures:
            return self.closures[key]
        before = len(self.checker.errors)
        inner = BodyChecker(self.checker, Env(self.env))
        inner.closures, inner.unify_ops = self.closures, self.unify_ops
        heads = (term.key, term.value) if isinstance(term, ObjectComprehension) else (term.term,)
        try:
            inner.check(term.body, self.bound, heads)
        except CompileErrors:  # not ordered as the safety stage orders it: not known
            self.closures[key] = ANY
            return ANY
        if len(self.checker.errors) > before:
            tpe = None
        elif isinstance(term, ArrayComprehension):
            tpe = Array((), inner.type_of(term.term))
        elif isinstance(term, SetComprehension):
            tpe = SetOf(inner.type_of(term.term))
        else:
            tpe = Object((), (inner.type_of(term.key), inner.type_of(term.value)))
        self.closures[key] = tpe
        return tpe

    # --- references ---------------------------------------------------------------------------------

    def check_refs(self, term) -> None:
        """OPA's refChecker: each reference in `term` (outside closures) must reach something."""
        if isinstance(term, Ref):
            for t in term.terms:
                self.check_refs(t)
            self.check_ref(term)
        elif isinstance(term, (ArrayTerm, SetTerm)):
            for t in term.items:
                self.check_refs(t)
        elif isinstance(term, ObjectTerm):
            for k, v in term.items:
                self.check_refs(k)
                self.check_refs(v)
        elif isinstance(term, Call):
            for t in term.args:
                self.check_refs(t)

    def check_every_refs(self, body: tuple) -> None:
        for expr in body:
            term = expr.term
            if isinstance(term, Every):
                self.check_every_refs(term.body)
            elif not isinstance(term, SomeDecl):
                self.check_refs(term)

    def check_ref(self, ref: Ref) -> None:
        head = ref.terms[0]
        if isinstance(head, Var):
            if head.name in ("input", "data"):
                return self.check_root(ref)
            tpe = self.env.get(head.name)
            if tpe is None:  # OPA types a var it knows nothing about as any
                self.env.put(head.name, ANY)
                tpe = ANY
        elif isinstance(head, ScalarTerm):
            return
        else:  # OPA moves a composite or a call out to a var: of any type if not known
            tpe = self.type_of(head)
            if tpe is None:
                if not isinstance(head, Call):
                    return
                tpe = self.closures[id(head)] = ANY
        self.check_leaf(tpe, ref.terms, 1, ref.loc)

    def check_root(self, ref: Ref) -> None:
        """A reference into `input` (any) or `data` (the rule types' tree)."""
        if ref.terms[0].name == "input":
            self.check_leaf(self.input_type, ref.terms, 1, ref.loc)
            return
        self.checker.ensure_ref(ref)
        node = self.checker.root.child("data")
        if self.base_type is not ANY and len(ref.terms) > 1 and isinstance(ref.terms[1], ScalarTerm) \
                and (node is None or node.child(ref.terms[1].value) is None):
            self.check_leaf(self.base_type, ref.terms, 1, ref.loc)
            return
        terms = ref.terms
        for idx in range(1, len(terms)):
            if node is None:  # not a rule: base data, of any type
                self.check_leaf(ANY, terms, idx, ref.loc)
                return
            term = terms[idx]
            if node.value is not None:
                self.check_leaf(node.value, terms, idx, ref.loc)
                return
            if isinstance(term, Var):
                want = keys(node.extent())
                if not self.leaf_var(term, want):
                    self.error(f"undefined ref: {_ref_text(terms)}\n\thave (type): "
                               f"{sprint(self.type_of(term))}\n\twant (type): {sprint(want)}", ref.loc)
                else:  # what follows may be any rule under the node, or base data
                    self.check_leaf(ANY, terms, idx + 1, ref.loc)
                return
            if not isinstance(term, ScalarTerm):
                self.check_leaf(ANY, terms, idx, ref.loc)
                return
            node = node.child(term.value)
        if node is not None and node.value is not None and isinstance(node.value, Function) and len(terms) > 1:
            self.error(f"undefined ref: {ref.dotted() or 'data'}", ref.loc)

    def leaf_var(self, var: Var, want: Optional[Type]) -> bool:
        exist = self.env.get(var.name)
        if exist is not None:
            return unifies(exist, want)
        self.env.put(var.name, want)
        return True

    def check_leaf(self, tpe: Optional[Type], terms, idx: int, loc) -> bool:
        """OPA's checkRefLeaf: operands terms[idx:] applied to a value of type `tpe`."""
        while idx < len(terms):
            head = terms[idx]
            want = keys(tpe)
            if want is None:
                self.error(f"undefined ref: {_ref_text(terms)}\n\thave: {sprint(tpe)}", loc)
                return False
            if isinstance(head, ScalarTerm):
                child = select(tpe, head.value)
                if child is None:
                    self.error(f"undefined ref: {_ref_text(terms)}\n\thave: {_json(head.value)}\n\twant (type): "
                               f"{sprint(want)}", loc)
                    return False
                tpe, idx = child, idx + 1
                continue
            ok = True
            if isinstance(head, Var):
                ok = self.leaf_var(head, want)
            elif isinstance(head, Ref):
                exist = self.type_of(head)
                ok = exist is None or unifies(exist, want)
            elif isinstance(head, Call):
                exist = self.closures.get(id(head))
                ok = exist is None or unifies(exist, want)
            elif isinstance(head, (ArrayTerm, ObjectTerm, SetTerm)):
                ok = self.unify1(head, want, False)
            if not ok:
                self.error(f"undefined ref: {_ref_text(terms)}\n\thave (type): {sprint(self.type_of(head))}"
                           f"\n\twant (type): {sprint(want)}", loc)
                return False
            tpe, idx = values(tpe), idx + 1
        return True

    # --- types of terms -----------------------------------------------------------------------------

    def type_of(self, term) -> Optional[Type]:
        """OPA's TypeEnv.Get: the type of a term (None if not known)."""
        if isinstance(term, ScalarTerm):
            v = term.value
            if v is None:
                return NULL
            if isinstance(v, bool):
                return BOOLEAN
            return STRING if isinstance(v, str) else NUMBER
        if isinstance(term, Var):
            return self.env.get(term.name)
        if isinstance(term, Ref):
            head = term.terms[0]
            if isinstance(head, Var):
                if head.name == "input":
                    return select_ref(self.input_type, term.terms[1:])
                if head.name == "data":
                    return self.checker.data_type(term, self.env)
                return select_ref(self.env.get(head.name), term.terms[1:])
            if isinstance(head, ScalarTerm):
                return None
            return select_ref(self.type_of(head), term.terms[1:])
        if isinstance(term, ArrayTerm):
            return Array([self.type_of(t) for t in term.items], ANY if not term.items else None)
        if isinstance(term, ObjectTerm):
            static, dynamic = [], None
            for k, v in term.items:
                if isinstance(k, ScalarTerm):
                    static.append((k.value, self.type_of(v)))
                else:
                    dynamic = (self.type_of(k), self.type_of(v))
            if not static and dynamic is None:
                dynamic = (ANY, ANY)
            return Object(static, dynamic)
        if isinstance(term, SetTerm):
            tpe = None
            for t in term.items:
                tpe = or_(tpe, self.type_of(t))
            return SetOf(tpe if tpe is not None else ANY)
        if isinstance(term, CLOSURES):
            return self.closure_type(term)
        if isinstance(term, Call):
            return self.closures.get(id(term))
        return ANY

    # --- unification (OPA's unify1 and unify2) ------------------------------------------------------

    def unify1(self, term, tpe: Optional[Type], union: bool) -> bool:
        if isinstance(term, (ArrayTerm, ObjectTerm, SetTerm)):
            if isinstance(tpe, AnyOf):
                if not tpe.of:
                    for t in _items(term):
                        self.unify1(t, ANY, True)
                    return True
                result = False
                for t in tpe.of:
                    result = self.unify1(term, t, True) or result
                return result
            if isinstance(term, ArrayTerm) and isinstance(tpe, Array):
                if len(term.items) != len(tpe.static) and tpe.dynamic is None:
                    return False
                return all(self.unify1(t, tpe.select(i), union) for i, t in enumerate(term.items))
            if isinstance(term, ObjectTerm) and isinstance(tpe, Object):
                return self.unify1_object(term, tpe, union)
            if isinstance(term, SetTerm) and isinstance(tpe, SetOf):
                of = values(tpe)
                return all(self.unify1(t, of, union) for t in term.items)
            return False
        if isinstance(term, Var):
            exist = self.env.get(term.name)
            if not union:
                if exist is not None:
                    return unifies(exist, tpe)
                self.env.put(term.name, tpe)
            else:
                self.env.put(term.name, or_(exist, tpe))
            return True
        if isinstance(term, Call):
            exist = self.closures.get(id(term))
            return union or exist is None or unifies(exist, tpe)
        if isinstance(term, (Ref, ScalarTerm) + CLOSURES):
            return unifies(self.type_of(term), tpe)
        return True

    def unify1_object(self, term: ObjectTerm, tpe: Object, union: bool) -> bool:
        if len(term.items) != len(tpe.static) and tpe.dynamic is None:
            return False
        for k, v in term.items:
            if is_constant(k):
                child = select(tpe, _json_key(k))
                if child is None or not self.unify1(v, child, union):
                    return False
            else:
                self.unify1(v, ANY, union)
        return True

    def unify2(self, a, ta: Optional[Type], b, tb: Optional[Type]) -> bool:
        nil_a, nil_b = is_nil(ta), is_nil(tb)
        if nil_a and not nil_b:
            return self.unify1(a, tb, False)
        if nil_b and not nil_a:
            return self.unify1(b, ta, False)
        if not nil_a and not nil_b:
            return unifies(ta, tb)
        if isinstance(a, ArrayTerm):
            return self.unify2_array(a, b)
        if isinstance(a, ObjectTerm):
            return self.unify2_object(a, b)
        if _var_like(a):
            if _var_like(b):
                return self.unify1(a, ANY, False) and self.unify1(b, self.type_of(a), False)
            if isinstance(b, ArrayTerm):
                return self.unify2_array(b, a)
            if isinstance(b, ObjectTerm):
                return self.unify2_object(b, a)
        return False

    def unify2_array(self, a: ArrayTerm, b) -> bool:
        if isinstance(b, ArrayTerm):
            if len(a.items) != len(b.items):
                return False
            return all(self.unify2(x, self.type_of(x), y, self.type_of(y)) for x, y in zip(a.items, b.items))
        if _var_like(b):
            return self.unify1(a, ANY, False) and self.unify1(b, self.type_of(a), False)
        return False

    def unify2_object(self, a: ObjectTerm, b) -> bool:
        if isinstance(b, ObjectTerm):
            if not all(is_constant(k) for k, _ in a.items + b.items):
                return True  # keys that are not constants: not compared here
            left = {key_order(_json_key(k)): v for k, v in a.items}
            right = {key_order(_json_key(k)): v for k, v in b.items}
            if left.keys() != right.keys():
                return False
            return all(self.unify2(left[k], self.type_of(left[k]), right[k], self.type_of(right[k])) for k in left)
        if _var_like(b):
            return self.unify1(a, ANY, False) and self.unify1(b, self.type_of(a), False)
        return False


def _var_like(term) -> bool:
    return isinstance(term, (Var, Call))


def _items(term) -> list:
    if isinstance(term, ObjectTerm):
        return [t for kv in term.items for t in kv]
    return list(term.items)


def _json_key(term):
    value = constant_value(term)
    return value


def _call_name(call: Call) -> str:
    return call.func.dotted() or call.name


def _ref_text(terms) -> str:
    out = []
    for i, t in enumerate(terms):
        if isinstance(t, Var):
            out.append(("" if i == 0 else "[") + t.name.split("#")[0] + ("" if i == 0 else "]"))
        elif isinstance(t, ScalarTerm) and isinstance(t.value, str) and t.value.isidentifier() and i:
            out.append("." + t.value)
        elif isinstance(t, ScalarTerm):
            out.append(f"[{_json(t.value)}]" if i else _json(t.value))
        else:
            out.append("[...]" if i else "(...)")
    return "".join(out)


def _json(value) -> str:
    import json

    return json.dumps(value)

