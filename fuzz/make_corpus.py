"""Write fuzzing seeds: every Rego module of OPA's fixtures and the gatekeeper-library.

    python fuzz/make_corpus.py fuzz/corpus [--shared ../shared]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.parser.corpus import gatekeeper_rego_files, gatekeeper_template_sources, opa_fixture_modules  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    args = parser.parse_args()
    shared = Path(args.shared)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    texts = [text for _, _, text, _ in opa_fixture_modules(shared / "opa-tests")]
    texts += [text for _, _, text in gatekeeper_template_sources(shared / "gatekeeper-library")]
    texts += [p.read_text(encoding="utf-8") for p in gatekeeper_rego_files(shared / "gatekeeper-library")]
    for text in texts:
        data = b"\x01" + text.encode("utf-8")
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{len(texts)} seeds in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
