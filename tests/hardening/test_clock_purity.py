"""Results of built-ins that read the clock are never kept across queries.

The compiler keeps the results of pure functions in a table shared by every
query; a function that verified a certificate was one, so a certificate
that expired stayed valid for as long as the table held its result.
"""

from __future__ import annotations

import datetime

import pytest

pytest.importorskip("cryptography")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

import regolite  # noqa: E402
from regolite.builtins import REGISTRY  # noqa: E402
from regolite.builtins.time import query_clock  # noqa: E402

UTC = datetime.timezone.utc
EXPIRY = datetime.datetime(2030, 1, 1, tzinfo=UTC)
NS = 10**9


def _chain_expiring_at(expiry: datetime.datetime) -> str:
    """A root and a leaf it signed, the leaf valid until `expiry`, as PEM."""
    def cert(subject, issuer, key, signer, ca, end):
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=UTC)).not_valid_after(end)
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .sign(signer, hashes.SHA256()))

    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "root")])
    leaf_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")])
    root = cert(root_name, root_name, root_key, root_key, True, datetime.datetime(2040, 1, 1, tzinfo=UTC))
    leaf = cert(leaf_name, root_name, leaf_key, root_key, False, expiry)
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in (root, leaf))


POLICY = """package p

valid(chain) := ok if [ok, _] := crypto.x509.parse_and_verify_certificates(chain)

valid_with(chain, opts) := ok if [ok, _] := crypto.x509.parse_and_verify_certificates_with_options(chain, opts)

x := valid(input.chain)

y := valid_with(input.chain, {})
"""


def test_a_certificate_that_expires_between_two_queries_is_invalid_in_the_second():
    policy = regolite.compile({"p.rego": POLICY})
    doc = {"chain": _chain_expiring_at(EXPIRY)}
    before = int(EXPIRY.timestamp() - 60) * NS
    after = int(EXPIRY.timestamp() + 60) * NS
    with query_clock(before):
        assert policy.eval_rule("data.p.x", input=doc) is True
        assert policy.eval_rule("data.p.y", input=doc) is True
    with query_clock(after):
        assert policy.eval_rule("data.p.x", input=doc) is False
        assert policy.eval_rule("data.p.y", input=doc) is False


def test_builtins_that_read_the_clock_are_not_repeatable():
    for name in ("crypto.x509.parse_and_verify_certificates", "crypto.x509.parse_and_verify_certificates_with_options",
                 "time.now_ns", "io.jwt.decode_verify", "rand.intn", "uuid.rfc4122"):
        assert not REGISTRY[name].repeatable, name
    assert REGISTRY["crypto.x509.parse_certificates"].repeatable
    # reads_clock is regolite's own mark: OPA's capabilities stay as they are
    assert "nondeterministic" not in REGISTRY["crypto.x509.parse_and_verify_certificates"].to_json()


def test_a_function_calling_a_clock_reading_builtin_is_not_shared_across_queries():
    from regolite.compiler.analysis import Purity
    from regolite.compiler.tree import RuleTree
    from regolite.parser import parse_module

    module = parse_module(POLICY + "\nplain(chain) := count(chain)\n", "p.rego")
    tree = RuleTree([module])
    purity = Purity(tree)
    groups = {g.text.rsplit(".", 1)[-1]: g for g in tree.groups if g.is_function}
    assert not purity.is_pure(groups["valid"]) and not purity.is_pure(groups["valid_with"])
    assert purity.is_pure(groups["plain"])
