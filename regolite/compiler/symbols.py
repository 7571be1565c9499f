"""Rego variables to Python identifiers, within one generated function.

A var `x` is `v_x` (a renamed local `x#1` is `v_x_1`), a wildcard `$3` is
`w3`; names are manufactured, never policy text. The set of bound vars is
what the body emitter has bound so far at the line it is writing.
"""

from __future__ import annotations


class Symbols:
    """Rego var names to Python identifiers, and which are bound."""

    def __init__(self) -> None:
        self.idents: dict[str, str] = {}
        self.bound: set[str] = set()
        self.used: set[str] = set()

    def ident(self, name: str) -> str:
        ident = self.idents.get(name)
        if ident is None:
            if name.startswith("$"):
                ident = "w" + name[1:]
            else:
                base = "v_" + name.replace("#", "_")
                ident = base
                n = 1
                while ident in self.used:
                    ident = f"{base}_{n}"
                    n += 1
            self.used.add(ident)
            self.idents[name] = ident
        return ident

    def alias(self, name: str, ident: str) -> None:
        """Bind `name` to the Python local `ident` that already holds its value."""
        self.idents[name] = ident
        self.bound.add(name)

    def copy_bound(self) -> set:
        return set(self.bound)
