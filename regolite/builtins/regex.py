"""Regex builtins: regex.match, regex.split, regex.replace, regex.find_n, ... with Go's regexp semantics.

User patterns run on RE2 (`google-re2`), never on Python's `re`, so every
match is linear in the input. Go's `regexp` is an RE2 port; what differs
between the two is bridged here:

- Errors are reworded to Go's (`error parsing regexp: missing closing ): `(``),
  and `\\C` (any byte), which RE2 accepts and Go rejects, is rejected.
- Texts are matched as UTF-8 bytes and walked with Go's loops (FindAll,
  Split, ReplaceAll), so empty matches next to other matches are treated as
  Go treats them, which is not how Python's `re` does.
- regex.replace expands `$1`, `${1}`, `$name`, `${name}` and `$$` as Go's
  `Regexp.Expand` does, not Python's `\\1`.

Compiled patterns sit in `PROGRAMS`, bounded in count and instructions,
keyed by the pattern (a template by (kind, template, delimiters)). Every RE2
program regolite makes is compiled with `OPTIONS` (no logging to stderr, a
memory budget) and matched on `subject(...)` (text bounded by program size),
so no single call runs long inside C.
"""

from __future__ import annotations

import functools
import threading
from fractions import Fraction
from typing import Callable

import re2

from regolite.builtins import BuiltinError, OperandError, builtin
from regolite.builtins.signature import BOOLEAN, NUMBER, STRING, array_of

REGEX = ("regex",)

CACHE_SIZE = 256

# RE2 compiles in time and memory proportional to its program (about 0.5 µs
# and 15 bytes an instruction), and a match steps through at most program
# size times text length. Both are bounded so that no call runs long inside
# C, where the deadline cannot stop it: programs by RE2's default memory
# budget (8 MiB: `\\pL{400}` compiles in 0.25 s; Go compiles `\\pL{1000}`,
# which RE2 would take 0.7 s and 60 MiB for), matches by MAX_MATCH_WORK
# (about 0.1 s at RE2's slowest, a program that defeats its DFA).
MAX_PROGRAM_MEMORY = 8 << 20
MAX_MATCH_WORK = 1 << 31
# RE2 parses before it counts memory, and each Unicode property class (`\\pL`:
# 650 ranges) takes it 0.15 ms: patterns are bounded in length and in those.
MAX_PATTERN_LENGTH = 1 << 17
MAX_UNICODE_CLASSES = 500
CACHE_INSTRUCTIONS = 1 << 21  # compiled programs kept, in instructions (about 30 MiB)

# Options for every RE2 program regolite compiles: RE2 logs bad patterns to
# stderr from C++ unless told not to, which would break a JSON log.
OPTIONS = re2.Options()
OPTIONS.log_errors = False
OPTIONS.max_mem = MAX_PROGRAM_MEMORY

# RE2's error texts to Go's regexp/syntax ErrorCode texts.
_GO_ERROR_CODES = {
    "unexpected error": "regexp/syntax: internal error",
    "invalid escape sequence": "invalid escape sequence",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "missing ]": "missing closing ]",
    "missing )": "missing closing )",
    "unexpected )": "unexpected )",
    "trailing \\": "trailing backslash at end of expression",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid repetition size": "invalid repeat count",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid UTF-8": "invalid UTF-8",
    "invalid named capture group": "invalid named capture",
    "pattern too large - compile failed": "expression too large",
}


class RegexSyntaxError(BuiltinError):
    """An invalid pattern, worded as Go's regexp package words it."""


# --- builtins --------------------------------------------------------------------


@builtin("regex.match", args=(STRING, STRING), result=BOOLEAN, categories=REGEX)
def regex_match(pattern, value):
    rx = _compile("regex", pattern)
    return rx.search(subject(rx, value)) is not None


@builtin("re_match", args=(STRING, STRING), result=BOOLEAN, categories=REGEX, deprecated=True)
def re_match(pattern, value):
    return regex_match(pattern, value)


@builtin("regex.is_valid", args=(STRING,), result=BOOLEAN, categories=REGEX, check_args=False)
def regex_is_valid(pattern):
    # OPA answers false, not a type error, for a non-string operand.
    if type(pattern) is not str:
        return False
    try:
        _compile("regex", pattern)
    except RegexSyntaxError:
        return False
    return True


