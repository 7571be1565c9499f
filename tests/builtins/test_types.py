import pytest

from regolite.builtins import REGISTRY, BuiltinError, OperandTypeError
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR
from regolite.values import RegoSet
from tests.builtin_helpers import call


SAMPLES = {
    "null": None,
    "boolean": False,
    "number": 1,
    "string": "s",
    "array": [1],
    "object": {"a": 1},
    "set": RegoSet([1]),
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_predicates_answer_true_or_false(kind):
    for other, value in SAMPLES.items():
        assert call(f"is_{kind}", value) is (other == kind)


def test_is_number_is_false_for_booleans_and_true_for_floats():
    assert call("is_number", True) is False
    assert call("is_number", 1.5) is True
    assert call("is_boolean", 0) is False


def test_exact_decimals_are_numbers():
    # literals a float cannot carry (1e-400, 20 significant digits) are kept as fractions
    import regolite

    p = regolite.compile({"a.rego": "package a\nx := is_number(1e-400)\ny := is_number(0.1234567890123456789)\n"})
    assert p.eval_rule("data.a.x") is True
    assert p.eval_rule("data.a.y") is True


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_type_name(kind):
    assert call("type_name", SAMPLES[kind]) == kind


def test_cast_array():
    xs = [3, 1]
    assert call("cast_array", xs) is xs
    assert call("cast_array", RegoSet([3, 1, 2])) == [1, 2, 3]
    with pytest.raises(OperandTypeError) as info:
        call("cast_array", "hello")
    assert info.value.message == "operand 1 must be one of {array, set} but got string"


def test_cast_set():
    assert call("cast_set", [1, 1, True]) == RegoSet([1, True])
    s = RegoSet([1])
    assert call("cast_set", s) is s
    with pytest.raises(OperandTypeError, match=r"must be one of \{array, set\} but got object"):
        call("cast_set", {})


@pytest.mark.parametrize(
    "name, good, bad, expected",
    [
        ("cast_boolean", True, 1, "boolean"),
        ("cast_null", None, 0, "null"),
        ("cast_object", {"a": 1}, [], "object"),
        ("cast_string", "x", 1, "string"),
    ],
)
def test_scalar_casts(name, good, bad, expected):
    assert call(name, good) == good
    with pytest.raises(OperandTypeError, match=f"operand 1 must be {expected} but got"):
        call(name, bad)


@pytest.mark.parametrize(
    "text, want",
    [
        ("3", 3),
        ("-12", -12),
        ("+7", 7),
        ("007", 7),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("1.5", 1.5),
        ("-0.25", -0.25),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e3", 1000.0),
        ("2E-2", 0.02),
        ("0x1p4", 16.0),
    ],
)
def test_to_number_parses_strings(text, want):
    got = call("to_number", text)
    assert got == want and type(got) is type(want)


def test_to_number_other_types():
    assert call("to_number", True) == 1 and call("to_number", False) == 0
    assert call("to_number", None) == 0
    assert call("to_number", 2.5) == 2.5
    with pytest.raises(OperandTypeError) as info:
        call("to_number", [])
    assert info.value.message == "operand 1 must be one of {null, boolean, number, string} but got array"


@pytest.mark.parametrize("text", ["broken", "", " 1", "1 ", "1_000", "0x10", "1e", ".", "--1", "١"])
def test_to_number_invalid_syntax(text):
    with pytest.raises(BuiltinError) as info:
        call("to_number", text)
    assert info.value.code == EVAL_BUILTIN_ERROR
    assert info.value.message.endswith("invalid syntax")


def test_to_number_out_of_range():
    with pytest.raises(BuiltinError, match='parsing "1e400": value out of range'):
        call("to_number", "1e400")
    with pytest.raises(BuiltinError, match="value out of range"):
        call("to_number", "9" * 400)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "Infinity", "-Infinity", "-nan", "-NaN", "iNf", "+inf"])
def test_to_number_rejects_non_finite(text):
    with pytest.raises(OperandTypeError) as info:
        call("to_number", text)
    assert info.value.code == EVAL_TYPE_ERROR
    assert info.value.message == "operand 1 must be valid number string but got string"


def test_cast_builtins_are_deprecated():
    assert all(REGISTRY[n].deprecated for n in REGISTRY if n.startswith("cast_"))
    assert not REGISTRY["to_number"].deprecated
