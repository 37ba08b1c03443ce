"""A person with a web browser: upload through the browsable API's form, read the report, open the docs.

Real headless Chromium (Debian's package at /usr/bin/chromium, which .ci/run installs) driven by
Playwright against a live server. Nothing is downloaded: no `playwright install`.
"""

import http.server
import threading
from contextlib import contextmanager

import pytest

from deals import messages
from deals.models import Upload
from tests.browser import browser_page
from tests.support import DATA, SAMPLE_ANSWER, csv_of, post_csv, report


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


# A page on another site: it makes its visitor's browser POST a multipart form to the service, a
# "simple request" that browsers send without asking the service first (no CORS preflight).
ATTACK_PAGE = """<!doctype html><title>another site</title><script>
async function attack(target, csv) {
  const form = new FormData();
  form.append("deals", new Blob([csv], {type: "text/csv"}), "deals.csv");
  // The answer is opaque to this page either way; the connection may be closed on the body.
  await fetch(target, {method: "POST", body: form, mode: "no-cors"}).catch(() => null);
  return "sent";
}
</script>"""


@contextmanager
def another_site():
    """A page served from 127.0.0.1 (the live server is `localhost`: another site), by a real server.

    A real one: Chromium denies a page with no network address of its own (one Playwright made up)
    any request to the loopback, which would hide what the service does.
    """

    class AttackPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = ATTACK_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AttackPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/attack.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_page_on_another_site_cannot_replace_the_data_through_a_visitors_browser(live_server, empty_dataset, client):
    assert post_csv(client, (DATA / "deals.csv").read_bytes()).status_code == 200
    with another_site() as attack_url, browser_page(live_server.url) as page:
        page.route(attack_url, lambda route: route.continue_())
        page.goto(attack_url)
        target = f"{live_server.url}/api/deals/"
        assert page.evaluate("([t, csv]) => attack(t, csv)", [target, csv_of(("mallory", "Ruby", 10**9)).decode()])
    assert report(client) == SAMPLE_ANSWER
    # The request did arrive, and was refused: recorded with the 403's sentence.
    assert Upload.objects.filter(status="failed", error=messages.CROSS_SITE).count() == 1
