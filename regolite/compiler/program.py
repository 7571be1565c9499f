"""Modules to one generated Python module: the rule tree and rule functions.

Rules are grouped by the ground path they define under `data` (a package
path plus the ground part of the head ref). Each group becomes one memoised
function `rule_<n>(c)` (complete, multi-value and object rules) or
`func_<n>(c, *args)` (functions). A set or object rule's definitions are
written into that function; each definition of a complete rule or function
becomes `rule_<n>_<i>`: a plain function when it can give one value only, else
a generator of the values its body produces (for conflict checks). A reference
into `data` is resolved at compile time to the rule function it reaches, to
`vdoc_<n>(c)` (a document made of a subtree of rules and base data), or to
plain base data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

from regolite import ast
from regolite.ast import Call, Module, Ref, Rule, Scalar, Term, Var
from regolite.builtins import REGISTRY
from regolite.compiler import safety
from regolite.compiler.emit_body import BodyEmitter, Symbols, UnboundVar, Unsupported, ground_keys
from regolite.compiler.resolve import ModuleScope, Resolver
from regolite.compiler.writer import CodeWriter
from regolite.errors import COMPILE_ERROR, RECURSION_ERROR, TYPE_ERROR, UNSAFE_VAR_ERROR, RegoError

# Builtins with an effect (output) that a cached result would skip.
INLINE_EFFECTS = {"print", "internal.print"}

# Builtins the compiler emits inline rather than through the registry.
INLINE = {"eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2", "internal.member_3",
          "print", "internal.print"}


@dataclass
class Group:
    """All definitions of one rule path."""

    id: int
    path: tuple
    kind: str  # complete | set | object | function
    defs: list = field(default_factory=list)  # (Rule, ModuleScope), resolved
    default: Optional[tuple] = None
    arity: Optional[int] = None

    @property
    def fn(self) -> str:
        return f"func_{self.id}" if self.kind == "function" else f"rule_{self.id}"

    @property
    def text(self) -> str:
        return "data." + ".".join(str(p) for p in self.path)


@dataclass
class Node:
    """A node of the virtual document tree."""

    id: int
    path: tuple
    children: dict = field(default_factory=dict)
    group: Optional[Group] = None
    package: bool = False  # a package's node is a document even with no rules

    def has_rules(self) -> bool:
        return self.package or self.group is not None or any(c.has_rules() for c in self.children.values())


class Program:
    """Compiles modules (and later queries) into one Python namespace."""

    def __init__(self, modules: list[Module], base_data_paths=None) -> None:
        self.errors: list[RegoError] = []
        self.root = Node(0, ())
        self.nodes: list[Node] = [self.root]
        self.groups: list[Group] = []
        self.data_withs = False
        self.mocked: set[str] = set()  # functions some `with` replaces (resolved names)
        self.edges: dict[int, set] = {}  # group id -> ids of the groups it reads
        self.builtin_idents: dict[str, str] = {}  # builtin name -> its global in generated code
        self._pure: dict[int, bool] = {}  # function group id -> reads nothing but its arguments
        self._collect(modules)
        self._check_with_targets(modules)

    # --- the rule tree --------------------------------------------------------------

    def _node(self, path: tuple) -> Node:
        node = self.root
        for i, key in enumerate(path):
            nxt = node.children.get(key)
            if nxt is None:
                nxt = Node(len(self.nodes), path[: i + 1])
                self.nodes.append(nxt)
                node.children[key] = nxt
            node = nxt
        return node

    def _collect(self, modules: list[Module]) -> None:
        by_package: dict[tuple, set] = {}
        for m in modules:
            package = tuple(t.value for t in m.package.path.terms[1:])
            names = by_package.setdefault(package, set())
            for r in m.rules:
                names.add(r.head.ref.terms[0].name)
        for m in modules:
            package = tuple(t.value for t in m.package.path.terms[1:])
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
            kind = "function"
        elif head.key is not None and head.value is None and not suffix:
            kind = "set"
        elif suffix:
            kind = "object"
        else:
            kind = "complete"
        node = self._node(path)
        group = node.group
        if group is None:
            group = Group(len(self.groups), path, kind)
            self.groups.append(group)
            node.group = group
        elif group.kind != kind:
            self.errors.append(RegoError(TYPE_ERROR, f"conflicting rules {group.text} found", rule.loc))
            return
        resolved = Resolver(scope, self.errors, self.mocked).rule(rule)
        if kind == "function":
            arity = len(head.args)
            if group.arity is None:
                group.arity = arity
            elif group.arity != arity:
                self.errors.append(RegoError(TYPE_ERROR, f"function {group.text} has arity {group.arity}, got {arity} arguments", rule.loc))
        if rule.default:
            if group.default is not None:
                self.errors.append(RegoError(TYPE_ERROR, f"multiple default rules {group.text} found", rule.loc))
            group.default = (resolved, scope)
        else:
            group.defs.append((resolved, scope))

    def _check_with_targets(self, modules) -> None:
        for m in modules:
            for node in ast.walk(m):
                if isinstance(node, ast.With):
                    head = node.target.terms[0]
                    if isinstance(head, Var) and head.name == "data":
                        self.data_withs = True

    # --- lookups the body emitter asks for -------------------------------------------------

    def group_at(self, path: tuple) -> Optional[Group]:
        node = self.root
        for key in path:
            node = node.children.get(key)
            if node is None:
                return None
        return node.group

    def arity(self, call: Call) -> Optional[int]:
        name = call.name
        if name in ("eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2"):
            return 2
        if name == "internal.member_3":
            return 3
        func = call.func
        if isinstance(func.terms[0], Var) and func.terms[0].name == "data":
            group = self.group_at(tuple(t.value for t in func.terms[1:]))
            return group.arity if group is not None else None
        b = REGISTRY.get(name)
        if b is not None:
            return None if b.variadic is not None else len(b.args)
        return None

    def order(self, body: tuple, bound: set) -> tuple:
        errors: list = []
        ordered = safety.reorder(body, set(bound), self.arity, errors)
        if errors:
            raise _CompileErrors(errors)
        return ordered

    def callee(self, call: Call, emitter: BodyEmitter) -> tuple[str, str]:
        func = call.func
        name = func.dotted() or ""
        if name in self.mocked and not self._function_exists(call):
            return "None", "builtin"  # only ever called through its mock
        if isinstance(func.terms[0], Var) and func.terms[0].name == "data":
            path = tuple(t.value for t in func.terms[1:])
            group = self.group_at(path)
            if group is None or group.kind != "function":
                raise _CompileErrors([RegoError(TYPE_ERROR, f"undefined function {func.dotted() or 'data'}", call.loc)])
            if len(call.args) != group.arity:
                raise _CompileErrors([RegoError(TYPE_ERROR, f"{func.dotted()}: arity mismatch", call.loc)])
            self._depends(group)
            return group.fn, "function"
        name = call.name
        b = REGISTRY.get(name)
        if b is None:
            raise _CompileErrors([RegoError(TYPE_ERROR, f"undefined function {name}", call.loc)])
        if b.variadic is None and len(call.args) != len(b.args):
            raise _CompileErrors([RegoError(
                TYPE_ERROR,
                f"{name}: arity mismatch\n\thave: ({', '.join('any' for _ in call.args)})\n\twant: ({', '.join(t.describe() for t in b.args)})",
                call.loc,
            )])
        self._check_constant_arguments(call, b)
        return self.builtin_ident(name), "builtin"

    def builtin_ident(self, name: str) -> str:
        """The global a builtin is bound to in generated code (`b_<n>`, one per builtin)."""
        ident = self.builtin_idents.get(name)
        if ident is None:
            ident = self.builtin_idents[name] = f"b_{len(self.builtin_idents)}"
        return ident

    def function_table(self) -> dict:
        """`data.a.b` -> the generated function computing exactly that document:
        a rule group's (not functions') or a package subtree's `vdoc_<n>`."""
        table = {}
        for node in self.nodes:
            path = "data" + "".join(f".{p}" for p in node.path)
            if not all(str(p).isidentifier() for p in node.path):
                continue
            if node.group is not None:
                if node.group.kind != "function":
                    table[path] = node.group.fn
            elif node.has_rules() and node.id:
                table[path] = f"vdoc_{node.id}"
        return table

    def builtin_globals(self) -> dict:
        """The namespace entries for every builtin the generated code names."""
        return {ident: REGISTRY[name].function for name, ident in self.builtin_idents.items()}

    def _check_constant_arguments(self, call: Call, b) -> None:
        """A constant argument of the wrong type is a compile error, as in OPA's type checker."""
        from regolite.values import type_name

        have = []
        bad = False
        for arg, declared in zip(call.args, b.args):
            if _is_constant(arg):
                value = _constant_value(arg, self)
                have.append(type_name(value))
                if not declared.check(value):
                    bad = True
            else:
                have.append("any")
        if bad:
            want = ", ".join(t.describe() for t in b.args)
            raise _CompileErrors([RegoError(
                TYPE_ERROR, f"{call.name}: invalid argument(s)\n\thave: ({', '.join(have)})\n\twant: ({want})", call.loc
            )])

    def _function_exists(self, call: Call) -> bool:
        func = call.func
        if isinstance(func.terms[0], Var) and func.terms[0].name == "data":
            group = self.group_at(tuple(t.value for t in func.terms[1:]))
            return group is not None and group.kind == "function"
        return call.name in REGISTRY

    def data_ref(self, operands: list, emitter: BodyEmitter) -> tuple[str, list]:
        """Where a `data...` ref starts: a rule function, a virtual document, or base data."""
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
        rest = list(operands[consumed:])
        if node.group is not None:
            if node.group.kind == "function":
                loc = operands[0].loc if operands else None
                raise _CompileErrors([RegoError(TYPE_ERROR, f"function {node.group.text} used as a value", loc)])
            self._depends(node.group)
            tmp = emitter.w.name("t")
            emitter.w.line(f"{tmp} = {node.group.fn}(c)")
            emitter.fail(f"{tmp} is U")
            return tmp, rest
        if not node.has_rules():
            return "data", list(operands)
        if rest and isinstance(rest[0], Scalar):
            # a path below this node that no rule defines: base data only
            return "data", list(operands)
        self._depends(node)
        tmp = emitter.w.name("t")
        emitter.w.line(f"{tmp} = vdoc_{node.id}(c)")
        return tmp, rest

    def is_function_target(self, target: Ref) -> bool:
        """Does `with target as ...` replace a function (rather than a document)?"""
        head = target.terms[0]
        if isinstance(head, Var) and head.name == "input":
            return False
        if isinstance(head, Var) and head.name == "data":
            path = tuple(t.value for t in target.terms[1:] if isinstance(t, Scalar))
            group = self.group_at(path) if len(path) == len(target.terms) - 1 else None
            return group is not None and group.kind == "function"
        return True

    def with_replacement(self, w: ast.With, value: str, emitter: BodyEmitter) -> str:
        target = w.target
        head = target.terms[0]
        if not self.is_function_target(target):
            path = []
            for t in target.terms[1:]:
                if not (isinstance(t, Scalar) and isinstance(t.value, str)):
                    raise _CompileErrors([RegoError(TYPE_ERROR, "with target path must be ground strings", w.loc)])
                path.append(t.value)
            return f"({emitter.w.constant(head.name)}, {emitter.w.constant(tuple(path))}, {value})"
        name = target.dotted() or ""
        return f"('fn', {emitter.w.constant(name)}, {value})"

    def mock_replacement(self, term: Term, emitter: BodyEmitter) -> str:
        """What a function is replaced with: ('function', f) / ('builtin', f) / ('value', v)."""
        if isinstance(term, ast.BuiltinRef):
            return f"('builtin', B[{emitter.w.constant(term.name)}], {emitter.w.constant(term.name)})"
        if isinstance(term, Ref) and isinstance(term.terms[0], Var) and term.terms[0].name == "data":
            path = tuple(t.value for t in term.terms[1:] if isinstance(t, Scalar))
            group = self.group_at(path) if len(path) == len(term.terms) - 1 else None
            if group is not None and group.kind == "function":
                self._depends(group)
            return f"('function', {group.fn}, None)"
        return f"('value', {emitter.value(term)}, None)"

    @staticmethod
    def function_prologue(w: CodeWriter) -> None:
        w.line("inp = c.input")
        w.line("data = c.data")

    # --- emission ---------------------------------------------------------------------

    def emit(self) -> CodeWriter:
        w = CodeWriter()
        for group in self.groups:
            self.current = group
            try:
                self._emit_group(w, group)
            except _CompileErrors as e:
                self.errors.extend(e.errors)
            except UnboundVar as e:
                name = e.var.name.split("#")[0]
                self.errors.append(RegoError(UNSAFE_VAR_ERROR, f"var {'_' if name.startswith('$') else name} is unsafe", e.var.loc))
            except Unsupported as e:
                loc = group.defs[0][0].loc if group.defs else None
                self.errors.append(RegoError(COMPILE_ERROR, f"not supported yet: {e}", loc))
        self.current = None
        for node in self.nodes:
            if node.has_rules() and node.group is None:
                self._emit_vdoc(w, node)
        self._check_recursion()
        return w

    # --- purity ------------------------------------------------------------------

    def is_pure(self, group: Group) -> bool:
        """Does the function read nothing but its arguments? No `input`, no
        `data` other than calls of pure functions, no rules, no `with`, no
        print, only deterministic builtins: then equal arguments give equal
        results in every query."""
        known = self._pure.get(group.id)
        if known is None:
            self._pure[group.id] = False  # a cycle (a recursion error anyway) is not pure
            known = self._pure[group.id] = group.kind == "function" and all(
                self._pure_node(rule) for rule, _scope in group.defs + ([group.default] if group.default else [])
            )
        return known

    def _pure_node(self, node: ast.Node) -> bool:
        if isinstance(node, ast.With):
            return False
        if isinstance(node, Var):
            return node.name not in ("input", "data")
        if isinstance(node, Call):
            func = node.func
            if isinstance(func.terms[0], Var) and func.terms[0].name == "data":
                group = self.group_at(tuple(t.value for t in func.terms[1:]))
                if group is None or group.kind != "function" or not self.is_pure(group):
                    return False
            else:
                b = REGISTRY.get(node.name)
                if b is None or b.nondeterministic or node.name in INLINE_EFFECTS or node.name in self.mocked:
                    return False
            return all(self._pure_node(a) for a in node.args)
        return all(self._pure_node(child) for child in node.children())

    # --- recursion ----------------------------------------------------------------

    def _depends(self, target) -> None:
        """The group being emitted reads `target` (a Group, or a Node's whole subtree)."""
        current = getattr(self, "current", None)
        if current is None:
            return
        if isinstance(target, Group):
            self.edges.setdefault(current.id, set()).add(target.id)
            return
        stack = [target]
        while stack:
            node = stack.pop()
            if node.group is not None:
                self.edges.setdefault(current.id, set()).add(node.group.id)
            stack.extend(node.children.values())

    def _check_recursion(self) -> None:
        """OPA rejects rules that depend on themselves (rego_recursion_error)."""
        state: dict[int, int] = {}  # 1 visiting, 2 done
        reported: set = set()

        def visit(gid: int, path: list) -> None:
            state[gid] = 1
            path.append(gid)
            for nxt in sorted(self.edges.get(gid, ())):
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt):] + [nxt]
                    if nxt not in reported:
                        reported.add(nxt)
                        group = self.groups[nxt]
                        loc = group.defs[0][0].loc if group.defs else None
                        chain = " -> ".join(self.groups[g].text for g in cycle)
                        self.errors.append(RegoError(RECURSION_ERROR, f"rule {group.text} is recursive: {chain}", loc))
                elif state.get(nxt) is None:
                    visit(nxt, path)
            path.pop()
            state[gid] = 2

        for group in self.groups:
            if state.get(group.id) is None:
                visit(group.id, [])

    def _emit_vdoc(self, w: CodeWriter, node: Node) -> None:
        w.line(f"def vdoc_{node.id}(c):")
        w.indent()
        w.line(f"base = c.base_at({w.constant(node.path)})")
        w.line("doc = dict(base) if type(base) is dict else {}")
        for key, child in sorted(node.children.items()):
            k = w.constant(key)
            if child.group is not None:
                if child.group.kind == "function":
                    continue
                w.line(f"v = {child.group.fn}(c)")
            elif child.has_rules():
                w.line(f"v = vdoc_{child.id}(c)")
            else:
                continue
            w.line(f"if v is not U and {k} not in doc:")
            w.indent()
            w.line(f"doc[{k}] = v")
            w.outdent()
            w.line("elif v is not U:")
            w.indent()
            w.line(f"doc[{k}] = merge_objects(v, doc[{k}])")
            w.outdent()
        w.line("return doc")
        w.outdent()
        w.blank()

    def _emit_group(self, w: CodeWriter, group: Group) -> None:
        # OPA words this conflict in two ways depending on how it evaluated the
        # rule; the message carries both.
        msg_complete = f"rule {group.text} produced conflicting values: complete rules must not produce multiple outputs"
        params = "".join(f", a{i}" for i in range(group.arity or 0))
        # Sets and objects take their definitions' bodies inline (each adds what
        # it finds to the result): no generator per definition.
        inline = group.kind in ("set", "object")
        single = [] if inline else [self._emit_definition(w, group, rule, f"{group.fn}_{i}", params)
                                    for i, (rule, _scope) in enumerate(group.defs)]
        w.comment(f"{group.kind} {group.text!r}")
        memo = group.kind != "function"
        call_memo = group.kind == "function" and group.arity and _memoisable(group)
        shared = call_memo and self.is_pure(group)
        if shared:
            w.line(f"SHARED_{group.id} = {{}}")
        w.line(f"def {group.fn}(c{params}):")
        w.indent()
        if memo:
            w.line(f"r = c.memo.get({group.id}, MISSING)")
            w.line("if r is not MISSING:")
            w.indent()
            w.line("return r")
            w.outdent()
        if shared:
            # A pure function (one that reads only its arguments: no input, no
            # data, no rules, no nondeterministic builtin, no print, no `with`)
            # called with string or integer arguments gives the same value in
            # every query, so scalar results are kept across queries, in a
            # bounded table. Templates call canonify_mem("1Gi") on every review.
            # Strict mode and `with` mocks can change a result: they bypass it.
            args = [f"a{i}" for i in range(group.arity)]
            table = f"SHARED_{group.id}"
            w.line(f"shared = c.shared and {' and '.join(f'type({a}) in SHARED_KEYS' for a in args)}")
            w.line("if shared:")
            w.indent()
            w.line(f"skey = {args[0] if len(args) == 1 else '(' + ', '.join(args) + ')'}")
            w.line(f"r = {table}.get(skey, MISSING)")
            w.line("if r is not MISSING:")
            w.indent()
            w.line("return r")
            w.outdent()
            w.outdent()
        if call_memo:
            # A function's results are kept for the query, keyed by scalar
            # arguments' values and other arguments' identity (templates call
            # helpers like canonify_cpu("100m") or is_exempt(container) again
            # and again). The entry holds the arguments, so no id is reused.
            args = [f"a{i}" for i in range(group.arity)]
            parts = ", ".join(f"{a} if type({a}) in SCALAR_KEYS else id({a})" for a in args)
            w.line(f"key = ({group.id}, {parts})")
            w.line("hit = c.memo.get(key)")
            same = " and ".join(f"(type({a}) in SCALAR_KEYS or hit[{i + 1}] is {a})" for i, a in enumerate(args))
            w.line(f"if hit is not None and {same}:")
            w.indent()
            w.line("return hit[0]")
            w.outdent()
        if self.data_withs and group.kind != "function":
            w.line("if c.data_with is not None:")
            w.indent()
            w.line(f"r = c.override({w.constant(group.path)})")
            w.line("if r is not MISSING:")
            w.indent()
            w.line("return r")
            w.outdent()
            w.outdent()
        args = params.lstrip(", ")
        call_args = f"c{params}"
        if group.kind in ("complete", "function"):
            what = msg_complete if group.kind == "complete" else (
                f"function {group.text} produced conflicting values for the same inputs: "
                "functions must not produce multiple outputs for same inputs"
            )
            w.line("result = U")
            for i, (rule, _scope) in enumerate(group.defs):
                # Rule indexing: a definition whose arguments are constants runs
                # only for equal arguments; one that is only a constant is inlined.
                guard = _argument_guard(rule, w)
                if guard:
                    w.line(f"if {guard}:")
                    w.indent()
                if _is_fact(rule):
                    value = w.constant(_constant_value(rule.head.value, self))
                    w.line(f"result = merge_value(result, {value}, {w.constant(what)}, {w.constant(rule.loc)})")
                elif single[i]:
                    w.line(f"v = {group.fn}_{i}({call_args})")
                    w.line("if v is not U:")
                    w.indent()
                    w.line(f"result = merge_value(result, v, {w.constant(what)}, {w.constant(rule.loc)})")
                    w.outdent()
                else:
                    w.line(f"for v in {group.fn}_{i}({call_args}):")
                    w.indent()
                    w.line(f"result = merge_value(result, v, {w.constant(what)}, {w.constant(rule.loc)})")
                    w.outdent()
                if guard:
                    w.outdent()
            if group.default is not None:
                default_rule = group.default[0]
                w.line("if result is U:")
                w.indent()
                if group.kind == "function" and _returns_first_value(group, default_rule):
                    w.line(f"result = {group.fn}_default({call_args})")
                elif group.kind == "function":
                    w.line(f"for v in {group.fn}_default({call_args}):")
                    w.indent()
                    w.line("result = v")
                    w.line("break")
                    w.outdent()
                else:
                    w.line(f"result = {w.constant(_constant_value(default_rule.head.value, self))}")
                w.outdent()
        elif group.kind == "set":
            self.function_prologue(w)
            hoisted = self.hoist_input_paths(w, group)
            w.line("result = RegoSet()")
            self._emit_inline_definitions(w, group, hoisted)
        else:  # object (partial object / ref head with variables)
            self.function_prologue(w)
            hoisted = self.hoist_input_paths(w, group)
            w.line("result = {}")
            self._emit_inline_definitions(w, group, hoisted)
            node = self._node(group.path)
            for key, child in sorted(node.children.items()):
                if child.group is not None and child.group.kind != "function":
                    w.line(f"v = {child.group.fn}(c)")
                elif child.group is None and child.has_rules():
                    w.line(f"v = vdoc_{child.id}(c)")
                else:
                    continue
                w.line("if v is not U:")
                w.indent()
                w.line(f"object_insert(result, {w.constant(key)}, v)")
                w.outdent()
        if memo:
            w.line(f"c.memo[{group.id}] = result")
        if call_memo:
            w.line(f"c.memo[key] = (result, {', '.join(f'a{i}' for i in range(group.arity))})")
        if shared:
            w.line("if shared and type(result) in SHARED_VALUES:")
            w.indent()
            w.line(f"if len({table}) >= SHARED_LIMIT:")
            w.indent()
            w.line(f"{table}.clear()")
            w.outdent()
            w.line(f"{table}[skey] = result")
            w.outdent()
        w.line("return result")
        w.outdent()
        w.blank()
        if group.kind == "function" and group.default is not None:
            self._emit_definition(w, group, group.default[0], f"{group.fn}_default", params)

    def hoist_input_paths(self, w: CodeWriter, group: Group) -> dict:
        """Look up once, at the start of the group's function, the ground paths
        under `input` (`input.review.object.spec`) that its definitions' bodies
        reach more than once; the bodies start from them. Each holds the value
        or U (a body that needs an undefined one fails where it uses it)."""
        uses: dict[tuple, int] = {}
        for rule, _scope in group.defs:
            for node in ast.walk(rule):
                if isinstance(node, Ref) and isinstance(node.terms[0], Var) and node.terms[0].name == "input":
                    keys = ground_keys(node.terms[1:])
                    for k in range(1, len(keys) + 1):
                        uses[keys[:k]] = uses.get(keys[:k], 0) + 1
        hoisted: dict = {}
        for path in sorted(p for p, n in uses.items() if n > 1):  # parents sort before their children
            parent = hoisted.get(path[:-1], "inp")
            name = hoisted[path] = w.name("h")
            key = w.constant(path[-1])
            w.line(f"{name} = {parent}.get({key}, U) if type({parent}) is dict else index({parent}, {key})")
        return hoisted

    def _emit_inline_definitions(self, w: CodeWriter, group: Group, hoisted: dict) -> None:
        """The definitions of a set or object rule, written into the group's
        function: each solution goes straight into `result`.

        Consecutive definitions whose bodies start with the same expressions
        (`container := input.review.object.spec.containers[_]; not
        is_exempt(container)`) evaluate them once: each definition goes on
        from their solutions in a block of its own, so the results are those
        of evaluating every definition separately."""
        emitter = BodyEmitter(self, w, Symbols(w), hoisted)
        branches = [_numbered_wildcards(rule, self.order(rule.body, set())) for rule, _scope in group.defs]
        self._emit_branches(w, emitter, group, branches, 0)

    def _emit_branches(self, w: CodeWriter, emitter: BodyEmitter, group: Group, branches: list,
                       shared: int) -> None:
        """`branches` (rule, ordered body) all start with the same `shared` expressions,
        already emitted; write the rest of each, sharing further common prefixes."""
        i = 0
        while i < len(branches):
            rule, body = branches[i]
            j = i + 1
            if shared < len(body) and _shareable(body[shared]):
                while j < len(branches) and branches[j][1][shared:shared + 1] == (body[shared],):
                    j += 1
            loc = rule.loc if shared == 0 else None
            if j == i + 1:
                w.comment(f"definition of {group.text!r} at {rule.loc.row}:{rule.loc.col}")
                emitter.nested(body[shared:], lambda rule=rule: self._inline_solution(w, emitter, group, rule), loc)
            else:
                run = branches[i:j]
                rows = ", ".join(f"{r.loc.row}:{r.loc.col}" for r, _ in run)
                w.comment(f"definitions of {group.text!r} at {rows} share their next expression")
                emitter.nested((body[shared],), lambda run=run: self._emit_branches(w, emitter, group, run, shared + 1),
                               loc)
            i = j

    @staticmethod
    def _inline_solution(w: CodeWriter, emitter: BodyEmitter, group: Group, rule: Rule) -> None:
        head = rule.head
        if group.kind == "set":
            w.line(emitter.set_add("result", head.key))
            return
        parts = ", ".join(emitter.value(t) for t in _suffix(head, group))
        if head.value is None:  # multi-value: `a[x] contains y`
            w.line(f"add_at_path(result, ({parts},), {emitter.value(head.key)})")
        else:
            w.line(f"set_path(result, ({parts},), {emitter.value(head.value)})")

    def _emit_definition(self, w: CodeWriter, group: Group, rule: Rule, name: str, params: str) -> bool:
        """One definition of a complete rule or function (with its else chain)
        as a function of the context.

        A definition that can give only one value returns it (or U): a plain
        function, no generator. That is one whose values are all constants,
        or one whose bodies have no loop around their solution (each branch
        succeeds at most once). Otherwise it is a generator of every value
        its body produces, so the caller can detect conflicts. Returns
        whether the definition returns rather than yields.
        """
        w.comment(f"definition of {group.text!r} at {rule.loc.row}:{rule.loc.col}")
        w.line(f"def {name}(c{params}):", rule.loc)
        w.indent()
        self.function_prologue(w)
        chain = []
        r: Optional[Rule] = rule
        while r is not None:
            chain.append(r)
            r = r.else_
        returns = _returns_first_value(group, rule)
        if len(chain) > 1 and not returns:
            w.line("found = False")
        solutions: list = []  # (index of the yield line, no loop encloses it)
        for n, branch in enumerate(chain):
            symbols = Symbols(w)
            emitter = BodyEmitter(self, w, symbols)
            w.line("for _ in ONCE:")
            w.indent()
            start = w.level
            if branch.head.args is not None:
                for i, pattern in enumerate(branch.head.args):
                    emitter.unify_value(pattern, f"a{i}")
            body = self.order(branch.body, symbols.copy_bound())
            head = branch.head

            def solution(head=head, emitter=emitter, start=start):
                if returns:
                    w.line(f"return {emitter.value(head.value)}")
                    return
                if len(chain) > 1:
                    w.line("found = True")
                w.line(f"yield {emitter.value(head.value)}")
                solutions.append((len(w.lines) - 1, w.level == start))

            emitter.body(body, solution)
            w.outdent(w.level - start + 1)
            if len(chain) > 1 and n < len(chain) - 1 and not returns:
                w.line("if found:")
                w.indent()
                w.line("return")
                w.outdent()
        if not returns and solutions and all(alone for _, alone in solutions):
            for index, _ in solutions:
                indent, _, value = w.lines[index].partition("yield ")
                w.lines[index] = f"{indent}return {value}"
            returns = True
        if returns:
            w.line("return U")
        w.outdent()
        w.blank()
        return returns


