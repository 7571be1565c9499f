"""Start-up: the `library/general` ConstraintTemplates from parsed YAML to
ready-to-run policies (`Gatekeeper.add_template`, every template compiled).

`cold` compiles each template (no compile cache); `warm` loads them from a
compile cache filled beforehand (`regolite.cache.CompileCache`). Both run in
one process, so the first-use costs of a new process (imports, the grammar
tables) are outside the figure.

    pytest benchmarks/test_startup.py --benchmark-only
"""

from __future__ import annotations

import pytest

from benchmarks.conftest import shared_dir
from regolite.cache import CompileCache
from regolite.gatekeeper.engine import Gatekeeper, is_template, read_paths

LIBRARY = shared_dir() / "gatekeeper-library" / "library" / "general"


@pytest.mark.skipif(not LIBRARY.is_dir(), reason=f"{LIBRARY} is missing")
@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_load_library_templates(benchmark, tmp_path, cache):
    templates = [d for d in read_paths([str(LIBRARY)]) if is_template(d.obj)]
    store = CompileCache(str(tmp_path / "compiled")) if cache == "warm" else None

    def load():
        gate = Gatekeeper(cache=store)
        for d in templates:
            gate.add_template(d.obj, source=d.where)
        return gate

    gate = load()  # fills the cache for `warm`; checks every template compiles
    assert len(gate.templates) == len(templates) == 30
    benchmark.pedantic(load, rounds=5, iterations=1, warmup_rounds=1)
    benchmark.extra_info["templates"] = len(templates)
