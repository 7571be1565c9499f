"""Go's time package, as far as OPA's time builtins use it, on integers.

OPA's time builtins are thin wrappers around Go's `time` package, so their
results and error texts are Go's: layouts written with the reference time
(`Parse`, `Format`), `Date` normalisation (`AddDate`) and `LoadLocation`
(`ParseDuration` sits with the builtins in `time`). This module ports those
parts (as Go 1.20 and later behave: OPA v1.19 is built with such a Go) with
instants held as integer nanoseconds since the Unix epoch and calendar
arithmetic on the proleptic Gregorian calendar, so no float rounding and no
`datetime` range limits enter. Time zone rules come from `zoneinfo`.

Parsing works on UTF-8 bytes, as Go does, so that byte positions, slicing and
the `\\xNN` escapes in error messages agree with Go's.
"""

from __future__ import annotations

import functools
import io
import os
import struct
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

NS_PER_SECOND = 1_000_000_000
SECONDS_PER_DAY = 86_400
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

LONG_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
LONG_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_SHORT_DAY_NAMES = tuple(n[:3].encode() for n in LONG_DAY_NAMES)
_LONG_DAY_NAMES = tuple(n.encode() for n in LONG_DAY_NAMES)
_SHORT_MONTH_NAMES = tuple(n[:3].encode() for n in LONG_MONTH_NAMES)
_LONG_MONTH_NAMES = tuple(n.encode() for n in LONG_MONTH_NAMES)

# Go's predefined layouts, by constant name.
LAYOUTS = {
    "ANSIC": "Mon Jan _2 15:04:05 2006",
    "UnixDate": "Mon Jan _2 15:04:05 MST 2006",
    "RubyDate": "Mon Jan 02 15:04:05 -0700 2006",
    "RFC822": "02 Jan 06 15:04 MST",
    "RFC822Z": "02 Jan 06 15:04 -0700",
    "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
    "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
    "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
    "RFC3339": "2006-01-02T15:04:05Z07:00",
    "RFC3339Nano": "2006-01-02T15:04:05.999999999Z07:00",
}
RFC3339 = LAYOUTS["RFC3339"]
RFC3339_NANO = LAYOUTS["RFC3339Nano"]


class GoTimeError(Exception):
    """An error of Go's time package; `str()` is Go's message."""


# --- calendar ------------------------------------------------------------------------


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (month 1..12, any day)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day number counted from 1970-01-01."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


_DAYS_BEFORE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365)


# --- locations -----------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CYCLE_SECONDS = 146097 * SECONDS_PER_DAY  # the Gregorian calendar repeats every 400 years
# Instants zoneinfo can convert safely (years 2..9998); others are moved by whole cycles.
_SAFE_MIN = days_from_civil(2, 1, 1) * SECONDS_PER_DAY
_SAFE_MAX = days_from_civil(9998, 1, 1) * SECONDS_PER_DAY


