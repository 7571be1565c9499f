"""Types in builtin signatures, mirroring OPA's capabilities JSON.

Each type gives its capabilities JSON (`to_json`), a shallow run-time check
(`check`: OPA checks only an operand's top-level type at run time) and the
name OPA prints in operand errors (`describe`). Since checks are shallow,
every type reduces to the set of Python types it admits (`python_types`,
None for any), which is what the registry's generated checks test.
"""

from __future__ import annotations

from fractions import Fraction

from dataclasses import dataclass, field
from typing import Any, Mapping

from regolite.values import RegoSet

_PYTHON_TYPES = {
    "null": frozenset((type(None),)),
    "boolean": frozenset((bool,)),
    "number": frozenset((int, float, Fraction)),
    "string": frozenset((str,)),
    "array": frozenset((list,)),
    "object": frozenset((dict,)),
    "set": frozenset((RegoSet,)),
}

# OPA's order of types (types.Compare), used to sort the members of a union.
_RANK = {"null": 0, "boolean": 1, "number": 2, "string": 3, "array": 4, "object": 5, "set": 6, "any": 7}


class Type:
    """Base of signature types."""

    __slots__ = ()
    kind: str
    python_types: frozenset | None

    def check(self, value: Any) -> bool:
        """True when `value`'s top-level type matches."""
        accepted = self.python_types
        return accepted is None or type(value) in accepted

    def describe(self) -> str:
        """The name OPA prints for this type in operand errors."""
        return self.kind

    def to_json(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Scalar(Type):
    """null, boolean, number or string."""

    kind: str
    python_types: frozenset | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "python_types", _PYTHON_TYPES[self.kind])

    def to_json(self) -> dict:
        return {"type": self.kind}


@dataclass(frozen=True, slots=True)
class ArrayType(Type):
    """An array: fixed leading element types (`static`) and/or a type for the rest."""

    static: tuple[Type, ...] = ()
    dynamic: Type | None = None
    kind = "array"
    python_types = _PYTHON_TYPES["array"]

    def to_json(self) -> dict:
        out: dict = {"type": "array"}
        if self.static:
            out["static"] = [t.to_json() for t in self.static]
        if self.dynamic is not None:
            out["dynamic"] = self.dynamic.to_json()
        return out


@dataclass(frozen=True, slots=True)
class SetType(Type):
    """A set of elements of one type."""

    of: Type
    kind = "set"
    python_types = _PYTHON_TYPES["set"]

    def to_json(self) -> dict:
        return {"type": "set", "of": self.of.to_json()}


@dataclass(frozen=True, slots=True)
class ObjectType(Type):
    """An object: named string keys (`static`, sorted) and/or (key, value) types for the rest."""

    static: tuple[tuple[str, Type], ...] = ()
    dynamic: tuple[Type, Type] | None = None
    kind = "object"
    python_types = _PYTHON_TYPES["object"]

    def to_json(self) -> dict:
        out: dict = {"type": "object"}
        if self.static:
            out["static"] = [{"key": k, "value": t.to_json()} for k, t in self.static]
        if self.dynamic is not None:
            key, value = self.dynamic
            out["dynamic"] = {"key": key.to_json(), "value": value.to_json()}
        return out


@dataclass(frozen=True, slots=True)
class AnyOf(Type):
    """`any` (no members) or a union of its members.

    `describe` keeps the members in the order given, because OPA's operand
    errors list them in each builtin's own order ("one of {object, set,
    array}"); `to_json` sorts them as OPA's type system does.
    """

    of: tuple[Type, ...] = ()
    kind = "any"
    python_types: frozenset | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        accepted: frozenset | None = frozenset()
        for t in self.of:
            if t.python_types is None:
                accepted = None
                break
            accepted |= t.python_types
        object.__setattr__(self, "python_types", None if not self.of else accepted)

    def describe(self) -> str:
        if not self.of:
            return "any"
        names = list(dict.fromkeys(t.describe() for t in self.of))
        if len(names) == 1:
            return names[0]
        return "one of {" + ", ".join(names) + "}"

    def to_json(self) -> dict:
        if not self.of:
            return {"type": "any"}
        members = sorted(self.of, key=_order_key)
        return {"type": "any", "of": [t.to_json() for t in members]}


ANY = AnyOf()
NULL = Scalar("null")
BOOLEAN = Scalar("boolean")
NUMBER = Scalar("number")
STRING = Scalar("string")


def array_of(t: Type) -> ArrayType:
    """An array whose elements all have type `t`."""
    return ArrayType(dynamic=t)


def array_tuple(*ts: Type, rest: Type | None = None) -> ArrayType:
    """An array with element i of type ts[i] (and optionally more of type `rest`)."""
    return ArrayType(static=ts, dynamic=rest)


def set_of(t: Type) -> SetType:
    """A set whose elements have type `t`."""
    return SetType(t)


def object_of(key: Type, value: Type) -> ObjectType:
    """An object with keys of type `key` and values of type `value`."""
    return ObjectType(dynamic=(key, value))


def object_static(fields: Mapping[str, Type], dynamic: tuple[Type, Type] | None = None) -> ObjectType:
    """An object with the named keys (and optionally more keys typed by `dynamic`)."""
    return ObjectType(static=tuple(sorted(fields.items())), dynamic=dynamic)


def one_of(*ts: Type) -> AnyOf:
    """A union; list members in the order the builtin's error message names them."""
    return AnyOf(tuple(dict.fromkeys(ts)))


def type_from_json(decl: Mapping) -> Type:
    """The type for a capabilities JSON type object (for reading capabilities files)."""
    kind = decl["type"]
    if kind == "any":
        return AnyOf(tuple(type_from_json(t) for t in decl.get("of", ())))
    if kind == "array":
        dynamic = decl.get("dynamic")
        return ArrayType(
            tuple(type_from_json(t) for t in decl.get("static") or ()),
            type_from_json(dynamic) if dynamic else None,
        )
    if kind == "set":
        return SetType(type_from_json(decl["of"]))
    if kind == "object":
        dynamic = decl.get("dynamic")
        return ObjectType(
            tuple((s["key"], type_from_json(s["value"])) for s in decl.get("static") or ()),
            (type_from_json(dynamic["key"]), type_from_json(dynamic["value"])) if dynamic else None,
        )
    return Scalar(kind)


def _order_key(t: Type) -> tuple:
    """A sort key following OPA's types.Compare."""
    rank = _RANK[t.kind]
    if isinstance(t, ArrayType):
        return (rank, _optional_key(t.dynamic), tuple(_order_key(s) for s in t.static))
    if isinstance(t, ObjectType):
        dynamic = (1, _order_key(t.dynamic[0]), _order_key(t.dynamic[1])) if t.dynamic else (0,)
        return (rank, dynamic, tuple((k, _order_key(v)) for k, v in t.static))
    if isinstance(t, SetType):
        return (rank, _order_key(t.of))
    if isinstance(t, AnyOf):
        return (rank, tuple(sorted(_order_key(m) for m in t.of)))
    return (rank,)


def _optional_key(t: Type | None) -> tuple:
    return (0,) if t is None else (1, _order_key(t))
