"""The builtin registry: each builtin declared once, with OPA's name and types.

A family module (`types`, `strings`, ...) declares its builtins with
`@builtin`, which records a `Builtin` in `REGISTRY` at import time. An
implementation is a plain function of the operands' Rego values (see
`regolite.values`) returning a Rego value or `UNDEFINED`; a relation returns
an iterable of results. It raises `BuiltinError` when it fails and
`OperandError`/`OperandTypeError` for a bad operand, without naming itself:
the evaluator adds "<name>: " and the location (`BuiltinError.at`).

When `check_args` is set, the registered `function` is the implementation
behind a generated check of each operand's top-level type against the
declaration, so implementations need not repeat it.

A builtin whose work can far outgrow one step (numbers.range, a template
with a `range`, a quadratic patch) declares a `cost`: the evaluator charges
`cost(*args)` steps to the query's step budget before the call; one that
`meters` charges more while it runs with `charge_steps`, for work it cannot
know in advance. Builtins without a cost are called directly.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from regolite.builtins.signature import Type
from regolite.errors import EVAL_BUILTIN_ERROR, EVAL_TYPE_ERROR, RegoEvalError
from regolite.values import type_name

# Capabilities entries besides builtins, as OPA v1.19 reports them.
FUTURE_KEYWORDS = ("not",)
FEATURES = ("keywords_in_refs", "rego_v1", "template_strings")


@dataclass(frozen=True, slots=True)
class Builtin:
    """A declared builtin. `function` is what the evaluator calls; `unchecked` skips the operand checks."""

    name: str
    args: tuple[Type, ...]
    result: Type | None
    function: Callable[..., Any]
    unchecked: Callable[..., Any]
    categories: tuple[str, ...] = ()
    nondeterministic: bool = False
    variadic: Type | None = None
    infix: str | None = None
    relation: bool = False
    deprecated: bool = False
    reads_clock: bool = False  # depends on the time of the call: never kept across queries, whatever OPA says
    cost: Callable[..., int] | None = None  # steps a call takes, charged to the step budget before it runs
    meters: bool = False  # charges more steps as it runs (charge_steps)

    @property
    def repeatable(self) -> bool:
        """Do equal operands give equal results in every query?"""
        return not (self.nondeterministic or self.reads_clock)

    def to_json(self) -> dict:
        """This builtin's entry in OPA's capabilities JSON."""
        decl: dict = {"type": "function"}
        if self.args:
            decl["args"] = [t.to_json() for t in self.args]
        if self.result is not None:
            decl["result"] = self.result.to_json()
        if self.variadic is not None:
            decl["variadic"] = self.variadic.to_json()
        out: dict = {"name": self.name, "decl": decl}
        if self.infix:
            out["infix"] = self.infix
        if self.relation:
            out["relation"] = True
        if self.nondeterministic:
            out["nondeterministic"] = True
        if self.deprecated:
            out["deprecated"] = True
        return out


class BuiltinError(RegoEvalError):
    """A builtin failed (eval_builtin_error). The message does not name the builtin."""

    def __init__(self, message: str, code: str = EVAL_BUILTIN_ERROR) -> None:
        super().__init__(code, message)

    def at(self, name: str, location: Any = None) -> RegoEvalError:
        """The error as the user sees it: `<name>: <message>` at the call's location."""
        return RegoEvalError(self.code, f"{name}: {self.message}", location)


