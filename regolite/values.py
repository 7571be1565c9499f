"""Rego values on native Python objects.

null, booleans, numbers, strings, arrays and objects are None, bool, int or
float, str, list and dict, so JSON-like input is used without copying. Sets
are `RegoSet`. Two Python habits clash with Rego and are handled here:
`True == 1` (with equal hashes) and unhashable composites. Both are solved by
frozen keys: `freeze(v)` gives a hashable key with Rego equality, in which
true and false are sentinels that never equal 1 and 0.

Objects are plain dicts whose keys are frozen keys. A str is its own frozen
form, so JSON objects are valid Rego objects as they are; `{true: 1, [1]: 2}`
is `{freeze(True): 1, freeze([1]): 2}`. Use `object_get` for lookups with a
key that may not be a str.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any, Iterable, Iterator, Optional


class _Sentinel:
    """A unique named marker; pickles and copies to the same module global."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name


class _Undefined(_Sentinel):
    __slots__ = ()

    def __bool__(self) -> bool:
        return False


UNDEFINED = _Undefined("UNDEFINED")

# Frozen forms of true and false, and the tags that open frozen composites.
_TRUE = _Sentinel("_TRUE")
_FALSE = _Sentinel("_FALSE")
_ARRAY = _Sentinel("_ARRAY")
_OBJECT = _Sentinel("_OBJECT")
_SET = _Sentinel("_SET")


class RegoSet:
    """A Rego set: elements compare with Rego equality (true != 1, [1] == [1.0]).

    Held as a dict from frozen key to the element as given, so iteration
    yields the original values without thawing. Iteration follows insertion
    order; use `sorted()` for OPA's order.
    """

    __slots__ = ("_items",)
    __hash__ = None  # type: ignore[assignment]  # mutable; freeze() keys sets

    def __init__(self, iterable: Iterable[Any] = ()) -> None:
        items: dict = {}
        add = items.setdefault
        for v in iterable:
            add(v if type(v) is str else freeze(v), v)
        self._items = items

    @classmethod
    def _wrap(cls, items: dict) -> RegoSet:
        s = cls.__new__(cls)
        s._items = items
        return s

    def add(self, value: Any) -> None:
        self._items.setdefault(value if type(value) is str else freeze(value), value)

    def add_known(self, value: Any, frozen: dict) -> None:
        """`add`, remembering the frozen keys of arrays and objects by identity
        in `frozen` (an evaluation's cache, see `Context.frozen`): the same
        input object added to sets by many rules is frozen once."""
        t = type(value)
        if t is str:
            self._items.setdefault(value, value)
        elif t is dict or t is list:
            hit = frozen.get(id(value))
            if hit is None or hit[0] is not value:
                hit = frozen[id(value)] = (value, freeze(value))
            self._items.setdefault(hit[1], value)
        else:
            self._items.setdefault(freeze(value), value)

    def __contains__(self, value: Any) -> bool:
        return (value if type(value) is str else freeze(value)) in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if type(other) is not RegoSet:
            return NotImplemented
        return self._items.keys() == other._items.keys()

    def union(self, other: RegoSet) -> RegoSet:
        items = self._items.copy()
        for k, v in other._items.items():
            items.setdefault(k, v)
        return RegoSet._wrap(items)

    def intersection(self, other: RegoSet) -> RegoSet:
        theirs = other._items
        return RegoSet._wrap({k: v for k, v in self._items.items() if k in theirs})

    def difference(self, other: RegoSet) -> RegoSet:
        theirs = other._items
        return RegoSet._wrap({k: v for k, v in self._items.items() if k not in theirs})

    def copy(self) -> RegoSet:
        return RegoSet._wrap(self._items.copy())

    def sorted(self) -> list:
        """The elements in OPA's order (the order OPA iterates and prints sets)."""
        if len(self._items) < 2:
            return list(self._items.values())
        return sorted(self._items.values(), key=sort_key)

    def frozen_keys(self):
        """The elements' frozen keys (a set-like view)."""
        return self._items.keys()

    def __repr__(self) -> str:
        if not self._items:
            return "set()"
        return "{" + ", ".join(to_text(v) for v in self.sorted()) + "}"


