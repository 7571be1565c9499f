"""Reductions of the LALR parser: grammar rules to `regolite.ast` nodes.

`ToAst` is made for one parse: the driver (lalr.py) binds its methods as the
LALR reduction callbacks, with the parse's `ParseContext` (for the file name,
the Rego version, the dialect and the wildcard counter) and a function that
parses a template string's embedded expressions. Each method is named after the
grammar rule (or alias) it builds and is called with that rule's children:
nodes already built, and tokens. Rego's static rules that are about syntax
(v1's `if` and `contains`, rule heads, literals) are checked here, where the
position is at hand.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Callable, NoReturn, Optional

from lark import Token

from regolite import ast
from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Head, Import, Location, Module, Object,
    ObjectComprehension, Package, Ref, Rule, Scalar, Set, SetComprehension, SomeDecl, Term,
    Var, With,
)
from regolite.builtins import bigfloat
from regolite.errors import RegoParseError
from regolite.parser.context import ParseContext
from regolite.parser.templates import parse_template

# Infix operators and the builtins OPA rewrites them to.
INFIX = {
    "EQ": "equal", "NEQ": "neq", "LT": "lt", "LTE": "lte", "GT": "gt", "GTE": "gte",
    "PLUS": "plus", "MINUS": "minus", "STAR": "mul", "SLASH": "div", "PERCENT": "rem",
    "AMP": "and", "BAR": "or",
}
ROOT_DOCUMENTS = ("data", "input")
_SURROGATE = re.compile("[\ud800-\udfff]")
IF_REQUIRED = "`if` keyword is required before rule body"


def op_ref(name: str, loc: Location) -> Ref:
    return ast.ref_of(*name.split("."), loc=loc)


def call(name: str, args: tuple, loc: Location) -> Call:
    return Call(op_ref(name, loc), args, loc)


def _terms(children: list) -> list:
    """The children that are AST nodes (punctuation tokens dropped)."""
    return [c for c in children if not isinstance(c, Token)]


def as_ref(term: Term) -> Ref:
    if isinstance(term, Ref):
        return term
    return Ref((term,), term.loc)


def extend_ref(term: Term, operand: Term) -> Ref:
    if isinstance(term, Ref):
        return Ref(term.terms + (operand,), term.loc)
    return Ref((term, operand), term.loc)


class ToAst:
    """The AST builder of one parse.

    The methods named after grammar rules (or aliases) become the LALR
    reduction callbacks; the others (`loc`, `fail`, `decode_*`, `make_*`)
    are their helpers, methods because they need the parse's context.
    """

    def __init__(self, context: ParseContext, parse_expression: Callable[[int, int], Term]) -> None:
        self.context = context
        self.file = context.source.file
        self.parse_expression = parse_expression  # (start, stop) -> the expression at source.text[start:stop]

    def loc(self, item: Any) -> Location:
        """Where a token or a node is."""
        if isinstance(item, Token):
            return Location(self.file, item.line, item.column)
        return item.loc

    def fail(self, message: str, at: Any) -> NoReturn:
        raise RegoParseError(message, self.loc(at))

    # --- literals' values -------------------------------------------------------

    def decode_string(self, tok: Token) -> str:
        """A double-quoted Rego string, decoded as JSON (as OPA does)."""
        text = str(tok)
        if "\\" not in text:
            if any(ord(c) < 0x20 for c in text):
                self.fail(f"illegal string literal: {text}", tok)
            return text[1:-1]
        try:
            value = json.loads(text)
        except ValueError:
            self.fail(f"illegal string literal: {text}", tok)
        if "\\u" in text and _SURROGATE.search(value):
            value = _SURROGATE.sub("\ufffd", value)
        return value

    def decode_number(self, tok: Token) -> Scalar:
        """A number literal: an exact int when it denotes an integer (`1e30`, `2.0`), else a float."""
        try:
            return self._decode_number(tok)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            self.fail(f"number {str(tok)[:20]}... is too long", tok)
        except ArithmeticError:  # an exponent beyond what Decimal holds (decimal.InvalidOperation)
            self.fail(f"number {str(tok)[:40]} is out of range", tok)

    def _decode_number(self, tok: Token) -> Scalar:
        text = str(tok)
        if "." in text or "e" in text or "E" in text:
            exact = Decimal(text)
            if exact.is_zero():
                return Scalar(0, self.loc(tok))
            if not -1000 < exact.adjusted() < 1000:
                # beyond float64 on both sides; 1e-999999999 would also take the
                # exact Fraction below forever (a denominator of a billion digits)
                self.fail(f"number {text[:40]} is out of range", tok)
            if exact == exact.to_integral_value():
                return Scalar(int(exact), self.loc(tok))
            # a float when its repr shows this decimal; else (1e-400, 20 significant
            # digits) exact, so it compares as the number it denotes
            return Scalar(bigfloat.from_text(text, float(text)), self.loc(tok))
        return Scalar(int(text), self.loc(tok))

    # --- modules --------------------------------------------------------------

    def module(self, children):
        package = None
        imports = []
        rules = []
        for c in children:
            if isinstance(c, Package):
                package = c
            elif isinstance(c, Import):
                imports.append(c)
            elif isinstance(c, list):
                rules.extend(c)
        return Module(package, tuple(imports), tuple(rules), self.context.rego_version, package.loc)

    def rules_tail(self, children):
        rules = []
        for c in children:
            if isinstance(c, list):
                rules.extend(c)
        return rules

    def package(self, children):
        kw, path = children
        loc = self.loc(kw)
        data = Var("data", path.loc)
        terms = (data,) + tuple(
            Scalar(t.name, t.loc) if isinstance(t, Var) else t for t in path.terms
        )
        return Package(Ref(terms, path.loc), loc)

    def import_(self, children):
        path = children[1]
        alias = str(children[3]) if len(children) == 4 else None
        head = path.terms[0].name
        if head not in ("data", "input", "future", "rego"):
            self.fail(f"invalid import path {_ref_text(path)}: path must begin with input or data", children[1])
        if alias is not None and head in ("future", "rego"):
            self.fail(f"{head} imports cannot be aliased", children[2])
        if head == "rego" and _ref_text(path) not in ("rego.v1", "rego.v2"):
            self.fail(f"invalid import {_ref_text(path)}, must be rego.v1", children[1])
        return Import(path, alias, self.loc(children[0]))

    def path_ref(self, children):
        (name,) = children
        return Ref((Var(str(name), self.loc(name)),), self.loc(name))

    def path_dot(self, children):
        ref, _dot, name = children
        return Ref(ref.terms + (Scalar(str(name), self.loc(name)),), ref.loc)

    def path_brack(self, children):
        ref, _open, key, _close = children
        return Ref(ref.terms + (key,), ref.loc)

    def path_key(self, children):
        (tok,) = children
        if tok.type == "STRING":
            return Scalar(self.decode_string(tok), self.loc(tok))
        return Scalar(str(tok)[1:-1], self.loc(tok))

    # --- rules ------------------------------------------------------------------

    def default_rule(self, children):
        kw, target, op, value = children
        head = self.make_head(target, value=value, assign=op.type == "ASSIGN", at=target)
        if head.key is not None and head.value is None:
            self.fail("default rules must have a value", kw)
        return [Rule(head, (_true_expr(head.loc),), None, True, self.loc(kw))]

    def plain_rule(self, children):
        target = children[0]
        value = assign = None
        bodies = None
        rest = children[1:]
        if rest and isinstance(rest[0], Token):
            assign = rest[0].type == "ASSIGN"
            value = rest[1]
            rest = rest[2:]
        if rest:
            bodies = rest[0]
        v1 = self.context.dialect.v1_rules
        if value is None and bodies is None:
            self.check_bare_head(target, v1)
        if bodies is not None and bodies[0] == "brace" and v1:
            self.fail(IF_REQUIRED, target)
        head = self.make_head(target, value=value, assign=bool(assign), at=target)
        if value is None and head.args is None and len(head.ref.terms) > 1 and not _is_string(head.ref.terms[-1]):
            # v0 partial set `p[x] { ... }`: the last ref operand is the key.
            if v1:
                self.fail("`contains` keyword is required for partial set rules", target)
            head = Head(Ref(head.ref.terms[:-1], head.ref.loc), None, head.ref.terms[-1], None, False, head.loc)
        return self.make_rules(head, bodies)

    def check_bare_head(self, target: Term, v1: bool) -> None:
        """A rule with neither value nor body: `f(1, _)` is a function that is true for
        those arguments; `p[x]` a v0 partial set; anything else is one of OPA's errors."""
        if isinstance(target, Call):
            if not target.args:
                self.fail("rule argument list must take at least one argument", target)
            return
        if isinstance(target, Var):
            self.fail("var cannot be used for rule name", target)
        if isinstance(target, Ref) and len(target.terms) == 2 and v1:
            self.fail("`contains` keyword is required for partial set rules", target)
        if not isinstance(target, Ref) or _is_string(target.terms[-1]) or v1:
            self.fail("rule must have value assignment and/or body declaration", target)

    def contains_rule(self, children):
        target, _kw, key = children[:3]
        bodies = children[3] if len(children) > 3 else None
        if bodies is not None and bodies[0] == "brace" and self.context.dialect.v1_rules:
            self.fail(IF_REQUIRED, target)
        if isinstance(target, Call):
            self.fail("`contains` cannot be used with function rules", _kw)
        ref = as_ref(target)
        if not isinstance(ref.terms[0], Var):
            self.fail("rule head must be a reference starting with a var", target)
        head = Head(ref, None, key, None, False, target.loc)
        if bodies is not None and bodies[2]:
            self.fail("`else` cannot be used with multi-value rules", bodies[2][0][3])
        return self.make_rules(head, bodies)

    def if_bodies(self, children):
        return ("if", [children[1]], children[2:])

    def brace_bodies(self, children):
        bodies = [c for c in children if isinstance(c, tuple) and c and isinstance(c[0], Expr)]
        elses = [c for c in children if isinstance(c, list)]
        return ("brace", bodies, elses)

    def else_clause(self, children):
        kw = children[0]
        op = value = None
        body = None
        kind = None
        rest = children[1:]
        if rest and isinstance(rest[0], Token) and rest[0].type in ("ASSIGN", "UNIFY"):
            op, value = rest[0], rest[1]
            rest = rest[2:]
        if rest:
            if isinstance(rest[0], list):  # else_body: IF if_body
                kind, body = "if", rest[0][1]
            else:
                kind, body = "brace", rest[0]
        return [op, value, kind, kw, body]

    def else_body(self, children):
        return list(children)

    def braced_query(self, children):
        return children[1]

    def one_literal(self, children):
        return (children[0],)

    def body(self, children):
        return children[1]

    def query(self, children):
        return tuple(c for c in children if isinstance(c, Expr))

    # --- literals -----------------------------------------------------------------

    def literal(self, children):
        core = children[0]
        withs = tuple(children[1:])
        if isinstance(core, Expr):
            return Expr(core.term, core.negated, withs, core.loc, core.not_body)
        return Expr(core, False, withs, core.loc)

    def not_expr(self, children):
        kw, expr = children
        return Expr(expr, True, (), self.loc(kw), self.context.dialect.not_body)

    def not_body(self, children):
        kw, _open, body, _close = children
        return Expr(Block(body, self.loc(_open)), True, (), self.loc(kw))

    def some_decl(self, children):
        kw = children[0]
        items = _terms(children[1:])
        has_in = any(isinstance(c, Token) and c.type == "IN" for c in children)
        loc = self.loc(kw)
        if has_in:
            *symbols, coll = items
            if len(symbols) > 2:
                self.fail("unexpected ',' in some ... in: at most a key and a value", kw)
            name = "internal.member_3" if len(symbols) == 2 else "internal.member_2"
            return SomeDecl((call(name, tuple(symbols) + (coll,), symbols[0].loc),), loc)
        for item in items:
            if not isinstance(item, Var):
                self.fail("expected var in some declaration", item)
        return SomeDecl(tuple(items), loc)

    def every(self, children):
        kw = children[0]
        names = [c for c in children if isinstance(c, Token) and c.type == "NAME"]
        terms = _terms(children)
        domain, body = terms[0], terms[1]
        vars_ = [self.var([n]) for n in names]
        key, value = (vars_[0], vars_[1]) if len(vars_) == 2 else (None, vars_[0])
        return Every(key, value, domain, body, self.loc(kw))

    def with_mod(self, children):
        kw, target, _as, value = children
        if not isinstance(target, (Ref, Var)):
            self.fail("with keyword target must reference existing input, data, or a function", target)
        return With(target if isinstance(target, Ref) else Ref((target,), target.loc), value, self.loc(kw))

    # --- expressions ----------------------------------------------------------------

    def assign_expr(self, children):
        lhs, op, rhs = children
        name = "assign" if op.type == "ASSIGN" else "eq"
        return call(name, (lhs, rhs), lhs.loc)

    def assign_op(self, children):
        return children[0]

    def member_kv(self, children):
        key, _c, value, _in, coll = children
        return call("internal.member_3", (key, value, coll), key.loc)

    def member(self, children):
        lhs, _in, rhs = children
        return call("internal.member_2", (lhs, rhs), lhs.loc)

    def binop(self, children):
        lhs, op, rhs = children
        return call(INFIX[op.type], (lhs, rhs), lhs.loc)

    def negate(self, children):
        minus, operand = children
        if isinstance(operand, Scalar) and type(operand.value) in (int, float):
            return Scalar(-operand.value, self.loc(minus))
        return call("minus", (Scalar(0, self.loc(minus)), operand), self.loc(minus))

    # --- terms ----------------------------------------------------------------------

    def ref_dot(self, children):
        term, _dot, name = children
        return extend_ref(term, Scalar(str(name), self.loc(name)))

    def ref_brack(self, children):
        term, _open, key, _close = children
        return extend_ref(term, key)

    def call(self, children):
        func = children[0]
        args = tuple(_terms(children[1:]))
        ref = as_ref(func)
        if ref.dotted() is None:
            self.fail("invalid function name", func)
        if ref.dotted() == "set" and not args:
            return Set((), func.loc)
        return Call(ref, args, func.loc)

    def var(self, children):
        (tok,) = children
        name = str(tok)
        loc = self.loc(tok)
        if name == "_":
            name = f"${self.context.wildcards}"
            self.context.wildcards += 1
        elif name in ROOT_DOCUMENTS:
            return Ref((Var(name, loc),), loc)
        return Var(name, loc)

    def number(self, children):
        return self.decode_number(children[0])

    def string(self, children):
        return Scalar(self.decode_string(children[0]), self.loc(children[0]))

    def raw_string(self, children):
        return Scalar(str(children[0])[1:-1], self.loc(children[0]))

    def template_string(self, children):
        return parse_template(children[0], self.context.source, self.parse_expression)

    def true(self, children):
        return Scalar(True, self.loc(children[0]))

    def false(self, children):
        return Scalar(False, self.loc(children[0]))

    def null(self, children):
        return Scalar(None, self.loc(children[0]))

    def paren(self, children):
        return children[1]

    def empty_array(self, children):
        return Array((), self.loc(children[0]))

    def array(self, children):
        return Array(tuple(_terms(children)), self.loc(children[0]))

    def array_compr(self, children):
        _o, term, _bar, body, _c = children
        return ArrayComprehension(term, body, self.loc(_o))

    def empty_object(self, children):
        return Object((), self.loc(children[0]))

    def object(self, children):
        terms = _terms(children)
        return Object(tuple(zip(terms[0::2], terms[1::2])), self.loc(children[0]))

    def set(self, children):
        return Set(tuple(_terms(children)), self.loc(children[0]))

    def object_compr(self, children):
        _o, key, _colon, value, _bar, body, _c = children
        return ObjectComprehension(key, value, body, self.loc(_o))

    def set_compr(self, children):
        _o, term, _bar, body, _c = children
        return SetComprehension(term, body, self.loc(_o))

    # --- rule heads and bodies ---------------------------------------------------------

    def make_head(self, target: Term, *, value: Optional[Term], assign: bool, at: Any) -> Head:
        """The head of a rule whose target (a name, ref or call) is `target`."""
        if isinstance(target, Call) and not target.args:
            # `f() = 1` declares no arguments: OPA reads it as a plain rule `f`
            ref, args = target.func, None
        elif isinstance(target, Call):
            ref, args = target.func, target.args
        elif isinstance(target, Var):
            ref, args = Ref((target,), target.loc), None
        elif isinstance(target, Ref):
            ref, args = target, None
            if not isinstance(ref.terms[0], Var) or ref.terms[0].name in ROOT_DOCUMENTS and len(ref.terms) == 1:
                self.fail("rule head must be a reference starting with a var", at)
            for op in ref.terms[1:]:
                if not isinstance(op, (Scalar, Var, Ref)) and not _is_ground_term(op):
                    self.fail("rule head ref operands must be strings, numbers, booleans or vars", op)
        else:
            self.fail("rule head must be a name, a reference or a function", at)
        if isinstance(ref.terms[0], Var) and ref.terms[0].is_wildcard:
            self.fail("rule name cannot be a wildcard", at)
        if value is None:
            value = Scalar(True, target.loc)
        return Head(ref, args, None, value, assign, target.loc)

    def make_rules(self, head: Head, bodies) -> list:
        """One Rule per body (v0 allows several), the else chain on the last."""
        if bodies is None:
            return [Rule(head, (_true_expr(head.loc),), None, False, head.loc)]
        kind, body_list, elses = bodies
        else_rule = None
        for op, value, else_kind, kw, body in reversed(elses):
            if else_kind == "brace" and self.context.dialect.v1_rules:
                self.fail(IF_REQUIRED, kw)
            if head.key is not None:
                self.fail("`else` cannot be used with multi-value rules", kw)
            else_value = value if value is not None else Scalar(True, self.loc(kw))
            assign = op is not None and op.type == "ASSIGN"
            else_head = Head(head.ref, head.args, None, else_value, assign, self.loc(kw))
            if body is None:
                body = (_true_expr(self.loc(kw)),)
            else_rule = Rule(else_head, body, else_rule, False, self.loc(kw))
        rules = [Rule(head, b, None, False, head.loc) for b in body_list]
        if else_rule is not None:
            last = rules[-1]
            rules[-1] = Rule(last.head, last.body, else_rule, False, last.loc)
        return rules

    # --- entry points -----------------------------------------------------------------

    def query_start(self, children):
        return next(c for c in children if isinstance(c, tuple))

    def expr_start(self, children):
        return next(c for c in children if not isinstance(c, Token))


# --- helpers for rules ---------------------------------------------------------------


def _is_string(term: Term) -> bool:
    return isinstance(term, Scalar) and isinstance(term.value, str)


def _ref_text(ref: Ref) -> str:
    out = ref.terms[0].name  # type: ignore[attr-defined]
    for t in ref.terms[1:]:
        out += "." + str(t.value) if _is_string(t) else "[...]"  # type: ignore[attr-defined]
    return out


def _true_expr(loc: Location) -> Expr:
    return Expr(Scalar(True, loc), False, (), loc)


def _is_ground_term(term: Term) -> bool:
    return isinstance(term, (Array, Object, Set))
