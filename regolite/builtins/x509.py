"""X.509 and key builtins: crypto.x509.parse_*, crypto.parse_private_keys.

OPA hands Go's `x509.Certificate` (and `x509.CertificateRequest`,
`tls.Certificate`, private key structs) to `json.Marshal` and returns the
result, so the objects here carry Go's exported field names and Go's JSON
forms: byte slices as standard base64, big integers as numbers, times as
RFC 3339, OIDs as arrays of integers, enums as Go's integer constants, and
null for absent lists. Parsing is done by the `cryptography` package,
imported lazily. Chain verification follows Go's `Certificate.Verify`
(see `x509_verify`): names, signatures, validity times, CA flags, path
lengths, unhandled critical extensions, extended key usages and name
constraints on the leaf's SANs (DNS, email, IP, URI).
"""

from __future__ import annotations

import base64
import datetime
import urllib.parse
from typing import Any

from regolite.builtins import BuiltinError, builtin
from regolite.builtins.encoding import base64_decode
from regolite.builtins.signature import ANY, BOOLEAN, STRING, array_of, array_tuple, object_of
from regolite.builtins.x509_verify import VerifyOptions, verify_chain

CRYPTO = ("crypto",)
_OBJECT = object_of(STRING, ANY)


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _std_b64decode(text: str) -> bytes:
    """Go's base64.StdEncoding.DecodeString (errors are Go's)."""
    return _bytes(base64_decode(text))


def require_cryptography() -> None:
    """A builtin error, not an ImportError, when the optional `cryptography` package is missing."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise BuiltinError("this builtin needs the 'cryptography' package, which is not installed") from None


# --- PEM -----------------------------------------------------------------------------


def decode_pem(data: bytes) -> tuple[str, bytes, bytes] | None:
    """Go's pem.Decode: (type, DER bytes, rest after the END line) for the first block, or None."""
    start = data.find(b"-----BEGIN ")
    while start != -1:
        if start == 0 or data[start - 1 : start] == b"\n":
            line_end = data.find(b"\n", start)
            line = data[start : line_end if line_end != -1 else len(data)].rstrip(b"\r \t")
            if line_end != -1 and line.endswith(b"-----") and len(line) > 16:
                label = line[11:-5]
                end_marker = b"-----END " + label + b"-----"
                end = data.find(end_marker, line_end)
                if end != -1:
                    der = _pem_body(data[line_end + 1 : end])
                    rest = data[end + len(end_marker) :]
                    nl = rest.find(b"\n")
                    if der is not None and not (rest if nl == -1 else rest[:nl]).strip(b" \t\r"):
                        return label.decode("ascii", "replace"), der, b"" if nl == -1 else rest[nl + 1 :]
        start = data.find(b"-----BEGIN ", start + 1)
    return None


def _pem_body(body: bytes) -> bytes | None:
    lines = [ln.strip() for ln in body.split(b"\n")]
    if any(b":" in ln for ln in lines):  # RFC 1421 headers end at the first blank line
        while lines and lines[0]:
            lines.pop(0)
    try:
        return base64.b64decode(b"".join(lines), validate=True)
    except ValueError:
        return None


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    blocks = []
    while data:
        block = decode_pem(data)
        if block is None:
            break
        kind, der, data = block
        blocks.append((kind, der))
    return blocks


def _split_der(data: bytes) -> list[bytes]:
    """Consecutive DER SEQUENCEs (Go's x509.ParseCertificates reads them one after another)."""
    out = []
    i = 0
    while i < len(data):
        if data[i] != 0x30 or i + 2 > len(data):
            raise BuiltinError("x509: malformed certificate")
        n = data[i + 1]
        head = 2
        if n & 0x80:
            count = n & 0x7F
            if count == 0 or count > 4 or i + 2 + count > len(data):
                raise BuiltinError("x509: malformed certificate")
            n = int.from_bytes(data[i + 2 : i + 2 + count], "big")
            head += count
        end = i + head + n
        if end > len(data):
            raise BuiltinError("x509: malformed certificate")
        out.append(data[i:end])
        i = end
    return out


