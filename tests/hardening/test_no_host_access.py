"""No policy reads the host's files or environment, reaches its network or runs a program.

Every family of built-ins is called with hostile operands (schema `$ref`s to
`file://` and `http://` URLs, zone names that are paths, JWT headers naming
key URLs, YAML tags that construct objects, certificates naming OCSP and CRL
URLs...) while sockets, `open`, `os.environ` and subprocesses are watched.
The only files a policy may cause to be read are time zone definitions, from
the zone database (the system's or the `tzdata` package's).
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import datetime
import io
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
import zoneinfo
from collections.abc import MutableMapping
from pathlib import Path

import jsonschema  # noqa: F401 - imported (its meta-schemas read) before any watching starts
import pytest
import tzdata

import regolite
from regolite import RegoCompileError

ZONE_DATABASES = tuple(str(Path(p)) for p in zoneinfo.TZPATH) + (str(Path(tzdata.__file__).parent),)


class WatchedEnviron(MutableMapping):
    """os.environ, recording every key read or written."""

    def __init__(self, real, seen: list) -> None:
        self.real = real
        self.seen = seen

    def __getitem__(self, key):
        self.seen.append(("environ", key))
        return self.real[key]

    def __setitem__(self, key, value):
        self.seen.append(("environ", key))
        self.real[key] = value

    def __delitem__(self, key):
        self.seen.append(("environ", key))
        del self.real[key]

    def __iter__(self):
        self.seen.append(("environ", "*"))
        return iter(self.real)

    def __len__(self):
        return len(self.real)


@contextlib.contextmanager
def watching_the_host():
    """Yields the list of what the block touched of the host: ("connect", address),
    ("open", path), ("environ", key), ("run", args), ("resolve", name)..."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _watch(monkeypatch)


def _watch(monkeypatch) -> list:
    seen: list = []
    real_open = builtins.open

    def watched_open(file, *args, **kwargs):
        path = os.path.realpath(file) if isinstance(file, (str, bytes, os.PathLike)) else file
        if not (isinstance(path, str) and path.startswith(ZONE_DATABASES)):
            seen.append(("open", file))
        return real_open(file, *args, **kwargs)

    def refuse(kind):
        def record(*args, **kwargs):
            seen.append((kind, args[1:] if kind == "connect" else args))
            raise OSError(f"{kind} refused by the test")
        return record

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("resolve"))
    monkeypatch.setattr(socket, "create_connection", refuse("connect"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))
    monkeypatch.setattr(subprocess, "Popen", refuse("run"))
    monkeypatch.setattr(os, "system", refuse("run"))
    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(io, "open", watched_open)
    monkeypatch.setattr(os, "open", refuse("open"))
    monkeypatch.setattr(os, "environ", WatchedEnviron(os.environ, seen))
    return seen


