"""The `regolite` command line: subcommands in the style of `opa` and `gator`.

Each subcommand is a module with `add_parser(subparsers)` and `run(args) -> int`.
`main` is the single place where errors become messages and exit codes: a
`RegoError` prints as `file:row:col: code: message`, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from regolite import __version__
from regolite.errors import RegoError

COMMANDS = ("eval", "test", "verify", "review", "bench", "audit", "serve", "parse", "fmt", "compile", "capabilities")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regolite", description="A compiled Rego engine and Gatekeeper toolkit.")
    parser.add_argument("--version", action="version", version=f"regolite {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"regolite.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"regolite.cli.{name}":
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI with `argv` (default: sys.argv[1:]); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except RegoError as e:
        print(str(e), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    except RecursionError:
        print("regolite: input nested too deeply to process", file=sys.stderr)
        return 1
    except Exception as e:  # a bug in regolite: say so in one line, never a traceback
        print(f"regolite: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


def run() -> None:  # console script entry point
    sys.exit(main())
