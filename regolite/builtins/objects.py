"""Object builtins: object.*, json.filter, json.remove, and walk (json.patch: jsonpatch.py).

Objects are dicts whose keys are frozen keys (see `regolite.values`); these
functions build results from the frozen keys directly and never modify an
operand. `walk` is a relation: a generator of [path, value] pairs in
pre-order (a node before its children; object keys and set elements in
OPA's order, array elements by index).

JSON paths (json.filter, json.remove, json.patch) are either strings,
"a/b/0" with leading slashes dropped and `~1`/`~0` unescaped, or arrays of
path segments; array elements are addressed by a decimal string (or an int
segment).
"""

from __future__ import annotations

from typing import Any, Iterator

from regolite.builtins import OperandError, builtin
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    STRING,
    array_of,
    array_tuple,
    object_of,
    one_of,
    set_of,
)
from regolite.values import (
    UNDEFINED,
    RegoSet,
    equal,
    freeze,
    sorted_object_items,
    type_name,
)
from regolite.values import object_get as lookup  # the builtins take the plain names
from regolite.values import object_keys as keys_of

OBJECT = ("object",)
GRAPH = ("graph",)

_OBJECT = object_of(ANY, ANY)
_KEYS = one_of(_OBJECT, set_of(ANY), array_of(ANY))
_PATH = one_of(STRING, array_of(ANY))
_PATHS = one_of(set_of(_PATH), array_of(_PATH))
_COLLECTION = one_of(array_of(ANY), _OBJECT, set_of(ANY))


# --- object.* ---------------------------------------------------------------------


@builtin("object.get", args=(_OBJECT, ANY, ANY), result=ANY, categories=OBJECT)
def object_get(obj, key, default):
    """`obj[key]`, or the value at a path when `key` is an array, else `default`.

    An empty path gives `default`, as OPA skips the lookup for it.
    """
    if type(key) is not list:
        return lookup(obj, key, default)
    if not key:
        return default
    value = obj
    for segment in key:
        value = _child(value, segment)
        if value is UNDEFINED:
            return default
    return value


@builtin("object.keys", args=(_OBJECT,), result=set_of(ANY), categories=OBJECT)
def object_keys(obj):
    return RegoSet(keys_of(obj))


@builtin("object.remove", args=(_OBJECT, _KEYS), result=_OBJECT, categories=OBJECT)
def object_remove(obj, keys):
    """`obj` without the given keys (keys of an object, elements of a set or array)."""
    drop = _frozen_keys(keys)
    return {k: v for k, v in obj.items() if k not in drop}


@builtin("object.filter", args=(_OBJECT, _KEYS), result=_OBJECT, categories=OBJECT)
def object_filter(obj, keys):
    """`obj` with only the given top-level keys."""
    keep = _frozen_keys(keys)
    return {k: v for k, v in obj.items() if k in keep}


@builtin("object.union", args=(_OBJECT, _OBJECT), result=_OBJECT, categories=OBJECT)
def object_union(a, b):
    """`a` merged with `b`, recursively for values that are objects on both sides; `b` wins conflicts."""
    return _merge(a, b)


@builtin("object.union_n", args=(array_of(_OBJECT),), result=_OBJECT, categories=OBJECT)
def object_union_n(objects):
    """The objects merged left to right, as object.union of each in turn; linear in
    their total size (merging copies of the result each time was quadratic)."""
    result: dict = {}
    made: set = {id(result)}
    for obj in objects:
        if type(obj) is not dict:
            raise OperandError(1, f"must be array of objects but got array containing {type_name(obj)}")
        _merge_into(result, obj, made)
    return result


@builtin("object.subset", args=(_COLLECTION, _COLLECTION), result=BOOLEAN, categories=OBJECT)
def object_subset(sup, sub):
    """OPA's subset: recursive for objects, membership for sets, a contiguous run for arrays;
    an array superset and a set subset compare as sets."""
    tsup = type(sup)
    tsub = type(sub)
    if tsup is tsub:
        return _subset(sup, sub)
    if tsup is list and tsub is RegoSet:
        return _set_subset(RegoSet(sup), sub)
    raise OperandError(1, "both arguments object.subset must be of the same type or array and set")


# --- json.* -------------------------------------------------------------------------


@builtin("json.filter", args=(_OBJECT, _PATHS), result=_OBJECT, categories=OBJECT)
def json_filter(obj, paths):
    """Only the parts of `obj` at the given paths (and the objects and arrays leading to them)."""
    return _filter(obj, _path_tree(_json_paths(paths)))


@builtin("json.remove", args=(_OBJECT, _PATHS), result=_OBJECT, categories=OBJECT)
def json_remove(obj, paths):
    """`obj` without the values at the given paths; removed array elements close up."""
    return _remove(obj, _path_tree(_json_paths(paths)))


# --- walk ---------------------------------------------------------------------------


@builtin(
    "walk",
    args=(ANY,),
    result=array_tuple(array_of(ANY), ANY),
    categories=GRAPH,
    relation=True,
)
def walk(x) -> Iterator[list]:
    """Every [path, value] in `x`, `x` itself first with path []."""
    yield from _walk([], x)


# --- helpers: objects -------------------------------------------------------------


