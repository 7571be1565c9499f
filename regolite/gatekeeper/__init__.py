"""Gatekeeper layer: ConstraintTemplates, Constraints, match and review documents."""
