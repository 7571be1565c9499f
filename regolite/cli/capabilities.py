"""`regolite capabilities`: the builtins and features regolite provides, in OPA's capabilities format."""

from __future__ import annotations

import json
import sys

from regolite.builtins import capabilities


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("capabilities", help="print regolite's capabilities (OPA's JSON format)")
    p.add_argument("--current", action="store_true", help="the capabilities of this regolite (the default)")
    p.set_defaults(run=run)


def run(args) -> int:
    sys.stdout.write(json.dumps(capabilities(), indent=2, sort_keys=True) + "\n")
    return 0
