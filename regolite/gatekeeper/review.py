"""The `input` document templates see (GATEKEEPER-SEMANTICS.md §4).

`review_from_object` wraps a plain object (audit, gator) and
`review_from_admission_request` an AdmissionRequest (webhook, gator verify
AdmissionReview files) into `input.review`; `make_input` adds the parameters.
Objects are used by reference, never copied, unless `review_values` must
make them plain JSON values: generated code tests exact types, so a dict
subclass (an OrderedDict, ruamel's CommentedMap), a list subclass or a
tuple would read as no object at all, and a Pod that must be denied would
be allowed.
"""

from __future__ import annotations

from typing import Any, Optional

from regolite.documents import json_type, to_json_value
from regolite.errors import RegoError
from regolite.values import TooDeep, from_json, plain_size

REVIEW_ERROR = "review_error"

DELETE = "DELETE"


class ReviewError(RegoError):
    """The review cannot be built (malformed request, DELETE without oldObject)."""

    def __init__(self, message: str) -> None:
        super().__init__(REVIEW_ERROR, message)


def review_from_object(
    obj: dict,
    *,
    namespace_object: dict | None = None,
    operation: str = "",
) -> dict:
    """`input.review` for a plain object (§4.2, §4.3, §4.6).

    `operation` is `""` except for expansion resultants, which carry the
    parent request's; for `DELETE` both `object` and `oldObject` are `obj`.
    `namespaceObject` is `namespace_object`, or `{}` when there is none.
    """
    if not isinstance(obj, dict):
        raise ReviewError(f"cannot review a {_type(obj)}: expected a Kubernetes object")
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ReviewError("cannot review an object without a kind")
    api_version = obj.get("apiVersion", "")
    if not isinstance(api_version, str) or api_version.count("/") > 1:
        raise ReviewError(f"cannot review an object with apiVersion {api_version!r}")
    group, _, version = api_version.rpartition("/")
    if not isinstance(operation, str):
        raise ReviewError(f"operation must be a string, got {_type(operation)}")
    review: dict[str, Any] = {
        "uid": "",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": "", "version": "", "resource": ""},
    }
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        name, namespace = meta.get("name"), meta.get("namespace")
        if isinstance(name, str) and name:
            review["name"] = name
        if isinstance(namespace, str) and namespace:
            review["namespace"] = namespace
    review["operation"] = operation
    review["userInfo"] = {}
    review["object"] = obj
    review["oldObject"] = obj if operation == DELETE else None
    review["options"] = None
    review["namespaceObject"] = _namespace_object(namespace_object)
    return review


def review_from_admission_request(
    request: dict,
    *,
    namespace_object: dict | None = None,
    webhook: bool = True,
) -> dict:
    """`input.review` for an admission.k8s.io/v1 AdmissionRequest (§4.2, §4.4, §4.5).

    Keeps the known fields in Go's key order and drops unknown ones, with
    omitempty fields left out when empty, `object`/`oldObject`/`options`
    always present (null when missing) and a missing `kind`/`resource` as
    empty strings (library AdmissionReview samples omit `kind`). `webhook` blanks `namespace` for
    core `Namespace` requests, as only the webhook does. DELETE copies
    `oldObject` into `object`. Raises ReviewError for malformed requests.
    """
    if not isinstance(request, dict):
        raise ReviewError(f"invalid AdmissionRequest: expected an object, got {_type(request)}")
    kind = _gvk(request, "kind", "kind")
    review: dict[str, Any] = {"uid": _string(request, "uid"), "kind": kind}
    review["resource"] = _gvk(request, "resource", "resource")
    _put_string(review, request, "subResource")
    for key, last in (("requestKind", "kind"), ("requestResource", "resource")):
        if request.get(key) is not None:
            review[key] = _gvk(request, key, last)
    _put_string(review, request, "requestSubResource")
    _put_string(review, request, "name")
    _put_string(review, request, "namespace")
    if webhook and kind["group"] == "" and kind["kind"] == "Namespace":
        review.pop("namespace", None)
    operation = _string(request, "operation")
    review["operation"] = operation
    review["userInfo"] = _user_info(request.get("userInfo"))
    obj, old = _object(request, "object"), _object(request, "oldObject")
    if operation == DELETE:
        if old is None:
            raise ReviewError("oldObject cannot be nil for DELETE operations")
        obj = old
    review["object"] = obj
    review["oldObject"] = old
    dry_run = request.get("dryRun")
    if dry_run is not None:
        if not isinstance(dry_run, bool):
            raise ReviewError(f"invalid AdmissionRequest: dryRun must be a boolean, got {_type(dry_run)}")
        review["dryRun"] = dry_run
    review["options"] = _object(request, "options")
    review["namespaceObject"] = _namespace_object(namespace_object)
    return review