# --- frozen keys -------------------------------------------------------------


def freeze(value: Any) -> Any:
    """A hashable key for `value` with Rego equality (see module docstring)."""
    t = type(value)
    if t is str or t is int or t is float or value is None or t is Fraction:
        return value
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if t is list:
        return (_ARRAY, *[v if type(v) is str else freeze(v) for v in value])
    if t is dict:
        return (_OBJECT, frozenset([(k, v if type(v) is str else freeze(v)) for k, v in value.items()]))
    if t is RegoSet:
        return (_SET, frozenset(value._items))
    raise TypeError(f"not a Rego value: {t.__name__}")


def thaw(key: Any) -> Any:
    """The value a frozen key stands for: the inverse of `freeze`."""
    if type(key) is not tuple:
        if key is _TRUE:
            return True
        if key is _FALSE:
            return False
        return key
    tag = key[0]
    if tag is _ARRAY:
        return [k if type(k) is str else thaw(k) for k in key[1:]]
    if tag is _OBJECT:
        return {k: thaw(v) for k, v in key[1]}
    return RegoSet._wrap({k: thaw(k) for k in key[1]})


# --- objects -----------------------------------------------------------------


def make_object(pairs: Iterable[tuple[Any, Any]]) -> dict:
    """An object from (key, value) pairs; a later duplicate key overwrites."""
    return {(k if type(k) is str else freeze(k)): v for k, v in pairs}


def object_get(obj: dict, key: Any, default: Any = UNDEFINED) -> Any:
    """`obj[key]` with Rego key equality, or `default` when absent."""
    return obj.get(key if type(key) is str else freeze(key), default)


def object_items(obj: dict) -> Iterator[tuple[Any, Any]]:
    """The (key, value) pairs of an object, keys thawed."""
    for k, v in obj.items():
        yield (k if type(k) is str else thaw(k)), v


def sorted_object_items(obj: dict) -> list:
    """(thawed key, value) pairs in OPA's key order (the order OPA iterates objects)."""
    if all(type(k) is str for k in obj):
        return [(k, obj[k]) for k in sorted(obj)]
    return sorted(object_items(obj), key=lambda kv: sort_key(kv[0]))


def object_keys(obj: dict) -> Iterator[Any]:
    """The keys of an object, thawed."""
    for k in obj:
        yield k if type(k) is str else thaw(k)


# --- equality and order ------------------------------------------------------


def equal(a: Any, b: Any) -> bool:
    """Rego deep equality: true != 1, 1 == 1.0, sets and objects by content."""
    if a is b:
        return True
    ta = type(a)
    tb = type(b)
    if ta is str or tb is str:
        return ta is tb and a == b
    if ta is bool or tb is bool:
        return False  # identical booleans were caught by `a is b`
    if ta is list:
        if tb is not list or len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if x is not y and not equal(x, y):
                return False
        return True
    if ta is dict:
        if tb is not dict or len(a) != len(b):
            return False
        for k, x in a.items():
            y = b.get(k, UNDEFINED)
            if y is UNDEFINED or (x is not y and not equal(x, y)):
                return False
        return True
    if ta is RegoSet:
        return tb is RegoSet and a._items.keys() == b._items.keys()
    if tb is list or tb is dict or tb is RegoSet:
        return False
    if ta is Fraction or tb is Fraction:
        return exact_decimal(a) == exact_decimal(b)
    return a == b  # numbers and null


