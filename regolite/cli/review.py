"""`regolite review -f PATH...`: review objects against templates and constraints, like `gator test` (§7.3).

Which documents are reviewed (every Kubernetes object, templates and
constraints included; other documents skipped with a warning) is the rule of
`regolite.gatekeeper.reviewable`; a run denies when a result does
(`regolite.gatekeeper.engine.denies`): exit 1, as on any error.
"""

from __future__ import annotations

import json
import sys

import yaml

from regolite.builtins.sprintf import go_quote
from regolite.cache import default_cache
from regolite.documents import read_stdin_text
from regolite.errors import RegoError
from regolite.gatekeeper.documents import parse_documents
from regolite.gatekeeper.engine import GATOR, Gatekeeper, ReviewFailed, denies, read_paths
from regolite.gatekeeper.reviewable import sort_documents
from regolite.gatekeeper.scans import load_scan_reports


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("review", help="review objects against templates and constraints (like gator test)")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="template, constraint and object files or directories ('-' for stdin); repeatable")
    p.add_argument("-o", "--output", default="text", help="json, yaml, or text (the default)")
    p.add_argument("--deny-only", action="store_true", help="print only results whose action is deny")
    p.add_argument("--scan-report", action="append", default=[], metavar="PATH",
                   help="Trivy JSON report(s) or ImageScanReport files, added to data.inventory; repeatable")
    p.set_defaults(run=run)


def run(args) -> int:
    docs = []
    try:
        files = [f for f in args.filename if f != "-"]
        docs = read_paths(files)
        if "-" in args.filename:
            docs += parse_documents(read_stdin_text(), source="<stdin>")
    except RegoError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    found = sort_documents(docs)
    skipped = found.skipped
    if skipped:
        print(f"warning: skipped {len(skipped)} document(s) without apiVersion or kind: "
              + ", ".join(d.where for d in skipped[:3]) + (" ..." if len(skipped) > 3 else ""), file=sys.stderr)
    docs = found.reviewable
    if not docs:
        print("error: no input data identified", file=sys.stderr)
        return 1
    gate = Gatekeeper(enforcement_point=GATOR, gator_test=True, cache=default_cache())
    try:
        gate.add_policies(docs)
        gate.add_inventory(d.obj for d in docs)
        if args.scan_report:
            gate.add_inventory(load_scan_reports(args.scan_report))
    except RegoError as e:
        print(f"error: auditing objects: {e}", file=sys.stderr)
        return 1
    rows = []
    failed = False
    for d in docs:
        try:
            results = gate.review(d.obj).results
        except ReviewFailed as e:  # report it, keep the other constraints' verdicts
            print(f"error: auditing objects: reviewing {d.where}: {e}", file=sys.stderr)
            results, failed = e.results, True
        except RegoError as e:
            print(f"error: auditing objects: reviewing {d.where}: {e}", file=sys.stderr)
            results, failed = [], True
        rows.extend((result, d.obj) for result in results)
    rows.sort(key=lambda row: (row[0].enforcement_action, row[0].msg))
    denied = any(denies(r) for r, _ in rows)
    if args.deny_only:
        rows = [(r, o) for r, o in rows if denies(r)]
    _print(rows, args.output)
    return 1 if denied or failed else 0


def _print(rows: list, output: str) -> None:
    if output == "json":
        doc = [{**r.to_json(), "violatingObject": obj, "trace": None} for r, obj in rows]
        sys.stdout.write(json.dumps(doc, indent=4, ensure_ascii=False) + "\n")
    elif output == "yaml":
        doc = []
        for r, obj in rows:
            result = {"target": r.target, "msg": r.msg}
            if r.has_metadata:
                result["metadata"] = {"details": r.details}
            result["constraint"] = {"object": r.constraint.object}
            result["enforcementaction"] = r.enforcement_action
            if r.scoped_actions:
                result["scopedenforcementactions"] = list(r.scoped_actions)
            doc.append({"result": result, "violatingObject": obj, "trace": None})
        sys.stdout.write(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    elif output in ("text", "", "human"):
        for r, obj in rows:
            meta = obj.get("metadata") or {}
            name = meta.get("name", "")
            if meta.get("namespace"):
                name = f"{meta['namespace']}/{name}"
            sys.stdout.write(
                f"{obj.get('apiVersion', '')}/{obj.get('kind', '')} {name}: "
                f"[{go_quote(r.constraint.name)}] Message: {go_quote(r.msg)}\n"
            )
