"""UUID builtins: uuid.rfc4122 (a random version 4 UUID) and uuid.parse.

`uuid.rfc4122` is nondeterministic: OPA answers the same UUID for the same
argument throughout one query, so the evaluator must cache its result per
query, keyed by the argument (as for time.now_ns). This function alone
returns a fresh UUID on every call.

`uuid.parse` follows OPA (Go's google/uuid parsing): the 36-character form,
with braces, with a `urn:uuid:` prefix, or 32 hex digits without dashes. It
answers an object with `version` and `variant`, plus time, clock sequence,
node id and MAC variables for versions 1 and 2, and id and domain for 2.
Unparseable input is undefined.
"""

from __future__ import annotations

import uuid as _uuid

from regolite.builtins import builtin
from regolite.builtins.signature import ANY, STRING, object_of
from regolite.values import UNDEFINED

UUID = ("uuid",)

# 100-nanosecond intervals between 1582-10-15 (the UUID epoch) and 1970-01-01
_GREGORIAN_TO_UNIX = 122_192_928_000_000_000


@builtin("uuid.rfc4122", args=(STRING,), result=STRING, categories=UUID, nondeterministic=True)
def uuid_rfc4122(k: str) -> str:
    return str(_uuid.uuid4())


@builtin("uuid.parse", args=(STRING,), result=object_of(STRING, ANY), categories=UUID)
def uuid_parse(uuid: str):
    raw = _parse(uuid.encode("utf-8", "surrogateescape"))
    if raw is None:
        return UNDEFINED
    return _fields(raw)


def _parse(s: bytes) -> bytes | None:
    """google/uuid's Parse: the 16 bytes, or None."""
    n = len(s)
    if n == 32:
        try:
            return bytes.fromhex(s.decode("ascii")) if s.isalnum() else None
        except (ValueError, UnicodeDecodeError):
            return None
    if n == 45:
        if s[:9].lower() != b"urn:uuid:":
            return None
        s = s[9:]
    elif n == 38:
        s = s[1:]  # Go checks neither brace
    elif n != 36:
        return None
    if s[8:9] != b"-" or s[13:14] != b"-" or s[18:19] != b"-" or s[23:24] != b"-":
        return None
    digits = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
    if not digits.isalnum():
        return None
    try:
        return bytes.fromhex(digits.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


def _fields(u: bytes) -> dict:
    version = u[6] >> 4
    out: dict = {"version": version, "variant": _variant(u[8])}
    if version in (1, 2):
        t = int.from_bytes(u[0:4], "big")
        t |= int.from_bytes(u[4:6], "big") << 32
        t |= (int.from_bytes(u[6:8], "big") & 0x0FFF) << 48
        out["time"] = (t - _GREGORIAN_TO_UNIX) * 100
        out["clocksequence"] = int.from_bytes(u[8:10], "big") & 0x3FFF
        out["nodeid"] = "-".join(f"{b:02x}" for b in u[10:16])
        out["macvariables"] = _mac_variables(u[10])
    if version == 2:
        out["id"] = int.from_bytes(u[0:4], "big")
        out["domain"] = {0: "Person", 1: "Group", 2: "Org"}.get(u[9], f"Domain{u[9]}")
    return out


def _variant(b: int) -> str:
    if b & 0xC0 == 0x80:
        return "RFC4122"
    if b & 0xE0 == 0xC0:
        return "Microsoft"
    if b & 0xE0 == 0xE0:
        return "Future"
    return "Reserved"


def _mac_variables(b: int) -> str:
    local = "local" if b & 0b10 else "global"
    cast = "multicast" if b & 0b01 else "unicast"
    return f"{local}:{cast}"