def sort_key(value: Any) -> tuple:
    """A key that sorts values in OPA's total order (consistent with `compare`).

    Ranks: null 0 < boolean 1 < number 2 < string 3 < array 4 < object 5 < set 6.
    Arrays and sets compare element keys lexicographically, then by length;
    objects compare (key, value) pairs in key order, then by length.
    """
    t = type(value)
    if t is str:
        return (3, value)
    if t is int or t is float:
        return (2, value)
    if t is Fraction:
        return (2, _ExactKey(value))
    if t is bool:
        return (1, value)
    if value is None:
        return (0,)
    if t is list:
        return (4, tuple([sort_key(v) for v in value]))
    if t is dict:
        pairs = [(_frozen_sort_key(k), v) for k, v in value.items()]
        pairs.sort(key=_first)
        return (5, tuple([(k, sort_key(v)) for k, v in pairs]))
    if t is RegoSet:
        keys = [sort_key(v) for v in value._items.values()]
        keys.sort()
        return (6, tuple(keys))
    raise TypeError(f"not a Rego value: {t.__name__}")


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as `a` sorts before, with, or after `b` in OPA's order."""
    ta = type(a)
    tb = type(b)
    if not ((ta is str and tb is str) or (ta in NUMBER_TYPES and tb in NUMBER_TYPES)):
        a = sort_key(a)
        b = sort_key(b)
    elif ta is Fraction or tb is Fraction:
        a = exact_decimal(a)
        b = exact_decimal(b)
    return (a > b) - (a < b)


NUMBER_TYPES = (int, float, Fraction)  # the Python types of Rego numbers


def exact_decimal(x: Any) -> Any:
    """A number for comparing with a Fraction: a finite float as the decimal its repr
    shows (how it was written and how OPA holds it), anything else as it is."""
    if type(x) is float and x - x == 0.0:
        return Fraction(repr(x))
    return x


class _ExactKey:
    """A Fraction in a sort key: next to a float it compares with the float's decimal
    (1.1 - 1 is 0.10000000000000000002, above 0.1 though below the float 0.1)."""

    __slots__ = ("q",)

    def __init__(self, q: Fraction):
        self.q = q

    def _other(self, other: Any) -> Any:
        return other.q if type(other) is _ExactKey else exact_decimal(other)

    def __eq__(self, other: Any) -> bool:
        return self.q == self._other(other)

    def __lt__(self, other: Any) -> bool:
        return self.q < self._other(other)

    def __le__(self, other: Any) -> bool:
        return self.q <= self._other(other)

    def __gt__(self, other: Any) -> bool:
        return self.q > self._other(other)

    def __ge__(self, other: Any) -> bool:
        return self.q >= self._other(other)

    def __hash__(self) -> int:
        return hash(self.q)


def _frozen_sort_key(key: Any) -> tuple:
    return (3, key) if type(key) is str else sort_key(thaw(key))


def _first(pair: tuple) -> Any:
    return pair[0]


# --- type names and predicates -----------------------------------------------

_TYPE_NAMES = {
    type(None): "null",
    bool: "boolean",
    int: "number",
    float: "number",
    Fraction: "number",
    str: "string",
    list: "array",
    dict: "object",
    RegoSet: "set",
}


def type_name(value: Any) -> str:
    """OPA's name for the value's type ("null", "boolean", ..., "set")."""
    try:
        return _TYPE_NAMES[type(value)]
    except KeyError:
        raise TypeError(f"not a Rego value: {type(value).__name__}") from None


def is_value(x: Any) -> bool:
    """True when `x` has one of the Python types of Rego values (shallow)."""
    return type(x) in _TYPE_NAMES


# --- JSON in and out ---------------------------------------------------------

_SCALARS = frozenset((str, int, float, bool, type(None)))


def to_json(value: Any) -> Any:
    """A JSON-compatible form of `value` for output.

    Sets become lists in OPA's order and non-str object keys become their
    `key_to_text`. Parts that need no change are returned as they are (not
    copied); rebuilt objects get sorted keys, untouched ones keep their
    order, so serialize with sorted keys for OPA-identical output.
    """
    t = type(value)
    if t in _SCALARS:
        return value
    if t is Fraction:
        return exact_number_to_json(value)
    if t is list:
        return _list_to_json(value)
    if t is dict:
        return _dict_to_json(value)
    if t is RegoSet:
        return [to_json(v) for v in value.sorted()] if value._items else []
    if t is tuple:  # from a caller's input, used as given
        return [to_json(v) for v in value]
    raise TypeError(f"not a Rego value: {t.__name__}")


