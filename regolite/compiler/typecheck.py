"""OPA's compile-time type checker (its ast/check.go), the last compile stage.

Each rule body is walked in the order the safety stage gives it; the types of
its vars are inferred as OPA infers them (`=`, `:=` and `==` unify both sides,
a call unifies its arguments with the declared argument types and its output
with the result type, a reference enumerates keys and values of what it goes
through), and the rule's type comes from its head. Rules are checked after
the rules they read, so references to them have their types; a rule with an
error has the type any. OPA's rewrites before its checker are followed: a
call nested in an expression is checked first and stands for its result,
`some x in xs` is `x = xs[_]`, `some k, v in xs` is `v = xs[k]`; the
expressions in an `every` body are not checked (only their references).

Errors (`rego_type_error`): "match error" when the sides of a unification
cannot have one type, "<f>: invalid argument(s)" when a call's argument
cannot have its declared type, "undefined ref" when a reference goes where
its value's type has nothing. `input` and `data` outside rules are any.
"""

from __future__ import annotations

from typing import Optional

from regolite import ast
from regolite.ast import Ref, Scalar as ScalarTerm
from regolite.compiler.errors import CompileErrors
from regolite.compiler.safety import vars_in
from regolite.compiler.tree import DocNode, Group, RuleKind, RuleTree
from regolite.compiler.typecheck_body import BodyChecker, Env, select_ref
from regolite.compiler.types import ANY, STRING, Function, Object, SetOf, Type, key_order, or_
from regolite.errors import RegoError


