"""Crypto builtins: digests and HMACs of a string's bytes, as lowercase hex.

Strings are hashed as UTF-8 (bytes that were invalid UTF-8, carried as
surrogate escapes, hash as those bytes, as in Go). The x509, JWT and key
parsing builtins of OPA's crypto category are not implemented here.
"""

from __future__ import annotations

import hashlib
import hmac

from regolite.builtins import builtin
from regolite.builtins.signature import BOOLEAN, STRING

CRYPTO = ("crypto",)


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


@builtin("crypto.md5", args=(STRING,), result=STRING, categories=CRYPTO)
def crypto_md5(x: str) -> str:
    return hashlib.md5(_bytes(x), usedforsecurity=False).hexdigest()


@builtin("crypto.sha1", args=(STRING,), result=STRING, categories=CRYPTO)
def crypto_sha1(x: str) -> str:
    return hashlib.sha1(_bytes(x), usedforsecurity=False).hexdigest()


@builtin("crypto.sha256", args=(STRING,), result=STRING, categories=CRYPTO)
def crypto_sha256(x: str) -> str:
    return hashlib.sha256(_bytes(x)).hexdigest()


@builtin("crypto.hmac.md5", args=(STRING, STRING), result=STRING, categories=CRYPTO)
def crypto_hmac_md5(x: str, key: str) -> str:
    return hmac.new(_bytes(key), _bytes(x), "md5").hexdigest()


@builtin("crypto.hmac.sha1", args=(STRING, STRING), result=STRING, categories=CRYPTO)
def crypto_hmac_sha1(x: str, key: str) -> str:
    return hmac.new(_bytes(key), _bytes(x), "sha1").hexdigest()


@builtin("crypto.hmac.sha256", args=(STRING, STRING), result=STRING, categories=CRYPTO)
def crypto_hmac_sha256(x: str, key: str) -> str:
    return hmac.new(_bytes(key), _bytes(x), "sha256").hexdigest()


@builtin("crypto.hmac.sha512", args=(STRING, STRING), result=STRING, categories=CRYPTO)
def crypto_hmac_sha512(x: str, key: str) -> str:
    return hmac.new(_bytes(key), _bytes(x), "sha512").hexdigest()


@builtin("crypto.hmac.equal", args=(STRING, STRING), result=BOOLEAN, categories=CRYPTO)
def crypto_hmac_equal(mac1: str, mac2: str) -> bool:
    # constant time in the content, like Go's hmac.Equal
    return hmac.compare_digest(_bytes(mac1), _bytes(mac2))
