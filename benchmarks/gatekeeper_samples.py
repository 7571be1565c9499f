"""The gatekeeper-library samples as (template, constraint, object) inputs for benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class Sample:
    name: str
    modules: dict  # file name -> Rego source (template rego + libs)
    rego_version: str
    package: str
    inputs: list  # {"review": ..., "parameters": ...} per sample object


def review_input(obj: dict, parameters: dict) -> dict:
    """The `input` Gatekeeper gives a template for an object under audit (gator style)."""
    api_version = obj.get("apiVersion", "")
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata") or {}
    review = {
        "kind": {"group": group, "version": version, "kind": obj.get("kind", "")},
        "name": meta.get("name", ""),
        "operation": "CREATE",
        "object": obj,
    }
    if meta.get("namespace"):
        review["namespace"] = meta["namespace"]
    return {"review": review, "parameters": parameters or {}}


def load_samples(library: Path) -> list[Sample]:
    from regolite import parse_module

    samples = []
    for suite_path in sorted(library.glob("*/suite.yaml")):
        folder = suite_path.parent
        suite = yaml.safe_load(suite_path.read_text())
        for test in suite.get("tests") or []:
            template = yaml.safe_load((folder / test["template"]).read_text())
            target = template["spec"]["targets"][0]
            rego = target.get("rego")
            version = "v0"
            libs = target.get("libs") or []
            if rego is None:
                for code in target.get("code") or []:
                    if code.get("engine") == "Rego":
                        source = code["source"]
                        rego, libs = source["rego"], source.get("libs") or []
                        version = "v1" if source.get("version") == "v1" else "v0"
            if rego is None:
                continue
            modules = {"template.rego": rego, **{f"lib_{i}.rego": lib for i, lib in enumerate(libs)}}
            package = parse_module(rego, rego_version=version).package.name
            constraint = yaml.safe_load((folder / test["constraint"]).read_text())
            parameters = (constraint.get("spec") or {}).get("parameters") or {}
            inputs = []
            for case in test.get("cases") or []:
                if "object" not in case:
                    continue
                for obj in yaml.safe_load_all((folder / case["object"]).read_text()):
                    if obj:
                        inputs.append(review_input(obj, parameters))
            if inputs:
                samples.append(Sample(f"{folder.name}/{test.get('name', '')}", modules, version, package, inputs))
    return samples
