#!/usr/bin/env python3
"""Coverage-guided fuzzing of the whole pipeline with atheris: parse, compile
to Python, run.

Each input that parses (as v1, or v0 when the first byte is odd) is compiled;
each module that compiles has every rule of its package evaluated against a
small input, with a step budget and a deadline. Any outcome other than a value,
UNDEFINED or a RegoError (parse, compile or evaluation error) is a bug: a crash
of the code generator, generated code that does not compile, or an evaluation
that escapes the runtime's error handling.

    pip install atheris
    python fuzz/make_corpus.py fuzz/corpus
    python fuzz/compiler_fuzz.py fuzz/corpus -runs=100000 -max_len=4096
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

with atheris.instrument_imports():
    from tests.hardening.pipeline import compile_and_run


def test_one_input(data: bytes) -> None:
    if not data:
        return
    compile_and_run(data[1:].decode("utf-8", "replace"), "v0" if data[0] % 2 else "v1")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
