"""The service's guards: bearer token, loopback-only binding without one, request body size and time.

The guard is plain ASGI middleware so it runs before FastAPI reads anything: an
unauthenticated request is refused before its body is read, and a body is counted while it
is read, so a missing or false Content-Length cannot get past the limit, and must arrive
within the body deadline, so a client sending it a byte at a time cannot hold the connection.
Without a token, the ``Host`` header must name this machine: a web page whose name an
attacker points at 127.0.0.1 (DNS rebinding) sends its own name and is refused.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import os
from pathlib import Path

TOKEN_ENV = "REPORTKIT_TOKEN"
OPEN_PATHS = frozenset({"/healthz"})  # liveness probes carry no credentials
DEFAULT_MAX_BODY = 256 * 1024
DEFAULT_BODY_TIMEOUT = 30.0  # seconds for the whole body: 256 KB at under 9 KB/s


class ServiceConfigError(ValueError):
    """A start-up setting that would make the service unsafe or cannot be read."""


def load_token(token_file: Path | None) -> str | None:
    """The bearer token from ``token_file``, else from $REPORTKIT_TOKEN, else None."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ServiceConfigError(f"{token_file}: cannot read token file ({exc.strerror})") from exc
        if not token:
            raise ServiceConfigError(f"{token_file}: token file is empty")
        return token
    return os.environ.get(TOKEN_ENV, "").strip() or None


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise ServiceConfigError(
            f"refusing to bind {host} without a token: set ${TOKEN_ENV} or pass --token-file")


def host_is_loopback(host_header: bytes) -> bool:
    """True when a ``Host`` header names this machine: localhost, 127.0.0.0/8 or [::1], with or without a port."""
    host = host_header.decode("latin-1").strip().lower()
    if host.startswith("["):  # [::1]:8000
        host = host[1 : host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host == "localhost" or host.endswith(".localhost") or is_loopback(host)


def bearer_credentials(authorization: bytes) -> bytes | None:
    """The credentials of a ``Bearer`` Authorization header (the scheme is case-insensitive, RFC 7235)."""
    scheme, _, credentials = authorization.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return None
    return credentials.strip(b" ")


async def _send_error(send, status: int, message: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: bearer token on every route but /healthz (else loopback ``Host`` names), body size and time."""

    def __init__(self, app, token: str | None, max_body: int = DEFAULT_MAX_BODY,
                 body_timeout: float = DEFAULT_BODY_TIMEOUT) -> None:
        self.app = app
        self.expected = token.encode() if token else None
        self.max_body = max_body
        self.body_timeout = body_timeout

    def _authorised(self, scope, headers: dict[bytes, bytes]) -> bool:
        if self.expected is None or scope["path"] in OPEN_PATHS:
            return True
        given = bearer_credentials(headers.get(b"authorization", b""))
        # compared even when the scheme is wrong, so the answer takes as long
        return hmac.compare_digest(given if given is not None else b"", self.expected) and given is not None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.expected is None and not host_is_loopback(headers.get(b"host", b"")):
            await _send_error(send, 400, "without a token only requests to localhost are served (Host header)")
            return
        if not self._authorised(scope, headers):
            await _send_error(send, 401, "missing or wrong bearer token", [(b"www-authenticate", b"Bearer")])
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _send_error(send, 413, f"request body over {self.max_body} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:  # read (and count) the whole body before the app sees any of it
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_body:
                        await _send_error(send, 413, f"request body over {self.max_body} bytes")
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _send_error(send, 408, f"request body not received within {self.body_timeout:g} s",
                              [(b"connection", b"close")])
            return
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
