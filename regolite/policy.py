"""The embedding API: `compile()` modules once, then `query()` / `eval_rule()` many times."""

from __future__ import annotations

import threading
from typing import Any, Mapping, Optional, Union

from regolite import ast
from regolite import compiler, runtime
from regolite.cache import cache_key
from regolite.compiler import Artifact, RuleTree
from regolite.compiler.artifact import POLICY_FILE, QUERY_FILE
from regolite.errors import COMPILE_ERROR, EVAL_INTERNAL_ERROR, RegoCompileError, RegoError, RegoEvalError, RegoParseError
from regolite.parser import parse_module, parse_query
from regolite.runtime import Budget, Context, deadline
from regolite.builtins import REGISTRY
from regolite.values import UNDEFINED, from_json, to_json

_ABSENT = object()


class Policy:
    """Compiled Rego modules with their base data; safe to share across threads.

    Built from an `Artifact` (see `regolite.compiler`). The rule tree behind
    it, needed only to compile ad-hoc queries, comes with the artifact or is
    rebuilt on first use from `modules_factory` (after a compile-cache hit
    nothing was parsed).
    """

    def __init__(self, artifact: Artifact, data: Any, rego_version: str, *, modules_factory=None) -> None:
        self.artifact = artifact
        self.rego_version = rego_version
        self._data = data
        self._modules_factory = modules_factory
        self._tree: Optional[RuleTree] = artifact.tree
        self._namespace = runtime.load(artifact)
        self._queries: dict[str, _CompiledQuery] = {}
        self._rule_functions: dict = {}
        self._lock = threading.RLock()

    @property
    def source(self) -> str:
        """The generated Python source (`regolite compile --show-python`)."""
        return self.artifact.source

    # --- queries ------------------------------------------------------------------

    def query(self, query: str, *, input: Any = _ABSENT, strict_builtin_errors: bool = False, print_to=None,
              timeout: Optional[float] = None, max_steps: Optional[int] = None) -> list:
        """Evaluate a query; the result set as `opa eval` reports it.

        A list of `{"expressions": [...], "bindings": {...}}`, values made
        JSON-compatible (sets become arrays in OPA's order). `input` is the
        caller's JSON-shaped data, used as it is (see `_context`; a document of
        dict or list subclasses, or a tuple, is converted first). With
        `timeout` (seconds), an evaluation running longer stops with
        RegoEvalError(eval_cancel_error); with `max_steps`, one that would
        iterate more than that many times in all its loops, comprehensions
        and `walk`s stops with RegoEvalError(eval_step_limit_error).
        """
        compiled = self._compiled_query(query)
        ctx = self._context(input, strict_builtin_errors, print_to, max_steps)
        results = []
        try:
            with deadline(timeout):
                for values, bindings in compiled.run(ctx):
                    results.append({
                        "expressions": [to_json(v) for v in values],
                        "bindings": {k: to_json(v) for k, v in bindings.items()},
                    })
        except RecursionError:
            raise _too_deep() from None
        except TypeError as e:
            raise self._not_json(e, compiled.artifact) from None
        return results

    def eval_rule(self, path: str, *, input: Any = _ABSENT, strict_builtin_errors: bool = False,
                  data: Any = _ABSENT, timeout: Optional[float] = None, max_steps: Optional[int] = None) -> Any:
        """The value of `path` (e.g. "data.pkg.rule"), or `regolite.UNDEFINED`.

        `data`, when given, is the base document for this evaluation only
        (in place of the data the policy was compiled with), e.g. an inventory.
        `timeout` and `max_steps` as for `query`.
        """
        ctx = self._context(input, strict_builtin_errors, None, max_steps)
        if data is not _ABSENT:
            ctx.data = from_json(data)
        with deadline(timeout):
            return self._value_of(path, ctx)

    def eval_prepared(self, path: str, input: Any, data: Any, *, budget: Optional[Budget] = None,
                      frozen: Optional[dict] = None) -> Any:
        """`eval_rule` for input and data that are already Rego values (checked
        or converted once by the caller with `regolite.values.from_json`, e.g.
        once per review): no conversion, no deadline of its own (the caller's
        `regolite.runtime.deadline` applies). `budget` (a `regolite.runtime.Budget`)
        and `frozen` (an empty dict to start with: set keys frozen by identity)
        may be shared by several evaluations of the same values, as a review's
        constraints share them."""
        return self._value_of(path, Context(input, data, False, None, budget, frozen))

    def eval_term(self, text: str) -> Any:
        """The Rego value (sets and all, not JSON) of a term's text, e.g. an
        input written in Rego (`{"a", "b"}`); UNDEFINED if it has none."""
        for values, _ in self._compiled_query(text).run(self._context(_ABSENT, False, None)):
            return values[0]
        return UNDEFINED

    def query_artifact(self, query: str) -> Artifact:
        """What a query compiles to (its source, constants and builtins), for
        inspection: `query()` compiles each query text once and keeps it."""
        return self._compiled_query(query).artifact

    def _value_of(self, path: str, ctx: Context) -> Any:
        direct = self._rule_functions.get(path, _ABSENT)
        if direct is _ABSENT:
            direct = self._rule_functions[path] = self._direct_function(path)
        compiled = None
        try:
            if direct is not None:  # a rule or package: call its function, no query around it
                value = direct(ctx)
                return UNDEFINED if value is UNDEFINED else to_json(value)
            compiled = self._compiled_query(path)
            for values, _ in compiled.run(ctx):
                return to_json(values[0])
            return UNDEFINED
        except RecursionError:
            raise _too_deep() from None
        except TypeError as e:
            raise self._not_json(e, compiled.artifact if compiled is not None else None) from None

    def _direct_function(self, path: str):
        """The generated function computing `path` exactly (data.pkg.rule or data.pkg), if any."""
        name = self.artifact.functions.get(path)
        return self._namespace.get(name) if name else None

    def _context(self, input: Any, strict: bool, print_to, max_steps: Optional[int] = None) -> Context:
        # The caller's input is used as it is: never copied, converted or walked.
        # It must be JSON-shaped (dict, list, str, int, float, bool, None); other
        # Python types read as opaque scalars. `regolite.values.from_json` checks
        # and normalises data of other shapes (tuples, non-str keys) beforehand.
        # One exception costs a type test: a whole document of dict or list
        # subclasses (json's object_pairs_hook=OrderedDict, ruamel's CommentedMap)
        # or a tuple is converted here, since generated code tests exact types and
        # would read it as no object at all.
        budget = None if max_steps is None else Budget(max_steps)
        if input is _ABSENT:
            input = UNDEFINED
        else:
            t = type(input)
            if t is not dict and t is not list and isinstance(input, (dict, list, tuple)):
                input = _plain_input(input)
        return Context(input, self._data, strict, print_to, budget)

    def _rule_tree(self) -> RuleTree:
        if self._tree is None:
            with self._lock:
                if self._tree is None:
                    self._tree = compiler.rule_tree(_parse_all(self._modules_factory(), self.rego_version),
                                                    self.artifact)
        return self._tree

    def _compiled_query(self, text: str) -> "_CompiledQuery":
        found = self._queries.get(text)
        if found is None:
            with self._lock:
                found = self._queries.get(text)
                if found is None:
                    query = parse_query(text, rego_version="v1" if self.rego_version == "v1" else "v0")
                    artifact = compiler.compile_query(self._rule_tree(), query)
                    found = self._queries[text] = _CompiledQuery(artifact, runtime.load(artifact, self._namespace))
        return found

    def _not_json(self, error: TypeError, query: Optional[Artifact]) -> RegoEvalError:
        """A Python value of no Rego type (a tuple key, a set) met while evaluating,
        reported at the Rego expression whose code met it."""
        return RegoEvalError(
            EVAL_INTERNAL_ERROR, f"evaluation met a value that is not JSON data ({error}); "
            "check input and data with regolite.values.from_json", _rego_location(error, self.artifact, query)
        )


