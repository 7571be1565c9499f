"""`regolite compile -d PATH... --show-python`: check policies; show the Python they become."""

from __future__ import annotations

import sys

from regolite.loader import load_paths
from regolite.policy import compile as compile_policy


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("compile", help="compile policies, report errors, optionally print the generated Python")
    p.add_argument("-d", "--data", action="append", default=[], metavar="PATH", required=True,
                   help="policy (.rego) or data file or directory; repeatable")
    p.add_argument("--show-python", action="store_true", help="print the generated Python source, then the builtins and constants it names")
    p.add_argument("--v0-compatible", action="store_true", help="parse policies with Rego v0 syntax")
    p.set_defaults(run=run)


def run(args) -> int:
    loaded = load_paths(args.data)
    policy = compile_policy(loaded.modules, data=loaded.data, rego_version="v0" if args.v0_compatible else "v1")
    if args.show_python:
        sys.stdout.write(policy.artifact.listing())
    else:
        print(f"ok: {len(loaded.modules)} module(s) compiled", file=sys.stderr)
    return 0
