"""What generated code calls: lookups, iteration, comparison, conflicts.

These are the operations with Rego semantics that are too long to inline:
they never raise on a type mismatch, they answer UNDEFINED (for lookups) or
False (for comparisons) as Rego does.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from regolite.errors import EVAL_CONFLICT_ERROR, EVAL_STEP_LIMIT_ERROR, RegoEvalError
from regolite.values import UNDEFINED, RegoSet, compare, equal, freeze, sorted_object_items, thaw

U = UNDEFINED
ONCE = (None,)


class _Missing:
    """Memo marker: not computed yet (UNDEFINED is a valid memoised answer)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def index(x: Any, key: Any) -> Any:
    """`x[key]` for any collection and key, UNDEFINED when absent."""
    t = type(x)
    if t is dict:
        return x.get(key if type(key) is str else freeze(key), U)
    if t is list:
        tk = type(key)
        if tk is int:
            return x[key] if 0 <= key < len(x) else U
        if tk is float and key.is_integer():
            k = int(key)
            return x[k] if 0 <= k < len(x) else U
        return U
    if t is RegoSet:
        return key if key in x else U
    return U


def index_base(x: Any, key: Any) -> Any:
    """A lookup in base data, whose object keys are strings: a number key
    reads the key spelled as that number (OPA's storage paths)."""
    if type(x) is dict and (type(key) is int or type(key) is float):
        return x.get(str(key), U)
    return index(x, key)


def items(x: Any, c: Any) -> Iterable:
    """(key, value) pairs of a collection; object keys may be frozen (see thaw_key).

    Every loop of generated code starts here or in `values`, which charge the
    query's step budget for the whole collection up front: one check per loop,
    none per iteration.
    """
    t = type(x)
    if t is dict:
        pairs = x.items()
    elif t is list:
        pairs = enumerate(x)
    elif t is RegoSet:
        pairs = set_pairs(x)
    else:
        return ()
    budget = c.budget  # Budget.charge, inlined: this runs at every loop's start
    budget.left = left = budget.left - len(x)
    if left < 0:
        budget.exhausted()
    return pairs


def set_pairs(s: RegoSet):
    for v in s:
        yield v, v


def values(x: Any, c: Any) -> Iterable:
    """The values (elements) of a collection (charged as in `items`)."""
    t = type(x)
    if t is dict:
        elements = x.values()
    elif t is list or t is RegoSet:
        elements = x
    else:
        return ()
    budget = c.budget  # Budget.charge, inlined: this runs at every loop's start
    budget.left = left = budget.left - len(x)
    if left < 0:
        budget.exhausted()
    return elements


def items_in_order(x: Any, c: Any) -> Iterable:
    """`items` in the order OPA iterates: objects by key, sets by element
    (OPA's value order). Loops whose order shows in the result (an array
    comprehension's) iterate this way; others take the cheaper `items`."""
    pairs = items(x, c)
    t = type(x)
    if t is dict:
        return sorted_object_items(x)
    if t is RegoSet:
        return [(v, v) for v in x.sorted()]
    return pairs


def values_in_order(x: Any, c: Any) -> Iterable:
    """`values` in the order OPA iterates (see `items_in_order`)."""
    elements = values(x, c)
    t = type(x)
    if t is dict:
        return [v for _, v in sorted_object_items(x)]
    if t is RegoSet:
        return x.sorted()
    return elements


class Budget:
    """The steps a query may still take: loop iterations, and the costs of
    builtins that declare one (numbers.range). Shared by every context of
    one evaluation (`with` blocks, each constraint of a review)."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: Optional[int]) -> None:
        self.limit = limit
        self.left = UNLIMITED if limit is None else limit

    def charge(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            self.exhausted()

    def exhausted(self) -> None:
        raise RegoEvalError(EVAL_STEP_LIMIT_ERROR, f"evaluation exceeded its budget of {self.limit} steps")


# Never reached: a query would need this many iterations first.
UNLIMITED = 1 << 62

# The budget of queries without a limit: shared, so it costs no allocation;
# its count is never read (and may lose updates under threads: harmless).
NO_LIMIT = Budget(None)


def thaw_key(k: Any) -> Any:
    return k if type(k) is str else thaw(k)


def is_collection(x: Any) -> bool:
    t = type(x)
    return t is dict or t is list or t is RegoSet


def member(x: Any, coll: Any) -> bool:
    """`x in coll`: x is one of the collection's values (elements)."""
    t = type(coll)
    if t is RegoSet:
        return x in coll
    if t is list:
        for v in coll:
            if v is x or equal(v, x):
                return True
        return False
    if t is dict:
        for v in coll.values():
            if v is x or equal(v, x):
                return True
        return False
    return False


