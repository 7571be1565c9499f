"""Parses in different threads do not share state: each has its own context."""

from __future__ import annotations

import threading

from regolite import RegoParseError, parse_module

# Modules that use every piece of per-parse state: the file name (locations),
# the version, imports (keywords, v1 rules, `not { }`), wildcards, template
# strings (parsed by a nested driver), and errors with recovery.
MODULES = [
    ("v1.rego", "v1", 'package a\np if { input[_] == input[_] }\nmsg := $"{input.x} and {input[_]}"\n'),
    ("v0.rego", "v0", "package b\nq[x] { x := input[_] }\nr { contains(\"ab\", \"a\") }\n"),
    ("v0_rego_v1.rego", "v0", "package c\nimport rego.v1\ns contains x if { some x in input }\n"),
    ("v0_v2.rego", "v0", "package d\nimport rego.v2\nt if { not { input.a; input.b } }\n"),
    ("v0_future.rego", "v0", "package e\nimport future.keywords.in\nu { 1 in input }\n"),
    ("broken.rego", "v0", "package f\nimport rego.v1\nbad := )\nw { true }\nz if { 1 in [1] }\n"),
    ("broken_v1.rego", "v1", "package g\nx := [1,\ny if {\n  some i in input\n}\nz := $\"{input.a\"\n"),
]


def outcome(name: str, version: str, text: str):
    try:
        module = parse_module(text, name, rego_version=version)
    except RegoParseError as e:
        return [str(x) for x in e.errors]
    return repr(module), module.to_json()


def test_parsing_from_8_threads_at_once_gives_the_single_threaded_results():
    expected = {name: outcome(name, version, text) for name, version, text in MODULES}
    start = threading.Barrier(8)
    mismatches: list = []

    def work(offset: int) -> None:
        start.wait()
        for round_ in range(30):
            name, version, text = MODULES[(offset + round_) % len(MODULES)]
            got = outcome(name, version, text)
            if got != expected[name]:
                mismatches.append((name, got))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not mismatches, mismatches[:3]
