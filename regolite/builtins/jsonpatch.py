"""json.patch: RFC 6902 patches, applied as OPA's edit tree applies them.

Each operation is checked and applied in order; the first that cannot be
(a missing attribute, an unknown op, a path that does not exist, an index
out of bounds or not an index, a failed test) fails the call with OPA's
builtin error (eval_builtin_error: undefined unless built-in errors are
strict). A path is a string ("a/b/0", leading slashes dropped, `~1`/`~0`
unescaped) or an array of segments; an array element is addressed by an
integer, or by a string Go's ParseInt reads ("-" is the end, for add); a
set's element is addressed by the element itself.
"""

from __future__ import annotations

import re
from fractions import Fraction

from regolite.builtins import BuiltinError, OperandError, OperandTypeError, builtin
from regolite.builtins.objects import json_path_segments
from regolite.builtins.signature import ANY, STRING, array_of, object_static
from regolite.builtins.sprintf import rego_text
from regolite.values import UNDEFINED, RegoSet, equal, freeze, type_name
from regolite.values import object_get as lookup

_PATCH = object_static({"op": STRING, "path": ANY}, dynamic=(ANY, ANY))
_OPS = ("add", "remove", "replace", "move", "copy", "test")
_INDEX = re.compile(r"[+-]?([0-9]+)(?:\.0*)?")
_GO_TYPES = {str: "ast.String", int: "ast.Number", float: "ast.Number", bool: "ast.Boolean", type(None): "ast.Null"}


def _patch_cost(doc, patches) -> int:
    """Steps of json.patch: each patch copies the containers along its path (sized as in `doc`)."""
    if type(patches) is not list:
        return 0
    steps = 0
    for patch in patches:
        steps += 1
        try:
            path = json_path_segments(patch.get("path")) if type(patch) is dict else []
        except OperandError:
            continue
        node = doc
        for segment in path:
            if type(node) not in (dict, list, RegoSet):
                break
            steps += len(node)
            node = _peek(node, segment)
    return steps


@builtin("json.patch", args=(ANY, array_of(_PATCH)), result=ANY, categories=("object",), check_args=False,
         cost=_patch_cost)
def json_patch(doc, patches):
    """`doc` with the patches applied in order; OPA's builtin error for the first that fails."""
    if type(patches) is not list:
        raise OperandTypeError(2, "array", patches)
    for patch in patches:
        if type(patch) is not dict:
            raise BuiltinError("must be an array of JSON-Patch objects, but at least one element is not an object")
        op = _attribute(patch, "op")
        if type(op) is not str:
            raise BuiltinError(f"attribute 'op' must be a string but found: {type_name(op)}")
        if op not in _OPS:
            raise BuiltinError(f"unrecognized op: '{op}'")
        path_term = _attribute(patch, "path")
        source = _attribute(patch, "from") if op in ("move", "copy") else None
        value = _attribute(patch, "value") if op in ("add", "replace", "test") else None
        path = json_path_segments(path_term)
        if op == "add":
            doc = _insert_at(doc, path, value)
        elif op == "remove":
            doc = _delete_at(doc, path)
        elif op == "replace":
            doc = _insert_at(_delete_at(doc, path), path, value)
        elif op == "move":
            source_path = json_path_segments(source)
            chunk = _render_at(doc, source_path)
            doc = _insert_at(_delete_at(doc, source_path), path, chunk)
        elif op == "copy":
            doc = _insert_at(doc, path, _render_at(doc, json_path_segments(source)))
        else:
            found = _render_at(doc, path)
            if not equal(found, value):
                raise BuiltinError(f"value from EditTree != patch value.\n\nExpected: {rego_text(value)}\n\n"
                                   f"Found: {rego_text(found)}")
    return doc


def _attribute(patch: dict, name: str):
    value = patch.get(name, UNDEFINED)
    if value is UNDEFINED:
        raise BuiltinError(f"missing required attribute '{name}'")
    return value


# --- paths ----------------------------------------------------------------------


def _to_index(length: int, segment) -> int:
    """An array index from a path segment, as OPA's edit tree reads one."""
    t = type(segment)
    if t is int:
        return segment
    if t is float or t is Fraction:
        if t is float and segment.is_integer():
            return int(segment)
        raise BuiltinError("invalid number type for indexing")
    if t is str:
        if segment == "-":
            return length
        m = _INDEX.fullmatch(segment)
        if m is None or not -(2 ** 63) <= int(segment.split(".")[0]) < 2 ** 63:
            raise BuiltinError("invalid string for indexing")
        if segment != "0" and segment.startswith("0"):
            raise BuiltinError("leading zeros are not allowed in JSON paths")
        return int(segment.split(".")[0])
    raise BuiltinError("invalid type for indexing")


