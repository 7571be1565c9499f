"""Bodies and terms to Python statements.

A body becomes straight-line code inside `for _ in ONCE:`: each expression
either filters (`if ...: continue`), binds (`v_x = ...`), or enumerates
(`for ... in ...:` one level deeper). `continue` always means "this
solution fails, backtrack to the latest choice", which is exactly what the
innermost enclosing loop gives. At the innermost point the caller's
`on_solution` writes what a solution does (yield, append, return).

Nested bodies (negation, comprehensions, every, `with`) become nested
functions defined where they are used, so they close over bound vars.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Object, ObjectComprehension, Ref, Scalar,
    Set, SetComprehension, SomeDecl, TemplateString, Term, Var,
)
from regolite.builtins import REGISTRY
from regolite.compiler.safety import pattern_vars
from regolite.compiler.writer import CodeWriter

COMPARISONS = {"equal": "equal", "neq": "neq", "lt": "lt", "lte": "lte", "gt": "gt", "gte": "gte"}


class Unsupported(Exception):
    """A construct this compiler cannot emit yet (reported as a compile error)."""


class UnboundVar(Exception):
    """A var used where nothing binds it (a rule head's var the body never binds)."""

    def __init__(self, var) -> None:
        super().__init__(var.name)
        self.var = var


class Symbols:
    """Rego var names to Python identifiers, and which are bound."""

    def __init__(self, writer: CodeWriter) -> None:
        self.writer = writer
        self.idents: dict[str, str] = {}
        self.bound: set[str] = set()
        self.used: set[str] = set()

    def ident(self, name: str) -> str:
        ident = self.idents.get(name)
        if ident is None:
            if name.startswith("$"):
                ident = "w" + name[1:]
            else:
                base = "v_" + name.replace("#", "_")
                ident = base
                n = 1
                while ident in self.used:
                    ident = f"{base}_{n}"
                    n += 1
            self.used.add(ident)
            self.idents[name] = ident
        return ident

    def copy_bound(self) -> set:
        return set(self.bound)


class BodyEmitter:
    """Writes bodies into one generated function (and its nested functions)."""

    def __init__(self, program, writer: CodeWriter, symbols: Symbols, hoisted: Optional[dict] = None) -> None:
        self.program = program
        self.w = writer
        self.sym = symbols
        # ground paths under `input` the enclosing function looked up once at its start
        # (path tuple -> variable holding the value or U); see Program.hoist_input_paths
        self.hoisted = hoisted or {}
        # Loops iterate objects and sets in OPA's order only where the order shows:
        # in the body of an array comprehension (its elements come in loop order).
        self.in_order = False

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
        self.w.outdent(self.w.level - start)

    def nested(self, exprs: tuple, on_solution: Callable[[], None], loc=None) -> None:
        """A body in its own `for _ in ONCE:` loop (the line mapped to `loc`, if
        given), restoring what is bound after."""
        saved = self.sym.copy_bound()
        self.w.line("for _ in ONCE:", loc)
        self.w.indent()
        self.body(exprs, on_solution)
        self.w.outdent()
        self.sym.bound = saved

    def fail(self, condition: str) -> None:
        self.w.line(f"if {condition}:")
        self.w.indent()
        self.w.line("continue")
        self.w.outdent()

    # --- expressions --------------------------------------------------------------

    def expr(self, expr: Expr) -> None:
        self.w.comment(f"{expr.loc.row}:{expr.loc.col}")
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
            args = ", ".join(self.print_arg(a) for a in call.args)
            self.w.line(f"c.print(({args}{',' if len(call.args) == 1 else ''}), {self.w.constant(call.loc)})")
            return
        arity = self.program.arity(call)
        if arity is not None and len(call.args) == arity + 1:
            result = self.call_value(Call(call.func, call.args[:-1], call.loc))
            self.unify_value(call.args[-1], result)
            return
        value = self.call_value(call)
        self.fail(f"{value} is False")

    def comparison(self, name: str, a: str, b: str, ta: Term, tb: Term, negate: bool) -> str:
        if name in ("equal", "neq"):
            simple = _simple_constant(ta) or _simple_constant(tb)
            if simple:
                test = "!=" if (name == "equal") == negate else "=="
                return f"{a} {test} {b}"
            eq = f"equal({a}, {b})"
            return f"not {eq}" if (name == "equal") == negate else eq
        test = f"{name}({a}, {b})"
        return f"not {test}" if negate else test

    def print_arg(self, term: Term) -> str:
        """print() shows an undefined operand as <undefined> instead of failing."""
        fn = self.w.name("p")
        self.w.line(f"def {fn}():")
        self.w.indent()
        self.w.line("for _ in ONCE:")
        self.w.indent()
        saved = self.sym.copy_bound()
        start = self.w.level
        value = self.value(term)
        self.w.line(f"return {value}")
        self.w.outdent(self.w.level - start)
        self.sym.bound = saved
        self.w.outdent()
        self.w.line("return U")
        self.w.outdent()
        return f"{fn}()"

    # --- some / every / not / with ---------------------------------------------

    def some(self, decl: SomeDecl) -> None:
        if not (len(decl.symbols) == 1 and isinstance(decl.symbols[0], Call)):
            return  # a declaration only: the vars are bound later
        call = decl.symbols[0]
        *targets, coll_term = call.args
        coll = self.value(coll_term)
        if len(targets) == 1:
            x = self.w.name("t")
            self.w.line(f"for {x} in {self._values()}({coll}, c):")
            self.w.indent()
            self.unify_value(targets[0], x)
        else:
            k, v = self.w.name("t"), self.w.name("t")
            self.w.line(f"for {k}, {v} in {self._items()}({coll}, c):")
            self.w.indent()
            self.w.line(f"if type({k}) is not str and type({k}) is not int: {k} = thaw_key({k})")
            self.unify_value(targets[0], k)
            self.unify_value(targets[1], v)

    def every(self, every: Every) -> None:
        domain = self.value(every.domain)
        fn = self.w.name("every")
        k = self.sym.ident(every.key.name) if every.key is not None else self.w.name("t")
        v = self.sym.ident(every.value.name)
        self.w.line(f"def {fn}({k}, {v}):")
        self.w.indent()
        saved = self.sym.copy_bound()
        if every.key is not None:
            self.sym.bound.add(every.key.name)
        self.sym.bound.add(every.value.name)
        self.nested(self.program.order(every.body, self.sym.bound), lambda: self.w.line("return True"))
        self.sym.bound = saved
        self.w.line("return False")
        self.w.outdent()
        kk = self.w.name("t")
        self.fail(f"not is_collection({domain})")
        self.w.line(f"if not all({fn}(thaw_key({kk}), {v}) for {kk}, {v} in items({domain}, c)):")
        self.w.indent()
        self.w.line("continue")
        self.w.outdent()

    def negation(self, expr: Expr) -> None:
        """`not expr`: fails when expr has a solution.

        A negated expression that enumerates nothing is tested inline, in its
        own one-pass loop; one that enumerates becomes a nested function that
        returns at the first solution.
        """
        inner = Expr(expr.term, False, (), expr.loc)
        if isinstance(expr.term, Block):
            body = self.program.order(expr.term.body, self.sym.copy_bound())
        else:
            body = (inner,)
        mark = len(self.w.lines)
        flag = self.w.name("found")
        self.w.line(f"{flag} = False")
        self.nested(body, lambda: self.w.line(f"{flag} = True"))
        emitted = self.w.lines[mark + 2:]
        if not any(line.lstrip().startswith("for ") for line in emitted):
            self.fail(flag)
            return
        del self.w.lines[mark:]  # it enumerates: use a function that can stop early
        for row in [r for r in self.w.line_map if r > mark]:
            del self.w.line_map[row]
        fn = self.w.name("neg")
        self.w.line(f"def {fn}():")
        self.w.indent()
        self.nested(body, lambda: self.w.line("return True"))
        self.w.line("return False")
        self.w.outdent()
        self.fail(f"{fn}()")

    def with_expr(self, expr: Expr) -> None:
        """`expr with target as value...`: run expr in a context with the replacements."""
        replacements = []
        for w in expr.with_:
            if not self.program.is_function_target(w.target):
                value = self.value(w.value)
            else:
                value = self.program.mock_replacement(w.value, self)
            replacements.append(self.program.with_replacement(w, value, self))
        before = self.sym.copy_bound()
        fn = self.w.name("with")
        self.w.line(f"def {fn}(c):")
        self.w.indent()
        self.program.function_prologue(self.w)
        hoisted, self.hoisted = self.hoisted, {}  # `with input as` may replace what they hold
        inner = Expr(expr.term, expr.negated, (), expr.loc)
        bound_after: list[str] = []

        def solution() -> None:
            bound_after.extend(sorted(self.sym.bound - before))
            names = ", ".join(self.sym.ident(n) for n in bound_after)
            self.w.line(f"yield ({names}{',' if len(bound_after) == 1 else ''})")

        saved = self.sym.copy_bound()
        self.w.line("for _ in ONCE:")
        self.w.indent()
        self.body((inner,), solution)
        self.w.outdent()
        self.sym.bound = saved
        self.hoisted = hoisted
        self.w.outdent()
        targets = ", ".join(self.sym.ident(n) for n in bound_after)
        ctx = f"c.with_({', '.join(replacements)})"
        if bound_after:
            self.w.line(f"for ({targets}{',' if len(bound_after) == 1 else ''}) in {fn}({ctx}):")
        else:
            self.w.line(f"for _w in {fn}({ctx}):")
        self.w.indent()
        self.sym.bound |= set(bound_after)

    # --- unification -----------------------------------------------------------------

    def unify(self, a: Term, b: Term) -> None:
        a_free = self._unbound(a)
        b_free = self._unbound(b)
        if isinstance(a, Array) and isinstance(b, Array) and (a_free or b_free):
            if len(a.items) != len(b.items):
                self.w.line("continue")
                return
            for x, y in zip(a.items, b.items):
                self.unify(x, y)
            return
        if isinstance(a, Object) and isinstance(b, Object) and (a_free or b_free):
            if len(a.items) == len(b.items):
                bk = {repr(k.to_json()): v for k, v in b.items}
                pairs = [(v, bk.get(repr(k.to_json()))) for k, v in a.items]
                if all(o is not None for _, o in pairs):
                    for x, y in pairs:
                        self.unify(x, y)
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

    def _unbound(self, term: Term) -> bool:
        return any(name not in self.sym.bound for name in pattern_vars(term))

    def unify_value(self, pattern: Term, value: str) -> None:
        """Bind the unbound vars of `pattern` so it equals the Python value `value`."""
        if isinstance(pattern, Var):
            if pattern.name in self.sym.bound:
                self.fail(f"not equal({self.sym.ident(pattern.name)}, {value})")
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
            return "RegoSet((" + ", ".join(self.value(t) for t in term.items) + ",))"
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
        self.w.line(f"def {fn}():")
        self.w.indent()
        body = self.program.order(term.body, self.sym.copy_bound())
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
            self.nested(
                body,
                lambda: self.w.line(f"object_insert({out}, {self.value(term.key)}, {self.value(term.value)}, {loc})"),
            )
        self.in_order = outer_order
        self.w.line(f"return {out}")
        self.w.outdent()
        return f"{fn}()"

    def _values(self) -> str:
        return "values_in_order" if self.in_order else "values"

    def _items(self) -> str:
        return "items_in_order" if self.in_order else "items"

    def ref(self, ref: Ref) -> str:
        head = ref.terms[0]
        operands = list(ref.terms[1:])
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
            current, operands = self.program.data_ref(operands, self)
        else:
            current = self.value(head)
        base = current == "data"
        for op in operands:
            current = self.step(current, op, base)
        return current

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
            self.w.line(f"for {tmp} in {self._values()}({current}, c):")
            self.w.indent()
            return tmp
        key = self.w.name("k")
        self.w.line(f"for {key}, {tmp} in {self._items()}({current}, c):")
        self.w.indent()
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
            args = ", ".join(self.value(a) for a in call.args)
            return f"member_kv({args})"
        if name in ("eq", "assign"):
            raise Unsupported("unification used as a value")
        args = [self.value(a) for a in call.args]
        result = self.w.name("t")
        callee, kind = self.program.callee(call, self)
        loc = self.w.constant(call.loc)
        builtin = REGISTRY.get(name) if kind == "builtin" else None
        mock_name = call.func.dotted() or ""
        if mock_name in self.program.mocked:
            is_fn = kind == "function"
            self.w.line(
                f"{result} = c.mocked({self.w.constant(mock_name)}, {callee}, {is_fn}, "
                f"({''.join(a + ', ' for a in args)}), {loc})"
            )
            self.fail(f"{result} is U")
            return result
        if kind == "function":
            self.w.line(f"{result} = {callee}(c, {', '.join(args)})")
        elif builtin is not None and builtin.relation:
            self.w.line(f"for {result} in c.relation({callee}, {self.w.constant(name)}, ({''.join(a + ', ' for a in args)}), {loc}):")
            self.w.indent()
            return result
        elif builtin is not None and builtin.output_size is not None:
            self.w.line(f"{result} = c.sized({callee}, {self.w.constant(name)}, ({''.join(a + ', ' for a in args)}), {loc})")
        elif builtin is not None and builtin.nondeterministic:
            self.w.line(f"{result} = c.once({callee}, {self.w.constant(name)}, ({''.join(a + ', ' for a in args)}), {loc})")
        else:
            fast = _fast_path(builtin, args)
            if fast is not None:
                guard, expr = fast
                if guard is None:  # nothing to test: no call, no error handling
                    self.w.line(f"{result} = {expr}")
                    self.fail(f"{result} is U")
                    return result
                self.w.line(f"if {guard}:")
                self.w.indent()
                self.w.line(f"{result} = {expr}")
                self.w.outdent()
                self.w.line("else:")
                self.w.indent()
            self.w.line("try:")
            self.w.indent()
            self.w.line(f"{result} = {callee}({', '.join(args)})")
            self.w.outdent()
            self.w.line("except BuiltinError as e:")
            self.w.indent()
            self.w.line(f"{result} = c.builtin_error(e, {self.w.constant(name)}, {loc})")
            self.w.outdent()
            self.w.line("except BUILTIN_FAILURES as e:")
            self.w.indent()
            self.w.line(f"{result} = c.builtin_error(unexpected(e), {self.w.constant(name)}, {loc})")
            self.w.outdent()
            if fast is not None:
                self.w.outdent()
        self.fail(f"{result} is U")
        return result


# The builtins library templates call most, written inline for the operand
# types they almost always get: a type test per argument (None: any) and the
# expression; the call itself handles everything else. With no test left the
# expression is the whole builtin.
FAST_PATHS = {
    "count": (("type({}) in COUNTABLE",), "len({0})"),
    "object.get": (("type({}) is dict", "type({}) is str", None), "{0}.get({1}, {2})"),
    "startswith": (("type({}) is str", "type({}) is str"), "{0}.startswith({1})"),
    "endswith": (("type({}) is str", "type({}) is str"), "{0}.endswith({1})"),
    "is_string": ((None,), "type({0}) is str"),
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_LITERAL = re.compile(r"'[^'\\]*'")


def _fast_path(builtin, args: list) -> Optional[tuple]:
    """(guard or None, expression): the inline form of a call of a shipped
    builtin, when it has one and every argument it tests is a name or a plain
    string literal (known to be a string)."""
    if builtin is None or builtin.name not in FAST_PATHS:
        return None
    if not builtin.unchecked.__module__.startswith("regolite.builtins."):
        return None  # an embedder's replacement
    tests, expr = FAST_PATHS[builtin.name]
    guard = []
    for test, arg in zip(tests, args):
        if test is None:
            continue  # used once, by whichever branch runs: any expression will do
        if _NAME.fullmatch(arg):
            guard.append(test.format(arg))
        elif not (_STRING_LITERAL.fullmatch(arg) and test == "type({}) is str"):
            return None
    return (" and ".join(guard) or None), expr.format(*args)


def ground_keys(operands) -> tuple:
    """The string keys a ref's operands start with: ("review", "object") for
    input.review.object[x]."""
    keys = []
    for op in operands:
        if not (isinstance(op, Scalar) and type(op.value) is str):
            break
        keys.append(op.value)
    return tuple(keys)


def _simple_constant(term: Term) -> bool:
    """A constant whose Python == is Rego's equality (strings, null)."""
    return isinstance(term, Scalar) and (type(term.value) is str or term.value is None)


__all__ = ["BodyEmitter", "Symbols", "UnboundVar", "Unsupported"]
