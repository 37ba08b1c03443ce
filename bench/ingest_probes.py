"""What bench/ingest.py measures around one load: /proc for processes, PostgreSQL's views for the load.

Why sampling and not the server's own timings: the same probe must see every method alike (an
upload through gunicorn, `manage.py load_deals`, `psql \\copy`), whatever the code under test does
inside, before and after parallel COPY. So everything here is read from outside:

- CPU seconds and resident memory from /proc/PID/stat and /proc/PID/status (gunicorn's processes,
  the database's backends); a client process's peak RSS and CPU from wait4's rusage (exact, read
  when it exits).
- The load's backends from pg_stat_activity on a monitoring connection of our own (excluded from
  every sum), every TICK_SECONDS: which statements are active (COPY, ANALYZE, REFRESH), so the time
  from the last COPY to the answer and the time spent refreshing the report can be told apart, and
  pg_database_size for the disk the load uses while it runs.
- All of PostgreSQL's CPU: every child of the postmaster plus the postmaster's reaped-children time
  (cutime + cstime), so short-lived processes (parallel workers, a COPY stream's connection that
  closes between two samples) and the server's own helpers (WAL writer, checkpointer, autovacuum)
  are counted too. It includes other databases' work: meaningful on a quiet machine only.
"""

import http.client
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
OWN_COMMAND_LINE = Path("/proc/self/cmdline").read_bytes()  # what a child shows until it execs
TICK_SECONDS = 0.05  # /proc samples of gunicorn's processes
PG_EVERY = 2  # pg_stat_activity every 2 ticks (0.1 s)
SIZE_EVERY = 10  # pg_database_size every 10 ticks (0.5 s)
GET_PAUSE_SECONDS = 0.01
# The service's statements start with their .sql file's header comments (sql/): skipped to see the verb.
LEADING_COMMENTS = r"^(\s*--[^\n]*\n)*\s*"


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (field 3 onwards), None once it has exited."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (all resident pages, for a backend including the shared buffers it touched), RssAnon (its
    own) and VmHWM (the peak of VmRSS since the process's exec)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return {}
    wanted = {"VmRSS:": "rss", "RssAnon:": "anon", "VmHWM:": "peak"}
    found = {}
    for line in text.splitlines():
        name, *values = line.split()
        if name in wanted:
            found[wanted[name]] = int(values[0])
    return found


def rss_kib(pid: int) -> int:
    return memory_kib(pid).get("rss", 0)


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def postgres_cpu(postmaster: int) -> float:
    """CPU seconds of all of PostgreSQL so far: live children plus the postmaster's reaped ones."""
    fields = proc_stat(postmaster)
    total = 0 if fields is None else sum(int(fields[i]) for i in (11, 12, 13, 14))
    for child in children(postmaster):
        child_fields = proc_stat(child)
        if child_fields is not None:
            total += int(child_fields[11]) + int(child_fields[12])
    return total / CLOCK_TICKS


@dataclass
class Finished:
    """A client process's outcome, with wait4's rusage."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_s: float


def run_measured(
    args: list[str],
    *,
    env: dict | None = None,
    cwd: Path | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Finished:
    """Run `args` to the end; its wall time and CPU (wait4's rusage: exact, only its own).

    wait4's peak RSS is not the command's: Linux keeps the larger of the forked copy of this
    process (before exec) and the command's own, so `on_start(pid)` lets a Sampler read the
    command's VmHWM while it runs, which exec resets.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=err)
        if on_start is not None:
            on_start(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            returncode=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            seconds=seconds,
            cpu_s=usage.ru_utime + usage.ru_stime,
        )


def get(port: int, path: str = "/api/deals/") -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, time.perf_counter() - started


class GetLoop(threading.Thread):
    """GET /api/deals/ back to back (GET_PAUSE_SECONDS apart) until stopped: latency during a load."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.samples: list[float] = []
        self.failures: list[int | str] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            try:
                status, seconds = get(self.port)
            except OSError as error:
                status, seconds = type(error).__name__, 0.0
            if status == 200:
                self.samples.append(seconds)
            else:
                self.failures.append(status)
            self._done.wait(GET_PAUSE_SECONDS)

    def finish(self) -> list[float]:
        self._done.set()
        self.join()
        if self.failures:
            raise RuntimeError(f"GET /api/deals/ failed during the load: {sorted(set(map(str, self.failures)))}")
        return self.samples


class Monitor:
    """A connection of our own to the bench database, to list the load's backends and their statements."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg2.connect(url)
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_setting('data_directory')")
            self.pid, self.data_directory = cursor.fetchone()
        self.postmaster = int(proc_stat(self.pid)[1])  # our backend's parent

    def activity(self) -> list[tuple[int, str, str]]:
        """(pid, state, statement's first words) of every other backend of this database."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, coalesce(state, ''), upper(left(regexp_replace(query, %s, ''), 40)) "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                (LEADING_COMMENTS,),
            )
            return cursor.fetchall()

    def database_bytes(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]

    def close(self) -> None:
        self.connection.close()


# Statement kinds whose wall time is told apart (any backend of the database running one counts once).
PHASES = {"copy": ("COPY",), "analyze": ("ANALYZE",), "refresh": ("REFRESH MATERIALIZED VIEW",)}


@dataclass
class Load:
    """What one load did, as seen from outside."""

    backend_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0
    worker_rss_growth_mib: float | None = None  # the gunicorn process that grew most (the one serving it)
    master_peak_mib: float | None = None
    worker_peak_mib: float | None = None
    backend_peak_mib: float = 0.0  # largest VmRSS of one backend of the load
    backend_peak_anon_mib: float = 0.0  # largest private (RssAnon) part of one backend
    db_bytes_before: int = 0
    db_bytes_peak: int = 0
    db_bytes_after: int = 0
    fs_used_growth_bytes: int = 0  # the PostgreSQL data directory's file system (WAL, temp files too)
    phase_s: dict = field(default_factory=dict)  # sampled wall seconds with a COPY / ANALYZE / REFRESH active
    copy_end: float | None = None  # perf_counter of the last sample that saw a COPY
    client_peak_mib: float | None = None  # VmHWM of the client process (curl, load_deals, psql)
    copy_backends_max: int = 0  # most backends seen running a COPY at once (the streams that took effect)


def fs_used(path: str) -> int:
    stats = os.statvfs(path)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


class Sampler(threading.Thread):
    """Samples one load until finished: gunicorn's processes (if any), the database's backends, disk."""

    def __init__(self, monitor: Monitor, server_pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.monitor = monitor
        self.server_pids = server_pids
        self.workers = server_pids[1:]
        self._done = threading.Event()
        self.rss_before = {pid: rss_kib(pid) for pid in server_pids}
        self.rss_max = dict(self.rss_before)
        self.worker_cpu_before = {pid: cpu_seconds(pid) for pid in self.workers}
        self.backend_cpu_first: dict[int, float] = {}
        self.backend_cpu_last: dict[int, float] = {}
        self.backend_memory: dict[str, int] = {"rss": 0, "anon": 0}
        self.load = Load(db_bytes_before=monitor.database_bytes())
        self.load.db_bytes_peak = self.load.db_bytes_before
        self.fs_before = self.fs_peak = fs_used(monitor.data_directory)
        self.phase_s = {name: 0.0 for name in PHASES}
        self.client: int | None = None
        self.client_peak_kib = 0
        self._sample_backends(first=True)
        self.postgres_cpu_before = postgres_cpu(monitor.postmaster)

    def _sample_backends(self, *, first: bool = False) -> float | None:
        """CPU and memory of the database's backends; returns now if one was running a COPY."""
        now = time.perf_counter()
        active, copying = set(), 0
        for pid, state, statement in self.monitor.activity():
            cpu = cpu_seconds(pid)
            if first or pid not in self.backend_cpu_first:
                # A backend that appears during the load started during it: all its CPU is the load's.
                self.backend_cpu_first[pid] = cpu if first else 0.0
            self.backend_cpu_last[pid] = max(self.backend_cpu_last.get(pid, 0.0), cpu)
            memory = memory_kib(pid)
            for kind in self.backend_memory:  # sampled VmRSS: a long-lived backend's VmHWM would be of earlier loads
                self.backend_memory[kind] = max(self.backend_memory[kind], memory.get(kind, 0))
            if state == "active":
                active.update(name for name, prefixes in PHASES.items() if statement.startswith(prefixes))
                copying += statement.startswith(PHASES["copy"])
        self._active = active
        self.load.copy_backends_max = max(self.load.copy_backends_max, copying)
        return now if "copy" in active else None

    def run(self) -> None:
        ticks = 0
        last = time.perf_counter()
        while not self._done.wait(TICK_SECONDS):
            ticks += 1
            for pid in self.rss_max:
                self.rss_max[pid] = max(self.rss_max[pid], rss_kib(pid))
            if self.client is not None:
                self._sample_client(self.client)
            if ticks % PG_EVERY == 0:
                copy_seen = self._sample_backends()
                now = time.perf_counter()
                for name in self._active:
                    self.phase_s[name] += now - last
                last = now
                if copy_seen is not None:
                    self.load.copy_end = copy_seen
            if ticks % SIZE_EVERY == 0:
                self.load.db_bytes_peak = max(self.load.db_bytes_peak, self.monitor.database_bytes())
                self.fs_peak = max(self.fs_peak, fs_used(self.monitor.data_directory))

    def watch(self, pid: int) -> None:
        """The client process of the load (its peak RSS, read while it runs)."""
        self.client = pid

    def _sample_client(self, pid: int) -> None:
        """Its VmHWM once it has exec'd (before, it is a forked copy of this process): the largest of
        the programs it runs (Debian's psql is a Perl wrapper that execs the real one)."""
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes() == OWN_COMMAND_LINE:
                return
        except (FileNotFoundError, ProcessLookupError):
            return
        self.client_peak_kib = max(self.client_peak_kib, memory_kib(pid).get("peak", 0))

    def finish(self) -> Load:
        self._done.set()
        self.join()
        self._sample_backends()
        load = self.load
        load.postgres_cpu_s = postgres_cpu(self.monitor.postmaster) - self.postgres_cpu_before
        load.backend_cpu_s = sum(cpu - self.backend_cpu_first[pid] for pid, cpu in self.backend_cpu_last.items())
        load.db_bytes_after = self.monitor.database_bytes()
        load.db_bytes_peak = max(load.db_bytes_peak, load.db_bytes_after)
        load.fs_used_growth_bytes = max(self.fs_peak, fs_used(self.monitor.data_directory)) - self.fs_before
        load.backend_peak_mib = self.backend_memory["rss"] / 1024
        load.backend_peak_anon_mib = self.backend_memory["anon"] / 1024
        load.phase_s = dict(self.phase_s)
        load.client_peak_mib = self.client_peak_kib / 1024 if self.client_peak_kib else None
        if self.server_pids:
            load.worker_cpu_s = sum(cpu_seconds(pid) - self.worker_cpu_before[pid] for pid in self.workers)
            growth = {pid: self.rss_max[pid] - self.rss_before[pid] for pid in self.rss_max}
            load.worker_rss_growth_mib = max(growth[pid] for pid in self.workers) / 1024
            load.master_peak_mib = self.rss_max[self.server_pids[0]] / 1024
            load.worker_peak_mib = max(self.rss_max[pid] for pid in self.workers) / 1024
        return load
