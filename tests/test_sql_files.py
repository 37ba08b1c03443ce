"""The SQL convention, checked: every statement is a named file that says why it exists.

Every sql/**/*.sql is named (`-- name:`) for its file, says why (`-- Why:`), and declares the
psycopg2.sql slots it uses (`-- Placeholders ...: a, b`), no more and no fewer. The files in
migrations_sql/ follow the same rule with their migration's number left out of the name
(0002_uploads.sql is `uploads`, 0002_uploads.reverse.sql is `uploads_reverse`).
"""

import re
from pathlib import Path

import pytest

from deals.sql import PROJECT_DIR

SQL_FILES = sorted((PROJECT_DIR / "sql").rglob("*.sql"))
MIGRATION_FILES = sorted((PROJECT_DIR / "migrations_sql").glob("*.sql"))
SLOT = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})")  # not a regex count like {64}


def header(path: Path, key: str) -> str | None:
    found = re.search(rf"^-- {key}[^:\n]*:\s*(.*)$", path.read_text(encoding="utf-8"), re.M)
    return found[1].strip() if found else None


def declared_slots(path: Path) -> set[str]:
    """The names on the Placeholders line; a note in parentheses after a name is not one."""
    line = header(path, "Placeholders") or ""
    line = re.sub(r"\([^)]*\)", "", line).rstrip(" .")
    return {name.strip() for name in line.split(",") if name.strip()}


def used_slots(path: Path) -> set[str]:
    body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--"))
    return set(SLOT.findall(body))


def migration_name(path: Path) -> str:
    number, _, rest = path.name.removesuffix(".sql").partition("_")
    assert number.isdigit(), path
    return rest.replace(".reverse", "_reverse")


def test_there_are_sql_files_to_check():
    assert len(SQL_FILES) > 10 and len(MIGRATION_FILES) > 5


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_a_sql_file_is_named_for_its_file_says_why_and_declares_its_slots(path):
    assert header(path, "name") == path.stem
    assert header(path, "Why")
    assert declared_slots(path) == used_slots(path)


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda p: p.name)
def test_a_migration_sql_file_is_named_for_its_migration_and_says_why(path):
    assert header(path, "name") == migration_name(path)
    assert header(path, "Why")
    assert declared_slots(path) == used_slots(path) == set()


@pytest.mark.parametrize(
    ("placeholders", "slots"),
    [
        ("-- Placeholders (psycopg2.sql): staging, load_id.", {"staging", "load_id"}),
        ("-- Placeholders (psycopg2.sql): dataset_version (sql/report/dataset_version.sql).", {"dataset_version"}),
        ("", set()),
    ],
)
def test_the_placeholders_line_is_read_as_a_list_of_names(tmp_path, placeholders, slots):
    path = tmp_path / "example.sql"
    path.write_text(f"-- name: example\n-- Why: a test.\n{placeholders}\nSELECT 1\n", encoding="utf-8")
    assert declared_slots(path) == slots
