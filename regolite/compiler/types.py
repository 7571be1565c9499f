"""OPA's type algebra (its `types` package), for the compile-time type checker.

A type is one of: the scalars NULL, BOOLEAN, NUMBER, STRING; `Array` (types of
its first elements, and of the rest); `Object` (types of named keys, and of
the rest); `SetOf`; `AnyOf` (a union; the empty union ANY is every type) and
`Function`. None stands for "not known yet" (OPA's nil type).

`or_` joins two types, `unifies` says whether two types can describe one
value, `keys`/`values`/`select` give what a reference into a type reaches,
`sprint` writes a type as OPA's messages do. Object keys are Rego values
(str, int/float, bool, None) and compare as OPA's util.Compare does.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Optional, Sequence


class Type:
    """Base of types; `rank` is OPA's order of kinds (types.Compare)."""

    __slots__ = ()
    rank = -1


class Scalar(Type):
    """null, boolean, number or string."""

    __slots__ = ("name", "rank")

    def __init__(self, name: str, rank: int) -> None:
        self.name = name
        self.rank = rank

    def __repr__(self) -> str:
        return self.name


NULL = Scalar("null", 0)
BOOLEAN = Scalar("boolean", 1)
NUMBER = Scalar("number", 2)
STRING = Scalar("string", 3)


class Array(Type):
    """An array: `static` types of its first elements, `dynamic` (or None) of the rest."""

    __slots__ = ("static", "dynamic")
    rank = 4

    def __init__(self, static: Sequence[Optional[Type]] = (), dynamic: Optional[Type] = None) -> None:
        self.static = tuple(static)
        self.dynamic = dynamic

    def select(self, pos: int) -> Optional[Type]:
        if pos >= 0:
            if pos < len(self.static):
                return self.static[pos]
            return self.dynamic
        return None


class Object(Type):
    """An object: `static` (key, type) pairs sorted by key, `dynamic` (key type, value type) or None."""

    __slots__ = ("static", "dynamic")
    rank = 5

    def __init__(self, static: Sequence[tuple] = (), dynamic: Optional[tuple] = None) -> None:
        self.static = tuple(sorted(static, key=lambda kv: key_order(kv[0])))
        self.dynamic = dynamic

    def keys(self) -> list:
        return [k for k, _ in self.static]

    def dynamic_value(self) -> Optional[Type]:
        return self.dynamic[1] if self.dynamic is not None else None

    def select(self, name: Any) -> Optional[Type]:
        want = key_order(name)
        for k, v in self.static:
            if key_order(k) == want:
                return v
        if self.dynamic is not None and contains(self.dynamic[0], type_of(name)):
            return self.dynamic[1]
        return None


class SetOf(Type):
    """A set of `of`."""

    __slots__ = ("of",)
    rank = 6

    def __init__(self, of: Optional[Type]) -> None:
        self.of = of


class AnyOf(Type):
    """A union of `of` (sorted, no duplicates); empty: any type."""

    __slots__ = ("of",)
    rank = 7

    def __init__(self, of: Sequence[Type] = ()) -> None:
        self.of = tuple(of)

    def contains(self, other: Optional[Type]) -> bool:
        if isinstance(other, Function):
            return False
        return any(compare(t, other) == 0 for t in self.of) or not self.of

    def merge(self, other: Type) -> "AnyOf":
        if isinstance(other, AnyOf):
            return self.union(other)
        if self.contains(other):
            return self
        return AnyOf(sorted_types(self.of + (other,)))

    def union(self, other: "AnyOf") -> "AnyOf":
        if not self.of:
            return self
        if not other.of:
            return other
        out: list = list(self.of)
        for t in other.of:
            if not any(compare(t, u) == 0 for u in out):
                out.append(t)
        return AnyOf(sorted_types(out))


ANY = AnyOf(())


class Function(Type):
    """A function's argument types, result type (None: no result) and variadic argument type."""

    __slots__ = ("args", "result", "variadic")
    rank = 8

    def __init__(self, args: Sequence[Optional[Type]], result: Optional[Type], variadic: Optional[Type] = None) -> None:
        self.args = tuple(args)
        self.result = result
        self.variadic = variadic

    def arg(self, i: int) -> Optional[Type]:
        return self.args[i] if i < len(self.args) else self.variadic

    def union(self, other: "Function") -> Optional["Function"]:
        if len(self.args) != len(other.args) or (self.variadic is None) != (other.variadic is None):
            return None
        return Function([or_(a, b) for a, b in zip(self.args, other.args)], or_(self.result, other.result),
                        or_(self.variadic, other.variadic))


def _rank(t: Optional[Type]) -> int:
    return -1 if t is None else t.rank


