"""Reductions of the LALR parser: grammar rules to `regolite.ast` nodes.

Each method is named after the grammar rule (or alias) it builds and is
called with that rule's children: nodes already built, and tokens. Rego's
static rules that are about syntax (v1's `if` and `contains`, rule heads,
literals) are checked here, where the position is at hand.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
import threading
from typing import Any, Optional

from lark import Token

from regolite import ast
from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Head, Import, Location, Module, Object,
    ObjectComprehension, Package, Ref, Rule, Scalar, Set, SetComprehension, SomeDecl, Term,
    Var, With,
)
from regolite.errors import RegoParseError


class _Context(threading.local):
    """Per-thread facts about the parse in progress."""

    source: Any = None
    rego_version: str = "v1"
    wildcards: int = 0
    errors: list = []


CONTEXT = _Context()

# Infix operators and the builtins OPA rewrites them to.
INFIX = {
    "EQ": "equal", "NEQ": "neq", "LT": "lt", "LTE": "lte", "GT": "gt", "GTE": "gte",
    "PLUS": "plus", "MINUS": "minus", "STAR": "mul", "SLASH": "div", "PERCENT": "rem",
    "AMP": "and", "BAR": "or",
}
ROOT_DOCUMENTS = ("data", "input")
_SURROGATE = re.compile("[\ud800-\udfff]")


def loc_of(item: Any) -> Location:
    if isinstance(item, Token):
        return Location(CONTEXT.source.file, item.line, item.column)
    return item.loc


def fail(message: str, at: Any) -> None:
    raise RegoParseError(message, loc_of(at))


def op_ref(name: str, loc: Location) -> Ref:
    return ast.ref_of(*name.split("."), loc=loc)


def call(name: str, args: tuple, loc: Location) -> Call:
    return Call(op_ref(name, loc), args, loc)


def _terms(children: list) -> list:
    """The children that are AST nodes (punctuation tokens dropped)."""
    return [c for c in children if not isinstance(c, Token)]


def decode_string(tok: Token) -> str:
    """A double-quoted Rego string, decoded as JSON (as OPA does)."""
    text = str(tok)
    if "\\" not in text:
        if any(ord(c) < 0x20 for c in text):
            fail(f"illegal string literal: {text}", tok)
        return text[1:-1]
    try:
        value = json.loads(text)
    except ValueError:
        fail(f"illegal string literal: {text}", tok)
    if "\\u" in text and _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value


def decode_number(tok: Token) -> Scalar:
    """A number literal: an exact int when it denotes an integer (`1e30`, `2.0`), else a float."""
    try:
        return _decode_number(tok)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        fail(f"number {str(tok)[:20]}... is too long", tok)
    except ArithmeticError:  # an exponent beyond what Decimal holds (decimal.InvalidOperation)
        fail(f"number {str(tok)[:40]} is out of range", tok)


def _decode_number(tok: Token) -> Scalar:
    text = str(tok)
    if "." in text or "e" in text or "E" in text:
        exact = Decimal(text)
        if exact.is_zero():
            return Scalar(0, loc_of(tok))
        if not -1000 < exact.adjusted() < 1000:
            # beyond float64 on both sides; 1e-999999999 would also take the
            # Fraction below forever (a denominator of a billion digits)
            fail(f"number {text[:40]} is out of range", tok)
        if exact == exact.to_integral_value():
            return Scalar(int(exact), loc_of(tok))
        approx = float(text)
        if Decimal(repr(approx)) != exact:
            # A float cannot carry this decimal (1e-400, 20 significant
            # digits): keep it exact so it compares as the number it denotes.
            return Scalar(Fraction(exact), loc_of(tok))
        return Scalar(approx, loc_of(tok))
    return Scalar(int(text), loc_of(tok))


def as_ref(term: Term) -> Ref:
    if isinstance(term, Ref):
        return term
    return Ref((term,), term.loc)


def extend_ref(term: Term, operand: Term) -> Ref:
    if isinstance(term, Ref):
        return Ref(term.terms + (operand,), term.loc)
    return Ref((term, operand), term.loc)


class ToAst:
    """The lark transformer whose methods become the LALR reduction callbacks."""

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
        return Module(package, tuple(imports), tuple(rules), CONTEXT.rego_version, package.loc)

    def rules_tail(self, children):
        rules = []
        for c in children:
            if isinstance(c, list):
                rules.extend(c)
        return rules

    def package(self, children):
        kw, path = children
        loc = loc_of(kw)
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
            fail(f"invalid import path {_ref_text(path)}: path must begin with input or data", children[1])
        if alias is not None and head in ("future", "rego"):
            fail(f"{head} imports cannot be aliased", children[2])
        if head == "rego" and _ref_text(path) not in ("rego.v1", "rego.v2"):
            fail(f"invalid import {_ref_text(path)}, must be rego.v1", children[1])
        if head == "rego":
            CONTEXT.rego_v1_import = True
        return Import(path, alias, loc_of(children[0]))

    def path_ref(self, children):
        (name,) = children
        return Ref((Var(str(name), loc_of(name)),), loc_of(name))

    def path_dot(self, children):
        ref, _dot, name = children
        return Ref(ref.terms + (Scalar(str(name), loc_of(name)),), ref.loc)

    def path_brack(self, children):
        ref, _open, key, _close = children
        return Ref(ref.terms + (key,), ref.loc)

    def path_key(self, children):
        (tok,) = children
        if tok.type == "STRING":
            return Scalar(decode_string(tok), loc_of(tok))
        return Scalar(str(tok)[1:-1], loc_of(tok))

    # --- rules ------------------------------------------------------------------

    def default_rule(self, children):
        kw, target, op, value = children
        head = _head(target, value=value, assign=op.type == "ASSIGN", at=target)
        if head.key is not None and head.value is None:
            fail("default rules must have a value", kw)
        return [Rule(head, (_true_expr(head.loc),), None, True, loc_of(kw))]

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
        v1 = _v1_rules()
        if value is None and bodies is None:
            if isinstance(target, Var) or v1 or not isinstance(target, Ref) or _is_string(target.terms[-1]):
                fail("rule must have a value or a body", target)
        if bodies is not None and bodies[0] == "brace" and v1:
            _require_if(target, value, bodies)
        head = _head(target, value=value, assign=bool(assign), at=target)
        if value is None and head.args is None and len(head.ref.terms) > 1 and not _is_string(head.ref.terms[-1]):
            # v0 partial set `p[x] { ... }`: the last ref operand is the key.
            if v1:
                fail("`contains` keyword is required for partial set rules", target)
            head = Head(Ref(head.ref.terms[:-1], head.ref.loc), None, head.ref.terms[-1], None, False, head.loc)
        return _rules(head, bodies)

    def contains_rule(self, children):
        target, _kw, key = children[:3]
        bodies = children[3] if len(children) > 3 else None
        if bodies is not None and bodies[0] == "brace" and _v1_rules():
            _require_if(target, None, bodies)
        if isinstance(target, Call):
            fail("`contains` cannot be used with function rules", _kw)
        ref = as_ref(target)
        if not isinstance(ref.terms[0], Var):
            fail("rule head must be a reference starting with a var", target)
        head = Head(ref, None, key, None, False, target.loc)
        if bodies is not None and bodies[2]:
            fail("`else` cannot be used with multi-value rules", bodies[2][0][3])
        return _rules(head, bodies)

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
            return Expr(core.term, core.negated, withs, core.loc)
        return Expr(core, False, withs, core.loc)

    def not_expr(self, children):
        kw, expr = children
        return Expr(expr, True, (), loc_of(kw))

    def not_body(self, children):
        kw, _open, body, _close = children
        return Expr(Block(body, loc_of(_open)), True, (), loc_of(kw))

    def some_decl(self, children):
        kw = children[0]
        items = _terms(children[1:])
        has_in = any(isinstance(c, Token) and c.type == "IN" for c in children)
        loc = loc_of(kw)
        if has_in:
            *symbols, coll = items
            if len(symbols) > 2:
                fail("unexpected ',' in some ... in: at most a key and a value", kw)
            name = "internal.member_3" if len(symbols) == 2 else "internal.member_2"
            return SomeDecl((call(name, tuple(symbols) + (coll,), symbols[0].loc),), loc)
        for item in items:
            if not isinstance(item, Var):
                fail("expected var in some declaration", item)
        return SomeDecl(tuple(items), loc)

    def every(self, children):
        kw = children[0]
        names = [c for c in children if isinstance(c, Token) and c.type == "NAME"]
        terms = _terms(children)
        domain, body = terms[0], terms[1]
        vars_ = [self.var([n]) for n in names]
        key, value = (vars_[0], vars_[1]) if len(vars_) == 2 else (None, vars_[0])
        return Every(key, value, domain, body, loc_of(kw))

    def with_mod(self, children):
        kw, target, _as, value = children
        if not isinstance(target, (Ref, Var)):
            fail("with keyword target must reference existing input, data, or a function", target)
        return With(target if isinstance(target, Ref) else Ref((target,), target.loc), value, loc_of(kw))

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
            return Scalar(-operand.value, loc_of(minus))
        return call("minus", (Scalar(0, loc_of(minus)), operand), loc_of(minus))

    # --- terms ----------------------------------------------------------------------

    def ref_dot(self, children):
        term, _dot, name = children
        return extend_ref(term, Scalar(str(name), loc_of(name)))

    def ref_brack(self, children):
        term, _open, key, _close = children
        return extend_ref(term, key)

    def call(self, children):
        func = children[0]
        args = tuple(_terms(children[1:]))
        ref = as_ref(func)
        if ref.dotted() is None:
            fail("invalid function name", func)
        if ref.dotted() == "set" and not args:
            return Set((), func.loc)
        return Call(ref, args, func.loc)

    def var(self, children):
        (tok,) = children
        name = str(tok)
        loc = loc_of(tok)
        if name == "_":
            name = f"${CONTEXT.wildcards}"
            CONTEXT.wildcards += 1
        elif name in ROOT_DOCUMENTS:
            return Ref((Var(name, loc),), loc)
        return Var(name, loc)

    def number(self, children):
        return decode_number(children[0])

    def string(self, children):
        return Scalar(decode_string(children[0]), loc_of(children[0]))

    def raw_string(self, children):
        return Scalar(str(children[0])[1:-1], loc_of(children[0]))

    def template_string(self, children):
        from regolite.parser.templates import parse_template

        return parse_template(children[0], CONTEXT)

    def true(self, children):
        return Scalar(True, loc_of(children[0]))

    def false(self, children):
        return Scalar(False, loc_of(children[0]))

    def null(self, children):
        return Scalar(None, loc_of(children[0]))

    def paren(self, children):
        return children[1]

    def empty_array(self, children):
        return Array((), loc_of(children[0]))

    def array(self, children):
        return Array(tuple(_terms(children)), loc_of(children[0]))

    def array_compr(self, children):
        _o, term, _bar, body, _c = children
        return ArrayComprehension(term, body, loc_of(_o))

    def empty_object(self, children):
        return Object((), loc_of(children[0]))

    def object(self, children):
        terms = _terms(children)
        return Object(tuple(zip(terms[0::2], terms[1::2])), loc_of(children[0]))

    def set(self, children):
        return Set(tuple(_terms(children)), loc_of(children[0]))

    def object_compr(self, children):
        _o, key, _colon, value, _bar, body, _c = children
        return ObjectComprehension(key, value, body, loc_of(_o))

    def set_compr(self, children):
        _o, term, _bar, body, _c = children
        return SetComprehension(term, body, loc_of(_o))

    # --- entry points -----------------------------------------------------------------

    def query_start(self, children):
        return next(c for c in children if isinstance(c, tuple))

    def expr_start(self, children):
        return next(c for c in children if not isinstance(c, Token))


# --- helpers for rules ---------------------------------------------------------------


def _v1_rules() -> bool:
    """Does the module follow v1's rules (v1, or v0 with `import rego.v1`)?"""
    return CONTEXT.rego_version == "v1" or getattr(CONTEXT, "rego_v1_import", False)