class TypeNode:
    """A node of the tree of rule types under `data`."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict = {}   # key_order(key) -> (key, TypeNode)
        self.value: Optional[Type] = None

    def child(self, key) -> Optional["TypeNode"]:
        entry = self.children.get(key_order(key))
        return entry[1] if entry is not None else None

    def extent(self) -> Optional[Type]:
        """The type of the whole document at this node (OPA's getRefRecExtent)."""
        if self.value is not None:
            return self.value
        static = [(k, n.extent()) for k, n in self.children.values() if isinstance(k, (str, int, float, bool))]
        return Object(static, (STRING, ANY))


def _merge(a: Optional[Type], b: Optional[Type]) -> Optional[Type]:
    """Two definitions' types of one path joined (OPA's mergeTypes)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Object) and isinstance(b, Object) and not a.static and not b.static \
            and a.dynamic is not None and b.dynamic is not None:
        return Object((), (or_(a.dynamic[0], b.dynamic[0]), _merge(a.dynamic[1], b.dynamic[1])))
    if isinstance(a, SetOf) and isinstance(b, SetOf):
        return SetOf(or_(a.of, b.of))
    return or_(a, b)


class TypeChecker:
    """Checks every rule of a rule tree; `errors` lists what OPA would report."""

    def __init__(self, tree: RuleTree) -> None:
        self.tree = tree
        self.errors: list[RegoError] = []
        self.root = TypeNode()     # types of rule paths, under `data`
        self.state: dict = {}      # group id -> False while checked, True when done

    def run(self) -> list[RegoError]:
        for group in self.tree.groups:
            self.ensure(group)
        return self.errors

    # --- rules --------------------------------------------------------------------------------

    def ensure(self, group: Group) -> None:
        """Check `group`'s rules (once) and put its type in the tree."""
        if group.id in self.state:
            return
        self.state[group.id] = False
        for top in group.all_rules():
            rule = top
            while rule is not None:
                self.check_rule(group, rule, top.head.args or ())
                rule = rule.else_
        self.state[group.id] = True

    def ensure_ref(self, ref: Ref) -> None:
        """Check the groups a `data` reference may read before typing it."""
        node: DocNode = self.tree.root
        for term in ref.terms[1:]:
            if node.group is not None:
                self.ensure(node.group)
            if not (isinstance(term, ScalarTerm) and isinstance(term.value, str)) or term.value not in node.children:
                break
            node = node.children[term.value]
        stack = [node]
        while stack:
            n = stack.pop()
            if n.group is not None:
                self.ensure(n.group)
            stack.extend(n.children.values())

    def check_rule(self, group: Group, rule: ast.Rule, args: tuple) -> None:
        head = rule.head
        arg_names = {v.name for a in args for v in vars_in(a)}
        before = len(self.errors)
        env = Env()
        body = BodyChecker(self, env)
        value = head.value if head.value is not None else ScalarTerm(True)
        try:
            body.check(rule.body, arg_names, (value, head.key) + tuple(head.ref.terms[1:]))
        except CompileErrors:  # not in an order the safety stage accepts: nothing to say
            return
        path = ("data",) + group.path
        if len(self.errors) > before:
            self.insert(path, ANY)
            return
        if group.kind is RuleKind.FUNCTION:
            for name in arg_names:
                if env.get(name) is None:
                    env.put(name, ANY)
            tpe: Optional[Type] = Function([body.type_of(a) for a in args], body.type_of(value))
        elif group.kind is RuleKind.SET:
            key = body.type_of(head.key) if head.key is not None else None
            tpe = SetOf(key) if key is not None else None
        elif head.key is not None and head.value is None:
            tpe = ANY  # a multi-value rule with a variable ref head
        else:
            tpe = body.type_of(value)
            for term in reversed(_suffix(head)):
                key = body.type_of(term)
                if tpe is None or key is None:
                    tpe = None
                    break
                tpe = Object((), (key, tpe))
        if tpe is not None:
            self.insert(path, tpe)

    def insert(self, path: tuple, tpe: Type) -> None:
        node = self.root
        for i, key in enumerate(path):
            nxt = node.child(key)
            if nxt is None:
                nxt = TypeNode()
                node.children[key_order(key)] = (key, nxt)
            elif nxt.value is not None and i + 1 < len(path):
                nxt.value = ANY   # a rule inside another rule's value: not followed
            node = nxt
        node.value = ANY if node.children else _merge(node.value, tpe)

    def data_type(self, ref: Ref, env: Env) -> Optional[Type]:
        """The type of a `data` reference (OPA's getRefRec)."""
        self.ensure_ref(ref)
        node = self.root.child("data")
        if node is None:
            return ANY
        tail = ref.terms[1:]
        while True:
            if not tail:
                return node.extent()
            if node.value is not None:
                return select_ref(node.value, tail)
            head = tail[0]
            if not isinstance(head, ScalarTerm):
                return select_ref(node.extent(), tail)
            nxt = node.child(head.value)
            if nxt is None:
                return ANY
            node, tail = nxt, tail[1:]


def _suffix(head: ast.Head) -> tuple:
    """The operands of a head ref after its ground part (`p.q[x].r`: x and "r")."""
    terms = head.ref.terms
    for i in range(1, len(terms)):
        if not (isinstance(terms[i], ScalarTerm) and isinstance(terms[i].value, str)):
            return terms[i:]
    return ()


# A construct the checker does not expect is not a reason to reject a policy: it then
# reports nothing (a missed type error is far better than a rejected valid policy).
_UNEXPECTED = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def check_types(tree: RuleTree) -> list[RegoError]:
    """OPA's type errors of the rules of `tree` (its last compile stage)."""
    try:
        return TypeChecker(tree).run()
    except _UNEXPECTED:
        return []


def check_query_types(tree: RuleTree, body: tuple) -> list[RegoError]:
    """OPA's type errors of a query (resolved and ordered) against the rules of `tree`."""
    checker = TypeChecker(tree)
    query = BodyChecker(checker, Env())
    try:
        query.unify_ops = ("eq", "assign")  # a query's == is a call (OPA's query compiler)
        query.check(body, set())
    except (CompileErrors,) + _UNEXPECTED:
        return []
    return checker.errors
