"""End-to-end ingest benchmark: `python bench/ingest.py` (see BENCHMARKS.md, "Ingest").

Starts the real server (gunicorn with the project's gunicorn.conf.py) against a dedicated
database, then for each file size alternates an end-to-end upload (`curl -F deals=@file`, so the
client streams the file from disk) with `psql -c "\\copy ..."` of the same file into a plain
table with the same columns, the physical limit on this machine. While an upload runs it samples
the resident memory of every gunicorn process from /proc/PID/status, and the CPU time of the
gunicorn workers and of the database backends. It also measures GET latency during an upload
against idle, and (with --bulk-create) the Django ORM `bulk_create` alternative. Prints a
Markdown report and writes it to bench/results/.
"""

import argparse
import contextlib
import http.client
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PYTHON = Path(sys.executable)
RAW_TABLE = "raw_deals"
# The same columns and types as deal_rows (without its CHECKs and partitioning): what COPY alone costs.
RAW_DDL = (
    f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} "
    "(customer text, item text, total bigint, quantity integer, date timestamptz)"
)
SAMPLE_SECONDS = 0.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def sh(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, env=env, cwd=ROOT, **kwargs)


def data_file(rows: int) -> Path:
    path = DATA / f"deals_{rows}.csv"
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        sh(str(PYTHON), "bench/gen_deals.py", str(rows), str(path))
    return path


# The command-line tools people compress with, at their default levels.
COMPRESSORS = {"gzip": (["gzip", "-c"], ".gz"), "zstd": (["zstd", "-q", "-c"], ".zst")}


def compressed_file(path: Path, kind: str) -> Path:
    command, suffix = COMPRESSORS[kind]
    out = path.with_name(path.name + suffix)
    if not out.exists():
        print(f"compressing {out.name} ...", flush=True)
        with out.open("wb") as sink:
            sh(*command, str(path), stdout=sink)
    return out


class Database:
    def __init__(self, url: str) -> None:
        self.url = url

    def psql(self, *commands: str) -> str:
        args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.url]
        for command in commands:
            args += ["-c", command]
        return sh(*args, capture_output=True, text=True).stdout.strip()

    def backend_pids(self) -> list[int]:
        name = self.url.rsplit("/", 1)[1]
        out = self.psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()")
        return [int(pid) for pid in out.split()]


class Server:
    """gunicorn as the service runs it, on a port of our own."""

    def __init__(self, env: dict, port: int, root: Path) -> None:
        self.root = root
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "GUNICORN_ACCESS_LOG": "/dev/null"}
        self.port = port
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        gunicorn = PYTHON.with_name("gunicorn")
        log = open(RESULTS / "gunicorn.log", "ab")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py", "--no-control-socket"],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        for _ in range(200):
            try:
                if get(self.port)[0] == 200 and len(self.pids()) > 1:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start; see bench/results/gunicorn.log")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(30)

    def pids(self) -> list[int]:
        """The master and its workers."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [master, *map(int, children)]


def get(port: int) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/api/deals/")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, time.perf_counter() - started


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


class Sampler(threading.Thread):
    """Samples RSS of the server's processes and CPU of workers and DB backends until stopped."""

    def __init__(self, server: Server, db: Database) -> None:
        super().__init__(daemon=True)
        self.server, self.db = server, db
        self.stop = threading.Event()
        self.rss_before = {pid: rss_kib(pid) for pid in server.pids()}
        self.rss_max = dict(self.rss_before)
        self.workers = [pid for pid in server.pids() if pid != server.process.pid]
        self.backends_before = {pid: cpu_seconds(pid) for pid in db.backend_pids()}
        self.backends_last = dict(self.backends_before)
        self.cpu_before = {pid: cpu_seconds(pid) for pid in self.workers}
        self.cpu_after: dict[int, float] = {}

    def run(self) -> None:
        ticks = 0
        while not self.stop.wait(SAMPLE_SECONDS):
            for pid in self.rss_max:
                self.rss_max[pid] = max(self.rss_max[pid], rss_kib(pid))
            ticks += 1
            if ticks % 10 == 0:  # a new backend may appear (connection opened by the upload)
                for pid in self.db.backend_pids():
                    self.backends_last[pid] = max(self.backends_last.get(pid, 0.0), cpu_seconds(pid))

    def finish(self) -> dict:
        self.stop.set()
        self.join()
        for pid in self.db.backend_pids():
            self.backends_last[pid] = max(self.backends_last.get(pid, 0.0), cpu_seconds(pid))
        growth = {pid: self.rss_max[pid] - self.rss_before[pid] for pid in self.rss_max}
        return {
            "rss_growth_mib": max(growth.values()) / 1024,
            "rss_growth_sum_mib": sum(growth.values()) / 1024,
            "worker_cpu_s": sum(cpu_seconds(pid) - self.cpu_before[pid] for pid in self.workers),
            "backend_cpu_s": sum(cpu - self.backends_before.get(pid, 0.0) for pid, cpu in self.backends_last.items()),
        }


