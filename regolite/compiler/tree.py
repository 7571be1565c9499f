"""The rule tree: which rules define which paths under `data`.

Rules are grouped by the ground path they define (a package path plus the
ground part of the head ref): a `Group` holds every definition of one path,
resolved (see resolve.py). Groups hang in a tree of `DocNode`s that mirrors the
virtual document, so a `data...` reference can be followed at compile time to
the rule it reaches (`DataTarget`). The tree is built once per set of modules,
before any code is written, and only read afterwards.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional

from regolite import ast
from regolite.ast import Call, Module, Ref, Rule, Scalar, Var
from regolite.builtins import REGISTRY
from regolite.compiler.resolve import ModuleScope, Resolver
from regolite.errors import TYPE_ERROR, RegoError

# Operators the body emitter writes inline, with their number of operands.
INLINE_ARITY = {"eq": 2, "assign": 2, "equal": 2, "neq": 2, "lt": 2, "lte": 2, "gt": 2, "gte": 2,
                "internal.member_2": 2, "internal.member_3": 3}


class RuleKind(enum.Enum):
    """What the definitions of one path make."""

    COMPLETE = "complete"  # one value: `p := 1`, `p if ...`
    SET = "set"            # a partial set: `p contains x if ...`
    OBJECT = "object"      # a partial object or a ref head with variables: `p[k] := v`
    FUNCTION = "function"  # `f(x) := ...`


@dataclass
class Group:
    """Every definition of one rule path, resolved."""

    id: int
    path: tuple
    kind: RuleKind
    defs: list[Rule] = field(default_factory=list)
    default: Optional[Rule] = None
    arity: Optional[int] = None

    @property
    def fn(self) -> str:
        """The name of the generated function that computes the path."""
        return f"func_{self.id}" if self.kind is RuleKind.FUNCTION else f"rule_{self.id}"

    @property
    def text(self) -> str:
        return "data." + ".".join(str(p) for p in self.path)

    @property
    def is_function(self) -> bool:
        return self.kind is RuleKind.FUNCTION

    def all_rules(self) -> list[Rule]:
        """The definitions and the default, if any."""
        return self.defs + ([self.default] if self.default is not None else [])


@dataclass
class DocNode:
    """A node of the virtual document: a package, a rule path, or a path between them."""

    id: int
    path: tuple
    children: dict = field(default_factory=dict)
    group: Optional[Group] = None
    package: bool = False  # a package's node is a document even with no rules

    @property
    def vdoc(self) -> str:
        """The name of the generated function that builds this node's document."""
        return f"vdoc_{self.id}"

    def has_rules(self) -> bool:
        return self.package or self.group is not None or any(c.has_rules() for c in self.children.values())


class TargetKind(enum.Enum):
    RULE = "rule"          # a rule group's function computes the prefix
    DOCUMENT = "document"  # a subtree of rules (and base data): its vdoc function
    BASE = "base"          # base data only


@dataclass
class DataTarget:
    """Where a `data...` reference starts: the function (or base data) that
    gives the value of its first `consumed` operands."""

    kind: TargetKind
    group: Optional[Group] = None
    node: Optional[DocNode] = None
    consumed: int = 0