def _certificate_with_urls() -> str:
    """A self-signed certificate naming OCSP, CA issuer and CRL URLs on the loopback."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile")])
    now = datetime.datetime.now(datetime.timezone.utc)
    url = x509.UniformResourceIdentifier
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP, url("http://127.0.0.1:9/ocsp")),
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, url("http://127.0.0.1:9/ca.crt")),
        ]), critical=False)
        .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [url("file:///etc/passwd")], None, None, None)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _jwt(header: dict, payload: dict) -> str:
    def part(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{part(header)}.{part(payload)}.{base64.urlsafe_b64encode(b'sig').rstrip(b'=').decode()}"


REMOTE_REFS = ["file:///etc/hostname", "file:///etc/passwd#/x", "http://127.0.0.1:9/schema.json",
               "https://127.0.0.1:9/schema.json", "//127.0.0.1:9/schema.json", "other.json", "/etc/passwd"]


def hostile_calls() -> dict:
    """Rego expressions, by name, that would touch the host if any built-in followed where they point."""
    cert = _certificate_with_urls()
    calls = {}
    for i, ref in enumerate(REMOTE_REFS):
        schema = {"properties": {"a": {"$ref": ref}}}
        calls[f"match_schema_{i}"] = f"json.match_schema({{\"a\": 1}}, {json.dumps(schema)})"
        calls[f"verify_schema_{i}"] = f"json.verify_schema({json.dumps(schema)})"
        calls[f"match_schema_text_{i}"] = f"json.match_schema(`{{\"a\": 1}}`, `{json.dumps(schema)}`)"
    calls["schema_id_base"] = 'json.verify_schema({"$id": "http://127.0.0.1:9/root.json", ' \
                              '"properties": {"a": {"$ref": "other.json"}}})'
    calls["schema_unknown_dialect"] = 'json.verify_schema({"$schema": "http://127.0.0.1:9/meta.json"})'
    calls["schema_format_uri"] = 'json.match_schema({"a": "http://127.0.0.1:9/"}, ' \
                                 '{"properties": {"a": {"format": "uri"}}})'
    for zone in ("../../../../etc/passwd", "/etc/passwd", "Local", "localtime", "Europe/Paris", "Europe",
                 "zone.tab", "..", "Etc/../../../etc/passwd", "\\etc\\passwd", "a\u0000b"):
        calls[f"zone_{zone}"] = f"time.date([0, {json.dumps(zone)}])"
    calls["format_zone"] = 'time.format([0, "/etc/localtime", "RFC3339"])'
    calls["jwt_jku"] = f'io.jwt.decode_verify({json.dumps(_jwt({"alg": "RS256", "jku": "http://127.0.0.1:9/jwks", "x5u": "http://127.0.0.1:9/x5u", "kid": "file:///etc/passwd"}, {"iss": "x"}))}, {{"cert": "http://127.0.0.1:9/jwks"}})'
    calls["jwt_hs"] = f'io.jwt.verify_hs256({json.dumps(_jwt({"alg": "HS256", "jku": "http://127.0.0.1:9/"}, {}))}, "file:///etc/passwd")'
    calls["jwt_rs"] = f'io.jwt.verify_rs256({json.dumps(_jwt({"alg": "RS256"}, {}))}, "http://127.0.0.1:9/key.pem")'
    calls["jwt_sign"] = 'io.jwt.encode_sign({"alg": "HS256", "jku": "http://127.0.0.1:9/"}, {}, ' \
                        '{"kty": "oct", "k": "c2VjcmV0", "x5u": "http://127.0.0.1:9/"})'
    calls["x509_parse"] = f"crypto.x509.parse_certificates({json.dumps(cert)})"
    calls["x509_verify"] = f"crypto.x509.parse_and_verify_certificates({json.dumps(cert)})"
    calls["x509_verify_opts"] = f'crypto.x509.parse_and_verify_certificates_with_options({json.dumps(cert)}, {{"DNSName": "127.0.0.1"}})'
    calls["x509_keys"] = 'crypto.parse_private_keys("file:///etc/ssl/private/key.pem")'
    calls["yaml_python"] = 'yaml.unmarshal("!!python/object/apply:os.system [\\"touch /tmp/pwned\\"]")'
    calls["yaml_include"] = 'yaml.unmarshal("a: !include /etc/passwd")'
    calls["yaml_is_valid"] = 'yaml.is_valid("!!python/name:os.system")'
    calls["graphql"] = 'graphql.parse_and_verify("{ a }", "extend schema @link(url: \\"http://127.0.0.1:9/\\") ' \
                       'type Query { a: String }")'
    calls["template"] = 'strings.render_template("{{template \\"/etc/passwd\\"}}{{.a}}", {"a": "x"})'
    calls["uri_parse"] = 'urlquery.decode_object("a=file:///etc/passwd")'
    calls["net_cidr"] = 'net.cidr_contains("localhost", "127.0.0.1")'
    calls["net_cidr_expand"] = 'net.cidr_is_valid("example.com/24")'
    calls["glob"] = 'glob.match("/etc/*", ["/"], "/etc/passwd")'
    calls["regex"] = 'regex.match("(?s).*", "file:///etc/passwd")'
    calls["units"] = 'units.parse("1Ki")'
    calls["uuid"] = 'uuid.rfc4122("seed")'
    calls["uuid_parse"] = 'uuid.parse("00000000-0000-1000-8000-000000000000")'
    calls["rego_parse"] = 'rego.parse_module("p.rego", "package p\\nimport data.x\\n")'
    calls["base64"] = 'base64.decode("L2V0Yy9wYXNzd2Q=")'
    calls["sprintf"] = 'sprintf("%v %s", [input, "/etc/passwd"])'
    calls["now"] = "time.now_ns()"
    calls["semver"] = 'semver.compare("1.0.0", "2.0.0")'
    calls["json_unmarshal"] = 'json.unmarshal("{\\"$ref\\": \\"file:///etc/passwd\\"}")'
    return calls


def test_no_builtin_touches_the_host():
    calls = hostile_calls()
    source = "package p\n" + "".join(f"c{i} := {expr}\n" for i, expr in enumerate(calls.values()))
    policy = regolite.compile({"p.rego": source})
    start = time.perf_counter()
    with watching_the_host() as host_access:
        result = policy.query("x = data.p", input={"a": 1})
    assert time.perf_counter() - start < 2
    assert len(result[0]["bindings"]["x"]) > 20  # the calls that succeed; the others are undefined
    assert host_access == [], "\n".join(map(str, host_access))


@pytest.mark.parametrize("ref", REMOTE_REFS)
def test_a_remote_schema_reference_is_an_error_not_a_read(ref):
    policy = regolite.compile({"p.rego": "package p\n"
                               f"m := json.match_schema({{\"a\": 1}}, {{\"properties\": {{\"a\": {{\"$ref\": {json.dumps(ref)}}}}}}})\n"
                               f"v := json.verify_schema({{\"properties\": {{\"a\": {{\"$ref\": {json.dumps(ref)}}}}}}})\n"})
    with watching_the_host() as host_access:
        with pytest.raises(regolite.RegoEvalError) as info:
            policy.query("data.p.m", strict_builtin_errors=True)
        verdict = policy.query("data.p.v")[0]["expressions"][0]
    assert "json.match_schema: Reference " in str(info.value)
    assert verdict[0] is False and verdict[1].startswith("jsonschema: Reference ")
    assert host_access == [], "\n".join(map(str, host_access))


def test_a_schema_reference_to_a_listener_that_never_answers_does_not_stall():
    """With jsonschema's default retrieval this hung the review on the open socket."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        policy = regolite.compile({"p.rego": "package p\nm := json.verify_schema("
                                   f'{{"properties": {{"a": {{"$ref": "http://127.0.0.1:{port}/s.json"}}}}}})\n'})
        start = time.perf_counter()
        verdict = policy.query("data.p.m", timeout=10)[0]["expressions"][0]
        assert time.perf_counter() - start < 2  # not stalled on the socket (the timeout is 10 s)
        assert verdict == [False, f"jsonschema: Reference http://127.0.0.1:{port}/s.json is not read: "
                                  "regolite resolves no remote references"]
        thread.join(0.2)
        assert accepted == []
    finally:
        listener.close()


@pytest.mark.parametrize("name", ["http.send", "net.lookup_ip_addr", "opa.runtime", "providers.aws.sign_req"])
def test_builtins_that_reach_out_are_not_provided(name):
    with pytest.raises(RegoCompileError, match="undefined function"):
        regolite.compile({"p.rego": f"package p\nx := {name}({{}})\n"})
