"""Go's strconv on Python values: quoting (Quote, QuoteRune, CanBackquote, IsPrint) and FormatFloat.

The lower layer of `regolite.builtins.sprintf`, whose fmt port formats
`%q`, `%U`, floats and Rego text with these; also used on its own wherever
regolite prints a string as a Go string literal (`go_quote`). Each function
follows the strconv function named in its docstring. Shortest float
formatting uses Python's repr digits, which are the same as Go's Ryu.
"""

from __future__ import annotations

import math
import struct
import unicodedata
from decimal import Decimal

_UINT64_MASK = (1 << 64) - 1
_MAX_RUNE = 0x10FFFF


def go_is_print(r: int) -> bool:
    """strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    if r == 0x20:
        return True
    if r > _MAX_RUNE:
        return False
    return unicodedata.category(chr(r))[0] in "LMNPS"


def go_quote(s: str, ascii_only: bool = False) -> str:
    """strconv.Quote (or QuoteToASCII): a double-quoted Go string literal."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    return '"' + "".join([_escape_rune(ord(c), '"', ascii_only) for c in s]) + '"'


def go_quote_rune(r: int, ascii_only: bool = False) -> str:
    """strconv.QuoteRune (or QuoteRuneToASCII): a single-quoted Go rune literal."""
    if r > _MAX_RUNE or 0xD800 <= r <= 0xDFFF:
        r = 0xFFFD
    return "'" + _escape_rune(r, "'", ascii_only) + "'"


def _escape_rune(r: int, quote: str, ascii_only: bool) -> str:
    c = chr(r) if r <= _MAX_RUNE else "\ufffd"
    if c == quote or c == "\\":
        return "\\" + c
    if ascii_only:
        if r < 0x80 and go_is_print(r):
            return c
    elif go_is_print(r) and not 0xD800 <= r <= 0xDFFF:
        return c
    escape = _SIMPLE_ESCAPES.get(c)
    if escape:
        return escape
    if r < 0x20 or r == 0x7F:
        return f"\\x{r:02x}"
    if 0xDC80 <= r <= 0xDCFF:  # a raw byte of invalid UTF-8 (surrogateescape): Go prints \xNN
        return f"\\x{r - 0xDC00:02x}"
    if r > _MAX_RUNE or 0xD800 <= r <= 0xDFFF:
        r = 0xFFFD
    if r < 0x10000:
        return f"\\u{r:04x}"
    return f"\\U{r:08x}"


_SIMPLE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def can_backquote(s: str) -> bool:
    """strconv.CanBackquote."""
    for c in s:
        r = ord(c)
        if r >= 0x80:
            if c == "\ufeff" or 0xD800 <= r <= 0xDFFF:
                return False
            continue
        if (r < 0x20 and c != "\t") or c == "`" or r == 0x7F:
            return False
    return True


def format_float(v: float, fmt: str, prec: int) -> str:
    """strconv.FormatFloat(v, fmt, prec, 64) for fmt in e E f g G b x X; prec < 0 is shortest."""
    if fmt == "b":
        return _format_float_b(v)
    if fmt in "xX":
        return _format_float_x(v, fmt, prec)
    if prec >= 0:
        if fmt in "gG" and prec == 0:
            prec = 1
        return format(v, f".{prec}{fmt}")
    # Shortest: Python's repr has the same digits as Go's Ryu; lay them out Go's way.
    neg = math.copysign(1.0, v) < 0
    digits, dp = _shortest_digits(abs(v))
    nd = len(digits)
    if fmt in "eE":
        return _fmt_e(neg, digits, dp, nd - 1, fmt)
    if fmt == "f":
        return _fmt_f(neg, digits, dp, max(nd - dp, 0))
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(neg, digits, dp, nd - 1, "e" if fmt == "g" else "E")
    return _fmt_f(neg, digits, dp, max(nd - dp, 0))


def _shortest_digits(v: float) -> tuple[str, int]:
    """The shortest decimal digits that read back as v, and the decimal point position."""
    if v == 0:
        return "", 0
    sign, digit_tuple, exponent = Decimal(repr(v)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    dp = len(digit_tuple) + exponent
    return digits, dp


def _fmt_e(neg: bool, digits: str, dp: int, prec: int, fmt: str) -> str:
    out = ["-" if neg else "", digits[0] if digits else "0"]
    if prec > 0:
        frac = digits[1:prec + 1]
        out += [".", frac, "0" * (prec - len(frac))]
    exp = dp - 1 if digits else 0
    out += [fmt, "-" if exp < 0 else "+", f"{abs(exp):02d}"]
    return "".join(out)


def _fmt_f(neg: bool, digits: str, dp: int, prec: int) -> str:
    out = ["-" if neg else ""]
    if dp > 0:
        whole = digits[:dp]
        out.append(whole + "0" * (dp - len(whole)))
    else:
        out.append("0")
    if prec > 0:
        frac = "".join(digits[dp + i] if 0 <= dp + i < len(digits) else "0" for i in range(prec))
        out += [".", frac]
    return "".join(out)


def _float_parts(v: float) -> tuple[bool, int, int]:
    """(negative, mantissa with the implicit bit, unbiased exponent) as strconv decomposes a float64."""
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    neg = bits >> 63 != 0
    exp = (bits >> 52) & 0x7FF
    mant = bits & ((1 << 52) - 1)
    if exp == 0:
        exp += 1  # denormal
    else:
        mant |= 1 << 52
    return neg, mant, exp - 1023


def _format_float_b(v: float) -> str:
    neg, mant, exp = _float_parts(v)
    exp -= 52
    return f"{'-' if neg else ''}{mant}p{'+' if exp >= 0 else ''}{exp}"


def _format_float_x(v: float, fmt: str, prec: int) -> str:
    neg, mant, exp = _float_parts(v)
    if mant == 0:
        exp = 0
    mant <<= 60 - 52
    while mant != 0 and mant & (1 << 60) == 0:
        mant <<= 1
        exp -= 1
    if 0 <= prec < 15:
        shift = prec * 4
        extra = (mant << shift) & ((1 << 60) - 1)
        mant >>= 60 - shift
        if extra | (mant & 1) > 1 << 59:
            mant += 1
        mant <<= 60 - shift
        if mant & (1 << 61):
            mant >>= 1
            exp += 1
    hexdigits = "0123456789abcdef" if fmt == "x" else "0123456789ABCDEF"
    out = ["-" if neg else "", "0", fmt, "01"[(mant >> 60) & 1]]
    mant = (mant << 4) & _UINT64_MASK
    if prec < 0 and mant != 0:
        out.append(".")
        while mant != 0:
            out.append(hexdigits[(mant >> 60) & 15])
            mant = (mant << 4) & _UINT64_MASK
    elif prec > 0:
        out.append(".")
        for _ in range(prec):
            out.append(hexdigits[(mant >> 60) & 15])
            mant = (mant << 4) & _UINT64_MASK
    out.append("p" if fmt == "x" else "P")
    out.append("-" if exp < 0 else "+")
    out.append(f"{abs(exp):02d}")
    return "".join(out)
