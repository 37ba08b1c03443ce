"""What each step beyond COPY costs per million rows: `python bench/row_costs.py [--sizes 1000000,10000000]`.

DATABASE_URL names a migrated database; everything happens in a private schema (rc_<pid>, dropped at
the end) whose deal_rows, dataset, deals and report views mirror the real ones, so the live data
is never touched. Every variant runs in its own transaction, rolled back, as the loader's would;
the variants of a round run in a rotated order, and the medians over --rounds are printed.

  checks:  COPY ... FREEZE of the file into a table made as a COPY stream's (sql/load/stream_create.sql:
           deal_rows' columns and CHECKs, load_id_bound, and stream_bound once deal_rows has the
           stream column), with each CHECK dropped, with none: wall time, and the CPU
           seconds of the backend (/proc/PID/stat, read by psql's \\! between statements), which
           a busy machine disturbs far less;
  stream:  the same COPY into a table without the `stream smallint` column, with it appended (as
           migration 0010 added it), and with it right after quantity, where the alignment padding
           before date has room for it (deal_rows' order since migration 0011, which LIKE copies);
           the heap size of each;
  analyze: after the COPY, ANALYZE (load_id), a full ANALYZE or none; then attach, publish and
           REFRESH MATERIALIZED VIEW CONCURRENTLY of the report, by this tree's SQL ("new") and by
           the baseline commit's ("old": per-row btrim through the view deals, serial second pass);
  btrim:   in the same transaction, per-customer sums over the view's trimmed column, over btrim()
           of the raw column, and over the raw column.

The files come from bench/gen_deals.py (bench/data/deals_<rows>.csv, made when missing).
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
django.setup()

from deals.report.by_load import live_report_sql  # noqa: E402

LAYOUTS = ["no stream column", "stream appended (migration 0010)", "stream after quantity (in padding)"]
ANALYZE_VARIANTS = {
    "ANALYZE (load_id)": "ANALYZE {table} (load_id);",
    "full ANALYZE": "ANALYZE {table};",
    "no ANALYZE": "",
}
SUMS = {
    "sum per customer over the view deals (trimmed)": "SELECT customer, sum(total) FROM deals GROUP BY customer",
    "sum per btrim(customer) over deal_rows": "SELECT btrim(customer), sum(total) FROM deal_rows"
    " WHERE load_id = (SELECT live_load FROM dataset) GROUP BY 1",
    "sum per customer over deal_rows (raw)": "SELECT customer, sum(total) FROM deal_rows"
    " WHERE load_id = (SELECT live_load FROM dataset) GROUP BY 1",
}
LOAD_ID = 1


def psql(url: str, script: str) -> str:
    args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url]
    return subprocess.run(args, input=script, capture_output=True, text=True, check=True).stdout


def timed(script_lines: list[str | tuple[str, str]]) -> str:
    """A psql script; a (label, statement) pair is timed and its time reported under the label."""
    out = ["\\timing on"]
    for line in script_lines:
        if isinstance(line, tuple):
            label, statement = line
            out += [f"\\echo @@{label}", statement]
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def parse(output: str) -> dict[str, float | str]:
    """{label: milliseconds} from a timed script's output, and {name: value} from `name=value` rows."""
    found: dict[str, float | str] = {}
    label = None
    for line in output.splitlines():
        if line.startswith("@@"):
            label = line[2:]
        elif (match := re.match(r"Time: ([0-9.]+) ms", line)) and label:
            found[label] = float(match[1])
            label = None
        elif "=" in line and not line.startswith("Time"):
            name, _, value = line.partition("=")
            found[name] = value
    if "cpu_before" in found and "cpu_after" in found:
        found["copy_cpu"] = float(found["cpu_after"]) - float(found["cpu_before"])
    return found


def cpu_seconds(name: str) -> str:
    """A psql line printing `name=<CPU seconds of this session's backend>` (utime + stime, /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return f"\\! awk '{{print \"{name}=\" ($14 + $15) / {ticks}}}' /proc/$BACKEND_PID/stat"


def data_file(rows: int) -> Path:
    path = ROOT / "bench" / "data" / f"deals_{rows}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_deals.py"), str(rows), str(path)], check=True)
    return path


def baseline_report_sql(commit: str) -> str:
    """The report's SQL as `commit` had it, over the view deals (its `{deals}` slot)."""
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:sql/report/top_customers.sql"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return body.replace("{deals}", "deals")