def review_values(review: dict, max_depth: Optional[int]) -> tuple[dict, int]:
    """The review document made only of plain JSON values, and the number of
    elements its collections hold (what building it walked, for the step budget).

    Already plain (the common case) it is returned as it is, after one walk;
    otherwise subclasses of dict, list and str and tuples become the plain types,
    keys that are numbers, booleans or null become strings (as JSON has them), and
    anything else JSON cannot hold (a set, a tuple key, NaN) is a ReviewError naming
    its path, as is nesting deeper than `max_depth` levels.
    """
    depth = _UNLIMITED_DEPTH if max_depth is None else max_depth
    try:
        size = plain_size(review, depth)
        if size is None:
            review = to_json_value(from_json(review, max_depth))
            size = plain_size(review, depth)
    except TooDeep as e:
        raise ReviewError(f"the review document is {e}") from None
    except (TypeError, ValueError) as e:  # NotJsonValue is a ValueError
        raise ReviewError(f"the object under review is not JSON data: {e}") from None
    except RecursionError:
        raise ReviewError("the object under review is nested too deeply") from None
    return review, size


_UNLIMITED_DEPTH = 1 << 30


def make_input(review: dict, parameters: Any) -> dict:
    """`input` inside a template: the review and the constraint's parameters (`{}` if None)."""
    return {"review": review, "parameters": {} if parameters is None else parameters}


# --- helpers ---------------------------------------------------------------------------


def _namespace_object(ns: Any) -> dict:
    """§4.6: the Namespace object, or `{}` (Go's typed-nil map) when there is none."""
    if ns is None:
        return {}
    if not isinstance(ns, dict):
        raise ReviewError(f"namespace object must be an object, got {_type(ns)}")
    return ns


def _gvk(request: dict, key: str, last: str) -> dict:
    """A `{group, version, <last>}` field; missing (or null) parts are `""`, as Go decodes them."""
    value = request.get(key)
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ReviewError(f"invalid AdmissionRequest: {key} must be an object, got {_type(value)}")
    out = {}
    for part in ("group", "version", last):
        item = value.get(part, "")
        if item is None:
            item = ""
        if not isinstance(item, str):
            raise ReviewError(f"invalid AdmissionRequest: {key}.{part} must be a string, got {_type(item)}")
        out[part] = item
    return out


def _string(request: dict, key: str) -> str:
    value = request.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReviewError(f"invalid AdmissionRequest: {key} must be a string, got {_type(value)}")
    return value


def _put_string(review: dict, request: dict, key: str) -> None:
    value = _string(request, key)
    if value:
        review[key] = value


def _object(request: dict, key: str) -> dict | None:
    value = request.get(key)
    if value is not None and not isinstance(value, dict):
        raise ReviewError(f"invalid AdmissionRequest: {key} must be an object, got {_type(value)}")
    return value


def _user_info(info: Any) -> dict:
    """authentication/v1 UserInfo: username, uid, groups, extra; each omitted when empty."""
    if info is None:
        return {}
    if not isinstance(info, dict):
        raise ReviewError(f"invalid AdmissionRequest: userInfo must be an object, got {_type(info)}")
    out: dict[str, Any] = {}
    for key in ("username", "uid"):
        value = info.get(key)
        if value is not None and not isinstance(value, str):
            raise ReviewError(f"invalid AdmissionRequest: userInfo.{key} must be a string, got {_type(value)}")
        if value:
            out[key] = value
    groups = info.get("groups")
    if groups is not None:
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise ReviewError("invalid AdmissionRequest: userInfo.groups must be a list of strings")
        if groups:
            out["groups"] = groups
    extra = info.get("extra")
    if extra is not None:
        if not isinstance(extra, dict) or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in extra.values()
        ):
            raise ReviewError("invalid AdmissionRequest: userInfo.extra must map strings to lists of strings")
        if extra:
            out["extra"] = extra
    return out


def _type(value: Any) -> str:
    """A JSON type name for messages."""
    return json_type(value, integer="number")
