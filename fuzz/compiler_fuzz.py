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

import atheris

with atheris.instrument_imports():
    import regolite
    from regolite.errors import RegoError

INPUT = {"review": {"object": {"metadata": {"name": "x", "labels": {"a": "b"}},
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
         "parameters": {"labels": ["a"], "n": 3}}


def test_one_input(data: bytes) -> None:
    if not data:
        return
    version = "v0" if data[0] % 2 else "v1"
    text = data[1:].decode("utf-8", "replace")
    try:
        policy = regolite.compile({"fuzz.rego": text}, rego_version=version)
    except RegoError:
        return
    for path in sorted(policy._functions):
        try:
            policy.eval_rule(path, input=INPUT, timeout=0.05, max_steps=10_000)
        except RegoError:
            pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