class RuleTree:
    """The groups of a set of modules in the tree of the paths they define."""

    def __init__(self, modules: list[Module]) -> None:
        self.errors: list[RegoError] = []
        self.root = DocNode(0, ())
        self.nodes: list[DocNode] = [self.root]
        self.groups: list[Group] = []
        self.mocked: set[str] = set()  # functions some `with` replaces (resolved names)
        self.data_withs = any(_has_data_with(m) for m in modules)
        self._collect(modules)

    # --- building -----------------------------------------------------------------

    def _node(self, path: tuple) -> DocNode:
        node = self.root
        for i, key in enumerate(path):
            nxt = node.children.get(key)
            if nxt is None:
                nxt = DocNode(len(self.nodes), path[: i + 1])
                self.nodes.append(nxt)
                node.children[key] = nxt
            node = nxt
        return node

    def _collect(self, modules: list[Module]) -> None:
        by_package: dict[tuple, set] = {}
        for m in modules:
            names = by_package.setdefault(package_path(m), set())
            for r in m.rules:
                names.add(r.head.ref.terms[0].name)
        for m in modules:
            package = package_path(m)
            self._node(package).package = True
            scope = ModuleScope.of(m, by_package[package])
            for rule in m.rules:
                self._add_rule(rule, scope, package)

    def _add_rule(self, rule: Rule, scope: ModuleScope, package: tuple) -> None:
        head = rule.head
        ground = [head.ref.terms[0].name]
        suffix = []
        for t in head.ref.terms[1:]:
            if not suffix and isinstance(t, Scalar) and isinstance(t.value, str):
                ground.append(t.value)
            else:
                suffix.append(t)
        path = package + tuple(ground)
        if head.args is not None:
            kind = RuleKind.FUNCTION
        elif head.key is not None and head.value is None and not suffix:
            kind = RuleKind.SET
        elif suffix:
            kind = RuleKind.OBJECT
        else:
            kind = RuleKind.COMPLETE
        node = self._node(path)
        group = node.group
        if group is None:
            group = node.group = Group(len(self.groups), path, kind)
            self.groups.append(group)
        elif group.kind is not kind:
            self.errors.append(RegoError(TYPE_ERROR, f"conflicting rules {group.text} found", rule.loc))
            return
        resolved = Resolver(scope, self.errors, self.mocked).rule(rule)
        if kind is RuleKind.FUNCTION:
            arity = len(head.args)
            if group.arity is None:
                group.arity = arity
            elif group.arity != arity:
                self.errors.append(RegoError(
                    TYPE_ERROR, f"function {group.text} has arity {group.arity}, got {arity} arguments", rule.loc))
        if rule.default:
            if group.default is not None:
                self.errors.append(RegoError(TYPE_ERROR, f"multiple default rules {group.text} found", rule.loc))
            group.default = resolved
        else:
            group.defs.append(resolved)

    # --- lookups ----------------------------------------------------------------------

    def node_at(self, path: tuple) -> Optional[DocNode]:
        node = self.root
        for key in path:
            node = node.children.get(key)
            if node is None:
                return None
        return node

    def group_at(self, path: tuple) -> Optional[Group]:
        node = self.node_at(path)
        return node.group if node is not None else None

    def function_at(self, ref: Ref) -> Optional[Group]:
        """The function group a `data...` ref names exactly, if any."""
        if not is_data_ref(ref):
            return None
        path = tuple(t.value for t in ref.terms[1:] if isinstance(t, Scalar))
        if len(path) != len(ref.terms) - 1:
            return None
        group = self.group_at(path)
        return group if group is not None and group.is_function else None

    def called_function(self, call: Call) -> Optional[Group]:
        """The group a call of a `data...` function reaches (None for builtins
        and for a path that is no rule)."""
        if not is_data_ref(call.func):
            return None
        return self.group_at(tuple(t.value for t in call.func.terms[1:]))

    def arity(self, call: Call) -> Optional[int]:
        """How many arguments the called function takes (None: unknown or variadic)."""
        name = call.name
        if name in INLINE_ARITY:
            return INLINE_ARITY[name]
        if is_data_ref(call.func):
            group = self.called_function(call)
            return group.arity if group is not None else None
        b = REGISTRY.get(name)
        if b is not None:
            return None if b.variadic is not None else len(b.args)
        return None

    def function_exists(self, call: Call) -> bool:
        if is_data_ref(call.func):
            group = self.called_function(call)
            return group is not None and group.is_function
        return call.name in REGISTRY

    def is_function_target(self, target: Ref) -> bool:
        """Does `with target as ...` replace a function (rather than a document)?"""
        head = target.terms[0]
        if isinstance(head, Var) and head.name == "input":
            return False
        if is_data_ref(target):
            return self.function_at(target) is not None
        return True

    def data_target(self, operands: list) -> DataTarget:
        """Where a `data` ref with these operands starts: the first rule its
        ground operands reach, else the deepest document of rules, else base data."""
        node = self.root
        consumed = 0
        for op in operands:
            if node.group is not None:
                break
            if isinstance(op, Scalar) and isinstance(op.value, str) and op.value in node.children:
                node = node.children[op.value]
                consumed += 1
                continue
            break
        if node.group is not None:
            return DataTarget(TargetKind.RULE, group=node.group, node=node, consumed=consumed)
        rest = operands[consumed:]
        if not node.has_rules() or (rest and isinstance(rest[0], Scalar)):
            # nothing below defines a rule, or the path goes below this node where no rule is
            return DataTarget(TargetKind.BASE)
        return DataTarget(TargetKind.DOCUMENT, node=node, consumed=consumed)

    def function_table(self) -> dict:
        """`data.a.b` -> the generated function computing exactly that document:
        a rule group's (not functions') or a package subtree's `vdoc_<n>`."""
        table = {}
        for node in self.nodes:
            if not all(str(p).isidentifier() for p in node.path):
                continue
            path = "data" + "".join(f".{p}" for p in node.path)
            if node.group is not None:
                if not node.group.is_function:
                    table[path] = node.group.fn
            elif node.has_rules() and node.id:
                table[path] = node.vdoc
        return table

    def layout(self) -> list:
        """Every generated function's name with the path it computes: what code
        compiled against this tree (an ad-hoc query) relies on."""
        return [[g.fn, list(g.path)] for g in self.groups] + [
            [n.vdoc, list(n.path)] for n in self.nodes if n.group is None and n.has_rules()
        ]


def package_path(module: Module) -> tuple:
    return tuple(t.value for t in module.package.path.terms[1:])


def ground_keys(operands) -> tuple:
    """The string keys a ref's operands start with: ("review", "object") for
    input.review.object[x]."""
    keys = []
    for op in operands:
        if not (isinstance(op, Scalar) and type(op.value) is str):
            break
        keys.append(op.value)
    return tuple(keys)


def is_data_ref(ref: Ref) -> bool:
    """Does `ref` start at `data`?"""
    head = ref.terms[0]
    return isinstance(head, Var) and head.name == "data"


def _has_data_with(module: Module) -> bool:
    for node in ast.walk(module):
        if isinstance(node, ast.With):
            head = node.target.terms[0]
            if isinstance(head, Var) and head.name == "data":
                return True
    return False
