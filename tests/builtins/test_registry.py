import json

import pytest

import regolite.builtins as registry
from regolite.ast import Location
from regolite.builtins import (
    REGISTRY,
    BuiltinError,
    OperandError,
    OperandTypeError,
    builtin,
    capabilities,
    get,
    register,
)
from regolite.builtins.signature import (
    ANY,
    BOOLEAN,
    NULL,
    NUMBER,
    STRING,
    array_of,
    array_tuple,
    object_of,
    object_static,
    one_of,
    set_of,
    type_from_json,
)
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR, RegoEvalError
from regolite.values import UNDEFINED, RegoSet
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def opa_capabilities():
    with open(require_shared("opa", "capabilities-v1.19.0.json")) as f:
        return json.load(f)


@pytest.fixture
def scratch_names():
    """Names registered by a test, removed afterwards."""
    names = []
    yield names
    for name in names:
        REGISTRY.pop(name, None)


# --- declarations against OPA ----------------------------------------------------


def test_declarations_match_opa(opa_capabilities):
    opa = {b["name"]: b for b in opa_capabilities["builtins"]}
    unknown = sorted(set(REGISTRY) - set(opa))
    assert not unknown, f"builtins not in OPA v1.19: {unknown}"
    for name, entry in REGISTRY.items():
        assert entry.to_json() == opa[name], name


def test_every_opa_type_round_trips(opa_capabilities):
    for b in opa_capabilities["builtins"]:
        decl = b["decl"]
        for t in [*decl.get("args", ()), decl.get("result"), decl.get("variadic")]:
            if t is not None:
                assert type_from_json(t).to_json() == t, b["name"]


def test_capabilities_shape():
    caps = capabilities()
    assert set(caps) == {"builtins", "future_keywords", "features", "wasm_abi_versions"}
    names = [b["name"] for b in caps["builtins"]]
    assert names == sorted(names) == sorted(REGISTRY)
    assert caps["wasm_abi_versions"] == []


def test_capabilities_features_match_opa(opa_capabilities):
    caps = capabilities()
    assert caps["future_keywords"] == opa_capabilities["future_keywords"]
    assert caps["features"] == opa_capabilities["features"]


# --- signature types -------------------------------------------------------------


def test_type_json_shapes():
    assert ANY.to_json() == {"type": "any"}
    assert array_of(STRING).to_json() == {"type": "array", "dynamic": {"type": "string"}}
    assert array_tuple(NUMBER, ANY).to_json() == {"type": "array", "static": [{"type": "number"}, {"type": "any"}]}
    assert set_of(ANY).to_json() == {"type": "set", "of": {"type": "any"}}
    assert object_of(STRING, ANY).to_json() == {
        "type": "object",
        "dynamic": {"key": {"type": "string"}, "value": {"type": "any"}},
    }
    assert object_static({"path": ANY, "op": STRING}, dynamic=(ANY, ANY)).to_json() == {
        "type": "object",
        "static": [{"key": "op", "value": {"type": "string"}}, {"key": "path", "value": {"type": "any"}}],
        "dynamic": {"key": {"type": "any"}, "value": {"type": "any"}},
    }
    # unions are written in OPA's type order whatever order they were declared in
    assert one_of(set_of(ANY), STRING).to_json() == {
        "type": "any",
        "of": [{"type": "string"}, {"type": "set", "of": {"type": "any"}}],
    }


def test_type_checks_are_shallow_and_keep_true_apart_from_numbers():
    assert STRING.check("a") and not STRING.check(1)
    assert NUMBER.check(1) and NUMBER.check(1.5) and not NUMBER.check(True)
    assert BOOLEAN.check(False) and not BOOLEAN.check(0)
    assert NULL.check(None) and not NULL.check(0)
    assert array_of(STRING).check([1]) and not array_of(ANY).check(RegoSet())
    assert set_of(ANY).check(RegoSet()) and object_of(ANY, ANY).check({})
    assert ANY.check(object())
    assert one_of(STRING, set_of(ANY)).check(RegoSet()) and not one_of(STRING, set_of(ANY)).check([])


def test_describe():
    assert STRING.describe() == "string"
    assert array_of(NUMBER).describe() == "array"
    assert object_of(STRING, ANY).describe() == "object"
    assert ANY.describe() == "any"
    assert one_of(array_of(ANY), set_of(ANY)).describe() == "one of {array, set}"
    # OPA names union members in each builtin's own order; duplicates collapse
    assert one_of(object_of(ANY, ANY), set_of(ANY), array_of(ANY)).describe() == "one of {object, set, array}"
    assert one_of(array_of(STRING), array_of(ANY), set_of(STRING)).describe() == "one of {array, set}"


# --- errors ----------------------------------------------------------------------


