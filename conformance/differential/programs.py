"""Random Rego programs (hypothesis strategies): modules, a query, input and data.

A program is one `package test` module in v1 syntax, sometimes with a
`package lib` module it imports, drawn from a grammar of the whole language:
every rule kind (complete, partial set and object, multi-value `contains`,
ref heads, `default`, `else` chains, functions of 0 to 3 arguments, functions
with constant arguments and without a body), bodies with `some`, `in`,
`every`, `not`, `with` (on input, data, functions and built-ins),
comprehensions of all three kinds, unification and destructuring, imports
and aliases; values of every type (large integers, decimals, exponents);
built-ins of every family with well- and ill-typed arguments.

Bodies mostly use variables that are bound (so most programs evaluate), but
not always: programs OPA rejects test its compile-time checks. Values stay
small so that no program runs long on either side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from conformance.differential.outcome import ABSENT, Case

# Built-ins never generated: they reach outside evaluation, read the clock or
# randomness, or are regolite's deliberate omissions (see expected_differences.yaml).
EXCLUDED = {
    "http.send", "net.lookup_ip_addr", "opa.runtime", "rand.intn", "time.now_ns", "uuid.rfc4122",
    "providers.aws.sign_req", "io.jwt.encode_sign", "io.jwt.encode_sign_raw", "io.jwt.decode_verify",
    "crypto.x509.parse_and_verify_certificates", "crypto.x509.parse_and_verify_certificates_with_options",
    "trace", "print", "internal.print", "internal.member_2", "internal.member_3", "internal.test_case",
    "internal.template_string", "rego.metadata.chain", "rego.metadata.rule", "rego.parse_module",
    "numbers.range_step", "walk", "eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte",
    "plus", "minus", "mul", "div", "rem", "and", "or",
}
# Infix operators: (Rego text, builtin) by kind.
ARITHMETIC = ["+", "-", "*", "/", "%"]
SET_OPS = ["|", "&", "-"]
COMPARISONS = ["==", "!=", "<", "<=", ">", ">="]

NAMES = ["a", "b", "c", "kind", "name", "items", "x", "y"]
STRINGS = ["", "a", "b", "foo", "Foo", "a.b", "1", "1.5", "true", "x-y", "é", "a b", "%v", "*", "10Mi", "1h2m"]
INTEGERS = [0, 1, -1, 2, 3, 7, 10, 100, -42, 255, 2 ** 31, 2 ** 53 + 1, 2 ** 63, -(2 ** 64), 10 ** 20]
DECIMALS = ["0.1", "0.2", "0.5", "1.5", "-2.25", "3.14159", "1e3", "2.5e-3", "1E2", "0.30000000000000004",
            "100.0", "1e-7", "123456789.123456789"]


UP_TO_3 = st.integers(0, 3)
THIRDS = st.integers(0, 2)
BOOLEANS = st.booleans()
_INDICES: dict = {}


def pick(draw, options):
    """One of `options` (a sequence), drawn with a strategy made once per length: hypothesis
    validates every new strategy object on its first draw, which made building them per
    draw cost most of a run."""
    n = len(options)
    index = _INDICES.get(n)
    if index is None:
        index = _INDICES[n] = st.integers(0, n - 1)
    return options[draw(index)]


def between(draw, low: int, high: int) -> int:
    """An integer in [low, high], as `pick` draws it."""
    return low + pick(draw, range(high - low + 1))


def _capabilities(shared: Path) -> list:
    path = shared / "opa" / "capabilities-v1.19.0.json"
    return json.loads(path.read_text(encoding="utf-8"))["builtins"]


@dataclass
class Scope:
    """Vars bound at the point a body expression is drawn, and what the program defines."""

    bound: list = field(default_factory=list)
    used: set = field(default_factory=set)          # bound vars some later term reads
    rules: list = field(default_factory=list)       # names of non-function rules defined so far
    functions: dict = field(default_factory=dict)   # name -> arity
    counter: list = field(default_factory=lambda: [0])

    def fresh(self) -> str:
        self.counter[0] += 1
        return f"v{self.counter[0]}"

    def child(self) -> "Scope":
        return Scope(list(self.bound), self.used, self.rules, self.functions, self.counter)

    def unused(self) -> list:
        return [v for v in self.bound if v not in self.used]


class Grammar:
    """The strategies, parametrised by the built-ins OPA declares."""

    def __init__(self, shared: Path) -> None:
        # Strategies built once: hypothesis validates each new strategy object on its first draw,
        # which cost three quarters of a run when every draw built them anew.
        self._made: dict = {}
        decls = [b for b in _capabilities(shared) if b["name"] not in EXCLUDED and not b.get("nondeterministic")
                 and not b.get("deprecated") and b["decl"].get("type") == "function" and "variadic" not in b["decl"]]
        self.builtins = sorted(((b["name"], b["decl"].get("args", [])) for b in decls), key=lambda x: x[0])

    # --- values -------------------------------------------------------------------------

    def _once(self, key, make) -> st.SearchStrategy:
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = make()
        return made

    def value(self, depth: int = 2) -> st.SearchStrategy:
        """A JSON value (for input and data)."""
        return self._once(("value", depth), lambda: self._value(depth))

    def _value(self, depth: int) -> st.SearchStrategy:
        scalars = st.one_of(
            st.none(), st.booleans(), st.sampled_from(INTEGERS), st.integers(-5, 20),
            st.sampled_from([0.5, 1.5, -2.25, 0.1, 1e3, 3.0]), st.sampled_from(STRINGS),
        )
        if depth <= 0:
            return scalars
        inner = self.value(depth - 1)
        return st.one_of(
            scalars,
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(NAMES + STRINGS[:4]), inner, max_size=3),
        )

    def literal(self, depth: int = 1) -> st.SearchStrategy:
        """Rego text of a constant term (numbers as Rego writes them)."""
        return self._once(("literal", depth), lambda: self._literal(depth))

    def _literal(self, depth: int) -> st.SearchStrategy:
        scalars = st.one_of(
            st.sampled_from(["null", "true", "false"]),
            st.sampled_from(INTEGERS).map(str), st.integers(-3, 12).map(str), st.sampled_from(DECIMALS),
            st.sampled_from(STRINGS).map(json.dumps),
        )
        if depth <= 0:
            return scalars
        inner = self.literal(depth - 1)
        return st.one_of(
            scalars, scalars,
            st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}"),
            st.lists(st.tuples(st.sampled_from(NAMES).map(json.dumps), inner), max_size=3).map(
                lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
            st.just("set()"),
        )

    def typed_literal(self, decl: dict) -> st.SearchStrategy:
        """A constant of the declared type (OPA's capabilities `type`)."""
        return self._once(("typed", json.dumps(decl, sort_keys=True)), lambda: self._typed_literal(decl))

    def _typed_literal(self, decl: dict) -> st.SearchStrategy:
        kind = decl.get("type")
        if kind == "string":
            return st.sampled_from(STRINGS).map(json.dumps)
        if kind == "number":
            return st.one_of(st.integers(-3, 12).map(str), st.sampled_from(DECIMALS[:6]))
        if kind == "boolean":
            return st.sampled_from(["true", "false"])
        if kind == "array":
            return st.lists(self.literal(0), max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")
        if kind == "set":
            return st.lists(self.literal(0), min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(xs) + "}")
        if kind == "object":
            return st.lists(st.tuples(st.sampled_from(NAMES).map(json.dumps), self.literal(0)), max_size=3).map(
                lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}")
        if kind == "null":
            return st.just("null")
        if kind == "any" and "of" in decl and isinstance(decl["of"], list):
            return st.one_of([self.typed_literal(d) for d in decl["of"]])
        return self.literal(1)

    # --- terms --------------------------------------------------------------------------

    def term(self, draw, scope: Scope, depth: int = 2) -> str:
        """Rego text of a term that (mostly) uses only vars bound in `scope`."""
        choices = ["literal", "literal", "input", "data"]
        if scope.bound:
            choices += ["var", "var", "var"]
        if scope.rules:
            choices += ["rule"]
        if depth > 0:
            choices += ["arith", "builtin", "builtin", "call", "compound", "comprehension", "setop"]
        kind = pick(draw, (choices))
        if kind == "literal":
            return draw(self.literal(1 if depth > 0 else 0))
        if kind == "var":
            name = pick(draw, (scope.bound))
            scope.used.add(name)
            return name
        if kind == "input":
            return self.ref(draw, "input", scope)
        if kind == "data":
            return self.ref(draw, "data.d", scope)
        if kind == "rule":
            rule = pick(draw, (scope.rules))
            return pick(draw, ([rule, f"data.test.{rule}"]))
        def sub() -> str:
            return self.term(draw, scope, depth - 1)

        if kind in ("arith", "setop"):  # mostly numbers (sets), so that most programs pass the type checker
            typed = self.typed_literal({"type": "number" if kind == "arith" else "set"})

            def operand() -> str:
                return sub() if draw(THIRDS) == 0 else draw(typed)

            return f"({operand()} {pick(draw, ARITHMETIC if kind == 'arith' else SET_OPS)} {operand()})"
        if kind == "builtin":
            return self.builtin_call(draw, scope, depth - 1)
        if kind == "call":
            if not scope.functions:
                return self.builtin_call(draw, scope, depth - 1)
            name = pick(draw, (sorted(scope.functions)))
            args = [sub() for _ in range(scope.functions[name])]
            return f"{name}({', '.join(args)})"
        if kind == "compound":
            items = [sub() for _ in range(draw(UP_TO_3))]
            shape = pick(draw, (["array", "set", "object"]))
            if shape == "array":
                return "[" + ", ".join(items) + "]"
            if shape == "set" and items:
                return "{" + ", ".join(items) + "}"
            keys = [json.dumps(pick(draw, NAMES)) for _ in items]
            return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items)) + "}"
        return self.comprehension(draw, scope, depth - 1)

    def ref(self, draw, root: str, scope: Scope) -> str:
        """`input.a[0].b`, `input.items[_]`, `data.d[k]`..."""
        text = root
        for _ in range(draw(UP_TO_3)):
            step = pick(draw, (["dot", "dot", "index", "wild", "var"] if scope.bound else
                                        ["dot", "dot", "index", "wild"]))
            if step == "dot":
                text += "." + pick(draw, (NAMES))
            elif step == "index":
                text += f"[{pick(draw, (['0', '1', '-1', json.dumps('a'), '1.0', 'true']))}]"
            elif step == "wild":
                text += "[_]"
            else:
                name = pick(draw, (scope.bound))
                scope.used.add(name)
                text += f"[{name}]"
        return text

    def builtin_call(self, draw, scope: Scope, depth: int) -> str:
        name, args = pick(draw, (self.builtins))
        out = []
        for decl in args:
            if between(draw, 0, 9) < 7:
                out.append(draw(self.typed_literal(decl)) if draw(BOOLEANS) else self.term(draw, scope, depth))
            else:
                out.append(self.term(draw, scope, depth))  # any type: ill-typed calls too
        return f"{name}({', '.join(out)})"

    def comprehension(self, draw, scope: Scope, depth: int) -> str:
        inner = scope.child()
        body = self.body(draw, inner, depth, min_size=1, max_size=2)
        kind = pick(draw, (["array", "set", "object"]))
        head = self.term(draw, inner, 0)
        if kind == "array":
            return f"[{head} | {'; '.join(body)}]"
        if kind == "set":
            return f"{{{head} | {'; '.join(body)}}}"
        return f"{{{self.term(draw, inner, 0)}: {head} | {'; '.join(body)}}}"

    # --- bodies -------------------------------------------------------------------------

    def expr(self, draw, scope: Scope, depth: int, kind: str = "") -> str:
        """One body expression (of `kind`, if given); binds what it declares in `scope`."""
        kinds = ["assign", "assign", "compare", "compare", "some_in", "bare", "builtin", "member"]
        if depth > 0:
            kinds += ["not", "every", "with", "destructure", "unify"]
        kind = kind or pick(draw, (kinds))
        def term() -> str:
            return self.term(draw, scope, max(depth, 0))

        if kind == "assign":
            value = term()
            name = scope.fresh()
            scope.bound.append(name)
            return f"{name} := {value}"
        if kind == "unify":
            value = term()
            name = scope.fresh()
            scope.bound.append(name)
            return f"{name} = {value}"
        if kind == "destructure":
            value = term()
            a, b = scope.fresh(), scope.fresh()
            scope.bound += [a, b]
            return pick(draw, ([f"[{a}, {b}] := {value}", f"{{\"a\": {a}, \"b\": {b}}} := {value}",
                                         f"[{a}, {b}] = {value}"]))
        if kind == "compare":
            return f"{term()} {pick(draw, (COMPARISONS))} {term()}"
        if kind == "member":
            return f"{term()} in {term()}"
        if kind == "some_in":
            coll = term()
            v = scope.fresh()
            if draw(BOOLEANS):
                k = scope.fresh()
                scope.bound += [k, v]
                return f"some {k}, {v} in {coll}"
            scope.bound.append(v)
            return f"some {v} in {coll}"
        if kind == "bare":
            return self.ref(draw, "input", scope) if draw(BOOLEANS) else term()
        if kind == "builtin":
            return self.builtin_call(draw, scope, max(depth - 1, 0))
        if kind == "not":
            negated = pick(draw, (["compare", "member", "builtin", "bare"]))
            return "not " + self.expr(draw, scope.child(), depth - 1, negated)
        if kind == "every":
            coll = term()
            inner = scope.child()
            k, v = inner.fresh(), inner.fresh()
            inner.bound += [k, v]
            body = self.body(draw, inner, depth - 1, min_size=1, max_size=2)
            return f"every {k}, {v} in {coll} {{ {'; '.join(body)} }}"
        # with
        inner = scope.child()
        target = pick(draw, (["input", "input.a", "data.d", "data.d.x", "function", "builtin"]))
        expression = self.expr(draw, inner, depth - 1)
        if target == "function" and scope.functions:
            name = pick(draw, (sorted(scope.functions)))
            replacement = pick(draw, (sorted(scope.functions) + [draw(self.literal(0))]))
            return f"{expression} with {name} as {replacement}"
        if target in ("function", "builtin"):
            builtin = pick(draw, (["count", "concat", "startswith", "lower", "object.get"]))
            return f"{expression} with {builtin} as {draw(self.literal(0))}"
        return f"{expression} with {target} as {self.term(draw, scope, 0)}"

    def body(self, draw, scope: Scope, depth: int, min_size: int = 1, max_size: int = 4) -> list:
        """Expressions; vars they declare and nothing reads are read at the end
        (`_ = [v1, v2]`), unless the draw leaves them unused (OPA's compile error)."""
        n = between(draw, min_size, max_size)
        exprs = [self.expr(draw, scope, depth) for _ in range(n)]
        unused = scope.unused()
        if unused and between(draw, 0, 9):
            exprs.append(f"_ = [{', '.join(unused)}]")
            scope.used.update(unused)
        return exprs

    # --- rules --------------------------------------------------------------------------

    def rule(self, draw, scope: Scope, name: str) -> str:
        """A rule named `name`; a rule's own body does not read it (recursion is tried elsewhere)."""
        text = self.rule_text(draw, scope, name)
        if name not in scope.functions:
            scope.rules.append(name)
        return text

    def rule_text(self, draw, scope: Scope, name: str) -> str:
        kind = pick(draw, (["complete", "complete", "set", "object", "multi", "refhead", "default",
                                     "else", "function", "function", "const_function", "bare"]))
        body_scope = scope.child()
        if kind == "function" or kind == "const_function":
            arity = between(draw, 0, 3)
            params = []
            for _ in range(arity):
                p = body_scope.fresh()
                param = p if kind == "function" else pick(draw, ([p, "_", draw(self.literal(0))]))
                params.append(param)
                if param == p:
                    body_scope.bound.append(p)
            scope.functions[name] = arity
            if kind == "const_function" and draw(BOOLEANS):
                return f"{name}({', '.join(params)})"  # no body, no value: true
            body = self.body(draw, body_scope, 1, min_size=0, max_size=3)
            value = self.term(draw, body_scope, 1)
            tail = f" if {{ {'; '.join(body)} }}" if body else ""
            return f"{name}({', '.join(params)}) := {value}{tail}"
        body = self.body(draw, body_scope, 2, min_size=1, max_size=4)
        text_body = "{ " + "; ".join(body) + " }"
        if kind == "bare":
            return f"{name} if {text_body}"
        if kind == "complete":
            return f"{name} := {self.term(draw, body_scope, 1)} if {text_body}"
        if kind == "default":
            return (f"default {name} := {draw(self.literal(1))}\n"
                    f"{name} := {self.term(draw, body_scope, 1)} if {text_body}")
        if kind == "else":
            other = scope.child()
            else_body = self.body(draw, other, 1, min_size=1, max_size=2)
            return (f"{name} := {self.term(draw, body_scope, 0)} if {text_body} "
                    f"else := {self.term(draw, other, 0)} if {{ {'; '.join(else_body)} }} "
                    f"else := {draw(self.literal(0))}")
        if kind == "set":
            return f"{name} contains {self.term(draw, body_scope, 1)} if {text_body}"
        if kind == "object":
            return f"{name}[{self.term(draw, body_scope, 0)}] := {self.term(draw, body_scope, 1)} if {text_body}"
        if kind == "multi":
            return f"{name}[{self.term(draw, body_scope, 0)}] contains {self.term(draw, body_scope, 0)} if {text_body}"
        return f"{name}.{pick(draw, (NAMES))}.z := {self.term(draw, body_scope, 1)} if {text_body}"

    @st.composite
    def program(draw, self) -> Case:
        scope = Scope()
        lines = ["package test", ""]
        if between(draw, 0, 3) == 0:
            lines.insert(1, pick(draw, (["import rego.v1", "import input.a as ia", "import data.d as dd",
                                                 "import data.lib"])))
        for i in range(between(draw, 1, 4)):
            lines.append(self.rule(draw, scope, f"r{i}" if between(draw, 0, 2) else f"f{i}"))
        modules = {"test.rego": "\n".join(lines) + "\n"}
        if "import data.lib" in lines:
            modules["lib.rego"] = "package lib\n\nhelper(x) := [x, x]\n\nconst := {\"k\": 1}\n"
        names = scope.rules + [f for f, arity in scope.functions.items() if arity == 0]
        query_choices = ["data.test"] + [f"data.test.{r}" for r in scope.rules]
        query_choices += [f"x := data.test.{f}({', '.join(['1'] * a)})" for f, a in scope.functions.items()]
        query = pick(draw, (query_choices)) if names or query_choices else "data.test"
        input_value = draw(self._once("input", lambda: st.one_of(st.just(ABSENT), self.value(3))))
        data = draw(self._once("data", lambda: st.one_of(
            st.none(), st.dictionaries(st.just("d"), self.value(2), min_size=1, max_size=1))))
        return Case(modules, query, input_value, data)


_GRAMMARS: dict = {}


def programs(shared: Path) -> st.SearchStrategy:
    """The strategy of whole programs (cases), with OPA's built-ins read from `shared`."""
    key = str(shared)
    if key not in _GRAMMARS:
        _GRAMMARS[key] = Grammar(shared)
    return _GRAMMARS[key].program()
