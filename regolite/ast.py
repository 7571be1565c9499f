"""The Rego abstract syntax tree.

Nodes are frozen dataclasses. Every node carries a `loc` (file, row, col) that
takes no part in equality, so two parses of the same text in different layouts
compare equal. The tree follows OPA's AST: operators are calls to the builtins
they stand for (`x == 1` is `equal(x, 1)`, `x := 1` is `assign(x, 1)`,
`x in xs` is `internal.member_2(x, xs)`), a reference is a list of terms
whose first is a variable or a composite, and `to_json()` gives the shape of
`opa parse --format json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Iterator, Optional, Union


@dataclass(frozen=True, slots=True)
class Location:
    """Where a node starts in its source: file name, 1-based row and column."""

    file: str
    row: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.col}"

    def to_json(self) -> dict:
        return {"file": self.file, "row": self.row, "col": self.col}


NOWHERE = Location("", 0, 0)


def _loc() -> Any:
    return field(default=NOWHERE, compare=False, repr=False)


class Node:
    """Base class of every AST node."""

    __slots__ = ()

    def children(self) -> Iterator["Node"]:
        """The direct child nodes, in source order."""
        names = _CHILD_FIELDS.get(type(self))
        if names is None:
            names = _CHILD_FIELDS[type(self)] = tuple(f.name for f in fields(self) if f.name != "loc")  # type: ignore[arg-type]
        for name in names:
            value = getattr(self, name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                yield from _nodes_in(value)


_CHILD_FIELDS: dict = {}  # node class -> names of its fields that may hold nodes


def _nodes_in(value: Any) -> Iterator[Node]:
    if isinstance(value, Node):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes_in(item)


def walk(node: Node) -> Iterator[Node]:
    """Every node below `node`, `node` first, depth first in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(current.children())))


# --- terms ------------------------------------------------------------------


class Term(Node):
    __slots__ = ()


@dataclass(frozen=True, slots=True, eq=False)
class Scalar(Term):
    """null, a boolean, a number (int kept exact, or float) or a string.

    Equality follows Rego, not Python: `true` is not `1`.
    """

    value: Union[None, bool, int, float, str]
    loc: Location = _loc()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scalar):
            return NotImplemented
        a, b = self.value, other.value
        return (type(a) is bool) == (type(b) is bool) and a == b and (type(a) is str) == (type(b) is str)

    def __hash__(self) -> int:
        return hash((type(self.value) is bool, self.value))

    def to_json(self) -> dict:
        v = self.value
        if v is None:
            return {"type": "null"}
        if isinstance(v, bool):
            return {"type": "boolean", "value": v}
        if isinstance(v, (int, float)):
            return {"type": "number", "value": v}
        return {"type": "string", "value": v}


@dataclass(frozen=True, slots=True)
class Var(Term):
    """A variable. `_` is a wildcard; the parser renames each to `$0`, `$1`..."""

    name: str
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "var", "value": self.name}

    @property
    def is_wildcard(self) -> bool:
        return self.name.startswith("$")


@dataclass(frozen=True, slots=True)
class Ref(Term):
    """A reference: a head term (a var, or a composite or call) then operands.

    `input.a[x]` is Ref((Var("input"), Scalar("a"), Var("x"))).
    """

    terms: tuple[Term, ...]
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "ref", "value": [t.to_json() for t in self.terms]}

    @property
    def head(self) -> Term:
        return self.terms[0]

    def dotted(self) -> Optional[str]:
        """`a.b.c` for a ref of a var and string operands that are identifiers, else None."""
        head = self.terms[0]
        if not isinstance(head, Var):
            return None
        parts = [head.name]
        for t in self.terms[1:]:
            if not (isinstance(t, Scalar) and isinstance(t.value, str) and t.value.isidentifier()):
                return None
            parts.append(t.value)
        return ".".join(parts)


@dataclass(frozen=True, slots=True)
class Array(Term):
    items: tuple[Term, ...]
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "array", "value": [t.to_json() for t in self.items]}


