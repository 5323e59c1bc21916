"""Latency and throughput of ``reportkit serve``, measured in one run and printed (no timed tests).

Starts the real server on a free loopback port and sends benchmarks/msk_report_250.txt (a
250-word MSK report written for this benchmark) to POST /v1/postprocess: from 1 client for
p50/p99 latency, and from 8 concurrent clients for throughput, divided by the single-process
throughput of the CLI's code path (reportkit.postprocess.postprocess in a loop, no HTTP) on
the same report, measured just before and just after the 8-client run. Each figure is the
median of 3 rounds. Then the same again while one CPU-bound process (a busy loop the script
starts and stops) runs beside them.

The clients run on the same cores as the server, so they are kept light: plain HTTP/1.1 over
kept-alive sockets from one asyncio loop, about a tenth of the CPU an httpx client takes per
request. On Linux the CPU each side spent per 8-client request is printed too, and p99 also as a
multiple of one single-process request of the same round, which moves less with the machine's
speed than milliseconds do.

Goals, on a quiet machine: p99 <= 25 ms at 1 client; at 8 clients, throughput >= 0.8 x
single-process with no errors.
Run: python benchmarks/bench_service.py [--requests N] [--workers N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from reportkit.postprocess import postprocess

REPORT = (Path(__file__).parent / "msk_report_250.txt").read_text(encoding="utf-8")
HOST = "127.0.0.1"


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "REPORTKIT_TOKEN"}
    process = subprocess.Popen([sys.executable, "-m", "reportkit", "serve", "--port", str(port), "--workers", str(workers),
                                # every client here has one address: let it use every worker
                                "--client-workers", str(workers), "--log-level", "warning"],
                               env=env)
    for _ in range(600):
        try:
            if asyncio.run(_get_status(port, "/readyz")) == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


async def _get_status(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nhost: {HOST}\r\n\r\n".encode())
        status, _ = await _read_response(reader)
        return status
    finally:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("response without content-length")
    return status, await reader.readexactly(length)


def request_bytes() -> bytes:
    body = json.dumps({"text": REPORT, "id": "bench"}).encode()
    return (f"POST /v1/postprocess HTTP/1.1\r\nhost: {HOST}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n").encode() + body


async def _client(port: int, count: int, latencies: list[float], errors: list[int]) -> None:
    request = request_bytes()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for _ in range(count):
            start = time.perf_counter()
            writer.write(request)
            status, _ = await _read_response(reader)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _clients(port: int, clients: int, per_client: int) -> tuple[list[float], list[int], float]:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, per_client, latencies, errors) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


def run_clients(port: int, clients: int, per_client: int) -> dict:
    latencies, errors, elapsed = asyncio.run(_clients(port, clients, per_client))
    q = statistics.quantiles(latencies, n=100)
    return {"p50": q[49], "p99": q[98], "throughput": len(latencies) / elapsed, "errors": len(errors)}


def single_process(count: int) -> tuple[float, float]:
    """Requests per second and CPU ms per request of the CLI's code path in this process."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        postprocess(REPORT)
    return count / (time.perf_counter() - start), 1000 * (time.process_time() - start_cpu) / count


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rpartition(")")[2].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass
    return found


def round_once(port: int, server_pid: int, requests: int) -> dict:
    """One round: single process, 8 clients, single process again, then 1 client."""
    before, single_cpu = single_process(requests // 4)
    workers = children(server_pid)
    parent_cpu, workers_cpu, clients_cpu = cpu_seconds(server_pid), sum(map(cpu_seconds, workers)), time.process_time()
    eight = run_clients(port, 8, requests // 8)
    served = 8 * (requests // 8)
    cpu = [time.process_time() - clients_cpu, cpu_seconds(server_pid) - parent_cpu,
           sum(map(cpu_seconds, workers)) - workers_cpu]
    single = (before + single_process(requests // 4)[0]) / 2
    one = run_clients(port, 1, requests)
    per_request = 1000 / single  # ms of one request in the single process
    return {"p50": one["p50"], "p99": one["p99"], "p99_ratio": one["p99"] / per_request,
            "one": one["throughput"], "eight": eight["throughput"],
            "single": single, "ratio": eight["throughput"] / single, "errors": one["errors"] + eight["errors"],
            "cpu": [1000 * c / served for c in cpu], "single_cpu": single_cpu}


@contextmanager
def busy_process():
    """One CPU-bound process beside the benchmark, stopped however it ends."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        process.kill()
        process.wait()


FIGURES = (("p50", "1 client, p50", "ms"), ("p99", "1 client, p99", "ms"),
           ("p99_ratio", "p99 / single-process request", "x"), ("one", "1 client", "req/s"),
           ("eight", "8 clients", "req/s"), ("single", "single process, no HTTP", "req/s"),
           ("ratio", "8 clients / single process", "x"))


def report(title: str, rounds: list[dict]) -> None:
    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    print(f"{title} (median of {len(rounds)} rounds; each round in brackets)")
    for key, name, unit in FIGURES:
        places = 2 if unit == "x" else 1
        each = ", ".join(f"{r[key]:.{places}f}" for r in rounds)
        print(f"  {name:<28}{median(key):>8.{places}f} {unit:<6} [{each}]")
    cpu = [statistics.median(r["cpu"][i] for r in rounds) for i in range(3)]
    if any(cpu):
        print(f"  CPU per 8-client request: clients {cpu[0]:.2f} ms, server parent {cpu[1]:.2f} ms, "
              f"workers {cpu[2]:.2f} ms; single process {median('single_cpu'):.2f} ms")
    errors = sum(r["errors"] for r in rounds)
    print(f"  goal p99 <= 25 ms at 1 client: {'met' if median('p99') <= 25 else 'NOT met'}; "
          f"goal 8 clients >= 0.8 x single process: {'met' if median('ratio') >= 0.8 and not errors else 'NOT met'}"
          f" ({errors} errors)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario and round")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"report: {len(REPORT.split())} words; {os.cpu_count()} CPUs; {args.workers} workers")
    postprocess(REPORT)  # build the pipeline in this process before any timing
    process, port = start_server(args.workers)
    try:
        run_clients(port, 2, 25)  # warm-up
        quiet = [round_once(port, process.pid, args.requests) for _ in range(args.rounds)]
        with busy_process():
            loaded = [round_once(port, process.pid, args.requests) for _ in range(args.rounds)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    report("No added load", quiet)
    report("With one CPU-bound process beside", loaded)


if __name__ == "__main__":
    main()
