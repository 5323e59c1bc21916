"""python -m reportkit.cli: the same command line as ``reportkit``."""

from reportkit.cli import app

app()
