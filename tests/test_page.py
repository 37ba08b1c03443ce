"""The page for people at `/`: the report as a table and a chart, an upload box with progress, the last uploads.

The HTML is checked through Django's test client; the upload box in real Chromium (tests/browser.py),
waiting for what the page shows, never for time.
"""

import os
from pathlib import Path

import pytest
from django.test import override_settings

from deals import messages
from deals.models import Upload
from tests.browser import browser_page
from tests.support import DATA, SAMPLE_ANSWER, csv_of, post_csv, publishing_blocked

BAD = csv_of(("alice", "Ruby", 10), ("bob", "Ruby", "12a"))
BAD_DESC = messages.at_value(3, "total", "12a", messages.NOT_WHOLE_NUMBER)
# Where the browser tests save their screenshots (docs/page.png comes from here).
SCREENSHOTS = os.environ.get("DEALS_SCREENSHOTS", "")


def many(rows: int) -> bytes:
    return csv_of(*[(f"buyer{n % 997}", "Opal", n % 1000) for n in range(rows)])


@pytest.mark.django_db
class TestThePage:
    def test_an_api_client_asking_for_json_still_gets_the_api_root_there(self, client):
        root = client.get("/", HTTP_ACCEPT="application/json")
        assert root["Content-Type"] == "application/json"
        assert root.json()["deals"] == "http://testserver/api/deals/"
        assert client.get("/", HTTP_ACCEPT="text/html,application/json;q=0.9")["Content-Type"].startswith("text/html")

    def test_before_any_upload_it_says_so(self, client):
        html = client.get("/").content.decode()
        assert "No dataset yet" in html
        assert 'id="report-table"' not in html

    def test_shows_the_report_as_a_table_and_a_chart_drawn_on_the_server(self, client, sample_csv):
        upload = post_csv(client, sample_csv, name="sample.csv").json()["upload"]
        html = client.get("/").content.decode()
        for entry in SAMPLE_ANSWER:
            assert f"<td>{entry['username']}</td>" in html
            assert f'data-username="{entry["username"]}" data-spent-money="{entry["spent_money"]}"' in html
            assert f"<td>{', '.join(entry['gems'])}</td>" in html
        assert "<svg" in html and "<script>" not in html  # the chart needs no script
        assert f"<strong>sample.csv</strong>\n  (upload {upload}, 767 deals)" in html

    def test_the_bars_are_proportional_to_spent_money(self, client, sample_csv):
        post_csv(client, sample_csv)
        chart = client.get("/").context["chart"]
        widths = {bar.username: bar.width for bar in chart.bars}
        assert widths["resplendent"] == max(widths.values())
        assert widths["bellwether"] / widths["resplendent"] == pytest.approx(217794 / 451731, abs=0.001)

    def test_lists_the_last_uploads_with_their_outcome(self, client, sample_csv):
        post_csv(client, sample_csv)
        post_csv(client, BAD, name="bad.csv")
        html = client.get("/").content.decode()
        assert html.index("failed: line 3") < html.index("loaded 767 deals")  # newest first

    def test_loads_nothing_from_another_host(self, client):
        html = client.get("/").content.decode()
        assert "//" not in html.replace("http://www.w3.org/2000/svg", "")

    def test_the_api_root_moved_to_api(self, client):
        root = client.get("/api/", HTTP_ACCEPT="application/json").json()
        assert root["deals"].endswith("/api/deals/") and root["uploads"].endswith("/api/uploads/")
        assert root["page"] == "http://testserver/" and root["metrics"].endswith("/metrics")

    @override_settings(DEALS_UPLOAD_TOKEN="s3cret")
    def test_with_a_token_set_it_asks_for_it_and_shows_the_history_only_to_its_holders(self, client):
        Upload.objects.create(file_name="deals.csv")
        html = client.get("/").content.decode()
        assert 'id="upload-token"' in html
        assert 'id="uploads-table"' not in html
        assert 'id="uploads-table"' in client.get("/parts/", HTTP_AUTHORIZATION="Token s3cret").content.decode()

    def test_without_a_token_set_there_is_no_token_field(self, client):
        assert 'id="upload-token"' not in client.get("/").content.decode()


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def upload(page, file) -> None:
    page.goto("/")
    page.get_by_label("CSV file").set_input_files(file)
    page.get_by_role("button", name="Upload").click()


@pytest.mark.django_db(transaction=True)
def test_the_sample_uploaded_through_the_page_updates_the_table_and_the_chart(live_server, empty_dataset):
    with browser_page(live_server.url) as page:
        page.goto("/")
        assert "No dataset yet" in page.locator("#published").inner_text()
        upload(page, DATA / "deals.csv")
        page.locator("#upload-result.ok").wait_for()
        assert page.locator("#upload-result").inner_text().startswith("Loaded 767 deals")
        rows = page.locator("#report-table tbody tr").all_inner_texts()
        assert [row.split("\t")[1:3] for row in rows] == [[e["username"], str(e["spent_money"])] for e in SAMPLE_ANSWER]
        bars = page.locator("#report-chart rect.bar")
        assert [
            (bar.get_attribute("data-username"), int(bar.get_attribute("data-spent-money"))) for bar in bars.all()
        ] == [(e["username"], e["spent_money"]) for e in SAMPLE_ANSWER]
        assert "deals.csv" in page.locator("#published").inner_text()
        assert "loaded 767 deals" in page.locator("#uploads-table tbody tr").first.inner_text()
        screenshot(page, "page.png")
        assert page.elsewhere == []


