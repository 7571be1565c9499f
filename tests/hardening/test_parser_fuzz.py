"""The CI-sized cousin of `fuzz/parser_fuzz.py`: mutated real modules.

Seeds are every module of OPA's fixtures and the gatekeeper-library (the
atheris harness's corpus); hypothesis picks seeds and mutates them (byte
edits, splices between two modules, truncation). Each mutant is parsed as v1
and as v0: any outcome other than an AST or RegoParseError is a bug.
"""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regolite.errors import RegoParseError
from regolite.parser import parse_module
from tests.conftest import require_shared
from tests.parser.corpus import gatekeeper_rego_files, gatekeeper_template_sources, opa_fixture_modules

# Rego's punctuation and keywords: mutations that reach deep into the grammar.
TOKENS = [b"{", b"}", b"[", b"]", b"(", b")", b"|", b":=", b"=", b"==", b".", b",", b";", b"\n", b'"', b"`",
          b"\\", b"if", b"else", b"some", b"every", b"in", b"not", b"with", b"as", b"contains", b"default",
          b"import", b"package", b"_", b"-", b"1e", b"0x", b"$", b"#", b"\xff", b"\x00", b"\xf0\x9f\x98"]


@functools.lru_cache(maxsize=1)
def seeds() -> tuple[bytes, ...]:
    opa = require_shared("opa-tests")
    library = require_shared("gatekeeper-library")
    texts = [text for _, _, text, _ in opa_fixture_modules(opa)]
    texts += [text for _, _, text in gatekeeper_template_sources(library)]
    texts += [p.read_text(encoding="utf-8") for p in gatekeeper_rego_files(library)]
    return tuple(sorted({t.encode("utf-8") for t in texts}))


def test_the_seed_corpus_is_every_shared_module():
    assert len(seeds()) > 1000


@st.composite
def mutants(draw, edits: tuple = (1, 6)) -> bytes:
    """A seed module with between edits[0] and edits[1] random edits."""
    corpus = seeds()
    data = bytearray(draw(st.sampled_from(corpus)))
    for _ in range(draw(st.integers(*edits))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "splice", "truncate"]))
        if kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif kind == "replace":
            data[at:at + 1] = draw(st.binary(min_size=1, max_size=3))
        elif kind == "splice":
            other = draw(st.sampled_from(corpus))
            start = draw(st.integers(0, len(other)))
            data[at:] = other[start:start + draw(st.integers(0, 400))]
        else:
            del data[at:]
    return bytes(data)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutants())
def test_mutated_real_modules_parse_or_fail_cleanly(data):
    text = data.decode("utf-8", "replace")
    for version in ("v1", "v0"):
        try:
            parse_module(text, "fuzz.rego", rego_version=version)
        except RegoParseError as e:
            assert e.location is not None and e.location.row >= 1
