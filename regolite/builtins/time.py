"""The time builtins: OPA's `time.*`, on integer nanoseconds since the Unix epoch.

OPA implements these over Go's `time` package; `golang_time` ports the parts
they use (layouts, date normalisation, locations) and Go's ParseDuration is at
the end of this module, so results and error texts follow Go. A time operand is a number of nanoseconds, or an array
`[ns, tz]` / `[ns, tz, layout]` (OPA's `tzTime`): `tz` is "", "UTC", "Local"
or an IANA zone name, `layout` a Go layout or the name of one of Go's layout
constants (only `time.format` uses it). Results outside int64 nanoseconds are
errors ("time outside of valid range"), as in OPA.

`time.now_ns` reads `QUERY_TIME_NS`, which the evaluator sets once per query
so every call in a query sees the same instant (OPA's `BuiltinContext.Time`);
outside a query it falls back to the wall clock.
"""

from __future__ import annotations

import contextlib
import contextvars
import time as _wall_clock
from fractions import Fraction
from typing import Any, Iterator

from regolite.builtins import BuiltinError, OperandError, OperandTypeError, builtin
from regolite.builtins.golang_time import (
    INT64_MAX,
    INT64_MIN,
    LAYOUTS,
    LONG_DAY_NAMES,
    NS_PER_SECOND,
    RFC3339,
    RFC3339_NANO,
    UTC,
    Civil,
    GoTimeError,
    Location,
    add_date,
    days_in,
    leading_int_at,
    format_time,
    load_location,
    parse_time,
    quote,
)
from regolite.builtins.signature import NUMBER, STRING, array_tuple, one_of
from regolite.values import NUMBER_TYPES

TIME = ("time",)

# The per-query clock: nanoseconds since the epoch, or None for the wall clock.
QUERY_TIME_NS: contextvars.ContextVar[int | None] = contextvars.ContextVar("regolite_query_time_ns", default=None)

_TIME_OPERAND = one_of(NUMBER, array_tuple(NUMBER, STRING))
_TIME_OPERAND_DESCRIPTION = "either number (ns) or [number (ns), string (tz)]"


@contextlib.contextmanager
def query_clock(now_ns: int | None = None) -> Iterator[int]:
    """Fix `time.now_ns()` for the duration of a query (default: the wall clock, read once)."""
    value = _wall_clock.time_ns() if now_ns is None else now_ns
    token = QUERY_TIME_NS.set(value)
    try:
        yield value
    finally:
        QUERY_TIME_NS.reset(token)


@builtin("time.now_ns", args=(), result=NUMBER, categories=TIME, nondeterministic=True)
def time_now_ns():
    now = QUERY_TIME_NS.get()
    return _wall_clock.time_ns() if now is None else now


@builtin("time.parse_ns", args=(STRING, STRING), result=NUMBER, categories=TIME)
def time_parse_ns(layout, value):
    return _safe_unix_nano(_go(parse_time, layout, value))


@builtin("time.parse_rfc3339_ns", args=(STRING,), result=NUMBER, categories=TIME)
def time_parse_rfc3339_ns(value):
    return _safe_unix_nano(_go(parse_time, RFC3339, value))


def _duration_cost(duration) -> int:
    """Steps of parsing a duration: one per byte (a Python loop over each, about as long as a loop step)."""
    return len(duration) if type(duration) is str else 0


@builtin("time.parse_duration_ns", args=(STRING,), result=NUMBER, categories=TIME, cost=_duration_cost)
def time_parse_duration_ns(duration):
    return _go(parse_duration, duration)


# The operands taking a time are checked by `_tz_time`, as OPA's tzTime does,
# so their errors read as OPA's do.


@builtin(
    "time.format",
    args=(one_of(NUMBER, array_tuple(NUMBER, STRING), array_tuple(NUMBER, STRING, STRING)),),
    result=STRING,
    categories=TIME,
    check_args=False,
)
def time_format(x):
    ns, loc, layout = _tz_time(x)
    return format_time(ns, loc, layout or RFC3339_NANO)


