"""Connections: the listening socket, read deadlines for request headers and a connection cap.

A client that sends its request headers a byte at a time (slowloris) would otherwise hold
its connection, and a file descriptor, for as long as it likes, and a few hundred of them
would leave none for real requests. So each request's headers must arrive within
``header_timeout`` seconds of the connection opening (or of the previous response on a
kept-alive connection), else the connection is closed; the body has its own deadline in
:class:`reportkit.service.security.Guard`. At most ``max_connections`` are open at once: a new
one past the cap closes the oldest connection still waiting for its headers (the slow
clients, since a real request's headers come in one packet), or itself when every open
connection is busy with a request. The cap is kept below the process's descriptor limit.
"""

from __future__ import annotations

import ipaddress
import resource
import socket

try:  # uvicorn's C parser (the server extra installs it), else its pure-Python one
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _BaseProtocol
except ImportError:  # pragma: no cover - depends on the installed extras
    from uvicorn.protocols.http.h11_impl import H11Protocol as _BaseProtocol

BACKLOG = 128  # connections the kernel may hold for us before accept; each may take a descriptor at once
SPARE_DESCRIPTORS = 64  # for the worker pipes, logs, imports and the like


def listen_address(host: str) -> str:
    """``host`` as the socket API takes it: an IPv6 literal without its URL brackets."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def open_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6); raises OSError with the reason."""
    address = listen_address(host)
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    except ValueError:  # a name such as localhost: its first address
        family = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def fit_descriptor_limit(max_connections: int) -> tuple[int, str | None]:
    """Raise the soft descriptor limit (within the hard one) to fit ``max_connections``.

    Returns the cap to use, lowered with a warning when the hard limit is too low for it.
    """
    needed = max_connections + BACKLOG + SPARE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return max_connections, None
    fitted = max(soft - BACKLOG - SPARE_DESCRIPTORS, 1)
    return fitted, (f"--max-connections lowered from {max_connections} to {fitted} "
                    f"to fit the limit of {soft} open files")


def guarded_protocol(header_timeout: float, max_connections: int) -> type:
    """uvicorn's HTTP protocol with a header deadline per request and a cap on open connections."""
    waiting: dict[_BaseProtocol, None] = {}  # connections waiting for request headers, oldest first

    class GuardedProtocol(_BaseProtocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._header_deadline = None
            if len(self.connections) > max_connections:
                if not waiting:  # every open connection is busy with a request: refuse this one
                    transport.abort()
                    return
                oldest = next(iter(waiting))
                oldest._stop_waiting()
                oldest.transport.abort()
            self._wait_for_headers()

        def _wait_for_headers(self) -> None:
            waiting[self] = None
            self._header_deadline = self.loop.call_later(header_timeout, self._headers_too_slow)

        def _stop_waiting(self) -> None:
            waiting.pop(self, None)
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _headers_too_slow(self) -> None:
            self._header_deadline = None
            waiting.pop(self, None)
            self.transport.abort()

        def data_received(self, data: bytes) -> None:
            cycle = self.cycle
            super().data_received(data)
            if self.cycle is not cycle:  # a request's headers are complete
                self._stop_waiting()

        def on_response_complete(self) -> None:
            pipelined = bool(getattr(self, "pipeline", None))  # a pipelined request's headers are in already
            super().on_response_complete()
            if not self.transport.is_closing() and self._header_deadline is None and not pipelined:
                self._wait_for_headers()  # kept alive: the next request's headers have the same deadline

        def connection_lost(self, exc) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

    return GuardedProtocol
