"""Exact decimal literals (`1e-400`, `0.1234567890123456789`: kept as fractions,
since a float cannot carry them) given to every builtin: a value or a Rego
error, never an escaping Python exception."""

from __future__ import annotations

import pytest

import regolite
from regolite.builtins import REGISTRY
from regolite.errors import RegoError

SKIP = {"print", "internal.print", "walk"}
NAMES = sorted(n for n, b in REGISTRY.items() if not b.infix and n not in SKIP and not n.startswith("internal."))


@pytest.mark.parametrize("name", NAMES)
def test_builtins_take_exact_decimals(name):
    arity = len(REGISTRY[name].args)
    for value in ("1e-400", "[0.1234567890123456789]", '{"a": 1e-400}', "{1e-400}"):
        source = f"package a\nx := {name}({', '.join([value] * arity)})\n"
        try:
            policy = regolite.compile({"a.rego": source})
        except RegoError:
            continue  # a constant of the wrong type: a compile error, as in OPA
        for strict in (False, True):
            try:
                policy.eval_rule("data.a.x", strict_builtin_errors=strict, timeout=2)
            except RegoError:
                pass


def test_exact_decimals_marshal_as_opa_writes_them():
    p = regolite.compile({"a.rego": "package a\nj := json.marshal([1e-400, 0.1234567890123456789])\n"
                                    "y := yaml.marshal(1e-400)\nn := to_number(0.1234567890123456789)\n"})
    assert p.eval_rule("data.a.j") == "[1e-400,0.1234567890123456789]"
    assert p.eval_rule("data.a.y") == "0\n"
    assert p.eval_rule("data.a.n") == 0.12345678901234568
