"""SemVer builtins: semver.is_valid and semver.compare, by SemVer 2.0.0 exactly.

A version is MAJOR.MINOR.PATCH, numbers without leading zeros, optionally
followed by `-` and dot-separated pre-release identifiers (numeric ones
without leading zeros) and by `+` and dot-separated build identifiers; no
leading "v", no empty identifiers. Precedence (https://semver.org/#spec-item-11):
numbers numerically, then a version without pre-release above one with it,
then pre-release identifiers left to right (numeric ones numerically and
below alphanumeric ones, which compare in ASCII order; more identifiers win
a tie). Build metadata is ignored.
"""

from __future__ import annotations

from typing import NamedTuple

from regolite.builtins import BuiltinError, builtin
from regolite.builtins.gostrconv import go_quote
from regolite.builtins.signature import ANY, BOOLEAN, NUMBER, STRING

SEMVER = ("semver",)

_ALPHANUMERIC = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")
_DIGITS = frozenset("0123456789")


class Version(NamedTuple):
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]
    build: tuple[str, ...]


@builtin("semver.is_valid", args=(ANY,), result=BOOLEAN, categories=SEMVER)
def semver_is_valid(vsn):
    """Whether `vsn` is a string holding a SemVer 2.0.0 version (false for other types)."""
    return type(vsn) is str and parse_version(vsn) is not None


@builtin("semver.compare", args=(STRING, STRING), result=NUMBER, categories=SEMVER)
def semver_compare(a, b):
    """-1, 0 or 1 as version `a` has lower, equal or higher precedence than `b`."""
    va = _version_operand(a, 1)
    vb = _version_operand(b, 2)
    return compare_versions(va, vb)


def parse_version(text: str) -> Version | None:
    """The parts of a SemVer 2.0.0 version, or None when `text` is not one."""
    rest, plus, build_text = text.partition("+")
    build: tuple[str, ...] = ()
    if plus:
        build = tuple(build_text.split("."))
        if not all(_is_identifier(part) for part in build):
            return None
    core, dash, pre_text = rest.partition("-")
    prerelease: tuple[str, ...] = ()
    if dash:
        prerelease = tuple(pre_text.split("."))
        for part in prerelease:
            if not _is_identifier(part) or (_is_numeric(part) and len(part) > 1 and part[0] == "0"):
                return None
    numbers = core.split(".")
    if len(numbers) != 3:
        return None
    for part in numbers:
        if not _is_numeric(part) or (len(part) > 1 and part[0] == "0"):
            return None
    major, minor, patch = (int(part) for part in numbers)
    return Version(major, minor, patch, prerelease, build)


def compare_versions(a: Version, b: Version) -> int:
    """-1, 0 or 1 by SemVer precedence (build metadata ignored)."""
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    if not a.prerelease or not b.prerelease:
        return (not a.prerelease) - (not b.prerelease)
    for x, y in zip(a.prerelease, b.prerelease):
        if x == y:
            continue
        x_numeric, y_numeric = _is_numeric(x), _is_numeric(y)
        if x_numeric and y_numeric:
            return -1 if int(x) < int(y) else 1
        if x_numeric != y_numeric:
            return -1 if x_numeric else 1
        return -1 if x < y else 1
    return (len(a.prerelease) > len(b.prerelease)) - (len(a.prerelease) < len(b.prerelease))


def _version_operand(text: str, position: int) -> Version:
    version = parse_version(text)
    if version is None:
        raise BuiltinError(f"operand {position}: string {go_quote(text)} is not a valid SemVer")
    return version


def _is_identifier(part: str) -> bool:
    return part != "" and all(ch in _ALPHANUMERIC for ch in part)


def _is_numeric(part: str) -> bool:
    return part != "" and all(ch in _DIGITS for ch in part)


