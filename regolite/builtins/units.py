"""Units builtins: units.parse (SI and binary SI quantities) and units.parse_bytes.

An amount is a decimal number, optionally signed, fractional and in
scientific notation (`1e3`, `3.2E-1`), followed by a unit; double quotes are
removed first and spaces are refused. Arithmetic is exact (fractions):

- units.parse keeps the first letter of the unit's case, so `m` is milli and
  `M` mega; `k`/`K`, `Ki`, `M`, `Mi`, `G`, `Gi`, ... `E`, `Ei` (lower case
  too, but for `m`). An integral result is an int; any other is rounded to
  10 decimal places, as OPA prints it, and given as a float.
- units.parse_bytes is case-insensitive (`kb`/`k`, `kib`/`ki`, ... `eib`/`ei`)
  and truncates the result to an integer.

A `e`/`E` directly after the number starts an exponent only when digits
follow (`10e` is 10 exa, `1e3K` is 1000 kilo). Exponents beyond
MAX_EXPONENT are refused ("exponent too large").
"""

from __future__ import annotations

import re
from fractions import Fraction

from regolite.builtins import BuiltinError, builtin
from regolite.builtins.signature import NUMBER, STRING

UNITS = ("units",)

MAX_EXPONENT = 1000

# SI and binary SI multipliers for units.parse, by unit as normalised (first
# letter as given, the rest lower case).
_UNIT_MULTIPLIERS: dict[str, Fraction | int] = {"": 1, "m": Fraction(1, 1000)}
# units.parse_bytes's multipliers, by lower-cased unit.
_BYTE_MULTIPLIERS: dict[str, int] = {"": 1}
for _power, _prefix in enumerate("kmgtpe", start=1):
    for _letter in (_prefix, _prefix.upper()):
        if _letter != "m":
            _UNIT_MULTIPLIERS[_letter] = 1000**_power
        _UNIT_MULTIPLIERS[_letter + "i"] = 1024**_power
    _BYTE_MULTIPLIERS[_prefix] = _BYTE_MULTIPLIERS[_prefix + "b"] = 1000**_power
    _BYTE_MULTIPLIERS[_prefix + "i"] = _BYTE_MULTIPLIERS[_prefix + "ib"] = 1024**_power

# The amount's characters come first; an exponent follows if digits do.
_AMOUNT = re.compile(r"[+-]?[0-9.]*")
_EXPONENT = re.compile(r"[eE][+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")  # one way to match: linear


@builtin("units.parse", args=(STRING,), result=NUMBER, categories=UNITS)
def units_parse(x):
    """The number a quantity like "10Ki", "500m" or "1.5G" stands for."""
    text = x.replace('"', "")
    if " " in text:
        raise BuiltinError("spaces not allowed in resource strings")
    amount, unit = _split_amount(text)
    if not amount:
        raise BuiltinError("no amount provided")
    if len(unit) > 1:
        unit = unit[0] + unit[1:].lower()
    multiplier = _UNIT_MULTIPLIERS.get(unit)
    if multiplier is None:
        raise BuiltinError(f"unit {unit} not recognized")
    value = _parse_amount(amount, "could not parse amount to a number") * multiplier
    if value.denominator == 1:
        return value.numerator
    return _round_to_10_places(value)


@builtin("units.parse_bytes", args=(STRING,), result=NUMBER, categories=UNITS)
def units_parse_bytes(x):
    """The number of bytes a size like "10KB", "1.5GiB" or "100mib" stands for, truncated to an integer."""
    text = x.replace('"', "").lower()
    if " " in text:
        raise BuiltinError("spaces not allowed in resource strings")
    amount, unit = _split_amount(text)
    if not amount:
        raise BuiltinError("no byte amount provided")
    multiplier = _BYTE_MULTIPLIERS.get(unit)
    if multiplier is None:
        raise BuiltinError(f"byte unit {unit} not recognized")
    value = _parse_amount(amount, "could not parse byte amount to a number") * multiplier
    return int(value)  # truncates toward zero, as big.Float.Int does


def _round_to_10_places(value: Fraction) -> float:
    """big.Rat.FloatString(10): 10 decimal places, halves away from zero; as the nearest float."""
    scaled = abs(value) * 10**10
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return float(Fraction(whole if value > 0 else -whole, 10**10))


def _split_amount(text: str) -> tuple[str, str]:
    end = _AMOUNT.match(text).end()
    exponent = _EXPONENT.match(text, end)
    if exponent is not None and end > 0:
        end = exponent.end()
    return text[:end], text[end:]


def _parse_amount(amount: str, error: str) -> Fraction:
    match = _NUMBER.fullmatch(amount)
    if match is None:
        raise BuiltinError(error)
    exponent = match.group(1)
    if exponent is not None and abs(int(exponent)) > MAX_EXPONENT:
        raise BuiltinError("exponent too large")
    return Fraction(amount)
