"""Array builtins: array.concat, array.slice, array.reverse, array.flatten.

Results are new lists; operands are never modified (values may be shared).
"""

from __future__ import annotations

from regolite.builtins import OperandTypeError, builtin
from regolite.builtins.numbers import int_operand
from regolite.builtins.signature import ANY, NUMBER, array_of

ARRAY = ("array",)

_ARRAY = array_of(ANY)


@builtin("array.concat", args=(_ARRAY, _ARRAY), result=_ARRAY, categories=ARRAY)
def array_concat(a, b):
    return a + b


@builtin("array.slice", args=(_ARRAY, NUMBER, NUMBER), result=_ARRAY, categories=ARRAY, check_args=False)
def array_slice(arr, start, stop):
    """`arr[start:stop]` with OPA's clamping: negative indexes are 0, stop past the end is the end,
    and a start past stop gives an empty array (no Python-style negative indexing)."""
    if type(arr) is not list:
        raise OperandTypeError(1, "array", arr)
    start = int_operand(start, 2)
    stop = int_operand(stop, 3)
    stop = max(0, min(stop, len(arr)))
    start = max(0, min(start, stop))
    return arr[start:stop]


@builtin("array.reverse", args=(_ARRAY,), result=_ARRAY, categories=ARRAY)
def array_reverse(arr):
    return arr[::-1]


@builtin("array.flatten", args=(_ARRAY,), result=_ARRAY, categories=ARRAY)
def array_flatten(arr):
    """Splices nested arrays one level deep; other elements are kept as they are."""
    out = []
    for x in arr:
        if type(x) is list:
            out.extend(x)
        else:
            out.append(x)
    return out