class _CompileErrors(Exception):
    def __init__(self, errors: list) -> None:
        super().__init__(errors)
        self.errors = errors


def _numbered_wildcards(rule: Rule, body: tuple) -> tuple:
    """The rule and its ordered body with generated vars (`$12`, from `_`) renamed
    `$0`, `$1`... in the order the body first uses them: two bodies that start
    with the same expressions then compare equal over them."""
    whole = ast.Rule(rule.head, body, loc=rule.loc)
    names: dict[str, str] = {}
    for node in ast.walk(whole):
        if isinstance(node, Var) and node.name.startswith("$") and node.name not in names:
            names[node.name] = f"${len(names)}"
    if all(old == new for old, new in names.items()):
        return rule, body
    renamed = _renamed(whole, names)
    return dataclasses.replace(rule, head=renamed.head), renamed.body


def _renamed(node: Any, names: dict) -> Any:
    """`node` with the vars named in `names` renamed."""
    if isinstance(node, Var):
        new = names.get(node.name)
        return node if new is None else dataclasses.replace(node, name=new)
    if isinstance(node, tuple):
        items = tuple(_renamed(item, names) for item in node)
        return node if all(a is b for a, b in zip(items, node)) else items
    if not isinstance(node, ast.Node):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        if f.name != "loc":
            value = getattr(node, f.name)
            new = _renamed(value, names)
            if new is not value:
                changes[f.name] = new
    return dataclasses.replace(node, **changes) if changes else node


