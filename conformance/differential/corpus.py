"""Every module the repository and ../shared hold, as cases on their own inputs.

- OPA's fixtures (`opa-tests/v1`, and `v0` through OPA's own v1 rewrite);
- gatekeeper-library templates (v0: through OPA's v1 rewrite in
  `opa-expected/fmt.jsonl`) on each sample object with its constraint's
  parameters, `data.<package>.violation`;
- gatekeeper-library src tests: each `test_*` rule of `src_test.rego` with its `src.rego`
  and the `lib_*.rego` beside them;
- the repository's examples.

The oracle reads Rego v1 only, so a v0 module without OPA's rewrite is left out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator, Optional

import yaml

from conformance.differential.outcome import ABSENT, Case

REPO = Path(__file__).resolve().parents[2]


def v1_rewrites(shared: Path) -> dict:
    """v0 source -> OPA's v1 text of it (`opa fmt --v0-v1`)."""
    out = {}
    for line in (shared / "opa-expected" / "fmt.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("to_v1") and "formatted" in entry:
            out[entry["source"]] = entry["formatted"]
    return out


def _as_v1(source: str, version: str, rewrites: dict) -> Optional[str]:
    return source if version == "v1" else rewrites.get(source)


def fixture_cases(shared: Path, rewrites: dict) -> Iterator[Case]:
    for path in sorted((shared / "opa-tests").glob("v*/*/*.yaml")):
        version = path.relative_to(shared / "opa-tests").parts[0]
        for spec in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases") or []:
            if spec.get("input_term") is not None or spec.get("skip"):
                continue
            modules = {}
            for i, source in enumerate(spec.get("modules") or []):
                text = _as_v1(source, version, rewrites)
                if text is None:
                    break
                modules[f"test-{i}.rego"] = text
            else:
                yield Case(modules, spec["query"], spec.get("input", ABSENT), spec.get("data"))


def _template_code(template: dict) -> Optional[tuple]:
    target = ((template.get("spec") or {}).get("targets") or [{}])[0]
    if target.get("rego") is not None:
        return target["rego"], target.get("libs") or [], "v0"
    for code in target.get("code") or []:
        if code.get("engine") == "Rego":
            source = code.get("source") or {}
            return source.get("rego"), source.get("libs") or [], "v1" if source.get("version") == "v1" else "v0"
    return None


def _review(obj: dict, parameters: dict) -> dict:
    group, _, version = (obj.get("apiVersion") or "").rpartition("/")
    meta = obj.get("metadata") or {}
    review = {"kind": {"group": group, "version": version, "kind": obj.get("kind", "")},
              "name": meta.get("name", ""), "operation": "CREATE", "object": obj}
    if meta.get("namespace"):
        review["namespace"] = meta["namespace"]
    return {"review": review, "parameters": parameters}


def library_cases(shared: Path, rewrites: dict) -> Iterator[Case]:
    library = shared / "gatekeeper-library" / "library"
    for template_path in sorted(library.glob("**/template.yaml")):
        code = _template_code(yaml.safe_load(template_path.read_text(encoding="utf-8")))
        if code is None or code[0] is None:
            continue
        rego, libs, version = code
        texts = [_as_v1(t, version, rewrites) for t in [rego, *libs]]
        if any(t is None for t in texts):
            continue
        modules = {f"lib{i}.rego" if i else "template.rego": t for i, t in enumerate(texts)}
        package = _package(texts[0])
        for sample in sorted((template_path.parent / "samples").glob("*")):
            constraint = sample / "constraint.yaml"
            if not constraint.is_file():
                continue
            parameters = (yaml.safe_load(constraint.read_text()).get("spec") or {}).get("parameters") or {}
            for example in sorted(sample.glob("example_*.yaml")):
                for obj in yaml.safe_load_all(example.read_text(encoding="utf-8")):
                    if isinstance(obj, dict):
                        yield Case(modules, f"data.{package}.violation", _review(obj, parameters),
                                   {"inventory": {}})


def src_test_cases(shared: Path, rewrites: dict) -> Iterator[Case]:
    """Each test rule of a src_test.rego, with its src.rego and the lib_*.rego beside them."""
    for test in sorted((shared / "gatekeeper-library" / "src").glob("**/src_test.rego")):
        libs = sorted(test.parent.glob("lib_*.rego"))
        paths = [test.with_name("src.rego"), test, *libs]
        texts = [_as_v1(p.read_text(encoding="utf-8"), "v0", rewrites) for p in paths]
        if any(t is None for t in texts):
            continue
        modules = {p.name: t for p, t in zip(paths, texts)}
        for name in sorted(set(_TEST_RULE.findall(texts[1]))):
            yield Case(modules, f"data.{_package(texts[1])}.{name}")


def _package(source: str) -> str:
    """The package a module declares (read as text: the module may be one regolite cannot parse)."""
    return _PACKAGE.search(source).group(1)


_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_TEST_RULE = re.compile(r"^(test_\w+)\s+if\b", re.MULTILINE)


def example_cases() -> Iterator[Case]:
    examples = REPO / "examples"
    yield Case({"policy.rego": (examples / "policy.rego").read_text(encoding="utf-8")}, "data.kubernetes.admission",
               json.loads((examples / "input.json").read_text(encoding="utf-8")))


def corpus_cases(shared: Path) -> Iterator[Case]:
    rewrites = v1_rewrites(shared)
    yield from fixture_cases(shared, rewrites)
    yield from library_cases(shared, rewrites)
    yield from src_test_cases(shared, rewrites)
    yield from example_cases()
