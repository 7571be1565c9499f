"""Differential testing against OPA itself: `python -m conformance.differential`.

regolite and OPA's own evaluator (`../shared/opa-oracle`, OPA v1.20.2 in
process) answer the same programs, and every case is classified: equal,
differ, error in regolite only, error in OPA only, both error (errors agree
when their codes do).

    oracle.py       loading OPA's evaluator
    outcome.py      one case through each engine, and the verdict
    programs.py     generated programs (hypothesis strategies over the whole language)
    corpus.py       every module the repository and ../shared hold, on their own inputs
    run.py          counting, shrinking, the expected differences (expected_differences.yaml)
    __main__.py     the command line
"""
