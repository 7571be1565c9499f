"""Token builtins: io.jwt.decode, decode_verify, verify_* and encode_sign(_raw).

OPA's behaviour (topdown/tokens.go) on the `cryptography` package, which is
imported lazily so the rest of regolite works without it. Keys for
verification are a PEM certificate, a PEM public key, or a JWK / JWK set
(JSON); keys for signing are a JWK. Malformed tokens and keys are errors;
a well-formed token whose signature or claims do not check out gives false
(verify_*) or `[false, {}, {}]` (decode_verify), as in OPA.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from regolite.builtins import BuiltinError, OperandTypeError, builtin
from regolite.builtins.encoding import base64url_decode, json_is_valid, json_marshal, json_unmarshal
from regolite.builtins.signature import ANY, BOOLEAN, STRING, array_tuple, object_of
from regolite.builtins.x509 import decode_pem, require_cryptography
from regolite.values import NUMBER_TYPES

TOKENS = ("tokens",)
TOKEN_SIGNING = ("tokensign",)

_OBJECT = object_of(STRING, ANY)
_ANY_OBJECT = object_of(ANY, ANY)

# JWS algorithm -> (family, hashlib name or None)
ALGORITHMS = {
    "HS256": ("HS", "sha256"),
    "HS384": ("HS", "sha384"),
    "HS512": ("HS", "sha512"),
    "RS256": ("RS", "sha256"),
    "RS384": ("RS", "sha384"),
    "RS512": ("RS", "sha512"),
    "PS256": ("PS", "sha256"),
    "PS384": ("PS", "sha384"),
    "PS512": ("PS", "sha512"),
    "ES256": ("ES", "sha256"),
    "ES384": ("ES", "sha384"),
    "ES512": ("ES", "sha512"),
    "EdDSA": ("EdDSA", None),
}


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


# --- decoding ------------------------------------------------------------------------


@dataclass
class _Token:
    header: str
    payload: str
    signature: str
    decoded_header: dict | None = None

    @property
    def signing_input(self) -> bytes:
        return _bytes(self.header + "." + self.payload)

    def decode_header(self) -> dict:
        try:
            text = base64url_decode(self.header)
        except BuiltinError as e:
            raise BuiltinError(f"JWT header had invalid encoding: {e.message}") from None
        try:
            header = _json_object(text)
        except BuiltinError as e:
            raise BuiltinError(f"bad JWT header: {e.message}") from None
        if "enc" in header:
            raise BuiltinError("JWT is a JWE object, which is not supported")
        self.decoded_header = header
        return header

    def decode_payload_text(self) -> str:
        try:
            return base64url_decode(self.payload)
        except BuiltinError as e:
            raise BuiltinError(f"JWT payload had invalid encoding: {e.message}") from None

    def decode_signature(self) -> bytes:
        try:
            return _bytes(base64url_decode(self.signature))
        except BuiltinError as e:
            raise BuiltinError(f"JWT signature had invalid encoding: {e.message}") from None


def _split_token(jwt: str) -> _Token:
    if "." not in jwt:
        raise BuiltinError("encoded JWT had no period separators")
    parts = jwt.split(".")
    if len(parts) != 3:
        raise BuiltinError(f"encoded JWT must have 3 sections, found {len(parts)}")
    return _Token(*parts)


def _json_object(text: str) -> dict:
    try:
        value = json_unmarshal(text)
    except BuiltinError as e:
        raise BuiltinError(f"invalid JSON: {e.message}") from None
    if type(value) is not dict:
        raise BuiltinError("decoded JSON type was not an Object")
    return value


@builtin("io.jwt.decode", args=(STRING,), result=array_tuple(_ANY_OBJECT, _ANY_OBJECT, STRING), categories=TOKENS)
def io_jwt_decode(jwt: str) -> list:
    token = _split_token(jwt)
    header = token.decode_header()
    payload_text = token.decode_payload_text()
    if header.get("cty") == "JWT":
        # a nested token; jwt.io quotes it, so quotes are trimmed
        return io_jwt_decode(payload_text.removeprefix('"').removesuffix('"'))
    payload = _json_object(payload_text)
    signature = token.decode_signature()
    return [header, payload, signature.hex()]


# --- keys ----------------------------------------------------------------------------


@dataclass
class _Key:
    key: Any  # a cryptography public/private key, or bytes for "oct"
    alg: str = ""
    kid: str = ""


def _load_verification_keys(text: str) -> list[_Key]:
    """OPA's getKeysFromCertOrJWK: one PEM certificate or public key, else a JWK (set)."""
    require_cryptography()
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    block = decode_pem(_bytes(text))
    if block is not None:
        kind, der, rest = block
        if rest:
            raise BuiltinError("extra data after a PEM certificate block")
        if kind == "CERTIFICATE":
            try:
                cert = x509.load_der_x509_certificate(der)
                return [_Key(cert.public_key())]
            except ValueError as e:
                raise BuiltinError(f"failed to parse a PEM certificate: {e}") from None
        if kind == "PUBLIC KEY":
            try:
                return [_Key(serialization.load_der_public_key(der))]
            except (ValueError, TypeError) as e:
                raise BuiltinError(f"failed to parse a PEM public key: {e}") from None
        raise BuiltinError("failed to extract a Key from the PEM certificate")
    try:
        return [_Key(_materialize(k), _jwk_str(k, "alg"), _jwk_str(k, "kid")) for k in parse_jwk_set(text)]
    except BuiltinError as e:
        raise BuiltinError(f"failed to parse a JWK key (set): {e.message}") from None


