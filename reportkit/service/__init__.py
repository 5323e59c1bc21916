"""``reportkit serve``: the library over HTTP (FastAPI on uvicorn), safe by default.

:mod:`.app` builds the application, :mod:`.security` guards it (token, Host, body size and time),
:mod:`.connections` bounds connections (header deadline, cap), :mod:`.pool` runs the CPU-bound
work off the event loop; ``reportkit.cli.service`` holds the command.
"""
