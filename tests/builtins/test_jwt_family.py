"""Token builtins: io.jwt.decode, decode_verify, verify_*, encode_sign(_raw).

Keys and certificates are generated here with `cryptography`; every
algorithm round-trips encode_sign -> verify_* -> decode_verify, and
tampered, expired or mis-addressed tokens are refused as OPA refuses them.
"""

from __future__ import annotations

import base64
import datetime
import json

import pytest

pytest.importorskip("cryptography")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

import regolite  # noqa: E402
import regolite.builtins.jwt  # noqa: E402,F401  (registers the family)
from regolite.builtins import REGISTRY, BuiltinError, OperandTypeError  # noqa: E402
from tests.builtin_helpers import call, opa_builtins  # noqa: E402

NOW_NS = 1_700_000_000 * 10**9


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def uint(v: int, size: int | None = None) -> str:
    return b64url(v.to_bytes(size or (v.bit_length() + 7) // 8, "big"))


def jwk_of(key, private: bool = True) -> dict:
    if isinstance(key, bytes):
        return {"kty": "oct", "k": b64url(key)}
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        out = {"kty": "RSA", "n": uint(n.public_numbers.n), "e": uint(n.public_numbers.e)}
        if private:
            out.update(d=uint(n.d), p=uint(n.p), q=uint(n.q), dp=uint(n.dmp1), dq=uint(n.dmq1), qi=uint(n.iqmp))
        return out
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = key.private_numbers()
        size = (key.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[key.curve.name]
        out = {"kty": "EC", "crv": crv, "x": uint(n.public_numbers.x, size), "y": uint(n.public_numbers.y, size)}
        if private:
            out["d"] = uint(n.private_value, size)
        return out
    raw = serialization.Encoding.Raw
    public = key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    out = {"kty": "OKP", "crv": "Ed25519", "x": b64url(public)}
    if private:
        out["d"] = b64url(key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()))
    return out


def public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def certificate_pem(key) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwt test")])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650 * 3))
        .sign(key, algorithm)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def keys():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "HS": b"a shared secret of some length",
        "RS": rsa_key,
        "PS": rsa_key,
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "ES384": ec.generate_private_key(ec.SECP384R1()),
        "ES512": ec.generate_private_key(ec.SECP521R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
    }


ALGORITHMS = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA",
]  # fmt: skip


def key_for(keys, alg):
    return keys.get(alg) or keys[alg[:2]]


def verifier(alg):
    return f"io.jwt.verify_{alg.lower()}"


def verification_inputs(keys, alg):
    """Every form of key the verifier accepts for `alg`."""
    key = key_for(keys, alg)
    if alg.startswith("HS"):
        return [key.decode()]
    public_jwk = jwk_of(key, private=False)
    return [
        public_pem(key),
        certificate_pem(key),
        json.dumps(public_jwk),
        json.dumps({"keys": [dict(public_jwk, alg=alg, kid="k1")]}),
    ]


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_round_trip_every_algorithm(keys, alg):
    key = key_for(keys, alg)
    payload = {"sub": "alice", "iss": "me", "exp": NOW_NS // 10**9 + 60}
    token = call("io.jwt.encode_sign", {"alg": alg, "typ": "JWT"}, payload, jwk_of(key))
    header, decoded, signature = call("io.jwt.decode", token)
    assert header == {"alg": alg, "typ": "JWT"}
    assert decoded == payload
    assert bytes.fromhex(signature) == base64.urlsafe_b64decode(token.split(".")[2] + "==")
    for k in verification_inputs(keys, alg):
        assert call(verifier(alg), token, k) is True, k[:30]
        constraint = {"secret": k} if alg.startswith("HS") else {"cert": k}
        result = call("io.jwt.decode_verify", token, {**constraint, "time": NOW_NS, "iss": "me"})
        assert result == [True, {"alg": alg, "typ": "JWT"}, payload]


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_tampered_tokens_fail(keys, alg):
    key = key_for(keys, alg)
    header, payload = json.dumps({"alg": alg}), json.dumps({"admin": False})
    token = call("io.jwt.encode_sign_raw", header, payload, json.dumps(jwk_of(key)))
    head, _, sig = token.split(".")
    forged = ".".join([head, b64url(b'{"admin":true}'), sig])
    bad_sig = ".".join([head, token.split(".")[1], b64url(bytes(64))])
    for k in verification_inputs(keys, alg):
        assert call(verifier(alg), token, k) is True
        assert call(verifier(alg), forged, k) is False
        assert call(verifier(alg), bad_sig, k) is False
        constraint = {"secret": k} if alg.startswith("HS") else {"cert": k}
        assert call("io.jwt.decode_verify", forged, {**constraint, "time": NOW_NS}) == [False, {}, {}]


def test_wrong_key_is_false_not_an_error(keys):
    token = call("io.jwt.encode_sign", {"alg": "RS256"}, {"a": 1}, jwk_of(keys["RS"]))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert call("io.jwt.verify_rs256", token, public_pem(other)) is False
    assert call("io.jwt.verify_rs256", token, public_pem(keys["ES256"])) is False  # wrong key type
    assert call("io.jwt.verify_es256", token, public_pem(keys["ES256"])) is False
    assert call("io.jwt.verify_hs256", token, "secret") is False


def test_hs_signatures_are_deterministic_and_match_a_known_vector():
    # RFC 7515 appendix A.1's key, our header and payload
    key = {"kty": "oct", "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}
    header = '{"typ":"JWT",\r\n "alg":"HS256"}'
    payload = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'
    token = call("io.jwt.encode_sign_raw", header, payload, json.dumps(key))
    assert token == (
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )
    # the key is not UTF-8, so it cannot be a Rego string secret; as a JWK "cert" it verifies
    result = call("io.jwt.decode_verify", token, {"cert": json.dumps({"keys": [key]}), "time": 0})
    assert result[0] is True and result[2]["iss"] == "joe"


def test_rs_signatures_are_deterministic(keys):
    jwk = jwk_of(keys["RS"])
    a = call("io.jwt.encode_sign", {"alg": "RS256"}, {"x": 1}, jwk)
    b = call("io.jwt.encode_sign", {"alg": "RS256"}, {"x": 1}, jwk)
    assert a == b


def test_encode_sign_serialises_like_go(keys):
    token = call("io.jwt.encode_sign", {"typ": "JWT", "alg": "HS256"}, {"b": [1, 2.5], "a": "<&>"}, jwk_of(b"k"))
    head, payload, _ = token.split(".")
    assert base64.urlsafe_b64decode(head + "==") == b'{"alg":"HS256","typ":"JWT"}'
    assert base64.urlsafe_b64decode(payload + "==") == b'{"a":"\\u003c\\u0026\\u003e","b":[1,2.5]}'


def test_encode_sign_errors(keys):
    jwk = json.dumps(jwk_of(b"k"))
    with pytest.raises(BuiltinError, match="type is JWT but payload is not JSON"):
        call("io.jwt.encode_sign_raw", '{"alg":"HS256"}', "not json", jwk)
    assert call("io.jwt.encode_sign_raw", '{"alg":"HS256","typ":"text"}', "not json", jwk).count(".") == 2
    with pytest.raises(BuiltinError, match="unknown signature algorithm"):
        call("io.jwt.encode_sign_raw", '{"alg":"none"}', "{}", jwk)
    with pytest.raises(BuiltinError):
        call("io.jwt.encode_sign", {"alg": "RS256"}, {}, jwk_of(keys["RS"], private=False))


def test_expiry_and_not_before(keys):
    jwk = jwk_of(keys["HS"])
    secret = keys["HS"].decode()
    now = NOW_NS // 10**9
    expired = call("io.jwt.encode_sign", {"alg": "HS256"}, {"exp": now - 1}, jwk)
    at_expiry = call("io.jwt.encode_sign", {"alg": "HS256"}, {"exp": now}, jwk)
    early = call("io.jwt.encode_sign", {"alg": "HS256"}, {"nbf": now + 10}, jwk)
    ready = call("io.jwt.encode_sign", {"alg": "HS256"}, {"nbf": now, "exp": now + 1}, jwk)
    check = lambda t: call("io.jwt.decode_verify", t, {"secret": secret, "time": NOW_NS})[0]  # noqa: E731
    assert check(expired) is False
    assert check(at_expiry) is False
    assert check(early) is False
    assert check(ready) is True
    # the signature alone is still fine
    assert call("io.jwt.verify_hs256", expired, secret) is True
    bad = call("io.jwt.encode_sign", {"alg": "HS256"}, {"exp": "tomorrow"}, jwk)
    with pytest.raises(BuiltinError, match="exp value must be a number"):
        call("io.jwt.decode_verify", bad, {"secret": secret, "time": NOW_NS})


def test_expired_by_the_query_clock(keys):
    token = call("io.jwt.encode_sign", {"alg": "HS256"}, {"exp": 1000}, jwk_of(keys["HS"]))
    assert call("io.jwt.decode_verify", token, {"secret": keys["HS"].decode()}) == [False, {}, {}]


def test_issuer_audience_and_alg_constraints(keys):
    jwk = jwk_of(keys["HS"])
    secret = keys["HS"].decode()
    plain = call("io.jwt.encode_sign", {"alg": "HS256"}, {"iss": "a"}, jwk)
    aud_list = call("io.jwt.encode_sign", {"alg": "HS256"}, {"aud": ["x", "y"]}, jwk)
    aud_str = call("io.jwt.encode_sign", {"alg": "HS256"}, {"aud": "x"}, jwk)

    def ok(token, **c):
        return call("io.jwt.decode_verify", token, {"secret": secret, "time": NOW_NS, **c})[0]

    assert ok(plain, iss="a") and not ok(plain, iss="b")
    assert not ok(plain, aud="x")  # aud required but absent
    assert ok(aud_list, aud="y") and not ok(aud_list, aud="z")
    assert not ok(aud_list)  # a token with aud needs an aud constraint
    assert ok(aud_str, aud="x")
    assert ok(plain, alg="HS256") and not ok(plain, alg="HS512")


def test_decode_verify_constraint_errors(keys):
    token = call("io.jwt.encode_sign", {"alg": "HS256"}, {}, jwk_of(keys["HS"]))
    with pytest.raises(BuiltinError, match="no key constraint"):
        call("io.jwt.decode_verify", token, {"time": 0})
    with pytest.raises(BuiltinError, match="duplicate key constraints"):
        call("io.jwt.decode_verify", token, {"secret": "s", "cert": public_pem(keys["RS"])})
    with pytest.raises(BuiltinError, match="unknown token validation constraint: foo"):
        call("io.jwt.decode_verify", token, {"secret": "s", "foo": 1})


def test_kid_selects_the_key(keys):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [dict(jwk_of(other, False), kid="a"), dict(jwk_of(keys["RS"], False), kid="b")]}
    token_b = call("io.jwt.encode_sign", {"alg": "RS256", "kid": "b"}, {}, jwk_of(keys["RS"]))
    token_a = call("io.jwt.encode_sign", {"alg": "RS256", "kid": "a"}, {}, jwk_of(keys["RS"]))
    assert call("io.jwt.verify_rs256", token_b, json.dumps(jwks)) is True
    assert call("io.jwt.verify_rs256", token_a, json.dumps(jwks)) is False  # kid "a" is the wrong key
    # a key whose alg differs from the token's is skipped
    wrong_alg = {"keys": [dict(jwk_of(keys["RS"], False), alg="RS512")]}
    assert call("io.jwt.verify_rs256", call("io.jwt.encode_sign", {"alg": "RS256"}, {}, jwk_of(keys["RS"])),
                json.dumps(wrong_alg)) is False  # fmt: skip


def test_decode_errors():
    with pytest.raises(BuiltinError, match="encoded JWT had no period separators"):
        call("io.jwt.decode", "abc")
    with pytest.raises(BuiltinError, match="encoded JWT must have 3 sections, found 2"):
        call("io.jwt.decode", "a.b")
    with pytest.raises(BuiltinError, match="JWT header had invalid encoding"):
        call("io.jwt.decode", "!!!.e30.")
    with pytest.raises(BuiltinError, match="bad JWT header"):
        call("io.jwt.decode", b64url(b"[1]") + ".e30.")
    with pytest.raises(BuiltinError, match="JWT is a JWE object"):
        call("io.jwt.decode", b64url(b'{"enc":"A128GCM"}') + ".e30.")
    with pytest.raises(BuiltinError, match="decoded JSON type was not an Object"):
        call("io.jwt.decode", "e30." + b64url(b"1") + ".")
    with pytest.raises(OperandTypeError):
        call("io.jwt.decode", 1)
    assert call("io.jwt.decode", "e30.e30.") == [{}, {}, ""]


def test_nested_token_is_decoded():
    inner = b64url(b'{"alg":"none"}') + "." + b64url(b'{"sub":"x"}') + "."
    outer = b64url(b'{"cty":"JWT"}') + "." + b64url(('"' + inner + '"').encode()) + "."
    assert call("io.jwt.decode", outer) == [{"alg": "none"}, {"sub": "x"}, ""]


def test_bad_verification_keys_are_errors(keys):
    token = call("io.jwt.encode_sign", {"alg": "RS256"}, {}, jwk_of(keys["RS"]))
    with pytest.raises(BuiltinError, match="failed to parse a JWK key"):
        call("io.jwt.verify_rs256", token, "not a key")
    with pytest.raises(BuiltinError, match="failed to extract a Key from the PEM certificate"):
        pem = keys["RS"].private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        call("io.jwt.verify_rs256", token, pem.decode())


def test_end_to_end_through_a_policy(keys):
    token = call("io.jwt.encode_sign", {"alg": "ES256"}, {"user": "bob"}, jwk_of(keys["ES256"]))
    policy = regolite.compile(
        {
            "p.rego": "package x\n"
            "valid := io.jwt.verify_es256(input.t, input.cert)\n"
            "user := io.jwt.decode(input.t)[1].user\n"
        }
    )
    inp = {"t": token, "cert": certificate_pem(keys["ES256"])}
    assert policy.eval_rule("data.x.valid", input=inp) is True
    assert policy.eval_rule("data.x.user", input=inp) == "bob"


def test_declarations_match_opa():
    opa = opa_builtins("io.jwt.")
    ours = {name: b.to_json() for name, b in REGISTRY.items() if name.startswith("io.jwt.")}
    assert ours == opa


def test_without_cryptography_hs_works_and_the_rest_is_a_builtin_error(keys, monkeypatch):
    token = call("io.jwt.encode_sign", {"alg": "HS256"}, {"a": 1}, jwk_of(b"k"))
    rs_token = call("io.jwt.encode_sign", {"alg": "RS256"}, {}, jwk_of(keys["RS"]))
    monkeypatch.setitem(__import__("sys").modules, "cryptography", None)
    assert call("io.jwt.encode_sign", {"alg": "HS256"}, {"a": 1}, jwk_of(b"k")) == token
    assert call("io.jwt.verify_hs256", token, "k") is True
    assert call("io.jwt.decode_verify", token, {"secret": "k", "time": 0})[0] is True
    with pytest.raises(BuiltinError, match="needs the 'cryptography' package"):
        call("io.jwt.verify_rs256", rs_token, json.dumps(jwk_of(keys["RS"], private=False)))
    with pytest.raises(BuiltinError, match="needs the 'cryptography' package"):
        call("crypto.x509.parse_certificates", base64.b64encode(b"\x30\x00").decode())


def test_decode_verify_header_rules():
    unsigned = b64url(b'{"alg":"none"}') + "." + b64url(b"{}") + "."
    with pytest.raises(BuiltinError, match="unknown JWS algorithm: none"):
        call("io.jwt.decode_verify", unsigned, {"secret": "s", "time": 0})
    no_alg = b64url(b'{"typ":"JWT"}') + "." + b64url(b"{}") + "."
    assert call("io.jwt.decode_verify", no_alg, {"secret": "s", "time": 0}) == [False, {}, {}]
    crit = b64url(b'{"alg":"HS256","crit":["exp"]}') + "." + b64url(b"{}") + "."
    assert call("io.jwt.decode_verify", crit, {"secret": "s", "time": 0}) == [False, {}, {}]