class Schema:
    """The private mirror: deal_rows (same columns and checks), dataset, deals, and both reports."""

    def __init__(self, url: str, baseline: str) -> None:
        self.url = url
        self.name = f"rc_{os.getpid()}"
        self.baseline = baseline
        columns = "SELECT attname FROM pg_attribute WHERE attrelid = 'public.deal_rows'::regclass AND attnum > 0"
        names = psql(url, columns + " AND NOT attisdropped ORDER BY attnum;").split()
        self.has_stream = "stream" in names
        found = psql(
            url,
            "SELECT conname || '|' || pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'public.deal_rows'::regclass AND contype = 'c' ORDER BY conname;",
        )
        self.checks = dict(line.split("|", 1) for line in found.splitlines())
        self.checks["load_id_bound"] = f"CHECK (load_id = {LOAD_ID})"  # sql/load/stream_create.sql's
        # deal_rows' own order, which a stream's table takes (LIKE): since migration 0011, stream before date.
        self.own_layout = (
            LAYOUTS[0]
            if not self.has_stream
            else LAYOUTS[2]
            if names.index("stream") < names.index("date")
            else LAYOUTS[1]
        )

    def check_names(self) -> list[str]:
        """Every CHECK a stream's table has (stream_bound only where the table has the column)."""
        return [*self.checks, *(["stream_bound"] if self.has_stream else [])]

    def create(self) -> None:
        deals_view = psql(self.url, "SELECT pg_get_viewdef('public.deals'::regclass);").strip().rstrip(";")
        psql(
            self.url,
            f"""
            CREATE SCHEMA {self.name};
            SET search_path = {self.name}, public;
            CREATE TABLE deal_rows (LIKE public.deal_rows INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
                PARTITION BY LIST (load_id);
            CREATE TABLE dataset (live_load bigint);
            INSERT INTO dataset VALUES (NULL);
            CREATE VIEW deals AS {deals_view};
            CREATE MATERIALIZED VIEW report_new AS {live_report_sql()};
            CREATE UNIQUE INDEX ON report_new (username);
            CREATE MATERIALIZED VIEW report_old AS {baseline_report_sql(self.baseline)};
            CREATE UNIQUE INDEX ON report_old (username);
            """,
        )

    def drop(self) -> None:
        psql(self.url, f"DROP SCHEMA IF EXISTS {self.name} CASCADE;")

    def table_ddl(self, table: str, layout: str, drop: list[str]) -> str:
        """CREATE TABLE as a stream's table, its columns in the layout's order, minus the checks in `drop`."""
        columns = [
            f"load_id bigint NOT NULL DEFAULT {LOAD_ID}",
            "customer text NOT NULL",
            "item text NOT NULL",
            "total bigint NOT NULL",
            "quantity integer NOT NULL",
            "date timestamptz NOT NULL",
        ]
        checks = dict(self.checks)
        if layout != LAYOUTS[0]:
            columns.insert(6 if layout == LAYOUTS[1] else 5, "stream smallint NOT NULL DEFAULT 0")
            checks["stream_bound"] = "CHECK (stream = 0)"
        columns += [f"CONSTRAINT {name} {check}" for name, check in checks.items() if name not in drop]
        return f"CREATE TABLE {table} ({', '.join(columns)});"

    def staging(self, path: Path, drop: list[str], layout: str) -> list:
        table = f"deal_rows_{LOAD_ID}"
        lines: list = [
            f"SET search_path = {self.name}, public;",
            "BEGIN;",
            "SET LOCAL TimeZone = 'UTC';",
            self.table_ddl(table, layout, drop),
        ]
        columns = "customer, item, total, quantity, date"
        copy = f"\\copy {table} ({columns}) FROM '{path}' WITH (FORMAT csv, HEADER true, FREEZE true)"
        lines += [
            "SELECT pg_backend_pid() AS backend_pid \\gset",
            "\\setenv BACKEND_PID :backend_pid",
            cpu_seconds("cpu_before"),
            ("copy", copy),
            cpu_seconds("cpu_after"),
            f"SELECT 'heap_bytes=' || pg_relation_size('{table}');",
        ]
        return lines

    def copy_variants(self) -> list[str]:
        return ["all checks", *(f"without {name}" for name in self.check_names()), "no checks", *LAYOUTS]

    def copy_variant(self, path: Path, variant: str) -> dict:
        if variant == "no checks":
            drop = self.check_names()
        elif variant.startswith("without "):
            drop = [variant.removeprefix("without ")]
        else:
            drop = []
        lines = self.staging(path, drop, variant if variant in LAYOUTS else self.own_layout)
        return parse(psql(self.url, timed([*lines, "ROLLBACK;"])))

    def analyze_variant(self, path: Path, variant: str, round_no: int) -> dict:
        table = f"deal_rows_{LOAD_ID}"
        lines = self.staging(path, [], self.own_layout)
        statement = ANALYZE_VARIANTS[variant].format(table=table)
        if statement:
            lines.append(("analyze", statement))
        lines += [
            ("attach", f"ALTER TABLE deal_rows ATTACH PARTITION {table} FOR VALUES IN ({LOAD_ID});"),
            f"UPDATE dataset SET live_load = {LOAD_ID};",
        ]
        refreshes = ["new", "old"] if round_no % 2 == 0 else ["old", "new"]
        lines += [(f"refresh {kind}", f"REFRESH MATERIALIZED VIEW CONCURRENTLY report_{kind};") for kind in refreshes]
        sums = list(SUMS.items())
        shift = round_no % len(sums)
        lines += [(label, f"\\o /dev/null\n{query};\n\\o") for label, query in sums[shift:] + sums[:shift]]
        lines += [
            "SELECT 'same_answer=' || ((SELECT array_agg(r ORDER BY rank) FROM report_new r)::text"
            " = (SELECT array_agg(r ORDER BY rank) FROM report_old r)::text);",
            "ROLLBACK;",
        ]
        return parse(psql(self.url, timed(lines)))