def parse_jwk_set(text: str) -> list[dict]:
    """The keys of a JWK (one key) or a JWK set ({"keys": [...]}) in JSON."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise BuiltinError(f"failed to unmarshal JWK: {e}") from None
    if type(doc) is not dict:
        raise BuiltinError("failed to unmarshal JWK: not an object")
    keys = doc["keys"] if "keys" in doc else [doc]
    if type(keys) is not list or not all(type(k) is dict for k in keys):
        raise BuiltinError("failed to unmarshal JWK set: keys must be an array of objects")
    if not keys:
        raise BuiltinError("failed to parse JWK set: no keys")
    return keys


def _jwk_str(jwk: dict, name: str) -> str:
    v = jwk.get(name, "")
    return v if type(v) is str else ""


def _b64url_int(jwk: dict, name: str, required: bool = True) -> int | None:
    raw = _b64url_field(jwk, name, required)
    return None if raw is None else int.from_bytes(raw, "big")


def _b64url_field(jwk: dict, name: str, required: bool = True) -> bytes | None:
    v = jwk.get(name)
    if v is None:
        if required:
            raise BuiltinError(f"required field {name} is missing")
        return None
    if type(v) is not str:
        raise BuiltinError(f"field {name} must be a string")
    try:
        return base64.urlsafe_b64decode(v + "=" * (-len(v) % 4))
    except ValueError:
        raise BuiltinError(f"failed to decode field {name}") from None


_CURVES = {"P-256": "SECP256R1", "P-384": "SECP384R1", "P-521": "SECP521R1"}


def _materialize(jwk: dict) -> Any:
    """The key a JWK describes: bytes (oct) or a cryptography key object."""
    kty = jwk.get("kty")
    if kty == "oct":
        return _b64url_field(jwk, "k")
    require_cryptography()
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        if kty == "RSA":
            n, e = _b64url_int(jwk, "n"), _b64url_int(jwk, "e")
            public = rsa.RSAPublicNumbers(e, n)
            d = _b64url_int(jwk, "d", False)
            if d is None:
                return public.public_key()
            p, q = _b64url_int(jwk, "p", False), _b64url_int(jwk, "q", False)
            if p is None or q is None:
                p, q = rsa.rsa_recover_prime_factors(n, e, d)
            dp = _b64url_int(jwk, "dp", False) or rsa.rsa_crt_dmp1(d, p)
            dq = _b64url_int(jwk, "dq", False) or rsa.rsa_crt_dmq1(d, q)
            qi = _b64url_int(jwk, "qi", False) or rsa.rsa_crt_iqmp(p, q)
            return rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, public).private_key()
        if kty == "EC":
            crv = jwk.get("crv")
            if crv not in _CURVES:
                raise BuiltinError(f"unsupported elliptic curve {crv}")
            curve = getattr(ec, _CURVES[crv])()
            public = ec.EllipticCurvePublicNumbers(_b64url_int(jwk, "x"), _b64url_int(jwk, "y"), curve)
            d = _b64url_int(jwk, "d", False)
            if d is None:
                return public.public_key()
            return ec.EllipticCurvePrivateNumbers(d, public).private_key()
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise BuiltinError(f"unsupported curve {jwk.get('crv')}")
            d = _b64url_field(jwk, "d", False)
            if d is not None:
                return ed25519.Ed25519PrivateKey.from_private_bytes(d)
            return ed25519.Ed25519PublicKey.from_public_bytes(_b64url_field(jwk, "x"))
    except ValueError as e:
        raise BuiltinError(f"failed to materialize key: {e}") from None
    raise BuiltinError(f"unsupported key type {kty}")


# --- signatures ----------------------------------------------------------------------


class _WrongKeyType(Exception):
    pass


def _public(key: Any) -> Any:
    return key.public_key() if hasattr(key, "public_key") else key


def _check_signature(alg: str, key: Any, message: bytes, signature: bytes) -> bool:
    """True when `signature` is valid; _WrongKeyType when the key cannot verify `alg`."""
    family, hash_name = ALGORITHMS[alg]
    if family == "HS":
        if type(key) is not bytes:
            raise _WrongKeyType("incorrect symmetric key type")
        return hmac.compare_digest(hmac.new(key, message, hash_name).digest(), signature)
    if type(key) is bytes:
        raise _WrongKeyType("incorrect public key type")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    key = _public(key)
    try:
        if family in ("RS", "PS"):
            if not isinstance(key, rsa.RSAPublicKey):
                raise _WrongKeyType("incorrect public key type")
            key.verify(signature, message, _rsa_padding(family, hash_name), _hash(hash_name))
        elif family == "ES":
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise _WrongKeyType("incorrect public key type")
            from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

            half = len(signature) // 2
            r = int.from_bytes(signature[:half], "big")
            s = int.from_bytes(signature[half:], "big")
            if r == 0 or s == 0:
                return False
            digest = hashlib.new(hash_name, message).digest()
            key.verify(encode_dss_signature(r, s), digest, ec.ECDSA(Prehashed(_hash(hash_name))))
        else:
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise _WrongKeyType("incorrect public key type")
            key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    return {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[name]()


def _rsa_padding(family: str, hash_name: str, signing: bool = False) -> Any:
    from cryptography.hazmat.primitives.asymmetric import padding

    if family == "RS":
        return padding.PKCS1v15()
    salt = padding.PSS.DIGEST_LENGTH if signing else padding.PSS.AUTO
    return padding.PSS(mgf=padding.MGF1(_hash(hash_name)), salt_length=salt)


def _sign(alg: str, key: Any, message: bytes) -> bytes:
    family, hash_name = ALGORITHMS[alg]
    if family == "HS":
        if type(key) is not bytes:
            raise BuiltinError("failed to sign payload: invalid key type for HMAC signature")
        return hmac.new(key, message, hash_name).digest()
    if type(key) is bytes:
        raise BuiltinError(f"failed to sign payload: invalid key type for {alg} signature")
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if family in ("RS", "PS"):
        if not isinstance(key, rsa.RSAPrivateKey):
            raise BuiltinError("failed to sign payload: invalid key type for RSA signature")
        return key.sign(message, _rsa_padding(family, hash_name, signing=True), _hash(hash_name))
    if family == "ES":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise BuiltinError("failed to sign payload: invalid key type for ECDSA signature")
        from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

        digest = hashlib.new(hash_name, message).digest()
        r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(Prehashed(_hash(hash_name)))))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise BuiltinError("failed to sign payload: invalid key type for EdDSA signature")
    return key.sign(message)


# --- io.jwt.verify_* -----------------------------------------------------------------


def _verify_hs(alg: str, jwt: str, secret: str) -> bool:
    token = _split_token(jwt)
    signature = token.decode_signature()
    return _check_signature(alg, _bytes(secret), token.signing_input, signature)


def _verify_asymmetric(alg: str, jwt: str, certificate: str) -> bool:
    token = _split_token(jwt)
    keys = _load_verification_keys(certificate)
    signature = token.decode_signature()
    header = _TokenHeader.parse(token.decode_header())
    message = token.signing_input

    def check(key: _Key) -> bool:
        try:
            return _check_signature(alg, key.key, message, signature)
        except _WrongKeyType:
            return False

    if header.kid:
        for key in keys:
            if key.kid == header.kid:
                return check(key)
    for key in keys:
        if key.alg and key.alg != header.alg:
            continue
        if check(key):
            return True
    return False


@builtin("io.jwt.verify_hs256", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_hs256(jwt: str, secret: str) -> bool:
    return _verify_hs("HS256", jwt, secret)


@builtin("io.jwt.verify_hs384", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_hs384(jwt: str, secret: str) -> bool:
    return _verify_hs("HS384", jwt, secret)


@builtin("io.jwt.verify_hs512", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_hs512(jwt: str, secret: str) -> bool:
    return _verify_hs("HS512", jwt, secret)


@builtin("io.jwt.verify_rs256", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_rs256(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("RS256", jwt, certificate)


@builtin("io.jwt.verify_rs384", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_rs384(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("RS384", jwt, certificate)


@builtin("io.jwt.verify_rs512", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_rs512(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("RS512", jwt, certificate)


@builtin("io.jwt.verify_ps256", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_ps256(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("PS256", jwt, certificate)


@builtin("io.jwt.verify_ps384", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_ps384(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("PS384", jwt, certificate)


@builtin("io.jwt.verify_ps512", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_ps512(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("PS512", jwt, certificate)


@builtin("io.jwt.verify_es256", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_es256(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("ES256", jwt, certificate)


@builtin("io.jwt.verify_es384", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_es384(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("ES384", jwt, certificate)


@builtin("io.jwt.verify_es512", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_es512(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("ES512", jwt, certificate)


@builtin("io.jwt.verify_eddsa", args=(STRING, STRING), result=BOOLEAN, categories=TOKENS)
def io_jwt_verify_eddsa(jwt: str, certificate: str) -> bool:
    return _verify_asymmetric("EdDSA", jwt, certificate)


# --- io.jwt.decode_verify ------------------------------------------------------------


@dataclass
class _TokenHeader:
    alg: str = ""
    kid: str = ""
    cty: str = ""
    crit: tuple = ()

    @classmethod
    def parse(cls, header: dict) -> _TokenHeader:
        out = cls()
        for name in ("alg", "kid", "cty"):
            if name in header:
                value = header[name]
                if type(value) is not str:
                    raise BuiltinError(f"invalid JWT header: '{name}' must be a string")
                setattr(out, name, value)
        if "crit" in header:
            crit = header["crit"]
            if type(crit) is not list or not all(type(c) is str for c in crit):
                raise BuiltinError("invalid JWT header: 'crit' must be an array of strings")
            out.crit = tuple(crit)
        return out

    def valid(self) -> bool:
        # alg is required (RFC 7515 4.1.1); no "crit" extension is understood (4.1.11)
        return bool(self.alg) and not self.crit


@dataclass
class _Constraints:
    keys: list[_Key] | None = None
    secret: str = ""
    alg: str = ""
    iss: str = ""
    aud: str = ""
    time: float | None = None

    @classmethod
    def parse(cls, obj: dict) -> _Constraints:
        out = cls()
        for name, value in obj.items():
            if name in ("cert", "secret", "alg", "iss", "aud"):
                if type(value) is not str:
                    raise OperandTypeError(1, "string", value)
                if name == "cert":
                    out.keys = _load_verification_keys(value)
                else:
                    setattr(out, name, value)
            elif name == "time":
                if type(value) not in NUMBER_TYPES:
                    raise OperandTypeError(1, "number", value)
                out.time = value
            else:
                raise BuiltinError(f"unknown token validation constraint: {name}")
        if (out.keys is not None) + bool(out.secret) > 1:
            raise BuiltinError("duplicate key constraints")
        if out.keys is None and not out.secret:
            raise BuiltinError("no key constraint")
        if out.time is None:
            from regolite.builtins.time import time_now_ns

            out.time = time_now_ns()
        return out

    def verify(self, header: _TokenHeader, message: bytes, signature: bytes) -> bool:
        if header.alg not in ALGORITHMS:
            raise BuiltinError(f"unknown JWS algorithm: {header.alg}")
        if self.keys is not None:
            candidates = [k for k in self.keys if header.kid and k.kid == header.kid][:1]
            if not candidates:
                candidates = [k for k in self.keys if not k.alg or k.alg == header.alg]
            for key in candidates:
                try:
                    if _check_signature(header.alg, key.key, message, signature):
                        return True
                except _WrongKeyType:
                    continue
            return False
        try:
            return _check_signature(header.alg, _bytes(self.secret), message, signature)
        except _WrongKeyType as e:
            raise BuiltinError(str(e)) from None

    def valid_audience(self, aud: Any) -> bool:
        if type(aud) is str:
            return aud == self.aud
        if type(aud) is list:
            return any(type(a) is str and a == self.aud for a in aud)
        return False


@builtin(
    "io.jwt.decode_verify",
    args=(STRING, _OBJECT),
    result=array_tuple(BOOLEAN, _ANY_OBJECT, _ANY_OBJECT),
    categories=TOKENS,
    nondeterministic=True,
)
def io_jwt_decode_verify(jwt: str, constraints: dict) -> list:
    unverified = [False, {}, {}]
    _split_token(jwt)
    c = _Constraints.parse(constraints)
    while True:
        token = _split_token(jwt)
        decoded_header = token.decode_header()
        header = _TokenHeader.parse(decoded_header)
        if not header.valid():
            return unverified
        if c.alg and c.alg != header.alg:
            return unverified
        signature = token.decode_signature()
        if not c.verify(header, token.signing_input, signature):
            return unverified
        payload_text = token.decode_payload_text()
        if header.cty.upper() == "JWT":
            jwt = payload_text  # a nested token: verify it too
            continue
        payload = _json_object(payload_text)
        break

    if c.iss:
        iss = payload.get("iss")
        if type(iss) is not str or iss != c.iss:
            return unverified
    if "aud" in payload:
        if not c.valid_audience(payload["aud"]):
            return unverified
    elif c.aud:
        return unverified
    now = float(c.time) / 1e9  # constraint time is in ns, claims in seconds
    if "exp" in payload:
        exp = payload["exp"]
        if type(exp) not in (int, float):
            raise BuiltinError("exp value must be a number")
        if now >= exp:
            return unverified
    if "nbf" in payload:
        nbf = payload["nbf"]
        if type(nbf) not in (int, float):
            raise BuiltinError("nbf value must be a number")
        if now < nbf:
            return unverified
    return [True, decoded_header, payload]


# --- io.jwt.encode_sign --------------------------------------------------------------


@builtin(
    "io.jwt.encode_sign",
    args=(_OBJECT, _OBJECT, _OBJECT),
    result=STRING,
    categories=TOKEN_SIGNING,
    nondeterministic=True,
)
def io_jwt_encode_sign(headers: dict, payload: dict, key: dict) -> str:
    return _encode_sign(json_marshal(headers), json_marshal(payload), json_marshal(key))


@builtin(
    "io.jwt.encode_sign_raw",
    args=(STRING, STRING, STRING),
    result=STRING,
    categories=TOKEN_SIGNING,
    nondeterministic=True,
)
def io_jwt_encode_sign_raw(headers: str, payload: str, key: str) -> str:
    return _encode_sign(headers, payload, key)


def _encode_sign(headers: str, payload: str, jwk_text: str) -> str:
    key = _materialize(parse_jwk_set(jwk_text)[0])
    header = json_unmarshal(headers)
    if type(header) is not dict:
        raise BuiltinError("json: cannot unmarshal header into Go value of type jws.StandardHeaders")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise BuiltinError("unknown signature algorithm")
    typ = header.get("typ", "")
    if typ in ("", "JWT", None) and not json_is_valid(payload):
        raise BuiltinError("type is JWT but payload is not JSON")
    signing_input = _b64url(_bytes(headers)) + "." + _b64url(_bytes(payload))
    signature = _sign(alg, key, signing_input.encode("ascii"))
    return signing_input + "." + _b64url(signature)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
