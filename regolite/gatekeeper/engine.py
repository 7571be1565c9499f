"""The Gatekeeper client: templates and constraints loaded once, reviews many.

`Gatekeeper` holds validated templates (each compiled once, shared by all its
constraints), constraints indexed by the kinds they can match, and an
inventory for `data.inventory`. `review()` follows GATEKEEPER-SEMANTICS.md
§0's pipeline: build the review (§4), pick the constraints the kind index
allows, filter by enforcement point (§2.5) and `spec.match` (§3; match errors
become autoreject results), evaluate each template's `violation` rule with
each constraint's parameters (§6.1-§6.2), sort (§6.5). `admit()` turns an
AdmissionReview into Gatekeeper's response (§6.6).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable, Optional

from regolite.documents import files_under
from regolite.errors import EVAL_STEP_LIMIT_ERROR, RegoError, RegoEvalError
from regolite.gatekeeper.constraints import Constraint, ConstraintError, load_constraint
from regolite.gatekeeper.documents import Document, read_document_file
from regolite.gatekeeper.inventory import Inventory
from regolite.gatekeeper.match import MatchError, Target, compile_match, kind_keys, lookup_keys, matches
from regolite.gatekeeper.review import (
    ReviewError, make_input, review_from_admission_request, review_from_object, review_values,
)
from regolite.gatekeeper.reviewable import is_constraint, is_template
from regolite.gatekeeper.templates import Template, TemplateError, load_template
from regolite.runtime.deadline import deadline
from regolite.runtime.ops import Budget
from regolite.limits import MAX_DEPTH
from regolite.values import UNDEFINED

TARGET = "admission.k8s.gatekeeper.sh"
WEBHOOK = "validation.gatekeeper.sh"
AUDIT = "audit.gatekeeper.sh"
GATOR = "gator.gatekeeper.sh"
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Result:
    """One violation (§6.3): the message, its details and the constraint that produced it."""

    msg: str
    constraint: Constraint
    enforcement_action: str
    scoped_actions: list = field(default_factory=list)
    details: Any = None
    has_metadata: bool = True  # False for autoreject results (no `metadata` key)
    target: str = TARGET

    def to_json(self) -> dict:
        out: dict = {"target": self.target, "msg": self.msg}
        if self.has_metadata:
            out["metadata"] = {"details": self.details}
        out["constraint"] = self.constraint.object
        out["enforcementAction"] = self.enforcement_action
        if self.scoped_actions:
            out["scopedActions"] = list(self.scoped_actions)
        return out


@dataclass
class ReviewResult:
    """All results of one review, in Gatekeeper's order (action, then message)."""

    results: list

    @property
    def messages(self) -> list:
        return [r.msg for r in self.results]

    def denied(self) -> bool:
        """Whether the review denies: one of its results does (`denies`)."""
        return any(denies(r) for r in self.results)


class ReviewFailed(ReviewError):
    """The review failed as Gatekeeper's does (a non-string `msg`, a template that
    cannot run), but the other constraints were still evaluated: `results` holds
    their verdicts, `problems` one line per failing constraint."""

    def __init__(self, problems: list, results: list) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.results = results


