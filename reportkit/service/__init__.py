"""``reportkit serve``: the library over HTTP (FastAPI on uvicorn), safe by default.

:mod:`.app` builds the application, :mod:`.security` guards it (token, body size),
:mod:`.pool` runs the CPU-bound work off the event loop, :mod:`.cli` holds the commands.
"""