class _CompiledQuery:
    """A query's artifact and its `query(c)` generator, yielding values in written order."""

    def __init__(self, artifact: Artifact, namespace: dict) -> None:
        self.artifact = artifact
        self._generator = namespace["query"]
        self._order = artifact.order

    def run(self, ctx: Context):
        order = self._order
        for values, bindings in self._generator(ctx):
            yield [values[i] for i in order], bindings


def _rego_location(error: BaseException, policy: Artifact, query: Optional[Artifact]):
    """Where in Rego the innermost generated frame of `error`'s traceback was (or None)."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == POLICY_FILE:
            found = policy.location_at(tb.tb_lineno)
        elif filename == QUERY_FILE and query is not None:
            found = query.location_at(tb.tb_lineno)
        tb = tb.tb_next
    return found


def _plain_input(document: Any) -> Any:
    """`document` (a dict or list subclass, or a tuple) made of plain Rego values."""
    try:
        return from_json(document)
    except (TypeError, ValueError) as e:
        raise RegoEvalError(EVAL_INTERNAL_ERROR, f"input is not JSON data: {e}") from None
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> RegoEvalError:
    """Python's recursion limit hit while walking a deeply nested value."""
    return RegoEvalError(
        EVAL_INTERNAL_ERROR, "a value is nested too deeply to evaluate (input, data or a result); "
        "regolite walks nesting up to about Python's recursion limit"
    )


