"""Constraint `spec.match` semantics (GATEKEEPER-SEMANTICS.md §3).

`Target.from_review` gathers what matching looks at for one review (new and
old object, the Namespace object, the review source); `matches` runs the eight
matchers of §3.3 against it and raises `MatchError` where Gatekeeper reports a
match error (§3.6), which callers turn into an autoreject result.
`kind_keys` and `lookup_keys` support a kind index over constraints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from regolite.errors import RegoError

MATCH_ERROR = "match_error"

ANY = "*"
SOURCES = ("All", "Generated", "Original")

_NEITHER_OBJECT = "invalid request object: neither object nor old object are defined"
_MISSING_NS = "namespace selector for namespace-scoped object but missing Namespace"


class MatchError(RegoError):
    """A match error (§3.6): the constraint yields an autoreject result.

    `message` is the error text; `autoreject_message` the result's `msg`.
    """

    def __init__(self, message: str) -> None:
        super().__init__(MATCH_ERROR, message)

    @property
    def autoreject_message(self) -> str:
        """`unable to match constraints: <message>`, the autoreject result's msg."""
        return "unable to match constraints: " + self.message


@dataclass(frozen=True)
class Subject:
    """One object matching is run against (new or old), decoded once."""

    object: dict
    group: str
    kind: str
    name: str
    generate_name: str
    namespace: str
    labels: dict

    @property
    def is_namespace(self) -> bool:
        """The object is a core `Namespace`."""
        return self.group == "" and self.kind == "Namespace"


@dataclass(frozen=True)
class Target:
    """What `matches` looks at for one review.

    `group`/`version`/`kind`/`name`/`namespace`/`operation` are the review's
    (request) values; the matchers themselves read each object's own
    apiVersion/kind/metadata (§3.3). `namespace_object` is the Namespace
    context NS: a dict when present (gator test's empty Namespace is `{}`),
    None when absent. Whether an absent NS means "cluster-scoped" or
    "unknown Namespace" is decided per object by its `metadata.namespace`,
    as Gatekeeper does. `subjects` (decoded new/old objects), `decode_error`,
    `ns_name` and `ns_labels` are derived once, here.
    """

    group: str
    version: str
    kind: str
    name: str
    namespace: str | None
    object: dict | None
    old_object: dict | None
    namespace_object: dict | None = None
    source: str = "Original"
    operation: str = ""
    subjects: tuple[Subject, ...] = field(init=False, repr=False, compare=False)
    decode_error: str | None = field(init=False, repr=False, compare=False)
    ns_name: str = field(init=False, repr=False, compare=False)
    ns_labels: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        subjects, error = [], None
        for obj in (self.object, self.old_object):
            if obj is None:
                continue
            if not isinstance(obj, dict):
                error = error or f"invalid request object: object is a {type(obj).__name__}, not an object"
                continue
            subjects.append(_subject(obj))
        ns = self.namespace_object
        assign = object.__setattr__  # derived fields of a frozen dataclass
        assign(self, "subjects", tuple(subjects))
        assign(self, "decode_error", error)
        assign(self, "ns_name", _meta_str(ns, "name") if isinstance(ns, dict) else "")
        assign(self, "ns_labels", _meta_labels(ns) if isinstance(ns, dict) else {})

    @property
    def has_namespace_object(self) -> bool:
        """NS is present (possibly empty, as in gator test)."""
        return self.namespace_object is not None

    @property
    def kinds(self) -> frozenset[tuple[str, str]]:
        """The (group, kind) pairs of the objects under review, for `lookup_keys`."""
        return frozenset((s.group, s.kind) for s in self.subjects)

    @classmethod
    def from_review(
        cls,
        review: dict,
        namespace_object: dict | None = None,
        *,
        source: str = "Original",
        namespaces: Mapping[str, dict] | Callable[[str], dict | None] | None = None,
        gator_test: bool = False,
    ) -> "Target":
        """Build a Target from an `input.review` document (§3.5).

        NS is, in order: `namespace_object`; the review's `namespaceObject`
        when it is a non-empty object (`{}` means "none", §4.6); in
        `gator_test` mode the empty Namespace `{}` for objects without
        `metadata.namespace` and a label-less `default` Namespace for
        `default`; else `namespaces` (the Namespace cache: a mapping or a
        lookup function) by the review's `namespace`. Otherwise absent.
        """
        kind = review.get("kind")
        kind = kind if isinstance(kind, dict) else {}
        obj = review.get("object")
        old = review.get("oldObject")
        req_ns = review.get("namespace")
        req_ns = req_ns if isinstance(req_ns, str) else ""
        ns = namespace_object
        if ns is None:
            given = review.get("namespaceObject")
            if isinstance(given, dict) and given:
                ns = given
        if ns is None and gator_test:
            ns = _gator_test_namespace(obj if isinstance(obj, dict) else old, namespaces)
        if ns is None and req_ns and namespaces is not None:
            ns = _lookup(namespaces, req_ns)
        name = review.get("name")
        operation = review.get("operation")
        return cls(
            group=_str(kind.get("group")),
            version=_str(kind.get("version")),
            kind=_str(kind.get("kind")),
            name=name if isinstance(name, str) else "",
            namespace=req_ns or None,
            object=obj,
            old_object=old,
            namespace_object=ns,
            source=source,
            operation=operation if isinstance(operation, str) else "",
        )


