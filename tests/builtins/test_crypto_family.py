"""Crypto builtins: digests and HMACs as lowercase hex of the UTF-8 bytes.

Vectors are the published ones (RFC 1321/3174 and FIPS 180 test strings,
the HMAC examples with key "key" and the quick brown fox).
"""

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import REGISTRY, OperandTypeError
from tests.builtin_helpers import call

FOX = "The quick brown fox jumps over the lazy dog"


@pytest.mark.parametrize(
    "name, arg, want",
    [
        ("crypto.md5", "", "d41d8cd98f00b204e9800998ecf8427e"),
        ("crypto.md5", "abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("crypto.sha1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("crypto.sha256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("crypto.sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ],
)
def test_digests(name, arg, want):
    assert call(name, arg) == want


@pytest.mark.parametrize(
    "name, want",
    [
        ("crypto.hmac.md5", "80070713463e7749b90c2dc24911e275"),
        ("crypto.hmac.sha1", "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"),
        ("crypto.hmac.sha256", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"),
        (
            "crypto.hmac.sha512",
            "b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb"
            "82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a",
        ),
    ],
)
def test_hmacs_take_the_message_then_the_key(name, want):
    assert call(name, FOX, "key") == want


def test_non_ascii_is_hashed_as_utf8():
    assert call("crypto.sha256", "é") == hashlib.sha256("é".encode()).hexdigest()
    assert call("crypto.hmac.sha256", "é", "ключ") == hmac.new("ключ".encode(), "é".encode(), "sha256").hexdigest()


def test_bytes_from_base64_decode_hash_as_those_bytes():
    raw = REGISTRY["base64.decode"].function("/w==")  # the byte 0xff
    assert call("crypto.md5", raw) == hashlib.md5(b"\xff").hexdigest()


def test_hmac_equal():
    mac = call("crypto.hmac.sha256", "message", "secret")
    assert call("crypto.hmac.equal", mac, mac) is True
    assert call("crypto.hmac.equal", mac, mac[:-1] + "0") is False
    assert call("crypto.hmac.equal", "", "") is True
    assert call("crypto.hmac.equal", "a", "ab") is False


def test_operands_must_be_strings():
    with pytest.raises(OperandTypeError, match="operand 2 must be string but got number"):
        call("crypto.hmac.sha256", "x", 1)
    with pytest.raises(OperandTypeError, match="operand 1 must be string but got null"):
        call("crypto.sha1", None)


@given(st.text(), st.text())
def test_hmac_laws(message, key):
    for algo in ("md5", "sha1", "sha256", "sha512"):
        mac = call(f"crypto.hmac.{algo}", message, key)
        assert mac == hmac.new(key.encode(), message.encode(), algo).hexdigest()
        assert call("crypto.hmac.equal", mac, mac) is True