def _shareable(expr: ast.Expr) -> bool:
    """May definitions that start with `expr` evaluate it once between them? Not
    if it prints (each definition prints) or has a `with` (its own context)."""
    return not expr.with_ and not any(
        isinstance(node, Call) and node.name in INLINE_EFFECTS for node in ast.walk(expr)
    )


def _suffix(head: ast.Head, group: Group) -> list:
    terms = list(head.ref.terms)
    ground = 1
    for t in terms[1:]:
        if isinstance(t, Scalar) and isinstance(t.value, str):
            ground += 1
        else:
            break
    return terms[ground:]


def _argument_guard(rule: Rule, w: CodeWriter) -> str:
    """A test that the call's arguments can match the definition's constant ones ("" if none are)."""
    if rule.head.args is None:
        return ""
    tests = []
    for i, arg in enumerate(rule.head.args):
        if isinstance(arg, Scalar):
            value = w.constant(arg.value)
            if type(arg.value) is str or arg.value is None:
                tests.append(f"a{i} == {value}")
            else:
                tests.append(f"equal(a{i}, {value})")
    return " and ".join(tests)


def _memoisable(group: Group) -> bool:
    """May a function's results be reused within a query? Not when calling it
    has an effect to repeat (print)."""
    for rule, _scope in group.defs + ([group.default] if group.default else []):
        r: Optional[Rule] = rule
        while r is not None:
            for node in ast.walk(r):
                if isinstance(node, Call) and node.name in INLINE_EFFECTS:
                    return False
            r = r.else_
    return True


