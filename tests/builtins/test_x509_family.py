"""X.509 and key builtins: crypto.x509.parse_*, crypto.parse_private_keys.

Certificates, requests and keys are generated here with `cryptography`: a
root, an intermediate and a server leaf, checked field by field against
Go's x509.Certificate JSON and verified as Go's Certificate.Verify does.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress

import pytest

pytest.importorskip("cryptography")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

import regolite  # noqa: E402
import regolite.builtins.jwt  # noqa: E402,F401
import regolite.builtins.x509  # noqa: E402,F401  (registers the family)
from regolite.builtins import REGISTRY, BuiltinError  # noqa: E402
from tests.builtin_helpers import call, opa_builtins  # noqa: E402

UTC = datetime.timezone.utc
START = datetime.datetime(2024, 1, 1, tzinfo=UTC)
END = datetime.datetime(2054, 1, 1, tzinfo=UTC)
PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER


def name(cn, org=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def make_cert(subject, issuer, key, signer, *, ca, path_len=None, serial=1, start=START, end=END, eku=None,
              sans=(), extra=()):  # fmt: skip
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        usage = dict(digital_signature=True, key_cert_sign=True, crl_sign=True)
    else:
        usage = dict(digital_signature=True, key_encipherment=True, key_cert_sign=False, crl_sign=False)
    flags = dict(content_commitment=False, data_encipherment=False, key_agreement=False,
                 encipher_only=False, decipher_only=False)  # fmt: skip
    flags.update(usage)
    flags.setdefault("key_encipherment", False)
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    for ext, critical in extra:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(signer, hashes.SHA256())


def pem(*certs):
    return "".join(c.public_bytes(PEM).decode() for c in certs)


@pytest.fixture(scope="module")
def pki():
    root_key = ec.generate_private_key(ec.SECP256R1())
    inter_key = ec.generate_private_key(ec.SECP384R1())
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = make_cert(name("Root CA", "Acme"), name("Root CA", "Acme"), root_key, root_key, ca=True, serial=10)
    inter = make_cert(name("Intermediate CA"), root.subject, inter_key, root_key, ca=True, path_len=0, serial=11)
    sans = [
        x509.DNSName("example.com"),
        x509.DNSName("*.example.org"),
        x509.IPAddress(ipaddress.ip_address("10.1.2.3")),
        x509.RFC822Name("admin@example.com"),
        x509.UniformResourceIdentifier("spiffe://example.com/ns/default/sa/web"),
    ]
    extra = [
        (x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier("http://crl.example.com/ca.crl")], None, None, None)]), False),
        (x509.AuthorityInformationAccess([
            x509.AccessDescription(x509.AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier("http://ocsp.example.com")),
            x509.AccessDescription(x509.AuthorityInformationAccessOID.CA_ISSUERS,
                                   x509.UniformResourceIdentifier("http://ca.example.com/ca.crt")),
        ]), False),
        (x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_key.public_key()), False),
    ]  # fmt: skip
    leaf = make_cert(name("example.com"), inter.subject, leaf_key, inter_key, ca=False, serial=2**100 + 7,
                     eku=[ExtendedKeyUsageOID.SERVER_AUTH], sans=sans, extra=extra)  # fmt: skip
    return {
        "root": root, "inter": inter, "leaf": leaf,
        "root_key": root_key, "inter_key": inter_key, "leaf_key": leaf_key,
    }  # fmt: skip


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- parse_certificates ----------------------------------------------------------------


def test_parse_certificates_fields(pki):
    leaf = pki["leaf"]
    [c] = call("crypto.x509.parse_certificates", pem(leaf))
    assert c["Version"] == 3
    assert c["SerialNumber"] == 2**100 + 7
    assert c["Subject"]["CommonName"] == "example.com"
    assert c["Subject"]["Country"] == ["DE"]
    assert c["Subject"]["Organization"] is None
    assert c["Subject"]["Names"] == [
        {"Type": [2, 5, 4, 6], "Value": "DE"},
        {"Type": [2, 5, 4, 3], "Value": "example.com"},
    ]
    assert c["Issuer"]["CommonName"] == "Intermediate CA"
    assert c["NotBefore"] == "2024-01-01T00:00:00Z"
    assert c["NotAfter"] == "2054-01-01T00:00:00Z"
    assert c["DNSNames"] == ["example.com", "*.example.org"]
    assert c["IPAddresses"] == ["10.1.2.3"]
    assert c["EmailAddresses"] == ["admin@example.com"]
    assert c["URIStrings"] == ["spiffe://example.com/ns/default/sa/web"]
    assert c["URIs"][0]["Scheme"] == "spiffe"
    assert c["URIs"][0]["Host"] == "example.com"
    assert c["URIs"][0]["Path"] == "/ns/default/sa/web"
    assert c["IsCA"] is False and c["BasicConstraintsValid"] is True
    assert c["MaxPathLen"] == -1 and c["MaxPathLenZero"] is False
    assert c["KeyUsage"] == 1 | 4  # DigitalSignature | KeyEncipherment
    assert c["ExtKeyUsage"] == [1]  # ServerAuth
    assert c["UnknownExtKeyUsage"] is None
    assert c["SignatureAlgorithm"] == 12 - 2  # ECDSAWithSHA256 (signed by the P-384 intermediate)
    assert c["PublicKeyAlgorithm"] == 1  # RSA
    numbers = pki["leaf_key"].public_key().public_numbers()
    assert c["PublicKey"] == {"N": numbers.n, "E": 65537}
    assert c["CRLDistributionPoints"] == ["http://crl.example.com/ca.crl"]
    assert c["OCSPServer"] == ["http://ocsp.example.com"]
    assert c["IssuingCertificateURL"] == ["http://ca.example.com/ca.crt"]
    assert c["PolicyIdentifiers"] == [[2, 23, 140, 1, 2, 1]]
    assert c["Policies"] == ["2.23.140.1.2.1"]
    ski = leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert c["SubjectKeyId"] == b64(ski)
    inter_ski = pki["inter"].extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert c["AuthorityKeyId"] == b64(inter_ski)
    assert c["Raw"] == b64(leaf.public_bytes(DER))
    assert c["RawTBSCertificate"] == b64(leaf.tbs_certificate_bytes)
    assert c["Signature"] == b64(leaf.signature)
    assert c["UnhandledCriticalExtensions"] is None
    ids = [e["Id"] for e in c["Extensions"]]
    assert [2, 5, 29, 19] in ids and [2, 5, 29, 17] in ids
    bc = next(e for e in c["Extensions"] if e["Id"] == [2, 5, 29, 19])
    assert bc["Critical"] is True
    assert base64.b64decode(bc["Value"]) == b"\x30\x00"  # BasicConstraints, cA false


def test_parse_ca_certificate_fields(pki):
    [root] = call("crypto.x509.parse_certificates", pem(pki["root"]))
    assert root["IsCA"] is True and root["MaxPathLen"] == -1
    assert root["KeyUsage"] == 1 | 32 | 64
    assert root["Subject"]["Organization"] == ["Acme"]
    assert root["PublicKey"]["Curve"] == {}
    assert root["PublicKeyAlgorithm"] == 3
    assert root["DNSNames"] is None
    [inter] = call("crypto.x509.parse_certificates", pem(pki["inter"]))
    assert inter["MaxPathLen"] == 0 and inter["MaxPathLenZero"] is True


def test_parse_certificates_input_forms(pki):
    chain = pem(pki["root"], pki["inter"], pki["leaf"])
    names = lambda cs: [c["Subject"]["CommonName"] for c in cs]  # noqa: E731
    want = ["Root CA", "Intermediate CA", "example.com"]
    assert names(call("crypto.x509.parse_certificates", chain)) == want
    assert names(call("crypto.x509.parse_certificates", b64(chain.encode()))) == want
    der = b"".join(pki[k].public_bytes(DER) for k in ("root", "inter", "leaf"))
    assert names(call("crypto.x509.parse_certificates", b64(der))) == want


def test_parse_certificates_errors(pki):
    with pytest.raises(BuiltinError, match="illegal base64 data"):
        call("crypto.x509.parse_certificates", "not base64!")
    key_pem = pki["leaf_key"].private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(BuiltinError, match="PEM block type is 'PRIVATE KEY', expected CERTIFICATE"):
        call("crypto.x509.parse_certificates", key_pem.decode())
    with pytest.raises(BuiltinError, match="x509: malformed certificate"):
        call("crypto.x509.parse_certificates", b64(b"\x30\x03abc"))


def test_ed25519_and_critical_unknown_extension():
    key = ed25519.Ed25519PrivateKey.generate()
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00")
    cert = (
        x509.CertificateBuilder().subject_name(name("ed")).issuer_name(name("ed")).public_key(key.public_key())
        .serial_number(5).not_valid_before(START).not_valid_after(END)
        .add_extension(unknown, critical=True).sign(key, None)
    )  # fmt: skip
    [c] = call("crypto.x509.parse_certificates", pem(cert))
    assert c["PublicKeyAlgorithm"] == 4 and c["SignatureAlgorithm"] == 16
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert c["PublicKey"] == b64(raw)
    assert c["UnhandledCriticalExtensions"] == [[1, 2, 3, 4]]
    assert c["Extensions"] == [{"Id": [1, 2, 3, 4], "Critical": True, "Value": b64(b"\x05\x00")}]


# --- parse_and_verify_certificates -------------------------------------------------------


def test_verify_a_good_chain(pki):
    ok, chain = call("crypto.x509.parse_and_verify_certificates", pem(pki["root"], pki["inter"], pki["leaf"]))
    assert ok is True
    assert [c["Subject"]["CommonName"] for c in chain] == ["example.com", "Intermediate CA", "Root CA"]
    ok, chain = call("crypto.x509.parse_and_verify_certificates", pem(pki["root"], pki["inter"]))
    assert ok is True and len(chain) == 2


def test_verify_bad_chains(pki):
    root, inter, leaf = pki["root"], pki["inter"], pki["leaf"]
    verify = lambda text: call("crypto.x509.parse_and_verify_certificates", text)  # noqa: E731
    assert verify(pem(root, leaf)) == [False, []]  # intermediate missing
    assert verify(pem(leaf, inter, root)) == [False, []]  # wrong order
    assert verify(pem(leaf)) == [False, []]  # one certificate
    assert verify("garbage") == [False, []]
    other_key = ec.generate_private_key(ec.SECP256R1())
    impostor = make_cert(root.subject, root.subject, other_key, other_key, ca=True)
    assert verify(pem(impostor, inter, leaf)) == [False, []]  # same name, other key
    expired = make_cert(name("old"), inter.subject, other_key, pki["inter_key"], ca=False,
                        end=datetime.datetime(2024, 6, 1, tzinfo=UTC))  # fmt: skip
    assert verify(pem(root, inter, expired)) == [False, []]
    # the intermediate has path length 0: no CA may sit below it
    sub_ca = make_cert(name("Sub CA"), inter.subject, other_key, pki["inter_key"], ca=True)
    below = make_cert(name("below"), sub_ca.subject, pki["leaf_key"], other_key, ca=False)
    assert verify(pem(root, inter, sub_ca, below)) == [False, []]
    # a leaf (not a CA) cannot sign
    fake = make_cert(name("fake"), leaf.subject, other_key, pki["leaf_key"], ca=False)
    assert verify(pem(root, inter, leaf, fake)) == [False, []]


def test_verify_with_options(pki):
    chain = pem(pki["root"], pki["inter"], pki["leaf"])
    verify = lambda opts: call("crypto.x509.parse_and_verify_certificates_with_options", chain, opts)[0]  # noqa: E731
    assert verify({}) is True
    assert verify({"DNSName": "example.com"}) is True
    assert verify({"DNSName": "www.example.org"}) is True
    assert verify({"DNSName": "example.org"}) is False
    assert verify({"DNSName": "10.1.2.3"}) is True
    year_2060 = int(datetime.datetime(2060, 1, 1, tzinfo=UTC).timestamp()) * 10**9
    year_2030 = int(datetime.datetime(2030, 1, 1, tzinfo=UTC).timestamp()) * 10**9
    assert verify({"CurrentTime": year_2060}) is False
    assert verify({"CurrentTime": year_2030}) is True
    assert verify({"KeyUsages": ["KeyUsageClientAuth"]}) is False
    assert verify({"KeyUsages": ["KeyUsageServerAuth", "KeyUsageClientAuth"]}) is True
    assert verify({"KeyUsages": ["KeyUsageAny"]}) is True
    assert verify({"MaxConstraintComparisons": 10}) is True
    with pytest.raises(BuiltinError, match="invalid key option"):
        verify({"Nope": 1})
    with pytest.raises(BuiltinError, match="'DNSName' should be a string"):
        verify({"DNSName": 1})
    with pytest.raises(BuiltinError, match=r"invalid entries for 'KeyUsages' found: \[Bogus\]"):
        verify({"KeyUsages": ["Bogus"]})


def test_client_leaf_needs_the_right_key_usage(pki):
    key = ec.generate_private_key(ec.SECP256R1())
    client = make_cert(name("client"), pki["inter"].subject, key, pki["inter_key"], ca=False,
                       eku=[ExtendedKeyUsageOID.CLIENT_AUTH])  # fmt: skip
    chain = pem(pki["root"], pki["inter"], client)
    assert call("crypto.x509.parse_and_verify_certificates", chain)[0] is False  # Go defaults to ServerAuth
    opts = {"KeyUsages": ["KeyUsageClientAuth"]}
    assert call("crypto.x509.parse_and_verify_certificates_with_options", chain, opts)[0] is True


# --- requests, key pairs, private keys ---------------------------------------------------


def test_parse_certificate_request(pki):
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(name("req.example.com", "Acme"))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("req.example.com")]), critical=False)
        .sign(pki["leaf_key"], hashes.SHA256())
    )
    for text in (csr.public_bytes(PEM).decode(), b64(csr.public_bytes(DER)), b64(csr.public_bytes(PEM))):
        out = call("crypto.x509.parse_certificate_request", text)
        assert out["Subject"]["CommonName"] == "req.example.com"
        assert out["Subject"]["Organization"] == ["Acme"]
        assert out["DNSNames"] == ["req.example.com"]
        assert out["SignatureAlgorithm"] == 4  # SHA256WithRSA
        assert out["PublicKeyAlgorithm"] == 1
        assert out["Version"] == 0
        assert out["Extensions"][0]["Id"] == [2, 5, 29, 17]
        assert out["Raw"] == b64(csr.public_bytes(DER))
    with pytest.raises(BuiltinError, match="invalid PEM-encoded certificate signing request"):
        call("crypto.x509.parse_certificate_request", b64(pem(pki["leaf"]).encode()))


def test_parse_keypair(pki):
    key_pem = pki["leaf_key"].private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    out = call("crypto.x509.parse_keypair", pem(pki["leaf"]), key_pem.decode())
    assert out["Certificate"] == [b64(pki["leaf"].public_bytes(DER))]
    assert out["Leaf"]["Subject"]["CommonName"] == "example.com"
    n = pki["leaf_key"].private_numbers()
    assert out["PrivateKey"]["D"] == n.d
    assert out["PrivateKey"]["Primes"] == [n.p, n.q]
    assert out["PrivateKey"]["Precomputed"]["Qinv"] == n.iqmp
    der_form = call("crypto.x509.parse_keypair", b64(pki["leaf"].public_bytes(DER)),
                    b64(pki["leaf_key"].private_bytes(DER, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())))  # fmt: skip
    assert der_form == out
    wrong = pki["root_key"].private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(BuiltinError, match="tls: private key does not match public key"):
        call("crypto.x509.parse_keypair", pem(pki["leaf"]), wrong.decode())


def test_parse_rsa_private_key_gives_a_jwk_that_signs(pki):
    key = pki["leaf_key"]
    pkcs1 = key.private_bytes(PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    pkcs8 = key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    jwk = call("crypto.x509.parse_rsa_private_key", pkcs1.decode())
    assert jwk == call("crypto.x509.parse_rsa_private_key", pkcs8.decode())
    assert jwk == call("crypto.x509.parse_rsa_private_key", b64(pkcs1))
    assert jwk["kty"] == "RSA" and jwk["e"] == "AQAB"
    assert set(jwk) == {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"}
    token = call("io.jwt.encode_sign", {"alg": "RS256"}, {"a": 1}, jwk)
    assert call("io.jwt.verify_rs256", token, pem(pki["leaf"])) is True
    with pytest.raises(BuiltinError, match="failed to parse PEM block containing the key"):
        call("crypto.x509.parse_rsa_private_key", b64(b"nothing here"))
    with pytest.raises(BuiltinError, match="PEM block type is 'CERTIFICATE'"):
        call("crypto.x509.parse_rsa_private_key", pem(pki["leaf"]))


def test_parse_private_keys(pki):
    nocrypt = serialization.NoEncryption()
    ed = ed25519.Ed25519PrivateKey.generate()
    text = (
        pki["leaf_key"].private_bytes(PEM, serialization.PrivateFormat.TraditionalOpenSSL, nocrypt)
        + pki["root_key"].private_bytes(PEM, serialization.PrivateFormat.TraditionalOpenSSL, nocrypt)  # EC PRIVATE KEY
        + pem(pki["leaf"]).encode()  # other blocks are skipped
        + ed.private_bytes(PEM, serialization.PrivateFormat.PKCS8, nocrypt)
    ).decode()
    keys = call("crypto.parse_private_keys", text)
    assert len(keys) == 3
    assert keys[0]["N"] == pki["leaf_key"].private_numbers().public_numbers.n
    assert keys[1]["D"] == pki["root_key"].private_numbers().private_value and keys[1]["Curve"] == {}
    raw = serialization.Encoding.Raw
    seed = ed.private_bytes(raw, serialization.PrivateFormat.Raw, nocrypt)
    assert keys[2] == b64(seed + ed.public_key().public_bytes(raw, serialization.PublicFormat.Raw))
    assert call("crypto.parse_private_keys", b64(text.encode())) == keys
    assert call("crypto.parse_private_keys", "") is None


def test_end_to_end_through_a_policy(pki):
    policy = regolite.compile(
        {
            "p.rego": "package x\n"
            "names := [c.Subject.CommonName | some c in crypto.x509.parse_certificates(input.pem)]\n"
            "valid := crypto.x509.parse_and_verify_certificates(input.pem)[0]\n"
        }
    )
    inp = {"pem": pem(pki["root"], pki["inter"], pki["leaf"])}
    assert policy.eval_rule("data.x.names", input=inp) == ["Root CA", "Intermediate CA", "example.com"]
    assert policy.eval_rule("data.x.valid", input=inp) is True


def test_declarations_match_opa():
    names = ("crypto.x509.", "crypto.parse_private_keys")
    opa = opa_builtins(names)
    ours = {n: b.to_json() for n, b in REGISTRY.items() if n.startswith(names)}
    assert ours == opa


def test_name_constraints(pki):
    root, root_key = pki["root"], pki["root_key"]
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("example.com"), x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))],
        excluded_subtrees=[x509.DNSName("bad.example.com")],
    )
    ca = make_cert(name("Constrained CA"), root.subject, ca_key, root_key, ca=True, extra=[(constraints, True)])
    [info] = call("crypto.x509.parse_certificates", pem(ca))
    assert info["PermittedDNSDomainsCritical"] is True
    assert info["PermittedDNSDomains"] == ["example.com"]
    assert info["ExcludedDNSDomains"] == ["bad.example.com"]
    assert info["PermittedIPRanges"] == [{"IP": "10.0.0.0", "Mask": b64(bytes([255, 0, 0, 0]))}]
    assert info["UnhandledCriticalExtensions"] is None

    def leaf_for(*sans):
        return make_cert(name("leaf"), ca.subject, leaf_key, ca_key, ca=False, sans=sans)

    verify = lambda leaf: call("crypto.x509.parse_and_verify_certificates", pem(root, ca, leaf))[0]  # noqa: E731
    assert verify(leaf_for(x509.DNSName("www.example.com"), x509.IPAddress(ipaddress.ip_address("10.9.9.9"))))
    assert not verify(leaf_for(x509.DNSName("example.net")))
    assert not verify(leaf_for(x509.DNSName("x.bad.example.com")))
    assert not verify(leaf_for(x509.IPAddress(ipaddress.ip_address("192.168.0.1"))))


def test_unhandled_critical_extension_in_the_chain_fails(pki):
    root, root_key = pki["root"], pki["root_key"]
    ca_key = ec.generate_private_key(ec.SECP256R1())
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00")
    ca = make_cert(name("Odd CA"), root.subject, ca_key, root_key, ca=True, extra=[(odd, True)])
    leaf = make_cert(name("leaf"), ca.subject, pki["leaf_key"], ca_key, ca=False)
    assert call("crypto.x509.parse_and_verify_certificates", pem(root, ca, leaf)) == [False, []]


def test_no_certificates_is_null():
    assert call("crypto.x509.parse_certificates", "") is None
