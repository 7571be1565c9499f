"""Go's math/big.Float as OPA computes with it: binary rounding and shortest decimals.

OPA keeps a number as the decimal text it was written or computed as. When an
arithmetic operand is not an integer, OPA parses each operand to a binary float
with 64 bits of mantissa, computes the correctly rounded result at that precision
(round half to even), and keeps the shortest decimal that rounds back to it
(`big.Float.Text('g', -1)`). So `0.1 + 0.2` is `0.3` and `1 / 3` is
`0.33333333333333333334`, neither what float64 gives.

regolite's numbers are ints, floats and Fractions. A float stands for the decimal
its `repr` shows (JSON input and literals round-trip that way); a Fraction is an
exact decimal that no float shows. `exact` gives the decimal a number stands
for, `rounded` a value rounded to a binary precision, and `shortest` the Rego
number (int, float or Fraction) of the shortest decimal that rounds back to it.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

OPA_PRECISION = 64  # big.Float's precision for a parsed number (SetString with precision 0)
FLOAT64_PRECISION = 53


class Binary(NamedTuple):
    """sign * mantissa * 2**exponent, the mantissa below 2**precision."""

    negative: bool
    mantissa: int
    exponent: int
    precision: int

    def value(self) -> Fraction:
        q = Fraction(self.mantissa << self.exponent) if self.exponent >= 0 else Fraction(self.mantissa, 1 << -self.exponent)
        return -q if self.negative else q


def exact(x) -> Fraction:
    """The decimal a Rego number stands for (a float: the decimal its repr shows)."""
    t = type(x)
    if t is int:
        return Fraction(x)
    if t is float:
        return Fraction(repr(x))
    return x


def parsed(x, precision: int = OPA_PRECISION) -> Fraction:
    """A Rego number as OPA parses it for a float operation: its decimal rounded to
    `precision` bits of mantissa."""
    return rounded(exact(x), precision).value()


def rounded(q: Fraction, precision: int = OPA_PRECISION) -> Binary:
    """`q` rounded to the nearest binary float of `precision` mantissa bits, ties to even."""
    n, d = q.numerator, q.denominator
    negative = n < 0
    n = -n if negative else n
    if n == 0:
        return Binary(negative, 0, 0, precision)
    e = n.bit_length() - d.bit_length() - precision
    num, den = (n, d << e) if e >= 0 else (n << -e, d)
    if num >= den << precision:  # the estimate was one bit short
        e += 1
        num, den = (n, d << e) if e >= 0 else (n << -e, d)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):
        m += 1
        if m == 1 << precision:
            m >>= 1
            e += 1
    return Binary(negative, m, e, precision)


def shortest(x: Binary):
    """The shortest decimal that rounds back to `x` at its precision, as a Rego number.

    Go's big.Float walk (ftoa.go roundShortest): the exact decimal of x is cut at
    the first digit where it can be told apart from both ends of its rounding
    interval, x +- half an ulp of the precision (ends included when the mantissa
    is even), rounding that digit down, up or to the nearest as the ends allow.
    """
    if x.mantissa == 0:
        return 0
    shift = x.precision + 1 - x.mantissa.bit_length()
    mant = x.mantissa << shift  # its lowest bit is half an ulp
    exp = x.exponent - shift
    digits, point = _decimal(mant, exp)
    lower, _ = _decimal(mant - 1, exp)
    upper, _ = _decimal(mant + 1, exp)
    inclusive = mant & 2 == 0
    for i, m in enumerate(digits):
        low = lower[i] if i < len(lower) else "0"
        up = upper[i] if i < len(upper) else "0"
        ok_down = low != m or (inclusive and i + 1 == len(lower))
        ok_up = m != up and (inclusive or ord(m) + 1 < ord(up) or i + 1 < len(upper))
        if ok_down and ok_up:
            digits, point = _round_nearest(digits, point, i + 1)
            break
        if ok_down:
            digits = digits[: i + 1].rstrip("0")
            break
        if ok_up:
            digits, point = _round_up(digits, point, i + 1)
            break
    return _number(x.negative, digits, point)


def _decimal(mantissa: int, exponent: int) -> tuple[str, int]:
    """mantissa * 2**exponent as (digits without trailing zeros, point): 0.digits * 10**point."""
    if exponent >= 0:
        text = str(mantissa << exponent)
        return text.rstrip("0"), len(text)
    text = str(mantissa * 5 ** -exponent)
    return text.rstrip("0"), len(text) + exponent


def _round_up(digits: str, point: int, n: int) -> tuple[str, int]:
    if n >= len(digits):
        return digits, point
    i = n
    while i > 0 and digits[i - 1] == "9":
        i -= 1
    if i == 0:
        return "1", point + 1
    return digits[: i - 1] + chr(ord(digits[i - 1]) + 1), point


def _round_nearest(digits: str, point: int, n: int) -> tuple[str, int]:
    if n >= len(digits):
        return digits, point
    if digits[n] == "5" and n + 1 == len(digits):
        up = n > 0 and (ord(digits[n - 1]) - 48) & 1 == 1
    else:
        up = digits[n] >= "5"
    if up:
        return _round_up(digits, point, n)
    return digits[:n].rstrip("0"), point


def _number(negative: bool, digits: str, point: int):
    """0.digits * 10**point as an int when integral, else a float when its repr shows
    exactly this decimal, else the exact Fraction."""
    if not digits:
        return 0
    if point >= len(digits):
        whole = int(digits) * 10 ** (point - len(digits))
        return -whole if negative else whole
    text = f"{'-' if negative else ''}0.{digits}e{point}"
    return from_text(text, float(text))


def arithmetic(op, a, b):
    """`op` (on Fractions) of two Rego numbers as OPA's float path computes it at 64 bits.

    Policies repeat the same few operations on every review (a quantity times 1000),
    so results are memoised; the key holds the types, as 0.1 and the Fraction of
    the float 0.1's binary value are equal in Python but not in Rego."""
    return _arithmetic(op, type(a), a, type(b), b)