class Gatekeeper:
    """Templates, constraints and inventory; reviews objects and admission requests.

    `enforcement_point` decides which scoped actions apply (§2.5):
    `validation.gatekeeper.sh` for the webhook (the default), `gator.gatekeeper.sh`
    for gator-style offline checks, `audit.gatekeeper.sh` for audits.
    `gator_test=True` reviews as `gator test` does (Namespace handling of §3.5).
    `cache` (e.g. `regolite.cache.default_cache()`) keeps compiled templates on
    disk, so a later process starts without parsing or compiling them.
    """

    def __init__(self, *, enforcement_point: str = WEBHOOK, gator_test: bool = False, cache: Any = None) -> None:
        self.enforcement_point = enforcement_point
        self.cache = cache  # a regolite.cache.CompileCache: compiled templates reused across runs
        self.gator_test = gator_test  # cluster-scoped objects get an empty Namespace (§3.5)
        self.templates: dict[str, Template] = {}  # by lower-cased kind
        self.constraints: dict[tuple, Constraint] = {}
        self.inventory = Inventory()
        self._by_kind: dict[tuple, list] = {}
        self._any_kind: list = []
        # constraint key -> compile_match(constraint.match), one shared by every constraint
        # whose match is the same, so that a review works each distinct match out once
        self._matchers: dict[tuple, Any] = {}
        self._matchers_by_text: dict[str, list] = {}  # canonical match text -> [matcher, users]
        self._candidate_lists: dict[frozenset, list] = {}  # target kinds -> _candidates' answer

    # --- loading -------------------------------------------------------------------

    @classmethod
    def from_paths(cls, paths: Iterable[str], **options: Any) -> "Gatekeeper":
        """Templates and constraints from files and directories (other objects are ignored)."""
        gate = cls(**options)
        gate.add_policies(read_paths(paths))
        return gate

    def add_policies(self, docs: Iterable[Document]) -> list:
        """Add the templates among `docs`, then the constraints (gator's order);
        return the other documents."""
        docs = list(docs)
        for doc in docs:
            if is_template(doc.obj):
                self.add_template(doc.obj, source=doc.where)
        for doc in docs:
            if is_constraint(doc.obj):
                self.add_constraint(doc.obj, source=doc.where)
        return [d for d in docs if not is_template(d.obj) and not is_constraint(d.obj)]

    def add_template(self, doc: dict, *, source: str = "<template>") -> Template:
        template = load_template(doc, source=source, cache=self.cache)
        if not template.cel_only:
            template.policy()  # compile now: errors belong to loading, not to a review
        key = template.kind.lower()
        self.templates[key] = template
        for c in list(self.constraints.values()):  # a replaced template replaces its constraints' code
            if c.kind.lower() == key:
                c.template = template
        return template

    def add_constraint(self, doc: dict, *, source: str = "<constraint>") -> Constraint:
        constraint = load_constraint(doc, self.templates, source=source)
        if constraint.template is None:
            constraint.template = self.templates.get(constraint.kind.lower())
        self.remove_constraint(constraint.kind, constraint.name)
        self.constraints[constraint.key] = constraint
        self._matchers[constraint.key] = self._shared_matcher(constraint.match)
        self._candidate_lists.clear()
        keys = kind_keys(constraint.match)
        if keys is None:
            self._any_kind.append(constraint)
        else:
            for key in keys:
                self._by_kind.setdefault(key, []).append(constraint)
        return constraint

    def _shared_matcher(self, match: Any):
        """The compiled matcher of another constraint with the same `match`, if any."""
        text = _match_text(match)
        if text is None:
            return compile_match(match)
        entry = self._matchers_by_text.get(text)
        if entry is None:
            entry = self._matchers_by_text[text] = [compile_match(match), 0]
        entry[1] += 1
        return entry[0]

    def remove_constraint(self, kind: str, name: str) -> None:
        old = self.constraints.pop((kind, name), None)
        self._matchers.pop((kind, name), None)
        text = None if old is None else _match_text(old.match)
        entry = self._matchers_by_text.get(text) if text is not None else None
        if entry is not None:
            entry[1] -= 1
            if not entry[1]:
                del self._matchers_by_text[text]
        self._candidate_lists.clear()
        if old is None:
            return
        self._any_kind = [c for c in self._any_kind if c is not old]
        for key, group in list(self._by_kind.items()):
            self._by_kind[key] = [c for c in group if c is not old]

    def add_inventory(self, objects: Iterable[dict]) -> None:
        """Objects for `data.inventory` (referential constraints) and the Namespace cache."""
        self.inventory.add_all(objects)

    # --- reviewing ------------------------------------------------------------------

    def review(self, item: dict, *, namespace_object: Optional[dict] = None,
               timeout: Optional[float] = None, max_steps: Optional[int] = None,
               max_depth: Optional[int] = MAX_DEPTH) -> ReviewResult:
        """Review a Kubernetes object, an AdmissionRequest or an AdmissionReview.

        Raises ReviewError for what Gatekeeper reports as a review error
        (malformed request, DELETE without oldObject, non-string `msg`) and
        for a review document nested more than `max_depth` levels deep;
        RegoEvalError(eval_cancel_error) when the review runs past `timeout`
        seconds, and RegoEvalError(eval_step_limit_error) when it takes more than
        `max_steps` steps: its constraints' loop iterations (see `Policy.query`)
        and its own work (`review_steps`, `result_steps`).
        """
        budget = None if max_steps is None else Budget(max_steps)
        with deadline(timeout):
            return self._review(item, namespace_object, budget, max_depth)

    def _review(self, item: dict, namespace_object: Optional[dict], budget: Optional[Budget],
                max_depth: Optional[int]) -> ReviewResult:
        # made plain JSON and checked once here, so each constraint's evaluation need not
        review, size = review_values(self._review_document(item, namespace_object), max_depth)
        target = Target.from_review(
            review, namespace_object, namespaces=self.inventory.namespace, gator_test=self.gator_test
        )
        results: list[Result] = []
        problems: list[str] = []
        point = self.enforcement_point
        data = {"inventory": self.inventory.as_data()}
        frozen: dict = {}  # set keys of the review's objects, frozen once for all constraints
        verdicts: dict = {}  # matcher -> True, False or the MatchError, for constraints sharing a match
        candidates = self._candidates(target)
        if budget is not None:
            budget.charge(review_steps(size, len(candidates)))
        for constraint in candidates:
            actions = constraint.actions_for(point)
            if not actions:
                continue
            scoped = constraint.scoped_actions_for(point)
            matcher = self._matchers[constraint.key]
            verdict = verdicts.get(matcher)
            if verdict is None:
                try:
                    verdict = matches(constraint.match, target, matcher)
                except MatchError as e:
                    verdict = e
                verdicts[matcher] = verdict
            if verdict is False:
                continue
            if verdict is not True:
                results.append(Result(verdict.autoreject_message, constraint, constraint.enforcement_action, scoped,
                                      None, has_metadata=False))
                continue
            try:
                results.extend(self._evaluate(constraint, review, data, scoped, budget, frozen))
            except ReviewError as e:
                problems.append(f"{constraint.kind}/{constraint.name} ({constraint.source}): {e.message}")
        results.sort(key=lambda r: (r.enforcement_action, r.msg.encode("utf-8", "surrogatepass")))
        if problems:
            raise ReviewFailed(problems, results)
        return ReviewResult(results)

    def _review_document(self, item: Any, namespace_object: Optional[dict]) -> dict:
        if not isinstance(item, dict):
            raise ReviewError(f"cannot review a {type(item).__name__}: expected an object or an AdmissionRequest")
        if item.get("kind") == "AdmissionReview" and "request" in item:
            return review_from_admission_request(item["request"], namespace_object=namespace_object)
        if isinstance(item.get("kind"), dict) or ("operation" in item and "uid" in item):
            return review_from_admission_request(item, namespace_object=namespace_object)
        return review_from_object(item, namespace_object=namespace_object)

    def _candidates(self, target: Target) -> list:
        """Constraints the kind index allows for this review, in (kind, name) order
        (kept per set of reviewed kinds until the constraints change)."""
        kinds = target.kinds
        found = self._candidate_lists.get(kinds)
        if found is None:
            if len(self._candidate_lists) >= 1024:  # requests choose their kinds: keep it bounded
                self._candidate_lists.clear()
            found = self._candidate_lists[kinds] = self._index_lookup(kinds)
        return found

    def _index_lookup(self, kinds: frozenset) -> list:
        seen: dict[int, Constraint] = {}
        for c in self._any_kind:
            seen[id(c)] = c
        for group, kind in kinds:
            for key in lookup_keys(group, kind):
                for c in self._by_kind.get(key, ()):
                    seen[id(c)] = c
        return sorted(seen.values(), key=lambda c: (c.kind, c.name))

    def _evaluate(self, constraint: Constraint, review: dict, data: dict, scoped: list,
                  budget: Optional[Budget] = None, frozen: Optional[dict] = None) -> list:
        template = constraint.template
        action = constraint.enforcement_action
        try:
            if template is None:
                raise ReviewError(f"no template for constraint kind {constraint.kind}")
            policy = template.policy()
            value = policy.eval_prepared(template.violation_rule, make_input(review, constraint.parameters), data,
                                         budget=budget, frozen=frozen)
        except RegoEvalError as e:
            if e.code == EVAL_STEP_LIMIT_ERROR:
                raise  # the budget is the whole review's: it fails as a missed deadline does
            # §6.2: an evaluation error is one result per constraint, message = the error.
            return [Result(str(e), constraint, action, scoped, None)]
        except TemplateError as e:
            raise ReviewError(str(e)) from None
        if value is UNDEFINED or not isinstance(value, list):
            return []
        out = []
        for element in value:
            if not isinstance(element, dict) or "msg" not in element:
                continue  # §6.1: silently dropped
            msg = element["msg"]
            if not isinstance(msg, str):
                raise ReviewError(
                    f"{TARGET}: Rego: extracting message binding: .msg accessor error: {msg!r} is of the type "
                    f"{_go_type(msg)}, expected string"
                )
            details = element.get("details", {})
            out.append(Result(msg, constraint, action, scoped, details))
        if budget is not None and out:
            budget.charge(result_steps(out))
        return out

    # --- admission -------------------------------------------------------------------

    def admit(self, admission_review: dict, *, timeout: Optional[float] = None,
              max_steps: Optional[int] = None, max_depth: Optional[int] = MAX_DEPTH) -> dict:
        """An AdmissionReview (admission.k8s.io/v1) answered as Gatekeeper answers it (§6.6).

        A review past `timeout` seconds or `max_steps` steps, or of
        a document nested more than `max_depth` levels, is answered as an
        error (500, fail closed).
        """
        request = admission_review.get("request") if isinstance(admission_review, dict) else None
        uid = request.get("uid", "") if isinstance(request, dict) else ""
        api_version = admission_review.get("apiVersion", "admission.k8s.io/v1") if isinstance(admission_review, dict) else "admission.k8s.io/v1"
        try:
            if not isinstance(request, dict):
                raise ReviewError("AdmissionReview has no request")
            result = self.review(request, timeout=timeout, max_steps=max_steps, max_depth=max_depth)
            response = admission_response(result)
        except RegoError as e:
            name = (request or {}).get("name", "") if isinstance(request, dict) else ""
            response = {"allowed": False, "status": {"code": 500, "message": f"error reviewing resource {name}: {e}"}}
        response = {"uid": uid, **response}
        return {"apiVersion": api_version, "kind": "AdmissionReview", "response": response}