@builtin("regex.split", args=(STRING, STRING), result=array_of(STRING), categories=REGEX)
def regex_split(pattern, value):
    """Go's Regexp.Split(value, -1), quirks included (an empty pattern on "" gives [])."""
    rx = _compile("regex", pattern)
    text = subject(rx, value)
    if pattern and not text:
        return [""]
    pieces = []
    begin = end = 0
    for start, stop in _all_spans(rx, text, -1):
        end = start
        if stop != 0:
            pieces.append(_decode(text[begin:end]))
        begin = stop
    if end != len(text):
        pieces.append(_decode(text[begin:]))
    return pieces


@builtin("regex.find_n", args=(STRING, STRING, NUMBER), result=array_of(STRING), categories=REGEX)
def regex_find_n(pattern, value, number):
    """Go's FindAllString(value, n): at most n matches, all of them when n < 0."""
    n = _int_operand(number, 3)
    rx = _compile("regex", pattern)
    text = subject(rx, value)
    return [_decode(text[start:stop]) for start, stop in _all_spans(rx, text, n)]


@builtin(
    "regex.find_all_string_submatch_n",
    args=(STRING, STRING, NUMBER),
    result=array_of(array_of(STRING)),
    categories=REGEX,
)
def regex_find_all_string_submatch_n(pattern, value, number):
    """Go's FindAllStringSubmatch(value, n): each match with its groups, "" for a group that took no part."""
    n = _int_operand(number, 3)
    rx = _compile("regex", pattern)
    text = subject(rx, value)
    groups = range(rx.groups + 1)
    out = []
    for match in _all_matches(rx, text, n):
        row = []
        for g in groups:
            start, stop = match.span(g)
            row.append("" if start < 0 else _decode(text[start:stop]))
        out.append(row)
    return out


@builtin("regex.replace", args=(STRING, STRING, STRING), result=STRING, categories=REGEX)
def regex_replace(value, pattern, replacement):
    """Go's ReplaceAllString(value, replacement), with Go's `$` expansion."""
    rx = _compile("regex", pattern)
    text = subject(rx, value)
    template = _parse_template(replacement)
    names = rx.groupindex if any(type(p) is tuple for p in template) else {}
    out = bytearray()
    last = search = 0
    end = len(text)
    while search <= end:
        match = rx.search(text, search)
        if match is None:
            break
        start, stop = match.span()
        out += text[last:start]
        # No replacement for an empty match right after another match.
        if stop > last or start == 0:
            _expand(out, template, rx, text, match, names)
        last = stop
        width = _rune_width(text, search)
        if search + width > stop:
            search += width
        elif search + 1 > stop:
            search += 1
        else:
            search = stop
    out += text[last:]
    result = _decode(bytes(out))
    return value if result == value else result


@builtin("regex.template_match", args=(STRING, STRING, STRING, STRING), result=BOOLEAN, categories=REGEX)
def regex_template_match(template, value, delimiter_start, delimiter_end):
    """Match `value` against `template`, whose parts between the delimiters are regexes and the rest literal."""
    start_len = len(delimiter_start.encode("utf-8", "surrogatepass"))
    if start_len != 1:
        raise BuiltinError(f"start delimiter has to be exactly one character long but is {start_len} long")
    if len(delimiter_end.encode("utf-8", "surrogatepass")) != 1:
        # OPA reports the start delimiter's length here too.
        raise BuiltinError(f"end delimiter has to be exactly one character long but is {start_len} long")
    rx = _compile("template", template, delimiter_start, delimiter_end)
    return rx.search(subject(rx, value)) is not None


@builtin("regex.globs_match", args=(STRING, STRING), result=BOOLEAN, categories=REGEX)
def regex_globs_match(glob1, glob2):
    """True when a non-empty string matches both glob-like regexes (only `.`, `*`, `+`, `[...]`, `\\` are special)."""
    return _globs_intersect(_glob_tokens(glob1), _glob_tokens(glob2))


# --- compiling ---------------------------------------------------------------------


def go_search(pattern: str) -> Callable[[str], bool]:
    """A Go regexp as a predicate: does it match somewhere in the text?

    Raises RegexSyntaxError, worded as Go words it, for an invalid pattern.
    """
    program = _compile("regex", pattern)
    return lambda text: program.search(subject(program, text)) is not None