def exact_number_to_json(value: Fraction) -> float:
    """The nearest float (JSON output) of an exact decimal a literal denotes.

    Number literals that a float cannot carry faithfully (`1e-400`,
    `0.1234567890123456789`) are kept as Fractions so that they compare
    exactly; output is the closest float (or 0.0 when below its range).
    """
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def key_to_text(key: Any) -> str:
    """The output string for an object key, as OPA writes a non-string key.

    OPA encodes such a key as compact JSON with Go's HTML escaping:
    1 -> "1", true -> "true", [1, "a"] -> '[1,"a"]'. `key` may be frozen.
    """
    if type(key) is str:
        return key
    if type(key) is Fraction:
        from regolite.builtins.bigfloat import text as number_text

        return number_text(key)
    text = json.dumps(
        to_json(thaw(key)), ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    )
    return text.translate(_GO_HTML_ESCAPES)


_GO_HTML_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def to_text(value: Any) -> str:
    """Rego source text for a value, as OPA prints terms (`{1, "a"}`, `[true, null]`)."""
    t = type(value)
    if t is str:
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return repr(value)
    if t is Fraction:
        from regolite.builtins.bigfloat import text

        return text(value)
    if t is list:
        return "[" + ", ".join(to_text(v) for v in value) + "]"
    if t is dict:
        pairs = sorted(object_items(value), key=lambda kv: sort_key(kv[0]))
        return "{" + ", ".join(f"{to_text(k)}: {to_text(v)}" for k, v in pairs) + "}"
    if t is RegoSet:
        return repr(value)
    raise TypeError(f"not a Rego value: {t.__name__}")


def from_json(value: Any, max_depth: Optional[int] = None) -> Any:
    """A valid Rego value from JSON-like Python data.

    Accepts dict, list, tuple, set, str, int, float, bool and None (and
    already-valid Rego values). Valid input is returned as is; only the
    parts that need it are rebuilt: tuples become lists, Python sets become
    RegoSets, non-str dict keys are frozen, subclasses of builtin types
    become the plain type. Raises TypeError (unsupported type) or ValueError
    (NaN or infinity; with `max_depth`, collections nested deeper than
    that), naming the path of the offending part.
    """
    depth = _NO_DEPTH_LIMIT if max_depth is None else max_depth
    if plain_size(value, depth) is not None:
        return value
    try:
        return _from_json(value, depth)
    except _BadValue as bad:
        path = "$" + "".join(reversed(bad.path))
        if len(path) > 100:
            path = path[:100] + "..."
        if bad.error_type is TooDeep:
            raise TooDeep(f"nested more than {max_depth} levels deep at {path}") from None
        raise bad.error_type(f"{bad.reason} at {path}") from None


class TooDeep(ValueError):
    """from_json met collections nested deeper than its max_depth."""


_NO_DEPTH_LIMIT = 1 << 30


# --- helpers -----------------------------------------------------------------


def _list_to_json(value: list) -> list:
    out = None
    for i, v in enumerate(value):
        jv = v if type(v) in _SCALARS else to_json(v)
        if out is None:
            if jv is v:
                continue
            out = value[:i]
        out.append(jv)
    return value if out is None else out


def _dict_to_json(value: dict) -> dict:
    pairs = None
    for i, (k, v) in enumerate(value.items()):
        jv = v if type(v) in _SCALARS else to_json(v)
        if pairs is None:
            if jv is v and type(k) is str:
                continue
            pairs = list(value.items())[:i]
        pairs.append((key_to_text(k), jv))
    if pairs is None:
        return value
    pairs.sort(key=_first)
    return dict(pairs)


