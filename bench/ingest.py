"""End-to-end ingest benchmark: `python bench/ingest.py` (see docs/benchmarks.md).

Starts the real server (gunicorn with the project's gunicorn.conf.py) against a dedicated
database, one server per `--streams` value (DEALS_COPY_STREAMS=k; a checkout that does not read
the variable ignores it), and for each file size runs rounds: each round runs every (method,
streams) once, in an order rotated from round to round, and `psql \\copy` of the same file into a
plain table with the same columns (the baseline, once per round). Methods: `multipart` (`curl -F
deals=@FILE`), `raw` (`curl -T FILE URL/api/deals/`, the file as a PUT body), `load_deals`
(`manage.py load_deals FILE` with the same DATABASE_URL and DEALS_COPY_STREAMS), `copy`.

During every load a thread GETs /api/deals/ in a loop, and bench/ingest_probes.py samples
gunicorn's processes, the database's backends (CPU, memory, which statements run), the database's
size and the client's rusage. Prints Markdown tables (medians over rounds) and writes them to
bench/results/. Scale runs (`--sizes 100000000`) check free disk first; `--cleanup` removes the
files and drops the database afterwards.
"""

import argparse
import contextlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest_probes import GetLoop, Load, Monitor, Sampler, get, run_measured
from ingest_report import report

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
METHODS = ("multipart", "raw", "load_deals", "check", "bad150", "bad1pct", "copy")
# Error-path methods: the file with some totals made "x" (multipart, answered 400): 150 lines spread
# evenly over the whole file (checked to its end), or every 100th line (DEALS_MAX_COUNTED_ERRORS stops it).
BAD_FILES = {
    "bad150": lambda rows: range(2, rows + 2, max(1, rows // 150)),
    "bad1pct": lambda rows: range(101, rows + 2, 100),
}
BYTES_PER_ROW = 61  # bench/gen_deals.py's files, for the disk check before a file exists
TABLE_FACTOR = 1.5  # measured: a load's table takes 1.49x the CSV (BENCHMARKS.md, "Issue 12 end to end", 100M rows)
COMPRESSED_SHARE = 0.36  # measured: gzip -6 and zstd -3 make these files 34-35% of the CSV (BENCHMARKS.md)
DEFAULT_MAX_UPLOAD = 2 * 1024**3  # the service's DEALS_MAX_UPLOAD_BYTES default


def sh(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, env=env, cwd=kwargs.pop("cwd", ROOT), **kwargs)


def data_file(rows: int, compression: str = "") -> Path:
    """bench/data/deals_<rows>.csv, generated if missing. With `compression` (--compressed-only), the
    compressed file alone (deals_<rows>.csv.zst), the generator piped into the tool: the plain file
    never takes the disk's room."""
    path = DATA / f"deals_{rows}.csv"
    if not compression:
        if not path.exists():
            print(f"generating {path.name} ...", flush=True)
            sh(str(PYTHON), "bench/gen_deals.py", str(rows), str(path))
        return path
    command, suffix = COMPRESSORS[compression]
    out = path.with_name(path.name + suffix)
    if not out.exists():
        print(f"generating {out.name} ...", flush=True)
        DATA.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with partial.open("wb") as sink:
            generator = subprocess.Popen(
                [str(PYTHON), "bench/gen_deals.py", str(rows), "-"], cwd=ROOT, stdout=subprocess.PIPE
            )
            compressor = subprocess.run(command, stdin=generator.stdout, stdout=sink)
            generator.stdout.close()
            if generator.wait() != 0 or compressor.returncode != 0:
                partial.unlink()
                raise RuntimeError(f"generating {out.name} failed")
        partial.rename(out)
    return out


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


def disk_check(
    sizes: list[int], data_directory: str, *, compression: str = "", tables: int = 2, reserve_bytes: int = 0
) -> None:
    """Refuse a run the disk cannot hold, before writing a byte: a 100M-row file is about 6 GB.

    Free where the files go: the files still to generate, and `tables` x TABLE_FACTOR x the largest
    CSV for the tables of its rows stored at once (the new load's and the live one it replaces, or
    \\copy's beside the live load; one when the run makes a single load of it: tables_at_peak), and
    `reserve_bytes` (--reserve-gb: what others on the machine must keep); the tables and the reserve
    where PostgreSQL keeps its data if that is another file system. `compression`: the files are
    compressed only (--compressed-only), COMPRESSED_SHARE of the CSV; the tables are not.
    """
    share = COMPRESSED_SHARE if compression else 1.0
    suffix = COMPRESSORS[compression][1] if compression else ""
    missing = sum(rows * BYTES_PER_ROW * share for rows in sizes if not (DATA / f"deals_{rows}.csv{suffix}").exists())
    largest = max(sizes)
    plain = DATA / f"deals_{largest}.csv"
    csv_bytes = plain.stat().st_size if plain.exists() else largest * BYTES_PER_ROW
    DATA.mkdir(parents=True, exist_ok=True)
    table_bytes = tables * TABLE_FACTOR * csv_bytes
    checks = [(DATA, shutil.disk_usage(DATA).free, missing + table_bytes + reserve_bytes)]
    database = Path(data_directory)
    if database.exists() and database.stat().st_dev != DATA.stat().st_dev:  # not there: a remote server
        checks.append((database, shutil.disk_usage(database).free, table_bytes + reserve_bytes))
    for where, available, needed in checks:
        if available < needed:
            raise SystemExit(
                f"Not enough free disk for {largest:,} rows: {where} has {available / 1e9:.1f} GB free, the run "
                f"needs {needed / 1e9:.1f} GB (files to generate {missing / 1e9:.1f} GB, {tables} table(s) of "
                f"{TABLE_FACTOR}x the {csv_bytes / 1e9:.1f} GB CSV at once, {reserve_bytes / 1e9:.0f} GB to keep "
                "free). Free some space or choose smaller --sizes."
            )


def tables_at_peak(args) -> int:
    """Tables of the largest file's rows stored at once: 1 when the run makes one load of it (one
    entry, one round, no \\copy, and a warm-up of another size), else 2 (a load replacing another)."""
    largest = max(args.sizes)
    uploads = [m for m in args.methods if m != "copy"]
    entries = len(uploads) * len(args.streams) * len(args.server_root or [ROOT])
    entries *= 1 + len(list(filter(None, args.compressions.split(","))))
    extra = args.latency_rows == largest or args.bulk_create_rows == largest or args.warmup_rows == largest
    return 1 if entries * args.runs[largest] == 1 and "copy" not in args.methods and not extra else 2


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.name = url.rsplit("/", 1)[1]

    def psql(self, *commands: str, url: str | None = None) -> str:
        args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url or self.url]
        for command in commands:
            args += ["-c", command]
        return sh(*args, capture_output=True, text=True).stdout.strip()

    @property
    def maintenance_url(self) -> str:
        return self.url.rsplit("/", 1)[0] + "/postgres"

    def data_directory(self) -> str:
        return self.psql("SHOW data_directory", url=self.maintenance_url)

    def drop(self) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', url=self.maintenance_url)


class Server:
    """gunicorn as the service runs it, on a port of our own, with DEALS_COPY_STREAMS=streams."""

    def __init__(self, env: dict, port: int, root: Path, streams: str) -> None:
        self.root, self.port, self.streams = root, port, streams
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "GUNICORN_ACCESS_LOG": "/dev/null"}
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
        for _ in range(300):
            try:
                if get(self.port)[0] == 200 and len(self.pids()) > 1:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start; see bench/results/gunicorn.log")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(60)

    def pids(self) -> list[int]:
        """The master and its workers."""
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [master, *map(int, children)]