class OperandError(BuiltinError):
    """A bad operand (eval_type_error): `operand <position> <message>`."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(f"operand {position} {message}", EVAL_TYPE_ERROR)
        self.position = position


class OperandTypeError(OperandError):
    """An operand of the wrong type: `operand 1 must be string but got number`.

    `expected` is a type description, or a sequence of type names that is
    printed as OPA does: `one of {array, set}`.
    """

    def __init__(self, position: int, expected: str | Iterable[str], got: Any) -> None:
        if not isinstance(expected, str):
            names = list(expected)
            expected = names[0] if len(names) == 1 else "one of {" + ", ".join(names) + "}"
        try:
            got_name = type_name(got)
        except TypeError:
            got_name = type(got).__name__
        super().__init__(position, f"must be {expected} but got {got_name}")
        self.expected = expected
        self.got = got


REGISTRY: dict[str, Builtin] = {}

# The step budget of the query whose metering builtin is running (see `charge_steps`).
RUNNING_BUDGET: contextvars.ContextVar = contextvars.ContextVar("regolite_running_budget", default=None)


def charge_steps(steps: int) -> None:
    """Charge `steps` to the budget of the query running this builtin (one that
    `meters`); raises eval_step_limit_error past it. Outside a query: nothing."""
    budget = RUNNING_BUDGET.get()
    if budget is not None:
        budget.charge(steps)


def builtin(
    name: str,
    *,
    args: Iterable[Type],
    result: Type | None,
    categories: Iterable[str] = (),
    nondeterministic: bool = False,
    infix: str | None = None,
    relation: bool = False,
    variadic: Type | None = None,
    deprecated: bool = False,
    check_args: bool = True,
    reads_clock: bool = False,
    cost: Callable[..., int] | None = None,
    meters: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the builtin `name`; the function is returned unchanged."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        register(
            name,
            fn,
            args=args,
            result=result,
            categories=categories,
            nondeterministic=nondeterministic,
            infix=infix,
            relation=relation,
            variadic=variadic,
            deprecated=deprecated,
            check_args=check_args,
            reads_clock=reads_clock,
            cost=cost,
            meters=meters,
        )
        return fn

    return decorate


def register(
    name: str,
    fn: Callable[..., Any],
    *,
    args: Iterable[Type],
    result: Type | None,
    categories: Iterable[str] = (),
    nondeterministic: bool = False,
    infix: str | None = None,
    relation: bool = False,
    variadic: Type | None = None,
    deprecated: bool = False,
    check_args: bool = True,
    replace: bool = False,
    reads_clock: bool = False,
    cost: Callable[..., int] | None = None,
    meters: bool = False,
) -> Builtin:
    """Register `fn` as the builtin `name` (also for embedders' custom builtins).

    Registering a name twice is an error unless `replace` is set.
    `reads_clock` marks a builtin whose result depends on when it is called
    (certificate validity): the compiler then never keeps its results, or
    those of functions calling it, across queries, whether or not OPA's
    capabilities call it nondeterministic.
    `cost(*args)`, for builtins whose work can be far larger than their
    operands (numbers.range), gives the steps a call takes: about one per
    element made or visited, one per KiB of text made (0 when the operands
    are invalid: it runs before they are checked). It is charged to the
    query's step budget before the call. With `meters` set (and a cost), the
    builtin also charges steps as it runs, with `charge_steps`.
    """
    if name in REGISTRY and not replace:
        raise ValueError(f"builtin {name!r} is already registered")
    args = tuple(args)
    entry = Builtin(
        name=name,
        args=args,
        result=result,
        function=_with_operand_checks(name, fn, args, variadic) if check_args else fn,
        unchecked=fn,
        categories=tuple(categories),
        nondeterministic=nondeterministic,
        variadic=variadic,
        infix=infix,
        relation=relation,
        deprecated=deprecated,
        reads_clock=reads_clock,
        cost=cost,
        meters=meters,
    )
    REGISTRY[name] = entry
    return entry


def get(name: str) -> Builtin | None:
    """The builtin registered as `name`, or None."""
    return REGISTRY.get(name)


def capabilities() -> dict:
    """OPA's capabilities JSON structure, built from the registry."""
    return {
        "builtins": [REGISTRY[name].to_json() for name in sorted(REGISTRY)],
        "future_keywords": list(FUTURE_KEYWORDS),
        "features": list(FEATURES),
        "wasm_abi_versions": [],
    }


def _with_operand_checks(
    name: str, fn: Callable[..., Any], args: tuple[Type, ...], variadic: Type | None
) -> Callable[..., Any]:
    """`fn` behind generated operand type checks, or `fn` itself when nothing needs checking.

    The wrapper is compiled from source built of manufactured names only
    (a1.., T1.., E1..), so a passing call costs one type test per checked
    operand and allocates nothing.
    """
    namespace: dict[str, Any] = {"fn": fn, "fail": OperandTypeError, "type": type}
    params = [f"a{i}" for i in range(1, len(args) + 1)]
    body = []
    for i, t in enumerate(args, 1):
        test = _failing_test(t, f"a{i}", namespace, f"T{i}")
        if test:
            namespace[f"E{i}"] = t.describe()
            body += [f"    if {test}:", f"        raise fail({i}, E{i}, a{i})"]
    if variadic is not None:
        params.append("*rest")
        test = _failing_test(variadic, "v", namespace, "TV")
        if test:
            namespace["EV"] = variadic.describe()
            body += [
                f"    for i, v in enumerate(rest, {len(args) + 1}):",
                f"        if {test}:",
                "            raise fail(i, EV, v)",
            ]
    if not body:
        return fn
    source = "\n".join([f"def checked({', '.join(params)}):", *body, f"    return fn({', '.join(params)})"])
    exec(compile(source, f"<operand checks: {name}>", "exec"), namespace)
    return functools.update_wrapper(namespace["checked"], fn)


def _failing_test(t: Type, var: str, namespace: dict[str, Any], slot: str) -> str | None:
    accepted = t.python_types
    if accepted is None:
        return None
    if len(accepted) == 1:
        (namespace[slot],) = accepted
        return f"type({var}) is not {slot}"
    namespace[slot] = accepted
    return f"type({var}) not in {slot}"


# Family modules register their builtins when imported. A family listed
# before its module exists is skipped, so adding one is a one-line change.
FAMILIES = (
    "comparison",
    "tracing",
    "types",
    "numbers",
    "aggregates",
    "arrays",
    "sets",
    "objects",
    "jsonpatch",
    "strings",
    "sprintf",
    "regex",
    "glob",
    "units",
    "semver",
    "net",
    "encoding",
    "crypto",
    "uuid",
    "time",
    "graph",
    "uri",
    "graphql",
    "rego_meta",
    "jwt",
    "x509",
)


def _load_families() -> None:
    for family in FAMILIES:
        module = f"{__name__}.{family}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_load_families()