class _BadValue(Exception):
    """Raised inside from_json; collects the path on its way up."""

    def __init__(self, error_type: type, reason: str) -> None:
        self.error_type = error_type
        self.reason = reason
        self.path: list[str] = []


def plain_size(value: Any, depth: int) -> Optional[int]:
    """How many elements the collections in `value` hold, when it is already a
    valid Rego value made only of exact JSON types (dict with str keys, list,
    str, int, bool, None, finite float) nested at most `depth` levels; None
    otherwise. The common case, checked in one walk that builds nothing."""
    try:
        return _plain_size(value, depth)
    except _NotPlain:
        return None


class _NotPlain(Exception):
    """Raised by `_plain_size` at the first part that is not plain JSON."""


def _plain_size(value: Any, depth: int) -> int:
    t = type(value)
    if t is dict:
        for k in value:
            if type(k) is not str:
                raise _NotPlain
        elements = value.values()
    elif t is list:
        elements = value
    elif t is str or t is int or t is bool or value is None or (t is float and value - value == 0.0):
        return 0
    else:
        raise _NotPlain
    if depth <= 0:
        raise _NotPlain
    size = len(value)
    for v in elements:
        t = type(v)
        if t is str or t is int or t is bool or v is None:
            continue
        if t is float:
            if v - v != 0.0:  # NaN or an infinity
                raise _NotPlain
        else:
            size += _plain_size(v, depth - 1)
    return size


def _from_json(value: Any, depth: int) -> Any:
    """`depth`: how many more levels of collections may nest here."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is float:
        if not math.isfinite(value):
            raise _BadValue(ValueError, f"{value!r} is not a valid Rego number")
        return value
    if depth <= 0 and (t is list or t is tuple or t is dict or t is RegoSet or isinstance(value, (list, tuple, dict, set, frozenset))):
        raise _BadValue(TooDeep, "")
    if t is list or t is tuple:
        return _from_json_list(value, depth - 1)
    if t is dict:
        return _from_json_dict(value, depth - 1)
    if t is RegoSet:
        return value  # elements were checked by freeze() when added
    if isinstance(value, (set, frozenset)):
        return RegoSet(_from_json_list(list(value), depth - 1))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _from_json(float(value), depth)
    if isinstance(value, (list, tuple)):
        return _from_json_list(list(value), depth - 1)
    if isinstance(value, dict):
        return _from_json_dict(dict(value), depth - 1)
    raise _BadValue(TypeError, f"unsupported type {t.__name__}")


def _from_json_list(value: list | tuple, depth: int) -> list:
    out = None if type(value) is list else []
    for i, v in enumerate(value):
        try:
            rv = _from_json(v, depth)
        except _BadValue as bad:
            bad.path.append(f"[{i}]")
            raise
        if out is None:
            if rv is v:
                continue
            out = value[:i]
        out.append(rv)
    return value if out is None else out


def _from_json_dict(value: dict, depth: int) -> dict:
    pairs = None
    for i, (k, v) in enumerate(value.items()):
        try:
            rk = k if type(k) is str else _from_json_key(k)
            rv = _from_json(v, depth)
        except _BadValue as bad:
            bad.path.append(_path_segment(k))
            raise
        if pairs is None:
            if rv is v and rk is k:
                continue
            pairs = list(value.items())[:i]
        pairs.append((rk, rv))
    return value if pairs is None else dict(pairs)


def _from_json_key(key: Any) -> Any:
    if type(key) is tuple and key and isinstance(key[0], _Sentinel):
        return key  # already a frozen key
    if key is _TRUE or key is _FALSE:
        return key
    return freeze(_from_json(key, _NO_DEPTH_LIMIT))


def _path_segment(key: Any) -> str:
    if type(key) is str and key.isidentifier():
        return "." + key
    try:
        return "[" + json.dumps(key) + "]"
    except TypeError:
        return f"[{key!r}]"
