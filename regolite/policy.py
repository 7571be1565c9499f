"""The embedding API: `compile()` modules once, then `query()` / `eval_rule()` many times."""

from __future__ import annotations

import builtins
import threading
from typing import Any, Mapping, Optional, Union

from regolite import ast
from regolite.builtins import REGISTRY, BuiltinError
from regolite.compiler.emit_body import BodyEmitter, Symbols, UnboundVar, Unsupported
from regolite.compiler.program import Program, _CompileErrors
from regolite.compiler.resolve import ModuleScope, Resolver
from regolite.cache import Artifact, cache_key
from regolite.compiler.writer import CodeWriter
from regolite.errors import (
    COMPILE_ERROR, EVAL_INTERNAL_ERROR, UNSAFE_VAR_ERROR, RegoCompileError, RegoError, RegoEvalError, RegoParseError,
)
from regolite.parser import parse_module, parse_query
from regolite.runtime import ops
from regolite.runtime.context import Context
from regolite.runtime.ops import Budget
from regolite.runtime.deadline import deadline
from regolite.values import UNDEFINED, RegoSet, equal, from_json, make_object, to_json

_ABSENT = object()

# The only names generated code can reach (it runs with empty __builtins__).
RUNTIME_NAMES = {
    "U": ops.U,
    "ONCE": ops.ONCE,
    "MISSING": ops.MISSING,
    "index": ops.index,
    "index_base": ops.index_base,
    "items": ops.items,
    "values": ops.values,
    "items_in_order": ops.items_in_order,
    "values_in_order": ops.values_in_order,
    "thaw_key": ops.thaw_key,
    "SCALAR_KEYS": (str, int, float),
    "SHARED_KEYS": (str, int),  # exact types: True is not 1, 1.0 is kept apart from 1
    "SHARED_VALUES": (str, int, float, bool, type(None), type(ops.U)),
    "SHARED_LIMIT": 4096,
    "id": id,
    "is_collection": ops.is_collection,
    "member": ops.member,
    "member_kv": ops.member_kv,
    "equal": equal,
    "neq": ops.neq,
    "lt": ops.lt,
    "lte": ops.lte,
    "gt": ops.gt,
    "gte": ops.gte,
    "merge_value": ops.merge_value,
    "object_insert": ops.object_insert,
    "set_path": ops.set_path,
    "add_at_path": ops.add_at_path,
    "merge_objects": ops.merge_objects,
    "template_text": ops.template_text,
    "RegoSet": RegoSet,
    "make_object": make_object,
    "BuiltinError": BuiltinError,
    "unexpected": ops.unexpected_builtin_error,
    "BUILTIN_FAILURES": ops.BUILTIN_FAILURES,
    "COUNTABLE": (list, dict, RegoSet, str),  # what count() takes, for its inline form
    "type": type,
    "len": len,
    "all": all,
    "dict": dict,
    "str": str,
    "int": int,
    "list": list,
}


