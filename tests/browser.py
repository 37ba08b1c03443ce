"""Debian's Chromium (/usr/bin/chromium, which .ci/run installs) driven by Playwright, for the tests
that use a web browser. Nothing is downloaded: no `playwright install`."""

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 30_000


@contextmanager
def browser_page(server_url: str):
    """A page in a fresh Chromium that refuses (and remembers in `.elsewhere`) requests to other hosts.

    Playwright's sync API runs an event loop in this thread while it is open, and Django refuses
    database calls under a running loop; so the browser lives only inside the test's `with`, and
    fixtures that touch the database run before and after it.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does")
    own_host = urlparse(server_url).netloc
    elsewhere = []

    def only_our_server(route):
        if urlparse(route.request.url).netloc == own_host:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(base_url=server_url)
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", only_our_server)
            page = context.new_page()
            page.elsewhere = elsewhere
            yield page
        finally:
            browser.close()