# --- what a review costs ------------------------------------------------------------
#
# The runtime charges the step budget for the loops of generated code; a review
# does more, and is charged for it here, so that `max_steps` bounds its time:
# a huge object is refused before any template runs, a flood of violations
# while it is produced. One charge per review, one per constraint with results.

RESULT_STEPS = 32  # one violation: a sprintf, a set insertion, its conversion, a Result, the sort
MESSAGE_CHARS_PER_STEP = 64


def review_steps(size: int, candidates: int) -> int:
    """The steps a review costs before any template runs: building its document
    walked `size` elements; each of the `candidates` the kind index selected is
    matched and, if it matches, handed the whole document, which its rules may
    read in full (a loop over a collection is charged its size only when it starts)."""
    return size * (1 + candidates) + candidates


def result_steps(results: list) -> int:
    """The steps of producing `results` (violations), by their number and the size of their messages."""
    return len(results) * RESULT_STEPS + sum(map(len, map(_MESSAGE, results))) // MESSAGE_CHARS_PER_STEP


_MESSAGE = attrgetter("msg")


def _match_text(match: Any) -> Optional[str]:
    """`spec.match` as canonical JSON text (None if it is not JSON data)."""
    try:
        return json.dumps(match, sort_keys=True)
    except (TypeError, ValueError):
        return None


