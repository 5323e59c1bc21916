"""The service under hostile clients: slow connections, bad Unicode, floods, leaks in logs and errors, odd hosts."""

from __future__ import annotations

import asyncio
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from service_server import Server, free_port  # noqa: E402

from reportkit.service.pool import Busy, WorkerPool  # noqa: E402

TOKEN = "hardening-token-7d2e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DRAFT = "FINDINGS:\nCalcific tendinitis of the supraspinatus tendon, a 7 mm deposit.\n"
SLOW_DRAFT = (DRAFT * 40 + "\n") * 25  # about 70 KB: a second or more of work on any machine


def _enough_descriptors(needed: int) -> None:
    """This process opens hundreds of sockets: raise its soft limit (within the hard one) if it is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed if hard == resource.RLIM_INFINITY else min(needed, hard), hard))


class SlowClients:
    """``count`` connections that send a request's headers a byte at a time and never finish them."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets: list[socket.socket] = []
        for _ in range(count):
            sock = socket.socket()
            sock.settimeout(10)
            try:
                sock.connect(("127.0.0.1", port))
                sock.send(b"POST /v1/lint HTTP/1.1\r\nHost: localhost\r\n")
            except OSError:
                sock.close()
                continue
            sock.setblocking(False)
            self.sockets.append(sock)
        self._stop = threading.Event()
        self._dripper = threading.Thread(target=self._drip, daemon=True)
        self._dripper.start()

    def _drip(self) -> None:
        while not self._stop.wait(0.5):
            for sock in self.sockets:
                try:
                    sock.send(b"x")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._dripper.join(10)
        for sock in self.sockets:
            sock.close()


