"""The stack's secret key: docker/entrypoint.sh generates it once into DJANGO_SECRET_KEY_FILE, the
settings read it from there, and an explicit DJANGO_SECRET_KEY wins.

The compose stack keeps that file in a volume, so no secret lives in the repository and every
start of the web service, `docker compose run web ...` and `docker compose exec web ...` use the
same key.
"""

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parent.parent / "docker" / "entrypoint.sh"
PRINT_KEY = [sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"]


def run_entrypoint(key_file: Path, **env: str) -> subprocess.CompletedProcess:
    """A command that prints Django's SECRET_KEY, run through the entrypoint (no DJANGO_SECRET_KEY unless given)."""
    base = {name: value for name, value in os.environ.items() if name != "DJANGO_SECRET_KEY"}
    return subprocess.run(
        [str(ENTRYPOINT), *PRINT_KEY],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "core.settings",
            "DJANGO_DEBUG": "",
            "DJANGO_SECRET_KEY_FILE": str(key_file),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def key_seen_by_django(key_file: Path, **env: str) -> str:
    done = run_entrypoint(key_file, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_first_start_generates_a_long_random_key_readable_by_its_owner_only(tmp_path):
    key_file = tmp_path / "secret_key"

    key = key_seen_by_django(key_file)

    assert len(key) >= 50
    assert len(set(key)) >= 5  # what Django's check --deploy asks of a key
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no draft left behind


def test_later_starts_keep_the_same_key(tmp_path):
    key_file = tmp_path / "secret_key"

    first = key_seen_by_django(key_file)

    assert key_seen_by_django(key_file) == first


def test_another_folder_gets_another_key(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    assert key_seen_by_django(tmp_path / "a" / "key") != key_seen_by_django(tmp_path / "b" / "key")


def test_an_explicit_key_wins_and_nothing_is_written(tmp_path):
    key_file = tmp_path / "secret_key"

    assert key_seen_by_django(key_file, DJANGO_SECRET_KEY="my-own-key") == "my-own-key"
    assert not key_file.exists()


def test_starts_at_the_same_moment_all_get_the_one_key_that_was_kept(tmp_path):
    key_file = tmp_path / "secret_key"

    with ThreadPoolExecutor(max_workers=6) as pool:
        keys = set(pool.map(lambda _: key_seen_by_django(key_file), range(6)))

    assert keys == {key_file.read_text().strip()}


def test_an_empty_key_file_is_refused_with_a_message_saying_what_to_do(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.touch()

    done = run_entrypoint(key_file)

    assert done.returncode == 1
    assert f"{key_file} is empty; delete it" in done.stderr