@builtin(
    "time.date",
    args=(_TIME_OPERAND,),
    result=array_tuple(NUMBER, NUMBER, NUMBER),
    categories=TIME,
    check_args=False,
)
def time_date(x):
    c = Civil(*_tz_time(x)[:2])
    return [c.year, c.month, c.day]


@builtin(
    "time.clock",
    args=(_TIME_OPERAND,),
    result=array_tuple(NUMBER, NUMBER, NUMBER),
    categories=TIME,
    check_args=False,
)
def time_clock(x):
    c = Civil(*_tz_time(x)[:2])
    return [c.hour, c.minute, c.second]


@builtin("time.weekday", args=(_TIME_OPERAND,), result=STRING, categories=TIME, check_args=False)
def time_weekday(x):
    return LONG_DAY_NAMES[Civil(*_tz_time(x)[:2]).weekday]


# Declared with a number, but OPA reads operand 1 with tzTime, so [ns, tz] works too.
@builtin("time.add_date", args=(NUMBER, NUMBER, NUMBER, NUMBER), result=NUMBER, categories=TIME, check_args=False)
def time_add_date(x, years, months, days):
    ns, loc, _ = _tz_time(x)
    years = _int_operand(years, 2)
    months = _int_operand(months, 3)
    days = _int_operand(days, 4)
    return _safe_unix_nano(add_date(ns, loc, years, months, days))


@builtin(
    "time.diff",
    args=(_TIME_OPERAND, _TIME_OPERAND),
    result=array_tuple(NUMBER, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER),
    categories=TIME,
    check_args=False,
)
def time_diff(x, y):
    ns1, loc, _ = _tz_time(x)
    ns2, _, _ = _tz_time(y)
    # OPA's algorithm (from icza/gox): both times in the first one's location,
    # earlier first, then field-wise differences borrowing from larger fields.
    if ns1 > ns2:
        ns1, ns2 = ns2, ns1
    t1, t2 = Civil(ns1, loc), Civil(ns2, loc)
    year = t2.year - t1.year
    month = t2.month - t1.month
    day = t2.day - t1.day
    hour = t2.hour - t1.hour
    minute = t2.minute - t1.minute
    sec = t2.second - t1.second
    if sec < 0:
        sec += 60
        minute -= 1
    if minute < 0:
        minute += 60
        hour -= 1
    if hour < 0:
        hour += 24
        day -= 1
    if day < 0:
        day += days_in(t1.month, t1.year)
        month -= 1
    if month < 0:
        month += 12
        year -= 1
    return [year, month, day, hour, minute, sec]


# --- helpers ------------------------------------------------------------------------


def _go(fn, *args):
    """Call into golang_time, turning Go's errors into builtin errors."""
    try:
        return fn(*args)
    except GoTimeError as exc:
        raise BuiltinError(str(exc)) from None


def _safe_unix_nano(ns: int) -> int:
    if not INT64_MIN <= ns <= INT64_MAX:
        raise BuiltinError("time outside of valid range")
    return ns


def _tz_time(x: Any) -> tuple[int, Location, str]:
    """OPA's tzTime: (nanoseconds, location, layout or "") of a time operand.

    Every error names operand 1, whichever operand is being read, as OPA's do.
    """
    loc = UTC
    layout = ""
    t = type(x)
    if t is list:
        if not x:
            raise OperandTypeError(1, _TIME_OPERAND_DESCRIPTION, x)
        value = x[0]
        if type(value) not in NUMBER_TYPES:
            raise OperandTypeError(1, "number", value)
        if len(x) > 1:
            tz = x[1]
            if type(tz) is not str:
                raise OperandTypeError(1, "string", tz)
            loc = _go(load_location, tz)
        if len(x) > 2:
            layout = x[2]
            if type(layout) is not str:
                raise OperandTypeError(1, "string", layout)
            layout = LAYOUTS.get(layout, layout)
    elif t in NUMBER_TYPES:
        value = x
    else:
        raise OperandTypeError(1, _TIME_OPERAND_DESCRIPTION, x)
    return _exact_int64(value), loc, layout