def test_operand_type_error_message():
    err = OperandTypeError(1, "string", 5)
    assert (err.code, err.message) == (EVAL_TYPE_ERROR, "operand 1 must be string but got number")
    assert OperandTypeError(2, ("object", "set", "array"), None).message == (
        "operand 2 must be one of {object, set, array} but got null"
    )
    assert OperandTypeError(1, ["set"], RegoSet()).message == "operand 1 must be set but got set"


def test_operand_error_and_builtin_error():
    err = OperandError(3, "non-string key found in pattern object")
    assert (err.code, err.message) == (EVAL_TYPE_ERROR, "operand 3 non-string key found in pattern object")
    err = BuiltinError("divide by zero")
    assert (err.code, err.message) == (EVAL_BUILTIN_ERROR, "divide by zero")
    assert isinstance(err, RegoEvalError)


def test_error_at_call_site():
    err = OperandTypeError(1, "string", 1).at("upper", Location("p.rego", 4, 9))
    assert type(err) is RegoEvalError
    assert str(err) == "p.rego:4: eval_type_error: upper: operand 1 must be string but got number"
    assert str(BuiltinError("divide by zero").at("div")) == "eval_builtin_error: div: divide by zero"


# --- registration ----------------------------------------------------------------


def test_generated_checks(scratch_names):
    def join(sep, items):
        return sep.join(items)

    scratch_names.append("test.join")
    entry = register("test.join", join, args=(STRING, one_of(array_of(STRING), set_of(STRING))), result=STRING)
    assert entry.function("-", ["a", "b"]) == "a-b"
    assert entry.function.__wrapped__ is join and entry.unchecked is join
    with pytest.raises(OperandTypeError) as info:
        entry.function(1, ["a"])
    assert info.value.message == "operand 1 must be string but got number"
    assert info.value.position == 1
    with pytest.raises(OperandTypeError, match=r"operand 2 must be one of \{array, set\} but got object"):
        entry.function("-", {})
    with pytest.raises(OperandTypeError, match="operand 1 must be string but got boolean"):
        entry.function(True, [])


def test_any_operands_are_not_wrapped(scratch_names):
    def first(a, b):
        return a

    scratch_names.append("test.first")
    assert register("test.first", first, args=(ANY, ANY), result=ANY).function is first
    scratch_names.append("test.unchecked")
    assert register("test.unchecked", first, args=(STRING, STRING), result=ANY, check_args=False).function is first


def test_variadic_checks(scratch_names):
    def total(*xs):
        return sum(xs)

    scratch_names.append("test.total")
    entry = register("test.total", total, args=(), result=NUMBER, variadic=NUMBER)
    assert entry.function(1, 2, 3) == 6
    assert entry.function() == 0
    with pytest.raises(OperandTypeError, match="operand 3 must be number but got string"):
        entry.function(1, 2, "x")
    assert entry.to_json()["decl"] == {"type": "function", "result": {"type": "number"}, "variadic": {"type": "number"}}


def test_custom_builtin(scratch_names):
    scratch_names.append("acme.double")

    @builtin("acme.double", args=(NUMBER,), result=NUMBER, categories=("acme",))
    def acme_double(x):
        return x * 2 if x < 100 else UNDEFINED

    assert acme_double(2) == 4  # the decorator returns the function unchanged
    entry = get("acme.double")
    assert entry.name == "acme.double" and entry.categories == ("acme",)
    assert entry.function(21) == 42
    assert entry.function(100) is UNDEFINED
    with pytest.raises(OperandTypeError):
        entry.function("21")
    assert {"name": "acme.double", "decl": {"type": "function", "args": [{"type": "number"}],
                                            "result": {"type": "number"}}} in capabilities()["builtins"]
    with pytest.raises(ValueError, match="already registered"):
        register("acme.double", acme_double, args=(NUMBER,), result=NUMBER)
    replaced = register("acme.double", lambda x: x, args=(NUMBER,), result=NUMBER, replace=True)
    assert get("acme.double") is replaced


def test_flags_in_capabilities(scratch_names):
    scratch_names.append("test.rel")
    entry = register(
        "test.rel", lambda x: [x], args=(ANY,), result=array_of(ANY), relation=True, nondeterministic=True,
        deprecated=True, infix="~",
    )
    assert entry.to_json() == {
        "name": "test.rel",
        "decl": {
            "type": "function",
            "args": [{"type": "any"}],
            "result": {"type": "array", "dynamic": {"type": "any"}},
        },
        "infix": "~",
        "relation": True,
        "nondeterministic": True,
        "deprecated": True,
    }


def test_get_unknown():
    assert get("no.such.builtin") is None


def test_missing_family_is_skipped(monkeypatch):
    monkeypatch.setattr(registry, "FAMILIES", ("types", "no_such_family_yet"))
    registry._load_families()
