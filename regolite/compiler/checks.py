"""OPA's compile-time checks that need the whole program.

- calls: an undefined function, a wrong number of arguments, a constant
  argument of the wrong type (`rego_type_error`), checked where the call is
  written (`check_call` says what the call reaches); the first two also for
  the whole program before any code is written (`undefined_functions`, OPA's
  CheckUndefinedFuncs stage, which reports every one and comes before safety);
- recursion: the rules each rule reads, recorded while its code is written
  (`Dependencies`), must not form a cycle (`rego_recursion_error`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from regolite.ast import Call, Expr, Node, Ref, walk
from regolite.builtins import REGISTRY
from regolite.compiler.analysis import constant_value, is_constant
from regolite.compiler.errors import CompileErrors
from regolite.compiler.tree import INLINE_ARITY, DocNode, Group, RuleTree, TargetKind, is_data_ref
from regolite.errors import RECURSION_ERROR, TYPE_ERROR, RegoError
from regolite.values import type_name


class CalleeKind(enum.Enum):
    BUILTIN = "builtin"
    FUNCTION = "function"  # a rule group of kind function
    MOCK_ONLY = "mock"     # a name that exists only as a `with` replacement


@dataclass(frozen=True)
class Callee:
    """What a call reaches: a builtin (by name) or a function group."""

    kind: CalleeKind
    builtin: Optional[str] = None
    group: Optional[Group] = None


def check_call(tree: RuleTree, call: Call, deferred: Optional[list] = None, constants: bool = True) -> Callee:
    """What `call` calls; CompileErrors when OPA's type checker rejects it.
    `constants`: check the types of constant arguments here (queries; the type
    checker, typecheck.py, checks those of rules); such an error goes to
    `deferred` when given (the code is still written, so later stages see the whole rule)."""
    if (call.func.dotted() or "") in tree.mocked and not tree.function_exists(call):
        return Callee(CalleeKind.MOCK_ONLY)
    if is_data_ref(call.func):
        group = tree.called_function(call)
        if group is None or not group.is_function:
            raise CompileErrors([RegoError(TYPE_ERROR, f"undefined function {call.func.dotted() or 'data'}", call.loc)])
        if len(call.args) != group.arity:
            raise CompileErrors([RegoError(TYPE_ERROR, f"{call.func.dotted()}: arity mismatch", call.loc)])
        return Callee(CalleeKind.FUNCTION, group=group)
    name = call.name
    b = REGISTRY.get(name)
    if b is None:
        raise CompileErrors([RegoError(TYPE_ERROR, f"undefined function {name}", call.loc)])
    if b.variadic is None and len(call.args) != len(b.args):
        have = ", ".join("any" for _ in call.args)
        want = ", ".join(t.describe() for t in b.args)
        raise CompileErrors([RegoError(TYPE_ERROR, f"{name}: arity mismatch\n\thave: ({have})\n\twant: ({want})",
                                       call.loc)])
    if constants:
        try:
            _check_constant_arguments(call, b)
        except CompileErrors as e:
            if deferred is None:
                raise
            deferred.extend(e.errors)
    return Callee(CalleeKind.BUILTIN, builtin=name)


def undefined_functions(tree: RuleTree) -> list[RegoError]:
    """Every call of a function that does not exist, or with a number of arguments
    the function cannot take, in every rule (OPA's CheckUndefinedFuncs stage: a
    call written as a statement may add one output argument, a nested call not)."""
    errors: list[RegoError] = []
    stack: list[tuple[Node, bool]] = [(rule, False) for group in tree.groups for rule in group.all_rules()]
    while stack:
        node, statement = stack.pop()
        if isinstance(node, Call):
            error = _call_error(tree, node, statement)
            if error is not None:
                errors.append(error)
        children = list(node.children())
        if isinstance(node, Expr):
            stack.extend((child, child is node.term) for child in children)
        else:
            stack.extend((child, False) for child in children)
    return errors


def _call_error(tree: RuleTree, call: Call, statement: bool) -> Optional[RegoError]:
    """The error of one call in OPA's CheckUndefinedFuncs, if any."""
    name = call.func.dotted() or ""
    if name in tree.mocked and not tree.function_exists(call):
        return None
    if is_data_ref(call.func):
        group = tree.called_function(call)
        if group is None:
            return RegoError(TYPE_ERROR, f"undefined function {name or 'data'}", call.loc)
        if not group.is_function:
            return None  # OPA's type checker's business (a rule called as a function)
        arity, text = group.arity, group.text
    else:
        if name in INLINE_ARITY or name in ("print", "internal.print"):
            return None
        b = REGISTRY.get(call.name)
        if b is None:
            return RegoError(TYPE_ERROR, f"undefined function {call.name}", call.loc)
        if b.variadic is not None:
            return None
        arity, text = len(b.args), call.name
    n = len(call.args)
    if n == arity or (statement and n == arity + 1):
        return None
    if is_data_ref(call.func):
        return RegoError(TYPE_ERROR, f"function {text} has arity {arity}, got {n} arguments", call.loc)
    have = ", ".join(type_name(constant_value(a)) if is_constant(a) else "any" for a in call.args)
    want = ", ".join(t.describe() for t in REGISTRY[text].args)
    return RegoError(TYPE_ERROR, f"{text}: arity mismatch\n\thave: ({have})\n\twant: ({want})", call.loc)


