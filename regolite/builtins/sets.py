"""Set builtins over sets of sets (intersection, union) and the deprecated set_diff.

The binary operators `&` (`and`), `|` (`or`) and `-` (`minus`) are declared
with the number operators in `numbers.py`, as OPA does.
"""

from __future__ import annotations

from regolite.builtins import OperandTypeError, builtin
from regolite.builtins.signature import ANY, set_of
from regolite.values import RegoSet

SETS = ("sets",)

_SET = set_of(ANY)


@builtin("intersection", args=(set_of(_SET),), result=_SET, categories=SETS)
def intersection(sets):
    """The elements common to every set; the empty set when there are no sets."""
    result = None
    for s in _member_sets(sets):
        result = s if result is None else result.intersection(s)
    return RegoSet() if result is None else result


@builtin("union", args=(set_of(_SET),), result=_SET, categories=SETS)
def union(sets):
    """The elements of any of the sets."""
    result = RegoSet()
    for s in _member_sets(sets):
        result = result.union(s)
    return result


@builtin("set_diff", args=(_SET, _SET), result=_SET, categories=SETS, deprecated=True)
def set_diff(a, b):
    return a.difference(b)


def _member_sets(sets: RegoSet):
    for s in sets:
        if type(s) is not RegoSet:
            raise OperandTypeError(1, "set", s)
        yield s
