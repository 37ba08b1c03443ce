"""A file with bad lines is checked to its end and answered with every one of them, in file order, with
its line, column and value; it still changes nothing. A problem after which nothing can be read ends
the check there, and so does the DEALS_MAX_COUNTED_ERRORS-th bad line."""

import pytest

from deals import messages
from deals.models import Upload
from tests.support import HEADER, SAMPLE_ANSWER, post_csv, report, staging_tables

pytestmark = pytest.mark.django_db

GOOD = "ann,Opal,1,1,2018-12-14 08:29:52"
NOT_WHOLE = messages.NOT_WHOLE_NUMBER


def body(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def with_bad_totals(count: int, bad: dict[int, str]) -> bytes:
    """`count` good deals, the physical lines in `bad` (the header being line 1) with that total instead."""
    lines = [GOOD] * count
    for line, total in bad.items():
        lines[line - 2] = f"bob,Ruby,{total},1,2018-12-14"
    return body(lines)


@pytest.fixture
def loaded(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    return staging_tables()


def errors_of(answer: dict) -> list[tuple]:
    return [(error["line"], error["column"], error["value"], error["message"]) for error in answer["errors"]]


def test_seven_bad_lines_are_all_named_with_line_column_and_value(client, loaded, sample_csv):
    lines = sample_csv.decode("utf-8-sig").splitlines()
    bad = {}
    for line in range(100, 767, 100):  # every 100th line of the sample, each broken its own way
        customer, item, total, quantity, date = lines[line - 1].split(",")
        broken = [
            ("total", f"{total}a", NOT_WHOLE),
            ("quantity", "0", "is not a positive whole number"),
            ("date", "someday", messages.NOT_DATE_TIME),
            ("total", "-1", "is negative; totals must be 0 or more"),
            ("quantity", "1.5", NOT_WHOLE),
            ("date", "2018-02-30 10:00:00", messages.IMPOSSIBLE_DATE),
            ("total", "99999999999999999999", messages.TOO_LARGE),
        ][len(bad)]
        column, value, problem = broken
        values = {"customer": customer, "item": item, "total": total, "quantity": quantity, "date": date}
        values[column] = value
        lines[line - 1] = ",".join(values.values())
        bad[line] = (column, value, messages.at_value(line, column, value, problem))
    response = post_csv(client, ("\n".join(lines) + "\n").encode())
    assert response.status_code == 400
    answer = response.json()
    assert errors_of(answer) == [(line, *found) for line, found in bad.items()]
    first = bad[100][2]
    assert answer["Desc"] == f"{first}; 7 lines have problems (each listed in errors)"
    assert (answer["error_count"], answer["error_count_exact"]) == (7, True)
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == loaded


def test_150_bad_lines_give_100_listed_and_150_counted(client, loaded):
    bad = {line: "x" for line in range(3, 3 + 2 * 150, 2)}
    answer = post_csv(client, with_bad_totals(400, bad)).json()
    assert [error["line"] for error in answer["errors"]] == sorted(bad)[:100]
    assert (answer["error_count"], answer["error_count_exact"]) == (150, True)
    assert answer["Desc"] == (
        messages.at_value(3, "total", "x", NOT_WHOLE) + "; 150 lines have problems (the first 100 listed in errors)"
    )
    assert staging_tables() == loaded


def test_the_list_and_the_count_follow_their_settings(client, settings):
    settings.DEALS_MAX_REPORTED_ERRORS, settings.DEALS_MAX_COUNTED_ERRORS = 3, 10
    answer = post_csv(client, with_bad_totals(40, {line: "x" for line in range(2, 42)})).json()
    assert [error["line"] for error in answer["errors"]] == [2, 3, 4]
    assert (answer["error_count"], answer["error_count_exact"]) == (10, False)
    assert "at least 10 lines have problems" in answer["Desc"]
    assert "checking stopped there (DEALS_MAX_COUNTED_ERRORS=10)" in answer["Desc"]


def test_a_file_bad_on_every_line_is_counted_up_to_the_bound_and_stops(client, settings):
    settings.DEALS_MAX_COUNTED_ERRORS = 500
    answer = post_csv(client, body([f"c{n},Ruby,1,1,14.12.2018" for n in range(5000)])).json()
    assert [error["line"] for error in answer["errors"]] == list(range(2, 102))
    assert (answer["error_count"], answer["error_count_exact"]) == (500, False)


def test_a_bad_line_in_each_copy_stream_is_reported(client, settings):
    settings.DEALS_COPY_STREAMS, settings.DEALS_COPY_BATCH_BYTES = 3, 1  # one record a batch: lines 2, 3, 4
    lines = [GOOD] * 9
    lines[0], lines[1], lines[2] = "a,Ruby,x,1,2018-12-14", "b,Ruby,1,0,2018-12-14", "c,Ruby,1"
    answer = post_csv(client, body(lines)).json()
    assert errors_of(answer) == [
        (2, "total", "x", messages.at_value(2, "total", "x", NOT_WHOLE)),
        (3, "quantity", "0", messages.at_value(3, "quantity", "0", "is not a positive whole number")),
        (4, None, None, messages.at_line(4, messages.TOO_FEW_VALUES)),
    ]


@pytest.mark.parametrize(("streams", "batch_bytes"), [(1, 4 << 20), (2, 64), (3, 1)])
def test_the_answer_is_the_same_however_the_file_is_spread(client, settings, streams, batch_bytes):
    settings.DEALS_COPY_STREAMS, settings.DEALS_COPY_BATCH_BYTES = streams, batch_bytes
    bad = (5, 6, 7, 30, 59)
    two_lines = [n for n in range(60) if n % 7 == 0 and n not in bad]
    lines = [f'c{n},"Ru\nby",{n},1,2018-12-14' if n in two_lines else f"c{n},Ruby,{n},1,2018-12-14" for n in range(60)]
    for n in bad:
        lines[n] = f"c{n},Ruby,{n},0,2018-12-14"
    lines.insert(20, "")  # a blank line before record 20: not counted by COPY, counted in the file
    answer = post_csv(client, body(lines)).json()
    # Record n starts after the header, the n records before it, their second lines, and the blank one.
    expected = [2 + n + len([m for m in two_lines if m < n]) + (n >= 20) for n in bad]
    assert [error["line"] for error in answer["errors"]] == expected
    assert answer["error_count"] == 5


def test_a_bad_line_inside_a_multi_line_value_run_is_named_where_its_record_starts(client):
    lines = [GOOD, 'a,"Ru\nby",x,1,2018-12-14', 'b,"Sap\n\nphire",1,0,2018-12-14', GOOD, "c,Ruby,y,1,2018-12-14"]
    answer = post_csv(client, body(lines)).json()
    assert [(error["line"], error["column"]) for error in answer["errors"]] == [
        (3, "total"),
        (5, "quantity"),
        (9, "total"),
    ]


def test_an_encoding_error_ends_the_check_and_says_why(client, settings):
    settings.DEALS_COPY_STREAMS, settings.DEALS_COPY_BATCH_BYTES = 2, 1
    cyrillic = ["d,Рубин,1,1,2018-12-14"] * 3  # so the file is read as UTF-8
    lines = [GOOD, "a,Ruby,x,1,2018-12-14", *cyrillic, "b,R\xffby,1,1,2018-12-14", GOOD, "c,Ruby,y,1,2018-12-14"]
    content = body(lines).replace("\xff".encode(), b"\xff")
    answer = post_csv(client, content).json()
    encoding = messages.bad_encoding(7, "UTF8", "bytes 0xff")
    first = messages.at_value(3, "total", "x", NOT_WHOLE)
    assert [error["message"] for error in answer["errors"]] == [first, encoding]
    assert answer["Desc"] == (
        f"{first}; 2 lines have problems (each listed in errors); nothing after the last could be checked, "
        f"because {encoding}"
    )


def test_a_quote_never_closed_after_bad_lines_is_the_last_problem(client):
    lines = ["a,Ruby,x,1,2018-12-14", GOOD, 'b,"Ruby,1,1,2018-12-14', GOOD]
    answer = post_csv(client, body(lines)).json()
    assert [error["message"] for error in answer["errors"]] == [
        messages.at_value(2, "total", "x", NOT_WHOLE),
        messages.at_line(4, messages.UNCLOSED_QUOTE),
    ]


def test_the_upload_record_keeps_the_list_its_client_was_told(client):
    answer = post_csv(client, with_bad_totals(10, {4: "x", 8: "y"})).json()
    recorded = Upload.objects.get()
    assert (recorded.status, recorded.error, recorded.problems) == (
        "failed",
        answer["Desc"],
        {key: answer[key] for key in ("errors", "error_count", "error_count_exact")},
    )
    shown = client.get(f"/api/uploads/{recorded.pk}/").json()
    assert {key: shown[key] for key in ("errors", "error_count", "error_count_exact")} == recorded.problems


def test_an_upload_without_bad_lines_records_no_list(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    shown = client.get("/api/uploads/").json()["results"][0]
    assert (shown["errors"], shown["error_count"], shown["error_count_exact"]) == ([], None, None)
