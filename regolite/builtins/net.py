"""Network builtins: net.cidr_contains, net.cidr_intersects, net.cidr_merge, ... as OPA computes them with Go's net.

Addresses are parsed as Go's net.ParseIP and net.ParseCIDR parse them
(netip syntax: IPv4 with exactly four decimal fields and no leading zeros,
IPv6 with an optional embedded IPv4, no zones). Go treats an IPv4-mapped
IPv6 address (::ffff:a.b.c.d) as the IPv4 address, and so an IPv4-mapped
CIDR with a prefix of 96 or more as the IPv4 CIDR of prefix - 96; an IPv4
network never contains an IPv6 address and vice versa. Both rules are applied
by normalising every address to (version, integer) and every CIDR to an
`ipaddress` network (both immutable, so parses are cached by text).
"""

from __future__ import annotations

import functools
import ipaddress

from regolite.builtins import BuiltinError, OperandTypeError, builtin
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    STRING,
    array_of,
    array_tuple,
    object_of,
    one_of,
    set_of,
)
from regolite.values import RegoSet, object_items, type_name

NET = ("net",)

# Parsed addresses and CIDRs are cached (LRU, keyed by the text).
CACHE_SIZE = 1024

# net.cidr_expand refuses CIDRs with more addresses than this (OPA has no
# limit and would run until the query is cancelled).
MAX_EXPAND = 1 << 20

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The operands of net.cidr_contains_matches: a CIDR or address, or a
# collection of them, each either a string or an array whose first element is.
_MATCH_TERM = one_of(STRING, array_of(ANY))
_MATCH_OPERAND = one_of(STRING, array_of(_MATCH_TERM), object_of(STRING, _MATCH_TERM), set_of(_MATCH_TERM))


# --- builtins ----------------------------------------------------------------------------


@builtin("net.cidr_contains", args=(STRING, STRING), result=BOOLEAN, categories=NET)
def net_cidr_contains(cidr, cidr_or_ip):
    """Whether `cidr` contains the address or every address of the CIDR `cidr_or_ip`."""
    network = _cidr_operand(cidr)
    ip = parse_ip(cidr_or_ip)
    if ip is not None:
        return _contains(network, ip)
    other = parse_cidr(cidr_or_ip)
    if other is None:
        raise BuiltinError(f"not a valid textual representation of an IP address or CIDR: {cidr_or_ip}")
    first = (other.version, int(other.network_address))
    if not _contains(network, first):
        return False
    return _contains(network, (other.version, int(other.broadcast_address)))


@builtin("net.cidr_overlap", args=(STRING, STRING), result=BOOLEAN, categories=NET, deprecated=True)
def net_cidr_overlap(cidr, cidr_or_ip):
    return net_cidr_contains(cidr, cidr_or_ip)


@builtin("net.cidr_intersects", args=(STRING, STRING), result=BOOLEAN, categories=NET)
def net_cidr_intersects(cidr1, cidr2):
    a = _cidr_operand(cidr1)
    b = _cidr_operand(cidr2)
    return _contains(a, (b.version, int(b.network_address))) or _contains(b, (a.version, int(a.network_address)))


@builtin("net.cidr_is_valid", args=(STRING,), result=BOOLEAN, categories=NET, check_args=False)
def net_cidr_is_valid(cidr):
    # OPA answers false, not a type error, for a non-string operand.
    return type(cidr) is str and parse_cidr(cidr) is not None


@builtin(
    "net.cidr_contains_matches",
    args=(_MATCH_OPERAND, _MATCH_OPERAND),
    result=set_of(array_tuple(ANY, ANY)),
    categories=NET,
)
def net_cidr_contains_matches(cidrs, cidrs_or_ips):
    """The [key in `cidrs`, key in `cidrs_or_ips`] pairs where the first's CIDR contains the second's address or CIDR.

    A key is the string itself for a string operand, the index in an array,
    the element of a set or the key of an object; an element given as an
    array stands for its first element.
    """
    result = RegoSet()
    for cidr, cidr_key in _match_terms(cidrs, 1):
        for address, address_key in _match_terms(cidrs_or_ips, 2):
            if type(cidr) is not str:
                raise OperandTypeError(1, "string", cidr)
            if type(address) is not str:
                raise OperandTypeError(2, "string", address)
            if net_cidr_contains(cidr, address):
                result.add([cidr_key, address_key])
    return result


