"""semver.is_valid and semver.compare: SemVer 2.0.0 exactly (cases from OPA's semver* fixtures)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import BuiltinError, OperandTypeError
from regolite.builtins.semver import parse_version
from regolite.errors import EVAL_BUILTIN_ERROR
from tests.builtin_helpers import call


@pytest.mark.parametrize(
    "version, valid",
    [
        # v1/semverisvalid
        ("01.2.3", False),
        ("1.02.3", False),
        ("1.2.03", False),
        ("1.2.3-01", False),
        ("1.2.3-alpha.01", False),
        ("1.2.3-", False),
        ("1.2.3+", False),
        ("0.0.0", True),
        ("1.2.3-0", True),
        ("1.2.3-0a", True),
        ("1.2.3+01", True),
        # semver.org
        ("1.0.0-alpha", True),
        ("1.0.0-alpha.1", True),
        ("1.0.0-0.3.7", True),
        ("1.0.0-x.7.z.92", True),
        ("1.0.0-x-y-z.--", True),
        ("1.0.0-alpha+001", True),
        ("1.0.0+20130313144700", True),
        ("1.0.0-beta+exp.sha.5114f85", True),
        ("1.0.0+21AF26D3----117B344092BD", True),
        ("99999999999999999999999.999999999999999999.99999999999999999", True),
        # not versions
        ("v1.2.3", False),
        ("1.2", False),
        ("1", False),
        ("1.2.3.4", False),
        ("", False),
        ("1.2.3-a..b", False),
        ("1.2.3-a+b+c", False),
        ("1.2.3+a_b", False),
        (" 1.2.3", False),
        ("1.2.3\n", False),
        ("١.٢.٣", False),  # non-ASCII digits
        ("1.2.-3", False),
        # other types are not versions (not a type error)
        (1, False),
        (None, False),
        (["1.2.3"], False),
    ],
)
def test_is_valid(version, valid):
    assert call("semver.is_valid", version) is valid


@pytest.mark.parametrize(
    "a, b, want",
    [
        # v1/semvercompare
        ("1.0.0", "2.0.0", -1),
        ("2.0.0", "1.0.0", 1),
        ("1.2.3-0", "1.2.3-1", -1),
        ("1.2.3+01", "1.2.3+2", 0),
        # more
        ("1.2.3", "1.2.3", 0),
        ("1.10.0", "1.9.0", 1),  # numerically, not as text
        ("1.0.0-alpha", "1.0.0", -1),
        ("1.0.0-2", "1.0.0-10", -1),
        ("1.0.0-99", "1.0.0-a", -1),  # numeric identifiers sort below alphanumeric ones
        ("1.0.0-a", "1.0.0-B", 1),  # ASCII order
        ("1.0.0-alpha.1", "1.0.0-alpha", 1),
        ("1.0.0-rc.1+build.1", "1.0.0-rc.1+build.2", 0),
    ],
)
def test_compare(a, b, want):
    assert call("semver.compare", a, b) == want
    assert call("semver.compare", b, a) == -want


def test_compare_follows_semver_org_precedence_list():
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ]
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            assert call("semver.compare", a, b) == (i > j) - (i < j), (a, b)


@pytest.mark.parametrize(
    "a, b, message",
    [
        ("1", "1.0.0", 'operand 1: string "1" is not a valid SemVer'),
        ("1.02.3", "1.2.3", 'operand 1: string "1.02.3" is not a valid SemVer'),
        ("1.2.3", "1.2.3-01", 'operand 2: string "1.2.3-01" is not a valid SemVer'),
        ("1.2.3-", "1.2.3", 'operand 1: string "1.2.3-" is not a valid SemVer'),
        ('v"1\n', "1.2.3", 'operand 1: string "v\\"1\\n" is not a valid SemVer'),  # Go's quoting
    ],
)
def test_compare_invalid(a, b, message):
    with pytest.raises(BuiltinError) as info:
        call("semver.compare", a, b)
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message == message
    assert info.value.at("semver.compare").message == f"semver.compare: {message}"


def test_compare_operand_types():
    with pytest.raises(OperandTypeError, match="operand 2 must be string but got number"):
        call("semver.compare", "1.0.0", 1)


_NUMBER = st.integers(0, 10**6)
_IDENT = st.one_of(_NUMBER.map(str), st.from_regex(r"[0-9]*[A-Za-z-][0-9A-Za-z-]*", fullmatch=True))


_BUILD = st.from_regex(r"[0-9A-Za-z-]+", fullmatch=True)


@given(_NUMBER, _NUMBER, _NUMBER, st.lists(_IDENT, max_size=3), st.lists(_BUILD, max_size=2))
def test_formatted_versions_parse_back(major, minor, patch, pre, build):
    text = f"{major}.{minor}.{patch}"
    if pre:
        text += "-" + ".".join(pre)
    if build:
        text += "+" + ".".join(build)
    version = parse_version(text)
    assert version is not None
    assert (version.major, version.minor, version.patch) == (major, minor, patch)
    assert version.prerelease == tuple(pre) and version.build == tuple(build)
    assert call("semver.compare", text, text) == 0


@given(st.tuples(_NUMBER, _NUMBER, _NUMBER), st.tuples(_NUMBER, _NUMBER, _NUMBER))
def test_compare_agrees_with_tuple_order(a, b):
    got = call("semver.compare", "%d.%d.%d" % a, "%d.%d.%d" % b)
    assert got == (a > b) - (a < b)
