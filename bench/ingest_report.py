"""bench/ingest.py's Markdown: the table issue 12 asks for, then where the time, memory and disk go.

Medians over the rounds for times and CPU; the largest value over the rounds for memory and disk
(a bound is what matters there); GET latencies pooled over the rounds before taking the p99.
"""

import statistics

MIB = 1024 * 1024


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] if len(samples) > 1 else samples[0]


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def cell(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def main_table(results: dict, idle: list[float], cores: int) -> list[str]:
    idle_p99 = p99(idle) * 1000
    lines = [
        "| rows | MB | method | streams | COPY backends | median s | runs s | ratio to \\copy | rows/s "
        "| CPU floor s | backend CPU s | all PostgreSQL CPU s | worker CPU s | client CPU s | worker RSS growth MiB "
        "| client peak RSS MiB | GET p99 ms during (n) | p99 during / idle |",
        "|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, res in results.items():
        copy_runs = next((runs for (method, _), runs in res["runs"].items() if method == "\\copy"), None)
        copy = median(o.seconds for o in copy_runs) if copy_runs else None
        for (method, streams), runs in res["runs"].items():
            seconds = median(o.seconds for o in runs)
            gets = [s for o in runs for s in o.gets]
            growth = [o.load.worker_rss_growth_mib for o in runs if o.load.worker_rss_growth_mib is not None]
            during = p99(gets) * 1000 if gets else None
            cells = [
                f"{rows:,}",
                f"{res['mb']:.0f}",
                method,
                streams or "-",
                "/".join(str(o.load.copy_backends_max) for o in runs),
                f"{seconds:.2f}",
                ", ".join(f"{o.seconds:.2f}" for o in runs),
                f"{seconds / copy:.2f}" if copy else "",
                f"{rows / seconds:,.0f}",
                cell(median((o.load.backend_cpu_s + o.load.worker_cpu_s + o.client_cpu_s) / cores for o in runs), 2),
                cell(median(o.load.backend_cpu_s for o in runs)),
                cell(median(o.load.postgres_cpu_s for o in runs)),
                cell(median(o.load.worker_cpu_s for o in runs)) if growth else "",
                cell(median(o.client_cpu_s for o in runs)),
                cell(max(growth)) if growth else "",
                cell(max((o.load.client_peak_mib or 0) for o in runs)),
                f"{cell(during)} ({len(gets)})" if gets else "",
                f"{during / idle_p99:.2f}" if gets else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"GET /api/deals/ idle (no load running, measured before each round): {len(idle)} requests, "
        f"p50 {statistics.median(idle) * 1000:.1f} ms, p99 {idle_p99:.1f} ms.",
    ]
    return lines


def where_table(results: dict) -> list[str]:
    lines = [
        "| rows | method | streams | COPY s | ANALYZE s | REFRESH s | last COPY to answer s "
        "| DB MB before / peak / after | file system peak growth MB "
        "| peak RSS MiB: gunicorn master / busiest worker / client / largest backend (own) |",
        "|---:|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for rows, res in results.items():
        for (method, streams), runs in res["runs"].items():
            loads = [o.load for o in runs]
            phase = {name: median(load.phase_s.get(name) for load in loads) for name in ("copy", "analyze", "refresh")}
            master = [load.master_peak_mib for load in loads if load.master_peak_mib is not None]
            worker = [load.worker_peak_mib for load in loads if load.worker_peak_mib is not None]
            memory = [
                cell(max(master)) if master else "-",
                cell(max(worker)) if worker else "-",
                cell(max((o.load.client_peak_mib or 0) for o in runs)),
                f"{cell(max(load.backend_peak_mib for load in loads))} "
                f"({cell(max(load.backend_peak_anon_mib for load in loads))})",
            ]
            disk = (
                f"{loads[-1].db_bytes_before / 1e6:,.0f} / {max(load.db_bytes_peak for load in loads) / 1e6:,.0f} "
                f"/ {loads[-1].db_bytes_after / 1e6:,.0f}"
            )
            cells = [
                f"{rows:,}",
                method,
                streams or "-",
                cell(phase["copy"]),
                cell(phase["analyze"]),
                cell(phase["refresh"]),
                cell(median(o.publish_s for o in runs), 2),
                disk,
                f"{max(load.fs_used_growth_bytes for load in loads) / 1e6:,.0f}",
                " / ".join(memory),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


NOTES = """\
Columns. *COPY backends*: the most backends of the bench database seen running a COPY at once, per
run (the streams that took effect; 1 on a checkout that ignores DEALS_COPY_STREAMS). *backend CPU*:
user+system CPU of the bench database's backends during the load (pg_stat_activity every 0.1 s,
/proc/PID/stat; a backend that appears during the load counts whole; the GET thread's backends are
included, the probe's own is not; a process that lives less than 0.1 s can be missed). *all
PostgreSQL CPU*: every PostgreSQL process (live children of the postmaster plus its reaped children:
parallel workers, WAL writer, checkpointer, autovacuum), so it includes other databases' work on a
shared server. *worker CPU*: gunicorn's workers (uploads only). *client CPU*: curl, `load_deals` or psql, from wait4's
rusage; *client peak RSS*: its VmHWM, read every 50 ms while it runs (psql: the larger of Debian's
Perl wrapper and psql itself). *worker RSS growth*: the largest growth of one
gunicorn process over its value before the load (VmRSS every 50 ms). *GET p99 during*: GET
/api/deals/ in a loop (10 ms apart) on the same server for the whole load, pooled over the runs;
the ratio is to the idle p99 above (goal: within 2x). *CPU floor*: (backend + worker + client CPU)
/ cores, the wall time below which the load cannot go on this machine with its CPU work as it is.

Second table: *COPY / ANALYZE / REFRESH s*: wall seconds during which some backend of the database
was running that statement (sampled every 0.1 s; REFRESH is the report's refresh). *last COPY to
answer*: from the last sample that saw a COPY to the client's answer (analyze, publish lock, attach,
refresh, commit, dropping the previous load). *DB MB*: pg_database_size before, its peak (every
0.5 s) and after. *file system peak growth*: used bytes of the file system that holds PostgreSQL's
data directory (WAL and temporary files too; anything else writing there too). *largest backend*:
VmRSS of one backend, which counts the shared buffers it touched; its own memory (RssAnon) in
parentheses."""


def legacy_latency(lat: dict) -> list[str]:
    """--latency-rows: the old separate table (one upload and one \\copy of that size)."""
    rows = [("idle", lat["idle"])]
    rows.append((f"during a {lat['rows']:,}-row upload ({lat['upload'].seconds:.1f} s)", lat["upload"].gets))
    rows.append((f"during \\copy of the same file ({lat['copy'].seconds:.1f} s)", lat["copy"].gets))
    lines = ["| GET /api/deals/ | requests | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for label, samples in rows:
        lines.append(
            f"| {label} | {len(samples)} | {statistics.median(samples) * 1000:.1f} "
            f"| {p99(samples) * 1000:.1f} | {max(samples) * 1000:.1f} |"
        )
    return lines


def report(header: dict, results: dict, idle: list[float], lat: dict | None, bulk: dict | None) -> str:
    lines = [
        f"Run {header['started']}, commit {header['commit']}, {header['cores']} cores, "
        f"PostgreSQL {header['postgres']}.",
        "",
        f"Machine load before: `{header['uptime_before']}`; after: `{header['uptime_after']}`.",
        "",
        f"Command: `{header['command']}`",
        "",
        *main_table(results, idle, header["cores"]),
        "",
        *where_table(results),
        "",
        NOTES,
    ]
    if lat:
        lines += ["", *legacy_latency(lat)]
    if bulk:
        lines += [
            "",
            "| same file | seconds | ratio to the multipart median |",
            "|---|---:|---:|",
            f"| Django `bulk_create`, batches of 5,000 ({bulk['rows']:,} rows) | {bulk['seconds']:.2f} "
            f"| {bulk['seconds'] / bulk['post']:.1f} |",
        ]
    return "\n".join(lines) + "\n"