def curl_upload(port: int, path: Path, *, raw: bool = False) -> list[str]:
    """curl's upload of `path`: a multipart form (-F), or the file itself as a PUT body (-T, raw)."""
    send = ["-T", str(path)] if raw else ["-F", f"deals=@{path}"]
    return [
        "curl", "-sS", "-o", "/dev/stdout", "-w", "\\n%{http_code}",
        *send, f"http://127.0.0.1:{port}/api/deals/",
    ]  # fmt: skip


def run_upload(server: Server, db: Database, path: Path, *, raw: bool = False) -> dict:
    sampler = Sampler(server, db)
    sampler.start()
    started = time.perf_counter()
    out = subprocess.run(curl_upload(server.port, path, raw=raw), capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - started
    stats = sampler.finish()
    body, code = out.rsplit("\n", 1)
    if code != "200":
        raise RuntimeError(f"upload failed: {code} {body}")
    return {"seconds": seconds, "wire_mb": path.stat().st_size / 1e6, **stats}


def copy_command(db: Database, path: Path) -> list[str]:
    return ["psql", "-X", "-q", db.url, "-c", f"\\copy {RAW_TABLE} FROM '{path}' WITH (FORMAT csv, HEADER true)"]


def run_copy(db: Database, path: Path) -> dict:
    db.psql(f"TRUNCATE {RAW_TABLE}")
    started = time.perf_counter()
    sh(*copy_command(db, path))
    return {"seconds": time.perf_counter() - started}


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] if len(samples) > 1 else samples[0]


def gets_during(port: int, action) -> tuple[list[float], dict]:
    """GET /api/deals/ back to back (10 ms apart) while `action()` runs in another thread."""
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(action()))
    thread.start()
    time.sleep(0.2)  # let it get going
    samples = []
    while thread.is_alive():
        status, seconds = get(port)
        assert status == 200
        samples.append(seconds)
        time.sleep(0.01)
    thread.join()
    return samples, outcome


def latency(server: Server, db: Database, path: Path, idle_requests: int) -> dict:
    """GET latency with nothing else going on, during an upload of `path`, and during its \\copy.

    The \\copy row shows what the database and machine load alone do to a GET, without our server
    doing anything but answering it.
    """
    idle = [get(server.port)[1] for _ in range(idle_requests)]
    during_upload, upload = gets_during(server.port, lambda: run_upload(server, db, path))
    during_copy, copy = gets_during(server.port, lambda: run_copy(db, path))
    return {"idle": idle, "upload": (during_upload, upload), "copy": (during_copy, copy)}


def bulk_create(env: dict, path: Path) -> float:
    """The obvious ORM alternative, timed in a child process (Django set up there)."""
    out = sh(str(PYTHON), "bench/bulk_create_load.py", str(path), env=env, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}"


