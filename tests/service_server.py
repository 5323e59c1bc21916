"""Start the real ``reportkit serve`` in a subprocess on a free loopback port (for the service tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running server process whose stdout and stderr go to ``log``."""

    def __init__(self, log: Path, *args: str, token: str | None = None, preexec_fn=None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("REPORTKIT_TOKEN", "REPORTKIT_DEBUG")}
        if token:
            env["REPORTKIT_TOKEN"] = token
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "reportkit", "serve", "--port", str(self.port), *args],
                                        stdout=self._out, stderr=subprocess.STDOUT, env=env, preexec_fn=preexec_fn)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> int:
        """SIGTERM (uvicorn's graceful shutdown) and wait; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
        return self.process.returncode
