"""Latency and throughput of ``reportkit serve``, measured in one run and printed (no timed tests).

Starts the real server on a free loopback port, sends benchmarks/msk_report_250.txt (a
250-word MSK report written for this benchmark) to POST /v1/postprocess from 1 client and
from 8 concurrent clients, and prints p50/p95/p99 latency and throughput beside the
single-process throughput of the CLI's code path (reportkit.postprocess.postprocess in a
loop, no HTTP) on the same report.

Goals: p99 <= 25 ms at 1 client; at 8 clients, throughput >= 0.8 x single-process
with no errors.
Run: python benchmarks/bench_service.py [--requests N] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from reportkit.postprocess import postprocess

REPORT = (Path(__file__).parent / "msk_report_250.txt").read_text(encoding="utf-8")


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "REPORTKIT_TOKEN"}
    process = subprocess.Popen([sys.executable, "-m", "reportkit", "serve", "--port", str(port), "--workers", str(workers),
                                # every client here has one address: let it use every worker
                                "--client-workers", str(workers), "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def client_run(url: str, count: int, latencies: list[float], errors: list[int]) -> None:
    body = {"text": REPORT, "id": "bench"}
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(count):
            start = time.perf_counter()
            response = client.post("/v1/postprocess", json=body)
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                errors.append(response.status_code)


def run_clients(url: str, clients: int, per_client: int) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    threads = [threading.Thread(target=client_run, args=(url, per_client, latencies, errors)) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {"p50": q[49], "p95": q[94], "p99": q[98], "throughput": len(latencies) / elapsed, "errors": len(errors)}


def single_process_throughput(count: int) -> float:
    postprocess(REPORT)
    start = time.perf_counter()
    for _ in range(count):
        postprocess(REPORT)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario")
    parser.add_argument("--workers", type=int, default=2, help="server worker threads")
    args = parser.parse_args()
    print(f"report: {len(REPORT.split())} words; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    process, url = start_server(args.workers)
    try:
        run_clients(url, 2, 25)  # warm-up
        # the single-process figure is taken just before and just after the 8-client run and
        # averaged, so a change in the machine's load does not skew the ratio
        before = single_process_throughput(args.requests // 4)
        eight = run_clients(url, 8, args.requests // 8)
        single = (before + single_process_throughput(args.requests // 4)) / 2
        one = run_clients(url, 1, args.requests)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    print(f"{'scenario':<28}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}{'errors':>8}")
    for name, r in (("HTTP, 1 client", one), ("HTTP, 8 clients", eight)):
        print(f"{name:<28}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}{r['throughput']:>8.1f}{r['errors']:>8}")
    print(f"{'CLI code path, 1 process':<28}{'':>24}{single:>8.1f}")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    print(f"goal p99 <= 25 ms at 1 client: {'met' if one['p99'] <= 25 else 'NOT met'} ({one['p99']:.1f} ms)")
    ratio = eight["throughput"] / single
    print(f"goal 8-client throughput >= 0.8 x single-process: {'met' if ratio >= 0.8 and not eight['errors'] else 'NOT met'}"
          f" ({ratio:.2f} x, {eight['errors']} errors)")


if __name__ == "__main__":
    main()