def _no_more_than_400_open_files() -> None:
    """In the server's process: the descriptor limit of the reported attack."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (400, hard))


def _real_requests_succeed(url: str, count: int = 5) -> None:
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as client:
        for _ in range(count):
            response = client.post("/v1/lint", json={"text": DRAFT})
            assert response.status_code == 200


def test_real_requests_keep_succeeding_while_500_slow_clients_hold_connections(tmp_path):
    _enough_descriptors(2048)
    srv = Server(tmp_path / "server.log", token=TOKEN, preexec_fn=_no_more_than_400_open_files)
    slow = SlowClients(srv.port, 500)
    try:
        assert len(slow.sockets) == 500
        _real_requests_succeed(srv.url)
    finally:
        slow.close()
        srv.stop()


def test_past_the_connection_cap_slow_clients_give_way_to_real_requests(tmp_path):
    _enough_descriptors(2048)
    srv = Server(tmp_path / "server.log", "--max-connections", "50", "--header-timeout", "300", token=TOKEN)
    slow = SlowClients(srv.port, 300)
    try:
        _real_requests_succeed(srv.url)
        time.sleep(1)
        closed, _, _ = select.select(slow.sockets, [], [], 5)  # closed by the server: readable at end of file
        assert len(closed) >= len(slow.sockets) - 50
    finally:
        slow.close()
        srv.stop()


def _closed_by_server(sock: socket.socket, within: float) -> bytes | None:
    """What the server sent before closing ``sock`` within ``within`` seconds, or None if it stayed open."""
    received = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.2)
        if readable:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk
        else:
            try:
                sock.send(b"x")  # one more byte, as a slow client would
            except OSError:
                return received
    return None


def test_headers_sent_a_byte_at_a_time_are_cut_off(tmp_path):
    srv = Server(tmp_path / "server.log", "--header-timeout", "1", token=TOKEN)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.send(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            assert _closed_by_server(sock, within=60) is not None
        _real_requests_succeed(srv.url, 1)
    finally:
        srv.stop()


def test_a_body_sent_too_slowly_gets_408(tmp_path):
    srv = Server(tmp_path / "server.log", "--body-timeout", "1", token=TOKEN)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.send(f"POST /v1/lint HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\n"
                      "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\": ".encode())
            received = b""
            deadline = time.monotonic() + 60
            while b"\r\n\r\n" not in received and time.monotonic() < deadline:
                readable, _, _ = select.select([sock], [], [], 0.5)
                if readable:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    received += chunk
            assert received.startswith(b"HTTP/1.1 408")
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("serve") / "server.log", "--workers", "1", "--queue", "0",
                 "--timeout", "60", token=TOKEN)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=120) as c:
        yield c


@pytest.mark.parametrize("body, where", [
    (b'{"text": "FINDINGS: calcific \\ud800 deposit."}', ["body", "text"]),
    (b'{"text": "FINDINGS: calcific deposit.", "id": "a\\udfff"}', ["body", "id"]),
])
def test_a_lone_surrogate_is_a_422_not_a_500(client, body, where):
    response = client.post("/v1/postprocess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == where
    assert client.post("/v1/lint", json={"text": DRAFT}).status_code == 200


def test_unknown_keys_are_refused_without_echoing_their_names(client):
    response = client.post("/v1/lint", json={"text": DRAFT, "Quetzalcoatlus_key": 1})
    assert response.status_code == 422
    assert "Quetzalcoatlus" not in response.text
    assert response.json()["detail"][0]["loc"] == ["body"]
    nested = client.post("/v1/lint", json={"text": DRAFT, "exam": {"side": "left", "Quetzalcoatlus_key": 1}})
    assert nested.status_code == 422 and "Quetzalcoatlus" not in nested.text
    assert nested.json()["detail"][0]["loc"] == ["body", "exam"]


def test_a_full_queue_answers_503_with_retry_after(client):
    """One worker, no queue: of two requests that meet, the one arriving second is refused at once. Short
    requests are sent beside a long one until two meet, so a loaded machine only makes the test take longer."""
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(client.post, "/v1/lint", json={"text": SLOW_DRAFT})
        refused = None
        for _ in range(200):
            answers = [client.post("/v1/lint", json={"text": DRAFT})]
            if slow.done():  # the long one has its answer: refused, or it ran alone; then it runs again
                answers.append(slow.result())
                slow = pool.submit(client.post, "/v1/lint", json={"text": SLOW_DRAFT})
            assert {a.status_code for a in answers} <= {200, 503}
            refused = next((a for a in answers if a.status_code == 503), None)
            if refused is not None:
                break
        assert slow.result().status_code in (200, 503)
    assert refused is not None
    assert refused.headers["retry-after"] == "1"


def test_the_bearer_scheme_is_case_insensitive(server):
    for scheme in ("bearer", "BEARER", "Bearer"):
        response = httpx.get(f"{server.url}/version", headers={"Authorization": f"{scheme} {TOKEN}"})
        assert response.status_code == 200, scheme
    assert httpx.get(f"{server.url}/version", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert httpx.get(f"{server.url}/version", headers={"Authorization": TOKEN}).status_code == 401


def test_the_access_log_keeps_no_query_string(server, client):
    """Runs last in this module: stops the server to read its whole log."""
    assert client.get("/version", params={"token": "secret-in-a-query-91c3"}).status_code == 200
    assert client.get("/v1/terms", params={"q": "pseudogout"}).status_code == 200
    server.stop()
    log = server.log.read_text()
    assert '"GET /version HTTP/1.1" 200' in log and '"GET /v1/terms HTTP/1.1" 200' in log
    assert "secret-in-a-query-91c3" not in log and "pseudogout" not in log


def test_without_a_token_a_warning_is_printed_and_only_localhost_host_names_are_served(tmp_path):
    srv = Server(tmp_path / "server.log")
    try:
        assert httpx.get(f"{srv.url}/version").status_code == 200  # Host: 127.0.0.1:PORT
        assert httpx.get(f"{srv.url}/version", headers={"Host": f"localhost:{srv.port}"}).status_code == 200
        rebound = httpx.get(f"{srv.url}/version", headers={"Host": f"attacker.example:{srv.port}"})
        assert rebound.status_code == 400
    finally:
        srv.stop()
    assert "warning: no token" in srv.log.read_text()


def test_an_ipv6_host_in_brackets_is_served_or_refused_clearly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REPORTKIT_TOKEN"}
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "reportkit", "serve", "--host", "[::1]", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        served = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                served = httpx.get(f"http://[::1]:{port}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                time.sleep(0.3)
            if served:
                break
        if not served:  # no IPv6 here: refused as a usage error that names the address
            assert process.wait(60) == 2
            assert "::1" in (tmp_path / "server.log").read_text()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        log.close()


# the worker pool itself


def _no_warm_up() -> None:
    """The pipeline is not needed to test the pool."""


def _add(a: int, b: int) -> int:
    return a + b


def _pid() -> int:
    return os.getpid()


def _has_exited(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_request_for_a_worker_that_died_idle_runs_on_its_replacement() -> None:
    async def scenario() -> None:
        pool = WorkerPool(1, timeout=120)
        await pool.start(_no_warm_up)
        try:
            first = await pool.run(_pid)
            os.kill(first, signal.SIGKILL)
            for _ in range(200):
                if _has_exited(first):
                    break
                await asyncio.sleep(0.05)
            assert await pool.run(_add, 2, 3) == 5  # not WorkerFailed
            assert await pool.run(_pid) != first
        finally:
            await pool.drain()
            pool.shutdown()

    asyncio.run(scenario())


def test_a_queue_of_zero_runs_on_an_idle_worker_and_refuses_a_waiting_call() -> None:
    async def scenario() -> None:
        pool = WorkerPool(1, timeout=60, queue=0)
        await pool.start(_no_warm_up)
        try:
            assert await pool.run(_add, 1, 1) == 2
            busy = asyncio.ensure_future(pool.run(time.sleep, 1))
            await asyncio.sleep(0.2)
            with pytest.raises(Busy):
                await pool.run(_add, 1, 1)
            await busy
        finally:
            await pool.drain()
            pool.shutdown()

    asyncio.run(scenario())


def test_one_client_cannot_hold_every_worker() -> None:
    """Two runaway calls from one client take one worker between them; another client's call runs at once."""
    async def scenario() -> None:
        pool = WorkerPool(2, timeout=60, per_client=1)
        await pool.start(_no_warm_up)
        try:
            done: list[str] = []

            async def call(name: str, client: str, fn, *args) -> None:
                await pool.run(fn, *args, client=client)
                done.append(name)

            runaways = [asyncio.ensure_future(call(f"runaway {n}", "10.0.0.1", time.sleep, 2)) for n in (1, 2)]
            await asyncio.sleep(0.3)
            await call("other client", "10.0.0.2", _add, 1, 1)
            await asyncio.gather(*runaways)
            assert done == ["other client", "runaway 1", "runaway 2"]
        finally:
            await pool.drain()
            pool.shutdown()

    asyncio.run(scenario())
