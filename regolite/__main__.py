"""`python -m regolite` is the `regolite` command."""

from regolite.cli import run

run()
