"""The OpenAPI schema and the Swagger UI: valid, complete for both endpoints, and served offline."""

import re
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi():
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))


def test_the_served_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert set(schema["paths"]) == {"/api/deals/", "/api/deals/{file_name}", "/api/uploads/", "/api/uploads/{id}/"}


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_the_upload_is_a_multipart_file_in_the_field_deals(schema):
    body = schema["paths"]["/api/deals/"]["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data", "text/csv", "application/octet-stream"]
    form = resolve(schema, body["content"]["multipart/form-data"]["schema"])
    assert form["properties"]["deals"] == {**form["properties"]["deals"], "type": "string", "format": "binary"}
    assert form["required"] == ["deals"]


@pytest.mark.parametrize(("path", "method"), [("/api/deals/", "put"), ("/api/deals/{file_name}", "put")])
def test_the_file_itself_as_the_body_is_documented(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["requestBody"]["content"]["text/csv"]["schema"] == {"type": "string", "format": "binary"}
    assert "Content-Encoding" in operation["description"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "408", "409", "411", "413", "429", "503", "507"}


def test_the_file_name_in_the_path_is_documented(schema):
    parameters = {
        parameter["name"]: parameter for parameter in schema["paths"]["/api/deals/{file_name}"]["put"]["parameters"]
    }
    assert set(parameters) == {"file_name", "check"}
    parameter = parameters["file_name"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("file_name", "path", True)
    assert "upload history" in parameter["description"]
    assert set(schema["paths"]["/api/deals/{file_name}"]) == {"put"}


def json_schema_of(schema: dict, operation: dict, status: str) -> dict:
    return resolve(schema, operation["responses"][status]["content"]["application/json"]["schema"])


ERROR_SHAPE = {"Status", "Desc", "errors", "error_count", "error_count_exact"}


def test_every_upload_answer_and_error_shape_is_documented(schema):
    post = schema["paths"]["/api/deals/"]["post"]
    errors = {"400", "401", "403", "408", "409", "411", "413", "429", "503", "507"}
    assert set(post["responses"]) == {"200", *errors}
    answers = [resolve(schema, shape) for shape in json_schema_of(schema, post, "200")["oneOf"]]
    assert [set(answer["properties"]) for answer in answers] == [
        {"Status", "rows", "upload", "dataset", "live"},
        {"Status", "rows", "checked", "upload"},
    ]
    for status in errors:
        error = json_schema_of(schema, post, status)
        assert (set(error["properties"]), set(error["required"])) == (ERROR_SHAPE, {"Status", "Desc"})
        examples = post["responses"][status]["content"]["application/json"]["examples"].values()
        assert all(example["value"]["Status"] == "Error" for example in examples)
    [bad_lines] = [
        example
        for example in post["responses"]["400"]["content"]["application/json"]["examples"].values()
        if "errors" in example["value"]
    ]
    assert set(bad_lines["value"]) == ERROR_SHAPE


def test_check_only_is_documented_on_every_upload(schema):
    for path, method in [("/api/deals/", "post"), ("/api/deals/", "put"), ("/api/deals/{file_name}", "put")]:
        [check] = [
            parameter for parameter in schema["paths"][path][method]["parameters"] if parameter["name"] == "check"
        ]
        assert (check["in"], check["schema"]["type"]) == ("query", "boolean")


def test_the_token_is_a_security_scheme_asked_for_by_uploads_and_the_history_not_the_report(schema):
    scheme = schema["components"]["securitySchemes"]["uploadToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    # Needed only when the server sets DEALS_UPLOAD_TOKEN: the token, or nothing.
    assert schema["paths"]["/api/deals/"]["post"]["security"] == [{"uploadToken": []}, {}]
    assert schema["paths"]["/api/uploads/"]["get"]["security"] == [{"uploadToken": []}, {}]
    assert "security" not in schema["paths"]["/api/deals/"]["get"]
    assert "security" not in schema


def test_the_report_shape_is_documented(schema):
    get = schema["paths"]["/api/deals/"]["get"]
    report = json_schema_of(schema, get, "200")
    entry = resolve(schema, report["properties"]["response"]["items"])
    assert set(entry["properties"]) == {"username", "spent_money", "gems"}
    assert entry["properties"]["gems"]["items"]["type"] == "string"
    assert set(json_schema_of(schema, get, "503")["required"]) == {"Status", "Desc"}


def test_the_docs_page_loads_nothing_from_another_host(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"https?://[^\s\"'<>]+", html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    for url in urls:
        assert not urlparse(url).netloc, f"the docs reference another host: {url}"
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not among our static files"
