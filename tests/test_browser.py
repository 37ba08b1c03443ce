"""A person with a web browser: upload through the browsable API's form, read the report, open the docs.

Real headless Chromium (Debian's package at /usr/bin/chromium, which .ci/run installs) driven by
Playwright against a live server. Nothing is downloaded: no `playwright install`.
"""

import pytest

from tests.browser import browser_page
from tests.support import DATA


@pytest.mark.django_db(transaction=True)
def test_upload_through_the_html_form_then_read_the_report(live_server, empty_dataset):
    with browser_page(live_server.url) as page:
        upload_and_read_the_report(page)


def upload_and_read_the_report(page) -> None:
    page.goto("/api/deals/")
    form = page.locator("#post-object-form form")
    file_input = form.locator('input[type="file"][name="deals"]')
    file_input.set_input_files(DATA / "deals.csv")
    form.get_by_role("button", name="POST").click()
    page.wait_for_load_state()
    response = page.locator(".response-info").inner_text()
    assert "HTTP 200 OK" in response
    assert '"Status": "OK"' in response
    assert '"rows": 767' in response

    page.goto("/api/deals/")
    report = page.locator(".response-info").inner_text()
    assert '"username": "resplendent"' in report
    assert '"spent_money": 451731' in report
    assert page.elsewhere == []


@pytest.mark.django_db(transaction=True)
def test_the_swagger_ui_renders_both_endpoints_without_other_hosts(live_server):
    with browser_page(live_server.url) as page:
        read_the_docs(page)


def read_the_docs(page) -> None:
    page.goto("/api/docs/")
    paths = page.locator(".opblock-summary-path")
    paths.first.wait_for()
    shown = {(p.get_attribute("data-path") or p.inner_text()).strip() for p in paths.all()}
    assert {"/api/deals/", "/api/uploads/"} <= shown
    assert page.locator(".opblock-post .opblock-summary-path").first.inner_text().strip() == "/api/deals/"
    assert page.elsewhere == []
