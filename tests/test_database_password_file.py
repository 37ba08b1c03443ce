"""DATABASE_PASSWORD_FILE: the settings take the database password from a file (the compose stack's
db service writes it into a volume), unless DATABASE_URL carries one; a missing file says so."""

import os
import subprocess
import sys

URL = "postgres://postgres@db:5432/deals"
PRINT_PASSWORD = "from django.conf import settings; print(repr(settings.DATABASES['default']['PASSWORD']))"


def settings_with(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRINT_PASSWORD],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "core.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def password_seen(**env: str) -> str:
    done = settings_with(**env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_password_is_read_from_the_file_without_its_final_newline(tmp_path):
    (tmp_path / "password").write_text(" a p@ss:word \n")

    assert password_seen(DATABASE_URL=URL, DATABASE_PASSWORD_FILE=str(tmp_path / "password")) == "' a p@ss:word '"


def test_a_password_in_database_url_wins(tmp_path):
    (tmp_path / "password").write_text("from-the-file\n")
    url = "postgres://postgres:from-the-url@db:5432/deals"

    assert password_seen(DATABASE_URL=url, DATABASE_PASSWORD_FILE=str(tmp_path / "password")) == "'from-the-url'"


def test_a_missing_file_is_refused_with_a_message_saying_who_writes_it(tmp_path):
    done = settings_with(DATABASE_URL=URL, DATABASE_PASSWORD_FILE=str(tmp_path / "password"))

    assert done.returncode == 1
    assert f"DATABASE_PASSWORD_FILE is {tmp_path / 'password'}, which does not exist" in done.stderr
    assert "the db service writes it" in done.stderr