# --- certificates --------------------------------------------------------------------


def _load_certificates(der: bytes) -> list:
    require_cryptography()
    from cryptography import x509

    certs = []
    for part in _split_der(der):
        try:
            certs.append(x509.load_der_x509_certificate(part))
        except ValueError as e:
            raise BuiltinError(f"x509: malformed certificate: {e}") from None
    return certs


def load_certificates_text(text: str) -> list:
    """OPA's getX509CertsFromString: PEM, or base64 of DER or of PEM."""
    data = _bytes(text)
    if not text.startswith("-----BEGIN"):
        data = _std_b64decode(text)
        if not data.startswith(b"-----BEGIN"):
            return _load_certificates(data)
    der = b""
    for kind, block in _pem_blocks(data):
        if kind != "CERTIFICATE":
            raise BuiltinError(f"PEM block type is '{kind}', expected CERTIFICATE")
        der += block
    return _load_certificates(der)


@builtin("crypto.x509.parse_certificates", args=(STRING,), result=array_of(_OBJECT), categories=CRYPTO)
def crypto_x509_parse_certificates(certs: str) -> list | None:
    parsed = load_certificates_text(certs)
    return [certificate_to_json(c) for c in parsed] or None  # as OPA documents: no certificates, null


_VERIFY_RESULT = array_tuple(BOOLEAN, array_of(_OBJECT))


@builtin("crypto.x509.parse_and_verify_certificates", args=(STRING,), result=_VERIFY_RESULT, categories=CRYPTO,
         reads_clock=True)
def crypto_x509_parse_and_verify_certificates(certs: str) -> list:
    return _parse_and_verify(certs, VerifyOptions())


@builtin(
    "crypto.x509.parse_and_verify_certificates_with_options",
    args=(STRING, _OBJECT),
    result=_VERIFY_RESULT,
    categories=CRYPTO,
    reads_clock=True,
)
def crypto_x509_parse_and_verify_certificates_with_options(certs: str, options: dict) -> list:
    return _parse_and_verify(certs, VerifyOptions.parse(options))


def _parse_and_verify(text: str, options: VerifyOptions) -> list:
    try:
        certs = load_certificates_text(text)
    except BuiltinError:
        return [False, []]
    if len(certs) < 2:
        return [False, []]
    chain = verify_chain(certs, options, certificate_to_json)
    if chain is None:
        return [False, []]
    return [True, [certificate_to_json(c) for c in chain]]


@builtin("crypto.x509.parse_certificate_request", args=(STRING,), result=_OBJECT, categories=CRYPTO)
def crypto_x509_parse_certificate_request(csr: str) -> dict:
    require_cryptography()
    from cryptography import x509

    data = _bytes(csr)
    if not csr.startswith("-----BEGIN CERTIFICATE REQUEST-----"):
        data = _std_b64decode(csr)
    block = decode_pem(data)
    if block is not None:
        if block[0] != "CERTIFICATE REQUEST":
            raise BuiltinError("invalid PEM-encoded certificate signing request")
        data = block[1]
    try:
        request = x509.load_der_x509_csr(data)
    except ValueError as e:
        raise BuiltinError(f"x509: malformed certificate request: {e}") from None
    return certificate_request_to_json(request)


