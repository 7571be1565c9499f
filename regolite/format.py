"""Rego source from the AST, in Rego v1 syntax and the layout of `opa fmt`.

The output parses back to an equal tree: `parse_module(format_module(m)) == m`
(v0 modules come out in v1 syntax). Operators are printed infix with the
parentheses their precedence needs. Comments are not in the AST, so they are
not in the output.
"""

from __future__ import annotations

import json
from fractions import Fraction
import re
from typing import Union

from regolite.ast import (
    Array, ArrayComprehension, Block, Call, Every, Expr, Head, Import, Module, Object, ObjectComprehension,
    Query, Ref, Rule, Scalar, Set, SetComprehension, SomeDecl, Term, TemplateString, Var,
)

# Binding strength, loosest first. Each infix level is left-associative.
ASSIGN, KV, IN, REL, OR, AND, ARITH, FACTOR, UNARY, TERM = range(10)

INFIX = {
    "equal": ("==", REL), "neq": ("!=", REL), "lt": ("<", REL), "lte": ("<=", REL),
    "gt": (">", REL), "gte": (">=", REL), "or": ("|", OR), "and": ("&", AND),
    "plus": ("+", ARITH), "minus": ("-", ARITH), "mul": ("*", FACTOR), "div": ("/", FACTOR),
    "rem": ("%", FACTOR), "internal.member_2": ("in", IN),
}
KEYWORDS = frozenset({
    "package", "import", "as", "default", "else", "not", "some", "with", "true", "false", "null",
    "if", "contains", "in", "every",
})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def format_module(module: Module) -> str:
    """The module as Rego v1 text: package, imports, then rules, blank-line separated."""
    sections = ["package " + _path(module.package.path.terms[1:])]
    if module.imports:
        sections.append("\n".join(_import(i) for i in module.imports))
    sections.extend("\n".join(_rule(r)) for r in module.rules)
    return "\n\n".join(sections) + "\n"


def format_query(query: Union[Query, tuple]) -> str:
    """A query (or a body) on one line, its expressions separated by `; `."""
    body = query.body if isinstance(query, Query) else query
    return _inline_body(body)


def format_term(term: Term) -> str:
    """One term or expression, as it would appear inside a body."""
    return _expr(term, IN)


# --- module level -----------------------------------------------------------------


def _path(terms) -> str:
    """A package or import path: keywords after a dot are plain names there."""
    out = terms[0].name if isinstance(terms[0], Var) else terms[0].value
    for t in terms[1:]:
        out += "." + t.value if _NAME.match(t.value) else "[" + _string(t.value) + "]"
    return out


def _import(imp: Import) -> str:
    text = "import " + _path(imp.path.terms)
    return text + " as " + imp.alias if imp.alias else text


def _rule(rule: Rule) -> list[str]:
    head = rule.head
    if rule.default:
        return ["default " + _head_target(head) + _value_op(head) + _expr(head.value, IN)]
    if head.key is not None:
        text = _head_target(head) + " contains " + _expr(head.key, IN)
    elif _implicit_true(head) and not _is_true_body(rule.body):
        text = _head_target(head)
    else:
        text = _head_target(head) + _value_op(head) + _expr(head.value, IN)
    lines = [text]
    if rule.else_ is not None or not _is_true_body(rule.body):
        _attach_body(lines, rule.body)
    else_ = rule.else_
    while else_ is not None:
        bodiless = _is_true_body(else_.body)
        clause = "else"
        if bodiless or not _implicit_true(else_.head):
            clause += _value_op(else_.head) + _expr(else_.head.value, IN)
        lines[-1] += " " + clause
        if not bodiless:
            _attach_body(lines, else_.body)
        else_ = else_.else_
    return lines


def _head_target(head: Head) -> str:
    ref = _ref(head.ref)
    if head.args is None:
        return ref
    return ref + "(" + ", ".join(_expr(a, IN) for a in head.args) + ")"


def _value_op(head: Head) -> str:
    return " := " if head.assign else " = "


