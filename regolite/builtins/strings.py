"""String builtins: concat, contains, split, trim_*, substring, strings.*, format_int ...

OPA implements these with Go's `strings` package; each function here follows
the Go function named in its docstring. Indexes and lengths count code
points, as OPA does (it converts to runes), which is what Python str
indexing counts. `sprintf` lives in `regolite.builtins.sprintf`, the Go
text/template engine behind strings.render_template in
`regolite.builtins.gotemplate`.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

from regolite.builtins import BuiltinError, OperandError, builtin
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    NUMBER,
    STRING,
    array_of,
    object_of,
    one_of,
    set_of,
)
from regolite.builtins.gotemplate import GoTemplate, TemplateError, go_data
from regolite.builtins.sprintf import display_text
from regolite.values import RegoSet, object_items, sort_key, to_json, type_name

STRINGS = ("strings",)

_STRINGS_ARRAY_OR_SET = one_of(set_of(STRING), array_of(STRING))
_STRING_OR_COLLECTION = one_of(STRING, set_of(STRING), array_of(STRING))


# Text a builtin makes beyond its operands costs a step per KiB (see `cost` in
# regolite.builtins); below MADE_FREE characters it is not counted.
MADE_FREE = 1 << 16


def _concat_cost(delimiter, collection) -> int:
    """Steps of concat: the delimiter is repeated once between each two elements."""
    if type(delimiter) is not str or type(collection) not in (list, RegoSet):
        return 0
    made = len(delimiter) * len(collection)
    return made >> 10 if made > MADE_FREE else 0


def _replace_cost(x, old, new) -> int:
    """Steps of replace: the text `new` adds over `old` at each match (at every code point for an empty `old`)."""
    if type(x) is not str or type(old) is not str or type(new) is not str or len(new) <= len(old):
        return 0
    growth = len(new) - len(old)
    if (len(x) + 1) * growth <= MADE_FREE:
        return 0
    return (x.count(old) if old else len(x) + 1) * growth >> 10


@builtin("concat", args=(STRING, _STRINGS_ARRAY_OR_SET), result=STRING, categories=STRINGS, cost=_concat_cost)
def concat(delimiter, collection):
    """strings.Join over the array, or over the set in sorted order."""
    if type(collection) is RegoSet:
        items = collection.sorted()
    else:
        items = collection
    for x in items:
        if type(x) is not str:
            raise _element_error(2, collection, x)
    return delimiter.join(items)


@builtin("contains", args=(STRING, STRING), result=BOOLEAN, categories=STRINGS)
def contains(haystack, needle):
    return needle in haystack


@builtin("startswith", args=(STRING, STRING), result=BOOLEAN, categories=STRINGS)
def startswith(search, base):
    return search.startswith(base)


@builtin("endswith", args=(STRING, STRING), result=BOOLEAN, categories=STRINGS)
def endswith(search, base):
    return search.endswith(base)


@builtin("strings.any_prefix_match", args=(_STRING_OR_COLLECTION, _STRING_OR_COLLECTION), result=BOOLEAN,
         categories=STRINGS)
def strings_any_prefix_match(search, base):
    searches = _string_list(search, 1)
    bases = _string_list(base, 2)
    return any(s.startswith(b) for s in searches for b in bases)


@builtin("strings.any_suffix_match", args=(_STRING_OR_COLLECTION, _STRING_OR_COLLECTION), result=BOOLEAN,
         categories=STRINGS)
def strings_any_suffix_match(search, base):
    searches = _string_list(search, 1)
    bases = _string_list(base, 2)
    return any(s.endswith(b) for s in searches for b in bases)


@builtin("format_int", args=(NUMBER, NUMBER), result=STRING, categories=STRINGS)
def format_int(number, base):
    """The number truncated toward zero (Go's big.Float.Int), in base 2, 8, 10 or 16."""
    spec = _FORMAT_INT_BASES.get(base) if _is_integral(base) else None
    if spec is None:
        raise OperandError(2, "must be one of {2, 8, 10, 16}")
    n = number if type(number) is int else math.trunc(number)
    return format(n, spec)


_FORMAT_INT_BASES = {2: "b", 8: "o", 10: "d", 16: "x"}


@builtin("indexof", args=(STRING, STRING), result=NUMBER, categories=STRINGS)
def indexof(haystack, needle):
    """The code point index of the first match, or -1."""
    if not needle:
        raise BuiltinError("empty search character")
    return haystack.find(needle)


@builtin("indexof_n", args=(STRING, STRING), result=array_of(NUMBER), categories=STRINGS)
def indexof_n(haystack, needle):
    """Code point indexes of every match, overlapping ones included."""
    if not needle:
        raise BuiltinError("empty search character")
    out = []
    i = haystack.find(needle)
    while i >= 0:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


@builtin("lower", args=(STRING,), result=STRING, categories=STRINGS)
def lower(x):
    """strings.ToLower: Unicode simple case mapping, one code point to one."""
    if x.isascii():
        return x.lower()
    return "".join([_lower_char(c) for c in x])


@builtin("upper", args=(STRING,), result=STRING, categories=STRINGS)
def upper(x):
    """strings.ToUpper: Unicode simple case mapping (so "ß" stays "ß")."""
    if x.isascii():
        return x.upper()
    return "".join([_upper_char(c) for c in x])


@builtin("replace", args=(STRING, STRING, STRING), result=STRING, categories=STRINGS, cost=_replace_cost)
def replace(x, old, new):
    """strings.ReplaceAll; an empty `old` inserts `new` around every code point."""
    return x.replace(old, new)


@builtin("strings.replace_n", args=(object_of(STRING, STRING), STRING), result=STRING, categories=STRINGS)
def strings_replace_n(patterns, value):
    """strings.NewReplacer with the pairs in key order.

    At each position the first key (in sorted order) that matches there wins,
    scanning left to right without rescanning replaced text; an empty key
    matches between bytes, once per position. A regex alternation in the
    same order has exactly these semantics; it runs on UTF-8 bytes as Go's
    replacer does.
    """
    pairs = []
    for k, v in sorted(object_items(patterns), key=_key_order):
        if type(k) is not str:
            raise OperandError(1, "non-string key found in pattern object")
        if type(v) is not str:
            raise OperandError(1, "non-string value found in pattern object")
        pairs.append((k, v))
    if not pairs:
        return value
    table = {k.encode(): v.encode() for k, v in pairs}
    pattern = _replacer_pattern(tuple(k for k, _ in pairs))
    out = pattern.sub(lambda m: table[m.group()], value.encode())
    return out.decode("utf-8", errors="replace")


def _key_order(pair: tuple) -> tuple:
    return sort_key(pair[0])


@functools.lru_cache(maxsize=256)
def _replacer_pattern(keys: tuple) -> re.Pattern:
    return re.compile(b"|".join(re.escape(k.encode()) for k in keys))


@builtin("strings.reverse", args=(STRING,), result=STRING, categories=STRINGS)
def strings_reverse(x):
    return x[::-1]


@builtin("strings.count", args=(STRING, STRING), result=NUMBER, categories=STRINGS)
def strings_count(search, substring):
    """strings.Count: non-overlapping matches; "" counts code points + 1."""
    return search.count(substring)


@builtin("split", args=(STRING, STRING), result=array_of(STRING), categories=STRINGS)
def split(x, delimiter):
    """strings.Split; an empty delimiter splits into code points."""
    return _split(x, delimiter)


@builtin("strings.split_n", args=(STRING, STRING, NUMBER), result=array_of(STRING), categories=STRINGS)
def strings_split_n(x, delimiter, n):
    """The first n parts of split(x, delimiter), or the last -n when n is negative."""
    n = _int_operand(n, 3)
    parts = _split(x, delimiter)
    if n >= 0:
        return parts[:n]
    return parts[n:]


def _split(x: str, delimiter: str) -> list:
    if delimiter:
        return x.split(delimiter)
    return list(x)


@builtin("substring", args=(STRING, NUMBER, NUMBER), result=STRING, categories=STRINGS)
def substring(value, offset, length):
    """Code points [offset, offset+length); a negative length means to the end."""
    start = _int_operand(offset, 2)
    length = _int_operand(length, 3)
    if start < 0:
        raise BuiltinError("negative offset")
    if length < 0:
        return value[start:]
    return value[start:start + length]


@builtin("trim", args=(STRING, STRING), result=STRING, categories=STRINGS)
def trim(value, cutset):
    """strings.Trim: strip leading and trailing code points found in `cutset`."""
    return value.strip(cutset) if cutset else value


@builtin("trim_left", args=(STRING, STRING), result=STRING, categories=STRINGS)
def trim_left(value, cutset):
    return value.lstrip(cutset) if cutset else value


@builtin("trim_right", args=(STRING, STRING), result=STRING, categories=STRINGS)
def trim_right(value, cutset):
    return value.rstrip(cutset) if cutset else value


@builtin("trim_prefix", args=(STRING, STRING), result=STRING, categories=STRINGS)
def trim_prefix(value, prefix):
    return value.removeprefix(prefix)


@builtin("trim_suffix", args=(STRING, STRING), result=STRING, categories=STRINGS)
def trim_suffix(value, suffix):
    return value.removesuffix(suffix)


# unicode.IsSpace: Python's str.isspace also counts U+001C..U+001F, Go does not.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@builtin("trim_space", args=(STRING,), result=STRING, categories=STRINGS)
def trim_space(value):
    """strings.TrimSpace: strip Unicode white space as Go's unicode.IsSpace defines it."""
    return value.strip(_GO_SPACE)


def _template_cost(template, variables) -> int:
    """Steps of parsing the template (a step per KiB); executing it charges its `range`s as they run."""
    return len(template) >> 10 if type(template) is str else 0


@builtin("strings.render_template", args=(STRING, object_of(STRING, ANY)), result=STRING, categories=STRINGS,
         cost=_template_cost, meters=True)
def strings_render_template(template, variables):
    """Go's text/template with option missingkey=error, on the variables as JSON (see `gotemplate`)."""
    try:
        return GoTemplate(template).execute(go_data(to_json(variables)))
    except TemplateError as err:
        raise BuiltinError(str(err)) from None


@builtin("internal.template_string", args=(array_of(ANY),), result=STRING)
def internal_template_string(parts):
    """A template string `$"a {x} b"`: its literal parts and embedded expressions, joined.

    Literal parts come as strings. Each embedded expression comes, as print()
    arguments do, as the set of its values: empty when undefined (rendered
    `<undefined>`), one value (a string as is, anything else as Rego text),
    more than one is an error. A bare non-string part is rendered as a
    single value would be.
    """
    out = []
    for part in parts:
        if type(part) is str:
            out.append(part)
        elif type(part) is RegoSet:
            n = len(part)
            if n == 0:
                out.append("<undefined>")
            elif n == 1:
                out.append(display_text(next(iter(part))))
            else:
                raise BuiltinError("template-strings must not produce multiple outputs")
        else:
            out.append(display_text(part))
    return "".join(out)


# --- helpers -----------------------------------------------------------------


def _element_error(position: int, collection, element) -> OperandError:
    """OPA's NewOperandElementErr: `must be array of strings but got array containing number`."""
    kind = "set" if type(collection) is RegoSet else "array"
    return OperandError(position, f"must be {kind} of strings but got {kind} containing {type_name(element)}")


def _string_list(value, position: int) -> list:
    if type(value) is str:
        return [value]
    items = value.sorted() if type(value) is RegoSet else value
    for x in items:
        if type(x) is not str:
            raise _element_error(position, value, x)
    return items


def _is_integral(n) -> bool:
    t = type(n)
    return t is int or (t is float and n.is_integer())


def _int_operand(n, position: int) -> int:
    """OPA's IntOperand: an integral number (integral floats accepted) fitting Go's int."""
    if type(n) is float or type(n) is Fraction:
        if type(n) is Fraction or not n.is_integer():
            raise OperandError(position, "must be integer number but got floating-point number")
        n = int(n)
    if not -(1 << 63) <= n < (1 << 63):
        raise OperandError(position, "must be integer number but got floating-point number")
    return n


@functools.lru_cache(maxsize=4096)
def _upper_char(c: str) -> str:
    u = c.upper()
    if len(u) == 1:
        return u
    # A special (multi-code-point) uppercase: the simple mapping, where one
    # exists, is the titlecase one (Greek with ypogegrammeni); else unchanged.
    t = c.title()
    return t if len(t) == 1 else c


@functools.lru_cache(maxsize=4096)
def _lower_char(c: str) -> str:
    low = c.lower()
    if len(low) == 1:
        return low
    return "i" if c == "\u0130" else c
