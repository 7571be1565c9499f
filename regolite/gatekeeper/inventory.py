"""`data.inventory`: cluster objects a template may read (GATEKEEPER-SEMANTICS.md §5).

Objects are stored by their own apiVersion, kind, namespace and name:
`cluster[<groupVersion>][<Kind>][<name>]` for cluster-scoped objects and
`namespace[<ns>][<groupVersion>][<Kind>][<name>]` for namespaced ones.
Numbers are stored as the framework Gatekeeper uses stores them (§5.4):
round-tripped through JSON into float64, so `1000000` formats as `1e+06`;
`exact_numbers=True` keeps integers exact as the framework's HEAD does.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from regolite.errors import RegoError

INVENTORY_ERROR = "inventory_error"


class InventoryError(RegoError):
    """An object that cannot be stored (no version or no kind)."""

    def __init__(self, message: str) -> None:
        super().__init__(INVENTORY_ERROR, message, None)


class Inventory:
    """The objects behind `data.inventory`; `as_data()` is the value to mount there."""

    def __init__(self, objects: Iterable[dict] = (), *, exact_numbers: bool = False) -> None:
        self.exact_numbers = exact_numbers
        self._root: dict = {}
        self._count = 0
        self.add_all(objects)

    def __len__(self) -> int:
        return self._count

    def add(self, obj: dict) -> None:
        """Store `obj` (a copy), replacing any object at the same path."""
        path = object_path(obj)
        node = self._root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        if path[-1] not in node:
            self._count += 1
        node[path[-1]] = _copy_numbers(obj, self.exact_numbers)

    def add_all(self, objects: Iterable[dict]) -> None:
        for obj in objects:
            self.add(obj)

    def remove(self, obj: dict) -> bool:
        """Remove the object stored at `obj`'s path; False if there was none.

        Emptied parent objects stay, as they do in OPA's store.
        """
        path = object_path(obj)
        node = self._root
        for key in path[:-1]:
            node = node.get(key)
            if not isinstance(node, dict):
                return False
        if path[-1] not in node:
            return False
        del node[path[-1]]
        self._count -= 1
        return True

    def clear(self) -> None:
        self._root = {}
        self._count = 0

    def as_data(self) -> dict:
        """The `data.inventory` value ({} when empty). Shared, not copied: do not mutate."""
        return self._root

    def get(self, obj: dict) -> Optional[dict]:
        """The stored object at `obj`'s path, or None."""
        node: Any = self._root
        for key in object_path(obj):
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def namespace(self, name: str) -> Optional[dict]:
        """The stored core `v1` Namespace `name` (the Namespace cache of §3.2), or None."""
        found = self._root.get("cluster", {}).get("v1", {}).get("Namespace", {}).get(name)
        return found if isinstance(found, dict) else None

    def objects(self) -> list:
        """Every stored object (cluster-scoped first), in insertion order."""
        out = []
        for by_kind in self._root.get("cluster", {}).values():
            for by_name in by_kind.values():
                out.extend(by_name.values())
        for by_gv in self._root.get("namespace", {}).values():
            for by_kind in by_gv.values():
                for by_name in by_kind.values():
                    out.extend(by_name.values())
        return out


def object_path(obj: Any) -> tuple:
    """The inventory path of `obj`: ("cluster", gv, kind, name) or ("namespace", ns, gv, kind, name)."""
    if not isinstance(obj, dict):
        raise InventoryError(f"invalid request object: expected an object, got {type(obj).__name__}")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else ""
    namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else ""
    api_version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) else ""
    group, _, version = api_version.rpartition("/")
    if not version:
        raise InventoryError(f"invalid request object: resource {name} has no version")
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    if not kind:
        raise InventoryError(f"invalid request object: resource {name} has no kind")
    gv = f"{group}/{version}" if group else version
    if namespace:
        return ("namespace", namespace, gv, kind, name)
    return ("cluster", gv, kind, name)


def _copy_numbers(value: Any, exact: bool) -> Any:
    """A deep copy; without `exact`, every integer becomes a float64 (JSON round trip)."""
    if isinstance(value, dict):
        return {k: _copy_numbers(v, exact) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_numbers(v, exact) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not exact:
        try:
            return float(value)
        except OverflowError:
            raise InventoryError(f"cannot decode number {value} into float64") from None
    return value
