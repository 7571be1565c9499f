"""The CI-sized cousin of `fuzz/compiler_fuzz.py`: mutated real modules are
parsed, compiled to Python and run. Any outcome other than a value, UNDEFINED
or a RegoError is a bug (the code generator crashed, wrote Python that does not
compile, or an evaluation escaped the runtime's error handling)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.hardening.pipeline import compile_and_run
from tests.hardening.test_parser_fuzz import mutants


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutants(edits=(0, 2)))  # few edits: most mutants still compile and run
def test_mutated_real_modules_compile_and_run_or_fail_cleanly(data):
    text = data.decode("utf-8", "replace")
    for version in ("v1", "v0"):
        compile_and_run(text, version, timeout=0.5)