def matches(match: dict | None, target: Target, matcher: Callable | None = None) -> bool:
    """Whether a constraint's `spec.match` selects the review (§3.2-§3.4).

    Runs the matchers against the new object, then the old one; either may
    match. Raises `MatchError` for the errors of §3.6 (both objects absent,
    namespaceSelector with an unknown Namespace, bad source, bad selector).
    `matcher`, `compile_match(match)` made once, saves working out which
    matchers apply on every review.
    """
    if match is None:
        return True
    if target.decode_error is not None:
        raise MatchError(target.decode_error)
    if not target.subjects:
        raise MatchError(_NEITHER_OBJECT)
    if not isinstance(match, dict):
        raise MatchError(f"invalid match: expected an object, got {type(match).__name__}")
    if matcher is None:
        matcher = compile_match(match)
    for subject in target.subjects:
        try:
            if matcher(subject, target):
                return True
        except _CriteriaError as err:
            raise MatchError(
                f"error matching the requested object: {subject.name} :failed to run Match criteria: {err}"
            ) from None
    return False


def kind_keys(match: dict | None) -> set[tuple[str, str]] | None:
    """The (group, kind) pairs a constraint can match, for a kind index.

    None means "any kind" (no match, no `kinds`, or an entry whose groups
    and kinds are both empty or contain `*`). Otherwise a set of pairs in
    which `"*"` stands for "any" on one side: `("*", "Pod")` is a Pod of any
    group, `("apps", "*")` any kind of group apps. An object of (g, k) can
    match only if one of `lookup_keys(g, k)` is in the set. `matches` must
    still be called: the set is a filter, never a verdict.
    """
    if not isinstance(match, dict):
        return None
    entries = match.get("kinds")
    if not entries or not isinstance(entries, list):
        return None
    keys: set[tuple[str, str]] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        groups = _str_list(entry.get("apiGroups"))
        kinds = _str_list(entry.get("kinds"))
        groups = [ANY] if not groups or ANY in groups else groups
        kinds = [ANY] if not kinds or ANY in kinds else kinds
        if groups == [ANY] and kinds == [ANY]:
            return None
        keys.update((g, k) for g in groups for k in kinds)
    return keys


def lookup_keys(group: str, kind: str) -> tuple[tuple[str, str], ...]:
    """The `kind_keys` entries under which an object of (group, kind) is indexed."""
    return ((group, kind), (ANY, kind), (group, ANY))


def wildcard_matches(pattern: str, text: str) -> bool:
    """Gatekeeper's glob: `*x*` contains, `*x` suffix, `x*` prefix, else equality."""
    if pattern.startswith("*"):
        if len(pattern) > 1 and pattern.endswith("*"):
            return pattern[1:-1] in text
        if len(pattern) == 1:
            return True
        return text.endswith(pattern[1:])
    if pattern.endswith("*"):
        return text.startswith(pattern[:-1])
    return pattern == text