@builtin("crypto.x509.parse_keypair", args=(STRING, STRING), result=_OBJECT, categories=CRYPTO)
def crypto_x509_parse_keypair(cert: str, pem: str) -> dict:
    cert_data = _bytes(cert) if cert.startswith("-----BEGIN") else _std_b64decode(cert)
    key_data = _bytes(pem) if pem.startswith("-----BEGIN") else _std_b64decode(pem)
    if cert_data.startswith(b"-----BEGIN"):
        cert_blocks = [der for kind, der in _pem_blocks(cert_data) if kind == "CERTIFICATE"]
        if not cert_blocks:
            raise BuiltinError("tls: failed to find any PEM data in certificate input")
    else:
        cert_blocks = [cert_data]
    if key_data.startswith(b"-----BEGIN"):
        key_blocks = [(k, der) for k, der in _pem_blocks(key_data) if k == "PRIVATE KEY" or k.endswith(" PRIVATE KEY")]
        key_block = key_blocks[0] if key_blocks else None
        if key_block is None:
            raise BuiltinError("tls: failed to find any PEM data in key input")
    else:
        key_block = ("PRIVATE KEY", key_data)
    certs = [c for der in cert_blocks for c in _load_certificates(der)]
    key = _parse_private_key_der(key_block[1], tls=True)
    if not _same_public_key(certs[0].public_key(), key.public_key()):
        raise BuiltinError("tls: private key does not match public key")
    return {
        "Certificate": [_b64(der) for der in cert_blocks],
        "PrivateKey": private_key_to_json(key),
        "SupportedSignatureAlgorithms": None,
        "OCSPStaple": None,
        "SignedCertificateTimestamps": None,
        "Leaf": certificate_to_json(certs[0]),
    }


@builtin("crypto.x509.parse_rsa_private_key", args=(STRING,), result=_OBJECT, categories=CRYPTO)
def crypto_x509_parse_rsa_private_key(pem: str) -> dict:
    data = _bytes(pem) if pem.startswith("-----BEGIN") else _std_b64decode(pem)
    block = decode_pem(data)
    if block is None:
        raise BuiltinError("failed to parse PEM block containing the key")
    kind, der, _ = block
    if kind == "RSA PRIVATE KEY":
        key = _parse_private_key_der(der, formats=("pkcs1",))
    elif kind == "PRIVATE KEY":
        key = _parse_private_key_der(der, formats=("pkcs8",))
    else:
        raise BuiltinError(f"PEM block type is '{kind}', expected RSA PRIVATE KEY or PRIVATE KEY")
    return private_key_to_jwk(key)


@builtin("crypto.parse_private_keys", args=(STRING,), result=array_of(_OBJECT), categories=CRYPTO)
def crypto_parse_private_keys(keys: str) -> list | None:
    if keys == "":
        return None
    data = _bytes(keys) if keys.startswith("-----BEGIN") else _std_b64decode(keys)
    out = []
    formats = {"RSA PRIVATE KEY": ("pkcs1",), "PRIVATE KEY": ("pkcs8",), "EC PRIVATE KEY": ("sec1",)}
    for kind, der in _pem_blocks(data):
        if kind in formats:
            out.append(private_key_to_json(_parse_private_key_der(der, formats=formats[kind])))
    return out or None  # Go marshals the empty (nil) list as null


# --- private keys --------------------------------------------------------------------


def _parse_private_key_der(der: bytes, formats: tuple = ("pkcs1", "pkcs8", "sec1"), tls: bool = False) -> Any:
    require_cryptography()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError) as e:
        if tls:
            raise BuiltinError("tls: failed to parse private key") from None
        name = {"pkcs1": "PKCS1", "pkcs8": "PKCS8", "sec1": "EC"}[formats[0]]
        raise BuiltinError(f"x509: failed to parse {name} private key: {e}") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise BuiltinError("x509: unsupported private key type")
    if formats == ("pkcs1",) and not isinstance(key, rsa.RSAPrivateKey):
        raise BuiltinError("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)")
    return key


def _same_public_key(a: Any, b: Any) -> bool:
    from cryptography.hazmat.primitives import serialization

    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*fmt) == b.public_bytes(*fmt)