def _implicit_true(head: Head) -> bool:
    """Can the head drop its value (`p if ...` means `p = true if ...`)?

    Not for `p[x]`: without a value that head is a multi-value rule.
    """
    v = head.value
    if head.assign or not (isinstance(v, Scalar) and v.value is True):
        return False
    last = head.ref.terms[-1]
    return head.args is not None or len(head.ref.terms) == 1 or _is_string(last)


def _is_true_body(body) -> bool:
    """Is this the body the parser gives a rule written without one?"""
    if len(body) != 1:
        return False
    e = body[0]
    return isinstance(e.term, Scalar) and e.term.value is True and not e.negated and not e.with_


def _attach_body(lines: list[str], body) -> None:
    lines[-1] += " if {"
    lines.extend("\t" + line for line in _body_lines(body))
    lines.append("}")


# --- bodies and literals --------------------------------------------------------------


def _body_lines(body) -> list[str]:
    """A body one literal a line. A literal that starts with `-` would continue
    the line before it (the newline is whitespace after a complete operand),
    so that line ends in `;`."""
    lines: list[str] = []
    for expr in body:
        literal = _literal_lines(expr)
        if lines and literal[0].startswith("-"):
            lines[-1] += ";"
        lines.extend(literal)
    return lines


def _inline_body(body) -> str:
    return "; ".join(_literal_lines(e, inline=True)[0] for e in body)


def _literal_lines(expr: Expr, inline: bool = False) -> list[str]:
    t = expr.term
    if isinstance(t, SomeDecl):
        lines = [_some(t)]
    elif isinstance(t, Every):
        domain = _expr(t.domain, REL)
        names = _var(t.value) if t.key is None else _var(t.key) + ", " + _var(t.value)
        lines = _block(f"every {names} in {domain}", t.body, inline)
    elif isinstance(t, Block):
        if not expr.negated:
            raise ValueError("a body block can only be printed negated (`not { ... }`)")
        lines = _block("not", t.body, inline)
    else:
        text = _top_expr(t)
        if expr.negated:
            # after `not` (with `import rego.v2`) a `{` opens a body, not a set or object
            text = "not " + ("(" + text + ")" if text.startswith("{") else text)
        lines = [text]
    for w in expr.with_:
        lines[-1] += " with " + _expr(w.target, IN) + " as " + _expr(w.value, IN)
    return lines


def _block(opening: str, body, inline: bool) -> list[str]:
    if inline:
        return [opening + " { " + _inline_body(body) + " }"]
    return [opening + " {"] + ["\t" + line for line in _body_lines(body)] + ["}"]


def _some(decl: SomeDecl) -> str:
    if len(decl.symbols) == 1 and isinstance(decl.symbols[0], Call):
        call = decl.symbols[0]
        if call.name in ("internal.member_2", "internal.member_3"):
            *names, domain = call.args
            return "some " + ", ".join(_expr(n, REL) for n in names) + " in " + _expr(domain, REL)
    return "some " + ", ".join(_expr(s, REL) for s in decl.symbols)


def _top_expr(term: Term) -> str:
    """The term of a literal, where `:=`, `=` and `k, v in xs` may stand bare."""
    if isinstance(term, Call) and len(term.args) == 2 and term.name in ("assign", "eq"):
        op = " := " if term.name == "assign" else " = "
        return _expr(term.args[0], IN) + op + _expr(term.args[1], IN)
    return _expr(term, KV)


# --- terms and operators ----------------------------------------------------------------


def _expr(term: Term, level: int, in_collection: bool = False) -> str:
    """`term` where the context binds at `level`: parenthesised if it binds looser.

    In a collection, an `|` on the operator spine is parenthesised too:
    `[a | b]` would read as a comprehension.
    """
    if isinstance(term, Call):
        name = term.name
        if name == "minus" and _is_negation(term):
            text = "-" + _expr(term.args[1], UNARY, in_collection)
            return "(" + text + ")" if level > UNARY else text
        if name in INFIX and len(term.args) == 2:
            symbol, own = INFIX[name]
            lhs = _expr(term.args[0], own, in_collection)
            rhs = _expr(term.args[1], own + 1, in_collection)
            text = f"{lhs} {symbol} {rhs}"
            return "(" + text + ")" if own < level or in_collection and name == "or" else text
        if name == "internal.member_3" and len(term.args) == 3:
            text = ", ".join(_expr(a, REL) for a in term.args[:2]) + " in " + _expr(term.args[2], REL)
            return text if level <= KV else "(" + text + ")"
    if isinstance(term, Scalar) and isinstance(term.value, (int, float, Fraction)) and not isinstance(term.value, bool):
        text = _number(term.value)
        return "(" + text + ")" if text.startswith("-") and level > UNARY else text
    return _term(term)