def member_kv(k: Any, v: Any, coll: Any) -> bool:
    """`k, v in coll`: coll[k] is v."""
    found = index(coll, k)
    if found is U:
        return False
    if type(coll) is RegoSet:
        return equal(k, v)
    return found is v or equal(found, v)


def _simple(a: Any, b: Any) -> bool:
    ta = type(a)
    return ta is type(b) and (ta is str or ta is int or ta is float)


def lt(a: Any, b: Any) -> bool:
    return a < b if _simple(a, b) else compare(a, b) < 0


def lte(a: Any, b: Any) -> bool:
    return a <= b if _simple(a, b) else compare(a, b) <= 0


def gt(a: Any, b: Any) -> bool:
    return a > b if _simple(a, b) else compare(a, b) > 0


def gte(a: Any, b: Any) -> bool:
    return a >= b if _simple(a, b) else compare(a, b) >= 0


def neq(a: Any, b: Any) -> bool:
    return not equal(a, b)


# Python exceptions a builtin may raise on values it was not written for (inf or
# NaN from a caller's input, an exact decimal literal): each becomes a builtin
# error, like the builtin's own errors, never an escaping exception.
BUILTIN_FAILURES = (ArithmeticError, ValueError, TypeError, AttributeError, LookupError)


def unexpected_builtin_error(error: Exception):
    """A builtin that failed with a Python exception (inf or NaN from a caller's
    input, a value no Rego source can make): an eval_builtin_error like any other."""
    from regolite.builtins import BuiltinError

    return BuiltinError(f"cannot compute on this value ({type(error).__name__}: {error})")


def conflict(message: str, loc: Any = None) -> RegoEvalError:
    return RegoEvalError(EVAL_CONFLICT_ERROR, message, loc)


def object_insert(obj: dict, key: Any, value: Any, loc: Any = None) -> None:
    """Add key: value to an object being built; the same key twice must agree."""
    fk = key if type(key) is str else freeze(key)
    old = obj.get(fk, U)
    if old is U:
        obj[fk] = value
    elif not (old is value or equal(old, value)):
        raise conflict("object keys must be unique", loc)


def merge_value(result: Any, value: Any, what: str, loc: Any = None) -> Any:
    """Combine a complete rule's value with a new one; different values conflict."""
    if result is U or result is value or equal(result, value):
        return value
    raise conflict(what, loc)


def _parent_object(doc: dict, path: tuple, loc: Any) -> dict:
    """The object that holds `path`'s last key, creating the objects on the way."""
    for key in path[:-1]:
        fk = key if type(key) is str else freeze(key)
        nxt = doc.get(fk, U)
        if nxt is U:
            nxt = {}
            doc[fk] = nxt
        elif type(nxt) is not dict:
            raise conflict("object keys must be unique", loc)
        doc = nxt
    return doc


def set_path(doc: dict, path: tuple, value: Any, loc: Any = None) -> None:
    """Put `value` at `path` inside nested objects (for ref-head rules)."""
    object_insert(_parent_object(doc, path, loc), path[-1], value, loc)


def add_at_path(doc: dict, path: tuple, element: Any, loc: Any = None) -> None:
    """Add `element` to the set at `path` inside nested objects (`a[x] contains y`)."""
    parent = _parent_object(doc, path, loc)
    last = path[-1]
    fk = last if type(last) is str else freeze(last)
    leaf = parent.get(fk, U)
    if leaf is U:
        leaf = RegoSet()
        parent[fk] = leaf
    elif type(leaf) is not RegoSet:
        raise conflict("object keys must be unique", loc)
    leaf.add(element)


def ensure_path(doc: dict, path: tuple, empty_set: bool) -> None:
    """Make the nodes a ref-head rule's ground keys name exist, as OPA's rule tree
    does whether or not a body holds (`p[1] contains x if false` makes p {1: set()}):
    objects along `path`, and at its end an empty set (or object) if nothing is there."""
    node = doc
    for i, key in enumerate(path):
        fk = key if type(key) is str else freeze(key)
        child = node.get(fk, U)
        if child is U:
            child = node[fk] = RegoSet() if empty_set and i == len(path) - 1 else {}
        if type(child) is not dict:
            return
        node = child


def merge_objects(a: Any, b: Any) -> Any:
    """Deep-merge two objects (base data under a virtual document)."""
    if type(a) is not dict or type(b) is not dict:
        return b
    out = dict(a)
    for k, v in b.items():
        old = out.get(k, U)
        out[k] = v if old is U else merge_objects(old, v)
    return out


def template_text(parts: Iterable[Any]) -> str:
    """A template string's text: strings as they are, other values as OPA prints them."""
    from regolite.values import to_text

    out = []
    for p in parts:
        if type(p) is str:
            out.append(p)
        elif type(p) is RegoSet and len(p) == 0:
            out.append("set()")
        else:
            out.append(to_text(p))
    return "".join(out)