@dataclass
class Outcome:
    """One load: its wall time and what the probes saw."""

    seconds: float
    load: Load
    gets: list[float]
    client_cpu_s: float
    publish_s: float | None  # from the last COPY seen to the answer (analyze, attach, refresh, commit, cleanup)


def measured(
    monitor: Monitor, get_port: int, server_pids: list[int], args: list[str], *, expect: str = "200", **kwargs
) -> Outcome:
    """Run a client command to its end while the probes watch; raise if it failed (curl: not `expect`)."""
    sampler, gets = Sampler(monitor, server_pids), GetLoop(get_port)
    sampler.start()
    gets.start()
    done = run_measured(args, on_start=sampler.watch, **kwargs)
    answered = time.perf_counter()
    load = sampler.finish()
    samples = gets.finish()
    if done.returncode != 0 or (args[0] == "curl" and not done.stdout.endswith(f"\n{expect}")):
        raise RuntimeError(f"{shlex.join(args)} failed ({done.returncode}): {done.stdout} {done.stderr}")
    publish = answered - load.copy_end if load.copy_end is not None else None
    return Outcome(done.seconds, load, samples, done.cpu_s, publish)


def curl_upload(port: int, path: Path, *, raw: bool = False, query: str = "") -> list[str]:
    """curl's upload of `path`: a multipart form (-F), or the file itself as a PUT body (-T, raw)."""
    send = ["-T", str(path)] if raw else ["-F", f"deals=@{path}"]
    return [
        "curl", "-sS", "-w", "\\n%{http_code}",
        *send, f"http://127.0.0.1:{port}/api/deals/{query}",
    ]  # fmt: skip