def subject(program, text: str) -> bytes:
    """`text` as the UTF-8 bytes RE2 matches, refused (BuiltinError) when
    `program` could step through more than MAX_MATCH_WORK instructions on it."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > 256 and len(data) * program.programsize > MAX_MATCH_WORK:
        raise BuiltinError(f"regexp: input of {len(data)} bytes is too long for a pattern of "
                           f"{program.programsize} instructions")
    return data


class ProgramCache:
    """Compiled RE2 programs by key, bounded in count and in total instructions
    (a program's memory follows its size); the oldest go first. A hit is one
    dict lookup, safe from any thread; a failed build is not kept."""

    def __init__(self, entries: int, instructions: int = CACHE_INSTRUCTIONS) -> None:
        self.entries = entries
        self.instructions = instructions
        self.programs: dict = {}
        self.size = 0  # instructions held
        self.misses = 0
        self.lock = threading.Lock()

    def get(self, key, build: Callable, *args):
        """The program for `key`, made by `build(*args)` when not held."""
        program = self.programs.get(key)
        if program is not None:
            return program
        program = build(*args)
        with self.lock:
            self.misses += 1
            if key not in self.programs:
                self.programs[key] = program
                self.size += program.programsize
                while len(self.programs) > 1 and (
                        len(self.programs) > self.entries or self.size > self.instructions):
                    self.size -= self.programs.pop(next(iter(self.programs))).programsize
        return program

    def clear(self) -> None:
        with self.lock:
            self.programs.clear()
            self.size = self.misses = 0


PROGRAMS = ProgramCache(CACHE_SIZE)


def _compile(kind: str, pattern: str, *delimiters: str):
    """The RE2 program for (kind, pattern[, delimiters]): kind "regex" is a Go regexp, "template" a template.

    Raises RegexSyntaxError (not cached) for an invalid pattern.
    """
    if kind == "template":
        return PROGRAMS.get((kind, pattern, *delimiters), _compile_template, pattern, *delimiters)
    return PROGRAMS.get(pattern, _compile_go, pattern)


def _compile_template(template: str, *delimiters: str):
    return _compile_go(_template_to_regex(template, *delimiters))


def _compile_go(pattern: str):
    if not _is_utf8(pattern):
        raise RegexSyntaxError(f"error parsing regexp: invalid UTF-8: `{pattern}`")
    _reject_any_byte(pattern)
    check_pattern_size(pattern)
    try:
        return re2.compile(pattern, OPTIONS)
    except re2.error as exc:
        raise RegexSyntaxError(_go_error_text(exc)) from None


def check_pattern_size(pattern: str) -> None:
    """Refuse, as Go refuses a huge expression, a pattern RE2 would take long to parse."""
    if len(pattern) > MAX_PATTERN_LENGTH or pattern.count("\\p") + pattern.count("\\P") > MAX_UNICODE_CLASSES:
        raise RegexSyntaxError("error parsing regexp: expression too large: ``")


def _is_utf8(text: str) -> bool:
    """False for a str holding lone surrogates (no UTF-8 form; Go would see invalid bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _go_error_text(exc: re2.error) -> str:
    message = exc.args[0] if exc.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    if message == "trailing \\":
        return "error parsing regexp: trailing backslash at end of expression: ``"
    code, sep, arg = message.partition(": ")
    if code in _GO_ERROR_CODES:
        return f"error parsing regexp: {_GO_ERROR_CODES[code]}: `{arg}`"
    if message in _GO_ERROR_CODES:
        return f"error parsing regexp: {_GO_ERROR_CODES[message]}: ``"
    return f"error parsing regexp: {message}"


def _reject_any_byte(pattern: str) -> None:
    """Go has no `\\C` (RE2's any-byte escape): reject it as Go does, outside `\\Q...\\E`."""
    if "\\C" not in pattern:
        return
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] != "\\" or i + 1 >= n:
            i += 1
            continue
        escaped = pattern[i + 1]
        if escaped == "Q":
            close = pattern.find("\\E", i + 2)
            if close < 0:
                return
            i = close + 2
        elif escaped == "C":
            raise RegexSyntaxError("error parsing regexp: invalid escape sequence: `\\C`")
        else:
            i += 2


def _template_to_regex(template: str, start: str, end: str) -> str:
    """OPA's regex template compiler: `prefix{re}suffix` becomes ^QuoteMeta(prefix)(re)QuoteMeta(suffix)$."""
    indices = []
    level = 0
    begin = 0
    for i, ch in enumerate(template):
        if ch == start:
            level += 1
            if level == 1:
                begin = i
        elif ch == end:
            level -= 1
            if level == 0:
                indices.append((begin, i + 1))
            elif level < 0:
                raise BuiltinError(f'unbalanced braces in "{template}"')
    if level != 0:
        raise BuiltinError(f'unbalanced braces in "{template}"')
    parts = ["^"]
    last = 0
    for begin, stop in indices:
        inner = template[begin + 1 : stop - 1]
        _compile_go(f"^{inner}$")  # each variable must be a valid regexp on its own
        parts.append(f"{quote_meta(template[last:begin])}({inner})")
        last = stop
    parts.append(quote_meta(template[last:]))
    parts.append("$")
    return "".join(parts)


_GO_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def quote_meta(text: str) -> str:
    """Go's regexp.QuoteMeta: a backslash before each of `\\.+*?()|[]{}^$`."""
    return "".join("\\" + ch if ch in _GO_SPECIAL else ch for ch in text)


# --- matching ------------------------------------------------------------------------


def _all_matches(rx, text: bytes, n: int) -> list:
    """Go's allMatches: up to n (all if n < 0) matches, no empty match right after a match."""
    if n < 0:
        n = len(text) + 1
    out = []
    pos = 0
    prev_end = -1
    end = len(text)
    while len(out) < n and pos <= end:
        match = rx.search(text, pos)
        if match is None:
            break
        start, stop = match.span()
        accept = True
        if stop == pos:
            if start == prev_end:
                accept = False
            width = _rune_width(text, pos)
            pos = pos + width if width else end + 1
        else:
            pos = stop
        prev_end = stop
        if accept:
            out.append(match)
    return out


def _all_spans(rx, text: bytes, n: int) -> list[tuple[int, int]]:
    return [m.span() for m in _all_matches(rx, text, n)]


def _rune_width(text: bytes, pos: int) -> int:
    """Width in bytes of the UTF-8 sequence at `pos` (0 at the end, 1 for a stray byte)."""
    if pos >= len(text):
        return 0
    lead = text[pos]
    if lead < 0xC0:
        return 1
    if lead < 0xE0:
        return 2
    if lead < 0xF0:
        return 3
    return 4


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _int_operand(number, position: int) -> int:
    if type(number) is float or type(number) is Fraction:
        if type(number) is Fraction or not number.is_integer():
            raise OperandError(position, "must be integer number but got floating-point number")
        return int(number)
    return number


# --- Go's Regexp.Expand ------------------------------------------------------------------


@functools.lru_cache(maxsize=CACHE_SIZE)
def _parse_template(template: str) -> tuple:
    """The replacement as pieces: str literals, int group numbers and ("name",) group names."""
    pieces: list = []
    literal: list[str] = []
    rest = template
    while rest:
        before, dollar, after = rest.partition("$")
        literal.append(before)
        if not dollar:
            break
        rest = after
        if rest.startswith("$"):
            literal.append("$")
            rest = rest[1:]
            continue
        parsed = _extract(rest)
        if parsed is None:
            literal.append("$")
            continue
        ref, rest = parsed
        if literal:
            pieces.append("".join(literal))
            literal = []
        pieces.append(ref)
    if literal:
        pieces.append("".join(literal))
    return tuple(p for p in pieces if p != "")


def _extract(text: str):
    """Go's regexp extract: the group reference at the start of `text` and the rest, or None."""
    brace = text.startswith("{")
    if brace:
        text = text[1:]
    i = 0
    while i < len(text) and (text[i].isalpha() or text[i].isdecimal() or text[i] == "_"):
        i += 1
    if i == 0:
        return None
    name = text[:i]
    if brace:
        if i >= len(text) or text[i] != "}":
            return None
        i += 1
    num = 0
    for ch in name:
        if not ("0" <= ch <= "9") or num >= 100_000_000:
            num = -1
            break
        num = num * 10 + ord(ch) - 48
    if name[0] == "0" and len(name) > 1:
        num = -1
    return (num if num >= 0 else (name,)), text[i:]


def _expand(out: bytearray, template: tuple, rx, text: bytes, match, names: dict) -> None:
    for piece in template:
        if type(piece) is str:
            out += _encode(piece)
            continue
        if type(piece) is int:
            group = piece
            if group > rx.groups:
                continue
        else:
            group = names.get(piece[0], -1)
            if group < 0:
                continue
        start, stop = match.span(group)
        if start >= 0:
            out += text[start:stop]




# --- regex.globs_match ------------------------------------------------------------------
#
# OPA uses github.com/yashtewari/glob-intersection: a pattern is a sequence of
# tokens (a character, `.` for any character, or a `[...]` set of characters
# and ranges), each optionally followed by `*` (zero or more) or `+` (one or
# more); `\` escapes. Two patterns intersect when a non-empty string
# matches both (the empty string does not count), found by a search of the
# product of their automata: at most 2 * (len1 + 1) * (len2 + 1) states.

_GLOB_INVALID = "the input provided is invalid"

# A token: (ranges, repeat) where ranges is None for `.` (any character) or a
# tuple of (lo, hi) code point pairs, and repeat is True for a `*` token. A
# `+` token becomes the token followed by its `*` form.


def _glob_tokens(pattern: str) -> tuple:
    tokens: list = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise BuiltinError(_GLOB_INVALID)
            ranges = ((ord(pattern[i + 1]),) * 2,)
            i += 2
        elif ch == "[":
            ranges, i = _glob_set(pattern, i + 1)
        elif ch == ".":
            ranges = None
            i += 1
        elif ch in "*+]":
            raise BuiltinError(_GLOB_INVALID)
        else:
            ranges = ((ord(ch),) * 2,)
            i += 1
        flag = pattern[i] if i < n and pattern[i] in "*+" else ""
        i += len(flag)
        if flag != "*":
            tokens.append((ranges, False))
        if flag:
            tokens.append((ranges, True))
    return tuple(tokens)


def _glob_set(pattern: str, i: int) -> tuple:
    """The ranges of the `[...]` set whose body starts at i, and the index after its `]`.

    `a-z` is a range; an escaped `\\-`, or a `-` first or last, is itself.
    """
    chars: list[tuple[int, bool]] = []
    n = len(pattern)
    while True:
        if i >= n:
            raise BuiltinError(_GLOB_INVALID)
        ch = pattern[i]
        if ch == "]":
            break
        escaped = ch == "\\"
        if escaped:
            if i + 1 >= n:
                raise BuiltinError(_GLOB_INVALID)
            i += 1
            ch = pattern[i]
        chars.append((ord(ch), escaped))
        i += 1
    if not chars:
        raise BuiltinError(_GLOB_INVALID)
    ranges = []
    k = 0
    while k < len(chars):
        if k + 2 < len(chars) and chars[k + 1] == (ord("-"), False):
            lo, hi = chars[k][0], chars[k + 2][0]
            if hi < lo:
                raise BuiltinError(_GLOB_INVALID)
            ranges.append((lo, hi))
            k += 3
        else:
            ranges.append((chars[k][0], chars[k][0]))
            k += 1
    return tuple(ranges), i + 1


def _ranges_meet(a, b) -> bool:
    if a is None or b is None:
        return True
    return any(lo1 <= hi2 and lo2 <= hi1 for lo1, hi1 in a for lo2, hi2 in b)


def _glob_closure(tokens: tuple, i: int) -> list[int]:
    """Positions reachable from i by skipping `*` tokens."""
    out = [i]
    while i < len(tokens) and tokens[i][1]:
        i += 1
        out.append(i)
    return out


def _globs_intersect(left: tuple, right: tuple) -> bool:
    """Whether a non-empty string matches both token sequences (OPA: "a non-empty set of non-empty strings")."""
    start = (0, 0, False)
    seen = {start}
    todo = [start]
    while todo:
        i, j, consumed = todo.pop()
        for a in _glob_closure(left, i):
            for b in _glob_closure(right, j):
                if a == len(left) or b == len(right):
                    if consumed and a == len(left) and b == len(right):
                        return True
                    continue
                (ranges_a, star_a), (ranges_b, star_b) = left[a], right[b]
                if not _ranges_meet(ranges_a, ranges_b):
                    continue
                state = (a if star_a else a + 1, b if star_b else b + 1, True)
                if state not in seen:
                    seen.add(state)
                    todo.append(state)
    return False
