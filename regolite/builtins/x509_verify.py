"""Certificate chain verification for crypto.x509.parse_and_verify_certificates(_with_options).

Follows Go's `Certificate.Verify` as OPA calls it (the first certificate is
the root, the last the leaf, those between intermediates): names,
signatures, validity times, CA flags, path lengths, unhandled critical
extensions, extended key usages, and name constraints (Go's isValid for a
constrained CA) checked on the leaf's SANs (DNS, email, IP, URI).
Certificates are `cryptography` objects; the checks read their Go JSON form
(`x509.certificate_to_json`), passed in by the caller.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import urllib.parse
from fractions import Fraction
from typing import Any, Callable

from regolite.builtins import BuiltinError
from regolite.values import NUMBER_TYPES, RegoSet

_KEY_USAGE_NAMES = {
    "KeyUsageAny": 0,
    "KeyUsageServerAuth": 1,
    "KeyUsageClientAuth": 2,
    "KeyUsageCodeSigning": 3,
    "KeyUsageEmailProtection": 4,
    "KeyUsageIPSECEndSystem": 5,
    "KeyUsageIPSECTunnel": 6,
    "KeyUsageIPSECUser": 7,
    "KeyUsageTimeStamping": 8,
    "KeyUsageOCSPSigning": 9,
    "KeyUsageMicrosoftServerGatedCrypto": 10,
    "KeyUsageNetscapeServerGatedCrypto": 11,
    "KeyUsageMicrosoftCommercialCodeSigning": 12,
    "KeyUsageMicrosoftKernelCodeSigning": 13,
}


class VerifyOptions:
    """x509.VerifyOptions as OPA reads them from the options object."""

    def __init__(self) -> None:
        self.dns_name = ""
        self.current_time: datetime.datetime | None = None
        self.key_usages: list[int] = []

    @classmethod
    def parse(cls, options: dict) -> VerifyOptions:
        out = cls()
        for key, value in options.items():
            if key == "DNSName":
                if type(value) is not str:
                    raise BuiltinError("'DNSName' should be a string")
                out.dns_name = value.strip('"')
            elif key == "CurrentTime":
                if type(value) not in NUMBER_TYPES:
                    raise BuiltinError("'CurrentTime' should be a number")
                if type(value) is Fraction or type(value) is float and not value.is_integer() or not -(2**63) <= value < 2**63:
                    raise BuiltinError("'CurrentTime' should be a valid int64 number")
                out.current_time = _datetime_of_ns(int(value))
            elif key == "MaxConstraintComparisons":
                if type(value) not in NUMBER_TYPES:
                    raise BuiltinError("'MaxConstraintComparisons' should be a number")
                if type(value) is Fraction or type(value) is float and not value.is_integer():
                    raise BuiltinError("'MaxConstraintComparisons' should be a valid number")
            elif key == "KeyUsages":
                if type(value) not in (list, RegoSet):
                    raise BuiltinError("'KeyUsages' should be an Array or Set")
                items = value if type(value) is list else value.sorted()
                invalid = []
                for item in items:
                    if type(item) is not str:
                        continue
                    name = item.strip('"')
                    if name in _KEY_USAGE_NAMES:
                        out.key_usages.append(_KEY_USAGE_NAMES[name])
                    else:
                        invalid.append(name)
                if invalid:
                    raise BuiltinError(f"invalid entries for 'KeyUsages' found: [{' '.join(invalid)}]")
            else:
                raise BuiltinError("invalid key option")
        return out


def _now() -> datetime.datetime:
    """The query's time (`time.now_ns`)."""
    from regolite.builtins.time import time_now_ns

    return _datetime_of_ns(time_now_ns())