def run_upload(
    server: Server, monitor: Monitor, path: Path, *, raw: bool = False, query: str = "", expect: str = "200"
) -> Outcome:
    command = curl_upload(server.port, path, raw=raw, query=query)
    return measured(monitor, server.port, server.pids(), command, expect=expect)


def bad_file(path: Path, method: str) -> Path:
    """`path` with the total of the lines BAD_FILES[method] names (physical lines, the header being 1) made "x"."""
    out = path.with_name(f"{path.stem}.{method}.csv")
    if out.exists():
        return out
    print(f"writing {out.name} ...", flush=True)
    with path.open("rb") as source:
        lines = source.readlines()
    for line in BAD_FILES[method](len(lines) - 1):
        if line <= len(lines):
            customer, item, _total, rest = lines[line - 1].split(b",", 3)
            lines[line - 1] = b",".join([customer, item, b"x", rest])
    with out.open("wb") as sink:
        sink.writelines(lines)
    return out


def run_load_deals(server: Server, monitor: Monitor, path: Path) -> Outcome:
    """manage.py load_deals of `server`'s checkout with its environment (DATABASE_URL, DEALS_COPY_STREAMS)."""
    command = [str(PYTHON), "manage.py", "load_deals", "--no-progress", str(path)]
    return measured(monitor, server.port, [], command, env=server.env, cwd=server.root)


def run_copy(db: Database, monitor: Monitor, server: Server, path: Path) -> Outcome:
    db.psql(f"TRUNCATE {RAW_TABLE}")
    command = ["psql", "-X", "-q", db.url, "-c", f"\\copy {RAW_TABLE} FROM '{path}' WITH (FORMAT csv, HEADER true)"]
    try:
        return measured(monitor, server.port, [], command)
    finally:
        db.psql(f"TRUNCATE {RAW_TABLE}")  # not timed; frees the disk before the next load


@dataclass
class Entry:
    """One thing every round runs once."""

    method: str  # multipart, raw, load_deals, copy, or one of them with a compression / a checkout
    streams: str  # the DEALS_COPY_STREAMS value, "default" when unset, "" for \copy
    run: Callable[[Path], Outcome]


def entries(args, servers: dict[tuple[Path, str], Server], db: Database, monitor: Monitor) -> list[Entry]:
    """Every (method, streams), each method's streams side by side, then \\copy."""
    several_roots = len({root for root, _ in servers}) > 1
    found = []
    for kind in ["", *filter(None, args.compressions.split(","))]:
        for method in (m for m in args.methods if m != "copy"):
            for (root, streams), server in servers.items():
                shown = kind or args.compressed_only  # --compressed-only: the run's files are compressed
                label = method + (f" {shown}" if shown else "") + (f" ({root.resolve().name})" if several_roots else "")

                def run(path, s=server, m=method, k=kind) -> Outcome:
                    source = compressed_file(path, k) if k else path
                    if m == "load_deals":
                        return run_load_deals(s, monitor, source)
                    if m == "check":
                        return run_upload(s, monitor, source, query="?check=1")
                    if m in BAD_FILES:
                        return run_upload(s, monitor, bad_file(source, m), expect="400")
                    return run_upload(s, monitor, source, raw=m == "raw")

                found.append(Entry(label, streams, run))
    if "copy" in args.methods:
        first = next(iter(servers.values()))
        found.append(Entry("\\copy", "", lambda path: run_copy(db, monitor, first, path)))
    return found


def idle_gets(servers: dict, count: int) -> list[float]:
    """GET latency with nothing loading, from every server in turn (the same pauses as during a load)."""
    samples = []
    for server in servers.values():
        for _ in range(count):
            status, seconds = get(server.port)
            assert status == 200, status
            samples.append(seconds)
            time.sleep(0.01)
    return samples