def key_order(value: Any) -> tuple:
    """A sort key for a Rego value as OPA's util.Compare orders them."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, (int, float, Fraction)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, (list, tuple)):
        return (4, tuple(key_order(v) for v in value))
    if isinstance(value, dict):
        return (5, tuple(sorted((key_order(k), key_order(v)) for k, v in value.items())))
    return (6, repr(value))


def compare(a: Optional[Type], b: Optional[Type]) -> int:
    """OPA's types.Compare: -1, 0 or 1."""
    x, y = _rank(a), _rank(b)
    if x != y:
        return 1 if x > y else -1
    if a is None or isinstance(a, Scalar):
        return 0
    if isinstance(a, Array):
        if (a.dynamic is None) != (b.dynamic is None):
            return 1 if a.dynamic is not None else -1
        if a.dynamic is not None:
            c = compare(a.dynamic, b.dynamic)
            if c:
                return c
        return _compare_seq(a.static, b.static)
    if isinstance(a, Object):
        if (a.dynamic is None) != (b.dynamic is None):
            return 1 if a.dynamic is not None else -1
        if a.dynamic is not None:
            c = compare(a.dynamic[0], b.dynamic[0]) or compare(a.dynamic[1], b.dynamic[1])
            if c:
                return c
        for (ka, va), (kb, vb) in zip(a.static, b.static):
            oa, ob = key_order(ka), key_order(kb)
            if oa != ob:
                return -1 if oa < ob else 1
            c = compare(va, vb)
            if c:
                return c
        return (len(a.static) > len(b.static)) - (len(a.static) < len(b.static))
    if isinstance(a, SetOf):
        return compare(a.of, b.of)
    if isinstance(a, AnyOf):
        return _compare_seq(a.of, b.of)
    c = _compare_seq(a.args, b.args) if len(a.args) == len(b.args) else (1 if len(a.args) > len(b.args) else -1)
    return c or compare(a.result, b.result) or compare(a.variadic, b.variadic)


def _compare_seq(a: Sequence, b: Sequence) -> int:
    for x, y in zip(a, b):
        c = compare(x, y)
        if c:
            return c
    return (len(a) > len(b)) - (len(a) < len(b))


def sorted_types(ts: Sequence[Type]) -> list:
    import functools

    return sorted(ts, key=functools.cmp_to_key(compare))


def contains(a: Optional[Type], b: Optional[Type]) -> bool:
    """Is `a` a superset of (or equal to) `b`?"""
    if isinstance(a, AnyOf):
        return a.contains(b)
    return compare(a, b) == 0


def or_(a: Optional[Type], b: Optional[Type]) -> Optional[Type]:
    """The union of two types (OPA's types.Or)."""
    if a is None:
        return b
    if b is None:
        return a
    fa, fb = isinstance(a, Function), isinstance(b, Function)
    if fa and fb:
        return a.union(b)
    if fa or fb:
        return None
    if isinstance(a, AnyOf):
        return a.merge(b)
    if isinstance(b, AnyOf):
        return b.merge(a)
    if compare(a, b) == 0:
        return a
    return AnyOf(sorted_types([a, b]))


