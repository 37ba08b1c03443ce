"""Browsers on other sites cannot write: a write a browser marks as coming from another site's page
gets 403 and changes nothing; curl and scripts (no such headers) and the service's own pages are not
affected."""

import pytest

from deals import messages
from deals.models import Upload
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, report

pytestmark = pytest.mark.django_db

MALLORY = csv_of(("mallory", "Ruby", 10**9))
CROSS_SITE_ANSWER = {"Status": "Error", "Desc": messages.CROSS_SITE}


@pytest.fixture
def loaded(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    Upload.objects.all().delete()


@pytest.mark.parametrize(
    "browser_headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},  # a browser that leaves Origin out still says where it was
        {"HTTP_ORIGIN": "https://evil.example"},  # a browser that does not send Sec-Fetch-* yet
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://other.testserver"},  # a sibling host
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame or a local file
    ],
    ids=["cross-site", "cross-site-no-origin", "foreign-origin", "sibling-host", "null-origin"],
)
def test_a_write_from_another_sites_page_is_refused_with_403_and_changes_nothing(client, loaded, browser_headers):
    response = post_csv(client, MALLORY, **browser_headers)
    assert response.status_code == 403
    assert response.json() == CROSS_SITE_ANSWER
    assert report(client) == SAMPLE_ANSWER


def test_the_refused_attempt_is_recorded_with_what_the_client_was_told(client, loaded):
    response = post_csv(client, MALLORY, HTTP_SEC_FETCH_SITE="cross-site")
    upload = Upload.objects.get()
    assert (upload.status, upload.error) == ("failed", response.json()["Desc"])
    assert upload.finished_at is not None


def test_a_request_without_browser_headers_is_not_affected(client, loaded):
    # curl -F deals=@deals.csv, a script: no page is involved, so no Origin and no Sec-Fetch-Site.
    assert post_csv(client, csv_of(("alice", "Ruby", 1))).status_code == 200
    assert report(client) == [{"username": "alice", "spent_money": 1, "gems": []}]


def test_the_services_own_page_may_upload(client, loaded):
    # What a browser sends with the browsable API's form (the test client's host is "testserver").
    own_page = {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"}
    assert post_csv(client, csv_of(("alice", "Ruby", 1)), **own_page).status_code == 200
    assert report(client) == [{"username": "alice", "spent_money": 1, "gems": []}]


def test_a_typed_or_bookmarked_request_is_not_cross_site(client, loaded):
    assert post_csv(client, csv_of(("alice", "Ruby", 1)), HTTP_SEC_FETCH_SITE="none").status_code == 200


def test_an_origin_named_as_trusted_may_upload(client, loaded, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://deals.example"]
    headers = {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "https://deals.example"}
    assert post_csv(client, csv_of(("alice", "Ruby", 1)), **headers).status_code == 200


def test_reading_from_another_site_is_not_refused(client, loaded):
    # CORS keeps another site's page from reading the answer; the service need not refuse it.
    response = client.get("/api/deals/", HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200


def test_with_a_token_set_a_cross_site_request_without_it_gets_401_unrecorded(client, loaded, settings):
    settings.DEALS_UPLOAD_TOKEN = "s3cret"
    assert post_csv(client, MALLORY, HTTP_SEC_FETCH_SITE="cross-site").status_code == 401
    assert not Upload.objects.exists()
