"""`regolite parse FILE`: print a module's AST, like `opa parse`."""

from __future__ import annotations

import json
import sys

from regolite.cli.output import read_text, usage_error
from regolite.parser import parse_module


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("parse", help="parse a Rego module and print its AST")
    p.add_argument("file", help="the .rego file ('-' for stdin)")
    p.add_argument("--format", "-f", choices=("pretty", "json"), default="pretty", help="output format")
    p.add_argument("--v0-compatible", action="store_true", help="parse with Rego v0 syntax")
    p.add_argument("--include-location", action="store_true", help="with --format json: add each node's location")
    p.set_defaults(run=run)


def run(args) -> int:
    text, name = read_text(args.file)
    if text is None:
        return usage_error(name)
    module = parse_module(text, name, rego_version="v0" if args.v0_compatible else "v1")
    if args.format == "json":
        doc = module.to_json()
        if args.include_location:
            doc = _with_locations(module)
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(pretty(module))
    return 0


def pretty(node, depth: int = 0) -> str:
    """An indented outline of the tree: one node a line, with its location."""
    from dataclasses import fields

    from regolite.ast import Node

    pad = "  " * depth
    label = type(node).__name__
    scalars = []
    for f in fields(node):
        value = getattr(node, f.name)
        if f.name == "loc" or isinstance(value, (Node, tuple)) or value is None:
            continue
        scalars.append(f"{f.name}={value!r}")
    loc = getattr(node, "loc", None)
    where = f"  # {loc.row}:{loc.col}" if loc is not None and loc.row else ""
    out = f"{pad}{label}{(' ' + ' '.join(scalars)) if scalars else ''}{where}\n"
    for child in node.children():
        out += pretty(child, depth + 1)
    return out


def _with_locations(module) -> dict:
    from regolite.ast import walk

    doc = module.to_json()
    doc["locations"] = [
        {"node": type(n).__name__, **n.loc.to_json()} for n in walk(module) if getattr(n, "loc", None) and n.loc.row
    ]
    return doc