@dataclass(frozen=True, slots=True)
class Object(Term):
    items: tuple[tuple[Term, Term], ...]
    loc: Location = _loc()

    def children(self) -> Iterator[Node]:
        for k, v in self.items:
            yield k
            yield v

    def to_json(self) -> dict:
        return {"type": "object", "value": [[k.to_json(), v.to_json()] for k, v in self.items]}


@dataclass(frozen=True, slots=True)
class Set(Term):
    items: tuple[Term, ...]
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "set", "value": [t.to_json() for t in self.items]}


@dataclass(frozen=True, slots=True)
class Call(Term):
    """A call of a builtin or user function; `func` is its name as a ref."""

    func: Ref
    args: tuple[Term, ...]
    loc: Location = _loc()

    @property
    def name(self) -> str:
        return self.func.dotted() or ""

    def to_json(self) -> dict:
        return {"type": "call", "value": [self.func.to_json()] + [a.to_json() for a in self.args]}


@dataclass(frozen=True, slots=True)
class ArrayComprehension(Term):
    term: Term
    body: "Body"
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "arraycomprehension", "value": {"term": self.term.to_json(), "body": body_json(self.body)}}


@dataclass(frozen=True, slots=True)
class SetComprehension(Term):
    term: Term
    body: "Body"
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "setcomprehension", "value": {"term": self.term.to_json(), "body": body_json(self.body)}}


@dataclass(frozen=True, slots=True)
class ObjectComprehension(Term):
    key: Term
    value: Term
    body: "Body"
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {
            "type": "objectcomprehension",
            "value": {"key": self.key.to_json(), "value": self.value.to_json(), "body": body_json(self.body)},
        }


@dataclass(frozen=True, slots=True)
class TemplateString(Term):
    """`$"text {expr} text"`: parts are strings and embedded terms."""

    parts: tuple[Union[str, Term], ...]
    raw: bool = False
    loc: Location = _loc()

    def children(self) -> Iterator[Node]:
        for p in self.parts:
            if isinstance(p, Node):
                yield p

    def to_json(self) -> dict:
        return {
            "type": "templatestring",
            "value": [p if isinstance(p, str) else p.to_json() for p in self.parts],
        }


@dataclass(frozen=True, slots=True)
class Block(Term):
    """A body used as an expression: `not { a; b }` (after `import rego.v2`)."""

    body: "Body"
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "body", "value": body_json(self.body)}


@dataclass(frozen=True, slots=True)
class BuiltinRef(Term):
    """A builtin function named as a value: only `with f as count` makes one
    (name resolution turns the bare name into this)."""

    name: str
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"type": "ref", "value": [{"type": "var", "value": self.name}]}


# --- expressions and bodies ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class With(Node):
    """`with target as value`."""

    target: Term
    value: Term
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"target": self.target.to_json(), "value": self.value.to_json()}


@dataclass(frozen=True, slots=True)
class SomeDecl(Node):
    """`some x, y` (symbols are vars) or `some x in xs` (one member call)."""

    symbols: tuple[Term, ...]
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"symbols": [s.to_json() for s in self.symbols]}


@dataclass(frozen=True, slots=True)
class Every(Node):
    """`every k, v in domain { body }` (key is None without `k,`)."""

    key: Optional[Var]
    value: Var
    domain: Term
    body: "Body"
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {
            "key": self.key.to_json() if self.key else None,
            "value": self.value.to_json(),
            "domain": self.domain.to_json(),
            "body": body_json(self.body),
        }


@dataclass(frozen=True, slots=True)
class Expr(Node):
    """One literal of a body: a term, call, some-declaration or every."""

    term: Union[Term, SomeDecl, Every]
    negated: bool = False
    with_: tuple[With, ...] = ()
    loc: Location = _loc()
    # `not expr` where `not` negates a body (`import future.keywords[.not]`): nothing of
    # expr is evaluated before the negation (compiler/negation.py says what otherwise is)
    not_body: bool = False

    def to_json(self) -> dict:
        t = self.term
        if isinstance(t, Call):
            terms: Any = [t.func.to_json()] + [a.to_json() for a in t.args]
        elif isinstance(t, SomeDecl):
            terms = {"type": "somedecl", "value": t.to_json()}
        elif isinstance(t, Every):
            terms = {"type": "every", "value": t.to_json()}
        else:
            terms = t.to_json()
        out: dict = {"terms": terms}
        if self.negated:
            out["negated"] = True
        if self.with_:
            out["with"] = [w.to_json() for w in self.with_]
        return out