def private_key_to_json(key: Any) -> Any:
    """A private key as Go's json.Marshal writes *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        return {
            "N": n.public_numbers.n,
            "E": n.public_numbers.e,
            "D": n.d,
            "Primes": [n.p, n.q],
            "Precomputed": {"Dp": n.dmp1, "Dq": n.dmq1, "Qinv": n.iqmp, "CRTValues": []},
        }
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = key.private_numbers()
        return {"Curve": {}, "X": n.public_numbers.x, "Y": n.public_numbers.y, "D": n.private_value}
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64(seed + public)


def private_key_to_jwk(key: Any) -> dict:
    """A private key as a JWK (OPA's jwk.New then json.Marshal)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        fields = {
            "n": n.public_numbers.n,
            "e": n.public_numbers.e,
            "d": n.d,
            "p": n.p,
            "q": n.q,
            "dp": n.dmp1,
            "dq": n.dmq1,
            "qi": n.iqmp,
        }
        return {"kty": "RSA", **{k: _b64url_uint(v) for k, v in fields.items()}}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = key.private_numbers()
        size = (key.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}.get(key.curve.name, key.curve.name)
        return {
            "kty": "EC",
            "crv": crv,
            "x": _b64url(n.public_numbers.x.to_bytes(size, "big")),
            "y": _b64url(n.public_numbers.y.to_bytes(size, "big")),
            "d": _b64url(n.private_value.to_bytes(size, "big")),
        }
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public), "d": _b64url(raw)}


def _b64url_uint(v: int) -> str:
    return _b64url(v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big"))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


# --- Go's JSON for certificates ------------------------------------------------------

# Go's x509.SignatureAlgorithm constants by signature OID (PSS is resolved by hash).
_SIGNATURE_ALGORITHMS = {
    "1.2.840.113549.1.1.2": 1,  # MD2WithRSA
    "1.2.840.113549.1.1.4": 2,  # MD5WithRSA
    "1.2.840.113549.1.1.5": 3,  # SHA1WithRSA
    "1.2.840.113549.1.1.11": 4,  # SHA256WithRSA
    "1.2.840.113549.1.1.12": 5,  # SHA384WithRSA
    "1.2.840.113549.1.1.13": 6,  # SHA512WithRSA
    "1.2.840.10040.4.3": 7,  # DSAWithSHA1
    "2.16.840.1.101.3.4.3.2": 8,  # DSAWithSHA256
    "1.2.840.10045.4.1": 9,  # ECDSAWithSHA1
    "1.2.840.10045.4.3.2": 10,  # ECDSAWithSHA256
    "1.2.840.10045.4.3.3": 11,  # ECDSAWithSHA384
    "1.2.840.10045.4.3.4": 12,  # ECDSAWithSHA512
    "1.3.101.112": 16,  # PureEd25519
}
_PSS = "1.2.840.113549.1.1.10"
_PSS_BY_HASH = {"sha256": 13, "sha384": 14, "sha512": 15}

# Go's x509.ExtKeyUsage constants by OID.
EXT_KEY_USAGES = {
    "2.5.29.37.0": 0,  # Any
    "1.3.6.1.5.5.7.3.1": 1,  # ServerAuth
    "1.3.6.1.5.5.7.3.2": 2,  # ClientAuth
    "1.3.6.1.5.5.7.3.3": 3,  # CodeSigning
    "1.3.6.1.5.5.7.3.4": 4,  # EmailProtection
    "1.3.6.1.5.5.7.3.5": 5,  # IPSECEndSystem
    "1.3.6.1.5.5.7.3.6": 6,  # IPSECTunnel
    "1.3.6.1.5.5.7.3.7": 7,  # IPSECUser
    "1.3.6.1.5.5.7.3.8": 8,  # TimeStamping
    "1.3.6.1.5.5.7.3.9": 9,  # OCSPSigning
    "1.3.6.1.4.1.311.10.3.3": 10,  # MicrosoftServerGatedCrypto
    "2.16.840.1.113730.4.1": 11,  # NetscapeServerGatedCrypto
    "1.3.6.1.4.1.311.2.1.22": 12,  # MicrosoftCommercialCodeSigning
    "1.3.6.1.4.1.311.61.1.1": 13,  # MicrosoftKernelCodeSigning
}

# Extensions Go's parser understands; a critical one of any other kind is "unhandled".
_HANDLED_EXTENSIONS = frozenset(
    [
        "2.5.29.14",  # subject key id
        "2.5.29.15",  # key usage
        "2.5.29.17",  # subject alt name
        "2.5.29.19",  # basic constraints
        "2.5.29.30",  # name constraints
        "2.5.29.31",  # CRL distribution points
        "2.5.29.32",  # certificate policies
        "2.5.29.33",  # policy mappings
        "2.5.29.35",  # authority key id
        "2.5.29.36",  # policy constraints
        "2.5.29.37",  # extended key usage
        "2.5.29.54",  # inhibit anyPolicy
        "1.3.6.1.5.5.7.1.1",  # authority info access
    ]
)

# pkix.Name fields filled from the attribute OIDs.
_NAME_LISTS = {
    "2.5.4.6": "Country",
    "2.5.4.10": "Organization",
    "2.5.4.11": "OrganizationalUnit",
    "2.5.4.7": "Locality",
    "2.5.4.8": "Province",
    "2.5.4.9": "StreetAddress",
    "2.5.4.17": "PostalCode",
}
_NAME_STRINGS = {"2.5.4.5": "SerialNumber", "2.5.4.3": "CommonName"}

_KEY_USAGE_BITS = (
    ("digital_signature", 1),
    ("content_commitment", 2),
    ("key_encipherment", 4),
    ("data_encipherment", 8),
    ("key_agreement", 16),
    ("key_cert_sign", 32),
    ("crl_sign", 64),
    ("encipher_only", 128),
    ("decipher_only", 256),
)


def _oid(dotted: str) -> list[int]:
    return [int(p) for p in dotted.split(".")]


def _time(t: datetime.datetime) -> str:
    """Go's time.Time JSON (RFC 3339 with nanoseconds trimmed) for a UTC time."""
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}".rstrip("0")
    return text + "Z"