def _datetime_of_ns(ns: int) -> datetime.datetime:
    """Nanoseconds since the epoch as a UTC datetime, to the microsecond."""
    return datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc) + datetime.timedelta(
        microseconds=(ns % 10**9) // 1000)


def verify_chain(certs: list, options: VerifyOptions, to_json: Callable[[Any], dict]) -> list | None:
    """Go's leaf.Verify with certs[0] as the root, the middle ones as intermediates; the first chain found.

    `to_json` gives a certificate's Go JSON form, which the checks read.
    """
    root, intermediates, leaf = certs[0], certs[1:-1], certs[-1]
    now = options.current_time or _now()
    info = {id(c): to_json(c) for c in certs}
    leaf_info = info[id(leaf)]
    if leaf_info["UnhandledCriticalExtensions"]:
        return None
    if options.dns_name and not _matches_hostname(leaf_info, options.dns_name):
        return None
    if not _in_validity(leaf, now):
        return None
    if _der(leaf) == _der(root):
        chains = [[leaf]]
    else:
        chains = _build_chains(leaf, [leaf], [root], intermediates, info, now)
    usages = options.key_usages or [1]
    if 0 in usages:
        return chains[0] if chains else None
    for chain in chains:
        if _chain_allows(chain, usages, info):
            return chain
    return None


def _der(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.DER)


def _in_validity(cert: Any, now: datetime.datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _build_chains(cert: Any, chain: list, roots: list, intermediates: list, info: dict, now: datetime.datetime) -> list:
    chains = []
    for kind, candidates in (("root", roots), ("intermediate", intermediates)):
        for parent in candidates:
            if any(_der(parent) == _der(c) for c in chain):
                continue
            if parent.subject.public_bytes() != cert.issuer.public_bytes():
                continue
            if not _signed_by(cert, parent, info):
                continue
            if not _valid_issuer(parent, kind, chain, info, now):
                continue
            if kind == "root":
                chains.append(chain + [parent])
            elif len(chain) < 16:
                chains += _build_chains(parent, chain + [parent], roots, intermediates, info, now)
    return chains


def _signed_by(cert: Any, parent: Any, info: dict) -> bool:
    """Go's CheckSignatureFrom: the parent may sign certificates, and the signature checks out."""
    parent_info = info[id(parent)]
    if parent_info["Version"] == 3 and not parent_info["BasicConstraintsValid"]:
        return False
    if parent_info["BasicConstraintsValid"] and not parent_info["IsCA"]:
        return False
    if parent_info["KeyUsage"] and not parent_info["KeyUsage"] & 32:
        return False
    if info[id(cert)]["SignatureAlgorithm"] in (0, 1, 2, 3, 7, 9):  # unknown, MD2, MD5 and SHA-1: insecure for Go
        return False
    try:
        cert.verify_directly_issued_by(parent)
    except Exception:
        return False
    return True


def _valid_issuer(parent: Any, kind: str, chain: list, info: dict, now: datetime.datetime) -> bool:
    """Go's isValid for a CA certificate placed above `chain` (whose first element is the leaf)."""
    parent_info = info[id(parent)]
    if parent_info["UnhandledCriticalExtensions"] or not _in_validity(parent, now):
        return False
    if not _names_permitted(parent_info, info[id(chain[0])]):
        return False
    if kind == "intermediate" and not (parent_info["BasicConstraintsValid"] and parent_info["IsCA"]):
        return False
    max_path = parent_info["MaxPathLen"]
    if parent_info["BasicConstraintsValid"] and max_path >= 0 and len(chain) - 1 > max_path:
        return False
    return True


def _chain_allows(chain: list, usages: list[int], info: dict) -> bool:
    """Go's checkChainForKeyUsage."""
    remaining = list(usages)
    for cert in reversed(chain):
        c = info[id(cert)]
        ekus = c["ExtKeyUsage"] or []
        if not ekus and not c["UnknownExtKeyUsage"]:
            continue
        if 0 in ekus:
            continue
        remaining = [u for u in remaining if u in ekus]
        if not remaining:
            return False
    return True


def _matches_hostname(info: dict, host: str) -> bool:
    """Go's VerifyHostname on the SANs (no common name fallback)."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ip = ipaddress.ip_address(candidate)
    except ValueError:
        ip = None
    if ip is not None:
        return any(ipaddress.ip_address(a) == ip for a in info["IPAddresses"] or ())
    host = host.lower().rstrip(".")
    for pattern in info["DNSNames"] or ():
        pattern = pattern.lower().rstrip(".")
        if pattern == host:
            return True
        if pattern.startswith("*.") and "." in host:
            if host.split(".", 1)[1] == pattern[2:] and host.split(".", 1)[0]:
                return True
    return False


# --- name constraints (Go's isValid for a constrained CA, checked on the leaf's SANs) ---


def _names_permitted(ca: dict, info: dict) -> bool:
    if not any(ca[f"{p}{kind}"] for p in ("Permitted", "Excluded") for kind in _CONSTRAINT_KINDS):
        return True
    names = (
        [("DNSDomains", n) for n in info["DNSNames"] or ()]
        + [("EmailAddresses", n) for n in info["EmailAddresses"] or ()]
        + [("IPRanges", n) for n in info["IPAddresses"] or ()]
        + [("URIDomains", n) for n in info["URIStrings"] or ()]
    )
    for kind, value in names:
        match = _CONSTRAINT_KINDS[kind]
        try:
            if any(match(value, c) for c in ca[f"Excluded{kind}"] or ()):
                return False
            permitted = ca[f"Permitted{kind}"]
            if permitted and not any(match(value, c) for c in permitted):
                return False
        except ValueError:  # a name that cannot be checked is refused, as in Go
            return False
    return True


def _match_domain(domain: str, constraint: str) -> bool:
    """Go's matchDomainConstraint: a leading dot means strict subdomains only."""
    if not constraint:
        return True
    domain, constraint = domain.lower(), constraint.lower()
    if constraint.startswith("."):
        return domain.endswith(constraint) and len(domain) > len(constraint)
    return domain == constraint or domain.endswith("." + constraint)


def _match_email(email: str, constraint: str) -> bool:
    if "@" in constraint:
        return email.lower() == constraint.lower()  # a mailbox (Go compares the local part exactly)
    _, _, host = email.rpartition("@")
    return _match_domain(host, constraint)


def _match_ip(ip: str, constraint: dict) -> bool:
    address = ipaddress.ip_address(ip)
    network_ip = ipaddress.ip_address(constraint["IP"])
    if address.version != network_ip.version:
        return False
    mask = int.from_bytes(base64.b64decode(constraint["Mask"]), "big")
    return int(address) & mask == int(network_ip) & mask


def _match_uri(uri: str, constraint: str) -> bool:
    host = urllib.parse.urlsplit(uri).hostname or ""
    if not host:
        raise ValueError(f"URI with empty host: {uri}")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return _match_domain(host, constraint)
    raise ValueError(f"URI with IP: {uri}")


_CONSTRAINT_KINDS = {
    "DNSDomains": _match_domain,
    "EmailAddresses": _match_email,
    "IPRanges": _match_ip,
    "URIDomains": _match_uri,
}
