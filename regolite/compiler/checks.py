"""OPA's compile-time checks that need the whole program.

- calls: an undefined function, a wrong number of arguments, a constant
  argument of the wrong type (`rego_type_error`), checked where the call is
  written (`check_call` says what the call reaches);
- recursion: the rules each rule reads, recorded while its code is written
  (`Dependencies`), must not form a cycle (`rego_recursion_error`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

from regolite.ast import Call
from regolite.builtins import REGISTRY
from regolite.compiler.analysis import constant_value, is_constant
from regolite.compiler.errors import CompileErrors
from regolite.compiler.tree import DocNode, Group, RuleTree, is_data_ref
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


def check_call(tree: RuleTree, call: Call, constants: bool = True) -> Callee:
    """What `call` calls; CompileErrors when OPA's type checker rejects it.
    `constants`: check the types of constant arguments here (queries; the
    type checker, typecheck.py, checks those of rules)."""
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
        _check_constant_arguments(call, b)
    return Callee(CalleeKind.BUILTIN, builtin=name)


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

    def __init__(self) -> None:
        self.edges: dict[int, set[int]] = {}
        self.current: Optional[Group] = None  # the group whose code is being written

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