@pytest.mark.django_db(transaction=True)
def test_a_bad_file_shows_its_error_and_its_line(live_server, empty_dataset):
    with browser_page(live_server.url) as page:
        upload(page, {"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD})
        error = page.locator("#upload-result.error")
        error.wait_for()
        assert error.inner_text() == BAD_DESC
        assert "failed: " + BAD_DESC in page.locator("#uploads-table tbody tr").first.inner_text()
        assert page.elsewhere == []


@pytest.mark.django_db(transaction=True)
def test_a_file_with_several_bad_lines_lists_every_one(live_server, empty_dataset):
    bad = csv_of(("ann", "Opal", 1)) + b"bob,Ruby,12a,1,2018-12-14\n" + b"carol,Ruby,1,0,2018-12-14\n"
    with browser_page(live_server.url) as page:
        upload(page, {"name": "bad.csv", "mimeType": "text/csv", "buffer": bad})
        page.locator("#upload-result.error").wait_for()
        assert page.locator("#upload-errors li").all_inner_texts() == [
            messages.at_value(3, "total", "12a", messages.NOT_WHOLE_NUMBER),
            messages.at_value(4, "quantity", "0", "is not a positive whole number"),
        ]
        assert page.elsewhere == []


@pytest.mark.django_db(transaction=True)
def test_only_checking_through_the_page_loads_nothing(live_server, empty_dataset):
    with browser_page(live_server.url) as page:
        page.goto("/")
        page.get_by_label("CSV file").set_input_files(DATA / "deals.csv")
        page.get_by_label("Only check the file").check()
        page.get_by_role("button", name="Upload").click()
        page.locator("#upload-result.ok").wait_for()
        assert page.locator("#upload-result").inner_text().startswith("Checked 767 deals: no problem found")
        assert "No dataset yet" in page.locator("#published").inner_text()
        assert page.locator("#upload-errors").is_hidden()
        assert "checked 767 deals, no problem" in page.locator("#uploads-table tbody tr").first.inner_text()


@pytest.mark.django_db(transaction=True)
def test_the_servers_phase_and_row_count_show_while_it_publishes(live_server, empty_dataset, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(many(300_000))
    with browser_page(live_server.url) as page:
        with publishing_blocked():
            upload(page, path)
            progress = page.locator("#server-progress")
            progress.filter(has_text="publishing").wait_for()
            assert "300,000 rows stored" in progress.inner_text()
            screenshot(page, "page-publishing.png")
        page.locator("#upload-result.ok").wait_for()
        assert page.locator("#upload-result").inner_text().startswith("Loaded 300,000 deals")


@pytest.mark.django_db(transaction=True)
def test_a_million_row_upload_moves_the_bar(live_server, empty_dataset, tmp_path):
    path = tmp_path / "million.csv"
    path.write_bytes(many(1_000_000))
    with browser_page(live_server.url) as page:
        page.goto("/")
        # Every value the transfer bar takes, as the browser sets it.
        page.evaluate(
            """() => {
                window.barValues = [];
                const bar = document.getElementById("transfer");
                new MutationObserver(() => window.barValues.push(bar.value))
                    .observe(bar, {attributes: true, attributeFilter: ["value"]});
            }"""
        )
        page.get_by_label("CSV file").set_input_files(path)
        page.get_by_role("button", name="Upload").click()
        page.locator("#upload-result.ok").wait_for(timeout=180_000)
        assert page.locator("#upload-result").inner_text().startswith("Loaded 1,000,000 deals")
        values = page.evaluate("window.barValues")
    assert len(set(values)) >= 3, values
    assert values == sorted(values)  # the bar only moves forward


@pytest.mark.django_db(transaction=True)
def test_a_file_dropped_on_the_box_is_the_one_uploaded(live_server, empty_dataset):
    with browser_page(live_server.url) as page:
        page.goto("/")
        page.evaluate(
            """(text) => {
                const files = new DataTransfer();
                files.items.add(new File([text], "dropped.csv", {type: "text/csv"}));
                document.getElementById("drop-zone").dispatchEvent(
                    new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
            }""",
            BAD.decode(),
        )
        assert page.get_by_label("CSV file").evaluate("input => input.files[0].name") == "dropped.csv"
        page.get_by_role("button", name="Upload").click()
        page.locator("#upload-result.error").wait_for()
        assert page.locator("#upload-result").inner_text() == BAD_DESC
        assert "dropped.csv" in page.locator("#uploads-table tbody tr").first.inner_text()


@pytest.mark.django_db(transaction=True)
def test_with_a_token_set_the_page_uploads_with_the_token_it_is_given(live_server, empty_dataset, settings):
    settings.DEALS_UPLOAD_TOKEN = "s3cret"
    with browser_page(live_server.url) as page:
        page.goto("/")
        assert "needs the upload token" in page.locator("#uploads-part").inner_text()
        page.get_by_label("CSV file").set_input_files(DATA / "deals.csv")
        page.get_by_label("Upload token").fill("wrong")
        page.get_by_role("button", name="Upload").click()
        page.locator("#upload-result.error").wait_for()
        assert page.locator("#upload-result").inner_text() == messages.TOKEN_REQUIRED
        page.get_by_label("Upload token").fill("s3cret")
        page.get_by_role("button", name="Upload").click()
        page.locator("#upload-result.ok").wait_for()
        assert "loaded 767 deals" in page.locator("#uploads-table tbody tr").first.inner_text()
