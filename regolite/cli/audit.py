"""`regolite audit -f POLICIES... --objects DUMP...`: audit a dump of cluster objects (§6.7).

The dump (a `kubectl get -A -o json` List, JSON lines, or YAML files and
directories) is streamed; violations are grouped by constraint as in
Gatekeeper's audit status: `totalViolations` and up to
`--constraint-violations-limit` entries each. Namespace objects in the dump
are collected by a first pass and feed `namespaceSelector`; `--inventory`
also loads the whole dump as `data.inventory` (memory then grows with it).
Exit code 0 whatever the violations; 1 when the audit could not run or an
object could not be reviewed.
"""

from __future__ import annotations

import json
import sys
import time

from regolite.builtins.sprintf import go_quote
from regolite.errors import RegoError
from regolite.gatekeeper.audit import DEFAULT_VIOLATIONS_LIMIT, AuditReport, run_audit


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("audit", help="audit a dump of cluster objects against templates and constraints")
    p.add_argument("-f", "--filename", action="extend", nargs="+", default=[], metavar="POLICY",
                   help="template and constraint files or directories; repeatable")
    p.add_argument("--objects", action="extend", nargs="+", default=[], metavar="FILE_OR_DIR",
                   help="the dump: a kubectl List (JSON), JSON lines, or YAML files and directories; repeatable")
    p.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1: no workers)")
    p.add_argument("-o", "--output", default="text", choices=("text", "json"), help="text (the default) or json")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.add_argument("--constraint-violations-limit", type=int, default=DEFAULT_VIOLATIONS_LIMIT, metavar="N",
                   help=f"violation entries kept per constraint (default {DEFAULT_VIOLATIONS_LIMIT})")
    p.add_argument("--inventory", action="store_true",
                   help="load the whole dump as data.inventory for referential constraints (memory grows with it)")
    p.set_defaults(run=run)


def run(args) -> int:
    if not args.filename:
        print("error: no policies given (-f POLICY...)", file=sys.stderr)
        return 1
    if not args.objects:
        print("error: no objects given (--objects FILE_OR_DIR...)", file=sys.stderr)
        return 1
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 1
    if args.constraint_violations_limit < 0:
        print("error: --constraint-violations-limit must not be negative", file=sys.stderr)
        return 1
    bar = ProgressBar(sys.stderr) if not args.no_progress and sys.stderr.isatty() else None
    started = time.monotonic()
    try:
        report = run_audit(args.filename, args.objects, jobs=args.jobs, limit=args.constraint_violations_limit,
                           inventory=args.inventory, progress=bar)
    except RegoError as e:
        if bar is not None:
            bar.finish()
        print(f"error: {e}", file=sys.stderr)
        return 1
    if bar is not None:
        bar.finish()
    elapsed = time.monotonic() - started
    if args.output == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_text(report, elapsed))
    for message in report.error_samples:
        print(f"error: {message}", file=sys.stderr)
    if report.errors > len(report.error_samples):
        print(f"error: ... and {report.errors - len(report.error_samples)} more review errors", file=sys.stderr)
    return 1 if report.errors else 0


class ProgressBar:
    """`\\r12345 objects, 2345/s` on a terminal; `run_audit` calls it at most 10 times a second."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, count: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = count / elapsed if elapsed > 0 else 0.0
        self.stream.write(f"\r{count} objects, {rate:.0f}/s")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def format_text(report: AuditReport, elapsed: float) -> str:
    """The human-readable report: a summary line, then each constraint with its kept violations."""
    rate = report.objects / elapsed if elapsed > 0 else 0.0
    lines = [
        f"audited {report.objects} objects in {elapsed:.1f}s ({rate:.0f}/s): "
        f"{report.total_violations} violations, {report.errors} review errors",
    ]
    for row in report.constraint_reports():
        total = row["totalViolations"]
        lines.append("")
        lines.append(f"{row['kind']} {row['name']} ({row.get('enforcementAction', '')}): "
                     f"{total} violation{'' if total == 1 else 's'}")
        shown = row.get("violations", [])
        for v in shown:
            gv = f"{v['group']}/{v['version']}" if v["group"] else v["version"]
            where = f"{v['namespace']}/{v['name']}" if v.get("namespace") else v["name"]
            action = ",".join(v["enforcementActions"]) if v.get("enforcementActions") else v["enforcementAction"]
            lines.append(f"  {gv}/{v['kind']} {where} [{action}]: {go_quote(v['message'])}")
        if total > len(shown):
            lines.append(f"  ... {total - len(shown)} more")
    return "\n".join(lines) + "\n"