def name_to_json(name: Any) -> dict:
    """A pkix.Name as Go marshals it (filled by FillFromRDNSequence)."""
    out: dict = {
        "Country": None,
        "Organization": None,
        "OrganizationalUnit": None,
        "Locality": None,
        "Province": None,
        "StreetAddress": None,
        "PostalCode": None,
        "SerialNumber": "",
        "CommonName": "",
        "Names": None,
        "ExtraNames": None,
    }
    names = []
    for rdn in name.rdns:
        for attr in rdn:
            oid = attr.oid.dotted_string
            value = attr.value if type(attr.value) is str else _b64(attr.value)
            names.append({"Type": _oid(oid), "Value": value})
            if type(attr.value) is not str:
                continue
            if oid in _NAME_LISTS:
                field = _NAME_LISTS[oid]
                out[field] = (out[field] or []) + [attr.value]
            elif oid in _NAME_STRINGS:
                out[_NAME_STRINGS[oid]] = attr.value
    out["Names"] = names or None
    return out


def public_key_to_json(key: Any) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

    if isinstance(key, rsa.RSAPublicKey):
        n = key.public_numbers()
        return {"N": n.n, "E": n.e}
    if isinstance(key, ec.EllipticCurvePublicKey):
        n = key.public_numbers()
        return {"Curve": {}, "X": n.x, "Y": n.y}
    if isinstance(key, ed25519.Ed25519PublicKey):
        return _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    if isinstance(key, dsa.DSAPublicKey):
        n = key.public_numbers()
        p = n.parameter_numbers
        return {"P": p.p, "Q": p.q, "G": p.g, "Y": n.y}
    return None


def _public_key_algorithm(key: Any) -> int:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

    for cls, value in ((rsa.RSAPublicKey, 1), (dsa.DSAPublicKey, 2), (ec.EllipticCurvePublicKey, 3)):
        if isinstance(key, cls):
            return value
    return 4 if isinstance(key, ed25519.Ed25519PublicKey) else 0


