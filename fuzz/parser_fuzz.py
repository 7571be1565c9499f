#!/usr/bin/env python3
"""Coverage-guided fuzzing of the Rego parser with atheris (libFuzzer).

Any outcome other than an AST or `RegoParseError` is a bug: atheris reports
the exception and the input that caused it.

    pip install atheris
    python fuzz/make_corpus.py fuzz/corpus            # seeds: OPA fixtures and gatekeeper-library
    python fuzz/parser_fuzz.py fuzz/corpus -runs=1000000 -max_len=4096

Each input is parsed as v1 and as v0 (the first byte chooses which goes first).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from regolite.errors import RegoParseError
    from regolite.parser import parse_module


def test_one_input(data: bytes) -> None:
    if not data:
        return
    versions = ("v1", "v0") if data[0] % 2 else ("v0", "v1")
    text = data[1:].decode("utf-8", "replace")
    for version in versions:
        try:
            parse_module(text, "fuzz.rego", rego_version=version)
        except RegoParseError:
            pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