class Location:
    """A Go *time.Location: a name and the (abbreviation, UTC offset) in force at each instant."""

    __slots__ = ("name", "_info", "_zones")

    def __init__(self, name: str, info: ZoneInfo | None = None, zones: tuple[tuple[str, int], ...] = ()) -> None:
        self.name = name
        self._info = info
        self._zones = zones  # the zone file's (abbreviation, offset) types, for lookup_name

    def __repr__(self) -> str:
        return f"Location({self.name!r})"

    def lookup(self, unix: int) -> tuple[str, int]:
        """(abbreviation, offset in seconds east of UTC) in force at `unix` seconds."""
        if self._info is None:
            return "UTC", 0
        # Before the first transition the offset is constant; after the last one
        # the zone's rule repeats with the 400-year calendar cycle.
        if unix < _SAFE_MIN:
            unix += -((unix - _SAFE_MIN) // _CYCLE_SECONDS) * _CYCLE_SECONDS
        elif unix > _SAFE_MAX:
            unix -= -((_SAFE_MAX - unix) // _CYCLE_SECONDS) * _CYCLE_SECONDS
        local = (_EPOCH + timedelta(seconds=unix)).astimezone(self._info)
        offset = local.utcoffset()
        return local.tzname() or "", (offset.days * SECONDS_PER_DAY + offset.seconds) if offset else 0

    def lookup_name(self, name: str, unix: int) -> int | None:
        """Go's Location.lookupName: the offset of the zone abbreviated `name` near `unix`, or None."""
        for zone_name, zone_offset in self._zones:
            if zone_name == name:
                actual_name, offset = self.lookup(unix - zone_offset)
                if actual_name == zone_name:
                    return offset
        for zone_name, zone_offset in self._zones:
            if zone_name == name:
                return zone_offset
        return None


UTC = Location("UTC")
_ZONE_DIRS = ("/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/", "/etc/zoneinfo/")


@functools.lru_cache(maxsize=256)
def load_location(name: str) -> Location:
    """Go's time.LoadLocation: "", "UTC", "Local" or an IANA zone name."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return local_location()
    if ".." in name or name[0] in "/\\":
        raise GoTimeError("time: invalid location name")
    try:
        info = ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError, OSError for odd names
        raise GoTimeError(f"unknown time zone {name}") from None
    return Location(name, info)


def local_location() -> Location:
    """Go's time.Local, read when this module was imported (see `_read_local_location`)."""
    return _LOCAL


def _read_local_location() -> Location:
    """Go's time.Local: from $TZ (unset: /etc/localtime; empty: UTC), falling back to UTC.

    Read once, at import, as Go reads it at start: evaluating a policy reads
    neither the environment nor a file named by it."""
    tz = os.environ.get("TZ")
    candidates: list[str] = []
    if tz is None:
        candidates = ["/etc/localtime"]
    elif tz:
        tz = tz[1:] if tz.startswith(":") else tz
        if tz.startswith("/"):
            candidates = [tz]
        elif tz and tz != "UTC" and ".." not in tz:
            candidates = [d + tz for d in _ZONE_DIRS]
    for path in candidates:
        try:
            with open(path, "rb") as f:
                data = f.read()
            info = ZoneInfo.from_file(io.BytesIO(data), key="Local")
            return Location("Local", info, _tzif_zone_types(data))
        except Exception:
            continue
    return Location("UTC")


def _tzif_zone_types(data: bytes) -> tuple[tuple[str, int], ...]:
    """The (abbreviation, offset) local time types of a TZif file (its 64-bit block when present)."""
    if data[:4] != b"TZif":
        return ()

    def header(at: int) -> tuple[int, ...]:
        return struct.unpack(">6l", data[at + 20 : at + 44])

    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = header(0)
    at, time_size = 44, 4
    if data[4:5] >= b"2":
        at += timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt
        isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = header(at)
        at, time_size = at + 44, 8
    at += timecnt * (time_size + 1)
    types = [struct.unpack(">lBB", data[at + 6 * i : at + 6 * i + 6]) for i in range(typecnt)]
    chars = data[at + 6 * typecnt : at + 6 * typecnt + charcnt]
    zones = []
    for offset, _isdst, index in types:
        end = chars.find(b"\0", index)
        zones.append((chars[index : end if end >= 0 else len(chars)].decode("ascii", "replace"), offset))
    return tuple(zones)


_LOCAL = _read_local_location()


# --- instants in a location ----------------------------------------------------------


class Civil:
    """An instant seen in a location: Go's Date(), Clock(), Weekday(), YearDay() and zone."""

    __slots__ = ("year", "month", "day", "hour", "minute", "second", "nanosecond", "weekday", "yday", "zone", "offset")

    def __init__(self, ns: int, loc: Location) -> None:
        unix, self.nanosecond = divmod(ns, NS_PER_SECOND)
        self.zone, self.offset = loc.lookup(unix)
        days, secs = divmod(unix + self.offset, SECONDS_PER_DAY)
        self.year, self.month, self.day = civil_from_days(days)
        self.hour, secs = divmod(secs, 3600)
        self.minute, self.second = divmod(secs, 60)
        self.weekday = (days + 4) % 7  # 1970-01-01 was a Thursday; 0 is Sunday
        self.yday = days - days_from_civil(self.year, 1, 1) + 1


def date(year: int, month: int, day: int, hour: int, minute: int, sec: int, nsec: int, loc: Location) -> int:
    """Go's time.Date as Unix nanoseconds: every field may overflow into the next larger one."""
    year, m = year + (month - 1) // 12, (month - 1) % 12
    sec, nsec = sec + nsec // NS_PER_SECOND, nsec % NS_PER_SECOND
    days = days_from_civil(year, m + 1, 1) + day - 1
    unix = days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + sec
    # As Go does: guess the offset at the wall-clock time read as UTC, then
    # correct it if the resulting instant lies in another zone period.
    _, offset = loc.lookup(unix)
    if offset:
        _, offset = loc.lookup(unix - offset)
        unix -= offset
    return unix * NS_PER_SECOND + nsec


def add_date(ns: int, loc: Location, years: int, months: int, days: int) -> int:
    """Go's Time.AddDate: normalised through time.Date in the time's location."""
    c = Civil(ns, loc)
    return date(c.year + years, c.month + months, c.day + days, c.hour, c.minute, c.second, c.nanosecond, loc)


# --- numbers and quoting ------------------------------------------------------------

_DIGITS = frozenset(b"0123456789")


def leading_int(s: bytes) -> tuple[int, bytes, bool]:
    """Go's leadingInt: the leading [0-9]* as an integer, the rest, and False on overflow."""
    x, i, ok = leading_int_at(s, 0)
    return x, s[i:] if ok else s, ok


def leading_int_at(s: bytes, i: int) -> tuple[int, int, bool]:
    """Go's leadingInt from position i: the digits' value, the position after them, and False on overflow."""
    x = 0
    end = len(s)
    while i < end and s[i] in _DIGITS:
        if x > (1 << 63) // 10:
            return 0, i, False
        x = x * 10 + s[i] - 48
        if x > 1 << 63:
            return 0, i, False
        i += 1
    return x, i, True


def quote(s: bytes | str) -> str:
    """Go's time.quote: double quotes, with bytes of non-ASCII and control characters as \\xNN."""
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogatepass")
    out = ['"']
    for b in s:
        if b >= 0x80 or b < 0x20:
            out.append(f"\\x{b:02x}")
        elif b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        else:
            out.append(chr(b))
    out.append('"')
    return "".join(out)


# --- layouts -------------------------------------------------------------------------

# Go's std chunk codes (the names of Go's std* constants).
(
    LONG_MONTH, MONTH, NUM_MONTH, ZERO_MONTH, LONG_WEEKDAY, WEEKDAY, DAY, UNDER_DAY, ZERO_DAY,
    UNDER_YEAR_DAY, ZERO_YEAR_DAY, HOUR, HOUR12, ZERO_HOUR12, MINUTE, ZERO_MINUTE, SECOND, ZERO_SECOND,
    LONG_YEAR, YEAR, PM_UPPER, PM_LOWER, TZ_NAME, ISO8601_TZ, ISO8601_SECONDS_TZ, ISO8601_SHORT_TZ,
    ISO8601_COLON_TZ, ISO8601_COLON_SECONDS_TZ, NUM_TZ, NUM_SECONDS_TZ, NUM_SHORT_TZ, NUM_COLON_TZ,
    NUM_COLON_SECONDS_TZ, FRAC_SECOND0, FRAC_SECOND9,
) = range(1, 36)  # fmt: skip

_STD_0X = (ZERO_MONTH, ZERO_DAY, ZERO_HOUR12, ZERO_MINUTE, ZERO_SECOND, YEAR)
_ISO_TZ = (ISO8601_TZ, ISO8601_SECONDS_TZ, ISO8601_SHORT_TZ, ISO8601_COLON_TZ, ISO8601_COLON_SECONDS_TZ)
_NUM_TZ = (NUM_TZ, NUM_SECONDS_TZ, NUM_SHORT_TZ, NUM_COLON_TZ, NUM_COLON_SECONDS_TZ)
_ZONE_PATTERNS = (  # checked in this order, as Go's nextStdChunk does
    (b"070000", NUM_SECONDS_TZ, ISO8601_SECONDS_TZ),
    (b"07:00:00", NUM_COLON_SECONDS_TZ, ISO8601_COLON_SECONDS_TZ),
    (b"0700", NUM_TZ, ISO8601_TZ),
    (b"07:00", NUM_COLON_TZ, ISO8601_COLON_TZ),
    (b"07", NUM_SHORT_TZ, ISO8601_SHORT_TZ),
)


def _is_digit(s: bytes, i: int) -> bool:
    return i < len(s) and 48 <= s[i] <= 57


def _starts_lower(s: bytes) -> bool:
    return bool(s) and 97 <= s[0] <= 122


def next_std_chunk(layout: bytes) -> tuple[bytes, int, tuple[int, int] | None, bytes]:
    """Go's nextStdChunk: (text before, std code or 0, (digits, separator) for fractions, text after)."""
    n = len(layout)
    for i in range(n):
        c = layout[i]
        rest = layout[i:]
        if c == 74:  # J
            if rest.startswith(b"Jan"):
                if rest.startswith(b"January"):
                    return layout[:i], LONG_MONTH, None, layout[i + 7 :]
                if not _starts_lower(layout[i + 3 :]):
                    return layout[:i], MONTH, None, layout[i + 3 :]
        elif c == 77:  # M
            if rest.startswith(b"Mon"):
                if rest.startswith(b"Monday"):
                    return layout[:i], LONG_WEEKDAY, None, layout[i + 6 :]
                if not _starts_lower(layout[i + 3 :]):
                    return layout[:i], WEEKDAY, None, layout[i + 3 :]
            if rest.startswith(b"MST"):
                return layout[:i], TZ_NAME, None, layout[i + 3 :]
        elif c == 48:  # 0
            if n >= i + 2 and 49 <= layout[i + 1] <= 54:
                return layout[:i], _STD_0X[layout[i + 1] - 49], None, layout[i + 2 :]
            if rest.startswith(b"002"):
                return layout[:i], ZERO_YEAR_DAY, None, layout[i + 3 :]
        elif c == 49:  # 1
            if rest.startswith(b"15"):
                return layout[:i], HOUR, None, layout[i + 2 :]
            return layout[:i], NUM_MONTH, None, layout[i + 1 :]
        elif c == 50:  # 2
            if rest.startswith(b"2006"):
                return layout[:i], LONG_YEAR, None, layout[i + 4 :]
            return layout[:i], DAY, None, layout[i + 1 :]
        elif c == 95:  # _
            if rest.startswith(b"_2"):
                if rest.startswith(b"_2006"):  # a literal _ followed by the long year
                    return layout[: i + 1], LONG_YEAR, None, layout[i + 5 :]
                return layout[:i], UNDER_DAY, None, layout[i + 2 :]
            if rest.startswith(b"__2"):
                return layout[:i], UNDER_YEAR_DAY, None, layout[i + 3 :]
        elif c == 51:  # 3
            return layout[:i], HOUR12, None, layout[i + 1 :]
        elif c == 52:  # 4
            return layout[:i], MINUTE, None, layout[i + 1 :]
        elif c == 53:  # 5
            return layout[:i], SECOND, None, layout[i + 1 :]
        elif c == 80:  # P
            if rest.startswith(b"PM"):
                return layout[:i], PM_UPPER, None, layout[i + 2 :]
        elif c == 112:  # p
            if rest.startswith(b"pm"):
                return layout[:i], PM_LOWER, None, layout[i + 2 :]
        elif c == 45 or c == 90:  # - or Z
            for pattern, num_code, iso_code in _ZONE_PATTERNS:
                if rest.startswith(pattern, 1):
                    code = num_code if c == 45 else iso_code
                    return layout[:i], code, None, layout[i + 1 + len(pattern) :]
        elif c == 46 or c == 44:  # . or ,
            if i + 1 < n and layout[i + 1] in (48, 57):
                ch = layout[i + 1]
                j = i + 1
                while j < n and layout[j] == ch:
                    j += 1
                if not _is_digit(layout, j):  # only a fractional second if the digits end here
                    code = FRAC_SECOND0 if ch == 48 else FRAC_SECOND9
                    return layout[:i], code, (j - (i + 1), c), layout[j:]
    return layout, 0, None, b""


@functools.lru_cache(maxsize=512)
def layout_chunks(layout: bytes) -> tuple[tuple[bytes, int, tuple[int, int] | None, bytes], ...]:
    """The layout as (prefix, std code, fraction argument, std text) chunks, ending with code 0."""
    chunks = []
    while True:
        prefix, code, arg, suffix = next_std_chunk(layout)
        chunks.append((prefix, code, arg, layout[len(prefix) : len(layout) - len(suffix)]))
        if code == 0:
            return tuple(chunks)
        layout = suffix


def _append_int(out: list[str], x: int, width: int) -> None:
    """Go's appendInt: a sign, then the digits zero-padded to `width`."""
    if x < 0:
        out.append("-")
        x = -x
    out.append(str(x).rjust(width, "0"))


def format_time(ns: int, loc: Location, layout: str) -> str:
    """Go's Time.Format for the instant `ns` seen in `loc`."""
    c = Civil(ns, loc)
    out: list[str] = []
    for prefix, code, arg, _ in layout_chunks(layout.encode("utf-8", "surrogatepass")):
        if prefix:
            out.append(prefix.decode("utf-8", "surrogatepass"))
        if code == 0:
            break
        if code == YEAR:
            _append_int(out, abs(c.year) % 100, 2)
        elif code == LONG_YEAR:
            _append_int(out, c.year, 4)
        elif code == MONTH:
            out.append(LONG_MONTH_NAMES[c.month - 1][:3])
        elif code == LONG_MONTH:
            out.append(LONG_MONTH_NAMES[c.month - 1])
        elif code == NUM_MONTH:
            _append_int(out, c.month, 0)
        elif code == ZERO_MONTH:
            _append_int(out, c.month, 2)
        elif code == WEEKDAY:
            out.append(LONG_DAY_NAMES[c.weekday][:3])
        elif code == LONG_WEEKDAY:
            out.append(LONG_DAY_NAMES[c.weekday])
        elif code == DAY:
            _append_int(out, c.day, 0)
        elif code == UNDER_DAY:
            out.append(str(c.day).rjust(2))
        elif code == ZERO_DAY:
            _append_int(out, c.day, 2)
        elif code == UNDER_YEAR_DAY:
            out.append(str(c.yday).rjust(3))
        elif code == ZERO_YEAR_DAY:
            _append_int(out, c.yday, 3)
        elif code == HOUR:
            _append_int(out, c.hour, 2)
        elif code == HOUR12 or code == ZERO_HOUR12:
            _append_int(out, c.hour % 12 or 12, 0 if code == HOUR12 else 2)
        elif code == MINUTE or code == ZERO_MINUTE:
            _append_int(out, c.minute, 0 if code == MINUTE else 2)
        elif code == SECOND or code == ZERO_SECOND:
            _append_int(out, c.second, 0 if code == SECOND else 2)
        elif code == PM_UPPER:
            out.append("PM" if c.hour >= 12 else "AM")
        elif code == PM_LOWER:
            out.append("pm" if c.hour >= 12 else "am")
        elif code in _ISO_TZ or code in _NUM_TZ:
            _format_offset(out, code, c.offset)
        elif code == TZ_NAME:
            if c.zone:
                out.append(c.zone)
            else:
                minutes = abs(c.offset) // 60  # Go truncates toward zero
                out.append("-" if c.offset < 0 else "+")
                _append_int(out, minutes // 60, 2)
                _append_int(out, minutes % 60, 2)
        elif code == FRAC_SECOND0 or code == FRAC_SECOND9:
            _format_nano(out, code, arg, c.nanosecond)
    return "".join(out)


def _format_offset(out: list[str], code: int, offset: int) -> None:
    if offset == 0 and code in _ISO_TZ:
        out.append("Z")
        return
    out.append("-" if offset < 0 else "+")
    absolute = abs(offset)
    minutes = absolute // 60
    _append_int(out, minutes // 60, 2)
    if code in (ISO8601_COLON_TZ, NUM_COLON_TZ, ISO8601_COLON_SECONDS_TZ, NUM_COLON_SECONDS_TZ):
        out.append(":")
    if code not in (NUM_SHORT_TZ, ISO8601_SHORT_TZ):
        _append_int(out, minutes % 60, 2)
    if code in (ISO8601_SECONDS_TZ, NUM_SECONDS_TZ, NUM_COLON_SECONDS_TZ, ISO8601_COLON_SECONDS_TZ):
        if code in (NUM_COLON_SECONDS_TZ, ISO8601_COLON_SECONDS_TZ):
            out.append(":")
        _append_int(out, absolute % 60, 2)


def _format_nano(out: list[str], code: int, arg: tuple[int, int], nanosecond: int) -> None:
    digits, separator = arg
    text = str(nanosecond).rjust(9, "0")[: min(digits, 9)]
    if code == FRAC_SECOND9:
        text = text.rstrip("0")
        if not text:
            return
    out.append(chr(separator) + text)


# --- parsing -------------------------------------------------------------------------


class _Bad(Exception):
    """Go's errBad: the current element does not parse."""


def _getnum(s: bytes, fixed: bool) -> tuple[int, bytes]:
    if not _is_digit(s, 0):
        raise _Bad
    if not _is_digit(s, 1):
        if fixed:
            raise _Bad
        return s[0] - 48, s[1:]
    return (s[0] - 48) * 10 + s[1] - 48, s[2:]


def _getnum3(s: bytes, fixed: bool) -> tuple[int, bytes]:
    n = i = 0
    while i < 3 and _is_digit(s, i):
        n = n * 10 + s[i] - 48
        i += 1
    if i == 0 or (fixed and i != 3):
        raise _Bad
    return n, s[i:]


def _atoi(s: bytes) -> int:
    neg = False
    if s and s[0] in b"-+":
        neg = s[0] == 45
        s = s[1:]
    q, rem, ok = leading_int(s)
    if not ok or rem:
        raise _Bad
    if q >= 1 << 63:  # Go's int(q) wraps
        q -= 1 << 64
    return -q if neg else q


def _lookup(table: tuple[bytes, ...], value: bytes) -> tuple[int, bytes]:
    """Go's lookup: the index of the table entry `value` starts with, ASCII case-insensitively."""
    for i, name in enumerate(table):
        if len(value) >= len(name) and _match(value[: len(name)], name):
            return i, value[len(name) :]
    raise _Bad


def _match(s1: bytes, s2: bytes) -> bool:
    for c1, c2 in zip(s1, s2):
        if c1 != c2:
            c1 |= 0x20
            c2 |= 0x20
            if c1 != c2 or not 97 <= c1 <= 122:
                return False
    return True


def _skip(value: bytes, prefix: bytes) -> tuple[bytes, bool]:
    """Go's skip: `value` less the literal `prefix`, runs of spaces matching runs of spaces."""
    while prefix:
        if prefix[0] == 32:
            if value and value[0] != 32:
                return value, False
            prefix = prefix.lstrip(b" ")
            value = value.lstrip(b" ")
            continue
        if not value or value[0] != prefix[0]:
            return value, False
        prefix, value = prefix[1:], value[1:]
    return value, True


def _parse_nanoseconds(value: bytes, nbytes: int) -> tuple[int, str]:
    """Go's parseNanoseconds: (nanoseconds, range error name or "")."""
    if value[0] not in b".,":
        raise _Bad
    if nbytes > 10:
        value, nbytes = value[:10], 10
    ns = _atoi(value[1:nbytes])
    if ns < 0:
        return 0, "fractional second"
    return ns * 10 ** (10 - nbytes), ""


def _parse_time_zone(value: bytes) -> int:
    """Go's parseTimeZone: the length of the zone abbreviation `value` starts with, or 0."""
    if len(value) < 3:
        return 0
    if value[:4] in (b"ChST", b"MeST"):
        return 4
    if value[:3] == b"GMT":
        return 3 + _parse_signed_offset(value[3:]) if len(value) > 3 else 3
    if value[0] in b"+-":
        return _parse_signed_offset(value)
    upper = 0
    while upper < 6 and upper < len(value) and 65 <= value[upper] <= 90:
        upper += 1
    if upper == 5 and value[4] == 84:  # T
        return 5
    if upper == 4 and (value[3] == 84 or value[:4] == b"WITA"):
        return 4
    if upper == 3:
        return 3
    return 0


def _parse_signed_offset(value: bytes) -> int:
    if value[0] not in b"+-":
        return 0
    x, rem, ok = leading_int(value[1:])
    if not ok or len(rem) == len(value) - 1 or x > 23:
        return 0
    return len(value) - len(rem)


def parse_time(layout: str, text: str) -> int:
    """Go's time.Parse (UTC default, Local for zone names), as Unix nanoseconds."""
    alayout = layout.encode("utf-8", "surrogatepass")
    avalue = text.encode("utf-8", "surrogatepass")

    def error(layout_elem: bytes, value_elem: bytes, message: str = "") -> GoTimeError:
        if message:
            return GoTimeError("parsing time " + quote(avalue) + message)
        return GoTimeError(
            f"parsing time {quote(avalue)} as {quote(alayout)}: "
            f"cannot parse {quote(value_elem)} as {quote(layout_elem)}"
        )

    value = avalue
    year, month, day, yday = 0, -1, -1, -1
    hour = minute = sec = nsec = 0
    am_set = pm_set = False
    utc_zone = False
    zone_offset: int | None = None
    zone_name = b""
    chunks = layout_chunks(alayout)
    for index, (prefix, code, arg, stdstr) in enumerate(chunks):
        value, ok = _skip(value, prefix)
        if not ok:
            raise error(prefix, value)
        if code == 0:
            if value:
                raise error(b"", value, ": extra text: " + quote(value))
            break
        hold = value
        range_err = ""
        try:
            if code == YEAR:
                if len(value) < 2:
                    raise _Bad
                year, value = _atoi(value[:2]), value[2:]
                year += 1900 if year >= 69 else 2000
            elif code == LONG_YEAR:
                if len(value) < 4 or not _is_digit(value, 0):
                    raise _Bad
                year, value = _atoi(value[:4]), value[4:]
            elif code == MONTH or code == LONG_MONTH:
                month, value = _lookup(_SHORT_MONTH_NAMES if code == MONTH else _LONG_MONTH_NAMES, value)
                month += 1
            elif code == NUM_MONTH or code == ZERO_MONTH:
                month, value = _getnum(value, code == ZERO_MONTH)
                if month <= 0 or month > 12:
                    range_err = "month"
            elif code == WEEKDAY or code == LONG_WEEKDAY:
                _, value = _lookup(_SHORT_DAY_NAMES if code == WEEKDAY else _LONG_DAY_NAMES, value)
            elif code in (DAY, UNDER_DAY, ZERO_DAY):
                if code == UNDER_DAY and value[:1] == b" ":
                    value = value[1:]
                day, value = _getnum(value, code == ZERO_DAY)
            elif code == UNDER_YEAR_DAY or code == ZERO_YEAR_DAY:
                if code == UNDER_YEAR_DAY:
                    for _ in range(2):
                        if value[:1] == b" ":
                            value = value[1:]
                yday, value = _getnum3(value, code == ZERO_YEAR_DAY)
            elif code == HOUR:
                hour, value = _getnum(value, False)
                if hour >= 24:
                    range_err = "hour"
            elif code == HOUR12 or code == ZERO_HOUR12:
                hour, value = _getnum(value, code == ZERO_HOUR12)
                if hour > 12:
                    range_err = "hour"
            elif code == MINUTE or code == ZERO_MINUTE:
                minute, value = _getnum(value, code == ZERO_MINUTE)
                if minute >= 60:
                    range_err = "minute"
            elif code == SECOND or code == ZERO_SECOND:
                sec, value = _getnum(value, code == ZERO_SECOND)
                if sec >= 60:
                    range_err = "second"
                elif len(value) >= 2 and value[0] in b".," and _is_digit(value, 1):
                    # A fractional second in the input that the layout does not have.
                    if chunks[index + 1][1] not in (FRAC_SECOND0, FRAC_SECOND9):
                        n = 2
                        while n < len(value) and _is_digit(value, n):
                            n += 1
                        nsec, range_err = _parse_nanoseconds(value, n)
                        value = value[n:]
            elif code == PM_UPPER or code == PM_LOWER:
                if len(value) < 2:
                    raise _Bad
                p, value = value[:2], value[2:]
                if p == (b"PM" if code == PM_UPPER else b"pm"):
                    pm_set = True
                elif p == (b"AM" if code == PM_UPPER else b"am"):
                    am_set = True
                else:
                    raise _Bad
            elif code in _ISO_TZ or code in _NUM_TZ:
                if code in _ISO_TZ and value[:1] == b"Z":
                    value = value[1:]
                    utc_zone = True
                else:
                    zone_offset, value, range_err, bad = _parse_offset(code, value)
                    if bad and not range_err:
                        raise _Bad
            elif code == TZ_NAME:
                if value[:3] == b"UTC":
                    utc_zone = True
                    value = value[3:]
                else:
                    n = _parse_time_zone(value)
                    if not n:
                        raise _Bad
                    zone_name, value = value[:n], value[n:]
            elif code == FRAC_SECOND0:
                ndigit = 1 + arg[0]
                if len(value) < ndigit:
                    raise _Bad
                nsec, range_err = _parse_nanoseconds(value, ndigit)
                value = value[ndigit:]
            elif code == FRAC_SECOND9:
                if len(value) >= 2 and value[0] in b".," and 48 <= value[1] <= 57:
                    i = 0
                    while i + 1 < len(value) and 48 <= value[i + 1] <= 57:
                        i += 1
                    nsec, range_err = _parse_nanoseconds(value, 1 + i)
                    value = value[1 + i :]
        except _Bad:
            raise error(stdstr, hold) from None
        if range_err:
            raise error(stdstr, value, f": {range_err} out of range")

    if pm_set and hour < 12:
        hour += 12
    elif am_set and hour == 12:
        hour = 0

    if yday >= 0:
        d = m = 0
        if is_leap(year):
            if yday == 31 + 29:
                m, d = 2, 29
            elif yday > 31 + 29:
                yday -= 1
        if yday < 1 or yday > 365:
            raise error(b"", value, ": day-of-year out of range")
        if m == 0:
            m = (yday - 1) // 31 + 1
            if _DAYS_BEFORE[m] < yday:
                m += 1
            d = yday - _DAYS_BEFORE[m - 1]
        if month >= 0 and month != m:
            raise error(b"", value, ": day-of-year does not match month")
        month = m
        if day >= 0 and day != d:
            raise error(b"", value, ": day-of-year does not match day")
        day = d
    else:
        month = 1 if month < 0 else month
        day = 1 if day < 0 else day

    if day < 1 or day > days_in(month, year):
        raise error(b"", value, ": day out of range")

    ns = date(year, month, day, hour, minute, sec, nsec, UTC)
    if utc_zone:
        return ns
    if zone_offset is not None and zone_offset != -1:  # Go's "no offset" marker is -1, so -00:00:01 is lost too
        return ns - zone_offset * NS_PER_SECOND
    if zone_name:
        name = zone_name.decode("utf-8", "surrogateescape")
        offset = local_location().lookup_name(name, ns // NS_PER_SECOND)
        # An unknown abbreviation (GMT+3 too) gets a fabricated zone for display
        # only: the instant is the wall-clock time read as UTC.
        return ns if offset is None else ns - offset * NS_PER_SECOND
    return ns


def _parse_offset(code: int, value: bytes) -> tuple[int, bytes, str, bool]:
    """A numeric zone offset for `code`: (seconds east of UTC, rest of value, range error name, bad)."""
    if code in (ISO8601_COLON_TZ, NUM_COLON_TZ):
        if len(value) < 6 or value[3] != 58:
            raise _Bad
        sign, hh, mm, ss, value = value[:1], value[1:3], value[4:6], b"00", value[6:]
    elif code in (NUM_SHORT_TZ, ISO8601_SHORT_TZ):
        if len(value) < 3:
            raise _Bad
        sign, hh, mm, ss, value = value[:1], value[1:3], b"00", b"00", value[3:]
    elif code in (ISO8601_COLON_SECONDS_TZ, NUM_COLON_SECONDS_TZ):
        if len(value) < 9 or value[3] != 58 or value[6] != 58:
            raise _Bad
        sign, hh, mm, ss, value = value[:1], value[1:3], value[4:6], value[7:9], value[9:]
    elif code in (ISO8601_SECONDS_TZ, NUM_SECONDS_TZ):
        if len(value) < 7:
            raise _Bad
        sign, hh, mm, ss, value = value[:1], value[1:3], value[3:5], value[5:7], value[7:]
    else:
        if len(value) < 5:
            raise _Bad
        sign, hh, mm, ss, value = value[:1], value[1:3], value[3:5], b"00", value[5:]
    # As Go does: stop at the first bad field, but still report a range error first.
    hr = mi = se = 0
    bad = False
    try:
        hr = _getnum(hh, True)[0]
        mi = _getnum(mm, True)[0]
        se = _getnum(ss, True)[0]
    except _Bad:
        bad = True
    range_err = ""
    if hr > 24:
        range_err = "time zone offset hour"
    if mi > 60:
        range_err = "time zone offset minute"
    if se > 60:
        range_err = "time zone offset second"
    offset = (hr * 60 + mi) * 60 + se
    if sign == b"-":
        offset = -offset
    elif sign != b"+":
        bad = True
    return offset, value, range_err, bad