def effective_actions(result: Result) -> list:
    """§6.6: the scoped actions for `scoped` results, else the enforcement action."""
    if result.enforcement_action == "scoped":
        return [a for a in result.scoped_actions if a in ("deny", "warn", "dryrun")]
    return [result.enforcement_action] if result.enforcement_action in ("deny", "warn", "dryrun") else []


def denies(result: Result) -> bool:
    """The one deny verdict: `deny` is among the result's effective actions, that is
    `enforcementAction: deny`, or `scoped` with a scoped action `deny` at the
    enforcement point. The webhook refuses the request (§6.6); `regolite review`
    exits 1 and prints such results with `--deny-only`, as gator test does (§7.3)."""
    return "deny" in effective_actions(result)


def admission_response(result: ReviewResult) -> dict:
    """The AdmissionResponse fields for a review's results (§6.6), the denial held to
    `DENIAL_BYTES` and the warnings to `WARNING_BYTES` (see `bounded_messages`)."""
    denials, warnings = [], []
    for r in result.results:
        text = f"[{r.constraint.name}] {r.msg}"
        for action in effective_actions(r):
            if action == "deny":
                denials.append(text)
            elif action == "warn":
                warnings.append(text)
    if denials:
        message = "\n".join(bounded_messages(denials, DENIAL_BYTES, "violations"))
        out: dict = {"allowed": False, "status": {"code": 403, "reason": "Forbidden", "message": message}}
    elif warnings:
        out = {"allowed": True, "status": {"code": 299}}
    else:
        out = {"allowed": True, "status": {"code": 200}}
    if warnings:
        out["warnings"] = bounded_messages(warnings, WARNING_BYTES, "warnings")
    return out


