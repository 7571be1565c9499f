"""`regolite fmt FILE...`: print Rego modules in the layout of `opa fmt`.

The output is always Rego v1; with `--v0-compatible` the input is read as v0,
so this also converts v0 policies. Each result is parsed again and compared
with the original tree before anything is printed or written. Comments are
not in the AST, so formatting drops them: `-w` leaves a file with comments
alone unless `--drop-comments` is given.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from pathlib import Path
from typing import Iterator, Optional

from regolite.cli.output import read_text
from regolite.errors import RegoParseError
from regolite.format import format_module
from regolite.parser import parse_module
from regolite.parser.lexer import Source, scan


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("fmt", help="format Rego modules (v1 syntax, like opa fmt)")
    p.add_argument("files", nargs="+", metavar="FILE", help=".rego files or directories ('-' for stdin)")
    p.add_argument("--write", "-w", action="store_true", help="rewrite the files in place")
    p.add_argument("--diff", "-d", action="store_true", help="print a unified diff instead of the formatted text")
    p.add_argument("--v0-compatible", action="store_true", help="read Rego v0 (the output is v1)")
    p.add_argument("--drop-comments", action="store_true", help="with -w: rewrite files even if comments are lost")
    p.set_defaults(run=run)


def run(args) -> int:
    version = "v0" if args.v0_compatible else "v1"
    status = 0
    for path in _rego_files(args.files):
        if not _format_file(path, version, args):
            status = 1
    return status


def _format_file(path: str, version: str, args) -> bool:
    """Format one file as `args` asks; False (after saying why on stderr) on failure."""
    text, name = read_text(path)
    if text is None:
        print(f"error: {name}", file=sys.stderr)
        return False
    try:
        formatted = format_source(text, name, version)
    except RegoParseError as e:
        print(str(e), file=sys.stderr)
        return False
    except ValueError as e:
        print(f"{name}: cannot format: {e}", file=sys.stderr)
        return False
    changed = formatted != text
    lossy = changed and has_comments(text)
    if args.diff and changed:
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(keepends=True), formatted.splitlines(keepends=True), f"a/{name}", f"b/{name}"))
    if args.write and path != "-":
        if lossy and not args.drop_comments:
            print(f"{name}: not rewritten: formatting would drop its comments (--drop-comments to allow)",
                  file=sys.stderr)
            return False
        if changed:
            try:
                _write(path, formatted)
            except OSError as e:
                print(f"error: {name}: {e.strerror or e}", file=sys.stderr)
                return False
        return True
    if lossy:
        print(f"{name}: warning: comments are not preserved", file=sys.stderr)
    if not args.diff:
        sys.stdout.write(formatted)
    return True


def format_source(text: str, name: str = "<string>", rego_version: str = "v1") -> str:
    """The formatted module, checked to parse back (as v1) to the same tree."""
    module = parse_module(text, name, rego_version=rego_version)
    formatted = format_module(module)
    try:
        again = parse_module(formatted, name, rego_version="v1")
    except RegoParseError as e:
        raise ValueError(f"the v1 text does not parse ({e.message}); a v0 name may be a v1 keyword") from None
    if repr(again) != repr(dataclasses.replace(module, rego_version="v1")):
        raise ValueError("the formatted text does not parse back to the same policy")
    return formatted


def has_comments(text: str) -> bool:
    """Does `text` hold a comment? (A `#` outside every token; it has parsed.)"""
    pos = 0
    for tok in scan(Source(text, "")):
        if tok.type == "NL":
            continue  # a run of newlines also swallows the comments between them
        if "#" in text[pos:tok.start_pos]:
            return True
        pos = tok.end_pos
    return "#" in text[pos:]


def _rego_files(paths: list[str]) -> Iterator[str]:
    """The paths, with each directory replaced by the .rego files below it."""
    for path in paths:
        if path != "-" and os.path.isdir(path):
            yield from (str(p) for p in sorted(Path(path).rglob("*.rego")))
        else:
            yield path


def _write(path: str, text: str) -> None:
    """Replace the file atomically, keeping its permissions."""
    tmp = f"{path}.{os.getpid()}.tmp"
    mode: Optional[int] = None
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        pass
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