def selector_matches(selector: Any, labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector (§3.4) applied to `labels`.

    Raises ValueError for a selector Kubernetes would refuse to convert.
    """
    return all(req(labels) for req in _requirements(selector))


# --- matchers (§3.3), in Gatekeeper's order --------------------------------------------


class _CriteriaError(Exception):
    """A matcher failed; becomes `failed to run Match criteria: <cause>`."""


def compile_match(match: Any) -> Callable[[Subject, Target], bool]:
    """The matchers `match` sets, in Gatekeeper's order, as one predicate
    over (subject, target). A matcher whose criterion is absent or empty
    always passes without error, so it is left out."""
    if not isinstance(match, dict):
        return lambda s, t: True
    checks: list = []
    kinds, scope, source = match.get("kinds"), match.get("scope"), match.get("source")
    included, excluded = match.get("namespaces"), match.get("excludedNamespaces")
    labels, namespaces, name = match.get("labelSelector"), match.get("namespaceSelector"), match.get("name")
    if kinds:
        checks.append(lambda s, t: _kinds(kinds, s))
    if scope in ("Cluster", "Namespaced"):
        checks.append(lambda s, t: _scope(scope, s, t))
    if included:
        checks.append(lambda s, t: _namespaces(included, s, t, exclude=False))
    if excluded:
        checks.append(lambda s, t: _namespaces(excluded, s, t, exclude=True))
    if labels is not None:
        checks.append(lambda s, t: _label_selector(labels, s))
    if namespaces is not None:
        checks.append(lambda s, t: _namespace_selector(namespaces, s, t))
    if name and isinstance(name, str):
        checks.append(lambda s, t: _name(name, s))
    if source:
        checks.append(lambda s, t: _source(source, s, t))
    if not checks:
        return lambda s, t: True
    if len(checks) == 1:
        return checks[0]
    return lambda s, t: all(check(s, t) for check in checks)


def _kinds(entries: Any, s: Subject) -> bool:
    if not entries:
        return True
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kinds = entry.get("kinds") or ()
        groups = entry.get("apiGroups") or ()
        if (not kinds or ANY in kinds or s.kind in kinds) and (not groups or ANY in groups or s.group in groups):
            return True
    return False


def _scope(scope: Any, s: Subject, t: Target) -> bool:
    if scope == "Cluster":
        return s.is_namespace or not _has_namespace(s, t)
    if scope == "Namespaced":
        return not s.is_namespace and _has_namespace(s, t)
    return True


def _has_namespace(s: Subject, t: Target) -> bool:
    return s.namespace != "" or t.namespace_object is not None


def _namespaces(patterns: Any, s: Subject, t: Target, *, exclude: bool) -> bool:
    if not patterns:
        return True
    if s.is_namespace:
        ns = s.name
    elif t.namespace_object is not None:
        ns = t.ns_name
    elif s.namespace:
        ns = s.namespace
    else:
        return True
    hit = any(isinstance(p, str) and wildcard_matches(p, ns) for p in patterns)
    return not hit if exclude else hit


def _label_selector(selector: Any, s: Subject) -> bool:
    if selector is None:
        return True
    return _selector(selector, s.labels)


def _namespace_selector(selector: Any, s: Subject, t: Target) -> bool:
    if selector is None:
        return True
    if s.is_namespace:
        return _selector(selector, s.labels)
    if t.namespace_object is None:
        if s.namespace == "":
            return True
        raise _CriteriaError(_MISSING_NS)
    return _selector(selector, t.ns_labels)


def _name(pattern: Any, s: Subject) -> bool:
    if not pattern or not isinstance(pattern, str):
        return True
    if wildcard_matches(pattern, s.name):
        return True
    gen = s.generate_name
    if len(pattern) > 1 and pattern.startswith("*") and pattern.endswith("*"):
        return pattern[1:-1] in gen
    if pattern.endswith("*") and not pattern.startswith("*"):
        return gen.startswith(pattern[:-1])
    return False


def _source(value: Any, s: Subject, t: Target) -> bool:
    wanted = value or "All"
    if wanted not in SOURCES:
        raise _CriteriaError(f'invalid source field "{value}"')
    if not t.source and wanted != "All":
        raise _CriteriaError(f"source field not specified for resource {s.name}")
    return wanted == "All" or wanted == t.source


def _selector(selector: Any, labels: Mapping[str, str]) -> bool:
    try:
        return selector_matches(selector, labels)
    except ValueError as err:
        raise _CriteriaError(str(err)) from None


# --- label selectors (§3.4) ------------------------------------------------------------

_NAME = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\Z")
_NAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


def _requirements(selector: Any) -> list[Callable[[Mapping[str, str]], bool]]:
    """Convert a selector to predicates, with Kubernetes' conversion errors."""
    if not isinstance(selector, dict):
        raise ValueError(f"invalid label selector: expected an object, got {type(selector).__name__}")
    reqs: list[Callable[[Mapping[str, str]], bool]] = []
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        raise ValueError("invalid label selector: matchLabels must be an object")
    for key, value in match_labels.items():
        _check_key(key)
        _check_value(value)
        reqs.append(lambda labels, k=key, v=value: k in labels and labels[k] == v)
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise ValueError("invalid label selector: matchExpressions must be a list")
    for expr in expressions:
        reqs.append(_expression(expr))
    return reqs


def _expression(expr: Any) -> Callable[[Mapping[str, str]], bool]:
    if not isinstance(expr, dict):
        raise ValueError("invalid label selector: a matchExpressions entry must be an object")
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
        raise ValueError(f"{_go_quote(op)} is not a valid label selector operator")
    _check_key(key)
    if not isinstance(values, list):
        raise ValueError(f"values: Invalid value: {values!r}: values must be a list")
    if op in ("In", "NotIn") and not values:
        raise ValueError("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty")
    if op in ("Exists", "DoesNotExist") and values:
        raise ValueError(
            f"values: Invalid value: {_go_strings(values)}: values set must be empty for exists and does not exist"
        )
    for value in values:
        _check_value(value)
    allowed = frozenset(values)
    if op == "In":
        return lambda labels: key in labels and labels[key] in allowed
    if op == "NotIn":
        return lambda labels: key not in labels or labels[key] not in allowed
    if op == "Exists":
        return lambda labels: key in labels
    return lambda labels: key not in labels


def _check_key(key: Any) -> None:
    """A label key is a qualified name: `[prefix/]name` (IsQualifiedName)."""
    if not isinstance(key, str):
        raise ValueError(f"key: Invalid value: {key!r}: a label key must be a string")
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        raise ValueError(f'key: Invalid value: "{key}": prefix part must be a lowercase RFC 1123 subdomain')
    if not name:
        raise ValueError(f'key: Invalid value: "{key}": name part must be non-empty')
    if len(name) > 63:
        raise ValueError(f'key: Invalid value: "{key}": name part must be no more than 63 characters')
    if not _NAME.match(name):
        raise ValueError(f'key: Invalid value: "{key}": name part {_NAME_RULE}')


def _check_value(value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError(f"values: Invalid value: {value!r}: a label value must be a string")
    if value and (len(value) > 63 or not _NAME.match(value)):
        raise ValueError(f'values[0]: Invalid value: "{value}": a valid label must be an empty string or {_NAME_RULE}')


def _go_quote(value: Any) -> str:
    return '"' + str(value if value is not None else "") + '"'


def _go_strings(values: list) -> str:
    return "[]string{" + ", ".join(_go_quote(v) for v in values) + "}"


# --- object access ---------------------------------------------------------------------


def _subject(obj: dict) -> Subject:
    """Decode what the matchers read, as `unstructured.Unstructured` getters do."""
    group, kind = "", ""
    api_version = obj.get("apiVersion")
    api_version = api_version if isinstance(api_version, str) else ""
    if api_version.count("/") <= 1:  # Go's ParseGroupVersion; otherwise an empty GVK
        group = api_version.partition("/")[0] if "/" in api_version else ""
        kind = _str(obj.get("kind"))
    return Subject(
        object=obj,
        group=group,
        kind=kind,
        name=_meta_str(obj, "name"),
        generate_name=_meta_str(obj, "generateName"),
        namespace=_meta_str(obj, "namespace"),
        labels=_meta_labels(obj),
    )


def _meta_str(obj: dict, key: str) -> str:
    meta = obj.get("metadata")
    return _str(meta.get(key)) if isinstance(meta, dict) else ""


def _meta_labels(obj: dict) -> dict:
    """`metadata.labels` when it is a string map, else empty (GetLabels ignores bad maps)."""
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        return {}
    return labels


def _gator_test_namespace(obj: Any, namespaces: Any) -> dict | None:
    """gator test's NS (§3.5): `{}` when cluster-scoped, synthetic `default`, else the input's."""
    obj_ns = _meta_str(obj, "namespace") if isinstance(obj, dict) else ""
    if obj_ns == "":
        return {}
    found = _lookup(namespaces, obj_ns) if namespaces is not None else None
    if found is None and obj_ns == "default":
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
    return found


def _lookup(namespaces: Any, name: str) -> dict | None:
    found = namespaces(name) if callable(namespaces) else namespaces.get(name)
    return found if isinstance(found, dict) else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _str_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
