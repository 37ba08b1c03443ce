"""GET latency with stalled uploads, and what the intake's protections cost a normal upload.

Run by hand (see docs/benchmarks-history.md, "Stalled uploads"); needs a migrated database at DATABASE_URL.
Starts gunicorn sized like `make run` (2 workers x 4 threads, gunicorn.conf.py, DEBUG off) with the
protections on (the defaults: DEALS_UPLOAD_IDLE_SECONDS=60, DEALS_UPLOADS_PER_WORKER=2) and off
(idle limit 0, cap 100), and measures, per configuration:

- GET /api/deals/ latency (p50, p99) from CLIENTS threads for SECONDS, first idle, then while
  STALLED clients hold an upload open after sending 3.5 MB (the issue-10 pattern); a GET that
  gets no answer within 10 s counts as a timeout;
- a normal upload of ROWS rows, alternated between the configurations, ROUNDS times (medians).

    .venv/bin/python bench/stalled_uploads.py [--seconds 5] [--stalled 16] [--rows 200000] [--rounds 5]
"""

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.live_server import RawUpload, free_port, multipart_body  # noqa: E402
from tests.reference import as_csv, random_deals  # noqa: E402

CONFIGS = {
    "protected (defaults)": {},
    "unprotected": {"DEALS_UPLOAD_IDLE_SECONDS": "0", "DEALS_UPLOADS_PER_WORKER": "100"},
}
# For the cost of each protection alone on a normal upload (no GET measurements).
UPLOAD_ONLY_CONFIGS = {
    "idle limit only": {"DEALS_UPLOADS_PER_WORKER": "100"},
    "upload cap only": {"DEALS_UPLOAD_IDLE_SECONDS": "0"},
}
GET_TIMEOUT = 10


class Server:
    def __init__(self, env: dict) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=PROJECT,
            env={
                **os.environ,
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "4",
                "GUNICORN_ACCESS_LOG": "",
                "DJANGO_DEBUG": "",
                "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret"),
                "CACHE_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
                **env,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            return self.get()[0] == 200
        except OSError:
            return False

    def get(self, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=GET_TIMEOUT)
        conn.request("GET", "/api/deals/", headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()

    def upload(self, content: bytes) -> float:
        body, content_type = multipart_body(content)
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request("POST", "/api/deals/", body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"upload answered {response.status}")
        return time.perf_counter() - started

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def get_latencies(server: Server, *, clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (ms) of GETs from `clients` keep-alive clients for `seconds`; and the timeouts."""
    latencies: list[float] = []
    timeouts = 0
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def client() -> None:
        nonlocal timeouts
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GET_TIMEOUT)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _ = server.get(conn)
                assert status == 200
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
            except (TimeoutError, OSError, http.client.HTTPException):
                with lock:
                    timeouts += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GET_TIMEOUT)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, timeouts


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def describe(latencies: list[float], timeouts: int) -> str:
    """A GET that timed out took at least GET_TIMEOUT: it counts as that in the percentiles."""
    every = latencies + [GET_TIMEOUT * 1000.0] * timeouts
    return (
        f"{len(every):5d} GETs, p50 {percentile(every, 0.5):7.1f} ms, "
        f"p99 {percentile(every, 0.99):7.1f} ms, {timeouts} timed out (>= {GET_TIMEOUT} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--stalled", type=int, default=16)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    stalled_file = as_csv(random_deals(1, rows=120_000))
    normal_file = as_csv(random_deals(2, rows=args.rows))
    servers = {name: Server(env) for name, env in {**CONFIGS, **UPLOAD_ONLY_CONFIGS}.items()}
    try:
        for name in CONFIGS:
            server = servers[name]
            server.upload(as_csv(random_deals(3, rows=767)))
            print(f"{name}:")
            idle = get_latencies(server, clients=args.clients, seconds=args.seconds)
            print(f"  idle:                      {describe(*idle)}")
            stalled = [RawUpload(server.port, stalled_file) for _ in range(args.stalled)]
            for upload in stalled:
                upload.send(3_500_000)
            time.sleep(1)  # let every stalled upload reach the server before measuring
            print(
                f"  {args.stalled} stalled uploads:       "
                f"{describe(*get_latencies(server, clients=args.clients, seconds=args.seconds))}"
            )
            for upload in stalled:
                upload.reset()
        timings: dict[str, list[float]] = {name: [] for name in servers}
        for _ in range(args.rounds):
            for name, server in servers.items():  # alternated, so machine load hits both alike
                timings[name].append(server.upload(normal_file))
        print(f"normal upload of {args.rows:,} rows ({len(normal_file):,} bytes), median of {args.rounds}:")
        for name, values in timings.items():
            print(f"  {name:22s} {statistics.median(values):6.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})")
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
