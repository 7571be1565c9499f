"""What generated code runs on: the names it may call, the evaluation context, limits.

Generated modules run with empty `__builtins__`: `GLOBALS` below are the only
names they reach besides their own constants and builtins (`load` binds
those). `context.py` holds the per-query `Context`, `ops.py` the operations
with Rego semantics, `deadline.py` the timeout watchdog.
"""

from __future__ import annotations

from typing import Any, Optional

from regolite.builtins import REGISTRY, BuiltinError
from regolite.runtime import ops
from regolite.runtime.context import Context
from regolite.runtime.deadline import deadline
from regolite.runtime.ops import Budget
from regolite.values import RegoSet, equal, make_object

__all__ = ["GLOBALS", "Budget", "Context", "deadline", "load"]

GLOBALS = {
    "U": ops.U,
    "ONCE": ops.ONCE,
    "MISSING": ops.MISSING,
    "index": ops.index,
    "index_base": ops.index_base,
    "items": ops.items,
    "values": ops.values,
    "items_in_order": ops.items_in_order,
    "values_in_order": ops.values_in_order,
    "thaw_key": ops.thaw_key,
    "SCALAR_KEYS": (str, int, float),
    "SHARED_KEYS": (str, int),  # exact types: True is not 1, 1.0 is kept apart from 1
    "SHARED_VALUES": (str, int, float, bool, type(None), type(ops.U)),
    "SHARED_LIMIT": 4096,
    "id": id,
    "is_collection": ops.is_collection,
    "member": ops.member,
    "member_kv": ops.member_kv,
    "equal": equal,
    "neq": ops.neq,
    "lt": ops.lt,
    "lte": ops.lte,
    "gt": ops.gt,
    "gte": ops.gte,
    "merge_value": ops.merge_value,
    "object_insert": ops.object_insert,
    "set_path": ops.set_path,
    "add_at_path": ops.add_at_path,
    "ensure_path": ops.ensure_path,
    "merge_objects": ops.merge_objects,
    "template_text": ops.template_text,
    "RegoSet": RegoSet,
    "make_object": make_object,
    "BuiltinError": BuiltinError,
    "unexpected": ops.unexpected_builtin_error,
    "BUILTIN_FAILURES": ops.BUILTIN_FAILURES,
    "COUNTABLE": (list, dict, RegoSet, str),  # what count() takes, for its inline form
    "type": type,
    "len": len,
    "all": all,
    "dict": dict,
    "str": str,
    "int": int,
    "list": list,
}


def load(artifact: Any, outer: Optional[dict] = None) -> dict:
    """Run a compiled artifact's code; its namespace (functions by name).

    A module runs over `GLOBALS`, a query over its module's namespace
    (`outer`, copied: the module's own globals are not touched); then come
    the artifact's builtins (`b_<name>`), its constant pool and, for `with
    <builtin> as ...`, every builtin by name (`B`).
    """
    namespace = dict(GLOBALS if outer is None else outer)
    if outer is None:
        namespace["B"] = {name: b.function for name, b in REGISTRY.items()}
    namespace.update({ident: REGISTRY[name].function for ident, name in artifact.builtins.items()})
    namespace.update(artifact.constants)
    namespace["__builtins__"] = {}
    exec(artifact.code, namespace)
    return namespace
