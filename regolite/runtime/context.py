"""The evaluation context one query runs in: input, data, memo, options.

Generated functions take a context `c` as their first argument, so one
compiled policy serves any number of queries and threads at once. `with`
makes a new context (same policy, replaced input/data/functions, fresh memo).
"""

from __future__ import annotations

import sys
from typing import Any, Optional

from regolite.runtime.ops import MISSING, NO_LIMIT, U, Budget
from regolite.values import to_text


class Context:
    __slots__ = ("input", "data", "memo", "strict", "data_with", "mocks", "out", "cache", "shared", "budget",
                 "frozen")

    def __init__(self, input: Any, data: Any, strict: bool = False, out=None, budget: Optional[Budget] = None,
                 frozen: Optional[dict] = None) -> None:
        self.input = input
        self.data = data
        self.memo: dict = {}
        self.strict = strict
        self.data_with: Optional[dict] = None
        self.mocks: Optional[dict] = None
        self.out = out
        self.cache: dict = {}  # per-query results of nondeterministic builtins
        self.shared = not strict  # may pure functions' results be kept across queries?
        self.budget = NO_LIMIT if budget is None else budget  # loop iterations left (see ops.values)
        # Frozen set keys of arrays and objects by identity (RegoSet.add_known). Values
        # are never changed once built, and each entry holds its value, so an id is
        # not reused while the entry lives. A review shares one among its constraints.
        self.frozen: dict = {} if frozen is None else frozen

    def builtin_error(self, error, name: str, loc: Any) -> Any:
        """A builtin failed: an error in strict mode, else the call is undefined."""
        if self.strict:
            raise error.at(name, loc)
        return U

    def once(self, fn, name: str, args: tuple, loc: Any) -> Any:
        """A nondeterministic builtin (time.now_ns, rand.intn, uuid.rfc4122):
        the first result for these arguments holds for the whole query."""
        from regolite.builtins import BuiltinError
        from regolite.values import freeze

        key = (name, freeze(list(args)))
        found = self.cache.get(key, MISSING)
        if found is MISSING:
            try:
                found = fn(*args)
            except BuiltinError as e:
                found = self.builtin_error(e, name, loc)
            self.cache[key] = found
        return found

    def costly(self, fn, name: str, args: tuple, loc: Any) -> Any:
        """A builtin with a `cost` (numbers.range, replace...): the cost is
        charged to the step budget first; one that `meters` (a template)
        charges more while it runs."""
        from regolite.builtins import REGISTRY, RUNNING_BUDGET, BuiltinError
        from regolite.runtime.ops import BUILTIN_FAILURES, unexpected_builtin_error

        entry = REGISTRY[name]  # cost None if an embedder replaced the builtin since
        if entry.cost is not None:
            self.budget.charge(entry.cost(*args))
        running = RUNNING_BUDGET.set(self.budget) if entry.meters else None
        try:
            return fn(*args)
        except BuiltinError as e:
            return self.builtin_error(e, name, loc)
        except BUILTIN_FAILURES as e:
            return self.builtin_error(unexpected_builtin_error(e), name, loc)
        finally:
            if running is not None:
                RUNNING_BUDGET.reset(running)

    def relation(self, fn, name: str, args: tuple, loc: Any):
        """The results of a relation builtin (walk), one at a time."""
        from regolite.builtins import BuiltinError

        try:
            results = list(fn(*args))
        except BuiltinError as e:
            self.builtin_error(e, name, loc)
            return ()
        self.budget.charge(len(results))
        return results

    def mocked(self, name: str, fn, is_function: bool, args: tuple, loc: Any) -> Any:
        """Call `name`, or what a `with` replaced it with in this context:
        ("value", v, None), ("rule", rule_function, None), ("function",
        function, None) or ("builtin", function, its name).

        A replacement function runs with no mocks in force, so a mock that
        calls the function it replaces reaches the original.
        """
        replacement = self.mocks.get(name) if self.mocks else None
        if replacement is None:
            if fn is None:
                from regolite.errors import EVAL_BUILTIN_ERROR, RegoEvalError

                raise RegoEvalError(EVAL_BUILTIN_ERROR, f"{name}: not provided by regolite", loc)
            return self._call(fn, is_function, name, args, loc, self)
        kind, target, target_name = replacement
        if kind == "value":
            return target
        inner = Context(self.input, self.data, self.strict, self.out, self.budget, self.frozen)
        inner.data_with = self.data_with
        inner.cache = self.cache
        if kind == "rule":  # `with f as data.p.r`: r's value, whatever the arguments
            return target(inner)
        return self._call(target, kind == "function", target_name or name, args, loc, inner)

    def _call(self, fn, is_function: bool, name: str, args: tuple, loc: Any, ctx: "Context") -> Any:
        from regolite.builtins import BuiltinError

        if is_function:
            return fn(ctx, *args)
        try:
            return fn(*args)
        except BuiltinError as e:
            return self.builtin_error(e, name, loc)

    def base_at(self, path: tuple) -> Any:
        doc = self.data
        for key in path:
            if type(doc) is not dict:
                return U
            doc = doc.get(key, U)
        return doc

    def override(self, path: tuple) -> Any:
        """The value `with data...` gives `path` (or a prefix of it), else MISSING."""
        for i in range(len(path), 0, -1):
            value = self.data_with.get(path[:i], MISSING)
            if value is not MISSING:
                for key in path[i:]:
                    if type(value) is not dict:
                        return U
                    value = value.get(key, U)
                return value
        return MISSING

    def with_(self, *replacements) -> "Context":
        c = Context(self.input, self.data, self.strict, self.out, self.budget, self.frozen)
        c.data_with = self.data_with
        c.mocks = self.mocks
        c.shared = self.shared
        c.cache = self.cache
        for kind, path, value in replacements:
            if kind == "input":
                c.input = _replace_at(c.input, path, value)
            elif kind == "data":
                c.data = _replace_at(c.data, path, value)
                c.data_with = dict(c.data_with or {})
                c.data_with[path] = value
            else:
                c.mocks = dict(c.mocks or {})
                c.mocks[path] = value
                c.shared = False
        return c

    def print(self, args: tuple, loc: Any) -> None:
        text = " ".join("<undefined>" if a is U else a if type(a) is str else to_text(a) for a in args)
        out = self.out
        if out is None:
            out = sys.stderr
        if callable(out):
            out(text)
        else:
            out.write(text + "\n")


def _replace_at(doc: Any, path: tuple, value: Any) -> Any:
    """`doc` with `value` at `path`, copying only the objects along the path."""
    if not path:
        return value
    base = dict(doc) if type(doc) is dict else {}
    key = path[0]
    base[key] = _replace_at(base.get(key, U) if base.get(key, U) is not U else {}, path[1:], value)
    return base