# What an admission response may carry. Gatekeeper's webhook sets no limit (its audit
# keeps 256 bytes a message, §6.7); the API server passes on 4 KiB of warnings, cutting
# each to 256 characters once they are over (k8s.io/apiserver warning recorder). A
# review of a valid 1.5 MB object can fail thousands of times: the denial is bounded
# the same way, at a size no real denial reaches.
DENIAL_BYTES = 32 * 1024
WARNING_BYTES = 4 * 1024
MESSAGE_LIMIT = 256  # bytes (§6.7)


def bounded_messages(messages: list, limit: int, noun: str) -> list:
    """`messages` as they are when, one a line, they fit in `limit` bytes; else each cut
    to `MESSAGE_LIMIT` bytes (`truncate_message`), as many as fit, and a last line
    saying how many more there were."""
    if sum(map(len, messages)) * 4 + len(messages) <= limit:
        return messages  # fits even if every character took 4 bytes
    if sum(len(m.encode("utf-8", "surrogatepass")) + 1 for m in messages) <= limit:
        return messages
    out: list = []
    room = limit - 100  # for the last line
    for i, message in enumerate(messages):
        text = truncate_message(message)
        room -= len(text.encode("utf-8", "surrogatepass")) + 1
        if room < 0:
            out.append(f"... and {len(messages) - i} more {noun} (the response holds at most {limit} bytes)")
            break
        out.append(text)
    return out


def truncate_message(msg: str) -> str:
    """§6.7: a message over 256 bytes keeps its first 253 bytes plus `...`.

    A UTF-8 sequence cut in two leaves one U+FFFD per remaining byte, as Go's
    JSON encoder writes them.
    """
    if len(msg) * 4 <= MESSAGE_LIMIT:
        return msg
    data = msg.encode("utf-8", "surrogatepass")
    if len(data) <= MESSAGE_LIMIT:
        return msg
    cut = data[: MESSAGE_LIMIT - 3]
    text = cut.decode("utf-8", "ignore")
    dropped = len(cut) - len(text.encode("utf-8"))
    return text + "\ufffd" * dropped + "..."


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "json.Number"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return type(value).__name__


# --- documents ----------------------------------------------------------------------


def read_paths(paths: Iterable[str]) -> list[Document]:
    """Every document in the files and directories (walked recursively) named."""
    out: list[Document] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in files_under(path, DOCUMENT_SUFFIXES):
                out.extend(read_document_file(file))
        elif os.path.lexists(path):  # a symlink loop exists too: reading it names the problem
            if not raw.endswith(DOCUMENT_SUFFIXES):
                raise ReviewError(f'path "{raw}" must be of extensions: [.yaml .yml .json]')
            out.extend(read_document_file(path))
        else:
            raise ReviewError(f"{raw}: no such file or directory")
    return out


__all__ = [
    "Gatekeeper", "Result", "ReviewResult", "ReviewFailed", "admission_response", "denies", "effective_actions",
    "read_paths", "is_template", "is_constraint", "bounded_messages", "truncate_message", "review_steps",
    "result_steps", "TemplateError", "ConstraintError", "ReviewError", "MatchError",
]
