"""sprintf: Go's fmt.Sprintf on Rego values, as OPA calls it, and OPA's value text.

OPA turns each Rego operand into a Go value before calling fmt.Sprintf:
a number that fits int64 becomes a Go `int`, a larger integer a `*big.Int`,
any other number a `float64`, a string a Go `string`, and every other value
(booleans, null, arrays, objects, sets) the string of its Rego text
(`rego_text`). So `sprintf("%s", [true])` is "true" while
`sprintf("%d", [true])` is "%!d(string=true)" and `sprintf("%s", [1])` is
"%!s(int=1)". `_Printer` is a port of Go's fmt.doPrintf for those four
types (fmt/print.go, fmt/format.go, math/big's Int.Format; strconv's ftoa
and quoting are in `regolite.builtins.gostrconv`), including its
`%!verb(type=value)`, `%!v(MISSING)`, `%!(EXTRA ...)`, `%!(BADINDEX)`,
`%!(NOVERB)`, `%!(BADWIDTH)` and `%!(BADPREC)` outputs, argument indexes
(`%[2]d`) and `*` widths. It also prints the bool, nil, json.Number, map
and slice values that Go's text/template hands to fmt (`go_json_value`),
for strings.render_template (`regolite.builtins.gotemplate`).

Checked against Go 1.19's fmt on a few hundred thousand random formats and
values: identical output, except `%p` of a *big.Int (Go prints an address)
and `%#v` of maps and slices (Go syntax; only reachable from templates).

`go_quote`, `go_quote_rune`, `go_is_print`, `can_backquote` and
`format_float` are imported from gostrconv and stay importable from here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from regolite.builtins import bigfloat, builtin
from regolite.builtins.gostrconv import (
    can_backquote,
    format_float,
    go_is_print,
    go_quote,
    go_quote_rune,
)
from regolite.builtins.signature import ANY, STRING, array_of
from regolite.values import RegoSet, exact_number_to_json, object_items, sort_key

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MASK = (1 << 64) - 1
_MAX_RUNE = 0x10FFFF


@builtin("sprintf", args=(STRING, array_of(ANY)), result=STRING, categories=("strings",))
def sprintf(format, values):
    """fmt.Sprintf(format, values...) with OPA's conversion of the values."""
    simple = _plain_sprintf(format, values)
    if simple is not None:
        return simple
    return go_sprintf(format, [go_value(v) for v in values])


def _plain_sprintf(format: str, values: list):
    """The common case done directly: only `%v`, `%s` and `%%`, one argument per verb,
    each a string, an int (for %v) or a value printed as its Rego text. None when
    anything else is involved (Go's full formatter handles that)."""
    out = []
    start = 0
    used = 0
    n = len(values)
    while True:
        i = format.find("%", start)
        if i < 0:
            out.append(format[start:])
            break
        out.append(format[start:i])
        verb = format[i + 1:i + 2]
        if verb == "%":
            out.append("%")
        elif verb in ("v", "s") and used < n:
            value = values[used]
            used += 1
            t = type(value)
            if t is str:
                out.append(value)
            elif t is int and verb == "v" and _INT64_MIN <= value <= _INT64_MAX:
                out.append(str(value))
            elif t is int or t is float or t is Fraction:
                return None
            else:
                out.append(rego_text(value))
        else:
            return None
        start = i + 2
    return "".join(out) if used == n else None


# --- Rego values as Go values and as text -------------------------------------


def go_value(value: Any) -> tuple[str, Any]:
    """The Go value OPA hands to fmt for a Rego value, as (Go type name, Python value)."""
    t = type(value)
    if t is str:
        return ("string", value)
    if t is int:
        if _INT64_MIN <= value <= _INT64_MAX:
            return ("int", value)
        return ("*big.Int", value)
    if t is float:
        return ("float64", value)
    if t is Fraction:  # OPA hands fmt the float64 nearest a number that is not an integer
        return ("float64", exact_number_to_json(value))
    return ("string", rego_text(value))


