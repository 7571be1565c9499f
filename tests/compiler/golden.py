"""The generated Python of a set of Rego modules, pinned in tests/compiler/golden/.

`python -m tests.compiler.golden` rewrites every pinned file from the current
compiler (run it after a change to what the compiler writes, and read the
diff); `python -m tests.compiler.golden --check` only compares. The cases:

- each `golden/*.rego`: corners of the compiler (rules, functions,
  collections, bodies), with the queries listed in QUERIES;
- the gatekeeper-library templates in LIBRARY, read from ../shared (not copied):
  their pinned output is `golden/library-<name>.py.golden`.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path

import yaml

import regolite
from regolite.gatekeeper.templates import load_template

HERE = Path(__file__).resolve().parent / "golden"
REPO = HERE.parents[2]
LIBRARY = ["allowedrepos", "containerlimits", "containerresourceratios", "requiredlabels", "uniqueingresshost"]
QUERIES = {
    "collections.rego": ["some name, image in data.golden.collections.images", "data.golden.collections.by"],
    "functions.rego": ["x := data.golden.functions.scale(\"2Ki\")"],
}


def shared_dir() -> Path:
    return Path(os.environ.get("REGOLITE_SHARED") or REPO.parent / "shared")


def own_cases() -> dict[str, str]:
    """Pinned file name -> the listing of one of our own modules (and its queries)."""
    out = {}
    for path in sorted(HERE.glob("*.rego")):
        policy = regolite.compile({f"golden/{path.name}": path.read_text(encoding="utf-8")})
        text = policy.artifact.listing()
        for query in QUERIES.get(path.name, []):
            text += f"\n# === query: {query}\n" + policy.query_artifact(query).listing()
        out[f"{path.stem}.py.golden"] = text
    return out


def library_cases(shared: Path) -> dict[str, str]:
    """Pinned file name -> the listing of a gatekeeper-library template."""
    out = {}
    for name in LIBRARY:
        doc = yaml.safe_load((shared / "gatekeeper-library/library/general" / name / "template.yaml").read_text())
        template = load_template(doc, source=f"library/general/{name}/template.yaml")
        out[f"library-{name}.py.golden"] = template.policy().artifact.listing()
    return out


def all_cases(shared: Path) -> dict[str, str]:
    return {**own_cases(), **library_cases(shared)}


def differences(cases: dict[str, str]) -> list[str]:
    """A unified diff per pinned file that the current output does not match."""
    out = []
    for name, text in sorted(cases.items()):
        path = HERE / name
        pinned = path.read_text(encoding="utf-8") if path.exists() else ""
        if pinned != text:
            out.append("".join(difflib.unified_diff(pinned.splitlines(True), text.splitlines(True),
                                                    f"pinned/{name}", f"generated/{name}")))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.compiler.golden", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    parser.add_argument("--shared", type=Path, default=None, help="the shared data folder (default ../shared)")
    args = parser.parse_args(argv)
    cases = all_cases(args.shared or shared_dir())
    if args.check:
        diffs = differences(cases)
        sys.stdout.write("\n".join(diffs))
        return 1 if diffs else 0
    for stale in set(p.name for p in HERE.glob("*.py.golden")) - set(cases):
        (HERE / stale).unlink()
    for name, text in cases.items():
        (HERE / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(cases)} pinned files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
