"""Run OPA's conformance fixtures through regolite (see runner.py)."""