def rego_text(value: Any) -> str:
    """A value's Rego text as OPA prints terms: `["a", 1]`, `{"a": {1, 2}}`, `set()`.

    Strings are quoted as Go's strconv.Quote does; object keys and set
    elements are in sorted order. Unlike `regolite.values.to_text`, control
    and other non-printable characters are escaped Go's way (`\\x01`, `\\u00a0`).
    """
    t = type(value)
    if t is str:
        return go_quote(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return str(value)
    if t is float:
        return repr(value)
    if t is Fraction:
        return bigfloat.text(value)
    if t is list:
        return "[" + ", ".join([rego_text(v) for v in value]) + "]"
    if t is dict:
        pairs = sorted(object_items(value), key=lambda kv: sort_key(kv[0]))
        return "{" + ", ".join([f"{rego_text(k)}: {rego_text(v)}" for k, v in pairs]) + "}"
    if t is RegoSet:
        if not len(value):
            return "set()"
        return "{" + ", ".join([rego_text(v) for v in value.sorted()]) + "}"
    raise TypeError(f"not a Rego value: {t.__name__}")


def display_text(value: Any) -> str:
    """A value as print() and template strings show it: a string as is, anything else as Rego text."""
    return value if type(value) is str else rego_text(value)


def go_sprintf(format: str, args: list[tuple[str, Any]]) -> str:
    """fmt.Sprintf with Go values given as (Go type name, value); see `go_value` and `go_json_value`."""
    p = _Printer()
    p.do_printf(format, args)
    return "".join(p.buf)


def go_sprint(args: list[tuple[str, Any]], newline: bool = False) -> str:
    """fmt.Sprint (or fmt.Sprintln) of Go values given as in `go_sprintf`."""
    p = _Printer()
    prev_string = False
    for i, arg in enumerate(args):
        is_string = arg[0] in _STRING_KINDS
        if i and (newline or (not is_string and not prev_string)):
            p.buf.append(" ")
        p.print_arg(arg, "v")
        prev_string = is_string
    if newline:
        p.buf.append("\n")
    return "".join(p.buf)


class JSONNumber(str):
    """A Go json.Number: a number as its JSON text, as OPA hands numbers to text/template."""

    __slots__ = ()


def go_json_value(value: Any) -> tuple[str, Any]:
    """(Go type name, value) for JSON data decoded Go's way with UseNumber (and template constants)."""
    t = type(value)
    if t is str:
        return ("string", value)
    if t is JSONNumber:
        return ("json.Number", str(value))
    if t is bool:
        return ("bool", value)
    if value is None:
        return ("<nil>", None)
    if t is dict:
        return (_MAP_TYPE, value)
    if t is list:
        return (_SLICE_TYPE, value)
    return go_value(value)


_MAP_TYPE = "map[string]interface {}"
_SLICE_TYPE = "[]interface {}"
_STRING_KINDS = frozenset(("string", "json.Number"))


# --- fmt -------------------------------------------------------------------------


def _parsenum(s: str, start: int, end: int) -> tuple[int, bool, int]:
    """fmt.parsenum: (number, found, next index); a number above 1e6 is 'not found'."""
    if start >= end:
        return 0, False, end
    num = 0
    isnum = False
    i = start
    while i < end and "0" <= s[i] <= "9":
        if num > 1_000_000:
            return 0, False, end
        num = num * 10 + ord(s[i]) - 48
        isnum = True
        i += 1
    return num, isnum, i


def _parse_arg_number(s: str, start: int) -> tuple[int, int, bool]:
    """fmt.parseArgNumber on s[start:], which begins with '['."""
    if len(s) - start < 3:
        return 0, 1, False
    for i in range(start + 1, len(s)):
        if s[i] == "]":
            width, ok, newi = _parsenum(s, start + 1, i)
            if not ok or newi != i:
                return 0, i - start + 1, False
            return width - 1, i - start + 1, True
    return 0, 1, False


class _Printer:
    """fmt's pp and fmt structs: flags, width, precision and the output buffer."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.clear_flags()
        self.arg: tuple[str, Any] | None = None
        self.erroring = False
        self.reordered = False
        self.good_arg_num = True

    def clear_flags(self) -> None:
        self.wid_present = self.prec_present = False
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.plus_v = self.sharp_v = False
        self.wid = self.prec = 0

    # doPrintf ---------------------------------------------------------------

    def do_printf(self, format: str, a: list) -> None:  # noqa: C901 - a port of one Go function
        end = len(format)
        arg_num = 0
        after_index = False
        self.reordered = False
        i = 0
        while i < end:
            self.good_arg_num = True
            lasti = i
            i = format.find("%", i)
            if i < 0:
                i = end
            if i > lasti:
                self.buf.append(format[lasti:i])
            if i >= end:
                break
            i += 1
            self.clear_flags()
            simple = False
            while i < end:
                c = format[i]
                if c == "#":
                    self.sharp = True
                elif c == "0":
                    self.zero = not self.minus
                elif c == "+":
                    self.plus = True
                elif c == "-":
                    self.minus = True
                    self.zero = False
                elif c == " ":
                    self.space = True
                else:
                    if "a" <= c <= "z" and arg_num < len(a):
                        if c == "v":
                            self.sharp_v, self.sharp = self.sharp, False
                            self.plus_v, self.plus = self.plus, False
                        self.print_arg(a[arg_num], c)
                        arg_num += 1
                        i += 1
                        simple = True
                    break
                i += 1
            if simple:
                continue

            arg_num, i, after_index = self.arg_number(arg_num, format, i, len(a))

            if i < end and format[i] == "*":
                i += 1
                self.wid, self.wid_present, arg_num = self.int_from_arg(a, arg_num)
                if not self.wid_present:
                    self.buf.append("%!(BADWIDTH)")
                if self.wid < 0:
                    self.wid = -self.wid
                    self.minus = True
                    self.zero = False
                after_index = False
            else:
                self.wid, self.wid_present, i = _parsenum(format, i, end)
                if after_index and self.wid_present:
                    self.good_arg_num = False

            if i + 1 < end and format[i] == ".":
                i += 1
                if after_index:
                    self.good_arg_num = False
                arg_num, i, after_index = self.arg_number(arg_num, format, i, len(a))
                if i < end and format[i] == "*":
                    i += 1
                    self.prec, self.prec_present, arg_num = self.int_from_arg(a, arg_num)
                    if self.prec < 0:
                        self.prec = 0
                        self.prec_present = False
                    if not self.prec_present:
                        self.buf.append("%!(BADPREC)")
                    after_index = False
                else:
                    self.prec, self.prec_present, i = _parsenum(format, i, end)
                    if not self.prec_present:
                        self.prec = 0
                        self.prec_present = True

            if not after_index:
                arg_num, i, after_index = self.arg_number(arg_num, format, i, len(a))

            if i >= end:
                self.buf.append("%!(NOVERB)")
                break

            verb = format[i]
            i += 1
            if verb == "%":
                self.buf.append("%")
            elif not self.good_arg_num:
                self.buf.append(f"%!{verb}(BADINDEX)")
            elif arg_num >= len(a):
                self.buf.append(f"%!{verb}(MISSING)")
            else:
                if verb == "v":
                    self.sharp_v, self.sharp = self.sharp, False
                    self.plus_v, self.plus = self.plus, False
                self.print_arg(a[arg_num], verb)
                arg_num += 1

        if not self.reordered and arg_num < len(a):
            self.clear_flags()
            self.buf.append("%!(EXTRA ")
            for k, arg in enumerate(a[arg_num:]):
                if k:
                    self.buf.append(", ")
                if arg[0] == "<nil>":
                    self.buf.append("<nil>")
                    continue
                self.buf.append(arg[0] + "=")
                self.print_arg(arg, "v")
            self.buf.append(")")

    def arg_number(self, arg_num: int, format: str, i: int, num_args: int) -> tuple[int, int, bool]:
        if len(format) <= i or format[i] != "[":
            return arg_num, i, False
        self.reordered = True
        index, wid, ok = _parse_arg_number(format, i)
        if ok and 0 <= index < num_args:
            return index, i + wid, True
        self.good_arg_num = False
        return arg_num, i + wid, ok

    @staticmethod
    def int_from_arg(a: list, arg_num: int) -> tuple[int, bool, int]:
        num, is_int = 0, False
        if arg_num < len(a):
            kind, value = a[arg_num]
            if kind == "int":
                num, is_int = value, True
            arg_num += 1
            if num > 1_000_000 or num < -1_000_000:
                num, is_int = 0, False
        return num, is_int, arg_num

    # printArg -----------------------------------------------------------------

    def print_arg(self, arg: tuple[str, Any], verb: str) -> None:
        self.arg = arg
        kind, value = arg
        if verb == "T":
            self.fmt_s(kind)
            return
        if kind == "int":
            self.fmt_integer_verb(value, verb)
        elif kind in _STRING_KINDS:
            self.fmt_string(value, verb)
        elif kind == "float64":
            self.fmt_float_verb(value, verb)
        elif kind == "*big.Int":
            self.fmt_big_int(value, verb)
        elif kind == "bool":
            if verb in "tv":
                self.pad("true" if value else "false")
            else:
                self.bad_verb(verb)
        elif kind == "<nil>":
            if verb == "v":
                self.pad("<nil>")
            else:
                self.bad_verb(verb)
        else:
            self.print_composite(kind, value, verb)

    def print_composite(self, kind: str, value: Any, verb: str) -> None:
        """printValue for a map[string]interface{} or []interface{}: the verb applies to each element."""
        if kind == _MAP_TYPE:
            self.buf.append("map[")
            for i, k in enumerate(sorted(value)):
                if i:
                    self.buf.append(" ")
                self.print_arg(("string", k), verb)
                self.buf.append(":")
                self.print_element(value[k], verb)
        else:
            self.buf.append("[")
            for i, v in enumerate(value):
                if i:
                    self.buf.append(" ")
                self.print_element(v, verb)
        self.buf.append("]")

    def print_element(self, value: Any, verb: str) -> None:
        if value is None:
            self.pad("<nil>")
        else:
            self.print_arg(go_json_value(value), verb)

    def bad_verb(self, verb: str) -> None:
        self.erroring = True
        self.buf.append(f"%!{verb}(")
        if self.arg is None or self.arg[0] == "<nil>":
            self.buf.append("<nil>")
        else:
            self.buf.append(self.arg[0] + "=")
            self.print_arg(self.arg, "v")
        self.buf.append(")")
        self.erroring = False

    def fmt_integer_verb(self, v: int, verb: str) -> None:
        if verb in "vd":
            self.fmt_integer(v, 10, verb, False)
        elif verb == "b":
            self.fmt_integer(v, 2, verb, False)
        elif verb in "oO":
            self.fmt_integer(v, 8, verb, False)
        elif verb == "x":
            self.fmt_integer(v, 16, verb, False)
        elif verb == "X":
            self.fmt_integer(v, 16, verb, True)
        elif verb == "c":
            self.fmt_c(v & _UINT64_MASK)
        elif verb == "q":
            self.fmt_qc(v & _UINT64_MASK)
        elif verb == "U":
            self.fmt_unicode(v & _UINT64_MASK)
        else:
            self.bad_verb(verb)

    def fmt_float_verb(self, v: float, verb: str) -> None:
        if verb == "v":
            self.fmt_float(v, "g", -1)
        elif verb in "bgGxX":
            self.fmt_float(v, verb, -1)
        elif verb in "feE":
            self.fmt_float(v, verb, 6)
        elif verb == "F":
            self.fmt_float(v, "f", 6)
        else:
            self.bad_verb(verb)

    def fmt_string(self, v: str, verb: str) -> None:
        if verb == "v":
            if self.sharp_v:
                self.fmt_q(v)
            else:
                self.fmt_s(v)
        elif verb == "s":
            self.fmt_s(v)
        elif verb == "x":
            self.fmt_sx(v, "0123456789abcdefx")
        elif verb == "X":
            self.fmt_sx(v, "0123456789ABCDEFX")
        elif verb == "q":
            self.fmt_q(v)
        else:
            self.bad_verb(verb)

    # format.go ------------------------------------------------------------------

    def write_padding(self, n: int) -> None:
        if n > 0:
            self.buf.append(("0" if self.zero else " ") * n)

    def pad(self, s: str) -> None:
        if not self.wid_present or self.wid == 0:
            self.buf.append(s)
            return
        width = self.wid - len(s)
        if not self.minus:
            self.write_padding(width)
            self.buf.append(s)
        else:
            self.buf.append(s)
            self.write_padding(width)

    def _pad_unzeroed(self, s: str) -> None:
        old = self.zero
        self.zero = False
        self.pad(s)
        self.zero = old

    def fmt_unicode(self, u: int) -> None:
        prec = 4
        if self.prec_present and self.prec > 4:
            prec = self.prec
        tail = ""
        if self.sharp and u <= _MAX_RUNE and go_is_print(u):
            tail = f" '{chr(u)}'"
        digits = format(u, "X")
        self._pad_unzeroed("U+" + digits.rjust(prec, "0") + tail)

    def fmt_integer(self, v: int, base: int, verb: str, upper: bool) -> None:
        negative = v < 0
        u = -v if negative else v
        prec = 0
        if self.prec_present:
            prec = self.prec
            if prec == 0 and u == 0:
                old = self.zero
                self.zero = False
                self.write_padding(self.wid)
                self.zero = old
                return
        elif self.zero and self.wid_present:
            prec = self.wid
            if negative or self.plus or self.space:
                prec -= 1
        digits = format(u, _BASE_SPECS[base])
        if upper:
            digits = digits.upper()
        if len(digits) < prec:
            digits = "0" * (prec - len(digits)) + digits
        if self.sharp:
            if base == 2:
                digits = "0b" + digits
            elif base == 8:
                if digits[0] != "0":
                    digits = "0" + digits
            elif base == 16:
                digits = ("0X" if upper else "0x") + digits
        if verb == "O":
            digits = "0o" + digits
        if negative:
            digits = "-" + digits
        elif self.plus:
            digits = "+" + digits
        elif self.space:
            digits = " " + digits
        self._pad_unzeroed(digits)

    def truncate_string(self, s: str) -> str:
        if self.prec_present and self.prec < len(s):
            return s[:self.prec]
        return s

    def fmt_s(self, s: str) -> None:
        self.pad(self.truncate_string(s))

    def fmt_sx(self, s: str, digits: str) -> None:
        b = s.encode("utf-8", errors="surrogatepass")
        length = len(b)
        if self.prec_present and self.prec < length:
            length = self.prec
        width = 2 * length
        if width > 0:
            if self.space:
                if self.sharp:
                    width *= 2
                width += length - 1
            elif self.sharp:
                width += 2
        else:
            if self.wid_present:
                self.write_padding(self.wid)
            return
        if self.wid_present and self.wid > width and not self.minus:
            self.write_padding(self.wid - width)
        out = []
        if self.sharp:
            out.append("0" + digits[16])
        for i in range(length):
            if self.space and i > 0:
                out.append(" ")
                if self.sharp:
                    out.append("0" + digits[16])
            c = b[i]
            out.append(digits[c >> 4] + digits[c & 0xF])
        self.buf.append("".join(out))
        if self.wid_present and self.wid > width and self.minus:
            self.write_padding(self.wid - width)

    def fmt_q(self, s: str) -> None:
        s = self.truncate_string(s)
        if self.sharp and can_backquote(s):
            self.pad("`" + s + "`")
            return
        self.pad(go_quote(s, ascii_only=self.plus))

    @staticmethod
    def _rune(c: int) -> int:
        if c > _MAX_RUNE:
            return 0xFFFD
        return c

    def fmt_c(self, c: int) -> None:
        r = self._rune(c)
        if 0xD800 <= r <= 0xDFFF:
            r = 0xFFFD
        self.pad(chr(r))

    def fmt_qc(self, c: int) -> None:
        self.pad(go_quote_rune(self._rune(c), ascii_only=self.plus))

    def fmt_float(self, v: float, verb: str, prec: int) -> None:  # noqa: C901 - a port of one Go function
        if self.prec_present:
            prec = self.prec
        num = format_float(v, verb, prec)
        if num[0] in "-+":
            sign, body = num[0], num[1:]
        else:
            sign, body = "+", num
        if self.space and sign == "+" and not self.plus:
            sign = " "
        if self.sharp and verb != "b":
            digits = 0
            if verb in "vgGx":
                digits = prec
                if digits == -1:
                    digits = 6
            tail = ""
            has_point = False
            saw_nonzero = False
            cut = len(body)
            for i, ch in enumerate(body):
                if ch == ".":
                    has_point = True
                elif ch in "pP" or (ch in "eE" and verb not in "xX"):
                    tail = body[i:]
                    cut = i
                    break
                else:
                    if ch != "0":
                        saw_nonzero = True
                    if saw_nonzero:
                        digits -= 1
            body = body[:cut]
            if not has_point:
                if body == "0":
                    digits -= 1
                body += "."
            if digits > 0:
                body += "0" * digits
            body += tail
        if self.plus or sign != "+":
            if self.zero and self.wid_present and self.wid > len(body) + 1:
                self.buf.append(sign)
                self.write_padding(self.wid - len(body) - 1)
                self.buf.append(body)
                return
            self.pad(sign + body)
            return
        self.pad(body)

    # math/big -----------------------------------------------------------------

    def fmt_big_int(self, x: int, ch: str) -> None:
        """big.Int.Format."""
        base = _BIG_BASES.get(ch)
        if base is None:
            self.buf.append(f"%!{ch}(big.Int={x})")
            return
        sign = "-" if x < 0 else "+" if (self.plus or self.plus_v) else " " if self.space else ""
        prefix = ""
        if self.sharp or self.sharp_v:
            prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(ch, "")
        if ch == "O":
            prefix = "0o"
        digits = format(abs(x), _BASE_SPECS[base])
        if ch == "X":
            digits = digits.upper()
        left = zeros = right = 0
        if self.prec_present:
            if len(digits) < self.prec:
                zeros = self.prec - len(digits)
            elif digits == "0" and self.prec == 0:
                return
        length = len(sign) + len(prefix) + zeros + len(digits)
        if self.wid_present and length < self.wid:
            d = self.wid - length
            if self.minus:
                right = d
            elif self.zero and not self.prec_present:
                zeros = d
            else:
                left = d
        self.buf.append(" " * left + sign + prefix + "0" * zeros + digits + " " * right)


_BASE_SPECS = {2: "b", 8: "o", 10: "d", 16: "x"}
_BIG_BASES = {"b": 2, "o": 8, "O": 8, "d": 10, "s": 10, "v": 10, "x": 16, "X": 16}
