"""Numbers as OPA computes them: integers exact, other operands through Go's
big.Float at 64 bits of mantissa, each result kept as the shortest decimal that
rounds back (so `0.1 + 0.2 == 0.3`), with OPA's quirks kept (`floor(-0.5)` is 0,
`product` rounds at 53 bits). Each expected value is OPA's own answer (asked of
../shared/opa-oracle), compared here as an exact decimal.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

import regolite
from regolite.builtins import bigfloat
from regolite.builtins.gojson import write_json

OPA_ANSWERS = [
    ('0.1 + 0.2', '0.3'),
    ('0.1 + 0.2 == 0.3', 'true'),
    ('3.0 / 7', '0.42857142857142857144'),
    ('123456789012345678901234567890 + 1', '123456789012345678901234567891'),
    ('123456789012345678901234567890 + 0.5', '123456789012345678900000000000'),
    ('123456789012345678901234567890 / 10', '12345678901234567890000000000'),
    ('123456789012345678901234567890 / 7', '17636684144620811271000000000'),
    ('1 / 3 * 3', '1'),
    ('7 / 2', '3.5'),
    ('1.1 - 1', '0.10000000000000000002'),
    ('1e-3 * 1000', '0.99999999999999999995'),
    ('1e30 + 0.5', '1000000000000000000000000000000'),
    ('12345678901234567890.5 + 0', '12345678901234567890'),
    ('123456789.123456789123 + 0', '1.2345678912345678912e+08'),
    ('1e400 - 1e400', '0'),
    ('round(2.5)', '3'),
    ('round(-2.5)', '-3'),
    ('floor(-0.5)', '0'),
    ('ceil(1e30 + 0.5)', '1000000000000000000024696061952'),
    ('abs(123456789012345678901234567891)', '123456789012345678900000000000'),
    ('round(123456789012345678901234567891)', '123456789012345678899921813504'),
    ('floor(123456789012345678901234567891)', '123456789012345678899921813504'),
    ('round(-0.4)', '0'),
    ('1e30 % 7', '1'),
    ('123456789012345678901234567891 % 2', '1'),
    ('sum([123456789012345678901234567890, 1])', '123456789012345678901234567891'),
    ('sum([0.1, 0.2, 0.3])', '0.6'),
    ('sum([1.5, 0.1, 0.2])', '1.8000000000000000001'),
    ('product([0.1, 3])', '0.30000000000000004'),
    ('product([3, 0.1])', '0.3'),
    ('product([0.1, 0.1, 3])', '0.03'),
    ('product([0.5, 123456789012345678901234567891])', '61728394506172840000000000000'),
    ('sum([0.5, 123456789012345678901234567891])', '123456789012345678900000000000'),
    ('1 / 3 == 0.33333333333333333334', 'true'),
    ('0.1000000000000000000001 == 0.1', 'false'),
    ('0.1000000000000000000001 > 0.1', 'true'),
    ('count({0.1000000000000000000001, 0.1})', '2'),
    ('to_number(1/3)', '0.33333333333333333334'),
    ('[x | x := 1/3; x == 1/3]', '[0.33333333333333333334]'),
    ('1/3 < 0.33333333333333333335', 'true'),
    ('max([1/3, 0.3333333333333333])', '0.33333333333333333334'),
    ('sort([1/3, 0.3333333333333333, 0.33333333333333334])', '[0.3333333333333333,0.33333333333333333334,0.33333333333333334]'),
    ('1 / 0.5', '2'),
    ('-7 / 2', '-3.5'),
    ('0 / 5', '0'),
    ('0.0 / 1', '0'),
    ('-1/3 + 1/3', '0'),
    ('1/3 + 1/3 + 1/3', '1'),
    ('(1/3) * 3', '1'),
    ('10 - 0.1 - 0.1', '9.799999999999999999'),
    ('2e-308 / 1e10', '2e-318'),
    ('1/3 in {1/3}', 'true'),
    ('[1,2,3][2/2]', '2'),
    ('{"a": 1/3}["a"] * 3', '1'),
    ('1e400 * 10 == 1e401', 'true'),
    ('abs(-1e400) == 1e400', 'true'),
    ('1e308 * 10 == 1e309', 'true'),
    ('ceil(-0.5)', '1'),
    ('floor(-1.5)', '-2'),
    ('ceil(-1.5)', '-1'),
    ('json.marshal([1/3, 0.1+0.2, 1e-10/3, 123456789.123456789123 + 0])', '"[0.33333333333333333334,0.3,3.3333333333333333333e-11,1.2345678912345678912e+08]"'),
    ('sprintf("%v|%f|%v", [1/3, 2/3, [1/3]])', '"0.3333333333333333|0.666667|[0.33333333333333333334]"'),
    ('format_int(-7/2, 10)', '"-3"'),
    ('json.unmarshal("0.33333333333333333334") == 1/3', 'true'),
    ('json.unmarshal("0.99999999999999999995") == 1', 'false'),
    ('json.unmarshal("12345678901234567890.0") == 12345678901234567890', 'true'),
]


def _value(expression: str):
    policy = regolite.compile({"t.rego": f"package test\nx := {expression}\n"})
    policy.query("data.test.x", strict_builtin_errors=True)  # raises what strict evaluation raises
    return policy.eval_term("data.test.x")


def _exact_json(text: str):
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


@pytest.mark.parametrize("expression, opa", OPA_ANSWERS)
def test_agrees_with_opa(expression, opa):
    out: list = []
    write_json(_value(expression), out, None, "", 0)
    assert _exact_json("".join(out)) == _exact_json(opa)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=30).filter(lambda d: d != 0))
def test_shortest_rounds_back(d):
    """The shortest decimal of a 64-bit value rounds back to that value, and no
    decimal with fewer digits does (the property Go's algorithm guarantees)."""
    x = bigfloat.rounded(bigfloat.Fraction(d))
    shown = bigfloat.exact(bigfloat.shortest(x))
    assert bigfloat.rounded(shown) == x


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_a_float_keeps_its_decimal(f):
    """A float stands for the decimal its repr shows; at 64 bits that decimal is its own shortest form."""
    x = bigfloat.rounded(bigfloat.exact(f))
    assert bigfloat.exact(bigfloat.shortest(x)) == bigfloat.exact(f)


def test_text_is_opas_layout():
    F = bigfloat.Fraction
    assert bigfloat.text(F("0.33333333333333333334")) == "0.33333333333333333334"
    assert bigfloat.text(F("123456789.12345678912")) == "1.2345678912345678912e+08"
    assert bigfloat.text(F("-3.3333333333333333333e-11")) == "-3.3333333333333333333e-11"
    assert bigfloat.text(F("2.5e-7")) == "2.5e-07"
