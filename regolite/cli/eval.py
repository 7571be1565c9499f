"""`regolite eval QUERY`: evaluate a query, in the style of `opa eval`."""

from __future__ import annotations

import json
import sys

from regolite.loader import LoadError, load_paths, read_document
from regolite.parser import parse_query
from regolite.policy import compile as compile_policy


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("eval", help="evaluate a Rego query")
    p.add_argument("query", help="the query, e.g. data.example.allow")
    p.add_argument("-d", "--data", action="append", default=[], metavar="PATH",
                   help="policy (.rego) or data (.json/.yaml) file or directory; repeatable")
    p.add_argument("-i", "--input", metavar="FILE", help="input document (JSON or YAML)")
    p.add_argument("-I", "--stdin-input", action="store_true", help="read the input document from stdin")
    p.add_argument("-f", "--format", choices=("json", "pretty", "raw", "bindings"), default="json")
    p.add_argument("--v0-compatible", action="store_true", help="parse policies with Rego v0 syntax")
    p.add_argument("--strict-builtin-errors", action="store_true", help="builtin errors stop evaluation")
    p.add_argument("--max-steps", type=int, default=None, metavar="N",
                   help="stop with eval_step_limit_error after N loop iterations (default: no limit)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop with eval_cancel_error after SECONDS (default: no limit)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--fail", action="store_true", help="exit 1 when the result is undefined")
    group.add_argument("--fail-defined", action="store_true", help="exit 1 when the result is defined")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        loaded = load_paths(args.data)
        input_value = _input(args)
    except LoadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    version = "v0" if args.v0_compatible else "v1"
    policy = compile_policy(loaded.modules, data=loaded.data, rego_version=version)
    kwargs = {"strict_builtin_errors": args.strict_builtin_errors, "max_steps": args.max_steps,
              "timeout": args.timeout}
    if input_value is not _NO_INPUT:
        kwargs["input"] = input_value
    results = policy.query(args.query, **kwargs)
    _print(results, args)
    defined = bool(results)
    if args.fail and not defined or args.fail_defined and defined:
        return 1
    return 0


_NO_INPUT = object()


def _input(args):
    if args.stdin_input:
        return read_document("-")
    if args.input:
        from pathlib import Path

        return read_document(Path(args.input))
    return _NO_INPUT


def _print(results: list, args) -> None:
    texts = _expression_texts(args.query)
    if args.format == "json":
        # opa eval's layout: struct fields in Go's order, values' object keys sorted
        out = {}
        if results:
            rows = []
            for r in results:
                exprs = [
                    {"value": _sorted(v), "text": texts[i][0], "location": {"row": texts[i][1], "col": texts[i][2]}}
                    for i, v in enumerate(r["expressions"])
                ]
                row = {"expressions": exprs}
                if r["bindings"]:
                    row["bindings"] = _sorted(r["bindings"])
                rows.append(row)
            out["result"] = rows
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    elif args.format == "bindings":
        sys.stdout.write(json.dumps([r["bindings"] for r in results], indent=2, sort_keys=True) + "\n")
    elif args.format == "raw":
        for r in results:
            for v in r["expressions"]:
                sys.stdout.write((v if isinstance(v, str) else json.dumps(v, sort_keys=True)) + "\n")
    else:  # pretty
        if not results:
            sys.stdout.write("undefined\n")
        for r in results:
            if r["bindings"]:
                sys.stdout.write(json.dumps(r["bindings"], indent=2, sort_keys=True) + "\n")
            else:
                for v in r["expressions"]:
                    sys.stdout.write(json.dumps(v, indent=2, sort_keys=True) + "\n")


def _sorted(value):
    """A JSON value with every object's keys in sorted order (Go's map encoding)."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _expression_texts(query: str) -> list:
    """(text, row, col) of each expression of the query, in written order."""
    body = parse_query(query).body
    lines = query.split("\n")
    offsets = []
    for expr in body:
        row, col = expr.loc.row, expr.loc.col
        offsets.append(sum(len(line) + 1 for line in lines[: row - 1]) + col - 1)
    out = []
    for i, expr in enumerate(body):
        end = offsets[i + 1] if i + 1 < len(offsets) else len(query)
        text = query[offsets[i]:end].strip().rstrip(";").strip()
        out.append((text, expr.loc.row, expr.loc.col))
    return out
