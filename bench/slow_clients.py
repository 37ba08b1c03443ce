"""GET /api/deals/ latency idle, then while many clients send their request headers slowly.

The classic slow-header pattern: each slow client opens a connection, sends a request line, then
one more header line every few seconds and never finishes. Run by hand (docs/benchmarks-history.md, "Slow
clients") against a server on 127.0.0.1: the compose stack's nginx (WEB_PORT) and, for comparison,
gunicorn itself (APP_PORT, which compose-smoke's host networking makes reachable), e.g. as
compose-smoke's CHECK_CMD:

    python3 bench/slow_clients.py --port "$WEB_PORT" --label nginx
    python3 bench/slow_clients.py --port "$APP_PORT" --label gunicorn

It uploads tests/data/deals.csv first, so the GETs read a real report. Standard library only, so
it runs with any python3 >= 3.11. Every loop is bounded: it ends by itself after about
2 x --seconds plus the time for the slow clients to connect, and closes every connection it opened.
"""

import argparse
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "deals.csv"


def upload_sample(base: str, timeout: float) -> str:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="deals"; filename="deals.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + SAMPLE.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{base}/api/deals/",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.read().decode()


def timed_gets(base: str, *, seconds: float, timeout: float) -> dict:
    """Sequential GETs for `seconds`: latencies of the answered ones, and how many failed."""
    latencies, failures = [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            request = urllib.request.Request(f"{base}/api/deals/", headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
            latencies.append((time.monotonic() - started) * 1000)
        except (OSError, urllib.error.HTTPError) as error:
            failures.append(type(error).__name__)
    return {"latencies": latencies, "failures": failures}


class SlowClient(threading.Thread):
    """One slow-header client: a request line, then a header line every `interval` seconds, never
    the blank line that ends the headers. When the server gives up on it, it reconnects at once
    (an attacker would), so `clients` connections stay open until told to stop."""

    def __init__(self, port: int, number: int, interval: float, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.number, self.interval, self.stop = port, number, interval, stop
        self.connected = threading.Event()  # set once the first request line is out (or failed)
        self.cut_after: list[float] = []  # seconds each connection lasted before the server closed it
        self.error: str | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.one_connection()
        except OSError as error:  # could not connect at all
            self.error = type(error).__name__
        finally:
            self.connected.set()

    def one_connection(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            started = time.monotonic()
            sock.settimeout(0.0)
            try:
                sock.sendall(f"GET /api/deals/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode())
                self.connected.set()
                line = 0
                while not self.stop.wait(self.interval):
                    line += 1
                    try:
                        if sock.recv(4096) == b"":  # the server closed (it may have answered 408 first)
                            break
                    except BlockingIOError:
                        pass  # nothing from the server: it is still waiting for our headers
                    sock.sendall(f"X-Slow-{self.number}: {line}\r\n".encode())
                else:
                    return  # stopped by us
            except OSError:
                pass  # reset by the server
            self.cut_after.append(time.monotonic() - started)


def summary(label: str, phase: str, result: dict) -> str:
    latencies = sorted(result["latencies"])
    if len(latencies) >= 2:
        p50 = statistics.median(latencies)
        p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
        figures = f"{p50:.1f} | {p99:.1f} | {latencies[-1]:.1f}"
    else:
        figures = "- | - | -"
    failed = len(result["failures"])
    kinds = ", ".join(sorted(set(result["failures"])))
    return f"| {label} | {phase} | {len(latencies)} | {figures} | {failed}{f' ({kinds})' if kinds else ''} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--label", default="server")
    parser.add_argument("--clients", type=int, default=50, help="slow-header connections")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two header lines")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each GET phase")
    parser.add_argument("--timeout", type=float, default=5.0, help="a GET that takes longer counts as failed")
    parser.add_argument("--header", action="store_true", help="print the table's header lines first")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"

    print(f"upload of the sample: {upload_sample(base, timeout=60)}", flush=True)
    idle = timed_gets(base, seconds=args.seconds, timeout=args.timeout)

    stop = threading.Event()
    clients = [SlowClient(args.port, number, args.interval, stop) for number in range(args.clients)]
    try:
        for client in clients:
            client.start()
        for client in clients:
            client.connected.wait(timeout=15)
        during = timed_gets(base, seconds=args.seconds, timeout=args.timeout)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=15)

    lines = []
    if args.header:
        lines += [
            "| server | phase | GETs answered | p50 ms | p99 ms | max ms | GETs failed |",
            "|---|---|---|---|---|---|---|",
        ]
    lines.append(summary(args.label, "idle", idle))
    lines.append(summary(args.label, f"{args.clients} slow-header clients", during))
    print("\n".join(lines))
    could_not_connect = [client.error for client in clients if client.error]
    cut = sorted(seconds for client in clients for seconds in client.cut_after)
    failed = f" ({len(could_not_connect)} could not: {sorted(set(could_not_connect))})" if could_not_connect else ""
    print(
        f"slow clients: {args.clients - len(could_not_connect)} kept connected{failed}; "
        f"the server closed {len(cut)} of their connections"
        f"{f' after {cut[0]:.0f}-{cut[-1]:.0f} s' if cut else ''} (each reconnected at once)"
    )


if __name__ == "__main__":
    main()
