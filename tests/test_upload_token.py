"""DEALS_UPLOAD_TOKEN: when set, only a POST with `Authorization: Token <value>` may replace the data,
and only a request with it may read the upload history; the report and /healthz stay public."""

import pytest

from deals import messages
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings, client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    settings.DEALS_UPLOAD_TOKEN = "s3cret"
    return "s3cret"


def test_a_post_without_the_token_is_refused_with_401_and_changes_nothing(client, token):
    response = post_csv(client, csv_of(("mallory", "Ruby", 10**9)))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "Status": "Error",
        "Desc": 'uploads need the header "Authorization: Token <DEALS_UPLOAD_TOKEN>"; it is missing or wrong',
    }
    assert report(client) == SAMPLE_ANSWER


def test_a_post_with_a_wrong_token_is_refused(client, token):
    client.credentials(HTTP_AUTHORIZATION="Token guess")
    assert post_csv(client, csv_of(("mallory", "Ruby", 1))).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert post_csv(client, csv_of(("mallory", "Ruby", 1))).status_code == 401
    assert report(client) == SAMPLE_ANSWER


def test_a_post_with_the_token_loads(client, token):
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert post_csv(client, csv_of(("alice", "Ruby", 1))).status_code == 200
    assert report(client) == [{"username": "alice", "spent_money": 1, "gems": []}]


def test_reading_the_report_needs_no_token(client, token):
    assert client.get("/api/deals/").status_code == 200


def test_without_a_token_configured_uploads_are_open_and_that_is_logged(client, settings, caplog):
    settings.DEALS_UPLOAD_TOKEN = ""
    import deals.api.permissions

    deals.api.permissions._open_uploads_logged = False
    assert post_csv(client, csv_of(("alice", "Ruby", 1))).status_code == 200
    assert post_csv(client, csv_of(("bob", "Ruby", 1))).status_code == 200
    warnings = [r for r in caplog.records if "uploads are open" in r.getMessage()]
    assert len(warnings) == 1


def test_with_a_token_set_the_upload_history_needs_it(client, token):
    response = client.get("/api/uploads/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"Status": "Error", "Desc": messages.READ_TOKEN_REQUIRED}
    client.credentials(HTTP_AUTHORIZATION="Token guess")
    assert client.get("/api/uploads/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/uploads/").json()["count"] == 1


def test_with_a_token_set_the_report_and_healthz_stay_public(client, token):
    assert client.get("/api/deals/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_without_a_token_configured_the_history_is_open(client, settings):
    settings.DEALS_UPLOAD_TOKEN = ""
    assert client.get("/api/uploads/").status_code == 200
