"""Bodies and terms to Python statements.

A body becomes straight-line code inside `for _ in ONCE:` (a loop that runs once):
each expression either filters (`if ...: continue`), binds (`v_x = ...`), or
enumerates (`for ... in ...:`, one level deeper, left open until the body ends).
`continue` always means "this solution fails, backtrack to the latest choice",
which is exactly what the innermost enclosing loop gives. At the innermost point
the caller's `on_solution` writes what a solution does (yield, add to a result).
Nested bodies (negation, comprehensions, every, `with`) become nested functions
defined where they are used, so they close over bound vars. The emitter only asks
the rule tree questions (what a call or a `data` ref reaches); it records what
the current rule reads in `Dependencies`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from regolite.ast import (
    Array, ArrayComprehension, Block, BuiltinRef, Call, Every, Expr, Location, Object, ObjectComprehension, Ref,
    Scalar, Set, SetComprehension, SomeDecl, TemplateString, Term, Var, With,
)
from regolite.builtins import REGISTRY
from regolite.compiler.analysis import context_reads, enumerates
from regolite.compiler.checks import CalleeKind, Dependencies, check_call
from regolite.compiler.emit_calls import write_builtin_call
from regolite.compiler.errors import CompileErrors, UnboundVar, Unsupported
from regolite.compiler.negation import hoist_references
from regolite.compiler.safety import order_body, pattern_vars
from regolite.compiler.symbols import Symbols
from regolite.compiler.tree import RuleTree, TargetKind, ground_keys, is_data_ref
from regolite.compiler.writer import CodeWriter
from regolite.errors import COMPILE_ERROR, TYPE_ERROR, RegoError

COMPARISONS = ("equal", "neq", "lt", "lte", "gt", "gte")


def write_prologue(w: CodeWriter, reads: set) -> None:
    """Bind the context's documents that a function's code reads (see analysis.context_reads)."""
    if "input" in reads:
        w.line("inp = c.input")
    if "data" in reads:
        w.line("data = c.data")


class BodyEmitter:
    """Writes bodies into one generated function (and its nested functions)."""

    def __init__(self, tree: RuleTree, writer: CodeWriter, deps: Dependencies, *,
                 hoisted: Optional[dict] = None, in_order: bool = False) -> None:
        self.tree = tree
        self.w = writer
        self.deps = deps
        self.sym = Symbols()
        # ground paths under `input` the enclosing function looked up once at its start
        # (path tuple -> variable holding the value or U); see emit_rules.hoist_input_paths
        self.hoisted = hoisted or {}
        # Loops iterate objects and sets in OPA's order only where the order shows: in
        # a query and in the body of an array comprehension (elements come in loop order).
        self.in_order = in_order
        # Loops opened in the function being written: checks analysis.enumerates.
        self.loops = 0

    def order(self, body: tuple, bound: set) -> tuple:
        return order_body(body, bound, self.tree.arity)

    # --- bodies ---------------------------------------------------------------

    def body(self, exprs: tuple, on_solution: Callable[[], None]) -> None:
        """Emit `exprs` (already ordered for safety) then `on_solution` innermost.

        Must be called inside a loop (`for _ in ONCE:`), at whose level the
        writer is left again afterwards.
        """
        start = self.w.level
        for expr in exprs:
            self.expr(expr)
        on_solution()
        self.w.close_to(start)

    def nested(self, exprs: tuple, on_solution: Callable[[], None], loc: Optional[Location] = None) -> None:
        """A body in its own `for _ in ONCE:` loop (the line mapped to `loc`, if
        given), restoring what is bound after."""
        saved = self.sym.copy_bound()
        with self.w.block("for _ in ONCE:", loc):
            self.body(exprs, on_solution)
        self.sym.bound = saved

    @contextmanager
    def function(self, header: str) -> Iterator[None]:
        """A nested function (`def ...:`) with loops of its own."""
        outer_loops, self.loops = self.loops, 0
        with self.w.block(header):
            yield
        self.loops = outer_loops

    def loop(self, header: str) -> None:
        """Open a loop that may run more than once (closed when the body ends)."""
        self.loops += 1
        self.w.open(header)

    def fail(self, condition: str) -> None:
        with self.w.block(f"if {condition}:"):
            self.w.line("continue")

    def check_no_loop(self, loops_before: int, loc: Location) -> None:
        """analysis.enumerates said the code just written has no loop: it must not."""
        if self.loops != loops_before:
            raise CompileErrors([RegoError(COMPILE_ERROR, "internal error: a body predicted not to loop loops", loc)])

    # --- expressions --------------------------------------------------------------

    def expr(self, expr: Expr) -> None:
        self.w.location(expr.loc)
        if expr.with_:
            self.with_expr(expr)
            return
        if expr.negated:
            self.negation(expr)
            return
        term = expr.term
        if isinstance(term, SomeDecl):
            self.some(term)
        elif isinstance(term, Every):
            self.every(term)
        elif isinstance(term, Call):
            self.call_expr(term)
        elif isinstance(term, Scalar):
            if term.value is False:  # a constant true (or any other scalar) always holds
                self.w.line("continue")
        else:
            value = self._temp(self.value(term))
            self.fail(f"{value} is U or {value} is False")

    def call_expr(self, call: Call) -> None:
        name = call.name
        if name in ("eq", "assign") and len(call.args) == 2:
            self.unify(call.args[0], call.args[1])
            return
        if name in COMPARISONS and len(call.args) == 2:
            a = self.value(call.args[0])
            b = self.value(call.args[1])
            self.fail(self.comparison(name, a, b, call.args[0], call.args[1], negate=True))
            return
        if name == "internal.member_2" and len(call.args) == 2:
            x = self.value(call.args[0])
            coll = self.value(call.args[1])
            self.fail(f"not member({x}, {coll})")
            return
        if name == "internal.member_3" and len(call.args) == 3:
            k = self.value(call.args[0])
            v = self.value(call.args[1])
            coll = self.value(call.args[2])
            self.fail(f"not member_kv({k}, {v}, {coll})")
            return
        if name in ("print", "internal.print"):
            args = "".join(self.print_arg(a) + ", " for a in call.args)
            self.w.line(f"c.print(({args}), {self.w.constant(call.loc)})")
            return
        arity = self.tree.arity(call)
        if arity is not None and len(call.args) == arity + 1:
            result = self.call_value(Call(call.func, call.args[:-1], call.loc))
            self.unify_value(call.args[-1], result)
            return
        value = self.call_value(call)
        self.fail(f"{value} is False")

    @staticmethod
    def comparison(name: str, a: str, b: str, ta: Term, tb: Term, negate: bool) -> str:
        if name in ("equal", "neq"):
            if _simple_constant(ta) or _simple_constant(tb):
                test = "!=" if (name == "equal") == negate else "=="
                return f"{a} {test} {b}"
            eq = f"equal({a}, {b})"
            return f"not {eq}" if (name == "equal") == negate else eq
        test = f"{name}({a}, {b})"
        return f"not {test}" if negate else test

    def print_arg(self, term: Term) -> str:
        """print() shows an undefined operand as <undefined> instead of failing."""
        fn = self.w.name("p")
        with self.function(f"def {fn}():"):
            saved = self.sym.copy_bound()
            with self.w.block("for _ in ONCE:"):
                start = self.w.level
                self.w.line(f"return {self.value(term)}")
                self.w.close_to(start)
            self.sym.bound = saved
            self.w.line("return U")
        return f"{fn}()"

    # --- some / every / not / with ---------------------------------------------

    def some(self, decl: SomeDecl) -> None:
        if not (len(decl.symbols) == 1 and isinstance(decl.symbols[0], Call)):
            return  # a declaration only: the vars are bound later
        *targets, coll_term = decl.symbols[0].args
        coll = self.value(coll_term)
        if len(targets) == 1:
            x = self.w.name("t")
            self.loop(f"for {x} in {self._values()}({coll}, c):")
            self.unify_value(targets[0], x)
        else:
            k, v = self.w.name("t"), self.w.name("t")
            self.loop(f"for {k}, {v} in {self._items()}({coll}, c):")
            self.w.line(f"if type({k}) is not str and type({k}) is not int: {k} = thaw_key({k})")
            self.unify_value(targets[0], k)
            self.unify_value(targets[1], v)

    def every(self, every: Every) -> None:
        if self._unbound(every.domain):  # `every x in input[k]`: the domain is enumerated first, as OPA does
            self.unify(Var("__every"), every.domain)
            domain = self.sym.ident("__every")
        else:
            domain = self.value(every.domain)
        fn = self.w.name("every")
        k = self.sym.ident(every.key.name) if every.key is not None else self.w.name("t")
        v = self.sym.ident(every.value.name)
        with self.function(f"def {fn}({k}, {v}):"):
            saved = self.sym.copy_bound()
            if every.key is not None:
                self.sym.bound.add(every.key.name)
            self.sym.bound.add(every.value.name)
            self.nested(self.order(every.body, self.sym.bound), lambda: self.w.line("return True"))
            self.sym.bound = saved
            self.w.line("return False")
        kk = self.w.name("t")
        self.fail(f"not is_collection({domain})")
        self.fail(f"not all({fn}(thaw_key({kk}), {v}) for {kk}, {v} in items({domain}, c))")

    def negation(self, expr: Expr) -> None:
        """`not expr`: fails when expr has a solution.

        A negated expression that enumerates nothing is tested inline, in its
        own one-pass loop; one that enumerates becomes a nested function that
        returns at the first solution.
        """
        if isinstance(expr.term, Block):
            body = self.order(expr.term.body, self.sym.copy_bound())
        elif expr.not_body:
            body = (Expr(expr.term, False, (), expr.loc),)
        else:
            hoisted, core = hoist_references(expr.term, lambda: Var("__not#" + self.w.name("r")))
            for part in hoisted:  # evaluated outside the negation, as OPA does
                self.unify_value(part.args[0], self.value(part.args[1]))
            body = (Expr(core, False, (), expr.loc),)
        if not enumerates(body, self.sym.bound, self.tree.arity):
            flag = self.w.name("found")
            self.w.line(f"{flag} = False")
            loops = self.loops
            self.nested(body, lambda: self.w.line(f"{flag} = True"))
            self.check_no_loop(loops, expr.loc)
            self.fail(flag)
            return
        fn = self.w.name("neg")
        with self.function(f"def {fn}():"):
            self.nested(body, lambda: self.w.line("return True"))
            self.w.line("return False")
        self.fail(f"{fn}()")

    def with_expr(self, expr: Expr) -> None:
        """`expr with target as value...`: run expr in a context with the replacements."""
        replacements = ", ".join(self._replacement(w) for w in expr.with_)
        before = self.sym.copy_bound()
        fn = self.w.name("with")
        inner = Expr(expr.term, expr.negated, (), expr.loc, expr.not_body)
        bound_after: list[str] = []

        def solution() -> None:
            bound_after.extend(sorted(self.sym.bound - before))
            names = "".join(self.sym.ident(n) + ", " for n in bound_after)
            self.w.line(f"yield ({names})")

        with self.function(f"def {fn}(c):"):
            write_prologue(self.w, context_reads([inner], self.tree))
            hoisted, self.hoisted = self.hoisted, {}  # `with input as` may replace what they hold
            self.nested((inner,), solution)
            self.hoisted = hoisted
        targets = "".join(self.sym.ident(n) + ", " for n in bound_after)
        self.loop(f"for ({targets}) in {fn}(c.with_({replacements})):" if bound_after
                  else f"for _w in {fn}(c.with_({replacements})):")
        self.sym.bound |= set(bound_after)

    def _replacement(self, w: With) -> str:
        """What `with` passes to Context.with_: (root, path, value) for a document,
        ('fn', name, replacement) for a function."""
        target = w.target
        self.deps.reads_with_target(self.tree, target)
        if not self.tree.is_function_target(target):
            value = self.value(w.value)
            path = []
            for t in target.terms[1:]:
                if not (isinstance(t, Scalar) and isinstance(t.value, str)):
                    raise CompileErrors([RegoError(TYPE_ERROR, "with target path must be ground strings", w.loc)])
                path.append(t.value)
            return f"({self.w.constant(target.terms[0].name)}, {self.w.constant(tuple(path))}, {value})"
        return f"('fn', {self.w.constant(target.dotted() or '')}, {self._mock(w.value)})"

    def _mock(self, term: Term) -> str:
        """What a function is replaced with (see Context.mocked): ('function', f),
        ('builtin', f, name), ('rule', f) for a rule's value where the call is,
        or ('value', v)."""
        if isinstance(term, BuiltinRef):
            return f"('builtin', B[{self.w.constant(term.name)}], {self.w.constant(term.name)})"
        if isinstance(term, Ref) and is_data_ref(term):
            target = self.tree.data_target(list(term.terms[1:]))
            if target.kind is TargetKind.RULE and target.consumed == len(term.terms) - 1:
                self.deps.reads(target.group)
                kind = "function" if target.group.is_function else "rule"
                return f"({kind!r}, {target.group.fn}, None)"
        return f"('value', {self.value(term)}, None)"

    # --- unification -----------------------------------------------------------------

    def unify(self, a: Term, b: Term) -> None:
        a_free = self._unbound(a)
        b_free = self._unbound(b)
        if isinstance(a, Array) and isinstance(b, Array) and (a_free or b_free):
            if len(a.items) != len(b.items):
                self.w.line("continue")
                return
            self._unify_pairs(list(zip(a.items, b.items)))
            return
        if isinstance(a, Object) and isinstance(b, Object) and (a_free or b_free):
            if len(a.items) == len(b.items):
                bk = {repr(k.to_json()): v for k, v in b.items}
                pairs = [(v, bk.get(repr(k.to_json()))) for k, v in a.items]
                if all(o is not None for _, o in pairs):
                    self._unify_pairs(pairs)
                    return
            self.w.line("continue")
            return
        if a_free and not b_free:
            self.unify_value(a, self.value(b))
        elif b_free and not a_free:
            self.unify_value(b, self.value(a))
        elif not a_free and not b_free:
            va = self.value(a)
            vb = self.value(b)
            self.fail(self.comparison("equal", va, vb, a, b, negate=True))
        else:
            raise Unsupported("cannot unify two terms that both have unbound vars")

    def _unify_pairs(self, pairs: list) -> None:
        """Unify element with element, each pair once one of its sides is bound
        (`[a, b] = [b, 1]` binds b first, then a)."""
        while pairs:
            ready = [p for p in pairs if not (self._unbound(p[0]) and self._unbound(p[1]))] or pairs[:1]
            x, y = ready[0]
            pairs.remove((x, y))
            self.unify(x, y)

    def _unbound(self, term: Term) -> bool:
        return any(name not in self.sym.bound for name in pattern_vars(term))

    def unify_value(self, pattern: Term, value: str) -> None:
        """Bind the unbound vars of `pattern` so it equals the Python value `value`."""
        if isinstance(pattern, Var):
            if pattern.name in self.sym.bound:
                self.fail(f"not equal({self.sym.ident(pattern.name)}, {value})")
            elif pattern.name.startswith("__not") and value.isidentifier():  # moved out of a `not`: alias
                self.sym.alias(pattern.name, value)
            else:
                ident = self.sym.ident(pattern.name)
                if ident != value:
                    self.w.line(f"{ident} = {value}")
                self.sym.bound.add(pattern.name)
            return
        if not self._unbound(pattern):
            mine = self.value(pattern)
            self.fail(self.comparison("equal", mine, value, pattern, Var("?"), negate=True))
            return
        if isinstance(pattern, Array):
            tmp = self._temp(value)
            self.fail(f"type({tmp}) is not list or len({tmp}) != {len(pattern.items)}")
            for i, item in enumerate(pattern.items):
                self.unify_value(item, f"{tmp}[{i}]")
            return
        if isinstance(pattern, Object):
            tmp = self._temp(value)
            self.fail(f"type({tmp}) is not dict or len({tmp}) != {len(pattern.items)}")
            for k, v in pattern.items:
                key = self.value(k)
                item = self.w.name("t")
                self.w.line(f"{item} = index({tmp}, {key})")
                self.fail(f"{item} is U")
                self.unify_value(v, item)
            return
        raise Unsupported(f"cannot unify {type(pattern).__name__} pattern")

    def _temp(self, value: str) -> str:
        if value.isidentifier():
            return value
        tmp = self.w.name("t")
        self.w.line(f"{tmp} = {value}")
        return tmp

    # --- terms --------------------------------------------------------------------

    def value(self, term: Term) -> str:
        """A Python expression for the term's value; undefined fails the solution."""
        if isinstance(term, Scalar):
            return self.w.constant(term.value)
        if isinstance(term, Var):
            if term.name not in self.sym.bound:
                raise UnboundVar(term)
            return self.sym.ident(term.name)
        if isinstance(term, Ref):
            return self.ref(term)
        if isinstance(term, Call):
            return self.call_value(term)
        if isinstance(term, Array):
            return "[" + ", ".join(self.value(t) for t in term.items) + "]"
        if isinstance(term, Set):
            if not term.items:
                return "RegoSet()"
            return "RegoSet((" + "".join(self.value(t) + ", " for t in term.items) + "))"
        if isinstance(term, Object):
            keys = [self.value(k) for k, _ in term.items]
            vals = [self.value(v) for _, v in term.items]
            if all(isinstance(k, Scalar) and type(k.value) is str for k, _ in term.items):
                return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, vals)) + "}"
            return "make_object((" + "".join(f"({k}, {v}), " for k, v in zip(keys, vals)) + "))"
        if isinstance(term, (ArrayComprehension, SetComprehension, ObjectComprehension)):
            return self.comprehension(term)
        if isinstance(term, TemplateString):
            parts = [self.w.constant(p) if isinstance(p, str) else self.value(p) for p in term.parts]
            return "template_text((" + "".join(p + ", " for p in parts) + "))"
        raise Unsupported(f"term {type(term).__name__}")

    def set_add(self, target: str, term) -> str:
        """The statement adding `term`'s value to the set `target`. A value that
        may be an existing array or object (from input, data or a rule) has its
        frozen key remembered for the rest of the evaluation; a literal is new
        each time, so there is nothing to remember."""
        if isinstance(term, (Var, Ref, Call)):
            return f"{target}.add_known({self.value(term)}, c.frozen)"
        return f"{target}.add({self.value(term)})"

    def comprehension(self, term) -> str:
        fn = self.w.name("comp")
        out = self.w.name("out")
        with self.function(f"def {fn}():"):
            body = self.order(term.body, self.sym.copy_bound())
            outer_order, self.in_order = self.in_order, isinstance(term, ArrayComprehension)
            if isinstance(term, ArrayComprehension):
                self.w.line(f"{out} = []")
                self.nested(body, lambda: self.w.line(f"{out}.append({self.value(term.term)})"))
            elif isinstance(term, SetComprehension):
                self.w.line(f"{out} = RegoSet()")
                self.nested(body, lambda: self.w.line(self.set_add(out, term.term)))
            else:
                self.w.line(f"{out} = {{}}")
                loc = self.w.constant(term.loc)
                self.nested(body, lambda: self.w.line(
                    f"object_insert({out}, {self.value(term.key)}, {self.value(term.value)}, {loc})"))
            self.in_order = outer_order
            self.w.line(f"return {out}")
        return f"{fn}()"

    def _values(self) -> str:
        return "values_in_order" if self.in_order else "values"

    def _items(self) -> str:
        return "items_in_order" if self.in_order else "items"

    def ref(self, ref: Ref) -> str:
        head = ref.terms[0]
        operands = list(ref.terms[1:])
        base = False
        if isinstance(head, Var) and head.name == "input":
            current = "inp"
            keys = ground_keys(operands)
            for k in range(len(keys), 0, -1):
                var = self.hoisted.get(keys[:k])
                if var is not None:
                    current, operands = var, operands[k:]
                    break
            self.fail(f"{current} is U")
        elif isinstance(head, Var) and head.name == "data":
            current, operands, base = self.data_ref(operands)
        else:
            current = self.value(head)
        for op in operands:
            current = self.step(current, op, base)
        return current

    def data_ref(self, operands: list) -> tuple[str, list, bool]:
        """Where a `data...` ref starts (a rule's value, a document of rules, or
        base data), the operands left to apply, and whether they index base data."""
        target = self.tree.data_target(operands)
        if target.kind is TargetKind.BASE:
            return "data", operands, True
        rest = operands[target.consumed:]
        tmp = self.w.name("t")
        if target.kind is TargetKind.RULE:
            group = target.group
            if group.is_function:
                loc = operands[0].loc if operands else None
                raise CompileErrors([RegoError(TYPE_ERROR, f"function {group.text} used as a value", loc)])
            self.deps.reads(group)
            self.w.line(f"{tmp} = {group.fn}(c)")
            self.fail(f"{tmp} is U")
        else:
            self.deps.reads(target.node)
            self.w.line(f"{tmp} = {target.node.vdoc}(c)")
        return tmp, rest, False

    def step(self, current: str, op: Term, base: bool = False) -> str:
        """One ref operand: a lookup, or (for an unbound var or pattern) a loop."""
        tmp = self.w.name("t")
        if isinstance(op, Scalar) and type(op.value) is str:
            key = self.w.constant(op.value)
            self.w.line(f"{tmp} = {current}.get({key}, U) if type({current}) is dict else index({current}, {key})")
            self.fail(f"{tmp} is U")
            return tmp
        if not self._unbound(op) and not isinstance(op, Var) or isinstance(op, Var) and op.name in self.sym.bound:
            key = self.value(op)
            self.w.line(f"{tmp} = {'index_base' if base else 'index'}({current}, {key})")
            self.fail(f"{tmp} is U")
            return tmp
        if isinstance(op, Var) and op.is_wildcard:
            self.loop(f"for {tmp} in {self._values()}({current}, c):")
            return tmp
        key = self.w.name("k")
        self.loop(f"for {key}, {tmp} in {self._items()}({current}, c):")
        self.w.line(f"if type({key}) is not str and type({key}) is not int: {key} = thaw_key({key})")
        self.unify_value(op, key)
        return tmp

    def call_value(self, call: Call) -> str:
        """The value of a call; an undefined result fails the solution."""
        name = call.name
        if name in COMPARISONS and len(call.args) == 2:
            a = self.value(call.args[0])
            b = self.value(call.args[1])
            return "(" + self.comparison(name, a, b, call.args[0], call.args[1], negate=False) + ")"
        if name == "internal.member_2" and len(call.args) == 2:
            return f"member({self.value(call.args[0])}, {self.value(call.args[1])})"
        if name == "internal.member_3" and len(call.args) == 3:
            return f"member_kv({', '.join(self.value(a) for a in call.args)})"
        if name in ("eq", "assign"):
            raise Unsupported("unification used as a value")
        args = [self.value(a) for a in call.args]
        result = self.w.name("t")
        self.deps.reads_rule_called(self.tree, call)
        callee = check_call(self.tree, call, self.deps.deferred, constants=self.deps.current is None)
        if callee.kind is CalleeKind.FUNCTION:
            self.deps.reads(callee.group)
            fn = callee.group.fn
        elif callee.kind is CalleeKind.BUILTIN:
            fn = self.w.builtin(callee.builtin)
        else:
            fn = "None"  # only ever called through its mock
        arg_tuple = "(" + "".join(a + ", " for a in args) + ")"
        mock_name = call.func.dotted() or ""
        if mock_name in self.tree.mocked:
            is_fn = callee.kind is CalleeKind.FUNCTION
            loc = self.w.constant(call.loc)
            self.w.line(f"{result} = c.mocked({self.w.constant(mock_name)}, {fn}, {is_fn}, {arg_tuple}, {loc})")
        elif callee.kind is CalleeKind.FUNCTION:
            self.w.line(f"{result} = {fn}(c, {', '.join(args)})")
        else:
            builtin = REGISTRY[callee.builtin]
            loc = self.w.constant(call.loc)
            if builtin.relation:
                self.loop(f"for {result} in c.relation({fn}, {self.w.constant(name)}, {arg_tuple}, {loc}):")
                return result
            if builtin.cost is not None:
                self.w.line(f"{result} = c.costly({fn}, {self.w.constant(name)}, {arg_tuple}, {loc})")
            elif builtin.nondeterministic:
                self.w.line(f"{result} = c.once({fn}, {self.w.constant(name)}, {arg_tuple}, {loc})")
            else:
                write_builtin_call(self.w, result, builtin, fn, args, loc)
        self.fail(f"{result} is U")
        return result


def _simple_constant(term: Term) -> bool:
    """A constant whose Python == is Rego's equality (strings, null)."""
    return isinstance(term, Scalar) and (type(term.value) is str or term.value is None)
