"""`python -m conformance [PATH] [--json FILE] [-v]`: OPA's fixtures, a table per folder."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from conformance.runner import expected_failures, run_all

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "opa-tests"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance")
    parser.add_argument("path", nargs="?", default=str(DEFAULT_ROOT), help="the opa-tests folder")
    parser.add_argument("--json", dest="json_file", help="write the figures as JSON to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each failure")
    parser.add_argument("--folder", action="append", help="only these folders")
    args = parser.parse_args(argv)
    root = Path(args.path)
    if not root.is_dir():
        print(f"error: {root} is not a folder (pass the path to OPA's opa-tests)", file=sys.stderr)
        return 2
    outcomes = run_all(root)
    if args.folder:
        outcomes = [o for o in outcomes if o.case.folder in args.folder]
    known = expected_failures()
    table: dict = defaultdict(lambda: {"cases": 0, "passed": 0, "failed": 0, "skipped": 0})
    unexpected, fixed = [], []
    for o in outcomes:
        row = table[o.case.folder]
        row["cases"] += 1
        row[o.status] += 1
        if o.status == "failed" and o.case.note not in known:
            unexpected.append(o)
        if o.status == "passed" and o.case.note in known:
            fixed.append(o)
    total = {k: sum(r[k] for r in table.values()) for k in ("cases", "passed", "failed", "skipped")}
    rate = total["passed"] / total["cases"] * 100 if total["cases"] else 0.0
    print(f"{'folder':<28} {'cases':>6} {'passed':>7} {'failed':>7} {'skipped':>8}")
    for folder in sorted(table):
        r = table[folder]
        print(f"{folder:<28} {r['cases']:>6} {r['passed']:>7} {r['failed']:>7} {r['skipped']:>8}")
    print(f"{'TOTAL':<28} {total['cases']:>6} {total['passed']:>7} {total['failed']:>7} {total['skipped']:>8}")
    print(f"pass rate: {rate:.1f}%")
    if args.verbose:
        for o in outcomes:
            if o.status == "failed":
                print(f"FAIL {o.case.file} :: {o.case.note}\n   {o.detail}")
    if fixed:
        print(f"{len(fixed)} case(s) in expected_failures.yaml now pass; remove them:")
        for o in fixed:
            print(f"  {o.case.note}")
    if unexpected:
        print(f"{len(unexpected)} failure(s) not in expected_failures.yaml")
    if args.json_file:
        Path(args.json_file).write_text(json.dumps({"folders": table, "total": total, "pass_rate": rate}, indent=2))
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
