"""net.cidr_*: Go's net parsing and containment (cases from OPA's netcidr* fixtures and docs)."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import BuiltinError, OperandTypeError
from regolite.builtins.net import MAX_EXPAND, format_ip, parse_cidr, parse_ip
from regolite.errors import EVAL_BUILTIN_ERROR
from regolite.values import RegoSet
from tests.builtin_helpers import call


# --- net.cidr_contains / net.cidr_overlap --------------------------------------------------

CONTAINS_CASES = [
    # v1/netcidrcontains
    ("10.0.0.0/8", "10.1.0.0/24", True),
    ("2001:4860:4860::8888/32", "2001:4860:4860:1234::8888/40", True),
    ("2001:4860:4860::8888/32", "2001:4860:4860:1234:5678:1234:5678:8888/128", True),
    ("10.0.0.0/8", "10.1.2.3", True),
    # more
    ("10.0.0.0/8", "11.1.2.3", False),
    ("10.0.0.0/8", "10.0.0.0/7", False),  # starts inside, ends outside
    ("10.0.0.0/8", "10.0.0.0/8", True),
    ("10.1.2.3/8", "10.200.0.0/16", True),  # host bits of the CIDR are ignored
    ("0.0.0.0/0", "255.255.255.255", True),
    ("192.168.1.0/24", "192.168.2.1", False),
    ("1.2.3.0/24", "::ffff:1.2.3.4", True),  # IPv4-mapped IPv6 is IPv4
    ("::ffff:1.2.3.0/120", "1.2.3.4", True),  # and so is a mapped CIDR of prefix >= 96
    ("::ffff:1.2.3.0/120", "1.2.4.0/24", False),
    ("::/0", "1.2.3.4", False),  # an IPv6 network holds no IPv4 address
    ("0.0.0.0/0", "::1", False),
    ("fd00::/8", "fd12:3456::1", True),
    ("fd00::/8", "FD12:3456::1", True),
    ("10.0.0.0/008", "10.0.0.1", True),  # Go's dtoi accepts leading zeros in the prefix
]


@pytest.mark.parametrize("name", ["net.cidr_contains", "net.cidr_overlap"])
@pytest.mark.parametrize("cidr, cidr_or_ip, want", CONTAINS_CASES)
def test_contains(name, cidr, cidr_or_ip, want):
    assert call(name, cidr, cidr_or_ip) is want


def test_contains_errors():
    with pytest.raises(BuiltinError) as info:
        call("net.cidr_contains", "not-a-cidr", "192.168.1.67")
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message == "invalid CIDR address: not-a-cidr"
    with pytest.raises(BuiltinError) as info:
        call("net.cidr_contains", "192.168.1.0/28", "not-a-cidr")
    assert info.value.message == "not a valid textual representation of an IP address or CIDR: not-a-cidr"
    with pytest.raises(BuiltinError, match="invalid CIDR address: 10.0.0.1"):
        call("net.cidr_contains", "10.0.0.1", "10.0.0.1")  # an address is not a CIDR
    with pytest.raises(OperandTypeError, match="operand 2 must be string but got number"):
        call("net.cidr_contains", "10.0.0.0/8", 1)


# --- parsing as Go does ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cidr, valid",
    [
        # v0/netcidrisvalid
        ("192.168.1.0/24", True),
        ("", False),
        ("there goes a string", False),
        ("192.168.1.2", False),
        ("2002::1234:abcd:ffff:c0a8:101/64", True),
        # more
        (1, False),  # not a type error
        (None, False),
        ("010.0.0.0/8", False),  # leading zeros in IPv4 fields
        ("10.0.0/8", False),
        ("10.0.0.0/33", False),
        ("10.0.0.0/", False),
        ("10.0.0.0/-1", False),
        ("10.0.0.0/+8", False),
        ("10.0.0.0/8 ", False),
        ("::/128", True),
        ("::/129", False),
        ("::ffff:1.2.3.0/120", True),
        ("fe80::1%eth0/64", False),  # zones are refused
        ("1:2:3:4:5:6:7:8:9/64", False),
        ("1::2::3/64", False),
        ("१.२.३.४/8", False),  # non-ASCII digits
    ],
)
def test_cidr_is_valid(cidr, valid):
    assert call("net.cidr_is_valid", cidr) is valid


@pytest.mark.parametrize(
    "text, want",
    [
        ("1.2.3.4", (4, 0x01020304)),
        ("::ffff:1.2.3.4", (4, 0x01020304)),
        ("::1", (6, 1)),
        ("01.2.3.4", None),
        ("1.2.3", None),
        ("1.2.3.4/32", None),
        ("fe80::1%eth0", None),
        ("", None),
    ],
)
def test_parse_ip(text, want):
    assert parse_ip(text) == want


def test_parse_cidr_normalises_mapped_networks():
    assert parse_cidr("::ffff:1.2.3.4/120") == ipaddress.ip_network("1.2.3.0/24")
    assert parse_cidr("::ffff:1.2.3.4/64") == ipaddress.ip_network("::/64")
    assert parse_cidr("10.1.2.3/8") == ipaddress.ip_network("10.0.0.0/8")


@pytest.mark.parametrize(
    "version, value, text",
    [
        (4, 0x0A000001, "10.0.0.1"),
        (6, 0x20010DB8 << 96 | 1, "2001:db8::1"),
        (6, 0xFFFF << 32 | 0x01020304, "1.2.3.4"),  # Go prints IPv4-mapped as IPv4
        (6, 1 << 112 | 1 << 80 | 1, "1:0:1::1"),  # the longest zero run is compressed
        (6, 1 << 112 | 1, "1::1"),
        (6, 1 << 96 | 1 << 64 | 1 << 16, "0:1:0:1::1:0"),
    ],
)
def test_format_ip(version, value, text):
    assert format_ip(version, value) == text


# --- net.cidr_intersects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, want",
    [
        ("192.168.0.0/16", "192.168.1.0/24", True),
        ("192.168.1.0/24", "192.168.0.0/16", True),
        ("10.0.0.0/8", "192.168.1.0/24", False),
        ("fd1e:5bfe:8af3:9ddc::/64", "fd1e:5bfe:8af3:9ddc:1111::/72", True),
        ("fd1e:5bfe:8af3:9ddc::/64", "10.0.0.0/8", False),
        ("10.0.0.0/31", "10.0.0.1/32", True),
    ],
)
def test_intersects(a, b, want):
    assert call("net.cidr_intersects", a, b) is want


def test_intersects_error():
    with pytest.raises(BuiltinError, match="invalid CIDR address: 10.0.0.1"):
        call("net.cidr_intersects", "10.0.0.0/8", "10.0.0.1")


# --- net.cidr_expand ----------------------------------------------------------------------------


def test_expand():
    assert call("net.cidr_expand", "192.168.0.0/30") == RegoSet(
        ["192.168.0.0", "192.168.0.1", "192.168.0.2", "192.168.0.3"]
    )
    assert call("net.cidr_expand", "10.0.0.1/32") == RegoSet(["10.0.0.1"])
    assert call("net.cidr_expand", "10.0.0.7/31") == RegoSet(["10.0.0.6", "10.0.0.7"])
    assert call("net.cidr_expand", "2001:db8::/127") == RegoSet(["2001:db8::", "2001:db8::1"])
    assert call("net.cidr_expand", "::ffff:1.2.3.0/127") == RegoSet(["1.2.3.0", "1.2.3.1"])
    assert len(call("net.cidr_expand", "10.0.0.0/16")) == 65536


def test_expand_errors():
    with pytest.raises(BuiltinError, match="invalid CIDR address: 10.0.0.1"):
        call("net.cidr_expand", "10.0.0.1")
    with pytest.raises(BuiltinError, match="more than"):
        call("net.cidr_expand", "::/64")
    assert MAX_EXPAND >= 1 << 16


# --- net.cidr_merge -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "addrs, want",
    [
        (["192.0.128.0/24", "192.0.129.0/24"], ["192.0.128.0/23"]),  # OPA's docs
        (RegoSet(["192.0.128.0/24", "192.0.129.0/24"]), ["192.0.128.0/23"]),
        (["10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8"], ["10.0.0.0/8"]),  # contained and duplicates
        (["1.0.0.0", "1.0.0.1"], ["1.0.0.0/31"]),  # addresses are /32
        (["1.0.0.1", "1.0.0.2"], ["1.0.0.1/32", "1.0.0.2/32"]),  # not siblings
        (["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"], ["10.0.0.0/23", "10.0.2.0/24"]),
        (["10.1.2.3/24"], ["10.1.2.0/24"]),
        (["2001:db8::/33", "2001:db8:8000::/33", "::1"], ["2001:db8::/32", "::1/128"]),
        (["1.2.3.4", "2001:db8::/32"], ["1.2.3.4/32", "2001:db8::/32"]),
        (["::ffff:1.2.3.0/120"], ["1.2.3.0/24"]),
        ([], []),
    ],
)
def test_merge(addrs, want):
    assert call("net.cidr_merge", addrs) == RegoSet(want)


def test_merge_errors():
    with pytest.raises(BuiltinError, match="element must be string"):
        call("net.cidr_merge", ["10.0.0.0/8", 1])
    with pytest.raises(BuiltinError, match="invalid CIDR address: bad"):
        call("net.cidr_merge", ["bad"])
    with pytest.raises(OperandTypeError, match="operand 1 must be one of {array, set} but got string"):
        call("net.cidr_merge", "10.0.0.0/8")


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(16, 32)), max_size=8))
def test_merge_covers_exactly_the_same_addresses(nets):
    cidrs = [f"{ipaddress.IPv4Address(n)}/{p}" for n, p in nets]
    merged = call("net.cidr_merge", cidrs)
    for cidr in cidrs:
        assert any(call("net.cidr_contains", m, cidr) for m in merged)
    for m in merged:
        net = ipaddress.ip_network(m)
        for probe in (net.network_address, net.broadcast_address):
            assert any(call("net.cidr_contains", c, str(probe)) for c in cidrs)
    # no two merged networks overlap
    merged = list(merged)
    for i, a in enumerate(merged):
        for b in merged[i + 1 :]:
            assert not call("net.cidr_intersects", a, b)


# --- net.cidr_contains_matches -----------------------------------------------------------------


def test_contains_matches():
    # OPA's docs
    assert call("net.cidr_contains_matches", "1.1.1.0/24", "1.1.1.128") == RegoSet([["1.1.1.0/24", "1.1.1.128"]])
    assert call("net.cidr_contains_matches", ["1.1.1.0/24", "1.1.2.0/24"], "1.1.1.128") == RegoSet(
        [[0, "1.1.1.128"]]
    )
    cidrs = [["1.1.0.0/16", "foo"], "1.1.2.0/24"]
    addresses = ["1.1.1.128", ["1.1.254.254", "bar"]]
    assert call("net.cidr_contains_matches", cidrs, addresses) == RegoSet([[0, 0], [0, 1]])
    cidrs = {"x": "1.1.0.0/16", "y": ["1.1.1.0/24", 7]}
    addresses = RegoSet(["1.1.1.1", "9.9.9.9"])
    assert call("net.cidr_contains_matches", cidrs, addresses) == RegoSet([["x", "1.1.1.1"], ["y", "1.1.1.1"]])
    assert call("net.cidr_contains_matches", RegoSet([["10.0.0.0/8", "tag"]]), "10.1.1.1") == RegoSet(
        [[["10.0.0.0/8", "tag"], "10.1.1.1"]]
    )
    assert call("net.cidr_contains_matches", [], ["not even checked", 1]) == RegoSet()


def test_contains_matches_errors():
    with pytest.raises(BuiltinError, match="operand 1: embedded array must have at least one element"):
        call("net.cidr_contains_matches", [[]], "1.1.1.1")
    with pytest.raises(BuiltinError, match="operand 2: cidr must be string or array but got number"):
        call("net.cidr_contains_matches", "1.1.1.0/24", [1])
    with pytest.raises(BuiltinError, match="invalid CIDR address: nope"):
        call("net.cidr_contains_matches", "nope", "1.1.1.1")
    with pytest.raises(OperandTypeError, match="operand 1 must be string but got number"):
        call("net.cidr_contains_matches", [[1]], "1.1.1.1")
