"""Against a real gunicorn (2 workers x 2 threads) and a real Redis: from the moment a POST answers
OK, every GET on every worker and thread answers the new report, never an old one, never a mix;
and a dead Redis changes nothing but speed."""

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from deals.report.cache import RETRY_SECONDS
from tests.live_server import Gunicorn, RedisServer, database_url, delete_cache_entries
from tests.reference import reference_report
from tests.support import csv_of

pytestmark = pytest.mark.server

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
CUSTOMERS = ("alice", "Bob", "carol", "dave", "eve", "frank", "Жанна", "zoe")
GEMS = ("Ruby", "Opal", "Jade", "agate", "Сапфир")
CLIENTS = 8


def random_deals(rng: random.Random) -> list[tuple[str, str, int]]:
    return [(rng.choice(CUSTOMERS), rng.choice(GEMS), rng.randint(0, 1000)) for _ in range(rng.randint(1, 25))]


def load_number(etag: str) -> int:
    return int(etag.strip('"').split("-")[0])


@pytest.fixture(scope="module")
def test_database_url(django_db_setup, django_db_blocker) -> str:
    """The database pytest-django created; the server's commits land there, visible to us."""
    with django_db_blocker.unblock():
        return database_url()


@pytest.fixture(scope="module")
def server(test_database_url, tmp_path_factory):
    gunicorn = Gunicorn(
        database_url=test_database_url, redis_url=REDIS_URL, log_path=tmp_path_factory.mktemp("gunicorn") / "log"
    )
    yield gunicorn
    gunicorn.stop()
    delete_cache_entries(REDIS_URL, gunicorn.cache_prefix)


def concurrent_gets(server: Gunicorn, pool: ThreadPoolExecutor) -> list:
    """CLIENTS GETs released at the same moment."""
    start = threading.Barrier(CLIENTS)

    def get(_):
        start.wait()
        return server.get()

    return list(pool.map(get, range(CLIENTS)))


def post_ok(server: Gunicorn, deals) -> None:
    answer = server.post_csv(csv_of(*deals))
    assert answer.status == 200, answer.body


def test_every_get_after_an_upload_answers_with_the_new_report(server, empty_dataset):
    rng = random.Random(4)
    seen_etags = set()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for round_number in range(100):
            deals = random_deals(rng)
            post_ok(server, deals)
            answers = concurrent_gets(server, pool)
            expected = {"response": reference_report(deals)}
            assert [answer.json() for answer in answers] == [expected] * CLIENTS, f"round {round_number}: {deals}"
            etags = {answer.headers["etag"] for answer in answers}
            assert len(etags) == 1, etags
            assert not etags & seen_etags, "an ETag came back for a different upload"
            seen_etags |= etags


def test_gets_during_uploads_each_answer_one_whole_uploaded_report(server, empty_dataset):
    rng = random.Random(5)
    datasets = [random_deals(rng) for _ in range(25)]
    reports = [{"response": reference_report(deals)} for deals in datasets]
    post_ok(server, datasets[0])
    first_load = load_number(server.get().headers["etag"])
    uploading = threading.Event()
    uploading.set()
    logs: list[list] = [[] for _ in range(4)]

    def read(log: list) -> None:
        while uploading.is_set():
            answer = server.get()
            log.append((answer.status, load_number(answer.headers["etag"]), answer.json()))

    readers = [threading.Thread(target=read, args=(log,)) for log in logs]
    for reader in readers:
        reader.start()
    try:
        for deals in datasets[1:]:
            post_ok(server, deals)
    finally:
        uploading.clear()
        for reader in readers:
            reader.join()

    seen_loads = set()
    for log in logs:
        loads = [load for _, load, _ in log]
        assert loads == sorted(loads), "a reader saw an older dataset after a newer one"
        for status, load, body in log:
            assert status == 200
            assert body == reports[load - first_load], f"load {load} answered with another report"
        seen_loads.update(loads)
    assert len(seen_loads) > 5, "the readers hardly overlapped the uploads"
    assert server.get().json() == reports[-1]


def test_the_etag_names_the_dataset_and_a_current_copy_gets_304(server, empty_dataset):
    rng = random.Random(6)
    post_ok(server, random_deals(rng))
    first = server.get()
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert first.headers["cache-control"] == "no-cache"
    again = server.get(headers={"If-None-Match": etag})
    assert (again.status, again.body, again.headers["etag"]) == (304, b"", etag)
    deals = random_deals(rng)
    post_ok(server, deals)
    after = server.get(headers={"If-None-Match": etag})
    assert after.status == 200
    assert after.json() == {"response": reference_report(deals)}
    assert after.headers["etag"] != etag


def redis_keys(redis_server: RedisServer) -> int:
    return int(redis_server.command("DBSIZE")[1:])


def test_gets_stay_correct_while_redis_is_down(test_database_url, tmp_path, empty_dataset):
    rng = random.Random(7)
    redis_server = RedisServer()
    server = Gunicorn(database_url=test_database_url, redis_url=redis_server.url, log_path=tmp_path / "log")
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:

            def upload_and_check() -> None:
                deals = random_deals(rng)
                post_ok(server, deals)
                expected = {"response": reference_report(deals)}
                assert [answer.json() for answer in concurrent_gets(server, pool)] == [expected] * CLIENTS

            upload_and_check()
            assert redis_keys(redis_server) == 1, "the report was not cached in Redis"
            redis_server.command("FLUSHALL")
            upload_and_check()

            redis_server.stop()
            for _ in range(5):
                upload_and_check()
            assert server.alive()
            warnings = server.log().count("report cache unavailable")
            assert 1 <= warnings <= 2, f"expected one warning per worker for the outage, got {warnings}"

            redis_server = RedisServer(port=redis_server.port)
            time.sleep(RETRY_SECONDS + 0.5)
            for _ in range(5):  # until a worker that saw the outage serves a new version
                upload_and_check()
                if "report cache available again" in server.log():
                    break
            assert "report cache available again" in server.log()
            assert redis_keys(redis_server) >= 1, "the cache was not used again once Redis was back"
            assert server.log().count("report cache unavailable") == warnings
    finally:
        server.stop()
        redis_server.stop()