def median_of(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def report(results: dict, lat: dict | None, bulk: dict | None, started: str, load: str) -> str:
    lines = [
        f"Run {started} on {os.cpu_count()} cores; load average (1, 5, 15 min) before: {load}, after: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        f"Command: `{' '.join(map(shlex.quote, sys.argv))}`",
        "",
        "| rows | MB | method | median s | ratio to \\copy | rows/s | runs s | max RSS growth MiB "
        "(one process / all) | worker CPU s | backend CPU s |",
        "|---:|---:|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for rows, res in results.items():
        copy = median_of(res["methods"]["\\copy"])
        for method, runs in res["methods"].items():
            median = median_of(runs)
            label = f"{method} ({runs[0]['wire_mb']:.0f} MB sent)" if "wire_mb" in runs[0] else method
            cells = [f"{rows:,}", f"{res['mb']:.0f}", label, fmt_s(median), f"{median / copy:.2f}"]
            cells += [f"{rows / median:,.0f}", ", ".join(fmt_s(r["seconds"]) for r in runs)]
            if "rss_growth_mib" in runs[0]:
                growth = max(r["rss_growth_mib"] for r in runs), max(r["rss_growth_sum_mib"] for r in runs)
                cells += [f"{growth[0]:.1f} / {growth[1]:.1f}", f"{median_of(runs, 'worker_cpu_s'):.1f}"]
                cells += [f"{median_of(runs, 'backend_cpu_s'):.1f}"]
            else:
                cells += ["", "", ""]
            lines.append("| " + " | ".join(cells) + " |")
    if lat:
        rows = [("idle", lat["idle"])]
        rows.append((f"during a {lat['rows']:,}-row upload ({lat['upload'][1]['seconds']:.1f} s)", lat["upload"][0]))
        rows.append((f"during \\copy of the same file ({lat['copy'][1]['seconds']:.1f} s)", lat["copy"][0]))
        lines += ["", "| GET /api/deals/ | requests | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for label, samples in rows:
            lines.append(
                f"| {label} | {len(samples)} | {statistics.median(samples) * 1000:.1f} "
                f"| {p99(samples) * 1000:.1f} | {max(samples) * 1000:.1f} |"
            )
    if bulk:
        lines += [
            "",
            "| same file | seconds | ratio to the POST median |",
            "|---|---:|---:|",
            f"| Django `bulk_create`, batches of 5,000 ({bulk['rows']:,} rows) | {fmt_s(bulk['seconds'])} "
            f"| {bulk['seconds'] / bulk['post']:.1f} |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000", help="rows per file, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of each method per size (alternated)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 18700)))
    parser.add_argument("--database", default="deals_bench", help="dedicated database name (created if missing)")
    parser.add_argument("--pg-port", type=int, default=5432, help="PostgreSQL port (e.g. a private instance)")
    parser.add_argument("--latency-rows", type=int, default=1_000_000, help="upload size for GET latency; 0: skip")
    parser.add_argument("--idle-requests", type=int, default=300)
    parser.add_argument(
        "--server-root",
        type=Path,
        action="append",
        help="serve this checkout (default: this one); repeat to alternate uploads to several (A/B)",
    )
    parser.add_argument("--bulk-create-rows", type=int, default=0, help="also time bulk_create on this many rows")
    parser.add_argument(
        "--compressions",
        default="",
        help="also upload the file compressed with these tools (comma-separated: gzip, zstd), side by side",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="also upload each file as the raw body (PUT, curl -T), side by side with the multipart form",
    )
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    RESULTS.mkdir(parents=True, exist_ok=True)
    url = f"postgres://postgres@127.0.0.1:{args.pg_port}/{args.database}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench")}
    db = Database(url)
    sh(str(PYTHON), "manage.py", "createdb", env=env)
    sh(str(PYTHON), "manage.py", "migrate", "--no-input", "-v0", env=env, capture_output=True)
    db.psql(RAW_DDL)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    files = {rows: data_file(rows) for rows in sizes}
    roots = args.server_root or [ROOT]
    results, lat, bulk = {}, None, None
    with contextlib.ExitStack() as stack:
        servers = {
            ("POST" if len(roots) == 1 else f"POST ({root.resolve().name})"): stack.enter_context(
                Server(env, args.port + i, root)
            )
            for i, root in enumerate(roots)
        }
        for server in servers.values():  # warm up: imports, first connection, first allocations
            run_upload(server, db, data_file(min(sizes)))
        intakes = [False, True] if args.raw else [False]  # the multipart form; the raw body (PUT)
        methods = []
        for kind in ["", *filter(None, args.compressions.split(","))]:
            for name, server in servers.items():
                for raw in intakes:
                    label = (name.replace("POST", "PUT") if raw else name) + (f" {kind}" if kind else "")

                    def upload(path, s=server, k=kind, r=raw):
                        return run_upload(s, db, compressed_file(path, k) if k else path, raw=r)

                    methods.append((label, upload))
        methods.append(("\\copy", lambda path: run_copy(db, path)))
        for rows, path in files.items():
            res = results[rows] = {"mb": path.stat().st_size / 1e6, "methods": {name: [] for name, _ in methods}}
            for run in range(args.runs):
                shift = run % len(methods)  # each method takes each place in the order in turn
                for name, method in methods[shift:] + methods[:shift]:
                    outcome = method(path)
                    res["methods"][name].append(outcome)
                    print(f"{rows:>10,} {name:12} run {run + 1}: {outcome['seconds']:.2f} s", flush=True)
        if args.latency_rows:
            server = next(iter(servers.values()))
            lat = latency(server, db, data_file(args.latency_rows), args.idle_requests)
            lat["rows"] = args.latency_rows
    db.psql(f"TRUNCATE {RAW_TABLE}")
    if args.bulk_create_rows:
        path = data_file(args.bulk_create_rows)
        methods = results.get(args.bulk_create_rows, {}).get("methods", {})
        post = next((runs for name, runs in methods.items() if name.startswith("POST")), None)
        bulk = {"rows": args.bulk_create_rows, "seconds": bulk_create(env, path)}
        bulk["post"] = median_of(post) if post else float("nan")
    text = report(results, lat, bulk, started, load)
    out = RESULTS / f"ingest-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    out.write_text(text)
    print(text)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