@functools.lru_cache(maxsize=4096)
def _arithmetic(op, _ta, a, _tb, b):
    return shortest(rounded(op(parsed(a), parsed(b))))


def integral(x) -> bool:
    """Whether a Rego number is an integer (1.0 and 1e3 are)."""
    t = type(x)
    if t is int:
        return True
    if t is float:
        return x.is_integer()
    return x.denominator == 1


def text(q: Fraction) -> str:
    """An exact decimal as OPA writes a computed number (Go's Text('g', -1) layout):
    `0.33333333333333333334`, `1.2345678912345678912e+08`, `3.3333333333333333333e-11`."""
    n, d = q.numerator, q.denominator
    sign = "-" if n < 0 else ""
    n = abs(n)
    scale = max(_multiplicity(d, 2), _multiplicity(d, 5))
    whole = n * 10**scale // d
    digits = str(whole)
    point = len(digits) - scale
    digits = digits.rstrip("0")
    if not digits:
        return "0"
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _multiplicity(n: int, p: int) -> int:
    if p == 2:
        return (n & -n).bit_length() - 1
    k = 0
    while n % p == 0:
        n //= p
        k += 1
    return k


def from_text(text: str, approx: float):
    """The JSON number `text` (with a fraction or exponent; `approx` is float(text),
    finite) as a Rego number: the float when its repr shows this decimal, else the
    exact int or Fraction (`12345678901234567890.0`, `0.33333333333333333334`, `1e-400`)."""
    if repr(approx) == text:
        return approx
    exact = Decimal(text)
    if exact == Decimal(repr(approx)):
        return approx
    if exact == exact.to_integral_value():  # integral beyond a float's digits: the exact int
        return int(exact)
    return Fraction(exact)