def type_of(value: Any) -> Optional[Type]:
    """The type of a constant Rego value."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float, Fraction)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, (list, tuple)):
        return Array([type_of(v) for v in value])
    if isinstance(value, dict):
        return Object([(k, type_of(v)) for k, v in value.items()])
    return ANY


def select(a: Optional[Type], key: Any) -> Optional[Type]:
    """The type at constant `key` of `a` (None if it cannot be there)."""
    if isinstance(a, Array):
        if isinstance(key, bool) or not isinstance(key, (int, float, Fraction)) or key != int(key):
            return None
        return a.select(int(key))
    if isinstance(a, Object):
        return a.select(key)
    if isinstance(a, SetOf):
        t = type_of(key)
        if compare(a.of, t) == 0:
            return a.of
        if isinstance(a.of, AnyOf) and a.of.contains(t):
            return t
        return None
    if isinstance(a, AnyOf):
        if not a.of:
            return ANY
        out = None
        for t in a.of:
            out = or_(select(t, key), out)
        return out
    return None


def keys(a: Optional[Type]) -> Optional[Type]:
    """The type of the keys a reference can enumerate in `a` (None: not a collection)."""
    if isinstance(a, Array):
        return NUMBER
    if isinstance(a, Object):
        return _joined([type_of(k) for k, _ in a.static], a.dynamic and a.dynamic[0])
    if isinstance(a, SetOf):
        return a.of
    if isinstance(a, AnyOf):
        return _over_union(a, keys)
    return None


def _joined(types: Sequence, dynamic: Optional[Type]) -> Optional[Type]:
    """The static parts' types and the dynamic part's (if any) joined in order."""
    out = None
    for t in types:
        out = or_(out, t)
    return or_(out, dynamic)


def _over_union(a: "AnyOf", part: Callable) -> Optional[Type]:
    """`part` (keys or values) of each type of a union, joined; any for `any`."""
    if not a.of:
        return ANY
    out = None
    for t in a.of:
        out = or_(part(t), out)
    return out


def values(a: Optional[Type]) -> Optional[Type]:
    """The type of the values a reference can enumerate in `a`."""
    if isinstance(a, Array):
        return _joined(a.static, a.dynamic)
    if isinstance(a, Object):
        return _joined([t for _, t in a.static], a.dynamic and a.dynamic[1])
    if isinstance(a, SetOf):
        return a.of
    if isinstance(a, AnyOf):
        return _over_union(a, values)
    return None


def is_nil(a: Optional[Type]) -> bool:
    """Is `a` (or a part of it) not known? (OPA's types.Nil)"""
    if a is None:
        return True
    if isinstance(a, Function):
        return any(is_nil(t) for t in a.args) or is_nil(a.result)
    if isinstance(a, Array):
        return any(is_nil(t) for t in a.static) or (a.dynamic is not None and is_nil(a.dynamic))
    if isinstance(a, Object):
        return (any(is_nil(t) for _, t in a.static)
                or (a.dynamic is not None and (is_nil(a.dynamic[0]) or is_nil(a.dynamic[1]))))
    if isinstance(a, SetOf):
        return is_nil(a.of)
    return False


def unifies(a: Optional[Type], b: Optional[Type]) -> bool:
    """Can a value have both types? (OPA's unifies in ast/check.go)"""
    if a is None or b is None:
        return False
    any_a, any_b = isinstance(a, AnyOf), isinstance(b, AnyOf)
    if any_a and _unifies_any(a, b):
        return True
    if any_b and _unifies_any(b, a):
        return True
    if any_a or any_b:
        return False
    if isinstance(a, Scalar):
        return a is b
    if isinstance(a, Array):
        return isinstance(b, Array) and _unifies_arrays(a, b)
    if isinstance(a, Object):
        return isinstance(b, Object) and _unifies_objects(a, b)
    if isinstance(a, SetOf):
        return isinstance(b, SetOf) and unifies(values(a), values(b))
    if isinstance(a, Function):
        if not isinstance(b, Function) or len(a.args) != len(b.args):
            return False
        return all(unifies(x, y) for x, y in zip(a.args, b.args))
    return False


def _unifies_any(a: AnyOf, b: Type) -> bool:
    if isinstance(b, Function):
        return False
    return any(unifies(t, b) for t in a.of) or not a.of


def _unifies_arrays(a: Array, b: Array) -> bool:
    if not all(unifies(a.select(i), b.select(i)) for i in range(len(a.static))):
        return False
    if not all(unifies(b.select(i), a.select(i)) for i in range(len(b.static))):
        return False
    return a.dynamic is None or b.dynamic is None or unifies(a.dynamic, b.dynamic)


def _unifies_objects(a: Object, b: Object) -> bool:
    if not all(unifies(a.select(k), b.select(k)) for k in a.keys()):
        return False
    if not all(unifies(b.select(k), a.select(k)) for k in b.keys()):
        return False
    return a.dynamic is None or b.dynamic is None or unifies(a.dynamic[1], b.dynamic[1])


def from_decl(decl: Optional[dict]) -> Optional[Type]:
    """The type a capabilities JSON declaration describes."""
    if decl is None:
        return None
    kind = decl["type"]
    if kind == "any":
        return AnyOf(sorted_types([from_decl(t) for t in decl.get("of", ())]))
    if kind == "array":
        dyn = decl.get("dynamic")
        return Array([from_decl(t) for t in decl.get("static") or ()], from_decl(dyn) if dyn else None)
    if kind == "set":
        return SetOf(from_decl(decl["of"]))
    if kind == "object":
        dyn = decl.get("dynamic")
        return Object([(s["key"], from_decl(s["value"])) for s in decl.get("static") or ()],
                      (from_decl(dyn["key"]), from_decl(dyn["value"])) if dyn else None)
    if kind == "function":
        return Function([from_decl(t) for t in decl.get("args") or ()], from_decl(decl.get("result")),
                        from_decl(decl.get("variadic")))
    return {"null": NULL, "boolean": BOOLEAN, "number": NUMBER, "string": STRING}.get(kind, ANY)


def sprint(t: Optional[Type]) -> str:
    """A type as OPA's messages write it ("???" when not known)."""
    if t is None:
        return "???"
    if isinstance(t, Scalar):
        return t.name
    if isinstance(t, Array):
        out = "array"
        if t.static:
            out += "<" + ", ".join(sprint(s) for s in t.static) + ">"
        if t.dynamic is not None:
            out += "[" + sprint(t.dynamic) + "]"
        return out
    if isinstance(t, Object):
        out = "object"
        if t.static:
            out += "<" + ", ".join(f"{_key_text(k)}: {sprint(v)}" for k, v in t.static) + ">"
        if t.dynamic is not None:
            out += f"[{sprint(t.dynamic[0])}: {sprint(t.dynamic[1])}]"
        return out
    if isinstance(t, SetOf):
        return f"set[{sprint(t.of)}]"
    if isinstance(t, AnyOf):
        return "any" + ("<" + ", ".join(sprint(s) for s in t.of) + ">" if t.of else "")
    args = [sprint(a) for a in t.args] + ([sprint(t.variadic) + "..."] if t.variadic is not None else [])
    return f"({', '.join(args)}) => {sprint(t.result)}"


def _key_text(key: Any) -> str:
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)