def _exact_int64(value: int | float) -> int:
    """The number as an int64, as OPA requires of timestamps (fractions count as too big)."""
    if type(value) is not int:
        if type(value) is not float or not value.is_integer():
            raise BuiltinError("timestamp too big")
        value = int(value)
    if not INT64_MIN <= value <= INT64_MAX:
        raise BuiltinError("timestamp too big")
    return value


def _int_operand(value: Any, position: int) -> int:
    """OPA's builtins.IntOperand: an integer-valued number that fits Go's int."""
    if type(value) is float or type(value) is Fraction or (type(value) is int and not INT64_MIN <= value <= INT64_MAX):
        raise OperandError(position, "must be integer number but got floating-point number")
    if type(value) is not int:
        raise OperandTypeError(position, "number", value)
    return value


# --- Go's time.ParseDuration ---------------------------------------------------------

_UNITS = {
    b"ns": 1,
    b"us": 1_000,
    "µs".encode(): 1_000,  # U+00B5 micro sign
    "μs".encode(): 1_000,  # U+03BC Greek mu
    b"ms": 1_000_000,
    b"s": NS_PER_SECOND,
    b"m": 60 * NS_PER_SECOND,
    b"h": 3600 * NS_PER_SECOND,
}
_DIGITS = frozenset(b"0123456789")


def parse_duration(text: str) -> int:
    """Go's time.ParseDuration, in nanoseconds; linear in the text (positions, no slices)."""
    s = text.encode("utf-8", "surrogatepass")
    invalid = GoTimeError("time: invalid duration " + quote(s))
    end = len(s)
    i = 0
    neg = False
    if s and s[0] in b"-+":
        neg = s[0] == ord("-")
        i = 1
    if s[i:] == b"0":
        return 0
    if i == end:
        raise invalid
    total = 0
    while i < end:
        if not (s[i] == ord(".") or s[i] in _DIGITS):
            raise invalid
        start = i
        v, i, ok = leading_int_at(s, i)
        if not ok:
            raise invalid
        pre = i != start
        post = False
        f, scale = 0, 1.0
        if i < end and s[i] == ord("."):
            start = i = i + 1
            f, scale, i = _leading_fraction(s, i)
            post = i != start
        if not pre and not post:
            raise invalid
        start = i
        while i < end and not (s[i] == ord(".") or s[i] in _DIGITS):
            i += 1
        if i == start:
            raise GoTimeError("time: missing unit in duration " + quote(s))
        unit = _UNITS.get(s[start:i])
        if unit is None:
            raise GoTimeError("time: unknown unit " + quote(s[start:i]) + " in duration " + quote(s))
        if v > (1 << 63) // unit:
            raise invalid
        v *= unit
        if f > 0:
            # Go computes the fraction in float64 and truncates: same IEEE operations here.
            v += int(float(f) * (float(unit) / scale))
            if v > 1 << 63:
                raise invalid
        total += v
        if total > 1 << 63:
            raise invalid
    if neg:
        return -total
    if total > INT64_MAX:
        raise invalid
    return total


def _leading_fraction(s: bytes, i: int) -> tuple[int, float, int]:
    """Go's leadingFraction from position i: digits as an integer and its scale
    (accumulating until overflow), and the position after them."""
    x, scale, overflow = 0, 1.0, False
    end = len(s)
    while i < end and s[i] in _DIGITS:
        if not overflow:
            if x > ((1 << 63) - 1) // 10:
                overflow = True
            else:
                y = x * 10 + s[i] - 48
                if y > 1 << 63:
                    overflow = True
                else:
                    x = y
                    scale *= 10
        i += 1
    return x, scale, i