def compile(
    modules: Union[Mapping[str, str], None] = None,
    *,
    data: Any = None,
    rego_version: str = "v1",
    cache: Any = None,
) -> Policy:
    """Compile Rego modules (file name -> source) with optional base `data`.

    Raises RegoParseError for syntax errors and RegoCompileError listing
    every compile error (file:line:col and OPA's code). With `cache` (a
    `regolite.cache.CompileCache`, e.g. `default_cache()`), generated code is
    reused across runs for the same module texts.
    """
    modules = dict(modules or {})
    key_parts = None
    if cache is not None and all(isinstance(s, str) for s in modules.values()):
        # in the order given: rules are numbered in module order
        key_parts = ["modules", rego_version] + [part for name in modules for part in (name, modules[name])]
    return compile_cached(key_parts, lambda: modules, data=data, rego_version=rego_version, cache=cache)


def compile_cached(key_parts, build_modules, *, data: Any = None, rego_version: str = "v1", cache: Any = None) -> Policy:
    """Compile the modules `build_modules()` returns (file name -> source or
    parsed `ast.Module`), through `cache` when `key_parts` (texts that
    determine those modules) are given: on a hit nothing is parsed."""
    base = from_json(data) if data is not None else {}
    key = cache_key(key_parts) if cache is not None and key_parts is not None else None
    if key is not None:
        artifact = cache.load(key)
        if artifact is not None and all(name in REGISTRY for name in artifact.builtins.values()):
            return Policy(artifact, base, rego_version, modules_factory=build_modules)
    try:
        parsed = _parse_all(build_modules(), rego_version)
    except (RecursionError, MemoryError):
        raise RegoCompileError([RegoError(COMPILE_ERROR, "policy is nested too deeply to compile")]) from None
    artifact = compiler.compile_modules(parsed)
    if key is not None:
        cache.store(key, artifact)
    return Policy(artifact, base, rego_version)


def _parse_all(modules: Mapping[str, Any], rego_version: str) -> list[ast.Module]:
    """Parse every module (parsed ones are taken as they are); RegoParseError with all their errors."""
    parsed = []
    parse_errors: list = []
    for name, source in modules.items():
        if isinstance(source, ast.Module):
            parsed.append(source)
            continue
        try:
            parsed.append(parse_module(source, name, rego_version=rego_version))
        except RegoParseError as e:
            parse_errors.extend(e.errors)
    if parse_errors:
        raise RegoParseError(parse_errors[0].message, parse_errors[0].location, parse_errors)
    return parsed