Body = tuple  # tuple[Expr, ...]


def body_json(body: Body) -> list:
    out = []
    for i, expr in enumerate(body):
        j = expr.to_json()
        out.append({"index": i, **j})
    return out


# --- rules and modules --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Head(Node):
    """A rule head.

    `ref` is the rule's name as a ref (`p`, `a.b.c`, `p[k]`); `args` are a
    function's parameters (None for rules that are not functions); `key` is
    the element of a multi-value (set) rule; `value` is the value (None for
    multi-value rules). `assign` is True when written with `:=`.
    """

    ref: Ref
    args: Optional[tuple[Term, ...]] = None
    key: Optional[Term] = None
    value: Optional[Term] = None
    assign: bool = False
    loc: Location = _loc()

    @property
    def name(self) -> str:
        """The leading dotted part of the ref (`a.b` for `a.b[x]`)."""
        parts = []
        for i, t in enumerate(self.ref.terms):
            if i == 0:
                parts.append(t.name)  # type: ignore[attr-defined]
            elif isinstance(t, Scalar) and isinstance(t.value, str):
                parts.append(t.value)
            else:
                break
        return ".".join(parts)

    def to_json(self) -> dict:
        out: dict = {"name": self.name, "ref": [t.to_json() for t in self.ref.terms]}
        if self.args is not None:
            out["args"] = [a.to_json() for a in self.args]
        if self.key is not None:
            out["key"] = self.key.to_json()
        if self.value is not None:
            out["value"] = self.value.to_json()
        if self.assign:
            out["assign"] = True
        return out


@dataclass(frozen=True, slots=True)
class Rule(Node):
    """A rule: head, body and optional `else` rule (its head shares the ref)."""

    head: Head
    body: Body
    else_: Optional["Rule"] = None
    default: bool = False
    loc: Location = _loc()

    def to_json(self) -> dict:
        out: dict = {"head": self.head.to_json(), "body": body_json(self.body)}
        if self.default:
            out["default"] = True
        if self.else_ is not None:
            out["else"] = self.else_.to_json()
        return out


@dataclass(frozen=True, slots=True)
class Import(Node):
    path: Ref
    alias: Optional[str] = None
    loc: Location = _loc()

    def to_json(self) -> dict:
        out: dict = {"path": self.path.to_json()}
        if self.alias:
            out["alias"] = self.alias
        return out


@dataclass(frozen=True, slots=True)
class Package(Node):
    """`package a.b` has path `data.a.b` (as OPA stores it)."""

    path: Ref
    loc: Location = _loc()

    def to_json(self) -> dict:
        return {"path": [t.to_json() for t in self.path.terms]}

    @property
    def name(self) -> str:
        return ".".join(str(t.value) for t in self.path.terms[1:])  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Module(Node):
    package: Package
    imports: tuple[Import, ...]
    rules: tuple[Rule, ...]
    rego_version: str = "v1"
    loc: Location = _loc()

    def to_json(self) -> dict:
        out: dict = {"package": self.package.to_json()}
        if self.imports:
            out["imports"] = [i.to_json() for i in self.imports]
        if self.rules:
            out["rules"] = [r.to_json() for r in self.rules]
        return out


@dataclass(frozen=True, slots=True)
class Query(Node):
    """A query (what `opa eval` takes): a body of expressions."""

    body: Body
    loc: Location = _loc()

    def to_json(self) -> list:
        return body_json(self.body)


def ref_of(*names: str, loc: Location = NOWHERE) -> Ref:
    """A ref `a.b.c` from its parts: the first a var, the rest strings."""
    head, *rest = names
    return Ref((Var(head, loc),) + tuple(Scalar(n, loc) for n in rest), loc)
