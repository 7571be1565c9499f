"""How long parsing real policies takes: every gatekeeper-library template of
library/general, parsed from source to AST (the lark tables are built once per
process, before timing).

    pytest benchmarks/test_parse.py --benchmark-only
"""

from __future__ import annotations

from benchmarks.conftest import require_shared
from regolite import parse_module
from tests.parser.corpus import gatekeeper_template_sources


def test_parse_general_library(benchmark):
    root = require_shared("gatekeeper-library")
    sources = [s for s in gatekeeper_template_sources(root) if "/library/general/" in s[0]]
    assert len(sources) >= 30
    parse_module("package warm\np := 1\n")

    def parse_all():
        for source_id, version, text in sources:
            parse_module(text, source_id, rego_version=version)

    benchmark.pedantic(parse_all, rounds=20, warmup_rounds=2)
    benchmark.extra_info["modules"] = len(sources)
    benchmark.extra_info["lines"] = sum(text.count("\n") + 1 for _, _, text in sources)