@builtin("net.cidr_expand", args=(STRING,), result=set_of(STRING), categories=NET)
def net_cidr_expand(cidr):
    """Every address of `cidr`, as strings."""
    network = _cidr_operand(cidr)
    if network.num_addresses > MAX_EXPAND:
        raise BuiltinError(f"CIDR {cidr} has more than {MAX_EXPAND} addresses to expand")
    first = int(network.network_address)
    return RegoSet(format_ip(network.version, n) for n in range(first, first + network.num_addresses))


@builtin(
    "net.cidr_merge",
    args=(one_of(array_of(one_of(STRING)), set_of(STRING)),),
    result=set_of(STRING),
    categories=NET,
)
def net_cidr_merge(addrs):
    """The smallest set of CIDRs covering exactly the given addresses and CIDRs."""
    networks: dict[int, list] = {4: [], 6: []}
    for item in addrs:
        if type(item) is not str:
            raise BuiltinError("element must be string")
        ip = parse_ip(item)
        if ip is not None:
            version, value = ip
            network = ipaddress.ip_network((_address(version, value), 32 if version == 4 else 128))
        else:
            network = _cidr_operand(item)
        networks[network.version].append(network)
    result = RegoSet()
    for version in (4, 6):
        for network in ipaddress.collapse_addresses(networks[version]):
            result.add(f"{format_ip(version, int(network.network_address))}/{network.prefixlen}")
    return result


# --- Go's net.ParseIP and net.ParseCIDR ------------------------------------------------------


@functools.lru_cache(maxsize=CACHE_SIZE)
def parse_ip(text: str) -> tuple[int, int] | None:
    """(4, n) or (6, n) for an address Go's net.ParseIP accepts, IPv4-mapped addresses as IPv4; else None."""
    if "%" in text or not text.isascii():
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    value = int(address)
    if address.version == 6 and value >> 32 == 0xFFFF:
        return (4, value & 0xFFFFFFFF)
    return (address.version, value)


@functools.lru_cache(maxsize=CACHE_SIZE)
def parse_cidr(text: str) -> Network | None:
    """The network of a CIDR Go's net.ParseCIDR accepts (host bits cleared), or None."""
    address, slash, mask = text.partition("/")
    if not slash or "%" in address or not address.isascii():
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    digits = len(mask) - len(mask.lstrip("0123456789"))
    if digits == 0 or digits != len(mask) or not mask.isascii():
        return None
    prefix = int(mask)
    bits = 32 if ip.version == 4 else 128
    if prefix > bits:
        return None
    network = ipaddress.ip_network((ip, prefix), strict=False)
    if network.version == 6 and prefix >= 96 and int(network.network_address) >> 32 == 0xFFFF:
        return ipaddress.IPv4Network((int(network.network_address) & 0xFFFFFFFF, prefix - 96))
    return network


def format_ip(version: int, value: int) -> str:
    """Go's IP.String(): dotted IPv4 (IPv4-mapped IPv6 too), RFC 5952 IPv6."""
    if version == 6 and value >> 32 == 0xFFFF:
        version, value = 4, value & 0xFFFFFFFF
    return str(_address(version, value))


# --- helpers --------------------------------------------------------------------------------


def _address(version: int, value: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def _cidr_operand(text: str) -> Network:
    network = parse_cidr(text)
    if network is None:
        raise BuiltinError(f"invalid CIDR address: {text}")
    return network


def _contains(network: Network, ip: tuple[int, int]) -> bool:
    version, value = ip
    if version != network.version:
        return False
    return value & int(network.netmask) == int(network.network_address)


def _match_terms(operand, position: int):
    """(CIDR or address, key) pairs of a net.cidr_contains_matches operand."""
    if type(operand) is str:
        yield operand, operand
    elif type(operand) is list:
        for i, item in enumerate(operand):
            yield _match_term(item, position), i
    elif type(operand) is RegoSet:
        for item in operand:
            yield _match_term(item, position), item
    elif type(operand) is dict:
        for key, item in object_items(operand):
            yield _match_term(item, position), key


def _match_term(item, position: int):
    if type(item) is str:
        return item
    if type(item) is list:
        if not item:
            raise BuiltinError(f"operand {position}: embedded array must have at least one element")
        return item[0]
    raise BuiltinError(f"operand {position}: cidr must be string or array but got {type_name(item)}")
