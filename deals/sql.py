"""SQL lives in .sql files; this is the one way Python gets at it."""

from functools import cache
from pathlib import Path

from deals.driver import pgsql

PROJECT_DIR = Path(__file__).resolve().parent.parent
SQL_DIRS = {"sql": PROJECT_DIR / "sql", "migrations_sql": PROJECT_DIR / "migrations_sql"}


@cache
def read_sql(name: str, folder: str = "sql") -> str:
    """The statement(s) in `folder/name.sql` (`name` may hold a subfolder: "load/staging_copy"), without a
    trailing semicolon (views embed them)."""
    return (SQL_DIRS[folder] / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def compose_sql(name: str, **parts: pgsql.Composable) -> pgsql.Composed:
    """A .sql template with identifiers and literals we generate filled in safely."""
    return pgsql.SQL(read_sql(name)).format(**parts)


def migration_sql(name: str) -> dict[str, str]:
    """`sql` and `reverse_sql` for a RunSQL: migrations_sql/<name>.sql and <name>.reverse.sql."""
    return {
        "sql": read_sql(name, folder="migrations_sql"),
        "reverse_sql": read_sql(f"{name}.reverse", folder="migrations_sql"),
    }
