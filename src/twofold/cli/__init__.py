"""The ``twofold`` command line (Typer + Rich)."""
