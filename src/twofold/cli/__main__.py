"""``python -m twofold.cli``."""

from twofold.cli.main import app

app()
