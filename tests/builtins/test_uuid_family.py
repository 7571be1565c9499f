"""UUID builtins; uuid.parse cases transcribed from shared/opa-tests/v1/uuid."""

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, OperandTypeError
from regolite.values import UNDEFINED
from tests.builtin_helpers import call

V2 = {
    "clocksequence": 12800,
    "domain": "Person",
    "id": 1000,
    "macvariables": "local:unicast",
    "nodeid": "32-50-96-b3-9f-47",
    "time": 1693566990121469600,
    "variant": "RFC4122",
    "version": 2,
}


@pytest.mark.parametrize(
    "text, want",
    [
        ("00000000-0000-4000-8000-000000000000", {"variant": "RFC4122", "version": 4}),
        ("000003e8-48b9-21ee-b200-325096b39f47", V2),
        ("38074da4-0b00-388d-9c3c-362de965547a", {"variant": "RFC4122", "version": 3}),
        ("{00000000-0000-4000-8000-000000000000}", {"variant": "RFC4122", "version": 4}),
        ("urn:uuid:000003e8-48b9-21ee-b200-325096b39f47", V2),
        ("URN:UUID:000003E8-48B9-21EE-B200-325096B39F47", V2),
        ("6bea8ef2d3d33cd184e09bab06a52ece", {"variant": "RFC4122", "version": 3}),
    ],
)
def test_parse(text, want):
    assert call("uuid.parse", text) == want


def test_parse_version_1_and_variants():
    got = call("uuid.parse", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")  # RFC 4122's namespace DNS UUID
    assert got == {
        "version": 1,
        "variant": "RFC4122",
        "time": 886630433151182400,  # 1998-02-04, as Python's uuid computes it
        "clocksequence": 180,
        "nodeid": "00-c0-4f-d4-30-c8",
        "macvariables": "global:unicast",
    }
    assert call("uuid.parse", "00000000-0000-4000-c000-000000000000")["variant"] == "Microsoft"
    assert call("uuid.parse", "00000000-0000-4000-e000-000000000000")["variant"] == "Future"
    assert call("uuid.parse", "00000000-0000-4000-0000-000000000000")["variant"] == "Reserved"
    assert call("uuid.parse", "00000000-0000-1000-8000-030000000000")["macvariables"] == "local:multicast"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "123",
        "00000000-0000-4000-8000-00000000000",  # short
        "00000000-0000-4000-8000-0000000000000",  # long
        "00000000_0000-4000-8000-000000000000",
        "0000000g-0000-4000-8000-000000000000",
        "+0000000-0000-4000-8000-000000000000",
        "urn:uuix:00000000-0000-4000-8000-000000000000",
        "6bea8ef2d3d33cd184e09bab06a52ecg",
        "6bea8ef2 d3d33cd184e09bab06a52ec",
    ],
)
def test_parse_invalid_is_undefined(text):
    assert call("uuid.parse", text) is UNDEFINED


def test_parse_needs_a_string():
    # the uuid-parse/negative fixture (input 123) is undefined in OPA: the evaluator
    # turns this type error into undefined outside strict mode
    with pytest.raises(OperandTypeError):
        call("uuid.parse", 123)


@given(st.uuids())
def test_parse_reads_what_python_writes(u):
    got = call("uuid.parse", str(u))
    assert got["version"] == u.bytes[6] >> 4
    if u.variant == uuid.RFC_4122 and u.version == 1:
        assert got["time"] == (u.time - 0x01B21DD213814000) * 100
        assert got["clocksequence"] == u.clock_seq
    assert call("uuid.parse", u.hex) == got
    assert call("uuid.parse", "{" + str(u) + "}") == got
    assert call("uuid.parse", u.urn) == got


def test_rfc4122_gives_version_4_uuids():
    first = call("uuid.rfc4122", "key")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)
    assert call("uuid.parse", first) == {"variant": "RFC4122", "version": 4}
    # the per-query consistency of the uuid.rfc4122 fixture is the evaluator's cache
    assert REGISTRY["uuid.rfc4122"].nondeterministic is True