def rotated(items: list, by: int) -> list:
    by %= len(items)
    return items[by:] + items[:by]


def median(runs: list[dict], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs if key in run)


def per_million(ms: float, rows: int) -> str:
    return f"{ms / 1000 / rows * 1e6:.3f}"


def report_size(rows: int, copies: dict[str, list[dict]], analyzes: dict[str, list[dict]], own: str) -> str:
    base = median(copies["all checks"], "copy_cpu")
    lines = [
        f"#### {rows:,} rows",
        "",
        "| COPY ... FREEZE into a new table | median s | backend CPU s | CPU s per 1M rows | CPU against all checks |",
        "|---|---:|---:|---:|---:|",
    ]
    for variant, runs in copies.items():
        ms, cpu = median(runs, "copy"), median(runs, "copy_cpu")
        lines.append(
            f"| {variant} | {ms / 1000:.2f} | {cpu:.2f} | {per_million(cpu * 1000, rows)} | {cpu / base - 1:+.1%} |"
        )
    sizes = [median(copies[layout], "heap_bytes") for layout in LAYOUTS]
    lines += [
        "",
        "Heap size: "
        + ", ".join(f"{layout} {size / 2**20:.1f} MiB" for layout, size in zip(LAYOUTS, sizes, strict=True))
        + f" ({(sizes[1] - sizes[0]) / rows:.2f} and {(sizes[2] - sizes[0]) / rows:.2f} bytes per row more).",
        "",
        "| after COPY | ANALYZE s | refresh new s | refresh old s | new per 1M rows s | old per 1M rows s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for variant, runs in analyzes.items():
        analyze = median(runs, "analyze") / 1000 if variant != "no ANALYZE" else 0.0
        new, old = median(runs, "refresh new"), median(runs, "refresh old")
        seconds = f"{analyze:.2f} | {new / 1000:.2f} | {old / 1000:.2f}"
        lines.append(f"| {variant} | {seconds} | {per_million(new, rows)} | {per_million(old, rows)} |")
    runs = analyzes["ANALYZE (load_id)"]
    lines += ["", "| query over the new rows (after ANALYZE (load_id)) | median s | s per 1M rows |", "|---|---:|---:|"]
    for label in SUMS:
        ms = median(runs, label)
        lines.append(f"| {label} | {ms / 1000:.2f} | {per_million(ms, rows)} |")
    same = {run["same_answer"] for runs in analyzes.values() for run in runs}
    lines += ["", f"New and old report identical in every run: {same == {'true'}}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default="bac28d6", help="commit whose report SQL is the 'old' one")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout
    print(
        f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit.strip()}, {os.getloadavg()} load", flush=True
    )
    schema = Schema(url, args.baseline)
    schema.drop()
    schema.create()
    try:
        for rows in (int(size) for size in args.sizes.split(",")):
            path = data_file(rows)
            copies: dict[str, list[dict]] = {variant: [] for variant in schema.copy_variants()}
            analyzes: dict[str, list[dict]] = {variant: [] for variant in ANALYZE_VARIANTS}
            for round_no in range(args.rounds):
                jobs = [("copy", variant) for variant in schema.copy_variants()]
                jobs += [("analyze", variant) for variant in ANALYZE_VARIANTS]
                for kind, variant in rotated(jobs, round_no * 5):
                    if kind == "copy":
                        copies[variant].append(schema.copy_variant(path, variant))
                    else:
                        analyzes[variant].append(schema.analyze_variant(path, variant, round_no))
                    print(f"  {rows:,} round {round_no + 1} {kind} {variant} done", file=sys.stderr, flush=True)
            print(report_size(rows, copies, analyzes, schema.own_layout), flush=True)
    finally:
        schema.drop()
    print(f"ended {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.getloadavg()} load")


if __name__ == "__main__":
    main()
