"""One interface over regolite and the Rego engines it is measured against.

Each adapter is loaded once (not timed) and then asked for one rule's value
per input (timed). `evaluate` is what a Python caller of that engine pays for
one answer: the peers take the input as JSON text, so `json.dumps` of the
input and `json.loads` of the result are inside the call; regolite takes the
Python dict and returns Python values.

    engine = make_engine("regorus")
    if engine.available():
        engine.load({"t.rego": source}, rego_version="v0")
        violations = engine.evaluate("data.k8sallowedrepos.violation", review_input)

Sets come back as lists (JSON has no sets); an undefined rule is `[]`.
"""

from __future__ import annotations

import importlib.util
import json

DATA = {"inventory": {}}  # base document every engine gets: an empty Gatekeeper inventory


class Engine:
    """An engine under benchmark: `load` once, then `evaluate` per input."""

    name = ""
    module = ""  # import name; the engine is available when it imports

    @classmethod
    def available(cls) -> bool:
        return importlib.util.find_spec(cls.module) is not None

    def load(self, modules: dict, rego_version: str) -> None:
        raise NotImplementedError

    def evaluate(self, rule_path: str, input_dict: dict) -> list:
        raise NotImplementedError


class RegoliteEngine(Engine):
    """regolite: `compile` once, `Policy.eval_rule` on the input dict."""

    name = "regolite"
    module = "regolite"

    def load(self, modules: dict, rego_version: str) -> None:
        import regolite

        self._undefined = regolite.UNDEFINED
        self._policy = regolite.compile(modules, rego_version=rego_version, data=DATA)

    def evaluate(self, rule_path: str, input_dict: dict) -> list:
        value = self._policy.eval_rule(rule_path, input=input_dict)
        return [] if value is self._undefined else value


class RegorusEngine(Engine):
    """regorus (PyPI gordon-to-regorus): `Engine.set_input_json`, `eval_rule_as_json`.

    `eval_rule` (Python values) cannot return a set of objects (Python sets
    need hashable items), so the JSON form is the one that works for
    Gatekeeper's `violation[{"msg": ...}]`.
    """

    name = "regorus"
    module = "regorus"

    def load(self, modules: dict, rego_version: str) -> None:
        import regorus

        self._engine = regorus.Engine()
        self._engine.set_rego_v0(rego_version == "v0")
        for path, source in modules.items():
            self._engine.add_policy(path, source)
        self._engine.add_data_json(json.dumps(DATA))

    def evaluate(self, rule_path: str, input_dict: dict) -> list:
        self._engine.set_input_json(json.dumps(input_dict))
        value = json.loads(self._engine.eval_rule_as_json(rule_path))
        return [] if value is None else value


class RegopyEngine(Engine):
    """regopy (rego-cpp): a bundle with the rule as entrypoint, built once;
    `set_input_term` (JSON text) and `query_bundle_entrypoint` per input.

    rego-cpp 1.x reads every module as Rego v1 and has no v0 switch: a v0
    `violation[{"msg": m}] { ... }` would be read as a partial *object* rule.
    v0 modules are therefore handed over converted to v1 text by
    `regolite.format.format_module` (the same conversion `regolite fmt
    --v0-compatible` does), outside the timed loop.
    """

    name = "regopy"
    module = "regopy"

    def load(self, modules: dict, rego_version: str) -> None:
        import regopy

        self._interp = regopy.Interpreter()
        for path, source in modules.items():
            if rego_version == "v0":
                source = v0_to_v1(source)
            self._interp.add_module(path, source)
        self._interp.add_data_json(json.dumps(DATA))
        self._bundles: dict = {}

    def _entrypoint(self, rule_path: str):
        entry = self._bundles.get(rule_path)
        if entry is None:
            name = rule_path.removeprefix("data.").replace(".", "/")
            bundle, printed = _printed_by(lambda: self._interp.build(None, [name]))
            if not bundle.ok():  # rego-cpp prints the compile errors on stdout and returns no message
                raise RuntimeError(f"regopy could not build {rule_path}: {printed.strip() or 'no message'}")
            entry = self._bundles[rule_path] = (bundle, name)
        return entry

    def prepare(self, rule_path: str) -> None:
        """Build the bundle for `rule_path` now, so the timed loop does not."""
        self._entrypoint(rule_path)

    def evaluate(self, rule_path: str, input_dict: dict) -> list:
        bundle, name = self._entrypoint(rule_path)
        self._interp.set_input_term(json.dumps(input_dict))
        try:
            output = self._interp.query_bundle_entrypoint(bundle, name)
        except json.JSONDecodeError as e:  # regopy's Output parses rego-cpp's text as JSON
            raise RuntimeError(f"regopy's output is not JSON ({e}): {self._raw_output(bundle, name)}") from None
        if not output.ok():
            raise RuntimeError(f"regopy failed on {rule_path}: {output}")
        if not output.results or not output.results[0].expressions:
            return []  # undefined
        value = output.results[0].expressions[0]
        return [] if value is None else value


    def _raw_output(self, bundle, name: str) -> str:
        """The text rego-cpp gave for the current input, bypassing regopy's JSON parsing."""
        from regopy.rego_shared import rego_bundle_query_entrypoint, rego_free_output, rego_output_string

        impl = rego_bundle_query_entrypoint(self._interp._impl, bundle._impl, name)
        try:
            return rego_output_string(impl)
        finally:
            rego_free_output(impl)


def _printed_by(call):
    """(call(), what it printed on file descriptors 1 and 2), for native code that prints."""
    import os
    import sys
    import tempfile

    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            result = call()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        sink.seek(0)
        printed = sink.read().decode("utf-8", "replace")
    return result, printed


def v0_to_v1(source: str) -> str:
    """A Rego v0 module as v1 text (regolite's formatter; comments are dropped)."""
    from regolite import parse_module
    from regolite.format import format_module

    return format_module(parse_module(source, rego_version="v0"))


ENGINES = (RegoliteEngine, RegorusEngine, RegopyEngine)
ENGINE_NAMES = tuple(e.name for e in ENGINES)


def make_engine(name: str) -> Engine:
    """A fresh, unloaded adapter for the engine called `name`."""
    for cls in ENGINES:
        if cls.name == name:
            return cls()
    raise KeyError(f"no engine {name!r} (known: {', '.join(ENGINE_NAMES)})")
