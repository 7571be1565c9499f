"""URI builtins: uri.parse and uri.is_valid, with Go's `net/url.Parse` rules.

A URI is accepted or rejected exactly as Go's `url.Parse` does (control
bytes, scheme syntax, "first path segment cannot contain colon", authority,
userinfo characters, IP literals, ports, %-escapes per component), and a
rejected one fails with Go's error text: `parse "http://[::1": missing ']' in
host`. Brackets may hold only an IPv6 address, as Go checks since 1.24.8 and
1.25.2 (a malformed one always reads "unable to parse IP" here, where Go's
netip can be more specific).

OPA's declaration of uri.parse only says "object of string to string", so
the key names are this module's, chosen after Go's `url.URL` accessors:

    scheme    lower-cased scheme, "" for a relative reference      always
    host      u.Hostname(): the host without port and IPv6 brackets always
    path      u.Path, %-decoded                                   always
    query     u.RawQuery, as written (not decoded)                always
    fragment  u.Fragment, %-decoded                               always
    port      u.Port(), digits                                    when not empty
    user      u.User.Username(), decoded                          when userinfo is present
    password  the decoded password                                when one is given
    opaque    u.Opaque: the rest of "mailto:a@b" after the scheme when not empty

Go strings are bytes: decoded parts may hold invalid UTF-8 ("%ff"), carried
here as surrogate escapes as elsewhere in regolite.
"""

from __future__ import annotations

import ipaddress

from regolite.builtins import BuiltinError, builtin
from regolite.builtins.signature import BOOLEAN, STRING, object_of
from regolite.builtins.sprintf import go_quote

URI = ("uri",)


@builtin("uri.parse", args=(STRING,), result=object_of(STRING, STRING), categories=URI)
def uri_parse(text: str) -> dict:
    url = _go_url_parse(text)
    out = {
        "scheme": url["scheme"],
        "host": _hostname(url["host"]),
        "path": url["path"],
        "query": url["query"],
        "fragment": url["fragment"],
    }
    port = _port(url["host"])
    if port:
        out["port"] = port
    if url["user"] is not None:
        out["user"] = url["user"]
        if url["password"] is not None:
            out["password"] = url["password"]
    if url["opaque"]:
        out["opaque"] = url["opaque"]
    return out


@builtin("uri.is_valid", args=(STRING,), result=BOOLEAN, categories=URI)
def uri_is_valid(text: str) -> bool:
    try:
        _go_url_parse(text)
    except BuiltinError:
        return False
    return True


# --- Go's url.Parse ----------------------------------------------------------------

# encoding modes of net/url
_PATH = "path"
_USER_PASSWORD = "userPassword"
_HOST = "host"
_ZONE = "zone"
_FRAGMENT = "fragment"


class _UrlError(Exception):
    """The inner error of Go's url.Error (its message)."""


def _go_url_parse(text: str) -> dict:
    """The parts of `text` as Go's url.Parse splits them, or BuiltinError with Go's message."""
    raw = text.encode("utf-8", "surrogateescape")
    before, hash_sign, frag = raw.partition(b"#")
    try:
        url = _parse(before)
    except _UrlError as e:
        raise BuiltinError(f"parse {_quote(before)}: {e}") from None
    url["fragment"] = ""
    if frag:
        try:
            url["fragment"] = _text(_unescape(frag, _FRAGMENT))
        except _UrlError as e:
            raise BuiltinError(f"parse {_quote(raw)}: {e}") from None
    return url