def _peek(container, segment):
    """The child at `segment`, or UNDEFINED (no error: for the cost estimate)."""
    try:
        return _child(container, segment)
    except BuiltinError:
        return UNDEFINED


def _child(container, segment):
    """The child of a container at one path segment, or OPA's error."""
    t = type(container)
    if t is dict:
        value = lookup(container, segment)
        if value is UNDEFINED:
            raise BuiltinError(f"path {rego_text(segment)} does not exist in object term {rego_text(container)}")
        return value
    if t is list:
        i = _to_index(len(container), segment)
        if not 0 <= i < len(container):
            raise BuiltinError(f"path {i} does not exist in array term {rego_text(container)}")
        return container[i]
    if t is RegoSet:
        if segment not in container:
            shown = segment if type(segment) is str else rego_text(segment)
            raise BuiltinError(f"path {shown} does not exist in set term {rego_text(container)}")
        return segment
    raise BuiltinError(f"expected composite type for path {rego_text(segment)}, found value: "
                       f"{rego_text(container)} (type: {_GO_TYPES.get(t, 'ast.Value')})")


def _with_child(container, segment, value):
    """A copy of `container` whose child at `segment` (which exists) is `value`."""
    t = type(container)
    if t is dict:
        out = dict(container)
        out[segment if type(segment) is str else freeze(segment)] = value
        return out
    if t is list:
        out_list = list(container)
        out_list[_to_index(len(container), segment)] = value
        return out_list
    out_set = RegoSet(v for v in container if not equal(v, segment))
    out_set.add(value)
    return out_set


def _edit(doc, path: list, change):
    """`doc` with `change` applied to the container at `path` (OPA's Unfold errors on the way)."""
    if doc is UNDEFINED:  # the document was removed ("" path)
        raise BuiltinError("nil value encountered where composite value was expected")
    if not path:
        return change(doc)
    child = _child(doc, path[0])
    return _with_child(doc, path[0], _edit(child, path[1:], change))


def _not_composite(value) -> BuiltinError:
    return BuiltinError(f"expected composite type, found value: {rego_text(value)} "
                        f"(type: {_GO_TYPES.get(type(value), 'ast.Value')})")


def _insert_at(doc, path: list, value):
    if not path:
        return value
    key = path[-1]

    def insert(parent):
        t = type(parent)
        if t is dict:
            out = dict(parent)
            out[key if type(key) is str else freeze(key)] = value
            return out
        if t is list:
            i = _to_index(len(parent), key)
            if not 0 <= i <= len(parent):
                raise BuiltinError("index for array insertion out of bounds")
            return parent[:i] + [value] + parent[i:]
        if t is RegoSet:
            if not equal(key, value):
                raise BuiltinError(f"set key {rego_text(key)} does not equal value to be inserted {rego_text(value)}")
            out_set = RegoSet(v for v in parent if not equal(v, key))
            out_set.add(value)
            return out_set
        raise _not_composite(parent)

    return _edit(doc, path[:-1], insert)


def _delete_at(doc, path: list):
    if not path:
        return UNDEFINED
    key = path[-1]

    def delete(parent):
        t = type(parent)
        if t is dict:
            frozen = key if type(key) is str else freeze(key)
            if lookup(parent, key) is UNDEFINED:
                raise BuiltinError(f"cannot delete child key {rego_text(key)} that does not exist")
            return {k: v for k, v in parent.items() if k != frozen}
        if t is list:
            i = _to_index(len(parent), key)
            if not 0 <= i < len(parent):
                raise BuiltinError("index for array delete out of bounds")
            return parent[:i] + parent[i + 1:]
        if t is RegoSet:
            if key not in parent:
                raise BuiltinError(f"cannot delete child key {rego_text(key)} that does not exist")
            return RegoSet(v for v in parent if not equal(v, key))
        raise _not_composite(parent)

    return _edit(doc, path[:-1], delete)


def _render_at(doc, path: list):
    for segment in path:
        doc = _child(doc, segment)
    return doc
