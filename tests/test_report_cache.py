"""GET /api/deals/ is cached per dataset version: conditional requests work, and the cache never
answers for another dataset, whether it holds old entries, was flushed, or is down."""

import logging

import pytest
from django.core.cache import cache
from django.db import connection

from deals.report import cache as report_cache
from tests.live_server import free_port
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, redis_cache_settings, report

pytestmark = pytest.mark.django_db

ALICE = csv_of(("alice", "Ruby", 10))
BOB = csv_of(("bob", "Opal", 20))
ALICE_REPORT = [{"username": "alice", "spent_money": 10, "gems": []}]
BOB_REPORT = [{"username": "bob", "spent_money": 20, "gems": []}]


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test starts as a new worker would: nothing served yet, the cache presumed up."""
    monkeypatch.setattr(report_cache, "last_served", report_cache.EMPTY_REPORT)
    monkeypatch.setattr(report_cache, "breaker", report_cache.CacheBreaker(retry_seconds=60))


def etag_of(client) -> str:
    return client.get("/api/deals/")["ETag"]


def cached_body(etag: str):
    return cache.get(report_cache.cache_key(etag.strip('"')))


def forget_served() -> None:
    """What another worker, which has not served this version yet, sees."""
    report_cache.last_served = report_cache.EMPTY_REPORT


def test_the_answer_carries_a_strong_etag_and_asks_clients_to_revalidate(client, sample_csv):
    post_csv(client, sample_csv)
    response = client.get("/api/deals/")
    assert response.json() == {"response": SAMPLE_ANSWER}
    assert response["Cache-Control"] == "no-cache"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')


def test_a_client_holding_the_current_version_gets_304_without_a_body(client):
    post_csv(client, ALICE)
    etag = etag_of(client)
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get("/api/deals/", HTTP_IF_NONE_MATCH=if_none_match)
        assert response.status_code == 304, if_none_match
        assert response.content == b""
        assert response["ETag"] == etag


def test_each_upload_changes_the_etag_and_an_old_one_gets_the_new_report(client):
    post_csv(client, ALICE)
    old = etag_of(client)
    post_csv(client, BOB)
    response = client.get("/api/deals/", HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert response.json() == {"response": BOB_REPORT}
    assert response["ETag"] != old


def test_the_version_differs_when_a_load_number_comes_round_again(client):
    """A recreated database numbers its loads from 1 again; the publish time tells them apart."""
    post_csv(client, ALICE)
    before = etag_of(client)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dataset SET published_at = published_at + interval '1 second'")
    after = etag_of(client)
    assert before.split("-")[0] == after.split("-")[0]
    assert before != after


def test_before_any_upload_the_empty_report_has_an_etag_too(client):
    response = client.get("/api/deals/")
    assert response.json() == {"response": []}
    assert client.get("/api/deals/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_cache_holds_exactly_the_body_sent_under_its_version(client, redis_cache):
    post_csv(client, ALICE)
    response = client.get("/api/deals/")
    assert cached_body(response["ETag"]) == response.content


def test_an_entry_for_the_old_dataset_never_answers_for_the_new_one(client, redis_cache):
    post_csv(client, ALICE)
    old = etag_of(client)
    post_csv(client, BOB)
    assert report(client) == BOB_REPORT
    forget_served()
    assert report(client) == BOB_REPORT
    assert cached_body(old) is not None  # still there, and harmless


def test_a_worker_that_has_not_served_the_version_takes_it_from_the_shared_cache(client, redis_cache):
    post_csv(client, ALICE)
    etag = etag_of(client)
    # Plant a marker under the current version: only a read from the cache can return it.
    cache.set(report_cache.cache_key(etag.strip('"')), b'{"response":"from the cache"}')
    forget_served()
    assert client.get("/api/deals/").json() == {"response": "from the cache"}


def test_a_flushed_cache_is_refilled_from_postgresql(client, redis_cache):
    post_csv(client, ALICE)
    etag = etag_of(client)
    cache.delete(report_cache.cache_key(etag.strip('"')))
    forget_served()
    assert report(client) == ALICE_REPORT
    assert cached_body(etag) is not None


def test_an_unreachable_redis_is_logged_once_and_postgresql_answers(client, dead_redis, caplog, monkeypatch):
    monkeypatch.setattr(report_cache, "breaker", report_cache.CacheBreaker(retry_seconds=0))  # try every time
    caplog.set_level(logging.WARNING, logger="deals.report_cache")
    for deals, expected in [(ALICE, ALICE_REPORT), (BOB, BOB_REPORT)] * 3:
        post_csv(client, deals)
        for _ in range(3):
            forget_served()
            assert report(client) == expected
    warnings = [record for record in caplog.records if "unavailable" in record.getMessage()]
    assert len(warnings) == 1


def test_redis_coming_back_is_used_again_and_logged(client, redis_cache, settings, caplog, monkeypatch):
    monkeypatch.setattr(report_cache, "breaker", report_cache.CacheBreaker(retry_seconds=0))
    caplog.set_level(logging.INFO, logger="deals.report_cache")
    live = settings.CACHES
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{free_port()}/0", "test")
    post_csv(client, ALICE)
    assert report(client) == ALICE_REPORT
    settings.CACHES = live
    post_csv(client, BOB)
    response = client.get("/api/deals/")
    assert response.json() == {"response": BOB_REPORT}
    assert cached_body(response["ETag"]) == response.content
    messages = [record.getMessage() for record in caplog.records if record.name == "deals.report_cache"]
    assert len(messages) == 2
    assert "unavailable" in messages[0]
    assert "available again" in messages[1]


def test_without_redis_each_process_caches_in_memory(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    post_csv(client, ALICE)
    assert report(client) == ALICE_REPORT
    post_csv(client, BOB)
    assert report(client) == BOB_REPORT


def test_a_browser_gets_the_same_report_on_the_page_with_the_upload_form(client):
    post_csv(client, ALICE)
    page = client.get("/api/deals/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "alice" in page.content.decode()
    assert 'name="deals"' in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_database_connection_that_died_between_requests_is_replaced(client, empty_dataset):
    post_csv(client, ALICE)
    assert report(client) == ALICE_REPORT
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    finally:
        other.close()
    assert report(client) == ALICE_REPORT
