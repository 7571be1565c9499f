"""Which documents are objects to review (GATEKEEPER-SEMANTICS.md §7.1, §7.3, §7.4, §6.7).

gator reads templates, constraints and objects from the same files and tells
them apart by one rule (§7.1), kept here for every command:

- a template has group `templates.gatekeeper.sh` and kind `ConstraintTemplate`
  (any version), a constraint has group `constraints.gatekeeper.sh` (any kind);
- a Kubernetes object, the only kind of document that can be reviewed or
  stored in `data.inventory`, has a non-empty string `apiVersion` and `kind`
  (Lists were already flattened to their items by the readers). Other
  documents, such as kustomization files without an apiVersion or Trivy scan
  reports given to `-f` instead of `--scan-report`, are not reviewable
  (`unreviewable_reason` says why).

What each command does with them follows the gator command it mirrors:

- `regolite review` (gator test, §7.3) reviews every Kubernetes object,
  templates and constraints included, and stores them all as inventory;
- `regolite bench` (gator bench, §7.4) reviews and stores only the objects that
  are neither templates nor constraints;
- both skip the documents that are not Kubernetes objects with a warning
  (gator stops with an error when it adds one as data);
- `regolite audit` (§6.7) reviews every object of a dump, which holds cluster
  objects only: one that is not reviewable is a review error.

When a review's results deny is `regolite.gatekeeper.engine.denies`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from regolite.gatekeeper.constraints import CONSTRAINTS_GROUP
from regolite.gatekeeper.documents import Document
from regolite.gatekeeper.templates import TEMPLATES_GROUP

TEMPLATE_KIND = "ConstraintTemplate"


def is_template(obj: dict) -> bool:
    """A ConstraintTemplate, of any version."""
    return _group(obj) == TEMPLATES_GROUP and obj.get("kind") == TEMPLATE_KIND


def is_constraint(obj: dict) -> bool:
    """A Constraint: anything in the constraints group, whatever its kind."""
    return _group(obj) == CONSTRAINTS_GROUP


def unreviewable_reason(obj: Any) -> Optional[str]:
    """Why `obj` is not a Kubernetes object that can be reviewed, or None when it is."""
    if not isinstance(obj, dict):
        return "cannot review a document that is not an object"
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        return "cannot review an object without a kind"
    api_version = obj.get("apiVersion")
    if not isinstance(api_version, str) or not api_version:
        return "cannot review an object without an apiVersion"
    return None


def is_reviewable(obj: Any) -> bool:
    """Whether `obj` is a Kubernetes object: a non-empty string `apiVersion` and `kind`."""
    return unreviewable_reason(obj) is None


@dataclass
class SortedDocuments:
    """The documents of some files, sorted by §7.1's rule, each list in input order."""

    templates: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    objects: list = field(default_factory=list)  # Kubernetes objects that are neither
    skipped: list = field(default_factory=list)  # documents that are not Kubernetes objects
    reviewable: list = field(default_factory=list)  # templates, constraints and objects, as they came


def sort_documents(docs: Iterable[Document]) -> SortedDocuments:
    """Templates and constraints (by group first, as gator does, so that a broken
    one is reported when it is loaded rather than skipped), then the other
    Kubernetes objects; what is left is not reviewable."""
    out = SortedDocuments()
    for d in docs:
        if is_template(d.obj):
            out.templates.append(d)
        elif is_constraint(d.obj):
            out.constraints.append(d)
        elif is_reviewable(d.obj):
            out.objects.append(d)
        else:
            out.skipped.append(d)
            continue
        out.reviewable.append(d)
    return out


def _group(obj: dict) -> str:
    api = obj.get("apiVersion", "")
    return api.split("/")[0] if isinstance(api, str) and "/" in api else ""