def _frozen_keys(keys) -> set | Any:
    """The frozen keys named by an object (its keys), a set or an array (their elements)."""
    t = type(keys)
    if t is dict:
        return keys.keys()
    if t is RegoSet:
        return keys.frozen_keys()
    return {k if type(k) is str else freeze(k) for k in keys}


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        old = out.get(k, UNDEFINED)
        if type(old) is dict and type(v) is dict:
            out[k] = _merge(old, v)
        else:
            out[k] = v
    return out


def _merge_into(out: dict, b: dict, made: set) -> None:
    """`_merge(out, b)` in place. `made` holds the ids of the objects made here,
    which may change; an operand's object is copied (once) before it changes."""
    for k, v in b.items():
        old = out.get(k, UNDEFINED)
        if type(old) is dict and type(v) is dict:
            if id(old) not in made:
                old = out[k] = dict(old)
                made.add(id(old))
            _merge_into(old, v, made)
        else:
            out[k] = v


def _subset(sup, sub) -> bool:
    t = type(sub)
    if t is dict:
        for k, v in sub.items():
            w = sup.get(k, UNDEFINED)
            if w is UNDEFINED:
                return False
            tv = type(v)
            if tv is type(w) and tv in (dict, RegoSet, list):
                if not _subset(w, v):
                    return False
            elif not equal(w, v):
                return False
        return True
    if t is RegoSet:
        return _set_subset(sup, sub)
    if t is list:
        return _array_subset(sup, sub)
    return equal(sup, sub)


def _set_subset(sup: RegoSet, sub: RegoSet) -> bool:
    members = sup.frozen_keys()
    return all(k in members for k in sub.frozen_keys())


def _array_subset(sup: list, sub: list) -> bool:
    """`sub` occurs in `sup` as a contiguous run."""
    n = len(sub)
    if n == 0:
        return True
    for start in range(len(sup) - n + 1):
        if all(equal(sup[start + i], sub[i]) for i in range(n)):
            return True
    return False


def _child(container, segment):
    """The value under `segment` in an object, array (int index) or set (the element), or UNDEFINED."""
    t = type(container)
    if t is dict:
        return lookup(container, segment)
    if t is list:
        if type(segment) is int and 0 <= segment < len(container):
            return container[segment]
        return UNDEFINED
    if t is RegoSet:
        return segment if segment in container else UNDEFINED
    return UNDEFINED


def _walk(path: list, x) -> Iterator[list]:
    yield [path[:], x]
    t = type(x)
    if t is list:
        for i, v in enumerate(x):
            path.append(i)
            yield from _walk(path, v)
            path.pop()
    elif t is dict:
        for k, v in sorted_object_items(x):
            path.append(k)
            yield from _walk(path, v)
            path.pop()
    elif t is RegoSet:
        for v in x.sorted():
            path.append(v)
            yield from _walk(path, v)
            path.pop()


# --- helpers: JSON paths ------------------------------------------------------------

# Marks the end of a path in a path tree (a dict of frozen segment -> subtree).
_LEAF = object()


def _json_paths(paths) -> list[list]:
    return [json_path_segments(p) for p in (paths.sorted() if type(paths) is RegoSet else paths)]


def json_path_segments(path) -> list:
    """Path segments from "a/b/c" (leading slashes dropped, ~1 and ~0 unescaped) or an array."""
    t = type(path)
    if t is str:
        if path == "":
            return []
        return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    if t is list:
        return list(path)
    raise OperandError(
        2,
        "must be one of {set, array} containing string paths or array of path segments "
        f"but got {type_name(path)}",
    )


def _path_tree(paths: list[list]) -> dict:
    """Paths as a tree; a path that is a prefix of another covers it."""
    root: dict = {}
    for path in paths:
        if not path:
            continue
        node = root
        for segment in path[:-1]:
            key = segment if type(segment) is str else freeze(segment)
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            elif child is _LEAF:
                break
            node = child
        else:
            last = path[-1]
            node[last if type(last) is str else freeze(last)] = _LEAF
    return root


def _index_subtree(tree: dict, i: int):
    """The subtree for array index `i`: segment "i" (as in "a/0") or the number i."""
    sub = tree.get(str(i))
    return tree.get(i) if sub is None else sub


def _filter(value, tree):
    if tree is _LEAF:
        return value
    t = type(value)
    if t is dict:
        return {k: _filter(v, tree[k]) for k, v in value.items() if k in tree}
    if t is list:
        out = []
        for i, v in enumerate(value):
            sub = _index_subtree(tree, i)
            if sub is not None:
                out.append(_filter(v, sub))
        return out
    if t is RegoSet:
        out_set = RegoSet()
        for k, v in zip(value.frozen_keys(), value):
            sub = tree.get(k)
            if sub is not None:
                out_set.add(_filter(v, sub))
        return out_set
    return value


def _remove(value, tree):
    """`value` without the paths in `tree`; UNDEFINED when `value` itself is removed."""
    if tree is None:
        return value
    if tree is _LEAF:
        return UNDEFINED
    t = type(value)
    if t is dict:
        out = {}
        for k, v in value.items():
            kept = _remove(v, tree.get(k))
            if kept is not UNDEFINED:
                out[k] = kept
        return out
    if t is list:
        out_list = []
        for i, v in enumerate(value):
            kept = _remove(v, _index_subtree(tree, i))
            if kept is not UNDEFINED:
                out_list.append(kept)
        return out_list
    if t is RegoSet:
        out_set = RegoSet()
        for k, v in zip(value.frozen_keys(), value):
            kept = _remove(v, tree.get(k))
            if kept is not UNDEFINED:
                out_set.add(kept)
        return out_set
    return value
