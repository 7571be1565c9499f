"""Object builtins: object.*, json.filter, json.remove, json.patch, and walk.

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

import re
from typing import Any, Iterator

from regolite.builtins import OperandError, OperandTypeError, builtin
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    STRING,
    array_of,
    array_tuple,
    object_of,
    object_static,
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


_PATCH = object_static({"op": STRING, "path": ANY}, dynamic=(ANY, ANY))


def _patch_cost(doc, patches) -> int:
    """Steps of json.patch: each patch copies the containers along its path (sized as in `doc`)."""
    if type(patches) is not list:
        return 0
    steps = 0
    for patch in patches:
        steps += 1
        try:
            path = _parse_path(patch.get("path")) if type(patch) is dict else []
        except OperandError:
            continue
        node = doc
        for segment in path:
            if type(node) not in (dict, list, RegoSet):
                break
            steps += len(node)
            node = _patch_child(node, segment)
    return steps


@builtin("json.patch", args=(ANY, array_of(_PATCH)), result=ANY, categories=OBJECT, check_args=False,
         cost=_patch_cost)
def json_patch(doc, patches):
    """RFC 6902 patches applied in order; undefined when one fails (bad path, failed test...).

    A set is addressed by its elements: the path segment is the element itself.
    """
    if type(patches) is not list:
        raise OperandTypeError(2, "array", patches)
    for patch in patches:
        if type(patch) is not dict:
            raise OperandError(2, "must be an array of JSON-Patch objects")
        op = _patch_attribute(patch, "op")
        if type(op) is not str:
            raise OperandError(2, "patch attribute 'op' must be a string")
        path = _parse_path(_patch_attribute(patch, "path"))
        if op == "add":
            doc = _patch_add(doc, path, _patch_attribute(patch, "value"))
        elif op == "remove":
            doc = _patch_remove(doc, path)
        elif op == "replace":
            doc = _patch_replace(doc, path, _patch_attribute(patch, "value"))
        elif op == "move":
            source = _parse_path(_patch_attribute(patch, "from"))
            value = _get_path(doc, source)
            if value is UNDEFINED:
                doc = UNDEFINED
            elif not equal(source, path):
                doc = _patch_remove(doc, source)
                if doc is not UNDEFINED:
                    doc = _patch_add(doc, path, value)
        elif op == "copy":
            source = _parse_path(_patch_attribute(patch, "from"))
            value = _get_path(doc, source)
            doc = UNDEFINED if value is UNDEFINED else _patch_add(doc, path, value)
        elif op == "test":
            expected = _patch_attribute(patch, "value")
            value = _get_path(doc, path)
            if value is UNDEFINED or not equal(value, expected):
                doc = UNDEFINED
        else:
            raise OperandError(2, "must be an array of JSON-Patch objects")
        if doc is UNDEFINED:
            return UNDEFINED
    return doc


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
    return [_parse_path(p) for p in (paths.sorted() if type(paths) is RegoSet else paths)]


def _parse_path(path) -> list:
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


# --- helpers: JSON patch ------------------------------------------------------------

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def _patch_attribute(patch: dict, name: str):
    value = patch.get(name, UNDEFINED)
    if value is UNDEFINED:
        raise OperandError(2, f"patch is missing '{name}' attribute")
    return value


def _array_index(segment) -> int | None:
    """An array index from a path segment: an int, or a decimal string without leading zeros."""
    if type(segment) is int:
        return segment
    if type(segment) is str and _ARRAY_INDEX.fullmatch(segment):
        return int(segment)
    return None


def _patch_child(container, segment):
    if type(container) is list:
        i = _array_index(segment)
        if i is None or not 0 <= i < len(container):
            return UNDEFINED
        return container[i]
    return _child(container, segment)


def _get_path(doc, path: list):
    for segment in path:
        doc = _patch_child(doc, segment)
        if doc is UNDEFINED:
            break
    return doc


def _update(doc, path: list, change):
    """`doc` with `change(parent)` applied to the container at `path`; UNDEFINED if it fails."""
    if not path:
        return change(doc)
    segment = path[0]
    child = _patch_child(doc, segment)
    if child is UNDEFINED:
        return UNDEFINED
    new_child = _update(child, path[1:], change)
    if new_child is UNDEFINED:
        return UNDEFINED
    return _with_child(doc, segment, new_child)


def _with_child(parent, key, value):
    """A copy of the object, array or set `parent` with the child at `key` replaced by `value`."""
    t = type(parent)
    if t is dict:
        out = dict(parent)
        out[key if type(key) is str else freeze(key)] = value
        return out
    if t is list:
        out_list = list(parent)
        out_list[_array_index(key)] = value
        return out_list
    out_set = _set_without(parent, key)
    out_set.add(value)
    return out_set


def _set_without(s: RegoSet, element) -> RegoSet:
    return RegoSet(v for v in s if not equal(v, element))


def _patch_add(doc, path: list, value):
    if not path:
        return value
    last = path[-1]

    def add(parent):
        t = type(parent)
        if t is dict:
            out = dict(parent)
            out[last if type(last) is str else freeze(last)] = value
            return out
        if t is list:
            i = len(parent) if last == "-" else _array_index(last)
            if i is None or i > len(parent):
                return UNDEFINED
            return parent[:i] + [value] + parent[i:]
        if t is RegoSet:
            out_set = parent.copy()
            out_set.add(value)
            return out_set
        return UNDEFINED

    return _update(doc, path[:-1], add)


def _patch_remove(doc, path: list):
    if not path:
        return UNDEFINED
    last = path[-1]

    def remove(parent):
        if _patch_child(parent, last) is UNDEFINED:
            return UNDEFINED
        t = type(parent)
        if t is dict:
            key = last if type(last) is str else freeze(last)
            return {k: v for k, v in parent.items() if k != key}
        if t is list:
            i = _array_index(last)
            return parent[:i] + parent[i + 1 :]
        return _set_without(parent, last)

    return _update(doc, path[:-1], remove)


def _patch_replace(doc, path: list, value):
    if not path:
        return value
    last = path[-1]

    def replace(parent):
        if _patch_child(parent, last) is UNDEFINED:
            return UNDEFINED
        return _with_child(parent, last, value)

    return _update(doc, path[:-1], replace)

