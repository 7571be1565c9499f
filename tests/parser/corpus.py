"""Rego modules from ../shared, for tests that walk real policies."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import yaml


def opa_fixture_modules(root: Path) -> Iterator[tuple[str, str, str, dict]]:
    """(case id, rego version, module text, case) for every module in OPA's fixtures."""
    for path in sorted(root.glob("v*/*/*.yaml")):
        version = path.relative_to(root).parts[0]
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc.get("cases") or []:
            for i, module in enumerate(case.get("modules") or []):
                yield f"{path.relative_to(root)}:{case.get('note')}#{i}", version, module, case


def gatekeeper_template_sources(root: Path) -> Iterator[tuple[str, str, str]]:
    """(id, rego version, source) for every rego/libs entry of every template.yaml."""
    for path in sorted(root.glob("library/**/template.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc:
                continue
            for target in doc.get("spec", {}).get("targets", []):
                if "rego" in target:
                    yield f"{path}:rego", "v0", target["rego"]
                for i, lib in enumerate(target.get("libs") or []):
                    yield f"{path}:libs[{i}]", "v0", lib
                for code in target.get("code") or []:
                    if code.get("engine") != "Rego":
                        continue
                    source = code.get("source") or {}
                    version = "v1" if source.get("version") == "v1" else "v0"  # exactly "v1", as Gatekeeper
                    if "rego" in source:
                        yield f"{path}:code.rego", version, source["rego"]
                    for i, lib in enumerate(source.get("libs") or []):
                        yield f"{path}:code.libs[{i}]", version, lib


def gatekeeper_rego_files(root: Path) -> Iterator[Path]:
    yield from sorted(root.glob("src/**/*.rego"))
