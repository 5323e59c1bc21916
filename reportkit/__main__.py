"""``python -m reportkit``: the same command line as the ``reportkit`` script."""

from reportkit.cli import app

app()
