"""GET /metrics: Prometheus' text format, counting uploads and report requests on every worker."""

import re
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.live_server import Gunicorn, database_url, delete_cache_entries, wait_until
from tests.support import DATA, csv_of, post_csv

SAMPLE_BYTES = (DATA / "deals.csv").stat().st_size
BAD = csv_of(("bob", "Ruby", "12a"))


def parse(text: str) -> dict[tuple, float]:
    """{(sample name, (label, value), ...): value} for every sample of a scrape."""
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, **headers) -> dict[tuple, float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def moved(before: dict, after: dict) -> dict[tuple, float]:
    """What the service's counters counted between two scrapes."""
    return {
        key: after[key] - before.get(key, 0)
        for key in after
        if key[0].startswith("deals_") and after[key] != before.get(key, 0) and key[0] != "deals_dataset_age_seconds"
    }


UPLOADED_OK = ("deals_uploads_total", ("outcome", "loaded"), ("status", "200"))
UPLOAD_BAD_FILE = ("deals_uploads_total", ("outcome", "failed"), ("status", "400"))
UPLOAD_TOO_LARGE = ("deals_uploads_total", ("outcome", "failed"), ("status", "413"))


def report_requests(cache: str, status: str = "200") -> tuple:
    return ("deals_report_requests_total", ("cache", cache), ("status", status))


@pytest.mark.django_db
class TestInOneProcess:
    def test_names_follow_prometheus_conventions(self, client):
        names = {family.name for family in text_string_to_metric_families(client.get("/metrics").content.decode())}
        assert {
            "deals_uploads",
            "deals_upload_duration_seconds",
            "deals_upload_size_bytes",
            "deals_rows_loaded",
            "deals_report_requests",
        } <= names

    def test_an_upload_counts_its_outcome_duration_size_and_rows(self, client, sample_csv):
        before = scrape(client)
        post_csv(client, sample_csv)
        change = moved(before, scrape(client))
        assert change[UPLOADED_OK] == 1
        assert change[("deals_rows_loaded_total",)] == 767
        assert change[("deals_upload_duration_seconds_count",)] == 1
        assert change[("deals_upload_size_bytes_count",)] == 1
        assert change[("deals_upload_size_bytes_sum",)] == len(sample_csv)
        assert change[("deals_upload_size_bytes_bucket", ("le", "65536.0"))] == 1  # 45 KiB
        assert ("deals_upload_size_bytes_bucket", ("le", "16384.0")) not in change

    def test_failed_uploads_count_with_the_status_their_client_got(self, client):
        before = scrape(client)
        assert post_csv(client, BAD).status_code == 400
        with override_settings(DEALS_MAX_UPLOAD_BYTES=10):
            assert post_csv(client, BAD).status_code == 413
        change = moved(before, scrape(client))
        assert (change[UPLOAD_BAD_FILE], change[UPLOAD_TOO_LARGE]) == (1, 1)
        assert UPLOADED_OK not in change and ("deals_rows_loaded_total",) not in change

    def test_report_requests_count_by_cache_result_and_status(self, client, sample_csv):
        post_csv(client, sample_csv)  # a new version, which no cache holds yet
        before = scrape(client)
        etag = client.get("/api/deals/")["ETag"]
        client.get("/api/deals/")
        assert client.get("/api/deals/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        change = moved(before, scrape(client))
        assert {key: n for key, n in change.items() if key[0] == "deals_report_requests_total"} == {
            report_requests("miss"): 1,
            report_requests("process_hit"): 1,
            report_requests("skipped", "304"): 1,
        }

    def test_the_live_datasets_version_and_age(self, client, sample_csv):
        assert ("deals_dataset_version",) not in scrape(client)  # no dataset yet
        post_csv(client, sample_csv)
        with connection.cursor() as cursor:
            cursor.execute("SELECT live_load, extract(epoch FROM published_at) FROM dataset")
            live_load, published = cursor.fetchone()
        metrics = scrape(client)
        assert metrics[("deals_dataset_version",)] == live_load
        assert metrics[("deals_dataset_published_timestamp_seconds",)] == pytest.approx(float(published))
        assert 0 <= metrics[("deals_dataset_age_seconds",)] < 3600

    def test_with_a_token_set_metrics_need_it(self, client):
        with override_settings(DEALS_UPLOAD_TOKEN="s3cret"):
            refused = client.get("/metrics")
            assert refused.status_code == 401
            assert refused.json()["Status"] == "Error"
            scrape(client, HTTP_AUTHORIZATION="Token s3cret")

    def test_any_accept_header_gets_the_text_format(self, client):
        scrape(client, HTTP_ACCEPT="text/plain")


CACHE_RESULTS = ("miss", "shared_hit", "process_hit")


def report_gets_per_worker(metrics_dir: Path) -> dict[int, float]:
    """The report GETs each worker has counted, read from its own file: which worker served what."""
    counted = {}
    for path in metrics_dir.glob("counter_*.db"):
        samples = {
            (sample.name, *sorted(sample.labels.items())): sample.value
            for family in MultiProcessCollector.merge([str(path)])
            for sample in family.samples
        }
        counted[int(path.stem.split("_")[1])] = sum(samples.get(report_requests(c), 0) for c in CACHE_RESULTS)
    return counted


def get_report_concurrently(server: Gunicorn, count: int) -> None:
    threads = [threading.Thread(target=server.get) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_every_scrape_adds_up_both_gunicorn_workers(empty_dataset, tmp_path, sample_csv):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"a previous run's file")
    redis_url = "redis://127.0.0.1:6379/9"
    with Gunicorn(
        database_url=database_url(),
        log_path=tmp_path / "gunicorn.log",
        redis_url=redis_url,
        workers=2,
        ready=("/healthz", 200),
        environment={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    ) as server:
        try:
            assert not (metrics_dir / "counter_1.db").exists()  # cleaned when the master started
            assert server.post_csv(sample_csv).status == 200
            assert server.post_csv(BAD).status == 400
            gets = 0

            def both_workers_served() -> bool:
                nonlocal gets
                get_report_concurrently(server, 8)
                gets += 8
                return len([pid for pid, count in report_gets_per_worker(metrics_dir).items() if count]) == 2

            wait_until(both_workers_served, "GETs served by both workers", seconds=60)
            for _ in range(6):  # whichever worker answers, it reports both workers' counts
                metrics = parse(server.get("/metrics").body.decode())
                served = {c: metrics.get(report_requests(c), 0) for c in CACHE_RESULTS}
                assert sum(served.values()) == gets
                # Each worker's first GET of the new report read it from PostgreSQL or from Redis.
                assert served["miss"] >= 1 and served["miss"] + served["shared_hit"] >= 2
                assert (metrics[UPLOADED_OK], metrics[UPLOAD_BAD_FILE]) == (1, 1)
                assert metrics[("deals_rows_loaded_total",)] == 767
                assert metrics[("deals_upload_size_bytes_sum",)] == SAMPLE_BYTES + len(BAD)
        finally:
            delete_cache_entries(redis_url, server.cache_prefix)


@pytest.mark.django_db(transaction=True)
def test_without_a_directory_gunicorn_makes_one_and_removes_it_on_exit(tmp_path):
    server = Gunicorn(database_url=database_url(), log_path=tmp_path / "gunicorn.log", ready=("/healthz", 200))
    try:
        [chosen] = re.findall(r"metrics of every worker in (\S+) \(PROMETHEUS_MULTIPROC_DIR\)", server.log())
        chosen = Path(chosen)
        assert chosen.name.startswith("deals-metrics-")
        assert server.get("/metrics").status == 200
        assert list(chosen.glob("*.db"))  # the workers' files
    finally:
        server.stop()
    assert not chosen.exists()