def bulk_create(env: dict, path: Path) -> float:
    """The obvious ORM alternative, timed in a child process (Django set up there)."""
    out = sh(str(PYTHON), "bench/bulk_create_load.py", str(path), env=env, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000", help="rows per file, comma-separated")
    parser.add_argument(
        "--runs",
        default="3",
        help="rounds per size (each runs every (method, streams) once); one number, or one per size: 3,3,1",
    )
    parser.add_argument(
        "--methods",
        default="multipart,copy",
        help=f"comma-separated, of {', '.join(METHODS)} (copy: psql \\copy into a plain table, the baseline)",
    )
    parser.add_argument(
        "--streams",
        default="",
        help="DEALS_COPY_STREAMS values, comma-separated (one server each, alternated); unset: the server's default",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 18700)))
    parser.add_argument("--database", default="deals_bench", help="dedicated database name (created if missing)")
    parser.add_argument("--pg-port", type=int, default=5432, help="PostgreSQL port (e.g. a private instance)")
    parser.add_argument("--idle-gets", type=int, default=100, help="idle GETs per server before each round")
    parser.add_argument("--latency-rows", type=int, default=0, help="also the old separate GET latency table")
    parser.add_argument("--idle-requests", type=int, default=300, help="idle GETs for --latency-rows")
    parser.add_argument(
        "--server-root",
        type=Path,
        action="append",
        help="serve this checkout (default: this one); repeat to alternate uploads to several (A/B)",
    )
    parser.add_argument("--bulk-create-rows", type=int, default=0, help="also time bulk_create on this many rows")
    parser.add_argument(
        "--warmup-rows",
        type=int,
        default=0,
        help="rows of the warm-up upload's file (default: the smallest of --sizes); another size than the largest "
        "lets a single load of the largest run into a database that holds only the warm-up's (one table of it)",
    )
    parser.add_argument(
        "--compressed-only",
        choices=sorted(COMPRESSORS),
        default="",
        help="generate each file straight into this compressor and upload that: the plain file is never written "
        "(room for a larger --sizes); not with copy or --compressions",
    )
    parser.add_argument(
        "--reserve-gb",
        type=float,
        default=0,
        help="free disk the run must leave for others on the machine: refuse to start without it",
    )
    parser.add_argument(
        "--compressions",
        default="",
        help="also upload the file compressed with these tools (comma-separated: gzip, zstd), side by side",
    )
    parser.add_argument("--raw", action="store_true", help="the same as adding raw to --methods")
    parser.add_argument(
        "--cleanup",
        action="store_true",
        help="afterwards, delete this run's files from bench/data and drop the database",
    )
    args = parser.parse_args()
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if args.raw and "raw" not in args.methods:
        args.methods.insert(1, "raw")
    unknown = set(args.methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown --methods {', '.join(sorted(unknown))}; choose from {', '.join(METHODS)}")
    args.streams = [s.strip() for s in args.streams.split(",") if s.strip()] or ["default"]
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    runs = [int(r) for r in args.runs.split(",") if r]
    if len(runs) not in (1, len(args.sizes)):
        parser.error("--runs: one number, or one per size")
    args.runs = dict(zip(args.sizes, runs * len(args.sizes) if len(runs) == 1 else runs, strict=True))
    args.warmup_rows = args.warmup_rows or min(args.sizes)
    if args.compressed_only and ("copy" in args.methods or args.compressions):
        parser.error("--compressed-only uploads the compressed file alone: drop copy from --methods and --compressions")
    return args


def server_env(args, url: str) -> dict:
    """The servers' and load_deals' environment: the bench database, no upload rate limit, room for the files."""
    largest = max(args.sizes) * BYTES_PER_ROW * 2
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench")}
    env.setdefault("DEALS_UPLOAD_RATE", "")  # hundreds of uploads an hour, from one address
    env.setdefault("DEALS_MAX_UPLOAD_BYTES", str(max(DEFAULT_MAX_UPLOAD, largest)))
    env.setdefault("DEALS_MAX_CSV_BYTES", str(max(16 * 1024**3, largest)))
    env.pop("DEALS_COPY_STREAMS", None)  # each server gets its own (--streams)
    return env


def start_servers(stack: contextlib.ExitStack, args, env: dict) -> dict[tuple[Path, str], Server]:
    """One gunicorn per (checkout, DEALS_COPY_STREAMS value), on consecutive ports, all running at once."""
    servers = {}
    roots = args.server_root or [ROOT]
    for i, (streams, root) in enumerate((s, r) for s in args.streams for r in roots):
        streams_env = env if streams == "default" else {**env, "DEALS_COPY_STREAMS": streams}
        servers[(root, streams)] = stack.enter_context(Server(streams_env, args.port + i, root, streams))
    return servers


def rounds(plan: list[Entry], servers: dict, files: dict[int, Path], runs: dict[int, int], idle_count: int):
    """For each size, `runs[rows]` rounds of every entry, rotated; idle GETs before each round."""
    results, idle = {}, []
    for rows, path in files.items():
        res = results[rows] = {"mb": path.stat().st_size / 1e6, "runs": {(e.method, e.streams): [] for e in plan}}
        for run in range(runs[rows]):
            idle += idle_gets(servers, idle_count)
            shift = run % len(plan)  # each entry takes each place in the order in turn
            for entry in plan[shift:] + plan[:shift]:
                outcome = entry.run(path)
                res["runs"][(entry.method, entry.streams)].append(outcome)
                print(
                    f"{rows:>11,} {entry.method:12} streams {entry.streams or '-':7} run {run + 1}: "
                    f"{outcome.seconds:.2f} s",
                    flush=True,
                )
    return results, idle


def main() -> None:
    args = parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    uptime_before = sh("uptime", capture_output=True, text=True).stdout.strip()
    RESULTS.mkdir(parents=True, exist_ok=True)
    url = f"postgres://postgres@127.0.0.1:{args.pg_port}/{args.database}"
    env = server_env(args, url)
    db = Database(url)
    disk_check(
        sorted({*args.sizes, args.warmup_rows}),
        db.data_directory(),
        compression=args.compressed_only,
        tables=tables_at_peak(args),
        reserve_bytes=int(args.reserve_gb * 1e9),
    )
    sh(str(PYTHON), "manage.py", "createdb", env=env)
    sh(str(PYTHON), "manage.py", "migrate", "--no-input", "-v0", env=env, capture_output=True)
    db.psql(RAW_DDL)
    monitor = Monitor(url)
    files: dict[int, Path] = {}
    warmup: Path | None = None
    lat, bulk = None, None
    try:
        files.update((rows, data_file(rows, args.compressed_only)) for rows in args.sizes)
        warmup = files.get(args.warmup_rows) or data_file(args.warmup_rows, args.compressed_only)
        with contextlib.ExitStack() as stack:
            servers = start_servers(stack, args, env)
            for server in servers.values():  # warm up: imports, first connection, first allocations
                run_upload(server, monitor, warmup)
            plan = entries(args, servers, db, monitor)
            results, idle = rounds(plan, servers, files, args.runs, args.idle_gets)
            if args.latency_rows:
                server = next(iter(servers.values()))
                lat_path = files[args.latency_rows] = data_file(args.latency_rows)
                lat = {"rows": args.latency_rows, "idle": idle_gets({0: server}, args.idle_requests)}
                lat["upload"] = run_upload(server, monitor, lat_path)
                lat["copy"] = run_copy(db, monitor, server, lat_path)
        if args.bulk_create_rows:
            path = files[args.bulk_create_rows] = data_file(args.bulk_create_rows)
            post = results.get(args.bulk_create_rows, {}).get("runs", {}).get(("multipart", args.streams[0]))
            bulk = {"rows": args.bulk_create_rows, "seconds": bulk_create(env, path)}
            bulk["post"] = statistics.median(o.seconds for o in post) if post else float("nan")
        header = {
            "started": started,
            "uptime_before": uptime_before,
            "uptime_after": sh("uptime", capture_output=True, text=True).stdout.strip(),
            "commit": sh("git", "describe", "--always", "--dirty", capture_output=True, text=True).stdout.strip(),
            "command": shlex.join(sys.argv),
            "cores": os.cpu_count(),
            "postgres": db.psql("SHOW server_version"),
        }
        write_results(header, report(header, results, idle, lat, bulk), results, idle)
    finally:
        monitor.close()
        if args.cleanup:
            clean_up(db, [*files.values(), *filter(None, [warmup])], args.compressions)


def write_results(header: dict, text: str, results: dict, idle: list[float]) -> None:
    """The Markdown, and every run's numbers as JSON beside it (to put several runs' rows side by side)."""
    stem = RESULTS / f"ingest-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    stem.with_suffix(".md").write_text(text)
    raw = {
        "header": header,
        "idle_get_seconds": idle,
        "results": [
            {"rows": rows, "mb": res["mb"], "method": method, "streams": streams, "runs": [asdict(o) for o in runs]}
            for rows, res in results.items()
            for (method, streams), runs in res["runs"].items()
        ],
    }
    stem.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    print(text)
    print(f"written to {stem.relative_to(ROOT)}.md and .json")


def clean_up(db: Database, files, compressions: str) -> None:
    """--cleanup: this run's data files (and their compressed copies) and the bench database."""
    for path in files:
        for suffix in ["", *(COMPRESSORS[k][1] for k in filter(None, compressions.split(",")))]:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        for method in BAD_FILES:
            path.with_name(f"{path.stem}.{method}.csv").unlink(missing_ok=True)
    db.drop()
    print(f"removed the data files and dropped database {db.name}")


if __name__ == "__main__":
    main()