def _parse(raw: bytes) -> dict:
    """net/url's parse(rawURL, viaRequest=false), fragment already cut off."""
    if any(b < 0x20 or b == 0x7F for b in raw):
        raise _UrlError("net/url: invalid control character in URL")
    url = {"scheme": "", "opaque": "", "user": None, "password": None, "host": b"", "path": "", "query": ""}
    if raw == b"*":
        url["path"] = "*"
        return url
    scheme, rest = _get_scheme(raw)
    url["scheme"] = _text(scheme).lower()
    if rest.endswith(b"?") and rest.count(b"?") == 1:
        rest = rest[:-1]  # ForceQuery: an empty query
    else:
        rest, _, query = rest.partition(b"?")
        url["query"] = _text(query)
    if not rest.startswith(b"/"):
        if scheme:
            url["opaque"] = _text(rest)  # rootless paths are opaque (RFC 3986)
            return url
        if b":" in rest.partition(b"/")[0]:
            raise _UrlError("first path segment in URL cannot contain colon")
    if (scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, slash, path = rest[2:].partition(b"/")
        rest = slash + path
        _parse_authority(authority, url)
    url["path"] = _text(_unescape(rest, _PATH))
    return url


def _get_scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, c in enumerate(raw):
        if _is_alpha(c):
            continue
        if _is_digit(c) or c in b"+-.":
            if i == 0:
                return b"", raw
            continue
        if c == 0x3A:  # ':'
            if i == 0:
                raise _UrlError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return b"", raw  # an invalid character: no scheme
    return b"", raw


def _parse_authority(authority: bytes, url: dict) -> None:
    i = authority.rfind(b"@")
    url["host"] = _parse_host(authority[i + 1 :] if i >= 0 else authority)
    if i < 0:
        return
    userinfo = authority[:i]
    if not all(_is_alnum(c) or c in _USERINFO_MARKS for c in userinfo):
        raise _UrlError("net/url: invalid userinfo")
    username, colon, password = userinfo.partition(b":")
    url["user"] = _text(_unescape(username, _USER_PASSWORD))
    if colon:
        url["password"] = _text(_unescape(password, _USER_PASSWORD))


_USERINFO_MARKS = frozenset(b"-._:~!$&'()*+,;=%@")


def _parse_host(host: bytes) -> bytes:
    if host.startswith(b"["):
        # an IP literal (RFC 3986, zones per RFC 6874): "[fe80::1%25en0]:80"
        i = host.rfind(b"]")
        if i < 0:
            raise _UrlError("missing ']' in host")
        colon_port = host[i + 1 :]
        if not _valid_optional_port(colon_port):
            raise _UrlError(f"invalid port {_quote(colon_port)} after host")
        zone = host[:i].find(b"%25")
        if zone >= 0:
            name = _unescape(host[:zone], _HOST) + _unescape(host[zone:i], _ZONE)
        else:
            name = _unescape(host[:i], _HOST)
        _check_ip_literal(name[1:])
        return name + _unescape(host[i:], _HOST)
    else:
        i = host.rfind(b":")
        if i >= 0:
            colon_port = host[i:]
            if not _valid_optional_port(colon_port):
                raise _UrlError(f"invalid port {_quote(colon_port)} after host")
    return _unescape(host, _HOST)


def _check_ip_literal(address: bytes) -> None:
    """Only an IPv6 address (not IPv4) may stand in brackets (Go since 1.24.8/1.25.2)."""
    try:
        ip = ipaddress.ip_address(address.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        raise _UrlError(f"invalid host: ParseAddr({_quote(address)}): unable to parse IP") from None
    if ip.version == 4:
        raise _UrlError("invalid IP-literal")


def _valid_optional_port(port: bytes) -> bool:
    if not port:
        return True
    return port[0] == 0x3A and all(_is_digit(c) for c in port[1:])


def _unescape(s: bytes, mode: str) -> bytes:
    """net/url's unescape: check every %XX (host rules included), then decode."""
    i = 0
    n = len(s)
    host_like = mode == _HOST or mode == _ZONE
    while i < n:
        c = s[i]
        if c == 0x25:  # '%'
            if i + 2 >= n or not _is_hex(s[i + 1]) or not _is_hex(s[i + 2]):
                raise _UrlError(f"invalid URL escape {_quote(s[i : i + 3])}")
            escape = s[i : i + 3]
            if mode == _HOST and _unhex(s[i + 1]) < 8 and escape != b"%25":
                raise _UrlError(f"invalid URL escape {_quote(escape)}")
            if mode == _ZONE:
                v = _unhex(s[i + 1]) << 4 | _unhex(s[i + 2])
                if escape != b"%25" and v != 0x20 and _should_escape(v, _HOST):
                    raise _UrlError(f"invalid URL escape {_quote(escape)}")
            i += 3
        else:
            if host_like and c < 0x80 and _should_escape(c, mode):
                raise _UrlError(f"invalid character {_quote(s[i : i + 1])} in host name")
            i += 1
    if b"%" not in s:
        return s
    out = bytearray()
    i = 0
    while i < n:
        if s[i] == 0x25:
            out.append(_unhex(s[i + 1]) << 4 | _unhex(s[i + 2]))
            i += 3
        else:
            out.append(s[i])
            i += 1
    return bytes(out)


def _should_escape(c: int, mode: str) -> bool:
    """net/url's shouldEscape, for the modes parsing uses."""
    if _is_alnum(c):
        return False
    if (mode == _HOST or mode == _ZONE) and c in b"!$&'()*+,;=:[]<>\"":
        return False
    if c in b"-_.~":
        return False
    if c in b"$&+,/:;=?@":
        if mode == _PATH:
            return c == 0x3F  # '?'
        if mode == _USER_PASSWORD:
            return c in b"@/?:"
        if mode == _FRAGMENT:
            return False
    if mode == _FRAGMENT and c in b"!()*":
        return False
    return True


# --- accessors and helpers ---------------------------------------------------------


def _hostname(host: bytes) -> str:
    """u.Hostname(): the host without its port, IPv6 brackets removed."""
    return _text(_split_host_port(host)[0])


def _port(host: bytes) -> str:
    """u.Port(): the digits after the host's last colon, if valid."""
    return _text(_split_host_port(host)[1])


def _split_host_port(host: bytes) -> tuple[bytes, bytes]:
    """net/url's splitHostPort."""
    port = b""
    i = host.rfind(b":")
    if i >= 0 and _valid_optional_port(host[i:]):
        host, port = host[:i], host[i + 1 :]
    if host.startswith(b"[") and host.endswith(b"]"):
        host = host[1:-1]
    return host, port


def _is_alpha(c: int) -> bool:
    return 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_alnum(c: int) -> bool:
    return _is_alpha(c) or _is_digit(c)


def _is_hex(c: int) -> bool:
    return _is_digit(c) or 0x41 <= c <= 0x46 or 0x61 <= c <= 0x66


def _unhex(c: int) -> int:
    if c <= 0x39:
        return c - 0x30
    return (c | 0x20) - 0x61 + 10


def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _quote(b: bytes) -> str:
    return go_quote(_text(b))