def _signature_algorithm(obj: Any) -> int:
    oid = obj.signature_algorithm_oid.dotted_string
    if oid == _PSS:
        try:
            h = obj.signature_hash_algorithm
        except Exception:
            return 0
        return _PSS_BY_HASH.get(h.name if h else "", 0)
    return _SIGNATURE_ALGORITHMS.get(oid, 0)


def _public_key(obj: Any) -> Any:
    try:
        return obj.public_key()
    except Exception:  # an algorithm cryptography does not know: Go's PublicKey is nil then
        return None


def _spki(obj: Any, key: Any) -> bytes | None:
    from cryptography.hazmat.primitives import serialization

    if key is None:
        return None
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _extension_value(ext: Any) -> bytes:
    value = ext.value
    if hasattr(value, "public_bytes"):
        return value.public_bytes()
    return getattr(value, "value", b"")


def _uri_json(text: str) -> dict:
    """A *url.URL as Go marshals it (parsed approximately as net/url does)."""
    parts = urllib.parse.urlsplit(text)
    opaque = ""
    path = urllib.parse.unquote(parts.path)
    if parts.scheme and not text[len(parts.scheme) + 1 :].startswith("/"):
        opaque, path = text[len(parts.scheme) + 1 :].split("?")[0].split("#")[0], ""
    netloc = parts.netloc
    user = None
    if "@" in netloc:
        user, netloc = {}, netloc.rpartition("@")[2]
    return {
        "Scheme": parts.scheme.lower(),
        "Opaque": opaque,
        "User": user,
        "Host": netloc,
        "Path": path,
        "RawPath": "",
        "OmitHost": False,
        "ForceQuery": text.endswith("?") and not parts.query,
        "RawQuery": parts.query,
        "Fragment": urllib.parse.unquote(parts.fragment),
        "RawFragment": "",
    }


def _general_names(names: Any, out: dict) -> None:
    from cryptography import x509

    for gn in names:
        if isinstance(gn, x509.DNSName):
            out["DNSNames"] = (out["DNSNames"] or []) + [gn.value]
        elif isinstance(gn, x509.RFC822Name):
            out["EmailAddresses"] = (out["EmailAddresses"] or []) + [gn.value]
        elif isinstance(gn, x509.IPAddress):
            out["IPAddresses"] = (out["IPAddresses"] or []) + [str(gn.value)]
        elif isinstance(gn, x509.UniformResourceIdentifier):
            out["URIs"] = (out["URIs"] or []) + [_uri_json(gn.value)]
            out["URIStrings"] = (out.get("URIStrings") or []) + [gn.value]


def _ip_net_json(net: Any) -> dict:
    return {"IP": str(net.network_address), "Mask": _b64(net.netmask.packed)}