def _returns_first_value(group: Group, rule: Rule) -> bool:
    """Can this definition stop at its first solution? Only when every branch of
    its else chain gives a constant, so no two solutions can disagree."""
    if group.kind not in ("complete", "function"):
        return False
    r: Optional[Rule] = rule
    while r is not None:
        if r.head.value is None or not _is_constant(r.head.value):
            return False
        r = r.else_
    return True


def _is_fact(rule: Rule) -> bool:
    """A definition that always holds and gives a constant: constant arguments,
    no else, a body of just `true`, a constant value."""
    if rule.else_ is not None or rule.head.value is None or not _is_constant(rule.head.value):
        return False
    if rule.head.args is not None and not all(isinstance(a, Scalar) for a in rule.head.args):
        return False
    return len(rule.body) == 1 and not rule.body[0].with_ and not rule.body[0].negated and rule.body[0].term == Scalar(True)


def _is_constant(term: Term) -> bool:
    return isinstance(term, Scalar) or (
        isinstance(term, (ast.Array, ast.Set)) and all(_is_constant(t) for t in term.items)
    ) or (isinstance(term, ast.Object) and all(_is_constant(k) and _is_constant(v) for k, v in term.items))


def _constant_value(term: Term, program: Program) -> Any:
    from regolite.values import RegoSet, make_object

    if isinstance(term, Scalar):
        return term.value
    if isinstance(term, ast.Array):
        return [_constant_value(t, program) for t in term.items]
    if isinstance(term, ast.Set):
        return RegoSet(_constant_value(t, program) for t in term.items)
    if isinstance(term, ast.Object):
        return make_object((_constant_value(k, program), _constant_value(v, program)) for k, v in term.items)
    if isinstance(term, Call) and term.name == "minus" and len(term.args) == 2:
        return -_constant_value(term.args[1], program)
    raise _CompileErrors([RegoError(TYPE_ERROR, "default rule value must be a constant", term.loc)])
