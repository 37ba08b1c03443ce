"""GET /api/deals/ against a constant JSON endpoint on the same gunicorn, with wrk.

Run by hand (see docs/benchmarks-history.md, "GET throughput"): needs wrk (apt-get install wrk), a migrated
database at DATABASE_URL, and Redis at BENCH_REDIS_URL for the Redis configuration. For each cache
configuration it starts gunicorn with gunicorn.conf.py and bench.settings (the service's settings
plus two constant endpoints), loads the sample dataset, and runs wrk against the endpoints in turn,
interleaved, several rounds, so that load from other processes hits all of them alike. It reports
medians of throughput and latency, and the CPU time per request spent by gunicorn and by this
database's PostgreSQL backends (steadier than throughput on a shared machine).

    .venv/bin/python bench/get_latency.py [--rounds 5] [--seconds 5] [--upload-rows 1000000]
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg2
import redis

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DATA = PROJECT / "bench" / "data"
ENDPOINTS = {
    "report": "/api/deals/",
    "trivial-drf": "/bench/trivial-drf/",
    "trivial-django": "/bench/trivial-django/",
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


def children(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += children(int(child))
    return found


def backends(database_url: str) -> list[int]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def wrk(url: str, *, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}
    result["requests"] = int(re.search(r"(\d+) requests in", out)[1])
    for percentile in ("50", "99"):
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        result[f"p{percentile}"] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if errors:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    return result


class Server:
    """gunicorn with the service's config file, on a free port, with bench.settings."""

    def __init__(self, env: dict) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            **env,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret"),
            "GUNICORN_ACCESS_LOG": "/dev/null",  # the access log would be most of the work measured
            "DATABASE_CONN_MAX_AGE": "3600",  # the same backends for the whole run, for CPU accounting
            "PYTHONPATH": str(PROJECT),
        }
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=PROJECT, env=self.env
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url("/bench/trivial-django/"), timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        for path in ENDPOINTS.values():  # every thread opens its database connection before we count
            wrk(self.url(path), seconds=1, connections=16)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def upload(self, path: Path) -> str:
        return subprocess.run(
            ["curl", "-sS", "-F", f"deals=@{path}", self.url("/api/deals/")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def measure(server: Server, database_url: str, path: str, *, seconds: int, connections: int) -> dict:
    urllib.request.urlopen(server.url(path)).read()  # warm: connections open, report rendered
    gunicorn, postgres = children(server.process.pid), backends(database_url)
    before = cpu_seconds(gunicorn), cpu_seconds(postgres)
    result = wrk(server.url(path), seconds=seconds, connections=connections)
    result["cpu_us"] = (cpu_seconds(gunicorn) - before[0]) / result["requests"] * 1e6
    result["db_cpu_us"] = (cpu_seconds(postgres) - before[1]) / result["requests"] * 1e6
    return result


def ratio(runs: dict[str, list[dict]], endpoint: str, baseline: str) -> float:
    """Median over rounds of the endpoint's req/s over the baseline's in the same round."""
    pairs = zip(runs[endpoint], runs[baseline], strict=True)
    return statistics.median(mine["rps"] / base["rps"] for mine, base in pairs)


def throughput(args, configs: dict[str, dict]) -> list[str]:
    lines = [
        "| cache | endpoint | req/s | p50 ms | p99 ms | CPU µs/req: gunicorn + PostgreSQL "
        "| req/s ÷ trivial-drf | req/s ÷ trivial-django | CPU of trivial-drf ÷ CPU of this |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, env in configs.items():
        server = Server(env)
        try:
            print(server.upload(PROJECT / "tests" / "data" / "deals.csv"), file=sys.stderr)
            runs = {endpoint: [] for endpoint in ENDPOINTS}
            for round_number in range(args.rounds):
                for endpoint, path in ENDPOINTS.items():
                    runs[endpoint].append(
                        measure(server, args.database_url, path, seconds=args.seconds, connections=args.connections)
                    )
                    print(f"{name} round {round_number + 1} {endpoint}: {runs[endpoint][-1]}", file=sys.stderr)
        finally:
            server.stop()
        for run in (run for results in runs.values() for run in results):
            run["total_cpu_us"] = run["cpu_us"] + run["db_cpu_us"]

        for endpoint, results in runs.items():
            m = {key: statistics.median(run[key] for run in results) for key in results[0]}
            trivial_cpu = statistics.median(run["total_cpu_us"] for run in runs["trivial-drf"])
            lines.append(
                f"| {name} | `{ENDPOINTS[endpoint]}` | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} "
                f"| {m['cpu_us']:.0f} + {m['db_cpu_us']:.0f} | {ratio(runs, endpoint, 'trivial-drf'):.2f} "
                f"| {ratio(runs, endpoint, 'trivial-django'):.2f} | {trivial_cpu / m['total_cpu_us']:.2f} |"
            )
    return lines


def big_csv(rows: int) -> Path:
    """A deals.csv with `rows` deals among 100 000 customers and 50 gems (made once, in bench/data)."""
    path = DATA / f"deals-{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            out.write("customer,item,total,quantity,date\n")
            for n in range(rows):
                out.write(f"customer{n * 7919 % 100_000},gem{n % 50},{n % 997},1,2018-12-14 08:29:52\n")
    return path


def during_upload(args, env: dict) -> list[str]:
    """GET latency idle, then while a large upload is being loaded."""
    csv_path = big_csv(args.upload_rows)
    server = Server(env)
    lines = ["| GET `/api/deals/` | req/s | p50 ms | p99 ms |", "|---|---|---|---|"]
    try:
        server.upload(PROJECT / "tests" / "data" / "deals.csv")
        idle = measure(server, args.database_url, "/api/deals/", seconds=args.seconds, connections=args.connections)
        answer: list[str] = []
        uploading = threading.Thread(target=lambda: answer.append(server.upload(csv_path)))
        started = time.monotonic()
        uploading.start()
        time.sleep(0.5)
        busy = measure(server, args.database_url, "/api/deals/", seconds=args.seconds, connections=args.connections)
        still_loading = uploading.is_alive()
        uploading.join()
        took = time.monotonic() - started
    finally:
        server.stop()
    for label, m in (("idle", idle), (f"during a {args.upload_rows:,}-row upload", busy)):
        lines.append(f"| {label} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} |")
    lines.append("")
    lines.append(
        f"The upload took {took:.1f} s and answered {answer[0].strip()}; "
        f"it was {'still' if still_loading else 'no longer'} running when the measurement ended."
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--upload-rows", type=int, default=1_000_000, help="0 skips the upload measurement")
    parser.add_argument("--cache", choices=["both", "redis", "memory"], default="both")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/deals"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    configs = {
        "Redis": {"REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": prefix},
        "memory (no REDIS_URL)": {"REDIS_URL": ""},
    }
    configs = {name: env for name, env in configs.items() if args.cache in ("both", name.split()[0].lower())}
    load_before = os.getloadavg()[0]
    try:
        lines = throughput(args, configs)
        if args.upload_rows:
            lines += ["", *during_upload(args, {"REDIS_URL": args.redis_url, "CACHE_KEY_PREFIX": prefix})]
    finally:
        client = redis.Redis.from_url(args.redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    lines.append(
        f"\nLoad average (1 min) at start and end: {load_before:.1f}, {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores; gunicorn: WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', 'cores')}, "
        f"GUNICORN_THREADS={os.environ.get('GUNICORN_THREADS', '4')}; wrk -t1 -c{args.connections} "
        f"-d{args.seconds}s, {args.rounds} rounds."
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