def _require_if(target, value, bodies) -> None:
    fail("`if` keyword is required before rule body", target)


def _is_string(term: Term) -> bool:
    return isinstance(term, Scalar) and isinstance(term.value, str)


def _ref_text(ref: Ref) -> str:
    out = ref.terms[0].name  # type: ignore[attr-defined]
    for t in ref.terms[1:]:
        out += "." + str(t.value) if _is_string(t) else "[...]"  # type: ignore[attr-defined]
    return out


def _true_expr(loc: Location) -> Expr:
    return Expr(Scalar(True, loc), False, (), loc)


def _head(target: Term, *, value: Optional[Term], assign: bool, at: Any) -> Head:
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
            fail("rule head must be a reference starting with a var", at)
        for op in ref.terms[1:]:
            if not isinstance(op, (Scalar, Var, Ref)) and not _is_ground_term(op):
                fail("rule head ref operands must be strings, numbers, booleans or vars", op)
    else:
        fail("rule head must be a name, a reference or a function", at)
    if isinstance(ref.terms[0], Var) and ref.terms[0].is_wildcard:
        fail("rule name cannot be a wildcard", at)
    if value is None:
        value = Scalar(True, target.loc)
    return Head(ref, args, None, value, assign, target.loc)


def _is_ground_term(term: Term) -> bool:
    return isinstance(term, (Array, Object, Set))


def _rules(head: Head, bodies) -> list:
    """One Rule per body (v0 allows several), the else chain on the last."""
    if bodies is None:
        return [Rule(head, (_true_expr(head.loc),), None, False, head.loc)]
    kind, body_list, elses = bodies
    else_rule = None
    for op, value, else_kind, kw, body in reversed(elses):
        if else_kind == "brace" and _v1_rules():
            fail("`if` keyword is required before rule body", kw)
        if head.key is not None:
            fail("`else` cannot be used with multi-value rules", kw)
        else_value = value if value is not None else Scalar(True, loc_of(kw))
        else_head = Head(head.ref, head.args, None, else_value, op is not None and op.type == "ASSIGN", loc_of(kw))
        if body is None:
            body = (_true_expr(loc_of(kw)),)
        else_rule = Rule(else_head, body, else_rule, False, loc_of(kw))
    rules = [Rule(head, b, None, False, head.loc) for b in body_list]
    if else_rule is not None:
        last = rules[-1]
        rules[-1] = Rule(last.head, last.body, else_rule, False, last.loc)
    return rules