def _check_constant_arguments(call: Call, b) -> None:
    """A constant argument of the wrong type is a compile error, as in OPA's type checker."""
    have = []
    bad = False
    for arg, declared in zip(call.args, b.args):
        if is_constant(arg):
            value = constant_value(arg)
            have.append(type_name(value))
            bad = bad or not declared.check(value)
        else:
            have.append("any")
    if bad:
        want = ", ".join(t.describe() for t in b.args)
        raise CompileErrors([RegoError(
            TYPE_ERROR, f"{call.name}: invalid argument(s)\n\thave: ({', '.join(have)})\n\twant: ({want})", call.loc
        )])


class Dependencies:
    """Which groups each group reads, recorded while its code is written."""

    def __init__(self, deferred: Optional[list] = None) -> None:
        self.edges: dict[int, set[int]] = {}
        self.current: Optional[Group] = None  # the group whose code is being written
        self.deferred = deferred  # type errors of calls that do not stop the writing (see check_call)

    def reads(self, target) -> None:
        """The current group reads `target`: a Group, or a DocNode's whole subtree."""
        if self.current is None:  # a query: it cannot be part of a cycle
            return
        out = self.edges.setdefault(self.current.id, set())
        if isinstance(target, Group):
            out.add(target.id)
            return
        stack: list[DocNode] = [target]
        while stack:
            node = stack.pop()
            if node.group is not None:
                out.add(node.group.id)
            stack.extend(node.children.values())

    def reads_with_target(self, tree: RuleTree, target: Ref) -> None:
        """OPA's dependency graph has an edge to every rule a `with` target names
        (`p if { x with data.test.p as 1 }` is recursive)."""
        if not is_data_ref(target):
            return
        function = tree.function_at(target)
        if function is not None:
            self.reads(function)
            return
        self.reads_data_ref(tree, target)

    def reads_data_ref(self, tree: RuleTree, ref: Ref) -> None:
        """The rule a `data` ref starts in, or every rule of the document it names."""
        where = tree.data_target(list(ref.terms[1:]))
        if where.kind is TargetKind.RULE:
            self.reads(where.group)
        elif where.kind is TargetKind.DOCUMENT:
            self.reads(where.node)

    def reads_rule_called(self, tree: RuleTree, call: Call) -> None:
        """A rule called as a function (`f()` of `f() := 1`): OPA's type checker rejects
        the call, but only after its recursion check, which counts it as a read."""
        if is_data_ref(call.func):
            called = tree.called_function(call)
            if called is not None and not called.is_function:
                self.reads(called)

    def reads_from_rules(self, tree: RuleTree, group: Group) -> None:
        """Every rule the definitions of `group` name (calls, references, `with`
        targets), read from their syntax as OPA's dependency graph is: for a group
        whose code could not be written to its end."""
        self.current = group
        for rule in group.all_rules():
            for node in walk(rule):
                if isinstance(node, Call) and is_data_ref(node.func):
                    called = tree.called_function(node)
                    if called is not None:
                        self.reads(called)
                elif isinstance(node, Ref) and is_data_ref(node):
                    self.reads_data_ref(tree, node)

    def recursion_errors(self, groups: list[Group]) -> list[RegoError]:
        """OPA rejects rules that depend on themselves (rego_recursion_error): one
        error per rule on a cycle, naming the shortest way back to it."""
        errors: list[RegoError] = []
        for group in groups:
            cycle = self._shortest_cycle(group.id)
            if cycle is not None:
                loc = group.defs[0].loc if group.defs else None
                chain = " -> ".join(groups[g].text for g in cycle)
                errors.append(RegoError(RECURSION_ERROR, f"rule {group.text} is recursive: {chain}", loc))
        return errors

    def _shortest_cycle(self, start: int) -> Optional[list[int]]:
        """The group ids from `start` back to it along the fewest edges, or None."""
        came_from: dict[int, int] = {}
        frontier = [start]
        while frontier:
            following = []
            for gid in frontier:
                for nxt in sorted(self.edges.get(gid, ())):
                    if nxt == start:
                        path = [gid]
                        while path[-1] != start:
                            path.append(came_from[path[-1]])
                        return list(reversed(path)) + [start]
                    if nxt not in came_from:
                        came_from[nxt] = gid
                        following.append(nxt)
            frontier = following
        return None
