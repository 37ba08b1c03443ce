"""`?check=1` and `load_deals --check` read and check the whole file exactly as a load would, with the same
errors, and publish nothing: no table, no cache entry, no ETag changes; the history records a check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from deals.models import Upload
from tests.support import (
    SAMPLE_ANSWER,
    csv_of,
    post_csv,
    post_raw_csv,
    put_csv,
    query,
    report,
    staging_tables,
)

pytestmark = pytest.mark.django_db

BOB = csv_of(("bob", "Opal", 20), ("carol", "Ruby", 5))
BAD = csv_of(("bob", "Opal", 20)) + b"carol,Ruby,12a,1,2018-12-14\n" + b"dave,Ruby,1,0,2018-12-14\n"


@pytest.fixture
def loaded(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    return staging_tables()


def check(client, content: bytes, query_string: str = "?check=1"):
    upload = SimpleUploadedFile("deals.csv", content, "text/csv")
    return client.post(f"/api/deals/{query_string}", {"deals": upload}, format="multipart")


def test_a_good_file_is_answered_with_its_rows_and_checked(client, loaded):
    response = check(client, BOB)
    assert response.status_code == 200
    answer = response.json()
    assert answer == {"Status": "OK", "rows": 2, "checked": True, "upload": answer["upload"]}


def test_a_check_changes_no_table_no_cache_entry_and_no_etag(client, loaded, settings, redis_cache):
    etag = client.get("/api/deals/")["ETag"]
    keys = sorted(redis_cache._cache.get_client().keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    dataset = query("SELECT live_load, published_at FROM dataset")
    rows = query("SELECT count(*) FROM deal_rows")
    assert check(client, BOB).status_code == 200
    assert staging_tables() == loaded
    assert query("SELECT live_load, published_at FROM dataset") == dataset
    assert query("SELECT count(*) FROM deal_rows") == rows
    assert sorted(redis_cache._cache.get_client().keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*")) == keys
    response = client.get("/api/deals/", HTTP_IF_NONE_MATCH=etag)
    assert (response.status_code, response["ETag"]) == (304, etag)
    assert report(client) == SAMPLE_ANSWER


def test_a_check_leaves_no_table_of_its_own_in_any_session(client, loaded):
    assert check(client, BOB).status_code == 200
    assert query("SELECT count(*) FROM pg_class WHERE relname = 'deal_rows_check'") == [(0,)]


def test_a_bad_file_gets_exactly_the_errors_a_load_gets(client, loaded):
    checked = check(client, BAD)
    loaded_answer = post_csv(client, BAD)
    assert checked.status_code == loaded_answer.status_code == 400
    assert checked.json() == loaded_answer.json()
    assert [error["line"] for error in checked.json()["errors"]] == [3, 4]
    assert staging_tables() == loaded


def test_the_raw_body_takes_check_too(client, loaded):
    for response in (put_csv(client, BOB, path="/api/deals/?check=1"), post_raw_csv(client, BOB)):
        assert response.status_code == 200
    assert [upload.check_only for upload in Upload.objects.order_by("id")][-2:] == [True, False]


def test_the_history_records_a_check_as_a_check(client, loaded):
    check(client, BOB)
    check(client, BAD)
    good, bad = Upload.objects.order_by("-id")[:2][::-1]
    assert (good.status, good.check_only, good.rows_loaded, good.load_id) == ("checked", True, 2, None)
    assert (bad.status, bad.check_only, bad.http_status) == ("failed", True, 400)
    shown = client.get(f"/api/uploads/{good.pk}/").json()
    assert (shown["status"], shown["check_only"], shown["rows_stored"]) == ("checked", True, 2)


def test_check_0_is_an_ordinary_load_and_anything_else_is_refused(client, loaded):
    assert check(client, BOB, "?check=0").json()["dataset"] is not None
    assert report(client)[0]["username"] == "bob"
    response = check(client, csv_of(("eve", "Opal", 1)), "?check=maybe")
    assert response.status_code == 400
    assert "?check=maybe" in response.json()["Desc"]
    assert report(client)[0]["username"] == "bob"


def test_an_empty_file_is_refused_by_a_check_as_by_a_load(client, loaded):
    assert (
        check(client, b"customer,item,total,quantity,date\n").json()
        == post_csv(client, b"customer,item,total,quantity,date\n").json()
    )


def test_load_deals_check_checks_and_publishes_nothing(tmp_path, loaded, capsys):
    path = tmp_path / "bob.csv"
    path.write_bytes(BOB)
    call_command("load_deals", str(path), "--check", "--no-progress")
    assert "checked 2 deals" in capsys.readouterr().out
    assert staging_tables() == loaded
    assert Upload.objects.order_by("-id").first().status == "checked"


def test_load_deals_check_prints_every_bad_line(tmp_path, loaded):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    with pytest.raises(CommandError) as failed:
        call_command("load_deals", str(path), "--check", "--no-progress")
    lines = str(failed.value).splitlines()
    assert lines[0].startswith('line 3, column "total": "12a" is not a whole number; 2 lines have problems')
    assert [line.strip()[:7] for line in lines[1:]] == ["line 3,", "line 4,"]