class Policy:
    """Compiled Rego modules with their base data; safe to share across threads.

    Built from an `Artifact` (the generated source and what it refers to).
    The `Program` behind it, needed only to compile ad-hoc queries, is kept
    when at hand or rebuilt on first use by `program_factory` (after a
    compile-cache hit nothing was parsed).
    """

    def __init__(self, artifact: Artifact, data: Any, rego_version: str, *,
                 program: Optional[Program] = None, program_factory=None) -> None:
        self._program_value = program
        self._program_factory = program_factory
        self._data = data
        self.rego_version = rego_version
        self.source = artifact.source
        self._functions = artifact.functions
        self._namespace = self._exec(artifact)
        self._queries: dict = {}
        self._rule_functions: dict = {}
        self._lock = threading.RLock()  # _program is built under it, from within query compilation

    @property
    def _program(self) -> Program:
        if self._program_value is None:
            with self._lock:
                if self._program_value is None:
                    program = self._program_factory()
                    program.emit()  # numbers groups and builtins as the cached source does
                    self._program_value = program
        return self._program_value

    def _exec(self, artifact: Artifact) -> dict:
        namespace = dict(RUNTIME_NAMES)
        namespace["B"] = {name: b.function for name, b in REGISTRY.items()}
        namespace.update({ident: REGISTRY[name].function for ident, name in artifact.builtins.items()})
        namespace.update({f"K{i}": v for i, v in enumerate(artifact.constants)})
        namespace["__builtins__"] = {}
        if artifact.code is None:
            artifact.code = builtins.compile(self.source, "<regolite policy>", "exec")
        exec(artifact.code, namespace)
        return namespace

    # --- queries ------------------------------------------------------------------

    def query(self, query: str, *, input: Any = _ABSENT, strict_builtin_errors: bool = False, print_to=None,
              timeout: Optional[float] = None, max_steps: Optional[int] = None) -> list:
        """Evaluate a query; the result set as `opa eval` reports it.

        A list of `{"expressions": [...], "bindings": {...}}`, values made
        JSON-compatible (sets become arrays in OPA's order). `input` is the
        caller's JSON-shaped data, used as it is (see `_context`). With
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
                for values, bindings in compiled.function(ctx):
                    results.append({
                        "expressions": [to_json(v) for v in values],
                        "bindings": {k: to_json(v) for k, v in bindings.items()},
                    })
        except RecursionError:
            raise _too_deep() from None
        except TypeError as e:
            raise _not_json(e) from None
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

    def _value_of(self, path: str, ctx: Context) -> Any:
        try:
            return self._value_of_unguarded(path, ctx)
        except RecursionError:
            raise _too_deep() from None
        except TypeError as e:
            raise _not_json(e) from None

    def _value_of_unguarded(self, path: str, ctx: Context) -> Any:
        direct = self._rule_functions.get(path, _ABSENT)
        if direct is _ABSENT:
            direct = self._rule_functions[path] = self._direct_function(path)
        if direct is not None:  # a rule or package: call its function, no query around it
            value = direct(ctx)
            return UNDEFINED if value is UNDEFINED else to_json(value)
        for values, _ in self._compiled_query(path).function(ctx):
            return to_json(values[0])
        return UNDEFINED

    def _direct_function(self, path: str):
        """The generated function computing `path` exactly (data.pkg.rule or data.pkg), if any."""
        name = self._functions.get(path)
        return self._namespace.get(name) if name else None

    def _term_value(self, text: str) -> Any:
        """The Rego value (sets and all, not JSON) of a constant term's text."""
        for values, _ in self._compiled_query(text).function(self._context(_ABSENT, False, None)):
            return values[0]
        return UNDEFINED

    def _context(self, input: Any, strict: bool, print_to, max_steps: Optional[int] = None) -> Context:
        # The caller's input is used as it is: never copied, converted or walked.
        # It must be JSON-shaped (dict, list, str, int, float, bool, None); other
        # Python types read as opaque scalars. `regolite.values.from_json` checks
        # and normalises data of other shapes (tuples, non-str keys) beforehand.
        budget = None if max_steps is None else Budget(max_steps)
        return Context(UNDEFINED if input is _ABSENT else input, self._data, strict, print_to, budget)

    def _compiled_query(self, text: str) -> "_CompiledQuery":
        found = self._queries.get(text)
        if found is None:
            with self._lock:
                found = self._queries.get(text)
                if found is None:
                    try:
                        found = _compile_query(self, text)
                    except (RecursionError, SyntaxError, MemoryError):
                        raise RegoCompileError([RegoError(COMPILE_ERROR, "query is nested too deeply to compile")]) from None
                    self._queries[text] = found
        return found


def _too_deep() -> RegoEvalError:
    """Python's recursion limit hit while walking a deeply nested value."""
    return RegoEvalError(
        EVAL_INTERNAL_ERROR, "a value is nested too deeply to evaluate (input, data or a result); "
        "regolite walks nesting up to about Python's recursion limit"
    )


def _not_json(error: TypeError) -> RegoEvalError:
    """A Python value of no Rego type (a tuple key, a set) met while evaluating."""
    return RegoEvalError(
        EVAL_INTERNAL_ERROR, f"evaluation met a value that is not JSON data ({error}); "
        "check input and data with regolite.values.from_json"
    )


class _CompiledQuery:
    def __init__(self, function, source: str) -> None:
        self.function = function
        self.source = source


