"""docker/entrypoint.sh, run on the host: it migrates an empty database, then serves with gunicorn.

The image runs the same script, so this is its first start in miniature: a database with no
tables, `migrate` (which also creates the materialized view), then gunicorn with gunicorn.conf.py.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.db import connections
from psycopg2 import sql as pgsql

from tests.live_server import database_url, free_port

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"

pytestmark = pytest.mark.server


def admin_connection():
    params = connections["default"].get_connection_params()
    params["dbname"] = "postgres"
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    return admin


@pytest.fixture
def empty_database_url(django_db_setup):
    """A database with nothing in it, beside the test database; dropped afterwards."""
    settings = connections["default"].settings_dict
    name = f"{settings['NAME']}_entrypoint"
    drop = pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
    admin = admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(drop)
            cursor.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        yield database_url({**settings, "NAME": name})
        with admin.cursor() as cursor:
            cursor.execute(drop)
    finally:
        admin.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_answer(url: str, server: subprocess.Popen, seconds: float = 60) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the entrypoint exited with {server.returncode}")
        try:
            return get(url)
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing answered at {url} within {seconds}s")


def test_the_entrypoint_migrates_an_empty_database_then_serves_the_report(empty_database_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        # The virtualenv first, as the image has its Python first: the script finds both on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": empty_database_url,
        "DJANGO_SECRET_KEY": "entrypoint-test",
        "DJANGO_DEBUG": "0",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    log = tmp_path / "entrypoint.log"
    with log.open("wb") as output:
        server = subprocess.Popen([str(ENTRYPOINT)], env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            status, body = wait_for_answer(f"http://127.0.0.1:{port}/api/deals/", server)
        finally:
            server.send_signal(signal.SIGTERM)  # gunicorn is the script's own process, by exec
            try:
                exited = server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                exited = server.wait()
    output = log.read_text()
    assert status == 200, output
    assert body == b'{"response":[]}', output
    assert "Applying deals.0001_deal_storage... OK" in output
    assert exited == 0, output  # a graceful stop: SIGTERM reached gunicorn itself