def certificate_to_json(cert: Any) -> dict:
    """A certificate as OPA returns it: Go's x509.Certificate JSON plus URIStrings."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = _public_key(cert)
    out: dict = {
        "Raw": _b64(cert.public_bytes(serialization.Encoding.DER)),
        "RawTBSCertificate": _b64(cert.tbs_certificate_bytes),
        "RawSubjectPublicKeyInfo": _b64(_spki(cert, key)),
        "RawSubject": _b64(cert.subject.public_bytes()),
        "RawIssuer": _b64(cert.issuer.public_bytes()),
        "Signature": _b64(cert.signature),
        "SignatureAlgorithm": _signature_algorithm(cert),
        "PublicKeyAlgorithm": _public_key_algorithm(key),
        "PublicKey": public_key_to_json(key),
        "Version": cert.version.value + 1,
        "SerialNumber": cert.serial_number,
        "Issuer": name_to_json(cert.issuer),
        "Subject": name_to_json(cert.subject),
        "NotBefore": _time(cert.not_valid_before_utc),
        "NotAfter": _time(cert.not_valid_after_utc),
        "KeyUsage": 0,
        "Extensions": None,
        "ExtraExtensions": None,
        "UnhandledCriticalExtensions": None,
        "ExtKeyUsage": None,
        "UnknownExtKeyUsage": None,
        "BasicConstraintsValid": False,
        "IsCA": False,
        "MaxPathLen": 0,
        "MaxPathLenZero": False,
        "SubjectKeyId": None,
        "AuthorityKeyId": None,
        "OCSPServer": None,
        "IssuingCertificateURL": None,
        "DNSNames": None,
        "EmailAddresses": None,
        "IPAddresses": None,
        "URIs": None,
        "PermittedDNSDomainsCritical": False,
        "PermittedDNSDomains": None,
        "ExcludedDNSDomains": None,
        "PermittedIPRanges": None,
        "ExcludedIPRanges": None,
        "PermittedEmailAddresses": None,
        "ExcludedEmailAddresses": None,
        "PermittedURIDomains": None,
        "ExcludedURIDomains": None,
        "CRLDistributionPoints": None,
        "PolicyIdentifiers": None,
        "Policies": None,
        "InhibitAnyPolicy": 0,
        "InhibitAnyPolicyZero": False,
        "InhibitPolicyMapping": 0,
        "InhibitPolicyMappingZero": False,
        "RequireExplicitPolicy": 0,
        "RequireExplicitPolicyZero": False,
        "PolicyMappings": None,
        "URIStrings": None,
    }
    try:
        extensions = list(cert.extensions)
    except ValueError as e:
        raise BuiltinError(f"x509: {e}") from None
    if extensions:
        out["Extensions"] = []
    for ext in extensions:
        oid = ext.oid.dotted_string
        out["Extensions"].append({"Id": _oid(oid), "Critical": ext.critical, "Value": _b64(_extension_value(ext))})
        if ext.critical and oid not in _HANDLED_EXTENSIONS:
            out["UnhandledCriticalExtensions"] = (out["UnhandledCriticalExtensions"] or []) + [_oid(oid)]
        value = ext.value
        if isinstance(value, x509.KeyUsage):
            out["KeyUsage"] = _key_usage_bits(value)
        elif isinstance(value, x509.BasicConstraints):
            out["BasicConstraintsValid"] = True
            out["IsCA"] = value.ca
            out["MaxPathLen"] = -1 if value.path_length is None else value.path_length
            out["MaxPathLenZero"] = value.path_length == 0
        elif isinstance(value, x509.ExtendedKeyUsage):
            for usage in value:
                dotted = usage.dotted_string
                if dotted in EXT_KEY_USAGES:
                    out["ExtKeyUsage"] = (out["ExtKeyUsage"] or []) + [EXT_KEY_USAGES[dotted]]
                else:
                    out["UnknownExtKeyUsage"] = (out["UnknownExtKeyUsage"] or []) + [_oid(dotted)]
        elif isinstance(value, x509.SubjectKeyIdentifier):
            out["SubjectKeyId"] = _b64(value.digest)
        elif isinstance(value, x509.AuthorityKeyIdentifier):
            out["AuthorityKeyId"] = _b64(value.key_identifier)
        elif isinstance(value, x509.AuthorityInformationAccess):
            for desc in value:
                if not isinstance(desc.access_location, x509.UniformResourceIdentifier):
                    continue
                if desc.access_method == x509.AuthorityInformationAccessOID.OCSP:
                    out["OCSPServer"] = (out["OCSPServer"] or []) + [desc.access_location.value]
                elif desc.access_method == x509.AuthorityInformationAccessOID.CA_ISSUERS:
                    field = "IssuingCertificateURL"
                    out[field] = (out[field] or []) + [desc.access_location.value]
        elif isinstance(value, x509.SubjectAlternativeName):
            _general_names(value, out)
        elif isinstance(value, x509.NameConstraints):
            out["PermittedDNSDomainsCritical"] = ext.critical
            _name_constraints(value.permitted_subtrees, "Permitted", out)
            _name_constraints(value.excluded_subtrees, "Excluded", out)
        elif isinstance(value, x509.CRLDistributionPoints):
            for point in value:
                for gn in point.full_name or ():
                    if isinstance(gn, x509.UniformResourceIdentifier):
                        field = "CRLDistributionPoints"
                        out[field] = (out[field] or []) + [gn.value]
        elif isinstance(value, x509.CertificatePolicies):
            oids = [p.policy_identifier.dotted_string for p in value]
            out["PolicyIdentifiers"] = [_oid(o) for o in oids]
            out["Policies"] = oids
        elif isinstance(value, x509.PolicyConstraints):
            if value.require_explicit_policy is not None:
                out["RequireExplicitPolicy"] = value.require_explicit_policy
                out["RequireExplicitPolicyZero"] = value.require_explicit_policy == 0
            if value.inhibit_policy_mapping is not None:
                out["InhibitPolicyMapping"] = value.inhibit_policy_mapping
                out["InhibitPolicyMappingZero"] = value.inhibit_policy_mapping == 0
        elif isinstance(value, x509.InhibitAnyPolicy):
            out["InhibitAnyPolicy"] = value.skip_certs
            out["InhibitAnyPolicyZero"] = value.skip_certs == 0
    return out


def _key_usage_bits(ku: Any) -> int:
    bits = 0
    for attr, bit in _KEY_USAGE_BITS:
        try:
            if getattr(ku, attr):
                bits |= bit
        except ValueError:  # encipher/decipher_only are undefined without key_agreement
            pass
    return bits


def _name_constraints(subtrees: Any, prefix: str, out: dict) -> None:
    from cryptography import x509

    for gn in subtrees or ():
        if isinstance(gn, x509.DNSName):
            field, value = f"{prefix}DNSDomains", gn.value
        elif isinstance(gn, x509.IPAddress):
            field, value = f"{prefix}IPRanges", _ip_net_json(gn.value)
        elif isinstance(gn, x509.RFC822Name):
            field, value = f"{prefix}EmailAddresses", gn.value
        elif isinstance(gn, x509.UniformResourceIdentifier):
            field, value = f"{prefix}URIDomains", gn.value
        else:
            continue
        out[field] = (out[field] or []) + [value]


def certificate_request_to_json(csr: Any) -> dict:
    """A CSR as Go's x509.CertificateRequest JSON."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = _public_key(csr)
    out: dict = {
        "Raw": _b64(csr.public_bytes(serialization.Encoding.DER)),
        "RawTBSCertificateRequest": _b64(csr.tbs_certrequest_bytes),
        "RawSubjectPublicKeyInfo": _b64(_spki(csr, key)),
        "RawSubject": _b64(csr.subject.public_bytes()),
        "Version": 0,
        "Signature": _b64(csr.signature),
        "SignatureAlgorithm": _signature_algorithm(csr),
        "PublicKeyAlgorithm": _public_key_algorithm(key),
        "PublicKey": public_key_to_json(key),
        "Subject": name_to_json(csr.subject),
        "Attributes": None,
        "Extensions": None,
        "ExtraExtensions": None,
        "DNSNames": None,
        "EmailAddresses": None,
        "IPAddresses": None,
        "URIs": None,
    }
    try:
        extensions = list(csr.extensions)
    except ValueError as e:
        raise BuiltinError(f"x509: {e}") from None
    if extensions:
        out["Extensions"] = [
            {"Id": _oid(e.oid.dotted_string), "Critical": e.critical, "Value": _b64(_extension_value(e))}
            for e in extensions
        ]
        if not any(e.critical for e in extensions):
            # the deprecated Attributes field: Go manages to read non-critical extensions only
            pairs = [{"Type": x["Id"], "Value": x["Value"]} for x in out["Extensions"]]
            out["Attributes"] = [{"Type": _oid("1.2.840.113549.1.9.14"), "Value": [pairs]}]
    for e in extensions:
        if isinstance(e.value, x509.SubjectAlternativeName):
            _general_names(e.value, out)
    out.pop("URIStrings", None)
    return out