def _is_negation(call: Call) -> bool:
    """Is this `minus(0, x)`, which `-x` parses to? Not when x is a number:
    `-5` parses to the number -5."""
    if len(call.args) != 2:
        return False
    zero, operand = call.args
    if not (isinstance(zero, Scalar) and type(zero.value) is int and zero.value == 0):
        return False
    return not (isinstance(operand, Scalar) and type(operand.value) in (int, float, Fraction))


def _term(term: Term) -> str:
    if isinstance(term, Scalar):
        return _scalar(term.value)
    if isinstance(term, Var):
        return _var(term)
    if isinstance(term, Ref):
        return _ref(term)
    if isinstance(term, Call):
        return _ref(term.func) + "(" + ", ".join(_expr(a, IN) for a in term.args) + ")"
    if isinstance(term, Array):
        return "[" + ", ".join(_expr(t, IN, True) for t in term.items) + "]"
    if isinstance(term, Set):
        if not term.items:
            return "set()"
        return "{" + ", ".join(_expr(t, IN, True) for t in term.items) + "}"
    if isinstance(term, Object):
        return "{" + ", ".join(_expr(k, IN, True) + ": " + _expr(v, IN, True) for k, v in term.items) + "}"
    if isinstance(term, ArrayComprehension):
        return "[" + _expr(term.term, TERM) + " | " + _inline_body(term.body) + "]"
    if isinstance(term, SetComprehension):
        return "{" + _expr(term.term, TERM) + " | " + _inline_body(term.body) + "}"
    if isinstance(term, ObjectComprehension):
        key = _expr(term.key, IN, True)
        return "{" + key + ": " + _expr(term.value, TERM) + " | " + _inline_body(term.body) + "}"
    if isinstance(term, TemplateString):
        return _template(term)
    if isinstance(term, Block):
        raise ValueError("a body block can only be printed negated (`not { ... }`)")
    raise ValueError(f"cannot format {type(term).__name__}")


def _ref(ref: Ref) -> str:
    head = ref.terms[0]
    if isinstance(head, Scalar) and not isinstance(head.value, str):
        text = "(" + _term(head) + ")"  # `1.x` or `true[0]` would not lex as a ref
    else:
        text = _expr(head, TERM)
    for t in ref.terms[1:]:
        if _is_string(t) and _NAME.match(t.value) and t.value not in KEYWORDS:
            text += "." + t.value
        else:
            text += "[" + _expr(t, IN) + "]"
    return text


def _var(var: Term) -> str:
    if isinstance(var, Var):
        return "_" if var.is_wildcard else var.name
    return _term(var)  # `input` and `data` are one-term refs


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    return _number(value)


def _number(value) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        # An exact decimal the parser kept (1e-400): digits and a power of ten.
        scale = 0
        while (value * 10**scale).denominator != 1:
            scale += 1
        return f"{(value * 10**scale).numerator}e-{scale}"
    return repr(value)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _template(term: TemplateString) -> str:
    out = []
    for part in term.parts:
        if not isinstance(part, str):
            out.append("{" + _expr(part, IN) + "}")
        elif term.raw:
            out.append(part)
        else:
            out.append(_string(part)[1:-1].replace("{", "\\{").replace("}", "\\}"))
    quote = "`" if term.raw else '"'
    return "$" + quote + "".join(out) + quote


def _is_string(term: Term) -> bool:
    return isinstance(term, Scalar) and isinstance(term.value, str)
