"""Everything under /api/ answers in the API's error shape, unknown paths and wrong methods included;
the page at / and the docs keep their HTML."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nope/", "/api/deals/x/y", "/api/uploads/abc/", "/api/nope"])
def test_an_unknown_path_under_api_is_a_json_404(client, path):
    for method in ("get", "post", "put", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path)
        assert response["Content-Type"] == "application/json"
        answer = response.json()
        assert set(answer) == {"Status", "Desc"} and answer["Status"] == "Error"
        assert path in answer["Desc"] and "/api/" in answer["Desc"]


def test_an_unknown_upload_id_is_a_json_404(client):
    response = client.get("/api/uploads/999999/")
    assert (response.status_code, response.json()["Status"]) == (404, "Error")


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/api/deals/"), ("patch", "/api/deals/"), ("get", "/api/deals/x.csv"), ("post", "/api/uploads/")],
)
def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.json()["Status"] == "Error" and method.upper() in response.json()["Desc"]
    assert response["Allow"]


def test_a_route_without_its_slash_is_redirected_to_it(client):
    response = client.get("/api/deals?x=1")
    assert (response.status_code, response["Location"]) == (301, "/api/deals/?x=1")


def test_the_page_and_the_docs_stay_html(client):
    for path in ("/", "/api/docs/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), path


def test_a_path_outside_api_keeps_djangos_404(client):
    response = client.get("/nope/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