def _compile_query(policy: Policy, text: str) -> _CompiledQuery:
    query = parse_query(text, rego_version=policy.rego_version if policy.rego_version == "v1" else "v0")
    program = policy._program
    errors: list = []
    resolver = Resolver(ModuleScope((), set(), {}), errors)
    body, _scope = resolver.body(query.body, _root_scope())
    if errors:
        raise RegoCompileError(errors)
    w = CodeWriter()
    symbols = Symbols(w)
    emitter = BodyEmitter(program, w, symbols)
    emitter.in_order = True  # a query's results come in the order its loops find them, as OPA's
    user_vars = sorted({v.name for e in body for v in _vars(e) if not v.is_wildcard and "#" not in v.name})
    try:
        ordered = program.order(body, set())
        w.line("def query(c):")
        w.indent()
        program.function_prologue(w)
        w.line("for _ in ONCE:")
        w.indent()
        start = w.level
        exprs_values: list[str] = []
        for expr in ordered:
            exprs_values.append(_query_expr(emitter, expr))

        def solution():
            vals = ", ".join(exprs_values)
            binds = ", ".join(f"{w.constant(n)}: {symbols.ident(n)}" for n in user_vars if n in symbols.bound)
            w.line(f"yield ({vals}{',' if len(exprs_values) == 1 else ''}), {{{binds}}}")

        emitter.body((), solution)
        w.outdent(w.level - start + 1)
    except _CompileErrors as e:
        raise RegoCompileError(e.errors) from None
    except UnboundVar as e:
        raise RegoCompileError([RegoError(UNSAFE_VAR_ERROR, f"var {e.var.name} is unsafe", e.var.loc)]) from None
    except Unsupported as e:
        raise RegoCompileError([RegoError(COMPILE_ERROR, f"not supported yet: {e}", query.loc)]) from None
    # Expression values are reported in the query's written order.
    order = [ordered.index(e) for e in body]
    namespace = dict(policy._namespace)
    namespace.update(program.builtin_globals())
    namespace.update(w.constant_names())
    source = w.source()
    exec(builtins.compile(source, "<regolite query>", "exec"), namespace)
    inner = namespace["query"]

    def run(ctx):
        for values, bindings in inner(ctx):
            yield [values[i] for i in order], bindings

    return _CompiledQuery(run, source)


def _query_expr(emitter: BodyEmitter, expr: ast.Expr) -> str:
    """Emit one query expression; return the Python name of its value.

    As `opa eval` does, a query that is a reference reports its value even
    when that value is false (`data.app.allow` gives false, not undefined).
    """
    w = emitter.w
    term = expr.term
    plain = not expr.negated and not expr.with_ and not isinstance(term, (ast.SomeDecl, ast.Every))
    if plain and not (isinstance(term, ast.Call) and term.name in _TRUE_VALUED):
        arity = emitter.program.arity(term) if isinstance(term, ast.Call) else None
        if not (isinstance(term, ast.Call) and arity is not None and len(term.args) == arity + 1):
            value = emitter.value(term)
            name = w.name("e")
            w.line(f"{name} = {value}")
            if isinstance(term, ast.Call):
                emitter.fail(f"{name} is False")  # a call that answers false fails, as in OPA
            return name
    emitter.expr(expr)
    return "True"


_TRUE_VALUED = {"eq", "assign", "equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2",
                "internal.member_3", "print", "internal.print"}


def _vars(expr):
    for node in ast.walk(expr):
        if isinstance(node, ast.Var):
            yield node


def _root_scope():
    from regolite.compiler.resolve import _Scope

    return _Scope()


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
        key_parts = ["modules", rego_version] + [part for name in sorted(modules) for part in (name, modules[name])]
    return compile_cached(key_parts, lambda: modules, data=data, rego_version=rego_version, cache=cache)


def compile_cached(key_parts, build_modules, *, data: Any = None, rego_version: str = "v1", cache: Any = None) -> Policy:
    """Compile the modules `build_modules()` returns, through `cache` when `key_parts`
    (texts that determine those modules) are given: on a hit nothing is parsed."""
    try:
        return _compile_cached(key_parts, build_modules, data, rego_version, cache)
    except (RecursionError, SyntaxError, MemoryError):
        # Python's own limits (recursion, nesting of the generated source) hit by a
        # policy with thousands of nested terms: a compile error, not a crash.
        raise RegoCompileError([RegoError(COMPILE_ERROR, "policy is nested too deeply to compile")]) from None


def _compile_cached(key_parts, build_modules, data: Any, rego_version: str, cache: Any) -> Policy:
    base = from_json(data) if data is not None else {}
    key = cache_key(key_parts) if cache is not None and key_parts is not None else None
    factory = lambda: _program_of(build_modules(), rego_version)  # noqa: E731
    if key is not None:
        artifact = cache.load(key)
        if artifact is not None and all(name in REGISTRY for name in artifact.builtins.values()):
            return Policy(artifact, base, rego_version, program_factory=factory)
    program = _program_of(build_modules(), rego_version)
    writer = program.emit()
    if program.errors:
        raise RegoCompileError(_sorted(program.errors))
    artifact = Artifact(
        source=writer.source(),
        constants=list(writer.constants),
        builtins={ident: name for name, ident in program.builtin_idents.items()},
        functions=program.function_table(),
    )
    policy = Policy(artifact, base, rego_version, program=program)  # compiles artifact.code
    if key is not None:
        cache.store(key, artifact)
    return policy


def _program_of(modules: Mapping[str, Any], rego_version: str) -> Program:
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
    return Program(parsed)


def _sorted(errors: list) -> list:
    def key(e):
        loc = e.location
        return (loc.file, loc.row, loc.col) if loc is not None else ("", 0, 0)

    return sorted(errors, key=key)
